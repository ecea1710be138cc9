import BlendCore

/// Decode attention time under one of the three kernel models, for all layers of one step.
///
/// Decode attention streams each sequence's whole KV cache from HBM, so it is memory-bound.
/// Let `L_i` be the KV tokens sequence `i` attends to, `h` the KV heads one GPU holds
/// (`ceil(kvHeads / gpuCount)`), `S` the SMs of one GPU, and `t` the seconds to stream one token
/// of one KV head through all layers at the achievable bandwidth
/// (`layers · 2 · headDim · bytesPerElement / (efficiency · bandwidth)`). Then:
///
/// - ``AttentionKernel/ideal``: `t · h · ΣL` (the whole GPU streams KV at full rate).
/// - ``AttentionKernel/unsplit``: one thread block per (sequence, KV head); a block can draw at
///   most its SM's share of the bandwidth, so a block streams at `1/S` of the full rate and the
///   time is `max(t · h · ΣL, t · S · max L)`: the longest sequence is a straggler once
///   `max L · S > h · ΣL`. This is AlignedServe's `max(k·ΣL/P, k·max L)` with `P = S` slots.
/// - ``AttentionKernel/splitKV(chunkTokens:)``: every sequence is cut into `ceil(L_i / C)` chunks
///   per KV head; the `h · Σ ceil(L_i / C)` chunk blocks run in waves of `S`, each wave lasting one
///   full chunk at one block's rate: `ceil(h · Σ ceil(L_i/C) / S) · C · t · S`. The combine
///   kernel that merges the partial results is left out.
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
    }

    /// Seconds per KV token read by the ideal kernel (all layers, one GPU's share of the heads).
    public var kvTokenSeconds: Double { headTokenSeconds * Double(kvHeadsPerGPU) }

    /// Seconds per KV token of the longest sequence under ``AttentionKernel/unsplit``: one
    /// block's rate is `1/S` of the GPU's.
    public var stragglerTokenSeconds: Double { headTokenSeconds * Double(streamingMultiprocessors) }

    /// The chunk size of ``AttentionKernel/splitKV(chunkTokens:)``, else `nil`.
    public var chunkTokens: Int? {
        if case .splitKV(let chunk) = kernel { return chunk }
        return nil
    }

    /// Seconds of one wave of split-KV chunk blocks: `C · t · S`.
    public var waveSeconds: Double {
        Double(chunkTokens ?? 0) * stragglerTokenSeconds
    }

    /// Decode attention seconds for all layers of one step.
    /// - Parameters:
    ///   - kvTokens: `ΣL`, KV tokens read by the decode sequences.
    ///   - longest: `max L`.
    ///   - chunks: `Σ ceil(L_i / C)` (used only by split-KV).
    /// - Complexity: O(1).
    @inlinable
    public func seconds(kvTokens: Int, longest: Int, chunks: Int) -> Double {
        switch kernel {
        case .ideal:
            return kvTokenSeconds * Double(kvTokens)
        case .unsplit:
            return max(kvTokenSeconds * Double(kvTokens), stragglerTokenSeconds * Double(longest))
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
        let all = seconds(kvTokens: sequences * kvLength, longest: sequences > 0 ? kvLength : 0, chunks: chunks)
        return all / Double(layers)
    }
}
