#ifndef CBLENDCUDA_H
#define CBLENDCUDA_H
/* CBlendCUDA: the CUDA driver API and NVRTC, opened with dlopen at run time (never linked), behind
 * a small C API for BlendCUDA. No CUDA header is needed to build it, and nothing fails to build or
 * load on a machine without a driver: opening the driver then fails with the reason.
 *
 * Conventions:
 *  - Every function returns a status: BCU_OK (0) on success; otherwise a negative BCU_ERROR_*
 *    code of the loader, or the positive CUresult / nvrtcResult of the call that failed.
 *  - On failure the calling thread's last error names the library call that failed and says why
 *    (bcu_last_error_call, bcu_last_error_message); success leaves it untouched.
 *  - Handles are opaque. Device addresses are 64-bit integers (CUdeviceptr).
 *  - Driver calls act on the calling thread's current context (bcu_context_set_current).
 * Every call is O(1) on the host unless its comment says otherwise; copies and kernels run
 * asynchronously on the device. */
#include <stddef.h>
#include <stdint.h>

enum {
    BCU_OK = 0,
    BCU_ERROR_LIBRARY_NOT_FOUND = -1, /* dlopen failed */
    BCU_ERROR_SYMBOL_NOT_FOUND = -2,  /* the library lacks a function this API needs */
    BCU_ERROR_INVALID_ARGUMENT = -3,  /* a NULL handle or an impossible size */
    BCU_ERROR_OUT_OF_HOST_MEMORY = -4
};

/* ---- Errors (errors.c) ---- */

/* The library call (or loader step) that last failed on this thread, e.g. "cuMemAlloc_v2"; "" if
 * none has. */
const char *bcu_last_error_call(void);
/* Its status code (as returned). */
int bcu_last_error_code(void);
/* What went wrong, e.g. "CUDA_ERROR_OUT_OF_MEMORY: out of memory" or dlerror()'s text. */
const char *bcu_last_error_message(void);

/* ---- The driver library (driver.c) ---- */

typedef struct bcu_driver bcu_driver;
typedef uint64_t bcu_device_ptr;
typedef void *bcu_context;
typedef void *bcu_stream;
typedef void *bcu_event;
typedef void *bcu_module;
typedef void *bcu_function;

/* Opens the driver library at `path` (NULL: "libcuda.so.1", found by the dynamic loader), resolves
 * every function this API uses and calls cuInit(0). On success *out owns the library. */
int bcu_driver_open(const char *path, bcu_driver **out);
/* Closes what bcu_driver_open opened. Every context, module and allocation must be gone. */
void bcu_driver_close(bcu_driver *driver);
/* The CUDA version the driver supports, e.g. 12090 for 12.9 (cuDriverGetVersion). */
int bcu_driver_version(const bcu_driver *driver, int *version);

/* ---- Devices and contexts (device.c) ---- */

typedef struct {
    char name[256];
    int compute_major, compute_minor;
    int multiprocessors;
    int memory_clock_khz;       /* 0 where the driver no longer reports it */
    int memory_bus_bits;        /* 0 where the driver no longer reports it */
    int l2_bytes;
    int max_shared_per_block;   /* opt-in maximum of dynamic shared memory per block */
    int unified_addressing;
    uint64_t total_memory;
} bcu_device_info;

/* Devices the driver sees. */
int bcu_device_count(const bcu_driver *driver, int *count);
/* What device `ordinal` is. */
int bcu_device_info_get(const bcu_driver *driver, int ordinal, bcu_device_info *info);
/* Retains the device's primary context. */
int bcu_context_retain(const bcu_driver *driver, int ordinal, bcu_context *context);
/* Releases a primary context retained by bcu_context_retain. */
int bcu_context_release(const bcu_driver *driver, int ordinal);
/* Makes `context` current on the calling thread. */
int bcu_context_set_current(const bcu_driver *driver, bcu_context context);
/* Waits for all work of the current context. */
int bcu_context_synchronize(const bcu_driver *driver);
/* Free and total device memory of the current context's device. */
int bcu_memory_info(const bcu_driver *driver, size_t *free_bytes, size_t *total_bytes);
/* Whether device `ordinal` can address `peer`'s memory directly (NVLink or PCIe peer access). */
int bcu_device_can_access_peer(const bcu_driver *driver, int ordinal, int peer, int *can_access);
/* Lets the current context address `peer_context`'s memory; enabling it twice is not an error. */
int bcu_context_enable_peer_access(const bcu_driver *driver, bcu_context peer_context);

/* ---- Memory (memory.c) ---- */

/* Device memory of the current context. */
int bcu_mem_alloc(const bcu_driver *driver, size_t bytes, bcu_device_ptr *pointer);
int bcu_mem_free(const bcu_driver *driver, bcu_device_ptr pointer);
/* Page-locked host memory usable by every context (cuMemHostAlloc, portable). */
int bcu_host_alloc(const bcu_driver *driver, size_t bytes, void **pointer);
int bcu_host_free(const bcu_driver *driver, void *pointer);
/* Asynchronous copies on `stream` (NULL: the legacy default stream). With pageable host memory the
 * host-side copies return only once the source has been read. */
