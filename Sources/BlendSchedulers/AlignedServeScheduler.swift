import BlendCore

/// AlignedServe (Bai et al., SIGMOD '26): decode batches whose requests have similar KV lengths,
/// so that no long-KV request straggles an unsplit attention kernel.
///
/// The policy as reconstructed in `research/alignedserve.md` §2–§5 and §7, on one engine:
/// 1. **Prefill, then the pool.** Requests are prefilled in input order (chunked, prefix-cached).
///    After its prefill a request joins the running batch directly when its length falls in the
///    batch's window and the batch has room within the cap; otherwise it is parked in the pool:
///    swapped out to the host tier (``KVBlockManager/swapOut(_:)``, as prefetches overlapped with
///    the next step) and keyed by its KV length in a ``LengthIntervalTree``. Without host room it
///    stays parked on the device. Prefill pauses while the pool holds ``Options/poolBatches``
///    caps of KV.
/// 2. **Candidate batch C.** Whenever none is staged, Density First Search picks the narrowest
///    length range from which at least ``Options/minimumBatch`` requests fit the batch memory cap
///    (``Options/batchMemoryCap`` of the device KV blocks). The batch grows from it to fill the
///    cap with the requests nearest in length (the window of the lowest enclosing range that
///    overflows the cap holding the most members within it) and is swapped in as prefetches,
///    overlapped with the running batch's steps. When no range qualifies and the pool cannot
///    grow (nothing being prefilled for it), C is the largest batch the pool still allows.
/// 3. **Running batch R and candidate requests Q.** R decodes; its window (its members' lengths
///    when it started) moves up one token per step. Each plan, pooled requests inside the window
///    are staged as Q (swapped in) and join R in the next plan while R has room within the cap.
/// 4. **Switch.** Once R has fewer members than ``Options/minimumBatch`` and than
///    ``Options/switchFraction`` of the most it had, R ∪ C run together for one step, the *switch
///    iteration*; then R's leftovers within one window width of C's window join the new batch
///    while it stays within the cap, and the others are evicted back to the pool while it has
///    room for them, running on beside the new batch otherwise. Every step in which members of
///    two batches decode counts in ``Statistics/switchIterations``.
/// 5. **Memory.** Batches are formed and gain members within the cap; their members then grow
///    into the rest of the device as they decode (the paper's reading of 40%: room for R, the
///    incoming C and growth). When the device runs out, parked, staged and prefilling requests
///    leave it first (to the host tier, or preempted by recomputation without host room), then
///    the longest members of R.
/// 6. **Starvation guard** (off by default, as in the paper's TTFT measurements): a request
///    pooled for more than ``Options/starvationSteps`` engine steps seeds the next C.
///
/// Every request finishes exactly once; requests that can never run are rejected with a reason.
public struct AlignedServeScheduler: BatchScheduler {
    /// Knobs of the policy; the defaults are the paper's where it gives them.
    public struct Options: Sendable, Hashable {
        /// `Kmin`: requests a batch needs to be formed without falling back (the paper: 36).
        public var minimumBatch: Int
        /// `Bmax`: the share of the device KV blocks one batch may hold (the paper: 0.4).
        public var batchMemoryCap: Double
        /// R switches to C once it has fewer members than `minimumBatch` and than this share of
        /// the most it had (our choice: 0.5, so a small fallback batch is not cut short).
        public var switchFraction: Double
        /// KV the pool may hold (with the prompts being prefilled for it), in cap-sized batches:
        /// prefill pauses at `poolBatches × cap` blocks, or at the host tier's size if smaller
        /// (at one cap without a host tier). Our choice, 4 (the paper's pool held 20–250 GB of
        /// KV): a batch that fills the cap then takes about a quarter of the pool, so its
        /// members span about a quarter of the pooled lengths rather than all of them.
        public var poolBatches: Double
        /// Engine steps a pooled request may wait before it seeds the next batch; `nil` (the
        /// default) turns the guard off.
        public var starvationSteps: Int?
        /// Leaf width of the length tree (a power of 4; default 16).
        public var leafWidth: Int
        /// Whether swaps between the pool and the device are prefetches overlapped with the
        /// plan's steps (the default, the paper's GPU-prefetch-for-GPU); `false` is the paper's
        /// no-prefetch ablation: every swap is a transfer on the critical path, before the steps.
        public var prefetches: Bool
        /// Batching options: step budget, sequences per step, chunked prefill, prefix caching,
        /// 128-token rounding, longest decode span.
        public var batching: SequenceBatcher.Options

