/// Why a ``Tokenizer`` or a ``ChatTemplate`` could not be built from a model's metadata.
public enum TokenizerError: Error, Equatable, CustomStringConvertible {
    /// A required metadata key is absent.
    case missingKey(String)
    /// A metadata key holds a value of the wrong type or out of range; `reason` says what was expected.
    case badValue(key: String, reason: String)
    /// `tokenizer.ggml.model` names a tokenizer this package does not implement.
    case unsupportedModel(String, supported: [String])
    /// `tokenizer.ggml.pre` names a pre-tokenizer this package does not implement.
    case unsupportedPreTokenizer(String, supported: [String])
    /// `tokenizer.chat_template` is not one of the recognised families.
    case unsupportedChatTemplate(supported: [String])

    /// A one-line explanation naming the key or the supported choices.
    /// - Complexity: O(k) in the length of the message.
    public var description: String {
        switch self {
        case .missingKey(let key):
            "the model's metadata has no \(key)"
        case .badValue(let key, let reason):
            "the model's \(key) is invalid: \(reason)"
        case .unsupportedModel(let name, let supported):
            "tokenizer.ggml.model '\(name)' is not supported (supported: \(supported.joined(separator: ", ")))"
        case .unsupportedPreTokenizer(let name, let supported):
            "tokenizer.ggml.pre '\(name)' is not supported (supported: \(supported.joined(separator: ", ")))"
        case .unsupportedChatTemplate(let supported):
            "tokenizer.chat_template is not a recognised family (supported: \(supported.joined(separator: ", ")))"
        }
    }
}
