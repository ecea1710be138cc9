/// A byte-level BPE tokenizer (GGUF `tokenizer.ggml.model` = `gpt2`), as used by SmolLM2, Llama 3,
/// GPT-2 and many other models.
///
/// Encoding cuts special tokens out of the text first (longest match at the leftmost position),
/// pre-tokenizes the rest into pieces (``PreTokenizer``), and merges the bytes of each piece by
/// rank. Decoding concatenates the tokens' bytes. The tokenizer is immutable and can be shared
/// between threads; each `encode` call uses its own working memory.
public struct Tokenizer: Sendable {
    /// How text is cut into pieces before merging.
    public let preTokenizer: PreTokenizer
    /// The beginning-of-sequence token, if the model has one.
    public let bosID: Int32?
    /// The end-of-sequence token, if the model has one.
    public let eosID: Int32?
    /// Whether ``encode(_:parsesSpecialTokens:)`` starts its result with ``bosID``.
    public let addsBOS: Bool
    /// The tokens that end a generation: ``eosID``, the end-of-turn and end-of-message tokens the
    /// model names, and every control token spelled `<|im_end|>`, `<|eot_id|>`, `<|eom_id|>`,
    /// `<|end_of_text|>`, `<|endoftext|>` or `<end_of_turn>`.
    public let endOfGenerationIDs: Set<Int32>

    private let texts: [String]
    private let types: [TokenType]
    private let bytesOfToken: [[UInt8]]
    /// The token of each single byte, or -1 when the vocabulary has none.
    private let byteTokens: [Int32]
    private let merges: MergeTable
    /// For pre-tokenizers that ignore merges: each token by the raw bytes it stands for.
    private let wholePieceTokens: [[UInt8]: Int32]
    /// Control, unknown and user-defined tokens.
    private let specialTokens: SpecialTokenMatcher
    /// User-defined tokens only.
    private let userDefinedTokens: SpecialTokenMatcher

    private static let endOfGenerationTexts: Set<String> = [
        "<|im_end|>", "<|eot_id|>", "<|eom_id|>", "<|end_of_text|>", "<|endoftext|>", "<end_of_turn>",
    ]

    /// The number of tokens in the vocabulary; ids run from 0 to `vocabularySize - 1`.
    /// - Complexity: O(1).
    public var vocabularySize: Int { texts.count }

