import BlendCore

/// BlendServe (Zhao et al., ASPLOS '26): resource-aware batching over a prefix tree.
///
/// 1. **Warm-up.** A sample of requests (1% by default) runs first, in DFS order; their true
///    output lengths are recorded and their results kept. **Warm-up fill** (our addition):
///    the compute the sample's decodes leave idle goes to requests of the prefix groups the
///    sample has sized, long generations first when they are the critical path
///    (``Options/fillsWarmUp``).
/// 2. **Preprocessing.** Every other request's output length is estimated from the nearest
///    sampled subtree (``OutputLengthEstimator``); the prefix tree is annotated with compute
///    density, layer-sorted and split (``ScanPlanner``), giving a scan order from compute-heavy
///    to memory-heavy units.
/// 3. **Dual scan.** Two cursors admit from both ends (``DualScanner``): the KV pool is split so
///    that the blend hits the workload's density (eq. 10), re-partitioned whenever a cursor
///    enters a new unit. Each side admits at its steady-state prefill rate (Algorithm 3, kept as
///    a per-step token credit) while its requests' average KV footprint
///    `(p + d/2)·kvBytesPerToken` stays within its share, which staggers long requests instead of
///    starting them as one cohort. The memory-heavy side may also fill its share at once: by
///    average footprint until its first request finishes (the ramp-up, when nothing else would
///    start long requests for a whole lifetime), then with requests whose peak KV `(p + d)`
///    fits it. The compute-heavy side never does, since its short requests would then flood each
///    step with prefill.
///    **Balanced steps** (our addition): while any sequence decodes, neither side admits once the
///    step's GEMM time reaches its memory time (the weights and the decodes' KV reads), so no
///    step is compute-bound while long decodes wait behind it; on a memory-bound workload the
///    step's prompt tokens are also capped there, chunking a longer prompt (see
///    ``Options/balancesSteps``).
/// 4. **Online correction.** A request that outlives its estimate gets a doubled one; one from the
///    compute-heavy side moves its footprint to the memory-heavy side (the paper's relocation
///    from `M_L` to `M_R`). Finished requests sharpen the estimates of those not yet admitted.
///
/// Batching (chunked prefill, prefix caching within and across steps, preemption, decode spans)
/// is ``SequenceBatcher``'s. The cursors meeting ends the scan; the batch then drains.
public struct BlendServeScheduler: BatchScheduler {
    /// Knobs of the policy; the defaults are the paper's.
    public struct Options: Sendable, Hashable {
        /// Share of requests sampled in the warm-up (the paper: 1%).
        public var sampleFraction: Double
        /// Share of the optimal prefix sharing node splitting must keep (the paper: 99%).
        public var keepSharing: Double
        /// Seed of the sample.
        public var seed: UInt64
        /// Estimate for every request when nothing was sampled.
        public var fallbackOutputLength: Int
        /// Batching options.
        public var batching: SequenceBatcher.Options
        /// The dual scan starts once every sampled request has finished or generated this many
        /// tokens; each unfinished one counts with a pessimistic provisional length
        /// (``BlendServeScheduler/provisionalFactor`` times what it generated), and the scan is
        /// planned again when the last of them finishes. 0 waits for the whole sample.
        public var warmUpTokens: Int
        /// Algorithm 1 and the density order of units (off for the "no sorting" ablation: the
        /// scan follows the prefix tree's DFS order).
        public var sortsByDensity: Bool
        /// Two cursors with the memory partition and paced admission (off for the "no dual scan"
        /// ablation: admit from the dense end only, as memory allows).
        public var dualScan: Bool
        /// Use the workload's true output lengths instead of sampling (the "oracle" ablation).
        public var oracleOutputLengths: Bool
        /// Share of the device KV pool the dual scan partitions (`M`); the rest is headroom for
        /// the difference between expected and actual KV use, which would otherwise show up as
        /// preemptions.
        public var memoryFraction: Double
        /// Stop admitting into a step once its predicted compute time (the tokens scheduled so
        /// far, at ``CostModel/computeSecondsPerToken``) reaches its predicted memory time
        /// (``CostModel/weightReadSeconds`` plus the decodes' KV reads), while any sequence
        /// decodes. Eq. (10) and Algorithm 3 balance the two sides on average over a unit; they
        /// do not stop a step from being all prefill while long decodes are running, and in the
        /// overlapped mode every such step leaves the memory side idle and stretches the decodes'
        /// lifetimes into a memory-bound tail. Deferred prefill is never lost: it pairs with the
        /// last decodes or runs compute-bound once no decode is left, where a step's time is its
        /// compute time anyway. A step rounds toward the workload's bottleneck: on a memory-bound
        /// workload its prompt tokens are capped at its memory time (a longer prompt is prefilled
        /// in chunks over the next steps), on a compute-bound one the prompt that crosses the line
        /// is admitted whole. Only on a workload whose estimated density is below twice the
        /// memory-bound line (``BlendServeScheduler/balanceDensityLimit``): on a clearly
        /// compute-bound one every step should be compute-bound, and capping a step at its memory
        /// time (then mostly the weight read) keeps the batch small, pays the overlap's
        /// interference on all of its compute and reads the weights in many more steps (100,000
        /// short chat turns: 11% slower than FCFS with the balance, 0.2% without).
        /// (Off for the "no step balance" ablation.)
        public var balancesSteps: Bool
        /// Fill the compute the warm-up's decodes leave idle with requests of the top-level
        /// prefix groups the sample has sized: while a running sample has generated more tokens
        /// than the prompts left would fill steps, from groups with a sample still running (their
        /// long generations are the critical path, so they start now), otherwise from groups
        /// whose samples have all finished (short outputs). The warm-up otherwise decodes a
        /// sample's long generations on a nearly idle GPU for up to ``warmUpTokens`` steps, which
        /// costs a small workload a large share of its run. The fill's requests are not recorded
        /// as samples when they finish during the warm-up (those would be its short ones only).
        /// (Off for the "no warm-up fill" ablation.)
        public var fillsWarmUp: Bool