        /// Creates options.
        /// - Complexity: O(1).
        public init(minimumBatch: Int = 36, batchMemoryCap: Double = 0.4, switchFraction: Double = 0.5,
                    poolBatches: Double = 4, starvationSteps: Int? = nil, leafWidth: Int = 16,
                    prefetches: Bool = true, batching: SequenceBatcher.Options = .init()) {
            self.minimumBatch = minimumBatch
            self.batchMemoryCap = batchMemoryCap
            self.switchFraction = switchFraction
            self.poolBatches = poolBatches
            self.starvationSteps = starvationSteps
            self.leafWidth = leafWidth
            self.prefetches = prefetches
            self.batching = batching
        }
    }

    /// `alignedserve`, or `alignedserve-no-prefetch` when swaps are not prefetched.
    public var name: String { options.prefetches ? "alignedserve" : "alignedserve-no-prefetch" }
    /// The options in force.
    public let options: Options
    /// What the policy did, for reports.
    public internal(set) var statistics = Statistics()
    /// KV blocks one batch may hold: `⌊batchMemoryCap × deviceBlocks⌋` (0 before `prepare`).
    public internal(set) var batchCapBlocks = 0

    var capacity: EngineCapacity!
    var ledger: AlignedLedger!
    var kv: KVBlockManager!
    var tree: LengthIntervalTree
    /// Token budget and sequence slots of one step.
    var stepTokens = 1, stepSequences = 1
    /// Members one batch may have: a step's sequences or tokens.
    var batchLimit = 1
    /// KV blocks of the pool at which prefill pauses.
    var poolBlocks = 1

    /// Requests in input order, and how many of them were offered for admission.
    var order: [Int32] = []
    var cursor = 0
    /// Requests preempted by recomputation, admitted again before new ones.
    var requeued: [Int32] = []
    var prefilling: [Int32] = []
    var prefilled: [Int32] = []
    /// Requests leaving the device for the pool at the end of the plan being composed.
    var parking: [Int32] = []
    /// Pooled requests in the order they entered the pool (for the starvation guard; stale
    /// entries are skipped).
    var poolQueue: [(request: Int32, since: Int)] = []
    var poolQueueHead = 0
    /// Pooled requests parked on the device for want of host room (stale entries are skipped).
    var parkedOnDevice: [Int32] = []

    /// R: the running batch, its length window and its batch id.
    var running: [Int32] = []
    var runningWindow = 1 ... 1
    var runningBatch: Int32 = -1
    /// The most members R has had since it started (top-ups and direct joins count).
    var runningPeak = 0
    /// C: the staged candidate batch and its window.
    var candidates: [Int32] = []
    var candidateWindow = 1 ... 1
    var candidateBatch: Int32 = -1
    /// Q: candidate requests staged in the last plan, joining R in the next.
    var joining: [Int32] = []
    var nextBatchID: Int32 = 0
    var engineSteps = 0
    /// The sequences of the plan returned last.
    var planned: [ScheduledSequence] = []

    /// Creates the policy.
    /// - Complexity: O(65536 / leafWidth), the length tree's arrays.
    public init(options: Options = Options()) {
        self.options = options
        tree = LengthIntervalTree(leafWidth: options.leafWidth)
    }

