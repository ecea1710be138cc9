/// One inference request as the scheduler sees it.
///
/// A `Request` is a lightweight view: its prompt tokens live in the owning ``Workload``'s
/// flat token buffer and are reached through ``Workload/prompt(_:)``.
public struct Request: Sendable, Hashable {
    /// The caller's identifier (`id` of a trace line, `custom_id` of an OpenAI batch line).
    public var id: String
    /// Number of prompt tokens.
    public var promptLength: Int
    /// Upper bound on generated tokens (`max_tokens`), if the input gave one.
    public var maxNewTokens: Int?
    /// The true output length, when known (trace input for simulation, or a finished request).
    public var outputLength: Int?

    /// Creates a request description.
    /// - Complexity: O(1).
    public init(id: String, promptLength: Int, maxNewTokens: Int? = nil, outputLength: Int? = nil) {
        self.id = id
        self.promptLength = promptLength
        self.maxNewTokens = maxNewTokens
        self.outputLength = outputLength
    }
}
