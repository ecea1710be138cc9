/* NVRTC: finding and opening the library, and compiling one program to PTX and CUBIN. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

enum { NVRTC_ERROR_COMPILATION = 6 };

struct bcu_program {
    char *log;
    char *ptx;
    size_t ptx_bytes;
    char *cubin;
    size_t cubin_bytes;
};

#define SYMBOL(field) {#field, NULL, offsetof(bcu_nvrtc, field)}

static const bcu_symbol nvrtc_symbols[] = {
    SYMBOL(nvrtcGetErrorString), SYMBOL(nvrtcVersion),      SYMBOL(nvrtcCreateProgram), SYMBOL(nvrtcCompileProgram),
    SYMBOL(nvrtcGetProgramLogSize), SYMBOL(nvrtcGetProgramLog), SYMBOL(nvrtcGetPTXSize),   SYMBOL(nvrtcGetPTX),
    SYMBOL(nvrtcGetCUBINSize), SYMBOL(nvrtcGetCUBIN),       SYMBOL(nvrtcDestroyProgram),
};

/* The library named by `path`, else $BLENDSERVE_NVRTC, else the first soname that opens. */
static void *open_library(const char *path, char *found, size_t found_bytes) {
    const char *given = path ? path : getenv("BLENDSERVE_NVRTC");
    if (given && *given) {
        snprintf(found, found_bytes, "%s", given);
        return bcu_library_open(given, "dlopen libnvrtc");
    }
    static const char *const names[] = {"libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        void *library = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (library) {
            snprintf(found, found_bytes, "%s", names[i]);
            return library;
        }
    }
    bcu_fail("dlopen libnvrtc", BCU_ERROR_LIBRARY_NOT_FOUND,
             "none of libnvrtc.so.13, libnvrtc.so.12, libnvrtc.so could be opened and BLENDSERVE_NVRTC is not set");
    return NULL;
}

int bcu_nvrtc_open(const char *path, bcu_nvrtc **out) {
    if (!out) return bcu_fail("bcu_nvrtc_open", BCU_ERROR_INVALID_ARGUMENT, "no place for the NVRTC handle");
    *out = NULL;
    bcu_nvrtc *nvrtc = calloc(1, sizeof *nvrtc);
    if (!nvrtc) return bcu_fail("bcu_nvrtc_open", BCU_ERROR_OUT_OF_HOST_MEMORY, "cannot allocate the NVRTC table");
    nvrtc->library = open_library(path, nvrtc->path, sizeof nvrtc->path);
    if (!nvrtc->library) {
        free(nvrtc);
        return BCU_ERROR_LIBRARY_NOT_FOUND;
    }
    int count = (int)(sizeof nvrtc_symbols / sizeof nvrtc_symbols[0]);
    int status = bcu_library_resolve(nvrtc->library, nvrtc->path, nvrtc, nvrtc_symbols, count);
    if (status != BCU_OK) {
        bcu_nvrtc_close(nvrtc);
        return status;
    }
    *out = nvrtc;
    return BCU_OK;
}

void bcu_nvrtc_close(bcu_nvrtc *nvrtc) {
    if (!nvrtc) return;
    dlclose(nvrtc->library);
    free(nvrtc);
}

const char *bcu_nvrtc_path(const bcu_nvrtc *nvrtc) { return nvrtc ? nvrtc->path : ""; }

/* BCU_OK, or the NVRTC error recorded against `call`. */
static int check(const bcu_nvrtc *nvrtc, const char *call, nvrtcResult result) {
    if (result == 0) return BCU_OK;
    const char *text = nvrtc->nvrtcGetErrorString(result);
    return bcu_fail(call, result, "%s", text ? text : "unknown NVRTC error");
}

int bcu_nvrtc_version(const bcu_nvrtc *nvrtc, int *major, int *minor) {
    int status = bcu_require(nvrtc, "nvrtcVersion");
    return status ? status : check(nvrtc, "nvrtcVersion", nvrtc->nvrtcVersion(major, minor));
}

