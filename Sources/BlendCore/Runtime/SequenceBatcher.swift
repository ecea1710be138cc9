/// Continuous batching with chunked prefill, prefix caching and preemption by recomputation:
/// the machinery every policy in this package shares, so that a policy only decides *which*
/// request to admit next.
///
/// Each step (vLLM V1's scheme):
/// 1. ``beginStep()`` schedules the running sequences in admission order: the next prefill chunk
///    or one decode token each, within the step's token budget, growing their KV tables. When
///    the pool runs dry the most recently admitted sequence is preempted (its KV is dropped and
///    it restarts later by recomputation, served from the prefix cache where possible).
///    Preempted sequences are re-admitted first.
/// 2. The policy calls ``admit(_:)`` for the requests it wants, while ``canAdmit`` holds.
/// 3. ``finishStep(admissionBlocked:spanLimit:)`` returns the plan. When no sequence is
///    prefilling and the policy cannot admit before something finishes, the plan covers many
///    decode steps at once, up to the first step that needs a new KV block (the engine stops at
///    the first finish), so a run with spans makes the same decisions as one stepped one by one.
///
/// A sequence may grow to the engine's context or to the whole KV pool, whichever is smaller, so
/// that it can always finish once it is the oldest in the batch (the newest is preempted first);
/// it finishes with ``FinishReason/length`` there.
///
/// A new sequence registers its full prompt blocks in the prefix cache as soon as it is
/// scheduled, so a request admitted later in the same step reuses them: a shared prefix is
/// computed once even within one step. Blocks of generated positions the engine never reported
/// (placeholders) wait until a preemption, or leave the cache's eviction order unkeyed at the
/// finish: no other sequence could match them.
///
/// On an engine that supports incremental plans (``EngineCapacity/supportsIncrementalPlans``,
/// unless ``Options/incrementalPlans`` is off) the plans list only the sequences that change (see
/// ``StepPlan``), and a step costs O(changes) instead of O(batch): a decoding sequence is touched
/// only at the steps at which it needs a KV block, completes a block of reported tokens for the
/// prefix cache, or reaches a count the policy asked to hear about (``notify(_:whenGenerated:)``), found
/// by step (rings of per-step buckets); its generated tokens are counted lazily from the step at which it was
/// last synced. The decisions are exactly those of full plans: when the running sequences want
/// more tokens than the step's budget, the step walks the whole batch in admission order as a full
/// plan would.
public struct SequenceBatcher: Sendable {
    /// Knobs of the batcher.
    public struct Options: Sendable, Hashable {
        /// Token budget of one step (at most the engine's).
        public var maxTokensPerStep: Int
        /// Sequences in one step (at most the engine's).
        public var maxSequences: Int
        /// Whether prompts may be split into chunks (otherwise a prompt must fit one step).
        public var chunkedPrefill: Bool
        /// Whether the prefix cache is used.
        public var prefixCaching: Bool
        /// Round the step's token budget down to a multiple of 128, as NanoFlow sizes its batches
        /// (a full step then holds a multiple of 128 tokens; a step the queue or memory cannot
        /// fill runs as it is).
        public var roundTokensTo128: Bool
        /// Longest multi-step decode span in one plan (1 turns spans off).
        public var maxSpan: Int
        /// Whether to send incremental plans to an engine that supports them (the schedules are
        /// the same either way; full plans cost O(batch) per step).
        public var incrementalPlans: Bool

        /// Creates options; `nil` limits take the engine's.
        /// - Complexity: O(1).
        public init(maxTokensPerStep: Int? = nil, maxSequences: Int? = nil, chunkedPrefill: Bool = true,
                    prefixCaching: Bool = true, roundTokensTo128: Bool = false, maxSpan: Int = 4096,
                    incrementalPlans: Bool = true) {
            self.maxTokensPerStep = maxTokensPerStep ?? .max
            self.maxSequences = maxSequences ?? .max
            self.chunkedPrefill = chunkedPrefill
            self.prefixCaching = prefixCaching
            self.roundTokensTo128 = roundTokensTo128
            self.maxSpan = maxSpan
            self.incrementalPlans = incrementalPlans
        }
    }

    /// A sequence the last ``observe(_:)`` reported: it finished, or it ran in the plan and has
    /// generated at least the count ``notify(_:whenGenerated:)`` asked for.
    public struct ObservedSequence: Sendable, Hashable {
        /// The request.
        public var request: Int32
        /// Whether it finished in that outcome.
        public var finished: Bool
    }

