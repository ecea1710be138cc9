import XCTest
import BlendCore
@testable import BlendCPU

/// The hand-written scanners cut random text exactly where `NSRegularExpression` running
/// llama.cpp's patterns cuts it.
final class PreTokenizerReferenceTests: XCTestCase {
    private func checkAgainstRegex(_ preTokenizer: PreTokenizer, seed: UInt64, count: Int) throws {
        let reference = try RegexPreTokenizer(preTokenizer)
        var generator = SeededGenerator(seed: seed)
        for index in 0..<count {
            let text = RandomText.string(maxFragments: 40, using: &generator)
            let pieces = preTokenizer.split(text).map { Array($0.unicodeScalars) }
            let expected = reference.split(text)
            guard pieces == expected else {
                XCTFail("""
                    \(preTokenizer), seed \(seed), string \(index): \(text.debugDescription)
                    scanner: \(Self.describe(pieces))
                    regex:   \(Self.describe(expected))
                    """)
                return
            }
        }
    }

    private static func describe(_ pieces: [[Unicode.Scalar]]) -> String {
        pieces.map { String(String.UnicodeScalarView($0)).debugDescription }.joined(separator: " ")
    }

    func testSmolLMMatchesItsRegexes() throws {
        try checkAgainstRegex(.smollm, seed: 1, count: 3000)
    }

    func testGPT2MatchesItsRegex() throws {
        try checkAgainstRegex(.gpt2, seed: 2, count: 3000)
    }

    func testLlama3MatchesItsRegex() throws {
        try checkAgainstRegex(.llama3, seed: 3, count: 3000)
    }

    func testLlamaCppDefaultMatchesItsRegexes() throws {
        try checkAgainstRegex(.llamaCppDefault, seed: 4, count: 3000)
    }

    func testPiecesConcatenateToTheText() {
        var generator = SeededGenerator(seed: 5)
        for preTokenizer in PreTokenizer.allCases {
            for _ in 0..<500 {
                let text = RandomText.string(maxFragments: 40, using: &generator)
                let pieces = preTokenizer.split(text)
                XCTAssertEqual(Array(pieces.joined().unicodeScalars), Array(text.unicodeScalars))
                XCTAssertFalse(pieces.contains(""))
            }
        }
    }

    func testKnownSplits() {
        XCTAssertEqual(PreTokenizer.smollm.split("I'll pay 123 now"), ["I", "'ll", " pay", " ", "1", "2", "3", " now"])
        XCTAssertEqual(PreTokenizer.gpt2.split("a   b\n"), ["a", "  ", " b", "\n"])
        XCTAssertEqual(PreTokenizer.llama3.split("I'LL 12345\n\n x"), ["I", "'LL", " ", "123", "45", "\n\n", " x"])
        XCTAssertEqual(PreTokenizer.llamaCppDefault.split("$1234.5"), ["$", "123", "4", ".", "5"])
        XCTAssertEqual(PreTokenizer.smollm.split(""), [])
    }
}
