/// A synthetic workload and how it was made.
public struct GeneratedWorkload: Sendable {
    /// The requests, in a seeded random order, with ids `r000000`, `r000001`, ... (at least six
    /// digits), prompts and true output lengths (no `max_tokens`).
    public var workload: Workload
    /// Component counts and the achieved density and sharing.
    public var report: SynthesisReport
}

/// What a generated workload contains, by the exact unique-token accounting.
public struct SynthesisReport: Sendable, Hashable {
    /// The preset generated.
    public var preset: WorkloadPreset
    /// The seed used.
    public var seed: UInt64
    /// Requests drawn from each component.
    public var componentCounts: [TraceComponent: Int]
    /// Token totals of the whole workload; `uniquePromptTokens` is the exact node count of an
    /// uncompressed trie over all prompts.
    public var totals: ResourceTotals
    /// Achieved compute density `(1−s)·T_comp/T_mem` with the model and hardware given.
    public var density: Double
    /// Achieved prefix sharing ratio ``ResourceTotals/sharingRatio``.
    public var sharing: Double

    /// Prompt plus output tokens.
    /// - Complexity: O(1).
    public var totalTokens: Int { totals.promptTokens + totals.outputTokens }
}
