/// Additive token counts of a set of requests, from which ``CostModel`` derives the paper's
/// `T_comp`, `T_mem`, sharing ratio and density. Summing two totals gives the totals of the union,
/// which is what the prefix tree aggregates per subtree.
public struct ResourceTotals: Sendable, Hashable {
    /// Requests in the set.
    public var requests: Int = 0
    /// Prompt tokens, counting shared prefixes once per request.
    public var promptTokens: Int = 0
    /// Distinct prompt prefixes (nodes of an uncompressed trie over the prompts): the prompt
    /// tokens left to compute when every shared prefix is computed once.
    public var uniquePromptTokens: Int = 0
    /// Output (decode) tokens.
    public var outputTokens: Int = 0
    /// `Σ (p·d + d²/2)`: KV-cache tokens read by decode attention over each request's life
    /// (the bracket of the paper's eq. 5).
    public var kvTokenReads: Double = 0
    /// `Σ p²`: the prefill-attention term of eq. (4), used only when the cost model asks for it.
    public var promptSquares: Double = 0

    /// An empty set.
    /// - Complexity: O(1).
    public init() {}

    /// The totals of one request with prompt length `prompt`, of which `unique` tokens are not
    /// shared with requests already counted, and output length `output`.
    /// - Complexity: O(1).
    @inlinable
    public init(prompt: Int, output: Int, unique: Int) {
        requests = 1
        promptTokens = prompt
        uniquePromptTokens = unique
        outputTokens = output
        let p = Double(prompt), d = Double(output)
        kvTokenReads = p * d + 0.5 * d * d
        promptSquares = p * p
    }

    /// Adds `other` into `self`.
    /// - Complexity: O(1).
    @inlinable
    public static func += (lhs: inout ResourceTotals, rhs: ResourceTotals) {
        lhs.requests += rhs.requests
        lhs.promptTokens += rhs.promptTokens
        lhs.uniquePromptTokens += rhs.uniquePromptTokens
        lhs.outputTokens += rhs.outputTokens
        lhs.kvTokenReads += rhs.kvTokenReads
        lhs.promptSquares += rhs.promptSquares
    }

    /// Subtracts `other` from `self`.
    /// - Complexity: O(1).
    @inlinable
    public static func -= (lhs: inout ResourceTotals, rhs: ResourceTotals) {
        lhs.requests -= rhs.requests
        lhs.promptTokens -= rhs.promptTokens
        lhs.uniquePromptTokens -= rhs.uniquePromptTokens
        lhs.outputTokens -= rhs.outputTokens
        lhs.kvTokenReads -= rhs.kvTokenReads
        lhs.promptSquares -= rhs.promptSquares
    }

    /// The paper's prefix sharing ratio `s` in token terms:
    /// `1 − (unique prompt + output) / (prompt + output)`; 0 for an empty set.
    public var sharingRatio: Double {
        let all = promptTokens + outputTokens
        guard all > 0 else { return 0 }
        return 1 - Double(uniquePromptTokens + outputTokens) / Double(all)
    }
}
