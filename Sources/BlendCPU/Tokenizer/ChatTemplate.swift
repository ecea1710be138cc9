import BlendCore

/// A model's chat template: how a list of messages becomes the prompt text the model was trained
/// on, recognised from the Jinja source in `tokenizer.chat_template` by its markers and rendered by
/// Swift code written for each family (there is no Jinja interpreter).
///
/// Only the plain-conversation path of a template is reproduced: system, user and assistant
/// messages with text content. Tool calls, tool results (which Llama 3.1 renders as JSON under an
/// `ipython` header), tool lists and reasoning switches are not; a message with another role is
/// rendered like a user message under its own role name.
public struct ChatTemplate: Sendable, Equatable {
    /// The families this package renders.
    public enum Family: Sendable, Equatable {
        /// ChatML, recognised by `<|im_start|>`: `<|im_start|>{role}\n{content}<|im_end|>\n` per
        /// message and `<|im_start|>assistant\n` as the generation prompt. When the template writes
        /// a default system message (SmolLM2: "You are a helpful AI assistant named SmolLM, trained
        /// by Hugging Face"), it comes first whenever the first message is not a system message.
        case chatML(defaultSystemMessage: String?)
        /// Llama 3, recognised by `<|start_header_id|>`: `<|begin_of_text|>`, then
        /// `<|start_header_id|>{role}<|end_header_id|>\n\n{content, trimmed}<|eot_id|>` per message
        /// and `<|start_header_id|>assistant<|end_header_id|>\n\n` as the generation prompt.
        case llama3
        /// Llama 3.1, 3.2 and 3.3, recognised by `<|start_header_id|>` and "Cutting Knowledge Date":
        /// as ``llama3``, but the prompt always opens with a system message made of
        /// `Cutting Knowledge Date: December 2023\nToday Date: {todayDate}\n\n` followed by the
        /// caller's system message (trimmed).
        case llama31(todayDate: String)
    }

    /// The family and its parameters.
    public let family: Family

    /// The family names, for error messages.
    public static let supportedFamilies = ["ChatML (<|im_start|>)", "Llama 3 (<|start_header_id|>)"]

    /// The date Llama 3.1 templates write when the renderer does not give one.
    public static let llama31DefaultDate = "26 Jul 2024"

    /// A template of the given family.
    /// - Complexity: O(1).
    public init(family: Family) {
        self.family = family
    }

    /// Recognises the family of a Jinja chat template.
    /// - Throws: ``TokenizerError/unsupportedChatTemplate(supported:)`` when neither ChatML's nor
    ///   Llama 3's markers occur.
    /// - Complexity: O(n) in the template's length.
    public init(jinja template: String) throws {
        if template.contains("<|im_start|>") {
            family = .chatML(defaultSystemMessage: Self.defaultChatMLSystemMessage(in: template))
        } else if template.contains("<|start_header_id|>") {
            if template.contains("Cutting Knowledge Date") {
                family = .llama31(todayDate: Self.quotedValue(after: "date_string = ", in: template) ?? Self.llama31DefaultDate)
            } else {
                family = .llama3
            }
        } else {
            throw TokenizerError.unsupportedChatTemplate(supported: Self.supportedFamilies)
        }
    }

    /// The chat template of a GGUF file's metadata (`tokenizer.chat_template`). A model without
    /// one gets plain ChatML without a default system message, the format most small instruction
    /// models without a stored template expect (and llama.cpp's fallback).
    /// - Throws: ``TokenizerError/badValue(key:reason:)`` when the key is not a string, or
    ///   ``TokenizerError/unsupportedChatTemplate(supported:)``.
    /// - Complexity: O(n) in the template's length.
    public init(metadata: [String: GGUFValue]) throws {
        guard let value = metadata[TokenizerMetadataKey.chatTemplate] else {
            self.init(family: .chatML(defaultSystemMessage: nil))
            return
        }
        guard let template = value.stringValue else {
            throw TokenizerError.badValue(key: TokenizerMetadataKey.chatTemplate, reason: "expected a string")
        }
        try self.init(jinja: template)
    }

