/* Declarations shared by the CBlendCUDA files: the driver's and NVRTC's types (declared here so
 * that no CUDA header is needed), the resolved function tables, error recording and dlopen
 * helpers. */
#ifndef CBLENDCUDA_INTERNAL_H
#define CBLENDCUDA_INTERNAL_H

#include <stddef.h>
#include "CBlendCUDA.h"

typedef int CUresult;
typedef int CUdevice;
typedef int nvrtcResult;
typedef void *nvrtcProgram;

/* The driver functions this API uses, resolved by name (the _v2 names are the ones cuda.h maps
 * the plain names to). */
struct bcu_driver {
    void *library;
    CUresult (*cuInit)(unsigned);
    CUresult (*cuDriverGetVersion)(int *);
    CUresult (*cuGetErrorName)(CUresult, const char **);
    CUresult (*cuGetErrorString)(CUresult, const char **);
    CUresult (*cuDeviceGetCount)(int *);
    CUresult (*cuDeviceGet)(CUdevice *, int);
    CUresult (*cuDeviceGetName)(char *, int, CUdevice);
    CUresult (*cuDeviceGetAttribute)(int *, int, CUdevice);
    CUresult (*cuDeviceTotalMem_v2)(size_t *, CUdevice);
    CUresult (*cuDeviceCanAccessPeer)(int *, CUdevice, CUdevice);
    CUresult (*cuDevicePrimaryCtxRetain)(bcu_context *, CUdevice);
    CUresult (*cuDevicePrimaryCtxRelease_v2)(CUdevice);
    CUresult (*cuCtxSetCurrent)(bcu_context);
    CUresult (*cuCtxSynchronize)(void);
    CUresult (*cuCtxEnablePeerAccess)(bcu_context, unsigned);
    CUresult (*cuMemGetInfo_v2)(size_t *, size_t *);
    CUresult (*cuMemAlloc_v2)(bcu_device_ptr *, size_t);
    CUresult (*cuMemFree_v2)(bcu_device_ptr);
    CUresult (*cuMemHostAlloc)(void **, size_t, unsigned);
    CUresult (*cuMemFreeHost)(void *);
    CUresult (*cuMemcpyHtoDAsync_v2)(bcu_device_ptr, const void *, size_t, bcu_stream);
    CUresult (*cuMemcpyDtoHAsync_v2)(void *, bcu_device_ptr, size_t, bcu_stream);
    CUresult (*cuMemcpyDtoDAsync_v2)(bcu_device_ptr, bcu_device_ptr, size_t, bcu_stream);
    CUresult (*cuMemcpyPeerAsync)(bcu_device_ptr, bcu_context, bcu_device_ptr, bcu_context, size_t, bcu_stream);
    CUresult (*cuMemsetD8Async)(bcu_device_ptr, unsigned char, size_t, bcu_stream);
    CUresult (*cuStreamCreate)(bcu_stream *, unsigned);
    CUresult (*cuStreamDestroy_v2)(bcu_stream);
    CUresult (*cuStreamSynchronize)(bcu_stream);
    CUresult (*cuStreamWaitEvent)(bcu_stream, bcu_event, unsigned);
    CUresult (*cuEventCreate)(bcu_event *, unsigned);
    CUresult (*cuEventDestroy_v2)(bcu_event);
    CUresult (*cuEventRecord)(bcu_event, bcu_stream);
    CUresult (*cuEventSynchronize)(bcu_event);
    CUresult (*cuEventElapsedTime)(float *, bcu_event, bcu_event);
    CUresult (*cuModuleLoadData)(bcu_module *, const void *);
    CUresult (*cuModuleUnload)(bcu_module);
    CUresult (*cuModuleGetFunction)(bcu_function *, bcu_module, const char *);
    CUresult (*cuFuncSetAttribute)(bcu_function, int, int);
    CUresult (*cuLaunchKernel)(bcu_function, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,
                               bcu_stream, void **, void **);
};

/* The NVRTC functions this API uses. */
struct bcu_nvrtc {
    void *library;
    char path[1024];
    const char *(*nvrtcGetErrorString)(nvrtcResult);
    nvrtcResult (*nvrtcVersion)(int *, int *);
    nvrtcResult (*nvrtcCreateProgram)(nvrtcProgram *, const char *, const char *, int, const char *const *,
                                      const char *const *);
    nvrtcResult (*nvrtcCompileProgram)(nvrtcProgram, int, const char *const *);
    nvrtcResult (*nvrtcGetProgramLogSize)(nvrtcProgram, size_t *);
    nvrtcResult (*nvrtcGetProgramLog)(nvrtcProgram, char *);
    nvrtcResult (*nvrtcGetPTXSize)(nvrtcProgram, size_t *);
    nvrtcResult (*nvrtcGetPTX)(nvrtcProgram, char *);
    nvrtcResult (*nvrtcGetCUBINSize)(nvrtcProgram, size_t *);
    nvrtcResult (*nvrtcGetCUBIN)(nvrtcProgram, char *);
    nvrtcResult (*nvrtcDestroyProgram)(nvrtcProgram *);
};

/* Records the calling thread's last error and returns `code`. `call` is kept by pointer: pass a
 * string literal. */
int bcu_fail(const char *call, int code, const char *format, ...) __attribute__((format(printf, 3, 4)));

/* Checks a driver call: BCU_OK, or the error recorded with the driver's name for it. */
int bcu_check(const bcu_driver *driver, const char *call, CUresult result);

/* A NULL-handle guard: BCU_OK, or BCU_ERROR_INVALID_ARGUMENT recorded against `call`. */
int bcu_require(const void *handle, const char *call);

/* dlopen(path), recording the failure against `what` (the library's role, e.g. "dlopen libcuda"). */
void *bcu_library_open(const char *path, const char *what);
/* A function to resolve: its name, an older name to try when the library lacks it (or NULL), and
 * the offset of its pointer in the function table. */
typedef struct {
    const char *name;
    const char *fallback;
    size_t offset;
} bcu_symbol;

/* Resolves every symbol into `table`; the first one missing is recorded as
 * BCU_ERROR_SYMBOL_NOT_FOUND naming it and `path`. O(count). */
int bcu_library_resolve(void *library, const char *path, void *table, const bcu_symbol *symbols, int count);

#endif
