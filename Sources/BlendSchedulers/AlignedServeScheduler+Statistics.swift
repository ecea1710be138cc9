import BlendCore

extension AlignedServeScheduler {
    /// Counters of a run, for reports (``AlignedServeScheduler/statistics``).
    public struct Statistics: Sendable, Hashable {
        /// Engine steps in which the running batch decoded.
        public var decodeIterations = 0
        /// Engine steps in which requests of two batches decoded together (the switch iteration
        /// itself, and later steps while misaligned leftovers of the old batch, for which the
        /// pool had no room, run on beside the new).
        public var switchIterations = 0
        /// Switches from a running batch to a staged candidate batch (a candidate batch that
        /// starts on an idle engine is not a switch).
        public var switches = 0
        /// Candidate batches formed.
        public var batchesFormed = 0
        /// Of those, batches formed below the minimum size because no range allowed one.
        public var fallbackBatches = 0
        /// Of those, batches seeded by a starving request.
        public var starvationBatches = 0
        /// Requests that joined the running batch straight after their prefill.
        public var directJoins = 0
        /// Pooled requests that topped up the running batch.
        public var topUps = 0
        /// Requests of the running batch sent back to the pool (misaligned after a switch, over
        /// the cap, or for device memory).
        public var evictions = 0
        /// Times a request entered the pool.
        public var parked = 0
        /// Preemptions by recomputation (when neither device nor host had room).
        public var recomputations = 0
        /// The most KV blocks a batch of two or more requests held when it was formed or gained
        /// members (at their next decode step); at most the cap. Members then grow past it into
        /// the device's headroom as they decode.
        public var peakBatchBlocks = 0
        /// The most requests the pool held.
        public var peakPoolRequests = 0

        /// Creates zeroed counters.
        /// - Complexity: O(1).
        public init() {}

        /// `switchIterations / decodeIterations` (0 before any decode step).
        public var switchShare: Double {
            decodeIterations > 0 ? Double(switchIterations) / Double(decodeIterations) : 0
        }
    }

    /// Records a batch of `members` requests holding `blocks` blocks just after it was formed
    /// or gained members, into ``Statistics/peakBatchBlocks``.
    mutating func recordBatchBlocks(_ blocks: Int, members: Int) {
        if members > 1 { statistics.peakBatchBlocks = max(statistics.peakBatchBlocks, blocks) }
    }
}
