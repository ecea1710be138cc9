/* Device and pinned host memory, and the copies between them. */
#include "internal.h"

enum { MEMHOSTALLOC_PORTABLE = 0x01 };

int bcu_mem_alloc(const bcu_driver *driver, size_t bytes, bcu_device_ptr *pointer) {
    int status = bcu_require(driver, "cuMemAlloc_v2");
    return status ? status : bcu_check(driver, "cuMemAlloc_v2", driver->cuMemAlloc_v2(pointer, bytes));
}

int bcu_mem_free(const bcu_driver *driver, bcu_device_ptr pointer) {
    int status = bcu_require(driver, "cuMemFree_v2");
    return status ? status : bcu_check(driver, "cuMemFree_v2", driver->cuMemFree_v2(pointer));
}

int bcu_host_alloc(const bcu_driver *driver, size_t bytes, void **pointer) {
    int status = bcu_require(driver, "cuMemHostAlloc");
    if (status) return status;
    return bcu_check(driver, "cuMemHostAlloc", driver->cuMemHostAlloc(pointer, bytes, MEMHOSTALLOC_PORTABLE));
}

int bcu_host_free(const bcu_driver *driver, void *pointer) {
    int status = bcu_require(driver, "cuMemFreeHost");
    return status ? status : bcu_check(driver, "cuMemFreeHost", driver->cuMemFreeHost(pointer));
}

int bcu_copy_to_device(const bcu_driver *driver, bcu_device_ptr destination, const void *source, size_t bytes,
                       bcu_stream stream) {
    int status = bcu_require(driver, "cuMemcpyHtoDAsync_v2");
    if (status) return status;
    return bcu_check(driver, "cuMemcpyHtoDAsync_v2", driver->cuMemcpyHtoDAsync_v2(destination, source, bytes, stream));
}

int bcu_copy_to_host(const bcu_driver *driver, void *destination, bcu_device_ptr source, size_t bytes,
                     bcu_stream stream) {
    int status = bcu_require(driver, "cuMemcpyDtoHAsync_v2");
    if (status) return status;
    return bcu_check(driver, "cuMemcpyDtoHAsync_v2", driver->cuMemcpyDtoHAsync_v2(destination, source, bytes, stream));
}

int bcu_copy_device(const bcu_driver *driver, bcu_device_ptr destination, bcu_device_ptr source, size_t bytes,
                    bcu_stream stream) {
    int status = bcu_require(driver, "cuMemcpyDtoDAsync_v2");
    if (status) return status;
    return bcu_check(driver, "cuMemcpyDtoDAsync_v2", driver->cuMemcpyDtoDAsync_v2(destination, source, bytes, stream));
}

int bcu_copy_peer(const bcu_driver *driver, bcu_device_ptr destination, bcu_context destination_context,
                  bcu_device_ptr source, bcu_context source_context, size_t bytes, bcu_stream stream) {
    int status = bcu_require(driver, "cuMemcpyPeerAsync");
    if (status) return status;
    return bcu_check(driver, "cuMemcpyPeerAsync",
                     driver->cuMemcpyPeerAsync(destination, destination_context, source, source_context, bytes, stream));
}

int bcu_memset(const bcu_driver *driver, bcu_device_ptr destination, unsigned char value, size_t bytes,
               bcu_stream stream) {
    int status = bcu_require(driver, "cuMemsetD8Async");
    if (status) return status;
    return bcu_check(driver, "cuMemsetD8Async", driver->cuMemsetD8Async(destination, value, bytes, stream));
}