        /// Creates options.
        /// - Complexity: O(1).
        public init(sampleFraction: Double = 0.01, keepSharing: Double = 0.99, seed: UInt64 = 1,
                    fallbackOutputLength: Int = 256, batching: SequenceBatcher.Options = .init(),
                    warmUpTokens: Int = 1024, sortsByDensity: Bool = true, dualScan: Bool = true,
                    oracleOutputLengths: Bool = false, memoryFraction: Double = 0.9, balancesSteps: Bool = true,
                    fillsWarmUp: Bool = true) {
            self.sampleFraction = sampleFraction
            self.keepSharing = keepSharing
            self.seed = seed
            self.fallbackOutputLength = fallbackOutputLength
            self.batching = batching
            self.warmUpTokens = warmUpTokens
            self.sortsByDensity = sortsByDensity
            self.dualScan = dualScan
            self.oracleOutputLengths = oracleOutputLengths
            self.memoryFraction = memoryFraction
            self.balancesSteps = balancesSteps
            self.fillsWarmUp = fillsWarmUp
        }
    }

    /// `blendserve`.
    public let name = "blendserve"

    /// How many times its generated length a sample still running at the start of the dual scan
    /// is assumed to reach. Pessimistic on purpose: an over-estimated request waits on the
    /// memory-heavy end and is admitted with a large footprint, which costs little until the
    /// sample finishes and the scan is re-planned; an under-estimated one (a 16K-token video
    /// taken for a 2K-token answer) is admitted as if it were light and fills the KV cache.
    /// Measured on Trace#1 (400K): 2.20 h with 16, 2.23 h with 8 (at 2048 tokens), 2.22 h when
    /// waiting for the whole sample; at 40K requests 1,166 s against 1,371 s waiting.
    public static let provisionalFactor = 16
    /// The cost model densities are computed with (the engine's model and hardware).
    public let costModel: CostModel
    /// The options in force.
    public let options: Options

    private enum Side: Int { case left = 0, right = 1 }