    /// What ``admit(_:)`` did with a request.
    public enum Admission: Sendable, Hashable {
        /// Scheduled in this step with this many prompt tokens to compute.
        case admitted(prefillTokens: Int)
        /// Not enough KV memory now; offer it again later.
        case noMemory
        /// The step has no token budget or sequence slot left; offer it again later.
        case noBudget
        /// It can never run on this engine (reason given); it is rejected in this step's plan.
        case rejected(String)
    }

    /// The workload being served.
    public let workload: Workload
    /// The engine's capacity.
    public let capacity: EngineCapacity
    /// The options in force.
    public let options: Options
    /// The KV accounting.
    public private(set) var kv: KVBlockManager

    /// Requests in the batch, in admission order.
    public private(set) var running: RunningOrder
    @usableFromInline private(set) var preempted: [Int32] = []
    /// Per request: its batching state (``SequenceState``), one record per request so that
    /// touching a sequence reads one or two cache lines rather than one per field.
    @usableFromInline var state: [SequenceState]
    /// Whether plans are incremental.
    public let isIncremental: Bool
    /// Engine steps run so far.
    @usableFromInline private(set) var stepsRun = 0
    var decodingCount = 0
    /// Σ `computed` and Σ `syncedAt` over the decoding sequences (``decodingKVSum``).
    var decodingComputed = 0, decodingSyncedAt = 0
    /// Running sequences that are not decoding (prefilling, or left out of a step for budget),
    /// which every step lists (``SequenceState/pendingSlot`` is each one's position).
    var pending: [Int32] = []
    /// Steps at which decoding sequences need a block or a commit, keyed `step << 32 | ticket` so
    /// that the sequences due at one step come out in admission order
    /// (``SequenceState/dueAt`` is each one's current key); a decoding sequence is due within a
    /// block's worth of steps, which sizes the ring of per-step buckets.
    var dueEvents: DueSteps
    /// Steps at which decoding sequences need a block or run out of tokens (the span limit).
    var spanEvents = _EventHeap()
    /// Steps at which decoding sequences reach their ``notify(_:whenGenerated:)`` count.
    var watchEvents = DueSteps(window: SequenceBatcher.watchWindow)
    /// Steps ahead within which ``watchEvents`` keeps notifications in its ring (typical output
    /// lengths); later ones wait in its heap.
    static let watchWindow = 1024
    /// Decoding sequences of this step touched because an event was due.
    var touched: [Int32] = []
    var removals: [Int32] = []
    /// Scratch tokens of a commit that reaches past the prompt, refilled in place.
    private var commitTokens: [Int32] = []
    /// What the last ``observe(_:)`` reported, in plan (admission) order.
    public internal(set) var observed: [ObservedSequence] = []
    var outputs: [[Int32]]
    @usableFromInline private(set) var unfinished: Int

    /// The plan's entries, `scheduled` of them in this step; entries past that are the previous
    /// plan's, kept so that their token and block arrays are refilled in place instead of
    /// allocated anew for every sequence of every step.
    private var sequences: [ScheduledSequence] = []
    /// Entries of earlier plans beyond this one's, whose arrays the next entries reuse.
    private var spareEntries: [ScheduledSequence] = []
    private var scheduled = 0
    private var rejections: [RequestRejection] = []
    @usableFromInline var tokenBudget = 0
    /// Prompt tokens the step may still compute (``beginStep(prefillLimit:)``); `Int.max` when
    /// unlimited. Reading it is O(1).
    public private(set) var prefillBudget = Int.max
    private var prefilling = false
    @usableFromInline private(set) var preemptedThisStep = false
    /// The known tokens of the last request offered with generated tokens (a preempted one), kept
    /// while it waits for memory so that each step's retry does not build them again.
    private var readmissionTokens: (request: Int32, tokens: [Int32])?