int bcu_copy_to_device(const bcu_driver *driver, bcu_device_ptr destination, const void *source, size_t bytes,
                       bcu_stream stream);
int bcu_copy_to_host(const bcu_driver *driver, void *destination, bcu_device_ptr source, size_t bytes,
                     bcu_stream stream);
int bcu_copy_device(const bcu_driver *driver, bcu_device_ptr destination, bcu_device_ptr source, size_t bytes,
                    bcu_stream stream);
/* A copy between the memories of two contexts (devices); direct when peer access is enabled,
 * staged by the driver otherwise. */
int bcu_copy_peer(const bcu_driver *driver, bcu_device_ptr destination, bcu_context destination_context,
                  bcu_device_ptr source, bcu_context source_context, size_t bytes, bcu_stream stream);
/* Sets `bytes` bytes to `value`. */
int bcu_memset(const bcu_driver *driver, bcu_device_ptr destination, unsigned char value, size_t bytes,
               bcu_stream stream);

/* ---- Streams and events (stream.c) ---- */

/* A stream that does not synchronise with the legacy default stream. */
int bcu_stream_create(const bcu_driver *driver, bcu_stream *stream);
int bcu_stream_destroy(const bcu_driver *driver, bcu_stream stream);
int bcu_stream_synchronize(const bcu_driver *driver, bcu_stream stream);
/* Makes later work on `stream` wait until `event` has completed. */
int bcu_stream_wait_event(const bcu_driver *driver, bcu_stream stream, bcu_event event);
/* An event; `timing` 0 creates one without timing data (cheaper for pure ordering). */
int bcu_event_create(const bcu_driver *driver, int timing, bcu_event *event);
int bcu_event_destroy(const bcu_driver *driver, bcu_event event);
int bcu_event_record(const bcu_driver *driver, bcu_event event, bcu_stream stream);
int bcu_event_synchronize(const bcu_driver *driver, bcu_event event);
/* Milliseconds between two completed timing events. */
int bcu_event_elapsed(const bcu_driver *driver, bcu_event start, bcu_event end, float *milliseconds);

/* ---- Modules and launches (module.c) ---- */

/* Loads a CUBIN, or a NUL-terminated PTX image that the driver compiles, into the current context. */
int bcu_module_load(const bcu_driver *driver, const void *image, bcu_module *module);
int bcu_module_unload(const bcu_driver *driver, bcu_module module);
/* The kernel `name` (an extern "C" __global__ function) of a module. */
int bcu_module_function(const bcu_driver *driver, bcu_module module, const char *name, bcu_function *function);
/* Allows `function` up to `bytes` of dynamic shared memory per block (above the 48 KiB default). */
int bcu_function_set_max_shared(const bcu_driver *driver, bcu_function function, int bytes);
/* Launches `function` with `arguments` (one pointer per kernel parameter, to its value). */
int bcu_launch(const bcu_driver *driver, bcu_function function, unsigned grid_x, unsigned grid_y, unsigned grid_z,
               unsigned block_x, unsigned block_y, unsigned block_z, unsigned shared_bytes, bcu_stream stream,
               void **arguments);

/* ---- NVRTC (nvrtc.c) ---- */

typedef struct bcu_nvrtc bcu_nvrtc;
typedef struct bcu_program bcu_program;

/* Opens NVRTC: `path` when given; otherwise $BLENDSERVE_NVRTC when set, else the first of
 * "libnvrtc.so.13", "libnvrtc.so.12" and "libnvrtc.so" the dynamic loader finds. */
int bcu_nvrtc_open(const char *path, bcu_nvrtc **out);
void bcu_nvrtc_close(bcu_nvrtc *nvrtc);
/* The NVRTC version, e.g. 12 and 9. */
int bcu_nvrtc_version(const bcu_nvrtc *nvrtc, int *major, int *minor);
/* The path the library was opened from (as given or as found). */
const char *bcu_nvrtc_path(const bcu_nvrtc *nvrtc);

/* Compiles one CUDA C++ source with `headers` (contents) available under `include_names`, and
 * NVRTC `options` (e.g. "--gpu-architecture=sm_90"). On success, and on a compile error
 * (NVRTC_ERROR_COMPILATION, 6), *out holds the program: its log and, on success, its code.
 * O(NVRTC's compile time). */
int bcu_nvrtc_compile(const bcu_nvrtc *nvrtc, const char *source, const char *name, int header_count,
                      const char *const *headers, const char *const *include_names, int option_count,
                      const char *const *options, bcu_program **out);
/* The compile log (NUL-terminated, possibly empty). */
const char *bcu_program_log(const bcu_program *program);
/* The CUBIN (when compiled for a real sm_XY architecture) or NULL, and its size. */
const void *bcu_program_cubin(const bcu_program *program, size_t *bytes);
/* The PTX (NUL-terminated, size includes the NUL) or NULL. */
const char *bcu_program_ptx(const bcu_program *program, size_t *bytes);
void bcu_program_destroy(bcu_program *program);

#endif