    private var batcher: SequenceBatcher!
    private var tree: PrefixTree!
    private var estimator: OutputLengthEstimator!
    private var sample: [Int32] = []
    private var sampleCursor = 0
    /// The warm-up fill (``fillWarmUp(longestSample:)``): every request in DFS order, so that each top-level
    /// prefix group is a contiguous range (``groupRanges``); per request its group (-1 for
    /// none); per group its samples still running; the groups whose samples have all finished,
    /// in the order they did, and the position of the next request to try in each.
    private var dfsOrder: [Int32] = []
    private var groupRanges: [Range<Int>] = []
    private var groupSamplesLeft: [Int] = []
    private var finishedGroups: [Int32] = []
    private var finishedGroupCursor = 0
    private var groupNext: [Int] = []
    /// The next group to try among those with a sample still running, in DFS order.
    private var openGroupCursor = 0
    private var samplesRunning = 0
    /// Per request: what the policy tracks about it (``RequestState``), one record per request
    /// so that admitting, relocating or finishing one reads a cache line or two.
    private var state: [RequestState] = []
    private var provisional = false
    private var scanner: DualScanner?
    private var budgets: DualScanner.Budgets?
    private var sideUse = [0.0, 0.0]
    private var sidePeak = [0.0, 0.0]
    /// True until the first request of the memory-heavy side finishes: while the side ramps up
    /// it fills its share by average footprint at once, since no finishing requests make room
    /// for paced ones yet; afterwards it fills only by peak footprint and otherwise paces.
    private var rampingUp = true
    private var credit = [0.0, 0.0]
    private var kvBytesPerToken = 0.0
    private var stepsSinceCredit = 1
    /// The density (eq. 9) below which a workload is memory-bound on this engine:
    /// `1 + weightReadSeconds / (KV pool tokens · memorySecondsPerKVToken)`. Eq. 9 leaves weight
    /// reads out, but every step reads the weights once and reads at most the whole KV pool, so
    /// each KV token read costs at least that factor more memory time than eq. 5 charges (1.27
    /// for Llama-3.1-8B on an A100-80GB: 16 GB of weights beside 60 GB of KV).
    private var memoryBoundDensity = 1.0
    /// Whether balanced steps apply to this workload: its estimated root density is under
    /// ``balanceDensityLimit`` times ``memoryBoundDensity``.
    private var balancesThisWorkload = true
    /// Engine steps observed so far.
    private var stepsSeen = 0
    /// The running requests' expected end steps (``RequestState/expectedEnd``), negated, as a
    /// max-heap.
    private var decodeEnds = _EventHeap()
    /// The requests neither sampled nor taken by the fill or the scan: how many, their prompt
    /// tokens, and (once the scan is planned) their output lengths as estimated then
    /// (``RequestState/plannedOutput``).
    private var untaken = (requests: 0, promptTokens: 0, outputTokens: 0)
    /// How far above the memory-bound line a workload's estimated density may lie and still
    /// get balanced steps. The 1% sample underestimates long outputs, so the estimated density
    /// runs high: 1.43 to 1.55 for Trace#1, whose steps read more than they compute (5,993 s of
    /// memory against 5,635 s of compute), and up to 1.7 for the grid's 1.40 points. Twice the
    /// line keeps every workload whose memory time could be underestimated by half.
    public static let balanceDensityLimit = 2.0
    /// The prompt tokens the next step may compute (``SequenceBatcher/beginStep(prefillLimit:)``):
    /// on a memory-bound workload, as many as the GEMMs can run in the last step's memory time
    /// beside the running sequences' decodes, so no step turns compute-bound; otherwise no limit.
    private var prefillLimit = Int.max
    /// The scan plan built after the warm-up (for reports), `nil` before.
    public private(set) var plan: ScanPlanner.Plan?
    /// Whether to clock every call into the shared ``SequenceBatcher`` (``batcherSeconds``). Off
    /// by default: reading the clock around the hundred or so calls of a step at thousands of
    /// sequences costs about a tenth of the scheduler's time on this machine.
    public var measuresBatcherTime = false
    /// With ``measuresBatcherTime``, the wall seconds spent inside the shared ``SequenceBatcher``
    /// (beginning and finishing steps, admissions, notifications, observing outcomes): the
    /// batching and KV accounting every policy pays, FCFS included. The rest of the time in
    /// ``nextStep()`` and ``observe(_:)`` is BlendServe's own work, what the paper's 0.08 ms of
    /// runtime tree operations per step measures.
    public private(set) var batcherSeconds = 0.0
    /// With ``measuresBatcherTime``, the batcher calls clocked: each one's two clock readings
    /// add about one reading's cost to the time outside ``batcherSeconds``.
    public private(set) var batcherCalls = 0
    /// Wall seconds spent building the scan plan once the warm-up ends (estimating every
    /// request's output, aggregating densities, sorting and splitting: the paper's
    /// preprocessing, which it reports apart from its per-step tree operations), always
    /// measured; part of the time of ``nextStep()`` and ``observe(_:)``. Usually one build per
    /// run, two when the warm-up ends on provisional lengths.
    public private(set) var planningSeconds = 0.0

    /// Creates the policy for an engine running `costModel`'s model on its hardware.
    /// - Complexity: O(1).
    public init(costModel: CostModel, options: Options = Options()) {
        self.costModel = costModel
        self.options = options
    }

