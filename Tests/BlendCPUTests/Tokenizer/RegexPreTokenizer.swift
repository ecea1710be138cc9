import Foundation
import BlendCPU

/// The slow, obviously correct pre-tokenizer: llama.cpp's pattern lists run by
/// `NSRegularExpression`, each pattern cutting every piece the previous one left into its matches
/// and the text between them.
struct RegexPreTokenizer {
    static let gpt2 = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)"#
    static let llama3 = #"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    /// The pattern lists, as in llama.cpp's `llm_tokenizer_bpe`.
    static func patterns(of preTokenizer: PreTokenizer) -> [String] {
        switch preTokenizer {
        case .gpt2: [gpt2]
        case .smollm: [#"\p{N}"#, gpt2]
        case .llama3: [llama3]
        case .llamaCppDefault: [#"[\p{P}\$\+<=>\^~\|]+"#, gpt2, #"\p{N}+"#, "[0-9][0-9][0-9]"]
        }
    }

    private let expressions: [NSRegularExpression]

    init(_ preTokenizer: PreTokenizer) throws {
        expressions = try Self.patterns(of: preTokenizer).map { try NSRegularExpression(pattern: $0) }
    }

    /// The pieces of `text`, each as its scalars.
    func split(_ text: String) -> [[Unicode.Scalar]] {
        var pieces = [text]
        for expression in expressions {
            pieces = pieces.flatMap { Self.cut($0, by: expression) }
        }
        return pieces.map { Array($0.unicodeScalars) }
    }

    private static func cut(_ text: String, by expression: NSRegularExpression) -> [String] {
        let utf16 = Array(text.utf16)
        var pieces: [String] = []
        var start = 0
        func append(_ range: Range<Int>) {
            if !range.isEmpty { pieces.append(String(decoding: utf16[range], as: UTF16.self)) }
        }
        for match in expression.matches(in: text, range: NSRange(location: 0, length: utf16.count)) {
            append(start..<match.range.location)
            append(match.range.location..<match.range.location + match.range.length)
            start = match.range.location + match.range.length
        }
        append(start..<utf16.count)
        return pieces
    }
}