    /// Creates a batcher for `workload` on an engine with `capacity`.
    /// - Complexity: O(requests).
    public init(workload: Workload, capacity: EngineCapacity, options: Options = Options()) {
        self.workload = workload
        self.capacity = capacity
        var options = options
        options.maxTokensPerStep = min(options.maxTokensPerStep, capacity.maxTokensPerStep)
        options.maxSequences = min(options.maxSequences, capacity.maxSequencesPerStep)
        if options.roundTokensTo128, options.maxTokensPerStep >= 128 {
            options.maxTokensPerStep -= options.maxTokensPerStep % 128
        }
        self.options = options
        kv = KVBlockManager(capacity: capacity, prefixCaching: options.prefixCaching)
        dueEvents = DueSteps(window: 2 * capacity.blockSize + 2)
        running = RunningOrder(requests: workload.count)
        isIncremental = options.incrementalPlans && capacity.supportsIncrementalPlans
        outputs = [[Int32]](repeating: [], count: workload.count)
        let longest = min(capacity.maxContext, capacity.deviceBlocks * capacity.blockSize)
        state = (0 ..< workload.count).map { index in
            let room = longest - workload.promptLength(index)
            let asked = workload.maxNewTokens[index]
            return SequenceState(limit: asked >= 0 ? min(Int(asked), room) : room)
        }
        unfinished = workload.count
    }

    /// Requests not yet finished or rejected.
    @inlinable public var unfinishedRequests: Int { unfinished }

    /// Whether every request has finished or been rejected.
    @inlinable public var isFinished: Bool { unfinished == 0 }

    /// Tokens of `request` not yet in its KV cache: right after ``admit(_:)`` the whole prefill
    /// still to do (prompt minus the cached prefix).
    /// - Complexity: O(1).
    @inlinable public func uncomputedTokens(_ request: Int32) -> Int { knownLength(Int(request)) - state[Int(request)].computed }

    /// Tokens generated so far by `request`.
    /// - Complexity: O(1).
    @inlinable public func generatedTokens(_ request: Int32) -> Int { state[Int(request)].generated + lag(Int(request)) }

    /// Tokens of `request` known so far: its prompt and the tokens it generated (for a decoding
    /// sequence, as of its last sync).
    @inlinable func knownLength(_ index: Int) -> Int { workload.promptLength(index) + state[index].generated }

    /// Steps a decoding sequence has run since its last sync (0 for the others).
    @inlinable func lag(_ index: Int) -> Int { state[index].decoding ? stepsRun - state[index].syncedAt : 0 }

    /// Brings `computed` and `generated` of a decoding sequence up to ``stepsRun``.
    mutating func sync(_ index: Int) {
        let steps = lag(index)
        if state[index].decoding {
            decodingComputed += steps
            decodingSyncedAt += stepsRun - state[index].syncedAt
        }
        state[index].computed += steps
        state[index].generated += steps
        state[index].syncedAt = stepsRun
    }

    /// The token ids of `request` at positions `range`: prompt tokens, tokens the engine
    /// reported, and for positions whose token the engine never reported (a simulator samples
    /// nothing) a ``placeholderToken(request:position:)``.
    private func tokens(_ index: Int, _ range: Range<Int>) -> [Int32] {
        var result: [Int32] = []
        result.reserveCapacity(range.count)
        Self.appendTokens(index, range, workload: workload, outputs: outputs, to: &result)
        return result
    }

    /// Appends the token ids of `request` at positions `range` (as ``tokens(_:_:)`` gives them)
    /// to `result`, copying runs of prompt and reported tokens at once. Static, so that `result`
    /// may be a plan entry of the batcher itself.
    private static func appendTokens(_ index: Int, _ range: Range<Int>, workload: Workload, outputs: [[Int32]],
                                     to result: inout [Int32]) {
        let prompt = workload.promptLength(index)
        let promptEnd = min(range.upperBound, prompt)
        if range.lowerBound < promptEnd {
            let base = workload.promptOffsets[index]
            result.append(contentsOf: workload.tokens[base + range.lowerBound ..< base + promptEnd])
        }
        guard range.upperBound > prompt else { return }
        let first = max(range.lowerBound, prompt) - prompt
        let last = range.upperBound - prompt
        let reported = min(max(outputs[index].count, first), last)
        if first < reported { result.append(contentsOf: outputs[index][first ..< reported]) }
        for output in reported ..< last {
            result.append(placeholderToken(request: Int32(index), position: prompt + output))
        }
    }

    /// The token ids of `request` at positions `range`: a slice of the workload's prompt tokens
    /// (no copy) when the range lies within the prompt, else built by ``tokens(_:_:)``.
    private func tokenSlice(_ index: Int, _ range: Range<Int>) -> ArraySlice<Int32> {
        guard range.upperBound <= workload.promptLength(index) else { return tokens(index, range)[...] }
        let base = workload.promptOffsets[index]
        return workload.tokens[base + range.lowerBound ..< base + range.upperBound]
    }

