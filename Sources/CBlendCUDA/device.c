/* Device discovery, primary contexts and peer access. */
#include <string.h>
#include "internal.h"

enum {
    ATTRIBUTE_MULTIPROCESSOR_COUNT = 16,
    ATTRIBUTE_MEMORY_CLOCK_RATE = 36,
    ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH = 37,
    ATTRIBUTE_L2_CACHE_SIZE = 38,
    ATTRIBUTE_UNIFIED_ADDRESSING = 41,
    ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75,
    ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76,
    ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 97,
    CUDA_ERROR_PEER_ACCESS_ALREADY_ENABLED = 704
};

static int device(const bcu_driver *driver, int ordinal, CUdevice *handle) {
    int status = bcu_require(driver, "cuDeviceGet");
    return status ? status : bcu_check(driver, "cuDeviceGet", driver->cuDeviceGet(handle, ordinal));
}

int bcu_device_count(const bcu_driver *driver, int *count) {
    int status = bcu_require(driver, "cuDeviceGetCount");
    return status ? status : bcu_check(driver, "cuDeviceGetCount", driver->cuDeviceGetCount(count));
}

int bcu_device_info_get(const bcu_driver *driver, int ordinal, bcu_device_info *info) {
    CUdevice handle;
    int status = device(driver, ordinal, &handle);
    if (status) return status;
    memset(info, 0, sizeof *info);
    status = bcu_check(driver, "cuDeviceGetName", driver->cuDeviceGetName(info->name, sizeof info->name, handle));
    if (status) return status;
    size_t total = 0;
    status = bcu_check(driver, "cuDeviceTotalMem_v2", driver->cuDeviceTotalMem_v2(&total, handle));
    if (status) return status;
    info->total_memory = total;
    struct {
        int attribute;
        int *value;
        int required;
    } attributes[] = {
        {ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, &info->compute_major, 1},
        {ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, &info->compute_minor, 1},
        {ATTRIBUTE_MULTIPROCESSOR_COUNT, &info->multiprocessors, 1},
        {ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, &info->max_shared_per_block, 1},
        {ATTRIBUTE_UNIFIED_ADDRESSING, &info->unified_addressing, 1},
        {ATTRIBUTE_L2_CACHE_SIZE, &info->l2_bytes, 0},
        /* deprecated in CUDA 13: a driver may refuse them, which leaves 0 */
        {ATTRIBUTE_MEMORY_CLOCK_RATE, &info->memory_clock_khz, 0},
        {ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH, &info->memory_bus_bits, 0},
    };
    for (size_t i = 0; i < sizeof attributes / sizeof attributes[0]; i++) {
        CUresult result = driver->cuDeviceGetAttribute(attributes[i].value, attributes[i].attribute, handle);
        if (result == 0) continue;
        *attributes[i].value = 0;
        if (attributes[i].required) return bcu_check(driver, "cuDeviceGetAttribute", result);
    }
    return BCU_OK;
}

int bcu_context_retain(const bcu_driver *driver, int ordinal, bcu_context *context) {
    CUdevice handle;
    int status = device(driver, ordinal, &handle);
    if (status) return status;
    return bcu_check(driver, "cuDevicePrimaryCtxRetain", driver->cuDevicePrimaryCtxRetain(context, handle));
}

int bcu_context_release(const bcu_driver *driver, int ordinal) {
    CUdevice handle;
    int status = device(driver, ordinal, &handle);
    if (status) return status;
    return bcu_check(driver, "cuDevicePrimaryCtxRelease_v2", driver->cuDevicePrimaryCtxRelease_v2(handle));
}

int bcu_context_set_current(const bcu_driver *driver, bcu_context context) {
    int status = bcu_require(driver, "cuCtxSetCurrent");
    return status ? status : bcu_check(driver, "cuCtxSetCurrent", driver->cuCtxSetCurrent(context));
}

int bcu_context_synchronize(const bcu_driver *driver) {
    int status = bcu_require(driver, "cuCtxSynchronize");
    return status ? status : bcu_check(driver, "cuCtxSynchronize", driver->cuCtxSynchronize());
}

int bcu_memory_info(const bcu_driver *driver, size_t *free_bytes, size_t *total_bytes) {
    int status = bcu_require(driver, "cuMemGetInfo_v2");
    return status ? status : bcu_check(driver, "cuMemGetInfo_v2", driver->cuMemGetInfo_v2(free_bytes, total_bytes));
}

int bcu_device_can_access_peer(const bcu_driver *driver, int ordinal, int peer, int *can_access) {
    CUdevice from, to;
    int status = device(driver, ordinal, &from);
    if (!status) status = device(driver, peer, &to);
    if (status) return status;
    return bcu_check(driver, "cuDeviceCanAccessPeer", driver->cuDeviceCanAccessPeer(can_access, from, to));
}

int bcu_context_enable_peer_access(const bcu_driver *driver, bcu_context peer_context) {
    int status = bcu_require(driver, "cuCtxEnablePeerAccess");
    if (status) return status;
    CUresult result = driver->cuCtxEnablePeerAccess(peer_context, 0);
    return result == CUDA_ERROR_PEER_ACCESS_ALREADY_ENABLED ? BCU_OK : bcu_check(driver, "cuCtxEnablePeerAccess", result);
}