    /// Sets up the ledger, the KV accounting and the limits for `workload` on `capacity`.
    /// - Complexity: O(requests + device blocks × block size + host blocks).
    public mutating func prepare(workload: Workload, capacity: EngineCapacity) throws {
        self.capacity = capacity
        ledger = AlignedLedger(workload: workload, capacity: capacity)
        kv = KVBlockManager(capacity: capacity, prefixCaching: options.batching.prefixCaching)
        tree = LengthIntervalTree(leafWidth: options.leafWidth)
        stepTokens = min(options.batching.maxTokensPerStep, capacity.maxTokensPerStep)
        if options.batching.roundTokensTo128, stepTokens >= 128 { stepTokens -= stepTokens % 128 }
        stepSequences = min(options.batching.maxSequences, capacity.maxSequencesPerStep)
        batchLimit = max(1, min(stepTokens, stepSequences))
        batchCapBlocks = Int((options.batchMemoryCap * Double(capacity.deviceBlocks)).rounded(.down))
        let poolCap = Int(options.poolBatches * Double(batchCapBlocks))
        poolBlocks = max(1, capacity.hostBlocks > 0 ? min(poolCap, capacity.hostBlocks) : batchCapBlocks)
        order = (0 ..< Int32(workload.count)).map { $0 }
        statistics = Statistics()
    }

    /// Composes the next plan: R's decode steps (with C in a switch plan), prefill chunks, then
    /// the staging of C and Q and the parking of requests as prefetches.
    /// - Complexity: O(sequences in the plan + blocks allocated + the tree searches of
    ///   ``LengthIntervalTree``), amortised.
    public mutating func nextStep() -> StepPlan? {
        guard ledger.unfinished > 0 else { return nil }
        var draft = AlignedPlanDraft(tokenBudget: stepTokens, slots: stepSequences)
        arrangeRunningBatch(&draft)
        placePrefilled()
        scheduleDecodes(&draft)
        schedulePrefill(&draft)
        let steps = spanLength(draft)
        extendSpan(&draft, steps: steps)
        stageCandidateBatch(&draft)
        stageCandidateRequests(&draft, steps: steps)
        park(&draft)
        planned = draft.sequences
        return StepPlan(sequences: draft.sequences, steps: steps, transfers: draft.transfers,
                        rejections: draft.rejections, deviceBlocksInUse: kv.deviceBlocksInUse,
                        prefetches: draft.prefetches)
    }

    /// Applies the outcome: progress of every sequence, finishes, prefills that completed, the
    /// running batch's window, and the iteration counters.
    /// - Complexity: O(sequences in the plan + running batch + blocks released).
    public mutating func observe(_ outcome: StepOutcome) {
        engineSteps += outcome.steps
        var finished: Set<Int32> = []
        var decodingBatches: Set<Int32> = []
        var completedPrefill = false
        for (sequence, result) in zip(planned, outcome.sequences) {
            let request = sequence.request, index = Int(request)
            ledger.computed[index] = sequence.end + (sequence.samples ? max(0, outcome.steps - 1) : 0)
            ledger.generated[index] += result.generated
            ledger.outputs[index] += result.tokens
            if ledger.phase[index] == .running { decodingBatches.insert(ledger.batch[index]) }
            if result.finish != nil {
                kv.release(request)
                ledger.phase[index] = .done
                ledger.unfinished -= 1
                finished.insert(request)
            } else if ledger.phase[index] == .prefilling && sequence.samples {
                ledger.phase[index] = .prefilled
                completedPrefill = true
            } else if sequence.samples, kv.hasTable(request), kv.shrink(request, toCover: ledger.computed[index] + 1) > 0 {
                // A span that ended early (at another member's finish) leaves blocks reserved
                // for tokens never decoded: free them, so that the device, the pool, evictions
                // and swaps count only real KV.
                ledger.sentBlocks[index] = min(ledger.sentBlocks[index], kv.tableLength(request))
                ledger.resetsTable[index] = true
            }
        }
        if !decodingBatches.isEmpty {
            statistics.decodeIterations += outcome.steps
            if decodingBatches.count > 1 { statistics.switchIterations += outcome.steps }
            runningWindow = runningWindow.lowerBound + outcome.steps ... runningWindow.upperBound + outcome.steps
        }
        if !finished.isEmpty {
            running.removeAll { finished.contains($0) }
            prefilling.removeAll { finished.contains($0) }
        }
        if completedPrefill {
            prefilled += prefilling.filter { ledger.phase[Int($0)] == .prefilled }
            prefilling.removeAll { ledger.phase[Int($0)] == .prefilled }
        }
        if running.isEmpty { runningBatch = -1 }
        runningPeak = max(runningPeak, running.count)
    }
}