    /// The stand-in id for a generated token an engine did not report: non-negative, fixed by the
    /// request and the position, and different between requests, so the blocks of a simulated
    /// sequence's output are cached (and found again after a preemption) like real ones, without
    /// ever matching another request's.
    /// - Complexity: O(1).
    public static func placeholderToken(request: Int32, position: Int) -> Int32 {
        let mixed = SeededGenerator.mix(UInt64(UInt32(bitPattern: request)) << 32 | UInt64(UInt32(truncatingIfNeeded: position)))
        return Int32(truncatingIfNeeded: mixed & 0x3FFF_FFFF)
    }

    /// Schedules the running sequences and re-admits preempted ones (step 1 of a step).
    ///
    /// `prefillLimit` caps the prompt tokens the step computes, in continuing chunks and in
    /// admissions alike (one-token decodes do not count); a prompt over it is computed in chunks
    /// over the following steps (only with chunked prefill; without it the limit is ignored).
    /// - Complexity: O(running sequences + blocks allocated) for full plans; for incremental
    ///   plans O((sequences touched) × log batch + blocks allocated), where the touched sequences
    ///   are those not decoding and those due for a block or a commit, unless the running
    ///   sequences want more tokens than the budget (then O(running sequences)).
    public mutating func beginStep(prefillLimit: Int = .max) {
        scheduled = 0
        rejections.removeAll(keepingCapacity: true)
        removals.removeAll(keepingCapacity: true)
        tokenBudget = options.maxTokensPerStep
        prefillBudget = options.chunkedPrefill ? max(prefillLimit, 0) : .max
        stepDecodeKVTokens = 0
        prefilling = false
        preemptedThisStep = false
        if isIncremental {
            takeDueEvents()
            var demand = decodingCount
            for request in pending { demand += knownLength(Int(request)) - state[Int(request)].computed }
            if demand <= tokenBudget {
                scheduleTouched()
            } else {
                scheduleAll()
            }
        } else {
            scheduleAll()
        }
        while let request = preempted.first {
            switch admit(request) {
            case .admitted, .rejected: preempted.removeFirst()
            case .noMemory, .noBudget: return
            }
        }
    }

    /// Tokens scheduled so far in this step (prefill chunks and decodes): what its GEMMs compute.
    /// - Complexity: O(1).
    @inlinable public var stepTokens: Int { options.maxTokensPerStep - tokenBudget }

    /// KV tokens the one-token decodes scheduled so far in this step attend to (a decode at
    /// position `i` reads `i + 1`): what the step's decode attention reads from memory. Reading
    /// it is O(1).
    public internal(set) var stepDecodeKVTokens = 0

    /// Schedules the running sequences in admission order within the budget, as a full plan does;
    /// in incremental mode, decoding sequences left out for budget leave the engine's batch.
    private mutating func scheduleAll() {
        var request = running.oldest
        while request >= 0, tokenBudget > 0 {
            let index = Int(request)
            if state[index].decoding { sync(index) }
            let count = runningCount(index, budget: tokenBudget)
            if count == 0 {
                request = running.successor(of: request)
                continue
            }
            let needed = kv.blocksNeeded(request, toCover: state[index].computed + count)
            if needed > kv.availableDeviceBlocks {
                if preemptLast() == request { return }
                continue
            }
            scheduleRunning(request, count: count, newBlocks: needed)
            request = running.successor(of: request)
        }
        while request >= 0 {
            if state[Int(request)].decoding { stopDecoding(request) }
            request = running.successor(of: request)
        }
    }

    /// Tokens running sequence `index` computes in this step within `budget`: its one decode
    /// token, or its remaining prompt capped by ``prefillBudget``.
    /// - Complexity: O(1).
    func runningCount(_ index: Int, budget: Int) -> Int {
        stepCount(remaining: knownLength(index) - state[index].computed, budget: budget)
    }

    /// Tokens a sequence with `remaining` tokens not yet computed computes in this step within
    /// `budget`: a single one (a decode) within the budget alone, more (prompt) also within
    /// ``prefillBudget``.
    /// - Complexity: O(1).
    func stepCount(remaining: Int, budget: Int) -> Int {
        remaining > 1 ? min(remaining, budget, prefillBudget) : min(remaining, budget)
    }

