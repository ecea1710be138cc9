/// The BlendServe paper's analytical cost model (eqs. 2 to 5 and 9).
///
/// - `Comp(r) = [2·(p+d)·P_model (+ 4·p²·H·L)] / compute`
/// - `Mem(r) = (p·d + d²/2)·kvBytesPerToken / bandwidth`
/// - `ρ(r) = Comp(r)/Mem(r)`; node density `ρ(R) = (1−s)·T_comp/T_mem`
/// - `T_o = max((1−s)·T_comp, T_mem)`
///
/// `compute` and `bandwidth` are the aggregate figures of all tensor-parallel GPUs.
public struct CostModel: Sendable, Hashable {
    /// The model whose shapes give `P_model`, `H`, `L` and the KV size per token.
    public var model: ModelSpec
    /// The hardware whose peak compute and bandwidth turn work into seconds.
    public var hardware: HardwareSpec
    /// Whether `Comp` includes the prefill attention term `4·p²·H·L` (off in the paper).
    public var includesAttentionFLOPs: Bool

    /// Creates a cost model.
    /// - Complexity: O(1).
    public init(model: ModelSpec, hardware: HardwareSpec, includesAttentionFLOPs: Bool = false) {
        self.model = model
        self.hardware = hardware
        self.includesAttentionFLOPs = includesAttentionFLOPs
    }

    /// Seconds of GEMM compute per token through the model: `2·P_model / compute`.
    public var computeSecondsPerToken: Double { 2 * model.parameters / hardware.totalFLOPS }

    /// Seconds to read one token's KV cache once: `kvBytesPerToken / bandwidth`.
    public var memorySecondsPerKVToken: Double { Double(model.kvBytesPerToken) / hardware.totalBandwidth }

    /// Seconds to read every weight once: `P_model·bytesPerElement / bandwidth`. The paper's
    /// equations leave it out (in a large batch the GEMMs hide it), but every engine step pays it
    /// in memory bandwidth, which matters for a step of a few dozen long decodes: it is what a
    /// policy adds to the step's KV reads when it predicts the step's memory time.
    /// - Complexity: O(1).
    public var weightReadSeconds: Double { model.weightBytes / hardware.totalBandwidth }

    /// `Comp(r)` in seconds for prompt length `p` and output length `d` (eq. 4).
    /// - Complexity: O(1).
    @inlinable
    public func compute(prompt p: Int, output d: Int) -> Double {
        computeSeconds(ResourceTotals(prompt: p, output: d, unique: p))
    }

    /// `Mem(r)` in seconds for prompt length `p` and output length `d` (eq. 5).
    /// - Complexity: O(1).
    @inlinable
    public func memory(prompt p: Int, output d: Int) -> Double {
        memorySeconds(ResourceTotals(prompt: p, output: d, unique: p))
    }

    /// Request-level compute density `ρ(r) = Comp(r)/Mem(r)` (eq. 3); `infinity` when `d = 0`.
    /// - Complexity: O(1).
    @inlinable
    public func density(prompt p: Int, output d: Int) -> Double {
        density(ResourceTotals(prompt: p, output: d, unique: p))
    }

    private func attentionSeconds(_ totals: ResourceTotals) -> Double {
        guard includesAttentionFLOPs else { return 0 }
        return 4 * totals.promptSquares * Double(model.hiddenSize * model.layers) / hardware.totalFLOPS
    }

    /// `T_comp` of a set: compute seconds with every prompt token computed (no sharing).
    /// - Complexity: O(1).
    public func computeSeconds(_ totals: ResourceTotals) -> Double {
        Double(totals.promptTokens + totals.outputTokens) * computeSecondsPerToken + attentionSeconds(totals)
    }

    /// `(1−s)·T_comp` of a set: compute seconds when each shared prompt prefix is computed once.
    /// - Complexity: O(1).
    public func sharedComputeSeconds(_ totals: ResourceTotals) -> Double {
        Double(totals.uniquePromptTokens + totals.outputTokens) * computeSecondsPerToken + attentionSeconds(totals)
    }

    /// `T_mem` of a set: seconds of KV-cache reads by decode attention.
    /// - Complexity: O(1).
    public func memorySeconds(_ totals: ResourceTotals) -> Double {
        totals.kvTokenReads * memorySecondsPerKVToken
    }

    /// The sharing ratio `s` as the share of `T_comp` saved by computing shared prefixes once.
    /// Equal to ``ResourceTotals/sharingRatio`` when the attention term is off.
    /// - Complexity: O(1).
    public func sharingRatio(_ totals: ResourceTotals) -> Double {
        let full = computeSeconds(totals)
        return full > 0 ? 1 - sharedComputeSeconds(totals) / full : 0
    }

    /// Node-level compute density `ρ(R) = (1−s)·T_comp / T_mem` (eq. 9); `infinity` when the set
    /// has no memory time (no output tokens), 0 for an empty set.
    /// - Complexity: O(1).
    public func density(_ totals: ResourceTotals) -> Double {
        let memory = memorySeconds(totals)
        let compute = sharedComputeSeconds(totals)
        if memory > 0 { return compute / memory }
        return compute > 0 ? .infinity : 0
    }

    /// The optimal time `T_o = max((1−s)·T_comp, T_mem)` (eq. 2), with `s` the sharing of the set.
    /// - Complexity: O(1).
    public func optimalSeconds(_ totals: ResourceTotals) -> Double {
        max(sharedComputeSeconds(totals), memorySeconds(totals))
    }
}
