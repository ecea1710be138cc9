import XCTest
import BlendCore
@testable import BlendCPU

/// Decoding gives back the encoded text, and special tokens are cut out before BPE.
final class TokenizerRoundTripTests: XCTestCase {
    func testDecodeOfEncodeIsTheTextWithTheRealVocabulary() throws {
        let tokenizer = try SmolLM2Vocabulary.tokenizer()
        let seed: UInt64 = 21
        var generator = SeededGenerator(seed: seed)
        for index in 0..<2000 {
            let text = RandomText.string(maxFragments: 60, using: &generator)
            for parses in [false, true] {
                let decoded = tokenizer.decode(tokenizer.encode(text, parsesSpecialTokens: parses))
                guard Array(decoded.unicodeScalars) == Array(text.unicodeScalars) else {
                    XCTFail("seed \(seed), string \(index), parsing special tokens \(parses): \(text.debugDescription) decodes to \(decoded.debugDescription)")
                    return
                }
            }
        }
    }

    func testSpecialTokenTextIsPlainTextUnlessParsed() throws {
        let tokenizer = try SmolLM2Vocabulary.tokenizer()
        let text = "<|im_start|>user"
        XCTAssertEqual(tokenizer.encode(text).first, 1)
        XCTAssertFalse(tokenizer.encode(text, parsesSpecialTokens: false).contains { tokenizer.tokenType($0) == .control })
    }

    func testBytesWithoutATokenAreLeftOut() throws {
        let tokenizer = try SmolLM2Vocabulary.tokenizer()
        XCTAssertEqual(tokenizer.encode("a\u{4}b"), tokenizer.encode("a") + tokenizer.encode("b"))
        XCTAssertEqual(tokenizer.decode(tokenizer.encode("a\u{4}b")), "ab")
        XCTAssertEqual(tokenizer.encode("\u{4}\u{4}\u{6}"), [])
    }

    func testTheLongestSpecialTokenWins() throws {
        var vocabulary = SyntheticVocabulary()
        let short = vocabulary.add("<s>", type: .control)
        let long = vocabulary.add("<s>x", type: .control)
        let longer = vocabulary.add("<s>xy", type: .control)
        let user = vocabulary.add("@@", type: .userDefined)
        let tokenizer = try vocabulary.tokenizer()
        let x = Int32(UInt8(ascii: "x"))
        let y = Int32(UInt8(ascii: "y"))
        XCTAssertEqual(tokenizer.encode("<s>xy<s>x<s>y<s>"), [longer, long, short, y, short])
        XCTAssertEqual(tokenizer.encode("<s<s>xx"), [Int32(UInt8(ascii: "<")), Int32(UInt8(ascii: "s")), long, x])
        XCTAssertEqual(tokenizer.encode("@@<s>", parsesSpecialTokens: false),
                       [user, Int32(UInt8(ascii: "<")), Int32(UInt8(ascii: "s")), Int32(UInt8(ascii: ">"))])
        XCTAssertEqual(tokenizer.decode([longer, user, short]), "<s>xy@@<s>")
    }

    func testAddsBOSWhenTheModelSaysSo() throws {
        var vocabulary = SyntheticVocabulary()
        let bos = vocabulary.add("<bos>", type: .control)
        let tokenizer = try vocabulary.tokenizer(bosID: bos, addsBOS: true)
        XCTAssertEqual(tokenizer.encode("a"), [bos, Int32(UInt8(ascii: "a"))])
        XCTAssertEqual(tokenizer.encode(""), [bos])
    }

    func testDecodeReplacesACharacterCutBetweenTokens() throws {
        let tokenizer = try SyntheticVocabulary().tokenizer()
        let ids = tokenizer.encode("é")
        XCTAssertEqual(ids.count, 2)
        XCTAssertEqual(tokenizer.decode(ids), "é")
        XCTAssertEqual(tokenizer.decode([ids[0]]), "\u{FFFD}")
        XCTAssertEqual(tokenizer.tokenBytes(ids[0]) + tokenizer.tokenBytes(ids[1]), Array("é".utf8))
    }
}
