import BlendCore
import Foundation

/// One finished request as the output file reports it.
struct BatchCompletion {
    /// The request's `custom_id`.
    var customID: String
    /// The endpoint it was sent to, which decides the shape of the body.
    var endpoint: BatchRequestOptions.Endpoint
    /// The model name to report (the line's `body.model`, else the engine's model).
    var model: String
    /// The generated text, cut before any stop string.
    var text: String
    /// `stop` (end of sequence or a stop string) or `length` (`max_tokens` reached).
    var finish: FinishReason
    /// Prompt tokens.
    var promptTokens: Int
    /// Generated tokens.
    var completionTokens: Int
    /// Unix time of the answer.
    var created: Int
}

/// Appends one OpenAI batch output line per finished request to the output file, each written
/// and flushed on its own (see ``JSONLAppender``):
///
/// ```json
/// {"id":"batch_req_…","custom_id":"q1","response":{"status_code":200,"request_id":"…","body":{"id":"chatcmpl-…",
///  "object":"chat.completion","created":1700000000,"model":"m","choices":[{"index":0,"message":{"role":"assistant",
///  "content":"Hi"},"finish_reason":"stop","logprobs":null}],"usage":{"prompt_tokens":9,"completion_tokens":2,
///  "total_tokens":11}}},"error":null}
/// ```
///
/// Completions answers carry `"object":"text_completion"` and choices `{"index":0,"text":…,
/// "finish_reason":…,"logprobs":null}`. Ids come from ``BatchIdentifiers``.
final class BatchOutputWriter {
    private let file: JSONLAppender

    /// Opens the output file at `path`, appending to it (`--resume`) or emptying it first.
    /// - Throws: ``CommandFailure`` when it cannot be opened.
    /// - Complexity: O(1).
    init(path: String, appending: Bool) throws {
        file = try JSONLAppender(path: path, truncating: !appending)
    }

    /// Lines written so far.
    var lines: Int { file.lines }

    /// Writes the line of `completion`.
    /// - Throws: ``CommandFailure`` when the write fails.
    /// - Complexity: O(line length).
    func write(_ completion: BatchCompletion) throws {
        try file.append(Self.line(completion).utf8)
    }

    /// The output line of `completion`.
    /// - Complexity: O(text length + custom id length).
    static func line(_ completion: BatchCompletion) -> JSONValue {
        let finish = JSONValue.string(completion.finish.rawValue)
        let choice: JSONValue
        let object: String
        switch completion.endpoint {
        case .chatCompletions:
            object = "chat.completion"
            choice = .object([
                ("index", .integer(0)),
                ("message", .object([("role", .string("assistant")), ("content", .string(completion.text))])),
                ("finish_reason", finish), ("logprobs", .null),
            ])
        case .completions:
            object = "text_completion"
            choice = .object([("index", .integer(0)), ("text", .string(completion.text)), ("finish_reason", finish), ("logprobs", .null)])
        }
        let body = JSONValue.object([
            ("id", .string(BatchIdentifiers.completionID(customID: completion.customID, endpoint: completion.endpoint))),
            ("object", .string(object)),
            ("created", .integer(completion.created)),
            ("model", .string(completion.model)),
            ("choices", .array([choice])),
            ("usage", .object([
                ("prompt_tokens", .integer(completion.promptTokens)),
                ("completion_tokens", .integer(completion.completionTokens)),
                ("total_tokens", .integer(completion.promptTokens + completion.completionTokens)),
            ])),
        ])
        return .object([
            ("id", .string(BatchIdentifiers.batchRequestID(customID: completion.customID))),
            ("custom_id", .string(completion.customID)),
            ("response", .object([
                ("status_code", .integer(200)),
                ("request_id", .string(BatchIdentifiers.requestID(customID: completion.customID))),
                ("body", body),
            ])),
            ("error", .null),
        ])
    }
}