    /// The prompt text of a conversation, with the assistant's header at the end when
    /// `addGenerationPrompt`. Special tokens appear as text; encode the result with special tokens
    /// parsed.
    /// - Complexity: O(total length of the messages).
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) -> String {
        var prompt = ""
        switch family {
        case .chatML(let defaultSystemMessage):
            if let defaultSystemMessage, let first = messages.first, first.role != "system" {
                prompt += "<|im_start|>system\n\(defaultSystemMessage)<|im_end|>\n"
            }
            for message in messages {
                prompt += "<|im_start|>\(message.role)\n\(message.content)<|im_end|>\n"
            }
            if addGenerationPrompt { prompt += "<|im_start|>assistant\n" }
        case .llama3:
            if !messages.isEmpty { prompt += "<|begin_of_text|>" }
            for message in messages {
                prompt += Self.llama3Turn(message.role, Self.trimmed(message.content))
            }
            if addGenerationPrompt { prompt += Self.llama3Header("assistant") }
        case .llama31(let todayDate):
            var rest = messages[...]
            var systemMessage = ""
            if let first = rest.first, first.role == "system" {
                systemMessage = Self.trimmed(first.content)
                rest = rest.dropFirst()
            }
            prompt += "<|begin_of_text|>"
            prompt += Self.llama3Turn("system", "Cutting Knowledge Date: December 2023\nToday Date: \(todayDate)\n\n\(systemMessage)")
            for message in rest {
                prompt += Self.llama3Turn(message.role, Self.trimmed(message.content))
            }
            if addGenerationPrompt { prompt += Self.llama3Header("assistant") }
        }
        return prompt
    }

    private static func llama3Header(_ role: String) -> String {
        "<|start_header_id|>\(role)<|end_header_id|>\n\n"
    }

    private static func llama3Turn(_ role: String, _ content: String) -> String {
        llama3Header(role) + content + "<|eot_id|>"
    }

    /// Jinja's `trim`: removes leading and trailing characters that Python's `str.isspace` accepts
    /// (Unicode `White_Space` and the separators U+001C–U+001F).
    static func trimmed(_ text: String) -> String {
        func isSpace(_ scalar: Unicode.Scalar) -> Bool {
            scalar.properties.isWhitespace || (0x1C...0x1F).contains(scalar.value)
        }
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isSpace($0) }),
              let last = scalars.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(scalars[first...last])
    }

    /// The text of a string literal in the template that reads `<|im_start|>system` + newline +
    /// message + `<|im_end|>` all in one literal, with Jinja's backslash escapes resolved; nil when
    /// the template has none (the system text is then only ever the caller's).
    static func defaultChatMLSystemMessage(in template: String) -> String? {
        let opener = "<|im_start|>system"
        var searchStart = template.startIndex
        while let found = template.range(of: opener, range: searchStart..<template.endIndex) {
            searchStart = found.upperBound
            guard found.lowerBound > template.startIndex else { continue }
            let quote = template[template.index(before: found.lowerBound)]
            guard quote == "'" || quote == "\"" else { continue }
            var body = template[found.upperBound...]
            if body.hasPrefix("\n") {
                body = body.dropFirst()
            } else if body.hasPrefix("\\n") {
                body = body.dropFirst(2)
            } else {
                continue
            }
            guard let end = body.range(of: "<|im_end|>"),
                  let literal = literalPrefix(body[..<end.lowerBound], closedBy: quote) else { continue }
            return unescaped(literal)
        }
        return nil
    }

    /// `text` when it has no unescaped `quote` (so it lies inside one string literal), else nil.
    private static func literalPrefix(_ text: Substring, closedBy quote: Character) -> Substring? {
        var escaping = false
        for character in text {
            if escaping {
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else if character == quote {
                return nil
            }
        }
        return text
    }

    /// The text between the quotes that follow the first occurrence of `marker` that a string
    /// literal follows, as in `date_string = "26 Jul 2024"` (Llama 3.2 first assigns
    /// `strftime_now(...)`, which is skipped).
    private static func quotedValue(after marker: String, in template: String) -> String? {
        var searchStart = template.startIndex
        while let found = template.range(of: marker, range: searchStart..<template.endIndex) {
            searchStart = found.upperBound
            let rest = template[found.upperBound...]
            guard let quote = rest.first, quote == "\"" || quote == "'" else { continue }
            let body = rest.dropFirst()
            if let close = body.firstIndex(of: quote) { return String(body[..<close]) }
        }
        return nil
    }

    /// Resolves the backslash escapes of a Jinja string literal (`\n`, `\t`, `\r`, `\\`, `\'`, `\"`).
    private static func unescaped(_ literal: Substring) -> String {
        var result = ""
        var escaping = false
        for character in literal {
            if escaping {
                switch character {
                case "n": result.append("\n")
                case "t": result.append("\t")
                case "r": result.append("\r")
                default: result.append(character)
                }
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else {
                result.append(character)
            }
        }
        return result
    }
}
