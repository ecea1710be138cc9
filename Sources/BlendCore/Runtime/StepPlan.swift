/// One sequence's part in a step: which token positions to compute and where its KV lives.
///
/// A sequence is a request (named by its index in the workload). Positions `start ..< start +
/// count` are computed in this step: a chunk of the prompt during prefill, or the single newest
/// token during decode. Positions `0 ..< start` are already in the KV cache, either computed by
/// earlier steps or shared from the prefix cache.
public struct ScheduledSequence: Sendable, Hashable {
    /// The request's index in the workload.
    public var request: Int32
    /// The first position computed in this step (= tokens already in the KV cache).
    public var start: Int
    /// Tokens computed in this step (1 for a decode step).
    public var count: Int
    /// The token ids at positions `start ..< start + count`: prompt tokens, or previously sampled
    /// tokens (a decode step's input, or a recomputation after preemption). A position whose
    /// token the engine never reported (a simulator samples nothing) holds a placeholder
    /// (``SequenceBatcher/placeholderToken(request:position:)``).
    public var tokens: [Int32]
    /// Device blocks appended to the sequence's block table before this step. With
    /// ``resetsBlockTable`` they are the whole table.
    public var newBlocks: [Int32]
    /// Whether the block table starts afresh (the sequence's first step, or its first step after a
    /// preemption or a swap-in); otherwise ``newBlocks`` extend the table the engine already has.
    public var resetsBlockTable: Bool
    /// Whether the step ends at the sequence's newest token, so the engine samples a new token
    /// (false only for a prefill chunk that stops before the end of the prompt).
    public var samples: Bool
    /// New tokens the sequence may still generate, counting the one this step samples; the engine
    /// finishes the sequence when it has generated that many.
    public var remainingTokens: Int

    /// Creates a scheduled sequence.
    /// - Complexity: O(1).
    public init(request: Int32, start: Int, count: Int, tokens: [Int32], newBlocks: [Int32],
                resetsBlockTable: Bool, samples: Bool, remainingTokens: Int) {
        self.request = request
        self.start = start
        self.count = count
        self.tokens = tokens
        self.newBlocks = newBlocks
        self.resetsBlockTable = resetsBlockTable
        self.samples = samples
        self.remainingTokens = remainingTokens
    }

    /// The sequence's length in the KV cache after this step: `start + count`.
    public var end: Int { start + count }
}

/// A copy of one KV block between the device, the host tier and (for copies) another device block.
public struct BlockTransfer: Sendable, Hashable {
    /// Where a block moves.
    public enum Direction: Sendable, Hashable {
        /// Device block to host block (parking a sequence in CPU memory).
        case deviceToHost
        /// Host block to device block (bringing a parked sequence back).
        case hostToDevice
        /// Device block to another device block.
        case deviceToDevice
    }

    /// The direction of the copy.
    public var direction: Direction
    /// The source block id (device or host, by direction).
    public var source: Int32
    /// The destination block id (device or host, by direction).
    public var destination: Int32

    /// Creates a transfer.
    /// - Complexity: O(1).
    public init(_ direction: Direction, source: Int32, destination: Int32) {
        self.direction = direction
        self.source = source
        self.destination = destination
    }
}

/// A request the scheduler will never run, with the reason (for example a prompt longer than
/// the engine can ever hold).
public struct RequestRejection: Sendable, Hashable {
    /// The request's index in the workload.
    public var request: Int32
    /// Why it cannot run, for the per-request error in the results.
    public var reason: String

    /// Creates a rejection.
    /// - Complexity: O(1).
    public init(request: Int32, reason: String) {
        self.request = request
        self.reason = reason
    }
}

/// What the scheduler asks the engine to do next: block transfers, then up to ``steps`` model
/// steps over ``sequences``, with optional prefetch copies overlapping those steps.
///
/// With `steps > 1` every sequence must be decoding (`count == 1`, `samples == true`) and own
/// device blocks for `steps` more tokens; the engine repeats the step, feeding each sequence the
/// token it sampled last, and stops after the first step in which any sequence finishes. This is
/// how a decode phase whose batch does not change is handed over in one call.
///
/// A full plan (the default) lists every sequence of the step. An *incremental* plan
/// (``isIncremental``, only for an engine whose ``EngineCapacity/supportsIncrementalPlans`` is
/// set) lists only what changed, so that a step of thousands of plain decodes costs the scheduler,
/// the runner and the engine O(changes) instead of O(batch):
/// - the engine's *running batch* holds every sequence whose last entry, in an incremental plan
///   after the last full plan, sampled, and that has not finished or been removed since;
/// - every sequence of the running batch that the plan neither lists nor names in ``removals``
///   decodes one token per step implicitly: it starts at its previous end with the token it
///   sampled last, gains no block, and finishes where its remaining tokens (counted down from the
///   entry that last listed it) or its natural end run out;
/// - ``sequences`` lists the sequences that join the batch, or change beyond that implicit decode
///   (a prefill chunk, new blocks, a table reset);
/// - ``removals`` names sequences of the running batch that compute nothing in this plan
///   (preempted, or waiting for token budget); like any sequence between two steps they keep the
///   block table the engine holds.
/// A full plan sent to such an engine empties its running batch: an incremental plan that follows
/// lists every sequence it runs.
public struct StepPlan: Sendable {
    /// The sequences of the step, in the order the outcome reports them: every sequence for a full
    /// plan, only the changed ones for an incremental plan.
    public var sequences: [ScheduledSequence]
    /// Whether the plan is incremental: unlisted sequences of the engine's running batch decode
    /// implicitly (see the type's description). Default `false`.
    public var isIncremental: Bool
    /// Sequences of the engine's running batch that compute nothing in this incremental plan;
    /// empty for a full plan.
    public var removals: [Int32]
    /// Steps to repeat (at least 1).
    public var steps: Int
    /// Block copies to perform before the step, in order.
    public var transfers: [BlockTransfer]
    /// Block copies the engine may overlap with the plan's steps (a copy stream next to the
    /// compute, as a GPU's copy engines allow): they start after ``transfers``, run in order among
    /// themselves, and complete before the next plan's transfers. The scheduler guarantees that
    /// no step of this plan writes a device block a prefetch reads, nor touches one a prefetch
    /// writes, so an engine may equally run them after the steps. Swap-ins that stage sequences
    /// for a later plan, and swap-outs of sequences this plan does not run, go here. Default
    /// empty.
    public var prefetches: [BlockTransfer]
    /// Requests the scheduler gives up on; the runner records their errors.
    public var rejections: [RequestRejection]
    /// Device blocks in use after this plan's allocations (for the KV-use timeline).
    public var deviceBlocksInUse: Int

    /// Creates a plan.
    /// - Complexity: O(1).
    public init(sequences: [ScheduledSequence], steps: Int = 1, transfers: [BlockTransfer] = [],
                rejections: [RequestRejection] = [], deviceBlocksInUse: Int = 0, prefetches: [BlockTransfer] = [],
                isIncremental: Bool = false, removals: [Int32] = []) {
        self.sequences = sequences
        self.isIncremental = isIncremental
        self.removals = removals
        self.steps = steps
        self.transfers = transfers
        self.prefetches = prefetches
        self.rejections = rejections
        self.deviceBlocksInUse = deviceBlocksInUse
    }

    /// Tokens computed per step by the listed sequences: the sum of their counts (for an
    /// incremental plan, the implicit decodes add one each).
    /// - Complexity: O(sequences).
    public var tokensPerStep: Int { sequences.reduce(0) { $0 + $1.count } }
}
