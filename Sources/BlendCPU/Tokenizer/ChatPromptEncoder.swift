import BlendCore

/// Turns plain-text and chat prompts into token ids with a model's tokenizer and chat template, so
/// that workload readers accept OpenAI batch lines whose prompt is a string or a list of messages.
public struct ChatPromptEncoder: PromptTokenizer {
    /// The model's tokenizer.
    public let tokenizer: Tokenizer
    /// The model's chat template.
    public let template: ChatTemplate

    /// Combines a tokenizer and a chat template.
    /// - Complexity: O(1).
    public init(tokenizer: Tokenizer, template: ChatTemplate) {
        self.tokenizer = tokenizer
        self.template = template
    }

    /// The tokenizer and chat template of a GGUF file's metadata.
    /// - Throws: ``TokenizerError`` when either cannot be built.
    /// - Complexity: O(V + M) expected, for V tokens and M merges.
    public init(metadata: [String: GGUFValue]) throws {
        self.init(tokenizer: try Tokenizer(metadata: metadata), template: try ChatTemplate(metadata: metadata))
    }

    /// The tokens of a plain-text prompt, as a completions endpoint tokenizes it: the model's BOS
    /// when it adds one, and special-token text parsed as special tokens.
    /// - Complexity: O(n log w) for n bytes in pieces of at most w bytes.
    public func encode(text: String) -> [Int32] {
        tokenizer.encode(text, parsesSpecialTokens: true)
    }

    /// The tokens of a chat prompt: the rendered template with the generation prompt, tokenized
    /// with special tokens parsed. The model's BOS is added only when the rendered text does not
    /// already start with it (Llama 3 templates write `<|begin_of_text|>` themselves).
    /// - Complexity: O(n log w) for n bytes of rendered prompt.
    public func encode(chat messages: [ChatMessage]) -> [Int32] {
        var ids = tokenizer.encode(template.render(messages, addGenerationPrompt: true), parsesSpecialTokens: true)
        if tokenizer.addsBOS, let bos = tokenizer.bosID, ids.count >= 2, ids[0] == bos, ids[1] == bos {
            ids.removeFirst()
        }
        return ids
    }
}
