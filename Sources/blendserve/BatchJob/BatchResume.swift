import BlendCore
import Foundation

/// `--resume`: what an earlier, interrupted run of the same job already wrote to the output file,
/// and the requests still to do.
///
/// Every complete line of the output file (one that ends in a newline) answers one request; its
/// `custom_id` is collected. A job killed in the middle of a write can leave a last line without
/// its newline: that line is cut off the file (and said so on standard error), and its request
/// runs again. A complete line that is not a batch output line stops the job, since appending to a
/// file that is not ours could destroy data.
struct BatchResume {
    /// The `custom_id`s of the complete lines.
    private(set) var completed: Set<String> = []
    /// Complete lines read.
    private(set) var lines = 0
    /// Bytes of a cut-off last line removed from the file (0 when there was none).
    private(set) var droppedBytes = 0

    /// Reads the output file at `path` (nothing when it does not exist) and cuts off a truncated
    /// last line.
    /// - Throws: ``CommandFailure`` when the file cannot be read or shortened, or holds a complete
    ///   line without a `custom_id`.
    /// - Complexity: O(file size).
    init(outputPath path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CommandFailure(description: "cannot read \(path) to resume: \(error.localizedDescription)")
        }
        let bytes = [UInt8](data)
        var lineStart = 0
        var lineNumber = 0
        while let newline = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n")) {
            lineNumber += 1
            let line = bytes[lineStart ..< newline]
            lineStart = newline + 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            guard let customID = Self.customID(in: Array(line)) else {
                throw CommandFailure(description: "\(path) line \(lineNumber) is not a batch output line with a \"custom_id\"; "
                    + "fix or remove it, or start over with --overwrite")
            }
            completed.insert(customID)
            lines += 1
        }
        if lineStart < bytes.count {
            droppedBytes = bytes.count - lineStart
            do {
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
                defer { try? handle.close() }
                try handle.truncate(atOffset: UInt64(lineStart))
            } catch {
                throw CommandFailure(description: "cannot cut the truncated last line off \(path): \(error.localizedDescription)")
            }
        }
    }

    /// The top-level `custom_id` (a string, or an integer as its decimal text) of a JSON object line.
    /// - Complexity: O(line length).
    static func customID(in line: [UInt8]) -> String? {
        line.withUnsafeBufferPointer { buffer -> String? in
            var scanner = JSONScanner(buffer)
            var customID: String?
            do {
                try scanner.beginObject()
                var first = true
                while let key = try scanner.nextObjectKey(first: first) {
                    first = false
                    guard scanner.matches(key, "custom_id"), customID == nil else {
                        try scanner.skipValue()
                        continue
                    }
                    switch try scanner.peekKind() {
                    case .string: customID = try scanner.parseString()
                    case .number:
                        let (range, isInteger) = try scanner.scanNumber()
                        guard isInteger else { return nil }
                        customID = scanner.text(range)
                    default: return nil
                    }
                }
                scanner.skipWhitespace()
                return scanner.isAtEnd ? customID : nil
            } catch {
                return nil
            }
        }
    }

    /// The requests of `workload` (with their options, kept aligned) whose ids are not in
    /// ``completed``, and how many were skipped.
    /// - Complexity: O(requests + prompt tokens).
    func pending(_ workload: Workload, options: [BatchRequestOptions]) -> (workload: Workload, options: [BatchRequestOptions], skipped: Int) {
        guard !completed.isEmpty else { return (workload, options, 0) }
        var kept = Workload()
        var keptOptions: [BatchRequestOptions] = []
        for index in 0 ..< workload.count where !completed.contains(workload.ids[index]) {
            let request = workload[index]
            kept.append(id: request.id, prompt: workload.prompt(index), maxNewTokens: request.maxNewTokens,
                        outputLength: request.outputLength)
            keptOptions.append(options[index])
        }
        return (kept, keptOptions, workload.count - kept.count)
    }
}
