import CBlendCUDA

/// Compiled kernels loaded into a context.
public final class CUDAModule: @unchecked Sendable {
    /// The context it is loaded into.
    public let context: CUDAContext
    let handle: bcu_module

    /// Loads a CUBIN, or PTX (NUL-terminated) that the driver compiles for the device.
    /// - Throws: ``CUDAError`` (`cuModuleLoadData`), e.g. `CUDA_ERROR_NO_BINARY_FOR_GPU` for a
    ///   CUBIN of another architecture or `CUDA_ERROR_UNSUPPORTED_PTX_VERSION` for PTX newer than
    ///   the driver.
    /// - Complexity: O(image size).
    public init(context: CUDAContext, image: [UInt8]) throws {
        try context.makeCurrent()
        var handle: bcu_module?
        try image.withUnsafeBytes { try check(bcu_module_load(context.driver.handle, $0.baseAddress, &handle)) }
        self.context = context
        self.handle = handle!
    }

    deinit {
        _ = bcu_context_set_current(context.driver.handle, context.handle)
        _ = bcu_module_unload(context.driver.handle, handle)
    }

    /// The kernel `name` (an `extern "C" __global__` function).
    /// - Throws: ``CUDAError`` (`cuModuleGetFunction`) when the module has no such kernel.
    /// - Complexity: O(1).
    public func function(_ name: String) throws -> CUDAFunction {
        var function: bcu_function?
        try check(bcu_module_function(context.driver.handle, handle, name, &function))
        return CUDAFunction(module: self, name: name, handle: function!)
    }
}

/// One kernel of a loaded module.
public struct CUDAFunction: @unchecked Sendable {
    /// The module, kept alive with the function.
    public let module: CUDAModule
    /// The kernel's name.
    public let name: String
    let handle: bcu_function

    /// Allows up to `bytes` of dynamic shared memory per block.
    /// - Complexity: O(1).
    public func allowSharedMemory(_ bytes: Int) throws {
        try check(bcu_function_set_max_shared(module.context.driver.handle, handle, Int32(bytes)))
    }

    /// Queues the kernel on `stream` with a grid of `grid` blocks of `block` threads.
    /// - Throws: ``CUDAError`` (`cuLaunchKernel`) when the launch is refused; errors inside the
    ///   kernel surface at a later synchronisation.
    /// - Complexity: O(arguments) on the host.
    public func launch(grid: (Int, Int, Int), block: (Int, Int, Int), sharedBytes: Int = 0, on stream: CUDAStream,
                       _ arguments: KernelArguments) throws {
        guard grid.0 > 0, grid.1 > 0, grid.2 > 0 else { return }
        try arguments.withPointers { pointers in
            try check(bcu_launch(module.context.driver.handle, handle, UInt32(grid.0), UInt32(grid.1), UInt32(grid.2),
                                 UInt32(block.0), UInt32(block.1), UInt32(block.2), UInt32(sharedBytes), stream.handle,
                                 pointers))
        }
    }
}
