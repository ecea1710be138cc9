import BlendCore

/// The work of one model step, aggregated over its sequences: what the step-time formulas need.
public struct StepLoad: Sendable, Hashable {
    /// Tokens through the GEMMs (prefill chunk tokens plus one per decode sequence).
    public var tokens: Int = 0
    /// Sequences whose step ends at their newest token: rows of the LM head (logits).
    public var sampledSequences: Int = 0
    /// (query, key) pairs of prefill attention: for a chunk computing positions
    /// `start ..< start + count`, each position attends causally to itself and everything before,
    /// `count · start + count · (count + 1) / 2` pairs.
    public var prefillAttentionPairs: Double = 0
    /// Sequences computing one token (decode steps, and one-token chunks), whose attention is the
    /// memory-bound decode kernel.
    public var decodeSequences: Int = 0
    /// `ΣL`: KV tokens those sequences attend to (each attends to `start + 1` tokens).
    public var decodeKVTokens: Int = 0
    /// `max L` over the decode sequences.
    public var longestDecodeKV: Int = 0
    /// `Σ ceil(L / C)` over the decode sequences under split-KV with chunk `C`; 0 otherwise.
    public var decodeKVChunks: Int = 0

    /// An empty step.
    /// - Complexity: O(1).
    public init() {}

    /// Adds one sequence that computes positions `start ..< start + count`.
    /// - Parameters:
    ///   - samples: whether the step ends at the sequence's newest token.
    ///   - chunkTokens: the split-KV chunk size, or `nil`.
    /// - Complexity: O(1).
    @inlinable
    public mutating func add(start: Int, count: Int, samples: Bool, chunkTokens: Int?) {
        tokens += count
        if samples { sampledSequences += 1 }
        if count == 1 {
            let kv = start + 1
            decodeSequences += 1
            decodeKVTokens += kv
            longestDecodeKV = max(longestDecodeKV, kv)
            if let chunk = chunkTokens { decodeKVChunks += (kv + chunk - 1) / chunk }
        } else {
            let c = Double(count)
            prefillAttentionPairs += c * Double(start) + c * (c + 1) / 2
        }
    }
}

/// Simulated time of one step or of a span of steps, split by resource.
public struct StepCost: Sendable, Hashable {
    /// Seconds of compute-bound work: GEMMs and prefill attention.
    public var computeSeconds: Double = 0
    /// Seconds of memory-bound work: weight reads and decode attention's KV reads.
    public var memorySeconds: Double = 0
    /// Seconds of tensor-parallel all-reduces (0 on one GPU).
    public var networkSeconds: Double = 0
    /// Elapsed seconds: the three combined by the execution mode, plus the step overhead.
    public var seconds: Double = 0

    /// A zero cost.
    /// - Complexity: O(1).
    public init() {}

    /// A cost with the given parts.
    /// - Complexity: O(1).
    public init(computeSeconds: Double, memorySeconds: Double, networkSeconds: Double, seconds: Double) {
        self.computeSeconds = computeSeconds
        self.memorySeconds = memorySeconds
        self.networkSeconds = networkSeconds
        self.seconds = seconds
    }
}

/// Pure step-time functions of the simulated GPU: a roofline with achievable efficiencies,
/// calibrated per decoder layer against Table 1 of the BlendServe paper.
///
/// For one step with `T` tokens, `S` sampled sequences and `g` tensor-parallel GPUs
/// (each GPU does `1/g` of every matrix product and holds `1/g` of the weights):
/// - compute = `2·T·L·P_layer / (g·η_c·peak)` + `2·S·V·H / (g·η_c·peak)` (LM head, sampled rows
///   only) + prefill attention `4·pairs·(heads/g)·headDim·L / (η_a·peak)`;
/// - memory = weights read once per step `(L·P_layer + V·H if S > 0)·b / (g·η_bw·bw)` + decode
///   attention under the ``AttentionKernelModel``;
/// - network = two ring all-reduces of `T·H·b` bytes per layer (Megatron-style tensor
///   parallelism), each moving `2(g−1)/g` of the data over the peer link;
/// - the step lasts `compute + memory + network` (sequential) or
///   `max + ι·(sum − max)` (overlapped), plus the fixed overhead.
///
/// `P_layer` counts the weights a token meets in one decoder layer (Q, K, V, O and the FFN).
/// Every constant is computed once in `init`, so each function is a handful of multiplications.
public struct StepCostModel: Sendable, Hashable {
    /// The model simulated.
    public let model: ModelSpec
    /// The hardware simulated.
    public let hardware: HardwareSpec
    /// The options in force.
    public let options: SimulationOptions
    /// The decode attention kernel model.
    public let attention: AttentionKernelModel

