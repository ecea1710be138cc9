extension BlendServeScheduler {
    /// What ``BlendServeScheduler`` keeps per request, in one record, so that admitting,
    /// relocating or finishing a request reads one or two cache lines instead of one per field.
    struct RequestState: Sendable {
        /// Its average KV footprint `(p + d/2)·kvBytesPerToken` and peak `(p + d)·kvBytesPerToken`
        /// at its current estimate, counted on its side while it runs.
        var footprint = 0.0, peak = 0.0
        /// The step by which it should finish (admission step plus its estimate), -1 when it is
        /// not expected to run.
        var expectedEnd = -1
        /// Its current output estimate (raised by the online correction).
        var estimate = 0
        /// Its output length as estimated when the scan was planned.
        var plannedOutput: Int32 = 0
        /// Its top-level prefix group, -1 for none.
        var group: Int32 = -1
        /// The side (0 dense, 1 sparse) whose memory it counts on while it runs, -1 for none.
        var side: Int8 = -1
        /// Whether it is in the warm-up sample.
        var inSample = false
        /// Whether it is a sample or the fill or the scan took it (admitted or rejected).
        var taken = false
    }
}
