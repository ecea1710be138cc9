import BlendCUDA
import Foundation
import XCTest

/// End-to-end tests of `blendserve run --engine sim`: the output and error files, resuming a cut
/// job, refusing to clobber an output file, and the usage errors.
final class RunToolTests: XCTestCase {
    /// Custom ids that need escaping.
    private static let awkwardIDs = ["quote\"d", "back\\slash", "new\nline", "tab\t", "é-😀", "ctl\u{1}"]

    /// A batch of `count` token-prompt requests, alternating completions and chat URLs, some
    /// naming a model, with awkward custom ids first; returns the lines.
    private func tokenBatch(_ count: Int) throws -> [String] {
        (0 ..< count).map { index in
            let id = index < Self.awkwardIDs.count ? Self.awkwardIDs[index] : "req-\(index)"
            var body: [String: Any] = ["prompt": [1, 2, 3, index % 7, index], "max_tokens": 1 + index % 9]
            if index % 3 == 0 { body["model"] = "custom-model" }
            if index % 4 == 0 { body["temperature"] = 0 }
            let line: [String: Any] = ["custom_id": id, "method": "POST",
                                       "url": index % 2 == 0 ? "/v1/completions" : "/v1/chat/completions", "body": body]
            let data = try! JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
            return String(decoding: data, as: UTF8.self)
        }
    }

