extension Tokenizer {
    /// The `tokenizer.ggml.model` values this package implements.
    public static let supportedModels = ["gpt2"]

    /// Builds the tokenizer that a GGUF file's metadata describes.
    ///
    /// Reads `tokenizer.ggml.model` (must be `gpt2`), `tokenizer.ggml.pre` (``PreTokenizer``;
    /// `default` when absent, as llama.cpp does), `tokenizer.ggml.tokens`, `tokenizer.ggml.merges`,
    /// and the optional `tokenizer.ggml.token_type` (all normal when absent),
    /// `tokenizer.ggml.bos_token_id`, `tokenizer.ggml.eos_token_id`, `tokenizer.ggml.eot_token_id`,
    /// `tokenizer.ggml.eom_token_id` and `tokenizer.ggml.add_bos_token` (when absent, the
    /// pre-tokenizer's ``PreTokenizer/addsBOSByDefault``).
    /// - Throws: ``TokenizerError`` naming the missing or malformed key, or the unsupported model or
    ///   pre-tokenizer together with the supported names.
    /// - Complexity: O(V + M) expected, for V tokens and M merges.
    public init(metadata: [String: GGUFValue]) throws {
        let model = try Self.string(metadata, TokenizerMetadataKey.model)
        guard Self.supportedModels.contains(model) else {
            throw TokenizerError.unsupportedModel(model, supported: Self.supportedModels)
        }
        let preName = metadata[TokenizerMetadataKey.preTokenizer] == nil
            ? "default" : try Self.string(metadata, TokenizerMetadataKey.preTokenizer)
        guard let preTokenizer = PreTokenizer(ggmlName: preName) else {
            throw TokenizerError.unsupportedPreTokenizer(preName, supported: PreTokenizer.supportedNames)
        }
        let tokens = try Self.strings(metadata, TokenizerMetadataKey.tokens)
        let merges = try Self.strings(metadata, TokenizerMetadataKey.merges)
        var types: [TokenType]?
        if let value = metadata[TokenizerMetadataKey.tokenTypes] {
            guard let codes = value.intArray else {
                throw TokenizerError.badValue(key: TokenizerMetadataKey.tokenTypes, reason: "expected an array of integers")
            }
            types = try codes.enumerated().map { index, code in
                guard let type = Int32(exactly: code).flatMap(TokenType.init(rawValue:)) else {
                    throw TokenizerError.badValue(key: TokenizerMetadataKey.tokenTypes,
                                                  reason: "entry \(index) is \(code), not a type from 1 to 6")
                }
                return type
            }
        }
        let bosID = try Self.tokenID(metadata, TokenizerMetadataKey.bosID, below: tokens.count)
        var addsBOS = preTokenizer.addsBOSByDefault
        if let value = metadata[TokenizerMetadataKey.addBOS] {
            guard let flag = value.boolValue else {
                throw TokenizerError.badValue(key: TokenizerMetadataKey.addBOS, reason: "expected a Boolean")
            }
            addsBOS = flag
        }
        let extra = try [TokenizerMetadataKey.eotID, TokenizerMetadataKey.eomID].compactMap {
            try Self.tokenID(metadata, $0, below: tokens.count)
        }
        try self.init(tokens: tokens, types: types, merges: merges, preTokenizer: preTokenizer,
                      bosID: bosID, eosID: try Self.tokenID(metadata, TokenizerMetadataKey.eosID, below: tokens.count),
                      addsBOS: addsBOS, extraEndOfGenerationIDs: extra)
    }

    private static func string(_ metadata: [String: GGUFValue], _ key: String) throws -> String {
        guard let value = metadata[key] else { throw TokenizerError.missingKey(key) }
        guard let text = value.stringValue else { throw TokenizerError.badValue(key: key, reason: "expected a string") }
        return text
    }

    private static func strings(_ metadata: [String: GGUFValue], _ key: String) throws -> [String] {
        guard let value = metadata[key] else { throw TokenizerError.missingKey(key) }
        guard let texts = value.stringArray else {
            throw TokenizerError.badValue(key: key, reason: "expected an array of strings")
        }
        return texts
    }

    /// An optional token id; a negative id means "none" (how some converters write an absent token).
    private static func tokenID(_ metadata: [String: GGUFValue], _ key: String, below vocabularySize: Int) throws -> Int32? {
        guard let value = metadata[key] else { return nil }
        guard let id = value.intValue, let narrow = Int32(exactly: id) else {
            throw TokenizerError.badValue(key: key, reason: "expected a 32-bit integer")
        }
        guard narrow < vocabularySize else {
            throw TokenizerError.badValue(key: key, reason: "id \(id) is not below the vocabulary size \(vocabularySize)")
        }
        return narrow < 0 ? nil : narrow
    }
}
