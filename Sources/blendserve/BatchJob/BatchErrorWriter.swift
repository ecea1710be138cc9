import BlendCore
import Foundation

/// Writes the error file: one line per input line that could not be read and per request that
/// failed, in the shape of OpenAI's batch error file:
///
/// ```json
/// {"id":"batch_req_…","custom_id":"q7","response":null,"error":{"code":"invalid_request","message":"line 12: …","line":12}}
/// ```
///
/// `code` is `invalid_request` for an input line (whose `custom_id` is `null` when it could not be
/// read), `rejected` for a request the scheduler refused, and `engine_error` for one cut off by a
/// run that stopped early. The file is rewritten by every run, and created only when there is
/// something to report: a resumed job retries what failed before, so earlier errors would be stale.
final class BatchErrorWriter {
    /// The error kinds of the `code` field.
    enum Code: String {
        case invalidRequest = "invalid_request"
        case rejected
        case engineError = "engine_error"
    }

    /// The error file's path.
    let path: String
    private var file: JSONLAppender?

    /// Prepares the error file at `path`, removing what an earlier run left there.
    /// - Throws: ``CommandFailure`` when an old file cannot be removed.
    /// - Complexity: O(1).
    init(path: String) throws {
        self.path = path
        if FileManager.default.fileExists(atPath: path) {
            do {
                try FileManager.default.removeItem(atPath: path)
            } catch {
                throw CommandFailure(description: "cannot remove the old error file \(path): \(error.localizedDescription)")
            }
        }
    }

    /// Lines written so far.
    var lines: Int { file?.lines ?? 0 }

    /// Reports an input line that could not be read.
    /// - Throws: ``CommandFailure`` when the write fails.
    /// - Complexity: O(message length).
    func write(_ error: LineError) throws {
        try write(Self.line(code: .invalidRequest, customID: error.id, message: error.description, line: error.line))
    }

    /// Reports request `customID` (from input line `line`) that failed with `message`.
    /// - Throws: ``CommandFailure`` when the write fails.
    /// - Complexity: O(message length).
    func writeFailure(customID: String, line: Int, message: String, rejected: Bool) throws {
        try write(Self.line(code: rejected ? .rejected : .engineError, customID: customID, message: message, line: line))
    }

    private func write(_ line: JSONValue) throws {
        if file == nil { file = try JSONLAppender(path: path, truncating: true) }
        try file!.append(line.utf8)
    }

    /// The error line; its id comes from the custom id, or from the line number when the custom id
    /// is unknown.
    /// - Complexity: O(message length).
    static func line(code: Code, customID: String?, message: String, line: Int) -> JSONValue {
        .object([
            ("id", .string(BatchIdentifiers.batchRequestID(customID: customID ?? "line \(line)"))),
            ("custom_id", .string(customID)),
            ("response", .null),
            ("error", .object([("code", .string(code.rawValue)), ("message", .string(message)), ("line", .integer(line))])),
        ])
    }

    /// The default error file for the output file `output`: `.jsonl` replaced by
    /// `.errors.jsonl`, or `.errors.jsonl` appended.
    /// - Complexity: O(path length).
    static func defaultPath(forOutput output: String) -> String {
        (output.hasSuffix(".jsonl") ? String(output.dropLast(".jsonl".count)) : output) + ".errors.jsonl"
    }
}
