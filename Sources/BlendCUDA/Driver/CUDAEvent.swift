import CBlendCUDA

/// A marker in a stream: for ordering work across streams and for timing it.
public final class CUDAEvent: @unchecked Sendable {
    /// The context it belongs to.
    public let context: CUDAContext
    let handle: bcu_event

    /// Creates an event; `timing` false makes a cheaper one that only orders work.
    /// - Complexity: O(1).
    public init(context: CUDAContext, timing: Bool = false) throws {
        try context.makeCurrent()
        var handle: bcu_event?
        try check(bcu_event_create(context.driver.handle, timing ? 1 : 0, &handle))
        self.context = context
        self.handle = handle!
    }

    deinit {
        _ = bcu_context_set_current(context.driver.handle, context.handle)
        _ = bcu_event_destroy(context.driver.handle, handle)
    }

    /// Records the event at the current end of `stream`.
    /// - Complexity: O(1).
    public func record(on stream: CUDAStream) throws {
        try check(bcu_event_record(context.driver.handle, handle, stream.handle))
    }

    /// Waits until the event has completed.
    /// - Complexity: the time of the work before it.
    public func synchronize() throws {
        try check(bcu_event_synchronize(context.driver.handle, handle))
    }

    /// Seconds from `start` to this event (both recorded with timing and completed).
    /// - Complexity: O(1).
    public func seconds(since start: CUDAEvent) throws -> Double {
        var milliseconds: Float = 0
        try check(bcu_event_elapsed(context.driver.handle, start.handle, handle, &milliseconds))
        return Double(milliseconds) / 1000
    }
}
