import XCTest
import BlendCore
@testable import BlendCPU

/// Chat templates are recognised by their markers and render as their Jinja source does (the
/// expected strings were checked against Jinja2 with the templates the models ship).
final class ChatTemplateTests: XCTestCase {
    private let user = ChatMessage(role: "user", content: "Hi")
    private let system = ChatMessage(role: "system", content: "  Be brief.\n")

    private func metadata(_ template: GGUFValue?) -> [String: GGUFValue] {
        var metadata = SyntheticVocabulary().metadata()
        metadata[TokenizerMetadataKey.chatTemplate] = template
        return metadata
    }

    func testChatMLWithADefaultSystemMessageInAnEscapedLiteral() throws {
        let template = try ChatTemplate(jinja: #"{% if messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are \'Bot\'.<|im_end|>\n' }}{% endif %}{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\n' + m['content'] + '<|im_end|>\n' }}{% endfor %}"#)
        XCTAssertEqual(template.family, .chatML(defaultSystemMessage: "You are 'Bot'."))
        XCTAssertEqual(template.render([user]),
                       "<|im_start|>system\nYou are 'Bot'.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
        XCTAssertEqual(template.render([system, user], addGenerationPrompt: false),
                       "<|im_start|>system\n  Be brief.\n<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n")
        XCTAssertEqual(template.render([]), "<|im_start|>assistant\n")
    }

    func testChatMLWithoutADefaultSystemMessage() throws {
        let template = try ChatTemplate(jinja: "{% for m in messages %}{{'<|im_start|>' + m['role'] + '\n' + m['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}")
        XCTAssertEqual(template.family, .chatML(defaultSystemMessage: nil))
        XCTAssertEqual(template.render([user]), "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
    }

    func testSystemLiteralThatEndsBeforeTheEndMarkerIsNotADefault() {
        let template = "{{ '<|im_start|>system\n' + messages[0]['content'] + '<|im_end|>\n' }}"
        XCTAssertNil(ChatTemplate.defaultChatMLSystemMessage(in: template))
    }

    func testLlama3TrimsContentsAndOpensWithBeginOfText() throws {
        let template = try ChatTemplate(jinja: "{% for message in messages %}{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' + message['content'] | trim + '<|eot_id|>' }}{% endfor %}")
        XCTAssertEqual(template.family, .llama3)
        XCTAssertEqual(template.render([system, ChatMessage(role: "user", content: "\tHi there  ")]),
                       "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
                       + "<|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|>"
                       + "<|start_header_id|>assistant<|end_header_id|>\n\n")
        XCTAssertEqual(template.render([], addGenerationPrompt: false), "")
    }

    func testLlama31AlwaysOpensWithTheDatedSystemMessage() throws {
        let template = try ChatTemplate(jinja: #"{{- bos_token }}{%- if not date_string is defined %}{%- if strftime_now is defined %}{%- set date_string = strftime_now("%d %b %Y") %}{%- else %}{%- set date_string = "26 Jul 2024" %}{%- endif %}{%- endif %}{{- "<|start_header_id|>system<|end_header_id|>\n\n" }}{{- "Cutting Knowledge Date: December 2023\n" }}"#)
        XCTAssertEqual(template.family, .llama31(todayDate: "26 Jul 2024"))
        XCTAssertEqual(try ChatTemplate(jinja: #"<|start_header_id|>Cutting Knowledge Date{% set date_string = '1 Jan 2025' %}"#).family,
                       .llama31(todayDate: "1 Jan 2025"))
        let header = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n"
        XCTAssertEqual(template.render([user]),
                       header + "<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")
        XCTAssertEqual(template.render([system, user], addGenerationPrompt: false),
                       header + "Be brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>")
    }

    func testTrimRemovesPythonWhitespace() {
        XCTAssertEqual(ChatTemplate.trimmed("\u{1C}\u{A0} a b\u{3000}\n"), "a b")
        XCTAssertEqual(ChatTemplate.trimmed(" \t "), "")
    }

    func testMetadataWithoutATemplateFallsBackToChatML() throws {
        XCTAssertEqual(try ChatTemplate(metadata: metadata(nil)).family, .chatML(defaultSystemMessage: nil))
    }

    func testUnrecognisedOrMalformedTemplatesAreErrors() {
        XCTAssertThrowsError(try ChatTemplate(metadata: metadata(.string("{{ '[INST] ' + messages[0]['content'] }}")))) { error in
            XCTAssertEqual(error as? TokenizerError, .unsupportedChatTemplate(supported: ChatTemplate.supportedFamilies))
            XCTAssertTrue("\(error)".contains("ChatML") && "\(error)".contains("Llama 3"))
        }
        XCTAssertThrowsError(try ChatTemplate(metadata: metadata(.uint8(1)))) { error in
            XCTAssertEqual(error as? TokenizerError,
                           .badValue(key: TokenizerMetadataKey.chatTemplate, reason: "expected a string"))
        }
    }
}
