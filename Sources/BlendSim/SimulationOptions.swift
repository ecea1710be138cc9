import BlendCore

/// How a simulated step combines its compute-bound, memory-bound and network work.
public enum ExecutionMode: Sendable, Hashable {
    /// One kernel after another, as in vLLM and SGLang: a step lasts
    /// `compute + memory + network`.
    case sequential
    /// Compute, memory and network overlap within the device, as in NanoFlow's nano-batch
    /// pipeline: a step lasts `max + interference × (sum − max)` of the three, so 0 interference
    /// is perfect overlap and 1 is as slow as ``sequential``.
    case overlapped
}

/// How the decode attention kernel spreads sequences over the GPU's streaming multiprocessors
/// (SMs); see ``AttentionKernelModel`` for the formulas.
public enum AttentionKernel: Sendable, Hashable {
    /// Time proportional to the KV tokens read, `ΣL`, at the achievable bandwidth: no straggler
    /// and no quantisation. This is the BlendServe paper's memory model (eq. 5).
    case ideal
    /// One thread block per (sequence, KV head), as in vLLM's PagedAttention V1: the batch's KV
    /// streams at the rate its resident blocks can sustain, and the longest sequence's blocks,
    /// held to a slot's share while the SMs are full, finish alone at one block's rate.
    case unsplit
    /// Each sequence cut into chunks of `chunkTokens` tokens per KV head, scheduled in waves over
    /// the SMs (Flash-Decoding, FlashInfer); the tail wave and the partial last chunk of each
    /// sequence are paid in full.
    case splitKV(chunkTokens: Int)
}

/// Where a device-to-device block copy goes.
public enum DeviceCopyPath: Sendable, Hashable {
    /// Within each GPU's own memory (each tensor-parallel rank copies its shard of the block):
    /// one read and one write at the achievable HBM bandwidth. Right for copy-on-write of a
    /// block inside one engine.
    case localMemory
    /// Over the peer link (NVLink) at `hardware.peerLinkBandwidth`, for engines that move KV
    /// between GPUs (AlignedServe's GPU-to-GPU prefetch).
    case peerLink
}

/// How prefetched host-to-device blocks (``StepPlan/prefetches``) reach the decoding GPUs.
public enum PrefetchPath: Sendable, Hashable {
    /// Straight over the host link (PCIe), overlapped with the step: a GPU's copy engine pulling
    /// from pinned host memory while its SMs compute.
    case hostLink
    /// AlignedServe's GPU-prefetch-for-GPU: a peer GPU pulls the blocks over its own host link
    /// into its HBM ahead of time, off the decoding critical path, and pushes them over the peer
    /// link (NVLink). Only the peer-link leg is charged (overlapped with the step); the host-link
    /// leg is taken as hidden in earlier steps. An optimistic approximation: it holds while the
    /// average staging demand stays below the host link's rate, which the simulator does not check.
    case peerStaged
}

/// Everything that shapes a ``SimulatedGPU`` beyond the model and the hardware: execution mode,
/// attention kernel, calibration constants and how KV memory is sized.
///
/// The defaults reproduce the real column of Table 1 of the BlendServe paper (Llama-3-8B on an
/// A100-80GB) within 2.5% per cell; `Docs/simulator.md` explains every constant.
public struct SimulationOptions: Sendable, Hashable {
    /// How compute, memory and network work of one step combine. Default ``ExecutionMode/overlapped``,
    /// since BlendServe's backend is NanoFlow's overlapping engine; use ``ExecutionMode/sequential``
    /// for vLLM/SGLang-like baselines.
    public var mode: ExecutionMode = .overlapped
    /// The decode attention kernel. Default ``AttentionKernel/ideal`` (the paper's model).
    public var attention: AttentionKernel = .ideal
    /// Interference factor of ``ExecutionMode/overlapped``: the share of the shorter phases that
    /// overlap does not hide, because concurrent kernels contend for SMs, L2 and HBM.
    /// Default 0.15. An assumption, not a measurement: neither paper gives the number (NanoFlow
    /// models interference but our notes hold no figure); sweep it when results depend on it.
    public var interference: Double = 0.15
    /// Fixed seconds added to every step (kernel launches, scheduling). Default 0: the BlendServe
    /// paper excludes CPU time from every system it measures, and CUDA graphs make launch costs
    /// small against the millisecond steps of large batches.
    public var stepOverhead: Double = 0

