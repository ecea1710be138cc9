import BlendCore

// A tighter practical optimum than the paper's: the weight reads no schedule can avoid.

extension StepCostModel {
    /// The fewest engine steps that can run a request set: every step reads at most the whole KV
    /// pool (`kvPoolTokens`) and computes at most `maxTokensPerStep` tokens, so at least
    /// `max(⌈Σ(p·d + d²/2) / kvPoolTokens⌉, ⌈(unique prompt + output tokens) / maxTokensPerStep⌉)`
    /// steps are needed, whatever the order.
    /// - Complexity: O(1).
    public func minimumSteps(_ totals: ResourceTotals, kvPoolTokens: Int, maxTokensPerStep: Int) -> Double {
        let byMemory = kvPoolTokens > 0 ? (totals.kvTokenReads / Double(kvPoolTokens)).rounded(.up) : 0
        let byTokens = maxTokensPerStep > 0
            ? (Double(totals.uniquePromptTokens + totals.outputTokens) / Double(maxTokensPerStep)).rounded(.up) : 0
        return max(byMemory, byTokens)
    }

    /// ``optimalSeconds(_:)`` with the weight reads of ``minimumSteps(_:kvPoolTokens:maxTokensPerStep:)``
    /// added to its memory time: `T_o+W = max(C, M + S·w) + ι·min(C, M + S·w)`, where `w` is one
    /// step's read of the decoder layers and the LM head.
    ///
    /// The paper's `T_o` (eq. 2 with eqs. 4 and 5) leaves weight reads out, and in its real system
    /// they sit inside the profiled GEMM time. This simulator charges them to memory bandwidth on
    /// every step (they share HBM with the KV reads), so on a memory-heavy request set, whose
    /// decodes need many steps of a full KV pool, even a perfect schedule stays well above `T_o`:
    /// `T_o+W` is a lower bound no schedule on this engine can beat (up to eq. 5's
    /// approximation of the KV tokens read), and `T_o / T_o+W` is the largest fraction of `T_o`
    /// any policy can reach.
    /// - Complexity: O(1).
    public func weightAwareOptimalSeconds(_ totals: ResourceTotals, kvPoolTokens: Int, maxTokensPerStep: Int) -> Double {
        let parts = optimumParts(totals)
        let steps = minimumSteps(totals, kvPoolTokens: kvPoolTokens, maxTokensPerStep: maxTokensPerStep)
        let memory = parts.memory + steps * (layerWeightReadSeconds + lmHeadReadSeconds)
        return max(parts.compute, memory) + options.interference * min(parts.compute, memory)
    }
}
