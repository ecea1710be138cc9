/// The kind of a vocabulary entry, as GGUF's `tokenizer.ggml.token_type` stores it.
public enum TokenType: Int32, Sendable, CaseIterable {
    /// An ordinary token that byte-level BPE produces; its text is in GPT-2's byte-to-unicode form.
    case normal = 1
    /// The unknown-token placeholder.
    case unknown = 2
    /// A control token (`<|im_start|>`, `<|eot_id|>`, ...): never produced by BPE, matched in text
    /// only when special tokens are parsed.
    case control = 3
    /// A token added by the model's authors; its text is stored as plain UTF-8 and is always
    /// matched in text before BPE.
    case userDefined = 4
    /// A reserved token that no text produces.
    case unused = 5
    /// A single byte written `<0xHH>`.
    case byte = 6

    /// Whether the token's text is stored literally (plain UTF-8) rather than in GPT-2's
    /// byte-to-unicode form.
    /// - Complexity: O(1).
    var isLiteral: Bool {
        switch self {
        case .normal, .byte: false
        case .unknown, .control, .userDefined, .unused: true
        }
    }
}
