/// The character classes that the pre-tokenizer patterns test, as bit flags of one Unicode scalar.
///
/// `\p{L}`, `\p{N}` and `\p{P}` follow the scalar's general category and `\s` its `White_Space`
/// property, as llama.cpp's tables and the Unicode regex engines do. A scalar with no flag is what
/// the patterns call `[^\s\p{L}\p{N}]` (marks, symbols, controls, unassigned scalars).
enum ScalarClass {
    /// `\p{L}`: a letter of any case or script.
    static let letter: UInt8 = 1
    /// `\p{N}`: a decimal digit, letter number or other number.
    static let number: UInt8 = 2
    /// `\s`: a `White_Space` scalar (tab, newline, space, no-break space, ideographic space, ...).
    static let whitespace: UInt8 = 4
    /// `\p{P}`: punctuation.
    static let punctuation: UInt8 = 8

    /// The flags of one scalar value; ASCII is decided by comparisons, the rest by Unicode
    /// properties.
    /// - Complexity: O(1).
    @inline(__always)
    static func of(_ value: UInt32) -> UInt8 {
        if value < 0x80 { return ofASCII(value) }
        guard let scalar = Unicode.Scalar(value) else { return 0 }
        let properties = scalar.properties
        if properties.isWhitespace { return whitespace }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return letter
        case .decimalNumber, .letterNumber, .otherNumber:
            return number
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return punctuation
        default:
            return 0
        }
    }

    private static func ofASCII(_ value: UInt32) -> UInt8 {
        switch value {
        case 0x41...0x5A, 0x61...0x7A: letter
        case 0x30...0x39: number
        case 0x09...0x0D, 0x20: whitespace
        case 0x21...0x23, 0x25...0x2A, 0x2C...0x2F, 0x3A, 0x3B, 0x3F, 0x40, 0x5B...0x5D, 0x5F, 0x7B, 0x7D:
            punctuation
        default: 0
        }
    }
}
