import BlendCore

/// Decode attention time under one of the three kernel models, for all layers of one step.
///
/// Decode attention streams each sequence's whole KV cache from HBM, so it is memory-bound.
/// Let `L_i` be the KV tokens sequence `i` attends to, `N` the sequences, `h` the KV heads one
/// GPU holds (`ceil(kvHeads / gpuCount)`), `S` the SMs of one GPU, and `t` the seconds to stream
/// one token of one KV head through all layers at the achievable bandwidth `R`
/// (`layers · 2 · headDim · bytesPerElement / R`). Then:
///
/// - ``AttentionKernel/ideal``: `t · h · ΣL` (the whole GPU streams KV at full rate).
/// - ``AttentionKernel/unsplit``: vLLM's PagedAttention V1 (`paged_attention_v1_launcher` in
///   `csrc/attention`: grid `(num_heads, num_seqs)`, 128 threads, dynamic shared memory
///   `max(padded_max_seq_len · 4, (warps / 2) · head_size · 4)` bytes), one block per
///   (sequence, head). Three physical limits shape it:
///   1. *One block's rate.* A block keeps `4 warps · blockSize · headDim · b` bytes in flight per
///      warp iteration (``SimulationOptions/unsplitWarpIterationSeconds``), so by Little's law it
///      streams at `r_b` (16 GB/s for head dimension 128), far below an SM's share of `R`.
///   2. *Occupancy.* Every block sizes its shared memory by the batch's longest sequence (the
///      logits buffer, `4 · ⌈max L / blockSize⌉ · blockSize` bytes, plus 1 KB the runtime keeps per
///      block), so an SM holds `o = min(threads/128, 32, ⌊smem / (logits + 1 KB)⌋)` blocks: 16 on an
///      H100 up to 3.5K tokens, 6 at 8K. `m = S · o` slots; `a = min(m, h · N)` blocks run at once,
///      and they stream at `R_a = min(R, a · r_b)` (too few blocks cannot saturate HBM).
///   3. *The straggler.* While the SMs are full, each resident block, the longest sequence's
///      included, gets a slot's share `R_a / a`; the bulk lasts `E = t · h · ΣL · R / R_a`, in which
///      the longest block streams `h · ΣL / a` of its `max L` tokens. It finishes the rest alone at
///      `r_b`: `T = E + t_b · max(0, max L − h · ΣL / a)` with `t_b` the seconds per head-token at
///      `r_b`. The longest sequence is taken to be resident from the launch: vLLM launches the
///      running batch oldest first, and long requests outlive their short peers, so they drift to
///      the front (a later start would add to the tail; this is the lower bound of list scheduling).
///   With many equal sequences `h·ΣL/a ≥ max L` and the kernel equals the ideal one. Blocks are
///   counted per KV head: V1 launches one per query head, and under grouped-query attention the
///   query heads of a group read the same KV, which the L2 cache largely shares.
/// - ``AttentionKernel/splitKV(chunkTokens:)``: every sequence is cut into `ceil(L_i / C)` chunks
///   per KV head; the `h · Σ ceil(L_i / C)` chunk blocks run in waves of `S`, each wave lasting one
///   full chunk at an SM's share of the bandwidth: `ceil(h · Σ ceil(L_i/C) / S) · C · t · S`. The
///   combine kernel that merges the partial results is left out.
///
/// The three agree when all sequences are long and equal and the chunk count fills whole waves.
public struct AttentionKernelModel: Sendable, Hashable {
    /// The kernel modelled.
    public let kernel: AttentionKernel
    /// SMs of one GPU (the parallel slots of the kernel).
    public let streamingMultiprocessors: Int
    /// KV heads one tensor-parallel rank holds: `ceil(kvHeads / gpuCount)` (heads are replicated
    /// when there are more GPUs than KV heads).
    public let kvHeadsPerGPU: Int
    /// Seconds to stream one token of one KV head through all layers at the achievable bandwidth.
    public let headTokenSeconds: Double
    /// Layers of the model (to report one layer's time).
    public let layers: Int
    /// Seconds for one unsplit-kernel block, alone, to stream one token of its head through all
    /// layers at its Little's-law rate `r_b` (`t_b` above).
    public let blockTokenSeconds: Double
    /// Shared memory per SM and resident threads per SM (the occupancy limits).
    public let sharedMemoryPerSM: Int, threadsPerSM: Int
    /// Tokens per KV block (the logits buffer is padded to whole blocks).
    public let blockSize: Int
    /// Bytes of the unsplit kernel's output buffer, `(4 warps / 2) · headDim · 4`; a block's
    /// shared memory is the larger of this and the logits buffer.
    public let outputBufferBytes: Int

    /// Threads of one unsplit-kernel block (vLLM's `NUM_THREADS`).
    public static let unsplitBlockThreads = 128
    /// Warps of one unsplit-kernel block.
    public static let unsplitBlockWarps = 4
    /// Resident blocks per SM allowed by compute capabilities 8.0 to 9.0.
    public static let maxBlocksPerSM = 32
    /// Shared memory the CUDA runtime keeps per block on compute capability 8.0 and later.
    public static let reservedSharedMemoryPerBlock = 1024