    /// Tokens per KV block. Default 16 (vLLM's default block size).
    public var blockSize: Int = 16
    /// Tokens one step may compute. Default 8192.
    public var maxTokensPerStep: Int = 8192
    /// Sequences one step may hold. Default 2048.
    public var maxSequencesPerStep: Int = 2048
    /// Fraction of each GPU's memory the engine may use (vLLM's `gpu_memory_utilization`).
    /// Default 1, so that the reserve below is the only deduction.
    public var memoryUtilization: Double = 1
    /// Bytes per GPU kept for activations, workspaces and the CUDA context, besides the weights.
    /// Default 4 GB, chosen so that Llama-3.1-8B on one A100-80GB keeps 80 − 16.06 − 4 ≈ 60 GB for
    /// KV, the figure of the paper's Figure 6 (20 GB reserved "for model weights and temporary
    /// buffers"). Physically: an 8192-token step holds the FFN intermediate (8192 × 14336 × 2 B ×
    /// 2 for gate and up = 0.47 GB), the logits of up to 2048 sampled rows (2048 × 128256 × 4 B =
    /// 1.05 GB) and a cuBLAS workspace and CUDA context of about a gigabyte.
    public var activationReserveBytes: Double = 4e9
    /// Device KV blocks to report instead of the derived number (for small test capacities).
    public var deviceBlocks: Int? = nil
    /// Bytes of host (CPU) memory for swapped-out KV blocks. Default 0: no host tier.
    public var hostMemoryBytes: Double = 0
    /// Streaming multiprocessors per GPU for the attention kernel models; `nil` looks the
    /// hardware up by name (see ``defaultStreamingMultiprocessors(for:)``).
    public var streamingMultiprocessors: Int? = nil
    /// Seconds one warp of the unsplit kernel spends on one KV block (``blockSize`` tokens of one
    /// head): the loads of the block are issued together, then the warp waits for them and
    /// reduces. Default 1 µs: a loaded HBM round trip of about 0.6–0.8 µs on A100/H100 plus the
    /// dot products, the shuffle reduction and the logit store. With the kernel's 4 warps a block
    /// then keeps `4 · blockSize · headDim · b` bytes in flight (16 KB for head dimension 128) and
    /// streams at 16 GB/s by Little's law. An assumption, not a measurement: no kernel profile is
    /// in our notes; sweep it when results depend on it.
    public var unsplitWarpIterationSeconds: Double = 1e-6
    /// Where device-to-device block copies go. Default ``DeviceCopyPath/localMemory``.
    public var deviceCopyPath: DeviceCopyPath = .localMemory
    /// How prefetched host-to-device blocks travel; `nil` (the default) picks
    /// ``PrefetchPath/peerStaged`` on two or more GPUs with a peer link, else
    /// ``PrefetchPath/hostLink``.
    public var prefetchPath: PrefetchPath? = nil

    /// Achievable fraction of peak dense tensor-core FLOP/s in the model's GEMMs. Default 0.84,
    /// fitted to Table 1's real GEMM column (the three cells alone ask for 0.82 to 0.87). Large
    /// FP16 GEMMs lose the rest to clock throttling under the power limit, tile quantisation and
    /// the prologue/epilogue of each kernel.
    public var computeEfficiency: Double = 0.84
    /// Achievable fraction of peak HBM bandwidth for weight reads and KV-cache reads. Default
    /// 0.82, fitted to Table 1's real attention column (0.80 to 0.84 over the three cells; the
    /// paper's own estimate column uses 0.85). DRAM refresh, bank and row conflicts and the
    /// scattered 16-token blocks of paged attention keep streaming reads under the datasheet peak.
    public var bandwidthEfficiency: Double = 0.82
    /// Achievable fraction of peak FLOP/s in prefill attention (FlashAttention). Default 0.6: the
    /// FlashAttention-2 paper reports 50–73% of the A100's peak in the forward pass. Not
    /// calibrated here (Table 1 has no prefill attention).
    public var prefillAttentionEfficiency: Double = 0.6
    /// Achievable fraction of the host link (PCIe) and peer link (NVLink) bandwidth for block
    /// copies and all-reduces. Default 0.8: pinned-memory copies over PCIe 4.0 x16 reach about
    /// 25 of its 32 GB/s, packet headers and flow control taking the rest; large NCCL
    /// all-reduces reach a similar fraction of NVLink's bus bandwidth. An assumption, not fitted.
    public var linkEfficiency: Double = 0.8

    /// Options with every default.
    /// - Complexity: O(1).
    public init() {}

    /// Options with the given mode and attention kernel and every other default.
    /// - Complexity: O(1).
    public init(mode: ExecutionMode, attention: AttentionKernel = .ideal) {
        self.mode = mode
        self.attention = attention
    }

    /// SM counts of the hardware presets (NVIDIA datasheets and whitepapers): A100 108,
    /// H100 SXM 132, H200 132, L40S 142.
    public static let streamingMultiprocessorTable: [String: Int] = [
        "a100-80gb": 108, "a100-40gb": 108, "h100-sxm": 132, "h200": 132, "l40s": 142,
    ]

    /// Shared memory per SM in bytes, and resident threads per SM, of the hardware presets (NVIDIA
    /// CUDA programming guide, compute capabilities 8.0, 8.9 and 9.0): A100 164 KB and 2048,
    /// H100 and H200 228 KB and 2048, L40S 100 KB and 1536. They bound how many unsplit
    /// attention blocks an SM holds at once.
    public static let occupancyTable: [String: (sharedMemory: Int, threads: Int)] = [
        "a100-80gb": (164 * 1024, 2048), "a100-40gb": (164 * 1024, 2048), "h100-sxm": (228 * 1024, 2048),
        "h200": (228 * 1024, 2048), "l40s": (100 * 1024, 1536),
    ]

    /// The SM count assumed when the hardware name is not in
    /// ``streamingMultiprocessorTable``: 108, the A100 of the BlendServe paper.
    public static let fallbackStreamingMultiprocessors = 108

    /// The SM count for `hardware`: its entry in ``streamingMultiprocessorTable``, else
    /// ``fallbackStreamingMultiprocessors``.
    /// - Complexity: O(1).
    public static func defaultStreamingMultiprocessors(for hardware: HardwareSpec) -> Int {
        streamingMultiprocessorTable[hardware.name.lowercased()] ?? fallbackStreamingMultiprocessors
    }

    /// Shared memory per SM and resident threads per SM for `hardware`: its entry in
    /// ``occupancyTable``, else the A100's.
    /// - Complexity: O(1).
    public static func occupancyLimits(for hardware: HardwareSpec) -> (sharedMemory: Int, threads: Int) {
        occupancyTable[hardware.name.lowercased()] ?? (164 * 1024, 2048)
    }
}
