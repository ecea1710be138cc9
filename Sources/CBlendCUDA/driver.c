/* Opening and closing the driver library: dlopen, every symbol resolved up front, cuInit. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include "internal.h"

#define SYMBOL(field) {#field, NULL, offsetof(bcu_driver, field)}

/* cuEventElapsedTime_v2 (CUDA 12.8+) is what cuda.h 13 maps the plain name to; older drivers
 * have only the plain name, with the same signature. */
static const bcu_symbol driver_symbols[] = {
    SYMBOL(cuInit), SYMBOL(cuDriverGetVersion), SYMBOL(cuGetErrorName), SYMBOL(cuGetErrorString),
    SYMBOL(cuDeviceGetCount), SYMBOL(cuDeviceGet), SYMBOL(cuDeviceGetName), SYMBOL(cuDeviceGetAttribute),
    SYMBOL(cuDeviceTotalMem_v2), SYMBOL(cuDeviceCanAccessPeer), SYMBOL(cuDevicePrimaryCtxRetain),
    SYMBOL(cuDevicePrimaryCtxRelease_v2), SYMBOL(cuCtxSetCurrent), SYMBOL(cuCtxSynchronize),
    SYMBOL(cuCtxEnablePeerAccess), SYMBOL(cuMemGetInfo_v2), SYMBOL(cuMemAlloc_v2), SYMBOL(cuMemFree_v2),
    SYMBOL(cuMemHostAlloc), SYMBOL(cuMemFreeHost), SYMBOL(cuMemcpyHtoDAsync_v2), SYMBOL(cuMemcpyDtoHAsync_v2),
    SYMBOL(cuMemcpyDtoDAsync_v2), SYMBOL(cuMemcpyPeerAsync), SYMBOL(cuMemsetD8Async), SYMBOL(cuStreamCreate),
    SYMBOL(cuStreamDestroy_v2), SYMBOL(cuStreamSynchronize), SYMBOL(cuStreamWaitEvent), SYMBOL(cuEventCreate),
    SYMBOL(cuEventDestroy_v2), SYMBOL(cuEventRecord), SYMBOL(cuEventSynchronize),
    {"cuEventElapsedTime_v2", "cuEventElapsedTime", offsetof(bcu_driver, cuEventElapsedTime)},
    SYMBOL(cuModuleLoadData), SYMBOL(cuModuleUnload), SYMBOL(cuModuleGetFunction), SYMBOL(cuFuncSetAttribute),
    SYMBOL(cuLaunchKernel),
};

int bcu_driver_open(const char *path, bcu_driver **out) {
    if (!out) return bcu_fail("bcu_driver_open", BCU_ERROR_INVALID_ARGUMENT, "no place for the driver handle");
    *out = NULL;
    const char *name = path ? path : "libcuda.so.1";
    void *library = bcu_library_open(name, "dlopen libcuda");
    if (!library) return BCU_ERROR_LIBRARY_NOT_FOUND;
    bcu_driver *driver = calloc(1, sizeof *driver);
    if (!driver) {
        dlclose(library);
        return bcu_fail("bcu_driver_open", BCU_ERROR_OUT_OF_HOST_MEMORY, "cannot allocate the driver table");
    }
    driver->library = library;
    int count = (int)(sizeof driver_symbols / sizeof driver_symbols[0]);
    int status = bcu_library_resolve(library, name, driver, driver_symbols, count);
    if (status == BCU_OK) status = bcu_check(driver, "cuInit", driver->cuInit(0));
    if (status != BCU_OK) {
        bcu_driver_close(driver);
        return status;
    }
    *out = driver;
    return BCU_OK;
}

void bcu_driver_close(bcu_driver *driver) {
    if (!driver) return;
    dlclose(driver->library);
    free(driver);
}

int bcu_driver_version(const bcu_driver *driver, int *version) {
    int status = bcu_require(driver, "cuDriverGetVersion");
    return status ? status : bcu_check(driver, "cuDriverGetVersion", driver->cuDriverGetVersion(version));
}