    /// Builds the prefix tree and draws the warm-up sample.
    /// - Complexity: O(total prompt tokens).
    public mutating func prepare(workload: Workload, capacity: EngineCapacity) throws {
        batcher = SequenceBatcher(workload: workload, capacity: capacity, options: options.batching)
        tree = PrefixTree(workload: workload)
        estimator = OutputLengthEstimator(tree: tree, fallback: options.fallbackOutputLength)
        kvBytesPerToken = Double(capacity.bytesPerBlock) / Double(capacity.blockSize)
        let poolReadSeconds = Double(capacity.deviceBlocks * capacity.blockSize) * costModel.memorySecondsPerKVToken
        memoryBoundDensity = poolReadSeconds > 0 ? 1 + costModel.weightReadSeconds / poolReadSeconds : 1
        var generator = SeededGenerator(seed: options.seed)
        let chosen = OutputLengthEstimator.chooseSample(requestCount: workload.count, fraction: options.sampleFraction,
                                                        using: &generator)
        state = [RequestState](repeating: RequestState(), count: workload.count)
        if options.oracleOutputLengths {
            for request in 0 ..< workload.count {
                estimator.record(request: request, length: workload.plannedOutputLength(request, fallback: options.fallbackOutputLength))
            }
        } else {
            for request in chosen { state[request].inSample = true }
        }
        indexGroups()
        if !options.oracleOutputLengths, options.sampleFraction > 0 { sampleEveryTopLevelGroup(using: &generator) }
        sample = dfsOrder.filter { state[Int($0)].inSample }
        countGroupSamples()
        if sample.isEmpty { startBlending() }
    }

    /// Adds one random request from every top-level prefix group (child of the root) the uniform
    /// sample missed. The paper samples uniformly; a rare group of very long outputs (a few
    /// hundred OpenVid videos among 40,000 requests) is then often missed and estimated from the
    /// other groups' short outputs, which turns the most memory-heavy requests into apparently
    /// compute-heavy ones. One sample per group costs a handful of requests.
    private mutating func sampleEveryTopLevelGroup<G: RandomNumberGenerator>(using generator: inout G) {
        for range in groupRanges {
            let members = dfsOrder[range]
            guard !members.contains(where: { state[Int($0)].inSample }), let pick = members.randomElement(using: &generator) else { continue }
            state[Int(pick)].inSample = true
        }
    }

    /// Plans the next step: the warm-up sample first, then the dual scan.
    /// - Complexity: O(running sequences + admitted prompt blocks) per step.
    public mutating func nextStep() -> StepPlan? {
        let limit = scanner == nil ? .max : prefillLimit
        onBatcher { $0.beginStep(prefillLimit: limit) }
        if scanner == nil { return warmUpStep() }
        return blendStep()
    }

    private mutating func warmUpStep() -> StepPlan? {
        var blocked = sampleCursor == sample.count
        admission: while batcher.canAdmit, sampleCursor < sample.count {
            let candidate = sample[sampleCursor]
            switch onBatcher({ $0.admit(candidate) }) {
            case .admitted:
                samplesRunning += 1
                sampleCursor += 1
            case .rejected:
                sampleCursor += 1
            case .noMemory:
                blocked = true
                break admission
            case .noBudget:
                break admission
            }
        }
        if sampleCursor == sample.count, warmUpIsLongEnough() {
            startBlending()
            return blendStep()
        }
        let samples = runningSampleTokens()
        var spanLimit = stepsToWarmUpEnd(fewestSampleTokens: samples.fewest)
        if options.fillsWarmUp, sampleCursor == sample.count { spanLimit = min(spanLimit, fillWarmUp(longestSample: samples.most)) }
        let admissionBlocked = blocked || sampleCursor == sample.count
        return onBatcher { $0.finishStep(admissionBlocked: admissionBlocked, spanLimit: spanLimit) }
    }

    /// Lists every request in DFS order (``dfsOrder``) in one walk of the tree, a top-level
    /// prefix group after another, recording each group's range and each request's group.
    /// - Complexity: O(nodes).
    private mutating func indexGroups() {
        dfsOrder = []
        dfsOrder.reserveCapacity(tree.requestCount)
        if let request = tree.request(at: PrefixTree.root) { dfsOrder.append(Int32(request)) }
        groupRanges = []
        for group in tree.children(of: PrefixTree.root) {
            let start = dfsOrder.count
            tree.appendRequests(under: group, to: &dfsOrder)
            guard dfsOrder.count > start else { continue }
            for request in dfsOrder[start...] { state[Int(request)].group = Int32(groupRanges.count) }
            groupRanges.append(start ..< dfsOrder.count)
        }
    }

