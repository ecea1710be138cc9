import BlendCore
import BlendCPU
import Foundation

/// The CUDA execution engine: runs a Llama-architecture model (the CPU engine's `LlamaModel`,
/// weights copied to the GPU as the file stores them) on the plans a scheduler makes, with the KV
/// cache in device memory addressed by the plans' block tables, a second tier in pinned host
/// memory or on a peer GPU, and greedy or seeded sampling on the device.
///
/// It follows the CPU engine's contract: transfers, then the steps (feeding each decoding sequence
/// the token it sampled last), then the prefetches, which run on a copy stream beside the
/// compute; a sequence finishes with `stop` at an end-of-generation token or stop string and with
/// `length` when it has generated what the plan allows. Outputs are batch-invariant: every kernel
/// reduces in a fixed order that depends only on a token's own position (see the kernel files),
/// and a sampling draw depends only on the request's seed and position.
///
/// The engine is not reentrant: the runner awaits each `execute` before the next.
public final class CUDAEngine: ExecutionEngine, @unchecked Sendable {
    /// The model.
    public let model: LlamaModel
    /// What the engine holds and computes.
    public let capacity: EngineCapacity
    /// The options it was made with.
    public let options: Options
    /// The GPU it runs on.
    public let device: CUDADeviceInfo
    /// How each kernel file was obtained at start-up (NVRTC compile time, or the cache).
    public let kernels: [KernelCompiler.Compiled]

    let context: CUDAContext
    let peer: CUDAContext?
    let weights: DeviceWeights
    let cache: DeviceKVCache
    let forward: DeviceForwardPass
    let copyStream: CUDAStream
    let transfersDone: CUDAEvent
    let lock = NSLock()
    var sequences: RunningSequences

    /// Opens the GPU, compiles (or loads from the cache) the kernels, copies the weights and
    /// reserves the KV cache.
    /// - Parameters:
    ///   - tokenizer: the model's tokenizer; its end-of-generation tokens end sequences, and it
    ///     turns tokens into bytes for stop strings. Without one, sequences run to their limit.
    ///   - sampling: per request (indexed like the workload); requests without an entry decode
    ///     greedily.
    /// - Throws: ``CUDAError`` when the driver, NVRTC or the device fails (no driver: `dlopen
    ///   libcuda`), ``NVRTC/CompileError``, or `ModelLoadError` for impossible options or a model
    ///   the kernels cannot run.
    /// - Complexity: O(weight bytes) plus NVRTC's compile time for kernels not in the cache.
    public init(model: LlamaModel, tokenizer: Tokenizer?, sampling: [SamplingParameters] = [],
                options: Options = Options()) throws {
        let c = model.config
        try Self.validate(c, options: options)
        let driver = try CUDADriver(path: options.driverPath)
        context = try CUDAContext(driver: driver, ordinal: options.device)
        if case .peerDevice(let ordinal) = options.hostTier, options.hostCacheBytes > 0 {
            let peer = try CUDAContext(driver: driver, ordinal: ordinal)
            if try driver.canAccessPeer(options.device, ordinal) { try context.enablePeerAccess(to: peer) }
            if try driver.canAccessPeer(ordinal, options.device) { try peer.enablePeerAccess(to: context) }
            try context.makeCurrent()
            self.peer = peer
        } else {
            peer = nil
        }
        device = context.device
        let compiler = KernelCompiler(nvrtc: try NVRTC(path: options.nvrtcPath),
                                      cache: KernelCache(directory: options.kernelCacheDirectory))
        let kernelSet = try KernelSet(context: context, compiler: compiler)
        kernels = kernelSet.compiled
        let stream = try CUDAStream(context: context)
        copyStream = try CUDAStream(context: context)
        transfersDone = try CUDAEvent(context: context)
        weights = try DeviceWeights(model: model, context: context, stream: stream)
        forward = try DeviceForwardPass(config: c, weights: weights, kernels: kernelSet, stream: stream,
                                        maxTokens: max(options.maxTokensPerStep, options.maxSequencesPerStep),
                                        maxLogits: options.maxSequencesPerStep)
        let blockBytes = 2 * c.layers * options.blockSize * c.kvDim * MemoryLayout<UInt16>.stride
        let deviceBlocks = try options.kvCacheBytes.map { $0 / blockBytes }
            ?? Int(Double(context.memoryInfo().free) * Self.defaultCacheFraction) / blockBytes
        guard deviceBlocks >= 2 else {
            throw ModelLoadError(source: "CUDA engine", problem:
                "a KV cache of \(deviceBlocks * blockBytes) bytes holds fewer than 2 blocks of \(blockBytes) bytes")
        }
        cache = try DeviceKVCache(context: context, layers: c.layers, blockSize: options.blockSize, kvDim: c.kvDim,
                                  deviceBlocks: deviceBlocks, hostBlocks: options.hostCacheBytes / blockBytes, peer: peer)
        capacity = EngineCapacity(blockSize: options.blockSize, deviceBlocks: deviceBlocks, hostBlocks: cache.hostBlocks,
                                  bytesPerBlock: blockBytes, maxTokensPerStep: options.maxTokensPerStep,
                                  maxSequencesPerStep: options.maxSequencesPerStep, maxContext: c.contextLength)
        sequences = try RunningSequences(engine: "CUDA engine", limits: .init(config: c, capacity: capacity, maxTokens: forward.maxTokens),
                                         tokenizer: tokenizer, sampling: sampling)
        self.model = model
        self.options = options
    }

    /// Bytes of device memory the weights take.
    /// - Complexity: O(1).
    public var weightBytes: Int { weights.bytes }

    /// The share of the device memory left free after the weights and activations that the KV
    /// cache takes when ``Options/kvCacheBytes`` is nil (the rest is headroom for the attention
    /// partials, which grow with long contexts, and the driver).
    static let defaultCacheFraction = 0.9

    /// Rejects options and models the engine cannot run, before the GPU is touched.
    private static func validate(_ c: LlamaConfig, options: Options) throws {
        guard options.blockSize > 0, options.maxTokensPerStep > 0, options.maxSequencesPerStep > 0 else {
            throw ModelLoadError(source: "CUDA engine", problem: "block size and step limits must be positive")
        }
        let group = c.heads / c.kvHeads
        guard c.headDim % AttentionPlan.tile == 0, c.headDim <= AttentionPlan.tile * AttentionPlan.maxDimsPerLane,
              group <= AttentionPlan.maxWarps * AttentionPlan.pairsPerWarp else {
            throw ModelLoadError(source: "CUDA engine", problem:
                "the attention kernel needs a head dimension that is a multiple of 32 up to 256 and at most 64 query heads per KV head (the model has \(c.headDim) and \(group))")
        }
    }
}
