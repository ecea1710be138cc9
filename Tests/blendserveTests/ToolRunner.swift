import Foundation
import XCTest

/// What one run of the `blendserve` executable produced.
struct ToolRun {
    /// The exit status.
    var status: Int32
    /// Everything written to standard output.
    var stdout: String
    /// Everything written to standard error.
    var stderr: String
}

/// Launching the built `blendserve` executable, shared by the end-to-end test cases.
extension XCTestCase {
    /// The built `blendserve` next to the test bundle.
    static let blendserveExecutable: URL = {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0 ..< 4 {
            let candidate = directory.appendingPathComponent("blendserve")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: ".build/debug/blendserve")
    }()

    /// Runs `blendserve` with `arguments` to the end and collects its output.
    func run(_ arguments: [String]) throws -> ToolRun {
        let process = Process()
        process.executableURL = Self.blendserveExecutable
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return ToolRun(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                       stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// A path in the temporary directory, unique to this test process, for the file `name`.
    func temporaryFile(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("blendserve-tests-\(getpid())-\(name)").path
    }

    /// Writes `lines` to `path`, each ending in a newline.
    func write(_ lines: [String], to path: String) throws {
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
    }

    /// Removes files, ignoring those that do not exist.
    func remove(_ paths: String...) {
        for path in paths { try? FileManager.default.removeItem(atPath: path) }
    }
}
