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

    private let cache: KVCacheStorage
    private let forward: ForwardPass
    private let lock = NSLock()
    private var sequences: RunningSequences
    private var sampler = TokenSampler()

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
        guard deviceBlocks >= 2 else {
            throw ModelLoadError(source: "CPU engine", problem:
                "a KV cache of \(options.kvCacheBytes) bytes holds fewer than 2 blocks of \(blockBytes) bytes")
        }
        self.model = model
        self.options = options
        instructionSet = min(options.instructionSet ?? Int32(bs_cpu_best_isa()), Int32(bs_cpu_best_isa()))
        cache = try KVCacheStorage(layers: c.layers, kvDim: c.kvDim, blockSize: options.blockSize,
                                   deviceBlocks: deviceBlocks, hostBlocks: options.hostCacheBytes / blockBytes)
        capacity = EngineCapacity(blockSize: options.blockSize, deviceBlocks: deviceBlocks, hostBlocks: cache.hostBlocks,
                                  bytesPerBlock: blockBytes, maxTokensPerStep: options.maxTokensPerStep,
                                  maxSequencesPerStep: options.maxSequencesPerStep, maxContext: c.contextLength)
        forward = ForwardPass(model: model, cache: cache, isa: instructionSet, threads: options.threads,
                              maxTokens: max(options.maxTokensPerStep, options.maxSequencesPerStep),
                              maxLogits: options.maxSequencesPerStep)
        sequences = try RunningSequences(engine: "CPU engine", limits: .init(config: c, capacity: capacity, maxTokens: forward.maxTokens),
                                         tokenizer: tokenizer, sampling: sampling)
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
        let (steps, outcomes) = try sequences.run(plan) { batch, samples in
            forward.run(batch)
            let vocabulary = model.config.vocabularySize
            return forward.logits.withUnsafeBufferPointer { logits in
                samples.enumerated().map { row, sample in
                    let p = sample.parameters
                    return sampler.sample(UnsafeBufferPointer(rebasing: logits[row * vocabulary ..< (row + 1) * vocabulary]),
                                          temperature: p.temperature, topK: p.topK ?? 0, topP: p.topP, seed: sample.seed,
                                          position: sample.position)
                }
            }
        }
        for transfer in plan.prefetches { try cache.perform(transfer) }
        let seconds = (ContinuousClock.now - started) / .seconds(1)
        return StepOutcome(steps: steps, seconds: seconds, sequences: outcomes)
    }
}
