import Foundation

/// Runs a program to completion with stdout discarded and stderr captured.
enum _Subprocess {
    /// How a run ended.
    struct Outcome {
        /// The exit status, or 128 + the signal number when a signal ended the program.
        var status: Int32
        /// The last lines of what the program wrote to stderr (at most `tailLines`).
        var stderrTail: String
    }

    /// Lines of stderr kept for messages.
    static let tailLines = 15

    /// Runs `executable` (a path) with `arguments` and waits for it.
    /// - Throws: ``ModelStoreError/fileSystem(path:message:)`` when the program cannot be started.
    /// - Complexity: O(the program's run time + its stderr).
    static func run(_ executable: String, _ arguments: [String]) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        let stderr = Pipe()
        process.standardError = stderr
        do {
            try process.run()
        } catch {
            throw ModelStoreError.fileSystem(path: executable, message: "cannot run: \(error.localizedDescription)")
        }
        let output = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus
            : process.terminationStatus
        let lines = String(decoding: output, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true)
        return Outcome(status: status, stderrTail: lines.suffix(tailLines).joined(separator: "\n"))
    }
}
