import BlendCore
import CBlendCPU
import Foundation

/// The CPU execution engine: runs a Llama-architecture model on the plans a scheduler makes,
/// with the KV cache in paged blocks addressed by the plans' block tables, and produces real
/// tokens.
///
/// Outputs are batch-invariant: a request's tokens are bit-identical whatever it is batched with,
/// whatever scheduler made the plans, however its prompt was chunked and however many threads
/// run (see ``ForwardPass``), and its sampling draws depend only on its seed and position.
/// A sequence finishes with `stop` when it samples an end-of-generation token or its text
/// reaches one of its stop strings, and with `length` when it has generated what the plan allows.
///
/// The engine is not reentrant: the runner awaits each `execute` before the next.
public final class CPUEngine: ExecutionEngine, @unchecked Sendable {
    /// The model.
    public let model: LlamaModel
    /// What the engine holds and computes.
    public let capacity: EngineCapacity
    /// The options it was made with.
    public let options: Options
    /// The instruction-set level the kernels run at.
    public let instructionSet: Int32

    private let tokenizer: Tokenizer?
    private let sampling: [SamplingParameters]
    private let stopTokens: Set<Int32>
    private let cache: KVCacheStorage
    private let forward: ForwardPass
    private let lock = NSLock()
    private var sequences: [Int32: SequenceState] = [:]
    private var batch = ForwardBatch()
    private var sampler = TokenSampler()

    /// What the engine remembers of a running request between plans.
    private struct SequenceState {
        var blockTable: [Int32] = []
        var generatedBytes: [UInt8] = []
        var stops: StopStringMatcher?
    }

    /// Creates an engine.
    /// - Parameters:
    ///   - tokenizer: the model's tokenizer; its end-of-generation tokens end sequences, and it
    ///     turns tokens into bytes for stop strings. Without one, sequences run to their limit.
    ///   - sampling: per request (indexed like the workload); requests without an entry decode
    ///     greedily.
    /// - Throws: ``ModelLoadError`` when the options are impossible or memory cannot be reserved.
    /// - Complexity: O(maxTokensPerStep × model width + maxSequencesPerStep × vocabulary).
    public init(model: LlamaModel, tokenizer: Tokenizer?, sampling: [SamplingParameters] = [], options: Options = Options()) throws {
        let c = model.config
        let blockBytes = 2 * c.layers * options.blockSize * c.kvDim * MemoryLayout<UInt16>.stride
        let deviceBlocks = options.kvCacheBytes / blockBytes
        guard options.blockSize > 0, options.maxTokensPerStep > 0, options.maxSequencesPerStep > 0, options.threads > 0 else {
            throw ModelLoadError(source: "CPU engine", problem: "block size, step limits and threads must be positive")
        }
        guard deviceBlocks * options.blockSize >= 2 * options.blockSize else {
            throw ModelLoadError(source: "CPU engine", problem:
                "a KV cache of \(options.kvCacheBytes) bytes holds fewer than 2 blocks of \(blockBytes) bytes")
        }
        if sampling.contains(where: { !$0.stop.isEmpty }), tokenizer == nil {
            throw ModelLoadError(source: "CPU engine", problem: "stop strings need the model's tokenizer")
        }
        self.model = model
        self.tokenizer = tokenizer
        self.sampling = sampling
        self.options = options
        stopTokens = tokenizer?.endOfGenerationIDs ?? []
        instructionSet = min(options.instructionSet ?? Int32(bs_cpu_best_isa()), Int32(bs_cpu_best_isa()))
        cache = try KVCacheStorage(layers: c.layers, kvDim: c.kvDim, blockSize: options.blockSize,
                                   deviceBlocks: deviceBlocks, hostBlocks: options.hostCacheBytes / blockBytes)
        capacity = EngineCapacity(blockSize: options.blockSize, deviceBlocks: deviceBlocks, hostBlocks: cache.hostBlocks,
                                  bytesPerBlock: blockBytes, maxTokensPerStep: options.maxTokensPerStep,
                                  maxSequencesPerStep: options.maxSequencesPerStep, maxContext: c.contextLength)
        forward = ForwardPass(model: model, cache: cache, isa: instructionSet, threads: options.threads,
                              maxTokens: max(options.maxTokensPerStep, options.maxSequencesPerStep),
                              maxLogits: options.maxSequencesPerStep)
    }

    /// Performs the plan's transfers, runs its steps (feeding each decoding sequence the token it
    /// sampled last), then its prefetches.
    /// - Throws: ``ModelLoadError`` for a plan that breaks the protocol (a position beyond the
    ///   block table or the context, too many tokens, an unknown block).
    /// - Complexity: O(steps × forward pass).
    public func execute(_ plan: StepPlan) async throws -> StepOutcome {
        try lock.withLock { try run(plan) }
    }