    /// Weights one token meets in one decoder layer, `P_layer`: from the shapes, assuming a gated
    /// (SwiGLU) FFN, `H·q + 2·H·kv + q·H + 3·H·ffn` with `q = heads·headDim`, `kv = kvHeads·headDim`;
    /// when that exceeds the parameter count less one embedding table, divided by the layers (a
    /// non-gated FFN such as OPT's), the latter. 218,103,808 for Llama-3-8B.
    public let layerParameters: Double
    /// Weights of the LM head, `vocabSize × hiddenSize`, multiplied only for sampled rows.
    public let lmHeadParameters: Double

    /// Seconds of GEMM per token through all layers: `2·L·P_layer / (g·η_c·peak)`.
    public let gemmSecondsPerToken: Double
    /// Seconds of LM-head GEMM per sampled row: `2·V·H / (g·η_c·peak)`.
    public let lmHeadSecondsPerSample: Double
    /// Seconds to read the decoder layers' weights once: `L·P_layer·b / (g·η_bw·bw)`.
    public let layerWeightReadSeconds: Double
    /// Seconds to read the LM head's weights once: `V·H·b / (g·η_bw·bw)`.
    public let lmHeadReadSeconds: Double
    /// Seconds of prefill attention per (query, key) pair over all layers:
    /// `4·(heads/g)·headDim·L / (η_a·peak)`.
    public let prefillSecondsPerPair: Double
    /// Seconds of all-reduce per token in the step: `2·L·2(g−1)/g·H·b / (η_link·link)`; 0 when g = 1.
    public let allReduceSecondsPerToken: Double
    /// Seconds to move one KV block over the host link (each GPU moves its shard in parallel).
    public let hostSecondsPerBlock: Double
    /// Seconds to copy one KV block device to device (see ``DeviceCopyPath``).
    public let deviceCopySecondsPerBlock: Double
    /// The path prefetched host-to-device blocks take (``SimulationOptions/prefetchPath`` resolved).
    public let prefetchPath: PrefetchPath
    /// Seconds of one prefetched host-to-device block on the critical path: the host link's
    /// ``hostSecondsPerBlock``, or under ``PrefetchPath/peerStaged`` the peer-link leg
    /// `bytesPerBlock / (g·η_link·peer)`.
    public let prefetchSecondsPerBlock: Double

