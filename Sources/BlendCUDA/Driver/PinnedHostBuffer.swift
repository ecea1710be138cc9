import CBlendCUDA

/// Page-locked host memory: the host side of asynchronous copies (staging, the host KV tier).
public final class PinnedHostBuffer: @unchecked Sendable {
    /// The context whose driver allocated it (the memory is usable by every context).
    public let context: CUDAContext
    /// The memory.
    public let pointer: UnsafeMutableRawPointer
    /// Its size in bytes.
    public let bytes: Int

    /// Allocates `bytes` bytes (at least 1) of pinned host memory.
    /// - Throws: ``CUDAError`` (`cuMemHostAlloc`) when it cannot be pinned.
    /// - Complexity: O(bytes) (the pages are locked).
    public init(context: CUDAContext, bytes: Int) throws {
        try context.makeCurrent()
        var pointer: UnsafeMutableRawPointer?
        try check(bcu_host_alloc(context.driver.handle, max(1, bytes), &pointer))
        self.context = context
        self.pointer = pointer!
        self.bytes = bytes
    }

    deinit {
        _ = bcu_context_set_current(context.driver.handle, context.handle)
        _ = bcu_host_free(context.driver.handle, pointer)
    }
}
