/* The calling thread's last error: which call failed, its status and why. */
#include <stdarg.h>
#include <stdio.h>
#include "internal.h"

static _Thread_local const char *last_call = "";
static _Thread_local int last_code = BCU_OK;
static _Thread_local char last_message[1024];

int bcu_fail(const char *call, int code, const char *format, ...) {
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(last_message, sizeof last_message, format, arguments);
    va_end(arguments);
    last_call = call;
    last_code = code;
    return code;
}

int bcu_check(const bcu_driver *driver, const char *call, CUresult result) {
    if (result == 0) return BCU_OK;
    const char *name = NULL, *text = NULL;
    if (driver->cuGetErrorName(result, &name) != 0 || name == NULL) name = "CUDA_ERROR_UNKNOWN";
    if (driver->cuGetErrorString(result, &text) != 0 || text == NULL) text = "no description";
    return bcu_fail(call, result, "%s: %s", name, text);
}

int bcu_require(const void *handle, const char *call) {
    return handle ? BCU_OK : bcu_fail(call, BCU_ERROR_INVALID_ARGUMENT, "a required handle is NULL");
}

const char *bcu_last_error_call(void) { return last_call; }

int bcu_last_error_code(void) { return last_code; }

const char *bcu_last_error_message(void) { return last_message; }