    /// Creates the kernel model for `model` on `hardware` under `options`.
    /// - Complexity: O(1).
    public init(model: ModelSpec, hardware: HardwareSpec, options: SimulationOptions) {
        if case .splitKV(let chunk) = options.attention {
            precondition(chunk > 0, "splitKV needs a positive chunk size")
        }
        kernel = options.attention
        streamingMultiprocessors = max(1, options.streamingMultiprocessors
            ?? SimulationOptions.defaultStreamingMultiprocessors(for: hardware))
        let gpus = max(1, hardware.gpuCount)
        kvHeadsPerGPU = (model.kvHeads + gpus - 1) / gpus
        layers = model.layers
        let headTokenBytes = Double(model.layers * 2 * model.headDim * model.bytesPerElement)
        headTokenSeconds = headTokenBytes / (options.bandwidthEfficiency * hardware.memoryBandwidth)
        precondition(options.unsplitWarpIterationSeconds > 0, "the warp iteration time must be positive")
        let inFlight = Double(Self.unsplitBlockWarps * options.blockSize * model.headDim * model.bytesPerElement)
        blockTokenSeconds = headTokenBytes / (inFlight / options.unsplitWarpIterationSeconds)
        let limits = SimulationOptions.occupancyLimits(for: hardware)
        sharedMemoryPerSM = limits.sharedMemory
        threadsPerSM = limits.threads
        blockSize = max(1, options.blockSize)
        outputBufferBytes = Self.unsplitBlockWarps / 2 * model.headDim * 4
    }

    /// Unsplit-kernel blocks one SM holds when the batch's longest sequence attends to `longest`
    /// tokens: `min(threads / 128, 32, ⌊smem / (max(logits, outputs) + 1 KB)⌋)`, at least 1 (past
    /// about 56K tokens on an H100 vLLM switches to its split V2 kernel).
    /// - Complexity: O(1).
    @inlinable
    public func blocksPerSM(longest: Int) -> Int {
        let padded = (max(1, longest) + blockSize - 1) / blockSize * blockSize
        let perBlock = max(4 * padded, outputBufferBytes) + Self.reservedSharedMemoryPerBlock
        return max(1, min(threadsPerSM / Self.unsplitBlockThreads, Self.maxBlocksPerSM, sharedMemoryPerSM / perBlock))
    }

    /// The unsplit kernel's resident blocks `a = min(S · o, h · N)` and its slowdown against the
    /// ideal kernel's rate, `R / R_a = max(1, R / (a · r_b)) = max(1, t_b / (a · t))`, for `sequences` sequences
    /// whose longest attends to `longest` tokens.
    /// - Complexity: O(1).
    @inlinable
    public func unsplitShape(sequences: Int, longest: Int) -> (active: Double, slowdown: Double) {
        let active = Double(max(1, min(streamingMultiprocessors * blocksPerSM(longest: longest),
                                       kvHeadsPerGPU * sequences)))
        // a · r_b against R, both per head-token: a / t_b against 1 / t.
        return (active, max(1, blockTokenSeconds / (active * headTokenSeconds)))
    }

    /// Seconds per KV token read by the ideal kernel (all layers, one GPU's share of the heads).
    public var kvTokenSeconds: Double { headTokenSeconds * Double(kvHeadsPerGPU) }

    /// Seconds per KV token of one split-KV chunk block: an SM's share, `1/S` of the GPU's rate.
    public var chunkTokenSeconds: Double { headTokenSeconds * Double(streamingMultiprocessors) }

    /// The chunk size of ``AttentionKernel/splitKV(chunkTokens:)``, else `nil`.
    public var chunkTokens: Int? {
        if case .splitKV(let chunk) = kernel { return chunk }
        return nil
    }

    /// Seconds of one wave of split-KV chunk blocks: `C · t · S`.
    public var waveSeconds: Double {
        Double(chunkTokens ?? 0) * chunkTokenSeconds
    }

    /// Decode attention seconds for all layers of one step.
    /// - Parameters:
    ///   - kvTokens: `ΣL`, KV tokens read by the decode sequences.
    ///   - longest: `max L`.
    ///   - chunks: `Σ ceil(L_i / C)` (used only by split-KV).
    ///   - sequences: `N`, the decode sequences (used only by the unsplit kernel).
    /// - Complexity: O(1).
    @inlinable
    public func seconds(kvTokens: Int, longest: Int, chunks: Int, sequences: Int) -> Double {
        switch kernel {
        case .ideal:
            return kvTokenSeconds * Double(kvTokens)
        case .unsplit:
            guard sequences > 0 else { return 0 }
            let shape = unsplitShape(sequences: sequences, longest: longest)
            let streamedAlongside = Double(kvHeadsPerGPU) * Double(kvTokens) / shape.active
            return kvTokenSeconds * shape.slowdown * Double(kvTokens)
                + blockTokenSeconds * max(0, Double(longest) - streamedAlongside)
        case .splitKV:
            return Double(waves(chunks: chunks)) * waveSeconds
        }
    }

    /// Waves of split-KV chunk blocks for `chunks` chunks per KV head: `ceil(h · chunks / S)`.
    /// - Complexity: O(1).
    @inlinable
    public func waves(chunks: Int) -> Int {
        (kvHeadsPerGPU * chunks + streamingMultiprocessors - 1) / streamingMultiprocessors
    }

    /// Decode attention seconds of ONE layer for `sequences` sequences that all attend to
    /// `kvLength` tokens (the shape of Table 1's attention column).
    /// - Complexity: O(1).
    public func layerSeconds(sequences: Int, kvLength: Int) -> Double {
        let chunks = chunkTokens.map { sequences * ((kvLength + $0 - 1) / $0) } ?? 0
        let all = seconds(kvTokens: sequences * kvLength, longest: sequences > 0 ? kvLength : 0, chunks: chunks,
                          sequences: sequences)
        return all / Double(layers)
    }
}