    /// Creates the cost model and precomputes its per-token constants.
    /// - Complexity: O(1).
    public init(model: ModelSpec, hardware: HardwareSpec, options: SimulationOptions = .init()) {
        precondition(options.computeEfficiency > 0 && options.bandwidthEfficiency > 0
            && options.prefillAttentionEfficiency > 0 && options.linkEfficiency > 0,
            "efficiencies must be positive")
        self.model = model
        self.hardware = hardware
        self.options = options
        attention = AttentionKernelModel(model: model, hardware: hardware, options: options)

        let h = Double(model.hiddenSize), layers = Double(model.layers)
        let q = Double(model.attentionHeads * model.headDim), kv = Double(model.kvDim)
        let gatedShape = h * q + 2 * h * kv + q * h + 3 * h * Double(model.ffnSize)
        let lmHead = Double(model.vocabSize) * h
        let budget = (model.parameters - lmHead) / layers
        layerParameters = budget > 0 ? min(gatedShape, budget) : gatedShape
        lmHeadParameters = lmHead

        let g = Double(max(1, hardware.gpuCount))
        let flops = options.computeEfficiency * hardware.peakFLOPS * g
        let bandwidth = options.bandwidthEfficiency * hardware.memoryBandwidth * g
        let bytes = Double(model.bytesPerElement)
        gemmSecondsPerToken = 2 * layers * layerParameters / flops
        lmHeadSecondsPerSample = 2 * lmHeadParameters / flops
        layerWeightReadSeconds = layers * layerParameters * bytes / bandwidth
        lmHeadReadSeconds = lmHeadParameters * bytes / bandwidth
        prefillSecondsPerPair = 4 * q * layers
            / (options.prefillAttentionEfficiency * hardware.peakFLOPS * g)

        // Peer link for all-reduces; without NVLink the GPUs talk over PCIe.
        let peer = hardware.peerLinkBandwidth > 0 ? hardware.peerLinkBandwidth : hardware.hostLinkBandwidth
        if hardware.gpuCount > 1 && peer > 0 {
            let ring = 2 * (g - 1) / g
            allReduceSecondsPerToken = 2 * layers * ring * h * bytes / (options.linkEfficiency * peer)
        } else {
            allReduceSecondsPerToken = 0
        }
        let blockBytes = Double(options.blockSize * model.kvBytesPerToken)
        hostSecondsPerBlock = hardware.hostLinkBandwidth > 0
            ? blockBytes / (options.linkEfficiency * hardware.hostLinkBandwidth * g) : .infinity
        let peerSecondsPerBlock = peer > 0 ? blockBytes / (options.linkEfficiency * peer * g) : .infinity
        switch options.deviceCopyPath {
        case .localMemory:
            deviceCopySecondsPerBlock = 2 * blockBytes / bandwidth
        case .peerLink:
            deviceCopySecondsPerBlock = peerSecondsPerBlock
        }
        let hasPeer = hardware.gpuCount >= 2 && hardware.peerLinkBandwidth > 0
        prefetchPath = options.prefetchPath ?? (hasPeer ? .peerStaged : .hostLink)
        switch prefetchPath {
        case .hostLink:
            prefetchSecondsPerBlock = hostSecondsPerBlock
        case .peerStaged:
            prefetchSecondsPerBlock = hasPeer ? peerSecondsPerBlock : .infinity
        }
    }

    // MARK: One decoder layer (Table 1)

    /// GEMM seconds of ONE decoder layer for `tokens` tokens on one GPU: its weights read once
    /// plus `2·tokens·P_layer` FLOPs at the achievable rate (Table 1's GEMM column).
    /// - Complexity: O(1).
    public func layerGEMMSeconds(tokens: Int) -> Double {
        let layers = Double(model.layers)
        return (layerWeightReadSeconds + Double(tokens) * gemmSecondsPerToken) / layers
    }

    /// Decode attention seconds of ONE layer for `sequences` sequences attending to `kvLength`
    /// tokens each (Table 1's attention column).
    /// - Complexity: O(1).
    public func layerAttentionSeconds(sequences: Int, kvLength: Int) -> Double {
        attention.layerSeconds(sequences: sequences, kvLength: kvLength)
    }

    // MARK: One step

    /// Compute-bound seconds of a step: GEMMs (decoder layers and LM head) and prefill attention.
    /// - Complexity: O(1).
    @inlinable
    public func computeSeconds(_ load: StepLoad) -> Double {
        Double(load.tokens) * gemmSecondsPerToken
            + Double(load.sampledSequences) * lmHeadSecondsPerSample
            + load.prefillAttentionPairs * prefillSecondsPerPair
    }

    /// Seconds to read the weights once in a step with `sampled` sampled sequences (the LM head
    /// is read only when some sequence samples).
    /// - Complexity: O(1).
    @inlinable
    public func weightReadSeconds(sampled: Int) -> Double {
        layerWeightReadSeconds + (sampled > 0 ? lmHeadReadSeconds : 0)
    }

    /// Memory-bound seconds of a step: weight reads and decode attention.
    /// - Complexity: O(1).
    @inlinable
    public func memorySeconds(_ load: StepLoad) -> Double {
        guard load.tokens > 0 else { return 0 }
        return weightReadSeconds(sampled: load.sampledSequences)
            + attention.seconds(kvTokens: load.decodeKVTokens, longest: load.longestDecodeKV,
                                chunks: load.decodeKVChunks, sequences: load.decodeSequences)
    }