    /// Appends the `newBlocks` (available) that `count` tokens of running `request` need and
    /// schedules them; in incremental mode lists it only if it is not a plain implicit decode.
    mutating func scheduleRunning(_ request: Int32, count: Int, newBlocks: Int) {
        let index = Int(request)
        if newBlocks > 0 { kv.appendBlocks(request, count: newBlocks) }
        if isIncremental && state[index].decoding {
            schedule(request, start: state[index].computed, count: count, reset: false, listed: newBlocks > 0)
            scheduleEvents(request)
        } else {
            schedule(request, start: state[index].computed, count: count, reset: false)
        }
    }

    /// Whether another request may be admitted in this step (budget, sequence slots, and no
    /// preemption in this step).
    @inlinable public var canAdmit: Bool {
        !preemptedThisStep && tokenBudget > 0 && running.count < options.maxSequences && preempted.isEmpty
    }

    /// Admits `request`: matches its prefix in the cache, allocates KV blocks and schedules its
    /// first prefill chunk in this step.
    /// - Complexity: O(prompt blocks).
    public mutating func admit(_ request: Int32) -> Admission {
        let index = Int(request)
        let known = knownLength(index)
        let prompt = workload.promptLength(index)
        if prompt == 0 { return reject(request, "empty prompt") }
        if prompt + 1 > capacity.maxContext {
            return reject(request, "prompt of \(prompt) tokens does not fit the engine's context of \(capacity.maxContext)")
        }
        if capacity.blocks(forTokens: prompt + 1) > capacity.deviceBlocks {
            return reject(request, "prompt of \(prompt) tokens needs more KV blocks than the engine has (\(capacity.deviceBlocks))")
        }
        if state[index].limit <= 0 { return reject(request, "no room left to generate a token") }
        if !options.chunkedPrefill, known > options.maxTokensPerStep {
            return reject(request, "prompt of \(known) tokens exceeds the step budget of \(options.maxTokensPerStep) tokens and chunked prefill is off")
        }
        guard tokenBudget > 0, prefillBudget > 0, running.count < options.maxSequences else { return .noBudget }
        guard let admitted = kv.admit(request, tokens: knownTokens(index), reserving: min(known, tokenBudget)) else {
            return .noMemory
        }
        readmissionTokens = nil
        let remaining = known - admitted.cachedTokens
        guard options.chunkedPrefill || remaining <= tokenBudget else {
            kv.release(request)
            return .noBudget
        }
        let count = stepCount(remaining: remaining, budget: tokenBudget)
        guard kv.grow(request, toCover: admitted.cachedTokens + count) != nil else {
            kv.release(request)
            return .noMemory
        }
        state[index].computed = admitted.cachedTokens
        running.append(request)
        if isIncremental { addPending(request) }
        schedule(request, start: admitted.cachedTokens, count: count, reset: true)
        return .admitted(prefillTokens: count)
    }

    /// The known tokens of request `index` for an admission: a slice of the workload for a request
    /// that has generated nothing, else built once per wait (a request's known tokens change only
    /// while it runs, and then their count grows).
    private mutating func knownTokens(_ index: Int) -> ArraySlice<Int32> {
        let known = knownLength(index)
        guard known > workload.promptLength(index) else { return tokenSlice(index, 0 ..< known) }
        if readmissionTokens?.request != Int32(index) || readmissionTokens?.tokens.count != known {
            readmissionTokens = (Int32(index), tokens(index, 0 ..< known))
        }
        return readmissionTokens!.tokens[...]
    }

    private mutating func reject(_ request: Int32, _ reason: String) -> Admission {
        rejections.append(RequestRejection(request: request, reason: reason))
        unfinished -= 1
        return .rejected(reason)
    }