    /// Counts each group's samples, marks the samples taken and sets up the warm-up fill and
    /// ``untaken``.
    /// - Complexity: O(requests).
    private mutating func countGroupSamples() {
        groupSamplesLeft = [Int](repeating: 0, count: groupRanges.count)
        untaken = (0, 0, 0)
        for request in dfsOrder {
            if state[Int(request)].inSample {
                state[Int(request)].taken = true
                if state[Int(request)].group >= 0 { groupSamplesLeft[Int(state[Int(request)].group)] += 1 }
            } else {
                untaken.requests += 1
                untaken.promptTokens += batcher.workload.promptLength(Int(request))
            }
        }
        groupNext = groupRanges.map(\.lowerBound)
        finishedGroups = []
        finishedGroupCursor = 0
        openGroupCursor = 0
    }

    /// The next request the warm-up fill may take: from a group whose samples have all finished,
    /// or, when `open`, from a group with a sample still running; `nil` when there is none.
    private mutating func nextFillRequest(open: Bool) -> (group: Int, request: Int32)? {
        while true {
            let group: Int
            if open {
                guard openGroupCursor < groupRanges.count else { return nil }
                group = openGroupCursor
                if groupSamplesLeft[group] == 0 || groupNext[group] >= groupRanges[group].upperBound {
                    openGroupCursor += 1
                    continue
                }
            } else {
                guard finishedGroupCursor < finishedGroups.count else { return nil }
                group = Int(finishedGroups[finishedGroupCursor])
                if groupNext[group] >= groupRanges[group].upperBound {
                    finishedGroupCursor += 1
                    continue
                }
            }
            let request = dfsOrder[groupNext[group]]
            if state[Int(request)].taken {
                groupNext[group] += 1
                continue
            }
            return (group, request)
        }
    }

    /// The share of the device's KV blocks the warm-up fill may bring into use; the rest is left
    /// to the scan, which starts with the fill's requests still running and does not count
    /// them. (0.25 and 0.9 gave within 5% of 0.5 on the small mixes of `PolicyGainTests`.)
    public static let warmUpFillShare = 0.5

    /// The warm-up fill (``Options/fillsWarmUp``): admits requests in DFS order, from the groups
    /// the critical path picks, while the step's GEMM time is under its memory time and the
    /// device holds less than ``warmUpFillShare`` of its KV blocks. Returns the most steps a span
    /// may run so that stepping one by one would decide the same: 1 when it stopped at the
    /// step's balance (the next step may admit more), else the steps until the critical path
    /// turns to the open groups. The scan skips what it took.
    /// - Complexity: O(requests admitted + groups passed).
    private mutating func fillWarmUp(longestSample longest: Int) -> Int {
        let memorySeconds = stepMemorySeconds
        let prefillSteps = untakenPrefillSteps
        let open = longest > prefillSteps
        let untilOpen = open ? Int.max : prefillSteps - longest + 1
        while batcher.canAdmit, let (group, request) = nextFillRequest(open: open) {
            if stepComputeCovers(memorySeconds) { return 1 }
            guard Double(batcher.kv.deviceBlocksInUse) < Self.warmUpFillShare * Double(batcher.capacity.deviceBlocks) else { return untilOpen }
            switch onBatcher({ $0.admit(request) }) {
            case .admitted, .rejected:
                take(request)
                groupNext[group] += 1
            case .noMemory, .noBudget:
                return untilOpen
            }
        }
        return untilOpen
    }

    /// Steps until every running sample has generated ``Options/warmUpTokens`` tokens, so that a
    /// multi-step span ends where the scan starts, as stepping one by one would (`.max` when
    /// that never ends the warm-up).
    private func stepsToWarmUpEnd(fewestSampleTokens fewest: Int) -> Int {
        guard options.warmUpTokens > 0, fewest < options.warmUpTokens else { return .max }
        return options.warmUpTokens - fewest
    }

    /// The fewest and the most tokens a running sample has generated (`Int.max` and 0 when
    /// none runs).
    /// - Complexity: O(running sequences).
    private func runningSampleTokens() -> (fewest: Int, most: Int) {
        var fewest = Int.max, most = 0
        for request in batcher.running where state[Int(request)].inSample {
            let tokens = batcher.generatedTokens(request)
            fewest = min(fewest, tokens)
            most = max(most, tokens)
        }
        return (fewest, most)
    }

