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
/// computed once even within one step.
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

        /// Creates options; `nil` limits take the engine's.
        /// - Complexity: O(1).
        public init(maxTokensPerStep: Int? = nil, maxSequences: Int? = nil, chunkedPrefill: Bool = true,
                    prefixCaching: Bool = true, roundTokensTo128: Bool = false, maxSpan: Int = 4096) {
            self.maxTokensPerStep = maxTokensPerStep ?? .max
            self.maxSequences = maxSequences ?? .max
            self.chunkedPrefill = chunkedPrefill
            self.prefixCaching = prefixCaching
            self.roundTokensTo128 = roundTokensTo128
            self.maxSpan = maxSpan
        }
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
    public private(set) var running: [Int32] = []
    @usableFromInline private(set) var preempted: [Int32] = []
    @usableFromInline private(set) var computed: [Int]
    @usableFromInline private(set) var generated: [Int]
    private var sentBlocks: [Int]
    private var outputs: [[Int32]]
    private var limits: [Int]
    @usableFromInline private(set) var unfinished: Int

    /// The plan's entries, `scheduled` of them in this step; entries past that are the previous
    /// plan's, kept so that their token and block arrays are refilled in place instead of
    /// allocated anew for every sequence of every step.
    private var sequences: [ScheduledSequence] = []
    private var scheduled = 0
    private var rejections: [RequestRejection] = []
    @usableFromInline private(set) var tokenBudget = 0
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
        computed = [Int](repeating: 0, count: workload.count)
        generated = [Int](repeating: 0, count: workload.count)
        sentBlocks = [Int](repeating: 0, count: workload.count)
        outputs = [[Int32]](repeating: [], count: workload.count)
        let longest = min(capacity.maxContext, capacity.deviceBlocks * capacity.blockSize)
        limits = (0 ..< workload.count).map { index in
            let room = longest - workload.promptLength(index)
            let asked = workload.maxNewTokens[index]
            return asked >= 0 ? min(Int(asked), room) : room
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
    @inlinable public func uncomputedTokens(_ request: Int32) -> Int { knownLength(Int(request)) - computed[Int(request)] }

    /// Tokens generated so far by `request`.
    /// - Complexity: O(1).
    @inlinable public func generatedTokens(_ request: Int32) -> Int { generated[Int(request)] }

    /// Tokens of `request` known so far: its prompt and the tokens it generated.
    @inlinable func knownLength(_ index: Int) -> Int { workload.promptLength(index) + generated[index] }

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
    /// - Complexity: O(running sequences + blocks allocated).
    public mutating func beginStep(prefillLimit: Int = .max) {
        scheduled = 0
        rejections.removeAll(keepingCapacity: true)
        tokenBudget = options.maxTokensPerStep
        prefillBudget = options.chunkedPrefill ? max(prefillLimit, 0) : .max
        stepDecodeKVTokens = 0
        prefilling = false
        preemptedThisStep = false
        var position = 0
        while position < running.count, tokenBudget > 0 {
            let request = running[position]
            let index = Int(request)
            let known = knownLength(index)
            let remaining = known - computed[index]
            let count = remaining > 1 ? min(remaining, tokenBudget, prefillBudget) : min(remaining, tokenBudget)
            if count == 0 {
                position += 1
                continue
            }
            let end = computed[index] + count
            if kv.grow(request, toCover: end) == nil {
                preemptLast()
                continue
            }
            schedule(request, start: computed[index], count: count, reset: false)
            position += 1
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
    public private(set) var stepDecodeKVTokens = 0

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
        if limits[index] <= 0 { return reject(request, "no room left to generate a token") }
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
        let count = remaining > 1 ? min(remaining, tokenBudget, prefillBudget) : min(remaining, tokenBudget)
        guard kv.grow(request, toCover: admitted.cachedTokens + count) != nil else {
            kv.release(request)
            return .noMemory
        }
        computed[index] = admitted.cachedTokens
        running.append(request)
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

    private mutating func schedule(_ request: Int32, start: Int, count: Int, reset: Bool) {
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
        if scheduled == sequences.count {
            sequences.append(ScheduledSequence(request: request, start: start, count: count, tokens: [], newBlocks: [],
                                               resetsBlockTable: reset, samples: samples, remainingTokens: 0))
        }
        sequences[scheduled].request = request
        sequences[scheduled].start = start
        sequences[scheduled].count = count
        sequences[scheduled].resetsBlockTable = reset
        sequences[scheduled].samples = samples
        sequences[scheduled].remainingTokens = limits[index] - generated[index]
        sequences[scheduled].tokens.removeAll(keepingCapacity: true)
        Self.appendTokens(index, start ..< end, workload: workload, outputs: outputs, to: &sequences[scheduled].tokens)
        sequences[scheduled].newBlocks.removeAll(keepingCapacity: true)
        let tableLength = kv.tableLength(request)
        let sent = reset ? 0 : sentBlocks[index]
        if tableLength > sent { sequences[scheduled].newBlocks.append(contentsOf: kv.blockTable(request)[sent...]) }
        sentBlocks[index] = tableLength
        scheduled += 1
        tokenBudget -= count
    }

    /// Registers the full blocks this step completes in the prefix cache, building only the
    /// tokens of blocks the cache has not followed yet.
    private mutating func commitFullBlocks(_ request: Int32, end: Int) {
        guard options.prefixCaching, let chained = kv.chainedPositions(request),
              end - chained >= capacity.blockSize else { return }
        kv.commit(request, tokens: tokenSlice(Int(request), chained ..< end), startingAt: chained, computed: end)
    }

    /// Preempts the most recently admitted sequence. `beginStep` schedules the running sequences
    /// in admission order, so the victim is never one already scheduled in this step and none of
    /// its blocks were committed for work this step will not do.
    private mutating func preemptLast() {
        guard let victim = running.popLast() else { return }
        kv.release(victim)
        computed[Int(victim)] = 0
        preempted.insert(victim, at: 0)
        preemptedThisStep = true
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
        sequences.removeLast(sequences.count - scheduled)
        if sequences.isEmpty && rejections.isEmpty && running.isEmpty && preempted.isEmpty && unfinished == 0 {
            return nil
        }
        var steps = 1
        if !prefilling, admissionBlocked || !canAdmit, options.maxSpan > 1, !sequences.isEmpty {
            steps = spanLength(limit: spanLimit)
        }
        return StepPlan(sequences: sequences, steps: steps, rejections: rejections,
                        deviceBlocksInUse: kv.deviceBlocksInUse)
    }

    /// The longest span every decoding sequence can take with the blocks available.
    /// The longest span the decoding sequences can take in the blocks they already hold: it ends
    /// where the first of them needs a new block, which is also where a step-by-step run would
    /// allocate one, so spans change no decision (memory only shrinks at block boundaries and
    /// grows when a sequence finishes, which ends the span).
    private func spanLength(limit requested: Int) -> Int {
        var limit = min(options.maxSpan, requested)
        for position in sequences.indices {
            let room = kv.tableLength(sequences[position].request) * capacity.blockSize - sequences[position].end + 1
            limit = min(limit, sequences[position].remainingTokens, room)
        }
        return max(limit, 1)
    }

    /// Applies the engine's outcome of the plan returned last.
    /// - Complexity: O(sequences in the plan + blocks released).
    public mutating func observe(_ outcome: StepOutcome) {
        var finished: [Int32] = []
        for position in 0 ..< min(sequences.count, outcome.sequences.count) {
            let request = sequences[position].request
            let index = Int(request)
            computed[index] = sequences[position].end + (sequences[position].samples ? max(0, outcome.steps - 1) : 0)
            generated[index] += outcome.sequences[position].generated
            if !outcome.sequences[position].tokens.isEmpty {
                outputs[index].append(contentsOf: outcome.sequences[position].tokens)
            }
            if outcome.sequences[position].finish != nil {
                finished.append(request)
            }
        }
        guard !finished.isEmpty else { return }
        let done = Set(finished)
        running.removeAll { done.contains($0) }
        for request in finished { kv.release(request) }
        unfinished -= finished.count
    }
}
