import BlendCore
@testable import BlendCPU

/// Small byte-level vocabularies for tests: the 256 byte tokens, then merge results and special
/// tokens.
struct SyntheticVocabulary {
    var tokens: [String] = (0..<256).map { ByteLevelAlphabet.encode([UInt8($0)]) }
    var types: [TokenType] = Array(repeating: .normal, count: 256)
    var merges: [String] = []

    /// The byte-level text of plain text (`Ġ` for a space).
    static func byteLevel(_ text: String) -> String { ByteLevelAlphabet.encode(Array(text.utf8)) }

    /// The id of a token text, adding the token when it is new.
    @discardableResult
    mutating func add(_ text: String, type: TokenType = .normal) -> Int32 {
        if let index = tokens.firstIndex(of: text), types[index] == type { return Int32(index) }
        tokens.append(text)
        types.append(type)
        return Int32(tokens.count - 1)
    }

    /// Adds the rule joining two byte-level texts, and the joined token.
    mutating func addMerge(_ left: String, _ right: String) {
        merges.append("\(left) \(right)")
        add(left + right)
    }

    /// Random rules over the letters `alphabet`: each joins two tokens built so far (single letters
    /// at first) into one of at most `maxLength` letters; with `shuffled`, the ranks are then put in
    /// random order, so that a rule may rank below the rules that build its parts.
    static func random(alphabet: [String], rules: Int, maxLength: Int, shuffled: Bool,
                       using generator: inout SeededGenerator) -> SyntheticVocabulary {
        var vocabulary = SyntheticVocabulary()
        var built = alphabet
        var pairs = Set<String>()
        var attempts = 0
        while vocabulary.merges.count < rules, attempts < rules * 100 {
            attempts += 1
            let left = built.randomElement(using: &generator)!
            let right = built.randomElement(using: &generator)!
            guard left.count + right.count <= maxLength, pairs.insert("\(left) \(right)").inserted else { continue }
            vocabulary.addMerge(left, right)
            if !built.contains(left + right) { built.append(left + right) }
        }
        if shuffled { vocabulary.merges.shuffle(using: &generator) }
        return vocabulary
    }

    /// A tokenizer over this vocabulary.
    func tokenizer(_ preTokenizer: PreTokenizer = .gpt2, bosID: Int32? = nil, addsBOS: Bool = false) throws -> Tokenizer {
        try Tokenizer(tokens: tokens, types: types, merges: merges, preTokenizer: preTokenizer, bosID: bosID, addsBOS: addsBOS)
    }

    /// The vocabulary as GGUF metadata.
    func metadata(pre: String = "gpt2") -> [String: GGUFValue] {
        [
            TokenizerMetadataKey.model: .string("gpt2"),
            TokenizerMetadataKey.preTokenizer: .string(pre),
            TokenizerMetadataKey.tokens: .array(tokens.map { .string($0) }),
            TokenizerMetadataKey.tokenTypes: .array(types.map { .int32($0.rawValue) }),
            TokenizerMetadataKey.merges: .array(merges.map { .string($0) }),
        ]
    }
}
