import BlendCore

/// The requests a token-producing engine is running, remembered between plans, and the rules the
/// CPU and CUDA engines share for running a plan's steps: block tables rebuilt from the plans'
/// deltas; each step's inputs checked and flattened into a ``ForwardBatch``; a multi-step plan fed
/// the tokens sampled last; and the finish reasons, `stop` for an end-of-generation token or a
/// stop string and `length` at the plan's limit.
public struct RunningSequences {
    /// What one step samples for one sequence: its sampling parameters, the seed of its draws
    /// (the request's, else its index) and the position the token will take.
    public struct Sample: Sendable {
        /// The request's sampling parameters (greedy when it has none).
        public var parameters: SamplingParameters
        /// The seed of the request's draws.
        public var seed: UInt64
        /// The position of the token being sampled.
        public var position: Int
    }

    /// What an engine can take in one step.
    public struct Limits: Sendable {
        /// Tokens of the model's context.
        public var contextLength: Int
        /// Token ids are `0 ..< vocabularySize`.
        public var vocabularySize: Int
        /// Tokens per KV block.
        public var blockSize: Int
        /// Device blocks: block ids are `0 ..< deviceBlocks`.
        public var deviceBlocks: Int
        /// Tokens one step may hold.
        public var maxTokens: Int
        /// Samples one step may take.
        public var maxSamples: Int

        /// The limits of an engine running the model `config` with `capacity`, whose forward pass
        /// holds `maxTokens` tokens.
        /// - Complexity: O(1).
        public init(config: LlamaConfig, capacity: EngineCapacity, maxTokens: Int) {
            contextLength = config.contextLength
            vocabularySize = config.vocabularySize
            blockSize = capacity.blockSize
            deviceBlocks = capacity.deviceBlocks
            self.maxTokens = maxTokens
            maxSamples = capacity.maxSequencesPerStep
        }
    }

    /// What the engine remembers of a running request between plans.
    private struct State {
        var blockTable: [Int32] = []
        var generatedBytes: [UInt8] = []
        var stops: StopStringMatcher?
    }

    private let engine: String
    private let limits: Limits
    private let tokenizer: Tokenizer?
    private let sampling: [SamplingParameters]
    private let stopTokens: Set<Int32>
    private var states: [Int32: State] = [:]
    private var batch = ForwardBatch()

    /// Creates the bookkeeping of an engine called `engine` in error messages, taking at most
    /// `limits` in a step.
    /// - Parameters:
    ///   - tokenizer: its end-of-generation tokens end sequences, and it turns tokens into bytes
    ///     for stop strings. Without one, sequences run to their limit.
    ///   - sampling: per request (indexed like the workload); requests without an entry decode
    ///     greedily.
    /// - Throws: ``ModelLoadError`` when a request has stop strings and there is no tokenizer.
    /// - Complexity: O(requests).
    public init(engine: String, limits: Limits, tokenizer: Tokenizer?, sampling: [SamplingParameters]) throws {
        if sampling.contains(where: { !$0.stop.isEmpty }), tokenizer == nil {
            throw ModelLoadError(source: engine, problem: "stop strings need the model's tokenizer")
        }
        self.engine = engine
        self.limits = limits
        self.tokenizer = tokenizer
        self.sampling = sampling
        stopTokens = tokenizer?.endOfGenerationIDs ?? []
    }