    /// Schedules `count` tokens of `request` from `start`: commits the blocks they fill and, when
    /// `listed`, writes the plan entry.
    private mutating func schedule(_ request: Int32, start: Int, count: Int, reset: Bool, listed: Bool = true) {
        let index = Int(request)
        let end = start + count
        let samples = end == knownLength(index)
        if !samples || count > 1 {
            prefilling = true
            if prefillBudget != .max { prefillBudget -= count }
        } else {
            stepDecodeKVTokens += end
        }
        commitFullBlocks(request, end: end)
        tokenBudget -= count
        guard listed else { return }
        if scheduled == sequences.count {
            sequences.append(spareEntries.popLast() ?? ScheduledSequence(
                request: request, start: start, count: count, tokens: [], newBlocks: [],
                resetsBlockTable: reset, samples: samples, remainingTokens: 0))
        }
        sequences[scheduled].request = request
        sequences[scheduled].start = start
        sequences[scheduled].count = count
        sequences[scheduled].resetsBlockTable = reset
        sequences[scheduled].samples = samples
        sequences[scheduled].remainingTokens = state[index].limit - state[index].generated
        sequences[scheduled].tokens.removeAll(keepingCapacity: true)
        Self.appendTokens(index, start ..< end, workload: workload, outputs: outputs, to: &sequences[scheduled].tokens)
        sequences[scheduled].newBlocks.removeAll(keepingCapacity: true)
        let tableLength = kv.tableLength(request)
        let sent = reset ? 0 : state[index].sentBlocks
        if tableLength > sent { sequences[scheduled].newBlocks.append(contentsOf: kv.blockTable(request)[sent...]) }
        state[index].sentBlocks = tableLength
        scheduled += 1
    }

    /// Registers the full blocks this step completes in the prefix cache, building only the
    /// tokens of blocks the cache has not followed yet. A block holding a placeholder (a position
    /// whose token the engine never reported) waits, and so do the blocks after it, unless
    /// `placeholders`: no other sequence can ever match it, so it is committed only when its
    /// sequence is preempted (whose recomputation matches it), and a finishing sequence leaves
    /// it in the eviction order unkeyed (``KVBlockManager/release(_:keepingUnkeyed:)``), where
    /// committing it would have put it. Allocations, evictions and hits stay as if it had been
    /// committed at once.
    private mutating func commitFullBlocks(_ request: Int32, end: Int, placeholders: Bool = false) {
        let index = Int(request)
        let end = placeholders ? end : min(end, workload.promptLength(index) + outputs[index].count)
        guard options.prefixCaching, let chained = kv.chainedPositions(request),
              end - chained >= capacity.blockSize else { return }
        if end <= workload.promptLength(index) {
            kv.commit(request, tokens: tokenSlice(index, chained ..< end), startingAt: chained, computed: end)
            return
        }
        commitTokens.removeAll(keepingCapacity: true)
        Self.appendTokens(index, chained ..< end, workload: workload, outputs: outputs, to: &commitTokens)
        kv.commit(request, tokens: commitTokens[...], startingAt: chained, computed: end)
    }

    /// Preempts the most recently admitted sequence and returns it. `beginStep` schedules the
    /// running sequences in admission order, so the victim is never one already scheduled in this
    /// step and none of its blocks were committed for work this step will not do.
    mutating func preemptLast() -> Int32? {
        guard let victim = running.last else { return nil }
        running.remove(victim)
        if state[Int(victim)].decoding { stopDecoding(victim) }
        removePending(victim)
        commitFullBlocks(victim, end: state[Int(victim)].computed, placeholders: true)
        kv.release(victim)
        state[Int(victim)].computed = 0
        preempted.insert(victim, at: 0)
        preemptedThisStep = true
        return victim
    }

    /// Finishes the step and returns its plan, or `nil` when every request is done.
    ///
    /// - Parameters:
    ///   - admissionBlocked: whether the policy could not admit anything more before a running
    ///     sequence finishes (no request left, or the one it offered found no memory); only then
    ///     may a decode-only step become a multi-step span.
    ///   - spanLimit: the most steps the policy wants in one span (it may plan to admit again
    ///     after that many steps).
    /// - Complexity: O(sequences + blocks allocated).
    public mutating func finishStep(admissionBlocked: Bool, spanLimit: Int = .max) -> StepPlan? {
        while sequences.count > scheduled { spareEntries.append(sequences.removeLast()) }
        if sequences.isEmpty && rejections.isEmpty && running.isEmpty && preempted.isEmpty && unfinished == 0 {
            return nil
        }
        var steps = 1
        if !prefilling, admissionBlocked || !canAdmit, options.maxSpan > 1, !sequences.isEmpty || decodingCount > 0 {
            steps = spanLength(limit: spanLimit)
        }
        return StepPlan(sequences: sequences, steps: steps, rejections: rejections,
                        deviceBlocksInUse: kv.deviceBlocksInUse, isIncremental: isIncremental, removals: removals)
    }