    /// Builds a tokenizer from the vocabulary's arrays, as a GGUF file stores them.
    ///
    /// - Parameters:
    ///   - tokens: each token's text; byte-level form (`Ġ` for a space) for normal tokens, plain
    ///     UTF-8 for control, unknown, user-defined and unused ones.
    ///   - types: each token's type; all ``TokenType/normal`` when nil.
    ///   - merges: the merge rules in rank order, each two token texts separated by one space
    ///     (`"Ġ t"`). A rule whose two sides or whose joined text is not a token is ignored.
    ///   - preTokenizer: how text is cut before merging.
    ///   - bosID: the beginning-of-sequence token.
    ///   - eosID: the end-of-sequence token.
    ///   - addsBOS: whether encoding starts with `bosID` (which must then be given).
    ///   - extraEndOfGenerationIDs: more tokens that end a generation (end of turn, end of message).
    /// - Throws: ``TokenizerError/badValue(key:reason:)`` naming the GGUF key of a malformed array
    ///   or of an id out of range (`tokenizer.ggml.eot_token_id` for `extraEndOfGenerationIDs`), or
    ///   ``TokenizerError/missingKey(_:)`` when `addsBOS` has no `bosID`.
    /// - Complexity: O(V + M) expected, for V tokens and M merges.
    public init(tokens: [String], types: [TokenType]? = nil, merges: [String], preTokenizer: PreTokenizer,
                bosID: Int32? = nil, eosID: Int32? = nil, addsBOS: Bool = false,
                extraEndOfGenerationIDs: [Int32] = []) throws {
        let types = types ?? Array(repeating: .normal, count: tokens.count)
        guard types.count == tokens.count else {
            throw TokenizerError.badValue(key: TokenizerMetadataKey.tokenTypes,
                                          reason: "\(types.count) types for \(tokens.count) tokens")
        }
        for (key, id) in [(TokenizerMetadataKey.bosID, bosID), (TokenizerMetadataKey.eosID, eosID)] {
            if let id, !tokens.indices.contains(Int(id)) {
                throw TokenizerError.badValue(key: key, reason: "id \(id) is not below the vocabulary size \(tokens.count)")
            }
        }
        for id in extraEndOfGenerationIDs where !tokens.indices.contains(Int(id)) {
            throw TokenizerError.badValue(key: TokenizerMetadataKey.eotID,
                                          reason: "end-of-generation id \(id) is not below the vocabulary size \(tokens.count)")
        }
        if addsBOS && bosID == nil { throw TokenizerError.missingKey(TokenizerMetadataKey.bosID) }

        self.texts = tokens
        self.types = types
        self.preTokenizer = preTokenizer
        self.bosID = bosID
        self.eosID = eosID
        self.addsBOS = addsBOS

        var idOfText: [[UInt8]: Int32] = [:]
        idOfText.reserveCapacity(tokens.count)
        var bytesOfToken: [[UInt8]] = []
        bytesOfToken.reserveCapacity(tokens.count)
        var wholePieceTokens: [[UInt8]: Int32] = [:]
        var specials: [(text: [UInt8], id: Int32)] = []
        var userDefined: [(text: [UInt8], id: Int32)] = []
        var endOfGeneration = Set(extraEndOfGenerationIDs)
        if let eosID { endOfGeneration.insert(eosID) }
        for (index, (text, type)) in zip(tokens, types).enumerated() {
            let id = Int32(index)
            let utf8 = Array(text.utf8)
            if idOfText[utf8] == nil { idOfText[utf8] = id }
            bytesOfToken.append(Self.bytes(of: text, type: type))
            if preTokenizer.ignoresMerges, let raw = ByteLevelAlphabet.decodeExactly(text), wholePieceTokens[raw] == nil {
                wholePieceTokens[raw] = id
            }
            switch type {
            case .control, .unknown: specials.append((utf8, id))
            case .userDefined: specials.append((utf8, id)); userDefined.append((utf8, id))
            case .normal, .unused, .byte: break
            }
            if type == .control, Self.endOfGenerationTexts.contains(text) { endOfGeneration.insert(id) }
        }
        self.bytesOfToken = bytesOfToken
        self.wholePieceTokens = wholePieceTokens
        self.specialTokens = SpecialTokenMatcher(specials)
        self.userDefinedTokens = SpecialTokenMatcher(userDefined)
        self.endOfGenerationIDs = endOfGeneration
        self.byteTokens = (0...UInt8.max).map { byte in idOfText[Array(ByteLevelAlphabet.encode([byte]).utf8)] ?? -1 }
        self.merges = try MergeTable(Self.parseMerges(merges, idOfText: idOfText))
    }

    /// The raw bytes a token stands for: byte-level text decoded for normal tokens, `<0xHH>` for
    /// byte tokens, the UTF-8 text itself for the others.
    private static func bytes(of text: String, type: TokenType) -> [UInt8] {
        if type.isLiteral { return Array(text.utf8) }
        if type == .byte, text.utf8.count == 6, text.hasPrefix("<0x"), text.hasSuffix(">"),
           let value = UInt8(text.dropFirst(3).prefix(2), radix: 16) {
            return [value]
        }
        return ByteLevelAlphabet.decode(text)
    }

    private static func parseMerges(_ merges: [String], idOfText: [[UInt8]: Int32]) throws
        -> [(rank: Int, left: Int32, right: Int32, merged: Int32)] {
        var rules: [(rank: Int, left: Int32, right: Int32, merged: Int32)] = []
        rules.reserveCapacity(merges.count)
        for (index, merge) in merges.enumerated() {
            let utf8 = Array(merge.utf8)
            guard let space = utf8.dropFirst().firstIndex(of: 0x20) else {
                throw TokenizerError.badValue(key: TokenizerMetadataKey.merges,
                                              reason: "entry \(index) '\(merge)' is not two tokens separated by a space")
            }
            let left = Array(utf8[..<space])
            let right = Array(utf8[(space + 1)...])
            if let leftID = idOfText[left], let rightID = idOfText[right], let merged = idOfText[left + right] {
                rules.append((index, leftID, rightID, merged))
            }
        }
        return rules
    }

