import CBlendCUDA

/// An ordered queue of device work (copies and kernels) that does not synchronise with the
/// default stream.
public final class CUDAStream: @unchecked Sendable {
    /// The context it belongs to.
    public let context: CUDAContext
    let handle: bcu_stream

    /// Creates a stream.
    /// - Complexity: O(1).
    public init(context: CUDAContext) throws {
        try context.makeCurrent()
        var handle: bcu_stream?
        try check(bcu_stream_create(context.driver.handle, &handle))
        self.context = context
        self.handle = handle!
    }

    deinit {
        _ = bcu_context_set_current(context.driver.handle, context.handle)
        _ = bcu_stream_destroy(context.driver.handle, handle)
    }

    /// Waits until everything queued so far has finished.
    /// - Complexity: the time of the queued work.
    public func synchronize() throws {
        try check(bcu_stream_synchronize(context.driver.handle, handle))
    }

    /// Makes work queued later wait for `event`.
    /// - Complexity: O(1).
    public func wait(for event: CUDAEvent) throws {
        try check(bcu_stream_wait_event(context.driver.handle, handle, event.handle))
    }
}