    /// The longest span the decoding sequences can take in the blocks they already hold: it ends
    /// where the first of them needs a new block, which is also where a step-by-step run would
    /// allocate one, so spans change no decision (memory only shrinks at block boundaries and
    /// grows when a sequence finishes, which ends the span).
    /// In incremental mode the decoding sequences' limits come from the earliest of their span
    /// events.
    private mutating func spanLength(limit requested: Int) -> Int {
        var limit = min(options.maxSpan, requested)
        for position in sequences.indices {
            let room = kv.tableLength(sequences[position].request) * capacity.blockSize - sequences[position].end + 1
            limit = min(limit, sequences[position].remainingTokens, room)
        }
        while let top = spanEvents.top {
            let index = Int(top.sequence)
            if state[index].decoding, state[index].spanEndAt == top.key {
                limit = min(limit, top.key - stepsRun)
                break
            }
            spanEvents.pop()
        }
        return max(limit, 1)
    }

    /// Applies the engine's outcome of the plan returned last and fills ``observed``.
    /// - Complexity: O(sequences in the plan + blocks released) for full plans; for incremental
    ///   plans O((listed + finished + notified) × log batch + blocks released).
    public mutating func observe(_ outcome: StepOutcome) {
        stepsRun += outcome.steps
        observed.removeAll(keepingCapacity: true)
        var finished: [Int32] = []
        let listed = min(sequences.count, outcome.sequences.count)
        for position in 0 ..< listed {
            let request = sequences[position].request
            let index = Int(request)
            if state[index].decoding { countDecoding(index, -1) }
            state[index].computed = sequences[position].end + (sequences[position].samples ? max(0, outcome.steps - 1) : 0)
            state[index].generated += outcome.sequences[position].generated
            state[index].syncedAt = stepsRun
            if state[index].decoding { countDecoding(index, 1) }
            if !outcome.sequences[position].tokens.isEmpty {
                outputs[index].append(contentsOf: outcome.sequences[position].tokens)
            }
            let finishes = outcome.sequences[position].finish != nil
            if finishes {
                finished.append(request)
            } else if isIncremental, sequences[position].samples, !state[index].decoding {
                removePending(request)
                state[index].decoding = true
                decodingCount += 1
                countDecoding(index, 1)
                state[index].dueAt = .max
                state[index].spanEndAt = .max
                state[index].watchAt = .max
                scheduleEvents(request)
                scheduleWatch(request)
            }
            if finishes || state[index].generated >= state[index].watchCount {
                report(request, finished: finishes)
            }
        }
        // Tables are released in admission order, as a full plan lists them: the order decides
        // which cached blocks are evicted first.
        let listedFinishes = finished.count
        if isIncremental {
            observeImplicit(outcome, from: listed, finished: &finished)
        }
        guard !finished.isEmpty else { return }
        if finished.count > listedFinishes { sortByTicket(&finished) }
        for request in finished {
            let index = Int(request)
            if state[index].decoding { leaveDecoding(index) }
            removePending(request)
            running.remove(request)
            kv.release(request, keepingUnkeyed: state[index].computed / capacity.blockSize)
        }
        unfinished -= finished.count
    }
}

/// What ``SequenceBatcher`` keeps per request, in one record.
@usableFromInline
struct SequenceState: Sendable {
    /// Tokens in its KV cache (for a decoding sequence, as of its last sync).
    @usableFromInline var computed = 0
    /// Tokens generated (for a decoding sequence, as of its last sync).
    @usableFromInline var generated = 0
    /// ``SequenceBatcher/stepsRun`` when `computed` and `generated` were last brought up to date.
    @usableFromInline var syncedAt = 0
    /// The most tokens it may generate (its `max_tokens`, within the context and the pool).
    var limit: Int
    /// Blocks of its table the engine has been sent.
    var sentBlocks = 0
    /// The key of its live entry among the due, span and notification events (`Int.max`: none).
    var dueAt = Int.max, spanEndAt = Int.max, watchAt = Int.max
    /// The generated count ``SequenceBatcher/notify(_:whenGenerated:)`` asked about (`Int.max`: none).
    var watchCount = Int.max
    /// Its position in the pending list, -1 when not pending.
    var pendingSlot: Int32 = -1
    /// Whether it is in the engine's running batch, decoding one token per step without being
    /// listed (incremental plans only).
    @usableFromInline var decoding = false

    init(limit: Int) { self.limit = limit }
}
