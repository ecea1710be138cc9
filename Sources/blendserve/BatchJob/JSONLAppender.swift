import Foundation

/// A JSONL file that a batch job appends to one line at a time: each line and its newline go to
/// the file in one `write(2)` as soon as they are known (no buffering in the process), so a job
/// that is killed loses only the lines it had not written yet, and at most one line is cut short.
final class JSONLAppender {
    /// The file's path.
    let path: String
    /// Lines written through this appender.
    private(set) var lines = 0
    private let handle: FileHandle

    /// Opens (creating it when missing) the file at `path` for appending; `truncating` empties it
    /// first.
    /// - Throws: ``CommandFailure`` naming the path when it cannot be opened.
    /// - Complexity: O(1).
    init(path: String, truncating: Bool) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (truncating ? O_TRUNC : 0), 0o644)
        guard descriptor >= 0 else {
            throw CommandFailure(description: "cannot open \(path) for writing: \(String(cString: strerror(errno)))")
        }
        self.path = path
        handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    }

    /// Writes `line` (one serialised JSON value, without a newline) and a newline.
    /// - Throws: ``CommandFailure`` naming the path when the write fails.
    /// - Complexity: O(line.count).
    func append(_ line: [UInt8]) throws {
        var bytes = line
        bytes.append(UInt8(ascii: "\n"))
        do {
            try handle.write(contentsOf: Data(bytes))
        } catch {
            throw CommandFailure(description: "cannot write \(path): \(error.localizedDescription)")
        }
        lines += 1
    }
}
