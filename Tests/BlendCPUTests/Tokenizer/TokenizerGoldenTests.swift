import XCTest
import BlendCore
@testable import BlendCPU

/// Token ids of the default model (SmolLM2-135M-Instruct) that llama.cpp produces; skipped without
/// the model.
final class TokenizerGoldenTests: XCTestCase {
    private static let prompt = "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n"
    private static let promptIDs: [Int32] = [1, 4093, 198, 1780, 314, 260, 3575, 282, 4649, 47, 2, 198, 1, 520, 9531, 198]

    func testChatPromptEncodesToTheReferenceIDs() throws {
        let tokenizer = try SmolLM2Vocabulary.tokenizer()
        XCTAssertEqual(tokenizer.encode(Self.prompt), Self.promptIDs)
        XCTAssertEqual(tokenizer.decode(Self.promptIDs), Self.prompt)
    }

    func testGreedyAnswerDecodesToItsText() throws {
        let tokenizer = try SmolLM2Vocabulary.tokenizer()
        XCTAssertEqual(tokenizer.decode([504, 3575, 282, 4649, 314, 7042, 30, 2]), "The capital of France is Paris.<|im_end|>")
    }

    func testVocabularyFacts() throws {
        let tokenizer = try SmolLM2Vocabulary.tokenizer()
        XCTAssertEqual(tokenizer.vocabularySize, 49152)
        XCTAssertEqual(tokenizer.preTokenizer, .smollm)
        XCTAssertEqual(tokenizer.bosID, 1)
        XCTAssertEqual(tokenizer.eosID, 2)
        XCTAssertFalse(tokenizer.addsBOS)
        XCTAssertEqual(tokenizer.endOfGenerationIDs, [0, 2])
        XCTAssertEqual(tokenizer.tokenText(2), "<|im_end|>")
        XCTAssertEqual(tokenizer.tokenType(2), .control)
        XCTAssertEqual(tokenizer.tokenBytes(2), Array("<|im_end|>".utf8))
        XCTAssertEqual(tokenizer.tokenText(216), "Ġ")
        XCTAssertEqual(tokenizer.tokenBytes(216), [0x20])
        XCTAssertEqual(tokenizer.tokenBytes(-1), [])
        XCTAssertEqual(tokenizer.tokenBytes(49152), [])
    }

    func testTemplateAddsTheDefaultSystemMessageBeforeAUserMessage() throws {
        let metadata = try SmolLM2Vocabulary.metadata()
        let template = try ChatTemplate(metadata: metadata)
        let system = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"
        XCTAssertEqual(template.family, .chatML(defaultSystemMessage: system))
        let user = ChatMessage(role: "user", content: "What is the capital of France?")
        XCTAssertEqual(template.render([user]), "<|im_start|>system\n\(system)<|im_end|>\n" + Self.prompt)
        XCTAssertEqual(template.render([ChatMessage(role: "system", content: "Be brief."), user], addGenerationPrompt: false),
                       "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWhat is the capital of France?<|im_end|>\n")

        let encoder = try ChatPromptEncoder(metadata: metadata)
        let ids = encoder.encode(chat: [user])
        XCTAssertEqual(Array(ids.suffix(Self.promptIDs.count)), Self.promptIDs)
        XCTAssertEqual(encoder.tokenizer.decode(ids), template.render([user]))
    }