    /// Whether every sample has finished, or has generated ``Options/warmUpTokens`` tokens
    /// (then each unfinished one is recorded with a doubled provisional length).
    private mutating func warmUpIsLongEnough() -> Bool {
        guard samplesRunning > 0 else { return true }
        guard options.warmUpTokens > 0 else { return false }
        let running = batcher.running.filter { state[Int($0)].inSample && estimator.recordedLength(of: Int($0)) == nil }
        guard running.allSatisfy({ batcher.generatedTokens($0) >= options.warmUpTokens }) else { return false }
        for request in running {
            estimator.record(request: Int(request), length: min(batcher.generatedTokens(request) * Self.provisionalFactor, batcher.capacity.maxContext))
        }
        provisional = true
        return true
    }

    /// Estimates output lengths from the sample, plans the scan order of the requests not yet
    /// taken and sets up the dual scanner (again, when the last provisional sample finishes).
    private mutating func startBlending() {
        var stopwatch = Stopwatch()
        defer { planningSeconds += stopwatch.lap() }
        let lengths = estimator.estimates()
        let aggregates = TreeAggregates(tree: tree, outputLengths: lengths, costModel: costModel)
        let plan = ScanPlanner.plan(tree: &tree, aggregates: aggregates,
                                    options: .init(keepSharing: options.keepSharing, sortsByDensity: options.sortsByDensity))
        self.plan = plan
        scanner = DualScanner(scanOrder: plan.order, costModel: costModel,
                              memory: batcher.capacity.deviceKVBytes * options.memoryFraction,
                              rootDensity: aggregates.density[Int(PrefixTree.root)])
        budgets = nil
        balancesThisWorkload = aggregates.density[Int(PrefixTree.root)] < Self.balanceDensityLimit * memoryBoundDensity
        untaken.outputTokens = 0
        for request in state.indices {
            state[request].plannedOutput = lengths[request]
            if !state[request].taken { untaken.outputTokens += Int(lengths[request]) }
        }
        credit = [0, 0]
        stepsSinceCredit = 1
    }

    private mutating func blendStep() -> StepPlan? {
        guard var scanner else { return nil }
        if !options.dualScan {
            let plan = denseEndStep(&scanner)
            self.scanner = scanner
            return plan
        }
        if budgets?.generation != scanner.partitionGeneration {
            budgets = scanner.budgets()
            credit = [min(credit[0], 0), min(credit[1], 0)]
        }
        let budget = budgets!
        let limits = [budget.left.memory, budget.right.memory]
        for (index, side) in [budget.left, budget.right].enumerated() {
            let unitPrefill = side.unit.map { scanner.scanOrder.units[$0].meanPrefillTokens } ?? 0
            let cap = min(max(side.prefillTokens, unitPrefill), Double(batcher.options.maxTokensPerStep))
            credit[index] = min(credit[index] + side.prefillTokens * Double(stepsSinceCredit), cap)
        }
        stepsSinceCredit = 0
        var waitsForFinish = true
        var spanLimit = Int.max
        let memorySeconds = stepMemorySeconds
        let balances = options.balancesSteps && (balancesThisWorkload || decodesOutlastPrefill())
        for side in [Side.right, .left] where !scanner.isExhausted {
            let index = side.rawValue
            let rate = side == .left ? budget.left.prefillTokens : budget.right.prefillTokens
            guard limits[index] > 0 else { continue }
            admission: while batcher.canAdmit, let request = side == .left ? scanner.peekLeft() : scanner.peekRight() {
                if state[Int(request)].taken {
                    _ = side == .left ? scanner.popLeft() : scanner.popRight()
                    continue
                }
                if balances, stepIsBalanced(memorySeconds: memorySeconds) {
                    waitsForFinish = false
                    spanLimit = 1
                    break admission
                }
                let estimate = estimator.estimate(Int(request))
                let (footprint, peak) = kvFootprints(request, estimate: estimate)
                let fillsUp = (side == .right && (rampingUp ? sideUse[index] + footprint : sidePeak[index] + peak) <= limits[index]) || batcher.running.isEmpty
                let paced = credit[index] > 0 && sideUse[index] + footprint <= limits[index]
                guard fillsUp || paced else { break admission }
                switch onBatcher({ $0.admit(request) }) {
                case .admitted:
                    _ = side == .left ? scanner.popLeft() : scanner.popRight()
                    take(request)
                    expectEnd(request, afterSteps: estimate)
                    state[Int(request)].side = Int8(index)
                    state[Int(request)].footprint = footprint
                    state[Int(request)].peak = peak
                    state[Int(request)].estimate = estimate
                    onBatcher { $0.notify(request, whenGenerated: estimate) }
                    sideUse[index] += footprint
                    sidePeak[index] += peak
                    credit[index] -= Double(batcher.uncomputedTokens(request))
                case .rejected:
                    _ = side == .left ? scanner.popLeft() : scanner.popRight()
                    take(request)
                case .noMemory, .noBudget:
                    if batcher.prefillBudget == 0 {
                        waitsForFinish = false
                        spanLimit = 1
                    }
                    break admission
                }
            }
            if credit[index] <= 0, rate > 0, !scanner.isExhausted {
                waitsForFinish = false
                spanLimit = min(spanLimit, Int((-credit[index] / rate).rounded(.up)) + 1)
            }
        }
        self.scanner = scanner
        prefillLimit = options.balancesSteps && batcher.stepDecodeKVTokens > 0 && scanner.rootDensity < memoryBoundDensity
            ? max(Int(memorySeconds / costModel.computeSecondsPerToken) - batcher.running.count, 0) : .max
        let admissionBlocked = waitsForFinish || scanner.isExhausted
        return onBatcher { $0.finishStep(admissionBlocked: admissionBlocked, spanLimit: spanLimit) }
    }

