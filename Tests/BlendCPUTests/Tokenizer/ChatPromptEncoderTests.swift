import XCTest
import BlendCore
@testable import BlendCPU

/// The prompt encoder renders chats with the template and tokenizes with special tokens parsed.
final class ChatPromptEncoderTests: XCTestCase {
    func testChatPromptsAreRenderedThenTokenizedWithSpecialTokens() throws {
        var vocabulary = SyntheticVocabulary()
        let start = vocabulary.add("<|im_start|>", type: .control)
        let end = vocabulary.add("<|im_end|>", type: .control)
        let encoder = ChatPromptEncoder(tokenizer: try vocabulary.tokenizer(),
                                        template: ChatTemplate(family: .chatML(defaultSystemMessage: nil)))
        let ids = encoder.encode(chat: [ChatMessage(role: "user", content: "a")])
        XCTAssertEqual(ids.filter { $0 == start }.count, 2)
        XCTAssertEqual(ids.filter { $0 == end }.count, 1)
        XCTAssertEqual(encoder.tokenizer.decode(ids), "<|im_start|>user\na<|im_end|>\n<|im_start|>assistant\n")
        XCTAssertEqual(encoder.encode(text: "<|im_end|>"), [end])
    }

    func testBOSIsNotDoubledWhenTheTemplateWritesIt() throws {
        var vocabulary = SyntheticVocabulary()
        let bos = vocabulary.add("<|begin_of_text|>", type: .control)
        vocabulary.add("<|start_header_id|>", type: .control)
        vocabulary.add("<|end_header_id|>", type: .control)
        vocabulary.add("<|eot_id|>", type: .control)
        let encoder = ChatPromptEncoder(tokenizer: try vocabulary.tokenizer(.llama3, bosID: bos, addsBOS: true),
                                        template: ChatTemplate(family: .llama3))
        let ids = encoder.encode(chat: [ChatMessage(role: "user", content: "a")])
        XCTAssertEqual(ids.first, bos)
        XCTAssertEqual(ids.filter { $0 == bos }.count, 1)
        XCTAssertEqual(encoder.encode(text: "a"), [bos, Int32(UInt8(ascii: "a"))])
    }

    func testConformsToPromptTokenizer() throws {
        let encoder: any PromptTokenizer = ChatPromptEncoder(tokenizer: try SyntheticVocabulary().tokenizer(),
                                                             template: ChatTemplate(family: .chatML(defaultSystemMessage: nil)))
        XCTAssertEqual(try encoder.encode(text: "ab"), [97, 98])
    }
}
