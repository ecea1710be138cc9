import Foundation
import XCTest

/// End-to-end tests of the `blendserve` executable: exit codes, help, generated files and the
/// analysis JSON.
final class ToolTests: XCTestCase {
    func testHelpForToolAndEveryCommand() throws {
        let top = try run(["--help"])
        XCTAssertEqual(top.status, 0)
        XCTAssertTrue(top.stdout.contains("workload"))
        for command in ["workload", "analyze", "bench", "simulate", "compare", "run"] {
            let help = try run([command, "--help"])
            XCTAssertEqual(help.status, 0, command)
            XCTAssertTrue(help.stdout.hasPrefix("Usage: blendserve \(command)"), command)
        }
        XCTAssertEqual(try run([]).status, 2)
    }

    func testUsageErrorsAreOneLineWithExitCode2() throws {
        let cases: [[String]] = [
            ["frobnicate"],
            ["analyze"],
            ["analyze", "a.jsonl", "--nope"],
            ["analyze", "a.jsonl", "--gpu", "tpu-v9"],
            ["analyze", "a.jsonl", "--model", "no-such-model"],
            ["workload", "--preset", "trace9", "-o", "x.jsonl"],
            ["workload", "--preset", "grid", "--density", "1.2", "-o", "x.jsonl"],
            ["workload", "--preset", "trace1", "--requests", "-5", "-o", "x.jsonl"],
            ["workload", "--preset", "trace1"],
            ["bench", "--suite", "everything"],
        ]
        for arguments in cases {
            let result = try run(arguments)
            XCTAssertEqual(result.status, 2, "\(arguments): \(result.stderr)")
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.hasPrefix("error: "), "\(arguments)")
        }
    }

    func testSameSeedGivesTheSameFileByteForByte() throws {
        let first = temporaryFile("seed-a.jsonl"), second = temporaryFile("seed-b.jsonl"), third = temporaryFile("seed-c.jsonl")
        defer { for path in [first, second, third] { try? FileManager.default.removeItem(atPath: path) } }
        for (path, seed) in [(first, "7"), (second, "7"), (third, "8")] {
            let result = try run(["workload", "--preset", "sharegpt", "--requests", "500", "--seed", seed, "-o", path])
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        let a = try Data(contentsOf: URL(fileURLWithPath: first))
        XCTAssertGreaterThan(a.count, 1000)
        XCTAssertEqual(a, try Data(contentsOf: URL(fileURLWithPath: second)))
        XCTAssertNotEqual(a, try Data(contentsOf: URL(fileURLWithPath: third)))
    }

    func testGeneratedGridTraceHitsItsTargetsInAnalyze() throws {
        let path = temporaryFile("grid.jsonl")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let generate = try run(["workload", "--preset", "grid", "--density", "1.1", "--sharing", "0.15",
                                "--requests", "20000", "--seed", "3", "-o", path])
        XCTAssertEqual(generate.status, 0, generate.stderr)
        let analyze = try run(["analyze", path, "--json"])
        XCTAssertEqual(analyze.status, 0, analyze.stderr)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(analyze.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(Set(object.keys), ["requests", "prompt_tokens", "unique_prompt_tokens", "sharing_ratio", "output_tokens",
                                          "compute_seconds", "memory_seconds", "density", "optimal_seconds", "timings"])
        let timings = try XCTUnwrap(object["timings"] as? [String: Double])
        XCTAssertEqual(Set(timings.keys), ["read", "build", "aggregate", "sort", "split", "preprocess"])
        XCTAssertEqual(timings["preprocess"]!, timings["build"]! + timings["aggregate"]! + timings["sort"]! + timings["split"]!, accuracy: 1e-9)
        XCTAssertEqual(object["requests"] as? Int, 20000)
        let density = try XCTUnwrap(object["density"] as? Double)
        let sharing = try XCTUnwrap(object["sharing_ratio"] as? Double)
        XCTAssertEqual(density, 1.1, accuracy: 0.03 * 1.1)
        XCTAssertEqual(sharing, 0.15, accuracy: 0.03 * 0.15)
        let compute = try XCTUnwrap(object["compute_seconds"] as? Double)
        let memory = try XCTUnwrap(object["memory_seconds"] as? Double)
        XCTAssertEqual(density, (1 - sharing) * compute / memory, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(object["optimal_seconds"] as? Double), max((1 - sharing) * compute, memory), accuracy: 1e-6)
    }

    func testMalformedLinesAreReportedAndTheRestIsAnalysed() throws {
        let path = temporaryFile("bad.jsonl")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let lines = [
            #"{"id": "a", "prompt": [1, 2, 3], "output_len": 4}"#,
            #"{"id": "b", "prompt": [1, 2, "x"], "output_len": 4}"#,
            "",
            #"{"custom_id": "c", "method": "POST", "url": "/v1/completions", "body": {"prompt": [1, 2, 9], "max_tokens": 8}}"#,
            #"{"id": "d", "prompt": [5], "output_len": -1}"#,
            "not json at all",
        ]
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let result = try run(["analyze", path, "--json"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("line 2:"), result.stderr)
        XCTAssertTrue(result.stderr.contains("line 5:"), result.stderr)
        XCTAssertTrue(result.stderr.contains("line 6:"), result.stderr)
        XCTAssertFalse(result.stderr.contains("line 1:"), result.stderr)
        XCTAssertTrue(result.stderr.contains("3 of 5 lines rejected"), result.stderr)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["requests"] as? Int, 2)
        XCTAssertEqual(object["prompt_tokens"] as? Int, 6)
        XCTAssertEqual(object["unique_prompt_tokens"] as? Int, 4)
        XCTAssertEqual(object["output_tokens"] as? Int, 12)
    }

    func testMissingFileIsAClearFailure() throws {
        let result = try run(["analyze", "/nonexistent/trace.jsonl"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("/nonexistent/trace.jsonl"), result.stderr)
    }
}