    /// All-reduce seconds of a step.
    /// - Complexity: O(1).
    @inlinable
    public func networkSeconds(_ load: StepLoad) -> Double {
        Double(load.tokens) * allReduceSecondsPerToken
    }

    /// Combines the parts of one step by the execution mode, without the overhead:
    /// `c + m + n` (sequential) or `max + ι·(c + m + n − max)` (overlapped).
    /// - Complexity: O(1).
    @inlinable
    public func combine(compute c: Double, memory m: Double, network n: Double) -> Double {
        switch options.mode {
        case .sequential:
            return c + m + n
        case .overlapped:
            let top = max(c, m, n)
            return top + options.interference * (c + m + n - top)
        }
    }

    /// The cost of one step; an empty step (no tokens) costs nothing.
    /// - Complexity: O(1).
    @inlinable
    public func stepCost(_ load: StepLoad) -> StepCost {
        guard load.tokens > 0 else { return StepCost() }
        let c = computeSeconds(load), m = memorySeconds(load), n = networkSeconds(load)
        return StepCost(computeSeconds: c, memorySeconds: m, networkSeconds: n,
                        seconds: combine(compute: c, memory: m, network: n) + options.stepOverhead)
    }

    /// Seconds of a plan's block copies: host-link copies one after another, device copies by
    /// ``DeviceCopyPath``. Charged before the step in both modes.
    /// - Complexity: O(1).
    @inlinable
    public func transferSeconds(hostBlocks: Int, deviceCopies: Int) -> Double {
        (hostBlocks > 0 ? Double(hostBlocks) * hostSecondsPerBlock : 0)
            + (deviceCopies > 0 ? Double(deviceCopies) * deviceCopySecondsPerBlock : 0)
    }

    /// Seconds of a plan's prefetches, which run in order on a copy stream beside the steps:
    /// host-to-device blocks at ``prefetchSecondsPerBlock``, device-to-host blocks at
    /// ``hostSecondsPerBlock``, device copies by ``DeviceCopyPath``. The plan lasts
    /// `max(steps, prefetches)`: only the part of the copies the steps cannot hide is paid.
    /// - Complexity: O(1).
    @inlinable
    public func prefetchSeconds(toDevice: Int, toHost: Int, deviceCopies: Int) -> Double {
        (toDevice > 0 ? Double(toDevice) * prefetchSecondsPerBlock : 0)
            + (toHost > 0 ? Double(toHost) * hostSecondsPerBlock : 0)
            + (deviceCopies > 0 ? Double(deviceCopies) * deviceCopySecondsPerBlock : 0)
    }

    // MARK: Practical optimum

    /// BlendServe's "practical optimal" time of a request set under this simulator's rates:
    /// `(1−s)·T_comp` (GEMM FLOPs of the unique prompt tokens and the output tokens, LM head for
    /// the output tokens, at `η_c`) and `T_mem` (the KV reads of eq. 5 at `η_bw`, under the ideal
    /// kernel) combined by the overlapped rule `max + ι·min`, whatever the mode. Weight reads,
    /// prefill attention, all-reduces and overheads are left out (they depend on how the set is
    /// batched), so a simulation in overlapped mode with the ideal kernel cannot beat it by more
    /// than the small difference between eq. 5's `p·d + d²/2` and the KV tokens actually read.
    /// - Complexity: O(1).
    public func optimalSeconds(_ totals: ResourceTotals) -> Double {
        let parts = optimumParts(totals)
        return max(parts.compute, parts.memory) + options.interference * min(parts.compute, parts.memory)
    }

    /// The compute and memory seconds ``optimalSeconds(_:)`` combines: GEMMs of the unique prompt
    /// and output tokens with the LM head of the outputs, and eq. 5's KV reads.
    /// - Complexity: O(1).
    func optimumParts(_ totals: ResourceTotals) -> (compute: Double, memory: Double) {
        let compute = Double(totals.uniquePromptTokens + totals.outputTokens) * gemmSecondsPerToken
            + Double(totals.outputTokens) * lmHeadSecondsPerSample
        return (compute, totals.kvTokenReads * attention.kvTokenSeconds)
    }
}