    /// Runs the plan's steps: `step` computes one ``ForwardBatch`` and returns the token sampled
    /// for each of its logit tokens, given the matching ``Sample``s. Stops after the first step in
    /// which a sequence finishes, and forgets the sequences that finished.
    /// - Throws: ``ModelLoadError`` for a plan that breaks the protocol (positions beyond the block
    ///   table or the context, a block id outside the device, too many tokens or samples, a token
    ///   outside the vocabulary), and what `step` throws.
    /// - Complexity: O(new blocks + steps × sequences) plus the steps' own work.
    public mutating func run(_ plan: StepPlan,
                             step: (ForwardBatch, [Sample]) throws -> [Int32]) throws -> (steps: Int, sequences: [SequenceOutcome]) {
        for scheduled in plan.sequences {
            guard scheduled.newBlocks.allSatisfy({ (0..<Int32(limits.deviceBlocks)).contains($0) }) else {
                throw ModelLoadError(source: engine, problem:
                    "request \(scheduled.request): its block table names a block outside the \(limits.deviceBlocks) device blocks")
            }
            let request = scheduled.request
            if states[request] == nil {
                let stop = parameters(request).stop
                states[request] = State(stops: stop.isEmpty ? nil : StopStringMatcher(stop))
            }
            // In place: copying the state out and back would copy its arrays.
            if scheduled.resetsBlockTable { states[request]!.blockTable.removeAll(keepingCapacity: true) }
            states[request]!.blockTable.append(contentsOf: scheduled.newBlocks)
        }
        var outcomes = plan.sequences.map { SequenceOutcome(request: $0.request, generated: 0) }
        var inputs = plan.sequences.map(\.tokens)
        var steps = 0
        while steps < max(1, plan.steps) {
            let (samples, samplers) = try flatten(plan, step: steps, inputs: inputs)
            let tokens = try step(batch, samples)
            for (row, index) in samplers.enumerated() {
                outcomes[index].tokens.append(tokens[row])
                outcomes[index].generated += 1
                outcomes[index].finish = finishReason(plan.sequences[index], token: tokens[row],
                                                      generated: outcomes[index].generated)
            }
            steps += 1
            if outcomes.contains(where: { $0.finish != nil }) { break }
            for i in inputs.indices { inputs[i] = [outcomes[i].tokens.last ?? 0] }
        }
        for outcome in outcomes where outcome.finish != nil { states[outcome.request] = nil }
        return (steps, outcomes)
    }

    /// Fills `batch` with the plan's sequences at decode step `step`; returns the samples and, for
    /// each, the index of its sequence in the plan.
    private mutating func flatten(_ plan: StepPlan, step: Int, inputs: [[Int32]]) throws -> ([Sample], [Int]) {
        batch.removeAll()
        var samples: [Sample] = [], samplers: [Int] = []
        for (index, scheduled) in plan.sequences.enumerated() {
            let start = scheduled.start + step
            let count = step == 0 ? scheduled.count : 1
            let table = states[scheduled.request]!.blockTable
            guard inputs[index].count == count, start + count <= limits.contextLength,
                  start + count <= table.count * limits.blockSize else {
                throw ModelLoadError(source: engine, problem:
                    "request \(scheduled.request): positions \(start)..<\(start + count) with \(inputs[index].count) tokens do not fit its \(table.count) blocks or the context")
            }
            for (offset, token) in inputs[index].enumerated() {
                guard (0..<Int32(limits.vocabularySize)).contains(token) else {
                    throw ModelLoadError(source: engine, problem: "request \(scheduled.request): token id \(token) is outside the vocabulary")
                }
                batch.tokens.append(token)
                batch.positions.append(Int32(start + offset))
                batch.sequenceOfToken.append(Int32(index))
            }
            batch.blockTables.append(table)
            if scheduled.samples {
                let p = parameters(scheduled.request)
                batch.logitTokens.append(batch.tokens.count - 1)
                samples.append(Sample(parameters: p, seed: p.seed ?? UInt64(UInt32(bitPattern: scheduled.request)),
                                      position: start + count))
                samplers.append(index)
            }
        }
        guard batch.tokens.count <= limits.maxTokens, samples.count <= limits.maxSamples else {
            throw ModelLoadError(source: engine, problem:
                "a step of \(batch.tokens.count) tokens and \(samples.count) samples exceeds the engine's limits")
        }
        return (samples, samplers)
    }

    /// Why the sequence stops after sampling `token`, if it does.
    private mutating func finishReason(_ scheduled: ScheduledSequence, token: Int32, generated: Int) -> FinishReason? {
        if stopTokens.contains(token) { return .stop }
        let request = scheduled.request
        if let stops = states[request]?.stops, let tokenizer {
            let searched = states[request]!.generatedBytes.count
            states[request]!.generatedBytes.append(contentsOf: tokenizer.tokenBytes(token))
            if stops.firstMatch(in: states[request]!.generatedBytes, clearPrefix: searched) != nil { return .stop }
        }
        return generated >= scheduled.remainingTokens ? .length : nil
    }

    private func parameters(_ request: Int32) -> SamplingParameters {
        Int(request) < sampling.count ? sampling[Int(request)] : SamplingParameters(temperature: 0)
    }
}