    /// Whether the step's compute covers its memory time (``Options/balancesSteps``): some sequence
    /// decodes and the tokens scheduled so far take at least `memorySeconds` of GEMMs. On a
    /// compute-bound workload the prompt that crosses the line is admitted whole, since its steps
    /// should be compute-bound; on a memory-bound one ``prefillLimit`` chunks it at the line.
    private func stepIsBalanced(memorySeconds: Double) -> Bool {
        batcher.stepDecodeKVTokens > 0 && stepComputeCovers(memorySeconds)
    }

    /// The memory time of the step planned so far: the weights once and its decodes' KV reads.
    private var stepMemorySeconds: Double {
        costModel.weightReadSeconds + Double(batcher.stepDecodeKVTokens) * costModel.memorySecondsPerKVToken
    }

    /// Whether the GEMMs of the tokens scheduled so far take at least `memorySeconds`.
    private func stepComputeCovers(_ memorySeconds: Double) -> Bool {
        Double(batcher.stepTokens) * costModel.computeSecondsPerToken >= memorySeconds
    }

    /// The "no dual scan" ablation: admit in scan order from the dense end only, as long as the
    /// batch has room (no memory partition, no pacing).
    private mutating func denseEndStep(_ scanner: inout DualScanner) -> StepPlan? {
        var blocked = false
        admission: while batcher.canAdmit, let request = scanner.peekLeft() {
            if !state[Int(request)].taken {
                switch onBatcher({ $0.admit(request) }) {
                case .admitted, .rejected:
                    take(request)
                case .noMemory:
                    blocked = true
                    break admission
                case .noBudget:
                    break admission
                }
            }
            _ = scanner.popLeft()
        }
        let admissionBlocked = blocked || scanner.isExhausted
        return onBatcher { $0.finishStep(admissionBlocked: admissionBlocked) }
    }

    /// Records finished requests and applies the online correction to the requests that reached
    /// their estimates (the batcher reports them, see ``SequenceBatcher/notify(_:whenGenerated:)``);
    /// the sides' credits grow by the steps run (at least one per plan) before the next admissions.
    /// - Complexity: O(sequences the batcher reports).
    public mutating func observe(_ outcome: StepOutcome) {
        onBatcher { $0.observe(outcome) }
        stepsSinceCredit += max(outcome.steps, 1)
        stepsSeen += max(outcome.steps, 1)
        for result in batcher.observed {
            let request = Int(result.request)
            if result.finished, scanner != nil || state[request].inSample {
                estimator.record(request: request, length: batcher.generatedTokens(result.request))
                if state[request].inSample {
                    samplesRunning -= 1
                    let group = Int(state[request].group)
                    if group >= 0 {
                        groupSamplesLeft[group] -= 1
                        if groupSamplesLeft[group] == 0 { finishedGroups.append(Int32(group)) }
                    }
                    if provisional, samplesRunning == 0 {
                        provisional = false
                        startBlending()
                    }
                }
                state[request].expectedEnd = -1
                let side = Int(state[request].side)
                if side >= 0 {
                    if side == Side.right.rawValue { rampingUp = false }
                    sideUse[side] -= state[request].footprint
                    sidePeak[side] -= state[request].peak
                    state[request].side = -1
                }
            } else if state[request].side >= 0, batcher.generatedTokens(result.request) >= state[request].estimate {
                relocate(result.request)
            }
        }
    }

