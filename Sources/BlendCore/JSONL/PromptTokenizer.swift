/// One message of a chat prompt (`{"role": "user", "content": "..."}` in an OpenAI request body).
public struct ChatMessage: Sendable, Hashable {
    /// The speaker: "system", "user", "assistant", ...
    public var role: String
    /// The message text (content parts of type "text" joined together).
    public var content: String

    /// Creates a message.
    /// - Complexity: O(1).
    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// Turns text and chat prompts into token ids, so that ``WorkloadReader`` can accept OpenAI batch
/// lines whose prompt is a string or a list of messages. A model's tokenizer (with its chat template)
/// conforms to this; without one, such lines are reported as errors.
public protocol PromptTokenizer: Sendable {
    /// The token ids of a plain text prompt.
    func encode(text: String) throws -> [Int32]
    /// The token ids of a chat prompt after applying the model's chat template.
    func encode(chat messages: [ChatMessage]) throws -> [Int32]
}