    /// Ids from llama.cpp 0c1e57098 (vendored in llama-cpp-python 0.3.36):
    /// `llama-tokenize -m SmolLM2-135M-Instruct.Q4_1.gguf -f case.txt --ids --no-escape --log-disable`,
    /// plus `--no-parse-special` where special tokens are not parsed; case.txt holds the text's bytes.
    private static let llamaCppCases: [(name: String, text: String, parsesSpecial: Bool, ids: [Int32])] = [
        ("digits", "12345 and 3.14159 or 1,000,000", true,
         [33, 34, 35, 36, 37, 284, 216, 35, 30, 33, 36, 33, 37, 41, 355, 216, 33, 28, 32, 32, 32, 28, 32, 32, 32]),
        ("contractions", "I'll don't they're WE'VE it's you'd", true,
         [57, 3060, 1326, 982, 502, 2316, 26587, 23, 18525, 357, 506, 346, 6737]),
        ("spaces and newlines", "a  b   c    \n\n  \n x  ", true, [81, 216, 278, 256, 265, 289, 1116, 32057, 1792, 256]),
        ("tabs", "\tindented\t\ttabs\t end", true, [197, 526, 6574, 197, 197, 100, 7366, 197, 1112]),
        ("emoji", "emoji \u{1F600}\u{1F389} \u{1F44D}\u{1F3FD} family \u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}!", true,
         [391, 33777, 40303, 218, 10813, 232, 227, 15107, 235, 231, 10813, 233, 138, 1564, 15107, 235, 118, 321, 231,
          10813, 235, 119, 321, 231, 10813, 235, 117, 17]),
        ("accented", "Caf\u{E9} na\u{EF}ve r\u{E9}sum\u{E9} \u{3A9}\u{3BC}\u{3AD}\u{3B3}\u{3B1} Stra\u{DF}e", true,
         [51, 1939, 2756, 15486, 46494, 412, 2756, 5422, 2756, 5664, 119, 16674, 34075, 23098, 8998, 19144, 34878, 85]),
        ("combining marks", "e\u{301} a\u{308} n\u{303}o", true, [85, 151, 219, 253, 151, 226, 304, 151, 221, 95]),
        ("CJK", "中文分词测试，日本語のテキスト。한국어", true,
         [28589, 29184, 37349, 16313, 231, 43222, 229, 16313, 239, 12831, 23274, 115, 40993, 179, 120, 248, 26453, 11100,
          224, 10391, 251, 10391, 134, 11100, 226, 19076, 33085, 246, 181, 130, 251, 183, 240, 129]),
        ("code", #"func f(x: Int) -> [String: Any] { return ["a": x * 2] } // ok?"#, true,
         [10005, 275, 24, 104, 42, 2507, 25, 4722, 933, 10492, 42, 6049, 77, 1662, 1003, 9523, 81, 1799, 1792, 1672,
          216, 34, 77, 4029, 13241, 10907, 47]),
        ("line endings", "line1\r\nline2\rline3\n", true, [1311, 33, 201, 198, 1311, 34, 201, 1311, 35, 198]),
        ("special tokens parsed", "<|im_start|>user<|im_end|> <reponame><repo_name>x", true, [1, 4093, 2, 216, 4, 3, 104]),
        ("special tokens as text", "<|im_start|>user<|im_end|> <reponame>", false,
         [44, 108, 306, 79, 3738, 108, 46, 4093, 44, 108, 306, 79, 486, 108, 46, 2067, 10368, 46]),
    ]

    func testTrickyTextsEncodeAsLlamaCppDoes() throws {
        let tokenizer = try SmolLM2Vocabulary.tokenizer()
        for example in Self.llamaCppCases {
            let ids = tokenizer.encode(example.text, parsesSpecialTokens: example.parsesSpecial)
            XCTAssertEqual(ids, example.ids, example.name)
            XCTAssertEqual(tokenizer.decode(ids), example.text, example.name)
        }
    }

    /// Ids from the same llama-tokenize command on a copy of the model's header whose
    /// `tokenizer.ggml.pre` was rewritten to the pre-tokenizer named (SmolLM2's vocabulary with
    /// another pre-tokenizer).
    private static let otherPreTokenizerCases: [(pre: String, text: String, ids: [Int32])] = [
        ("llama-bpe", "I'LL see 1234567 cats\n\n  \tand 'Re-do' it's ok.\r\n",
         [57, 23, 16421, 963, 216, 33, 34, 35, 36, 37, 38, 39, 7680, 1116, 256, 197, 397, 637, 3733, 29, 4326, 23, 357,
          506, 10907, 30, 2738]),
        ("llama-bpe", "x = [1, 22, 333];\n\tif (x) {}\n",
         [104, 446, 933, 33, 28, 216, 34, 34, 28, 216, 35, 35, 35, 26695, 198, 197, 342, 365, 104, 25, 4548, 198]),
        ("default", "price: $1,234.56 + 7890 <= 12345!!",
         [17517, 42, 216, 20, 33, 28, 34, 35, 36, 30, 37, 38, 216, 27, 216, 39, 40, 41, 32, 216, 44, 45, 216, 33, 34, 35,
          36, 37, 10095]),
        ("default", "don't   stop\n\n(maybe) 'tis \u{BD}", [12420, 23, 100, 256, 2853, 1116, 24, 27066, 25, 216, 23, 34818, 216, 16738]),
        ("gpt-2", "don't   stop 12345\n\n x", [12420, 982, 256, 2853, 216, 33, 34, 35, 36, 37, 1116, 1792]),
    ]

    func testOtherPreTokenizersEncodeAsLlamaCppDoes() throws {
        for pre in ["llama-bpe", "default", "gpt-2"] {
            let tokenizer = try SmolLM2Vocabulary.tokenizer(pre: pre)
            for example in Self.otherPreTokenizerCases where example.pre == pre {
                XCTAssertEqual(tokenizer.encode(example.text), example.ids, "\(pre): \(example.text.debugDescription)")
            }
        }
    }
}