    /// The online correction for a request that reached its estimate: a doubled estimate, and
    /// its footprint moved to the memory-heavy side.
    private mutating func relocate(_ request: Int32) {
        let index = Int(request)
        let generated = batcher.generatedTokens(request)
        let limit = batcher.workload.maxNewTokens[index]
        let estimate = OutputLengthEstimator.corrected(generated: generated, maxNewTokens: limit >= 0 ? Int(limit) : nil)
        let (footprint, peak) = kvFootprints(request, estimate: estimate)
        let side = Int(state[index].side)
        sideUse[side] -= state[index].footprint
        sidePeak[side] -= state[index].peak
        state[index].estimate = estimate
        state[index].footprint = footprint
        state[index].peak = peak
        state[index].side = Int8(Side.right.rawValue)
        onBatcher { $0.notify(request, whenGenerated: estimate) }
        expectEnd(request, afterSteps: estimate - generated)
        sideUse[Side.right.rawValue] += footprint
        sidePeak[Side.right.rawValue] += peak
    }

    /// The KV bytes `request` holds on average over its life, `(p + d/2)·kvBytesPerToken`, and at
    /// its end, `(p + d)·kvBytesPerToken`, for an output of `estimate` tokens `d`.
    /// - Complexity: O(1).
    private func kvFootprints(_ request: Int32, estimate: Int) -> (average: Double, peak: Double) {
        let prompt = Double(batcher.workload.promptLength(Int(request)))
        return ((prompt + Double(estimate) / 2) * kvBytesPerToken, (prompt + Double(estimate)) * kvBytesPerToken)
    }

    /// Marks `request` taken by the fill or the scan (admitted or rejected).
    /// - Complexity: O(1).
    private mutating func take(_ request: Int32) {
        state[Int(request)].taken = true
        untaken.requests -= 1
        untaken.promptTokens -= batcher.workload.promptLength(Int(request))
        if plan != nil { untaken.outputTokens -= Int(state[Int(request)].plannedOutput) }
    }

    /// Steps the prompts of the requests not taken yet would fill at the step's token budget.
    private var untakenPrefillSteps: Int { untaken.promptTokens / max(batcher.options.maxTokensPerStep, 1) }

    /// Records that running `request` should finish `steps` engine steps from now.
    /// - Complexity: O(log admitted), amortised over the stale entries it drops.
    private mutating func expectEnd(_ request: Int32, afterSteps steps: Int) {
        let end = stepsSeen + max(steps, 1)
        state[Int(request)].expectedEnd = end
        decodeEnds.push(-end, request)
        if decodeEnds.count > 2 * batcher.running.count + 1024 {
            decodeEnds.compact { [state] key, request in state[Int(request)].expectedEnd == -key }
        }
    }

    /// The critical path of balanced steps: whether the running decode expected to finish last
    /// needs more steps than the requests the scan has left, whose prompts fill steps at the
    /// token budget and whose outputs then take their mean estimated length. Then steps filled
    /// with prefill would stretch that decode into a tail with nothing to overlap, and balancing
    /// them pays even on a compute-bound workload; otherwise the requests left are the longer
    /// path, and deferring their prompts only delays the end.
    /// - Complexity: O(1) amortised.
    private mutating func decodesOutlastPrefill() -> Bool {
        while let top = decodeEnds.top, state[Int(top.sequence)].expectedEnd != -top.key { decodeEnds.pop() }
        guard let top = decodeEnds.top else { return false }
        let prefillSteps = untakenPrefillSteps
        let meanOutput = untaken.requests > 0 ? untaken.outputTokens / untaken.requests : 0
        return -top.key - stepsSeen > prefillSteps + meanOutput
    }

    /// Runs `body` on the batcher and, with ``measuresBatcherTime``, adds its wall time to
    /// ``batcherSeconds``.
    /// - Complexity: that of `body` (plus two clock readings when measuring).
    @discardableResult
    private mutating func onBatcher<T>(_ body: (inout SequenceBatcher) -> T) -> T {
        guard measuresBatcherTime else { return body(&batcher) }
        var stopwatch = Stopwatch()
        let result = body(&batcher)
        batcherSeconds += stopwatch.lap()
        batcherCalls += 1
        return result
    }
}