    /// The lines of a JSONL file, each parsed.
    private func objects(inJSONL path: String, file: StaticString = #filePath, line: UInt = #line) throws -> [[String: Any]] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.isEmpty || text.hasSuffix("\n"), "every line ends in a newline", file: file, line: line)
        return try text.split(separator: "\n").map { row in
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data(row.utf8)) as? [String: Any], file: file, line: line)
        }
    }

    func testSimRunAnswersEveryRequestWithACompleteLineAndRerunsIdentically() throws {
        let input = temporaryFile("run-in.jsonl"), output = temporaryFile("run-out.jsonl")
        let errors = temporaryFile("run-out.errors.jsonl")
        defer { remove(input, output, errors) }
        let lines = try tokenBatch(30)
        try write(lines, to: input)
        let first = try run(["run", "--input", input, "--output", output, "--engine", "sim", "--policy", "fcfs", "--json"])
        XCTAssertEqual(first.status, 0, first.stderr)
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(summary["done"] as? Int, 30)
        XCTAssertEqual(summary["failed"] as? Int, 0)
        XCTAssertEqual(summary["invalid_lines"] as? Int, 0)
        XCTAssertEqual(summary["skipped"] as? Int, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: errors), "no error file without errors")

        let answers = try objects(inJSONL: output)
        XCTAssertEqual(answers.count, 30)
        let expectedIDs = Set((0 ..< 30).map { $0 < Self.awkwardIDs.count ? Self.awkwardIDs[$0] : "req-\($0)" })
        XCTAssertEqual(Set(answers.compactMap { $0["custom_id"] as? String }), expectedIDs)
        var completionTokens = 0
        for answer in answers {
            let id = try XCTUnwrap(answer["custom_id"] as? String)
            let index = Self.awkwardIDs.firstIndex(of: id) ?? Int(id.dropFirst("req-".count))!
            XCTAssertTrue((answer["id"] as? String)?.hasPrefix("batch_req_") ?? false)
            XCTAssertTrue(answer["error"] is NSNull)
            let response = try XCTUnwrap(answer["response"] as? [String: Any])
            XCTAssertEqual(response["status_code"] as? Int, 200)
            XCTAssertNotNil(response["request_id"] as? String)
            let body = try XCTUnwrap(response["body"] as? [String: Any])
            XCTAssertEqual(body["object"] as? String, index % 2 == 0 ? "text_completion" : "chat.completion", id)
            XCTAssertEqual(body["model"] as? String, index % 3 == 0 ? "custom-model" : "llama-3.1-8b", id)
            XCTAssertNotNil(body["created"] as? Int)
            let usage = try XCTUnwrap(body["usage"] as? [String: Int])
            XCTAssertEqual(usage["prompt_tokens"], 5)
            XCTAssertEqual(usage["completion_tokens"], 1 + index % 9, "the simulator runs to max_tokens")
            XCTAssertEqual(usage["total_tokens"], 5 + 1 + index % 9)
            completionTokens += usage["completion_tokens"]!
            let choice = try XCTUnwrap((body["choices"] as? [[String: Any]])?.first)
            XCTAssertEqual(choice["finish_reason"] as? String, "length")
            XCTAssertTrue(choice["logprobs"] is NSNull)
            if index % 2 == 0 {
                XCTAssertEqual(choice["text"] as? String, "")
            } else {
                XCTAssertEqual(choice["message"] as? [String: String], ["role": "assistant", "content": ""])
            }
        }
        XCTAssertEqual(summary["completion_tokens"] as? Int, completionTokens)

        let again = try run(["run", "--input", input, "--output", output, "--engine", "sim", "--policy", "fcfs", "--overwrite", "--quiet"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("30 answered"), again.stdout)
        let rerun = try objects(inJSONL: output)
        func withoutCreated(_ answers: [[String: Any]]) -> [String] {
            answers.map { answer in
                var answer = answer, response = answer["response"] as! [String: Any], body = response["body"] as! [String: Any]
                body["created"] = 0
                response["body"] = body
                answer["response"] = response
                return String(decoding: try! JSONSerialization.data(withJSONObject: answer, options: [.sortedKeys]), as: UTF8.self)
            }.sorted()
        }
        XCTAssertEqual(withoutCreated(rerun), withoutCreated(answers), "a rerun writes the same lines apart from created")
    }

    func testInvalidLinesGoToTheErrorFileWithTheirLineNumbersAndTheJobGoesOn() throws {
        let input = temporaryFile("invalid-in.jsonl"), output = temporaryFile("invalid-out.jsonl")
        let errors = temporaryFile("invalid-errors.jsonl")
        defer { remove(input, output, errors) }
        var lines = try tokenBatch(5)
        lines.insert(#"{"custom_id": "text", "body": {"prompt": "hello"}}"#, at: 1)             // line 2
        lines.insert("", at: 3)                                                                   // line 4, blank
        lines.insert(#"{"custom_id": "hot", "body": {"prompt": [1], "temperature": 3}}"#, at: 4) // line 5
        lines.append("not json")                                                                  // line 9
        lines.append(#"{"custom_id": "two", "body": {"prompt": [1], "n": 2}}"#)                   // line 10
        try write(lines, to: input)
        let result = try run(["run", "--input", input, "--output", output, "--errors", errors, "--engine", "sim", "--quiet"])
        XCTAssertEqual(result.status, 1, "invalid lines make the job exit 1")
        XCTAssertTrue(result.stderr.contains("4 of 9 input lines are invalid"), result.stderr)
        XCTAssertTrue(result.stdout.contains("5 answered"), result.stdout)
        XCTAssertEqual(try objects(inJSONL: output).count, 5, "the valid requests still ran")
        let reported = try objects(inJSONL: errors)
        XCTAssertEqual(reported.compactMap { ($0["error"] as? [String: Any])?["line"] as? Int }, [2, 5, 9, 10])
        XCTAssertEqual(reported.map { $0["custom_id"] as? String }, ["text", "hot", nil, "two"])
        for object in reported {
            XCTAssertTrue(object["response"] is NSNull)
            let error = try XCTUnwrap(object["error"] as? [String: Any])
            XCTAssertEqual(error["code"] as? String, "invalid_request")
            let message = try XCTUnwrap(error["message"] as? String)
            XCTAssertTrue(message.hasPrefix("line \(error["line"] as! Int): "), message)
        }
        XCTAssertTrue(((reported[0]["error"] as? [String: Any])?["message"] as? String)?.contains("text prompt needs a tokenizer") ?? false)
    }

    func testResumeAfterACutRunSkipsExactlyTheCompletedRequests() throws {
        let input = temporaryFile("resume-in.jsonl"), output = temporaryFile("resume-out.jsonl")
        defer { remove(input, output, temporaryFile("resume-out.errors.jsonl")) }
        try write(try tokenBatch(40), to: input)
        let full = try run(["run", "--input", input, "--output", output, "--engine", "sim", "--quiet"])
        XCTAssertEqual(full.status, 0, full.stderr)
        // Cut the job: keep 15 complete lines and half of the 16th, as a kill during a write would.
        let complete = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(complete.count, 40)
        let kept = Array(complete.prefix(15))
        let cut = complete[15].prefix(complete[15].utf8.count / 2)
        try Data((kept.joined(separator: "\n") + "\n" + cut).utf8).write(to: URL(fileURLWithPath: output))

        let resumed = try run(["run", "--input", input, "--output", output, "--engine", "sim", "--resume", "--json"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("removed a cut-off last line"), resumed.stderr)
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(resumed.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(summary["skipped"] as? Int, 15)
        XCTAssertEqual(summary["done"] as? Int, 25)
        let answers = try objects(inJSONL: output)
        let ids = answers.compactMap { $0["custom_id"] as? String }
        XCTAssertEqual(ids.count, 40)
        XCTAssertEqual(Set(ids).count, 40, "every request answered exactly once")
        XCTAssertEqual(Array(try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").prefix(15)).map(String.init), kept,
                       "the completed lines are kept as they were")

        let nothingLeft = try run(["run", "--input", input, "--output", output, "--engine", "sim", "--resume", "--json"])
        XCTAssertEqual(nothingLeft.status, 0, nothingLeft.stderr)
        let last = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(nothingLeft.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(last["skipped"] as? Int, 40)
        XCTAssertEqual(last["done"] as? Int, 0)
        XCTAssertEqual(try objects(inJSONL: output).count, 40)
    }

    func testResumeRefusesAnOutputFileThatIsNotBatchOutput() throws {
        let input = temporaryFile("foreign-in.jsonl"), output = temporaryFile("foreign-out.jsonl")
        defer { remove(input, output) }
        try write(try tokenBatch(3), to: input)
        try write([#"{"something": "else"}"#], to: output)
        let result = try run(["run", "--input", input, "--output", output, "--engine", "sim", "--resume"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("line 1 is not a batch output line"), result.stderr)
        XCTAssertEqual(try String(contentsOfFile: output, encoding: .utf8), "{\"something\": \"else\"}\n", "left alone")
    }

    func testExistingOutputIsRefusedWithoutResumeOrOverwrite() throws {
        let input = temporaryFile("exists-in.jsonl"), output = temporaryFile("exists-out.jsonl")
        defer { remove(input, output) }
        try write(try tokenBatch(3), to: input)
        try write(["precious"], to: output)
        let result = try run(["run", "--input", input, "--output", output, "--engine", "sim"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("--resume") && result.stderr.contains("--overwrite"), result.stderr)
        XCTAssertEqual(try String(contentsOfFile: output, encoding: .utf8), "precious\n")
    }

    func testUsageErrorsAndAMissingGPU() throws {
        let input = temporaryFile("usage-in.jsonl")
        defer { remove(input) }
        try write(try tokenBatch(2), to: input)
        let usage: [[String]] = [
            ["run", "--output", "x.jsonl"],
            ["run", "--input", input],
            ["run", "--input", input, "--output", input, "--engine", "sim"],
            ["run", "--input", input, "--output", "o.jsonl", "--errors", "o.jsonl", "--engine", "sim"],
            ["run", "--input", input, "--output", "o.jsonl", "--resume", "--overwrite"],
            ["run", "--input", input, "--output", "o.jsonl", "--engine", "tpu"],
            ["run", "--input", input, "--output", "o.jsonl", "--policy", "nope"],
            ["run", "--input", input, "--output", "o.jsonl", "--engine", "sim", "--model", "m.gguf"],
            ["run", "--input", input, "--output", "o.jsonl", "--engine", "sim", "--hardware", "tpu-v9"],
            ["run", "--input", input, "--output", "o.jsonl", "extra"],
        ]
        for arguments in usage {
            let result = try run(arguments)
            XCTAssertEqual(result.status, 2, "\(arguments): \(result.stderr)")
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "\(arguments): \(result.stderr)")
        }
        // Without a CUDA driver (CI and development machines), --engine cuda stops at once, names the
        // CPU engine, and writes nothing.
        if case .unavailable = CUDAEngine.availability() {
            let result = try run(["run", "--input", input, "--output", temporaryFile("never.jsonl"), "--engine", "cuda"])
            XCTAssertEqual(result.status, 1)
            XCTAssertTrue(result.stderr.contains("cannot run on this machine") && result.stderr.contains("--engine cpu"), result.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: temporaryFile("never.jsonl")))
        }
    }
}
