import BlendCore

/// Random strings for the tokenizer properties: concatenations of fragments drawn from a pool that
/// mixes everything the pre-tokenizer patterns distinguish.
enum RandomText {
    /// Fragments by kind; each kind is drawn with the weight next to it.
    static let weightedPools: [(weight: Int, fragments: [String])] = [
        (6, (0x61...0x7A).map { String(UnicodeScalar($0)!) } + ["A", "Q", "Z", "K", "S", "LL", "RE"]),
        (3, (0x30...0x39).map { String(UnicodeScalar($0)!) }),
        (6, [" ", " ", " ", "  "]),
        (2, ["\n", "\r", "\r\n", "\t", "\u{0B}", "\u{0C}"]),
        (3, [".", ",", ";", ":", "!", "?", "-", "_", "(", ")", "[", "]", "{", "}", "<", ">", "/", "\\", "|", "@", "#",
             "$", "%", "^", "&", "*", "+", "=", "~", "`", "\"", "<|", "|>"]),
        (3, ["'", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'LL", "'Re", "'x"]),
        (2, ["é", "ß", "ñ", "Ω", "ж", "ſ", "İ", "\u{212A}", "ǅ", "ʰ"]),
        (1, ["\u{301}", "\u{308}", "e\u{301}", "\u{20DD}"]),
        (2, ["中", "文", "日本", "語", "한", "국", "の", "。", "，"]),
        (1, ["\u{1F600}", "\u{1F389}", "\u{1F44D}\u{1F3FD}", "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}", "\u{2764}\u{FE0F}"]),
        (1, ["\u{A0}", "\u{2003}", "\u{3000}", "\u{2028}", "\u{85}", "\u{200B}"]),
        (1, ["\u{BD}", "\u{B2}", "\u{216B}", "\u{663}", "\u{96B}"]),
        (1, ["\u{E000}", "\u{378}", "\u{7F}", "\u{1}"]),
    ]

    private static let totalWeight = weightedPools.reduce(0) { $0 + $1.weight }

    /// A string of up to `maxFragments` fragments.
    static func string(maxFragments: Int, using generator: inout SeededGenerator) -> String {
        let count = Int.random(in: 0...maxFragments, using: &generator)
        var text = ""
        for _ in 0..<count {
            var pick = Int.random(in: 0..<totalWeight, using: &generator)
            for pool in weightedPools {
                if pick < pool.weight {
                    text += pool.fragments.randomElement(using: &generator)!
                    break
                }
                pick -= pool.weight
            }
        }
        return text
    }
}
