/* Loading modules, finding their kernels and launching them. */
#include "internal.h"

enum { FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8 };

int bcu_module_load(const bcu_driver *driver, const void *image, bcu_module *module) {
    int status = bcu_require(driver, "cuModuleLoadData");
    if (!status) status = bcu_require(image, "cuModuleLoadData");
    return status ? status : bcu_check(driver, "cuModuleLoadData", driver->cuModuleLoadData(module, image));
}

int bcu_module_unload(const bcu_driver *driver, bcu_module module) {
    int status = bcu_require(driver, "cuModuleUnload");
    return status ? status : bcu_check(driver, "cuModuleUnload", driver->cuModuleUnload(module));
}

int bcu_module_function(const bcu_driver *driver, bcu_module module, const char *name, bcu_function *function) {
    int status = bcu_require(driver, "cuModuleGetFunction");
    if (status) return status;
    return bcu_check(driver, "cuModuleGetFunction", driver->cuModuleGetFunction(function, module, name));
}

int bcu_function_set_max_shared(const bcu_driver *driver, bcu_function function, int bytes) {
    int status = bcu_require(driver, "cuFuncSetAttribute");
    if (status) return status;
    return bcu_check(driver, "cuFuncSetAttribute",
                     driver->cuFuncSetAttribute(function, FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes));
}

int bcu_launch(const bcu_driver *driver, bcu_function function, unsigned grid_x, unsigned grid_y, unsigned grid_z,
               unsigned block_x, unsigned block_y, unsigned block_z, unsigned shared_bytes, bcu_stream stream,
               void **arguments) {
    int status = bcu_require(driver, "cuLaunchKernel");
    if (status) return status;
    return bcu_check(driver, "cuLaunchKernel",
                     driver->cuLaunchKernel(function, grid_x, grid_y, grid_z, block_x, block_y, block_z, shared_bytes,
                                            stream, arguments, NULL));
}