    /// The raw bytes of a token (what it contributes to decoded text), or none for an id outside the
    /// vocabulary. Meant for matching stop strings on bytes as tokens are generated.
    /// - Complexity: O(1); the bytes are computed when the tokenizer is built.
    public func tokenBytes(_ id: Int32) -> [UInt8] {
        bytesOfToken.indices.contains(Int(id)) ? bytesOfToken[Int(id)] : []
    }

    /// The token's text as the vocabulary stores it (byte-level form for normal tokens, such as
    /// `Ġthe`), or an empty string for an id outside the vocabulary. ``decode(_:)`` gives the text a
    /// token stands for.
    /// - Complexity: O(1).
    public func tokenText(_ id: Int32) -> String {
        texts.indices.contains(Int(id)) ? texts[Int(id)] : ""
    }

    /// The token's type, or nil for an id outside the vocabulary.
    /// - Complexity: O(1).
    public func tokenType(_ id: Int32) -> TokenType? {
        types.indices.contains(Int(id)) ? types[Int(id)] : nil
    }

    /// The text of a token sequence: the concatenation of ``tokenBytes(_:)`` read as UTF-8, with
    /// each invalid sequence (for example a character cut between tokens at the end) replaced by
    /// U+FFFD. Special tokens contribute their text; ids outside the vocabulary contribute nothing.
    /// - Complexity: O(total bytes).
    public func decode(_ ids: [Int32]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        for id in ids where bytesOfToken.indices.contains(Int(id)) {
            bytes.append(contentsOf: bytesOfToken[Int(id)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The tokens of `text`, starting with ``bosID`` when ``addsBOS``.
    ///
    /// With `parsesSpecialTokens`, the text of any control, unknown or user-defined token becomes
    /// that token (`<|im_start|>` in a ChatML prompt); without it only user-defined tokens do, as in
    /// llama.cpp and Hugging Face tokenizers, and control-token text is tokenized as plain text.
    /// Where several special tokens start at the same position the longest wins. Bytes that have no
    /// token in the vocabulary (some control characters) are left out, as llama.cpp does.
    /// - Complexity: O(n log w) for n bytes in pieces of at most w bytes.
    public func encode(_ text: String, parsesSpecialTokens: Bool = true) -> [Int32] {
        var output: [Int32] = []
        output.reserveCapacity(text.utf8.count / 3 + 2)
        if addsBOS, let bosID { output.append(bosID) }
        let matcher = parsesSpecialTokens ? specialTokens : userDefinedTokens
        var text = text
        text.withUTF8 { bytes in
            var buffers = EncodingBuffers()
            var plainStart = 0
            var index = 0
            if !matcher.isEmpty {
                while true {
                    index = matcher.nextCandidate(in: bytes, from: index)
                    guard index < bytes.count else { break }
                    guard let match = matcher.longestMatch(in: bytes, at: index) else {
                        index += 1
                        continue
                    }
                    encodePlain(UnsafeBufferPointer(rebasing: bytes[plainStart..<index]), &buffers, &output)
                    output.append(match.id)
                    index += match.length
                    plainStart = index
                }
            }
            encodePlain(UnsafeBufferPointer(rebasing: bytes[plainStart..<bytes.count]), &buffers, &output)
        }
        return output
    }

    /// Pre-tokenizes and merges text that holds no special token.
    private func encodePlain(_ bytes: UnsafeBufferPointer<UInt8>, _ buffers: inout EncodingBuffers,
                             _ output: inout [Int32]) {
        guard !bytes.isEmpty else { return }
        buffers.scalars.load(bytes)
        preTokenizer.pieceEnds(of: buffers.scalars, into: &buffers.ends, scratch: &buffers.scratch)
        byteTokens.withUnsafeBufferPointer { byteTokens in
            var start = 0
            for end in buffers.ends {
                let piece = UnsafeBufferPointer(rebasing: bytes[buffers.scalars.byteOffsets[start]..<buffers.scalars.byteOffsets[end]])
                start = end
                if preTokenizer.ignoresMerges, let id = wholePieceTokens[Array(piece)] {
                    output.append(id)
                } else {
                    buffers.bpe.encode(piece, byteTokens: byteTokens, merges: merges, into: &output)
                }
            }
        }
    }
}

/// The working memory of one `encode` call.
private struct EncodingBuffers {
    var scalars = ScalarText()
    var ends: [Int] = []
    var scratch: [Int] = []
    var bpe = BPEWorkspace()
}