/* Copies out one of the program's outputs with its size and getter; a size call that fails
 * (CUBIN of a virtual architecture) leaves no output. */
static int copy_output(const bcu_nvrtc *nvrtc, nvrtcProgram handle, const char *call,
                       nvrtcResult (*size_of)(nvrtcProgram, size_t *), nvrtcResult (*get)(nvrtcProgram, char *),
                       char **output, size_t *bytes) {
    size_t size = 0;
    if (size_of(handle, &size) != 0 || size == 0) return BCU_OK;
    char *buffer = malloc(size);
    if (!buffer) return bcu_fail(call, BCU_ERROR_OUT_OF_HOST_MEMORY, "cannot allocate %zu bytes", size);
    int status = check(nvrtc, call, get(handle, buffer));
    if (status) {
        free(buffer);
        return status;
    }
    *output = buffer;
    *bytes = size;
    return BCU_OK;
}

int bcu_nvrtc_compile(const bcu_nvrtc *nvrtc, const char *source, const char *name, int header_count,
                      const char *const *headers, const char *const *include_names, int option_count,
                      const char *const *options, bcu_program **out) {
    int status = bcu_require(nvrtc, "nvrtcCreateProgram");
    if (!status) status = bcu_require(out, "nvrtcCreateProgram");
    if (status) return status;
    *out = NULL;
    nvrtcProgram handle = NULL;
    status = check(nvrtc, "nvrtcCreateProgram",
                   nvrtc->nvrtcCreateProgram(&handle, source, name, header_count, headers, include_names));
    if (status) return status;
    bcu_program *program = calloc(1, sizeof *program);
    if (!program) {
        nvrtc->nvrtcDestroyProgram(&handle);
        return bcu_fail("bcu_nvrtc_compile", BCU_ERROR_OUT_OF_HOST_MEMORY, "cannot allocate the program");
    }
    nvrtcResult compiled = nvrtc->nvrtcCompileProgram(handle, option_count, options);
    size_t log_bytes = 0;
    status = check(nvrtc, "nvrtcGetProgramLogSize", nvrtc->nvrtcGetProgramLogSize(handle, &log_bytes));
    if (!status) {
        program->log = calloc(log_bytes + 1, 1);
        status = program->log ? check(nvrtc, "nvrtcGetProgramLog", nvrtc->nvrtcGetProgramLog(handle, program->log))
                              : bcu_fail("nvrtcGetProgramLog", BCU_ERROR_OUT_OF_HOST_MEMORY, "cannot allocate the log");
    }
    if (!status && compiled == 0) {
        status = copy_output(nvrtc, handle, "nvrtcGetPTX", nvrtc->nvrtcGetPTXSize, nvrtc->nvrtcGetPTX, &program->ptx,
                             &program->ptx_bytes);
    }
    if (!status && compiled == 0) {
        status = copy_output(nvrtc, handle, "nvrtcGetCUBIN", nvrtc->nvrtcGetCUBINSize, nvrtc->nvrtcGetCUBIN,
                             &program->cubin, &program->cubin_bytes);
    }
    nvrtc->nvrtcDestroyProgram(&handle);
    if (compiled != 0) status = check(nvrtc, "nvrtcCompileProgram", compiled);
    if (status && compiled != NVRTC_ERROR_COMPILATION) {
        bcu_program_destroy(program);
        return status;
    }
    *out = program;
    return status;
}

const char *bcu_program_log(const bcu_program *program) { return program && program->log ? program->log : ""; }

const void *bcu_program_cubin(const bcu_program *program, size_t *bytes) {
    if (bytes) *bytes = program ? program->cubin_bytes : 0;
    return program ? program->cubin : NULL;
}

const char *bcu_program_ptx(const bcu_program *program, size_t *bytes) {
    if (bytes) *bytes = program ? program->ptx_bytes : 0;
    return program ? program->ptx : NULL;
}

void bcu_program_destroy(bcu_program *program) {
    if (!program) return;
    free(program->log);
    free(program->ptx);
    free(program->cubin);
    free(program);
}
