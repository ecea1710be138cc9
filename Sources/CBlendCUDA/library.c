/* dlopen and dlsym with their failures recorded as errors. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <string.h>
#include "internal.h"

void *bcu_library_open(const char *path, const char *what) {
    dlerror();
    void *library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        const char *reason = dlerror();
        bcu_fail(what, BCU_ERROR_LIBRARY_NOT_FOUND, "%s", reason ? reason : path);
    }
    return library;
}

int bcu_library_resolve(void *library, const char *path, void *table, const bcu_symbol *symbols, int count) {
    for (int i = 0; i < count; i++) {
        void *function = dlsym(library, symbols[i].name);
        if (!function && symbols[i].fallback) function = dlsym(library, symbols[i].fallback);
        if (!function) {
            return bcu_fail("dlsym", BCU_ERROR_SYMBOL_NOT_FOUND, "%s has no symbol %s", path, symbols[i].name);
        }
        /* POSIX guarantees that a function pointer round-trips through void *. */
        memcpy((char *)table + symbols[i].offset, &function, sizeof function);
    }
    return BCU_OK;
}