    /// `execute`'s work, under the lock.
    private func run(_ plan: StepPlan) throws -> StepOutcome {
        let started = ContinuousClock.now
        for transfer in plan.transfers { try cache.perform(transfer) }
        for scheduled in plan.sequences {
            var state = sequences[scheduled.request] ?? SequenceState()
            if scheduled.resetsBlockTable { state.blockTable.removeAll(keepingCapacity: true) }
            state.blockTable.append(contentsOf: scheduled.newBlocks)
            if state.stops == nil, let stop = parameters(scheduled.request).stop.nonEmpty {
                state.stops = StopStringMatcher(stop)
            }
            sequences[scheduled.request] = state
        }
        var outcomes = plan.sequences.map { SequenceOutcome(request: $0.request, generated: 0) }
        var inputs = plan.sequences.map(\.tokens)
        var steps = 0
        while steps < max(1, plan.steps) {
            try runStep(plan, step: steps, inputs: inputs, outcomes: &outcomes)
            steps += 1
            if outcomes.contains(where: { $0.finish != nil }) { break }
            for i in inputs.indices { inputs[i] = [outcomes[i].tokens.last ?? 0] }
        }
        for transfer in plan.prefetches { try cache.perform(transfer) }
        for outcome in outcomes where outcome.finish != nil { sequences[outcome.request] = nil }
        let seconds = (ContinuousClock.now - started) / .seconds(1)
        return StepOutcome(steps: steps, seconds: seconds, sequences: outcomes)
    }

    /// One forward pass over the plan's sequences at decode step `step`, then sampling.
    private func runStep(_ plan: StepPlan, step: Int, inputs: [[Int32]], outcomes: inout [SequenceOutcome]) throws {
        batch.removeAll()
        var samplers: [Int] = []
        for (index, scheduled) in plan.sequences.enumerated() {
            let start = scheduled.start + step
            let count = step == 0 ? scheduled.count : 1
            let table = sequences[scheduled.request]!.blockTable
            guard inputs[index].count == count, start + count <= model.config.contextLength,
                  start + count <= table.count * options.blockSize else {
                throw ModelLoadError(source: "CPU engine", problem:
                    "request \(scheduled.request): positions \(start)..<\(start + count) with \(inputs[index].count) tokens do not fit its \(table.count) blocks or the context")
            }
            for (offset, token) in inputs[index].enumerated() {
                guard (0..<Int32(model.config.vocabularySize)).contains(token) else {
                    throw ModelLoadError(source: "CPU engine", problem: "request \(scheduled.request): token id \(token) is outside the vocabulary")
                }
                batch.tokens.append(token)
                batch.positions.append(Int32(start + offset))
                batch.sequenceOfToken.append(Int32(index))
            }
            batch.blockTables.append(table)
            if scheduled.samples {
                batch.logitTokens.append(batch.tokens.count - 1)
                samplers.append(index)
            }
        }
        guard batch.tokens.count <= forward.maxTokens, samplers.count <= options.maxSequencesPerStep else {
            throw ModelLoadError(source: "CPU engine", problem:
                "a step of \(batch.tokens.count) tokens and \(samplers.count) samples exceeds the engine's limits")
        }
        forward.run(batch)
        let vocabulary = model.config.vocabularySize
        forward.logits.withUnsafeBufferPointer { logits in
            for (row, index) in samplers.enumerated() {
                let scheduled = plan.sequences[index]
                let position = scheduled.start + step + (step == 0 ? scheduled.count : 1)
                let p = parameters(scheduled.request)
                let token = sampler.sample(UnsafeBufferPointer(rebasing: logits[row * vocabulary ..< (row + 1) * vocabulary]),
                                           temperature: p.temperature, topK: p.topK ?? 0, topP: p.topP,
                                           seed: p.seed ?? UInt64(UInt32(bitPattern: scheduled.request)), position: position)
                outcomes[index].tokens.append(token)
                outcomes[index].generated += 1
                outcomes[index].finish = finishReason(scheduled, token: token, generated: outcomes[index].generated)
            }
        }
    }

    /// Why the sequence stops after sampling `token`, if it does.
    private func finishReason(_ scheduled: ScheduledSequence, token: Int32, generated: Int) -> FinishReason? {
        if stopTokens.contains(token) { return .stop }
        if var state = sequences[scheduled.request], let stops = state.stops, let tokenizer {
            let searched = state.generatedBytes.count
            state.generatedBytes.append(contentsOf: tokenizer.tokenBytes(token))
            sequences[scheduled.request] = state
            if stops.firstMatch(in: state.generatedBytes, clearPrefix: searched) != nil { return .stop }
        }
        return generated >= scheduled.remainingTokens ? .length : nil
    }

    private func parameters(_ request: Int32) -> SamplingParameters {
        Int(request) < sampling.count ? sampling[Int(request)] : SamplingParameters(temperature: 0)
    }
}

private extension Array {
    /// The array, or nil when it is empty.
    var nonEmpty: Self? { isEmpty ? nil : self }
}
