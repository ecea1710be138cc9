@testable import blendserve
import BlendCore
import Foundation
import XCTest

/// The parts of `blendserve run` below the command line: JSON lines, ids, stop strings in the
/// answers, error codes, the resume reader and the progress text.
final class BatchJobUnitTests: XCTestCase {
    func testJSONStringsRoundTripThroughFoundation() throws {
        let alphabet: [Character] = ["a", "\"", "\\", "/", "\n", "\r", "\t", "\u{0}", "\u{1}", "\u{8}", "\u{C}", "\u{1F}",
                                     "\u{7F}", "é", "😀", "\u{2028}", " ", "中"]
        var random = SeededGenerator(seed: 4)
        for _ in 0 ..< 500 {
            let text = String((0 ..< Int.random(in: 0 ... 20, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
            let line = JSONValue.object([("text", .string(text)), ("n", .integer(-3)), ("ok", .bool(true)), ("none", .null),
                                         ("list", .array([.integer(1), .string(text)]))]).utf8
            XCTAssertFalse(line.contains(0x0A), "a JSONL line has no raw newline")
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
            XCTAssertEqual(object["text"] as? String, text)
            XCTAssertEqual(object["n"] as? Int, -3)
            XCTAssertEqual(object["ok"] as? Bool, true)
            XCTAssertTrue(object["none"] is NSNull)
            XCTAssertEqual((object["list"] as? [Any])?.last as? String, text)
        }
        XCTAssertEqual(String(decoding: JSONValue.string("é\u{1}/").utf8, as: UTF8.self), "\"é\\u0001/\"", "UTF-8 kept, / not escaped")
    }

    func testOutputLinesHaveEveryFieldOfTheOpenAIShape() throws {
        for endpoint in BatchRequestOptions.Endpoint.allCases {
            let completion = BatchCompletion(customID: "q\"1", endpoint: endpoint, model: "m", text: "Hi \"there\"\n",
                                             finish: .length, promptTokens: 9, completionTokens: 2, created: 1_700_000_000)
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(BatchOutputWriter.line(completion).utf8)) as? [String: Any])
            XCTAssertEqual(Set(object.keys), ["id", "custom_id", "response", "error"])
            XCTAssertEqual(object["id"] as? String, BatchIdentifiers.batchRequestID(customID: "q\"1"))
            XCTAssertEqual(object["custom_id"] as? String, "q\"1")
            XCTAssertTrue(object["error"] is NSNull)
            let response = try XCTUnwrap(object["response"] as? [String: Any])
            XCTAssertEqual(Set(response.keys), ["status_code", "request_id", "body"])
            XCTAssertEqual(response["status_code"] as? Int, 200)
            XCTAssertEqual((response["request_id"] as? String)?.count, 32)
            let body = try XCTUnwrap(response["body"] as? [String: Any])
            XCTAssertEqual(Set(body.keys), ["id", "object", "created", "model", "choices", "usage"])
            XCTAssertEqual(body["created"] as? Int, 1_700_000_000)
            XCTAssertEqual(body["model"] as? String, "m")
            XCTAssertEqual(body["usage"] as? [String: Int], ["prompt_tokens": 9, "completion_tokens": 2, "total_tokens": 11])
            let choices = try XCTUnwrap(body["choices"] as? [[String: Any]])
            XCTAssertEqual(choices.count, 1)
            XCTAssertEqual(choices[0]["index"] as? Int, 0)
            XCTAssertEqual(choices[0]["finish_reason"] as? String, "length")
            XCTAssertTrue(choices[0]["logprobs"] is NSNull)
            switch endpoint {
            case .chatCompletions:
                XCTAssertEqual(body["object"] as? String, "chat.completion")
                XCTAssertTrue((body["id"] as? String)?.hasPrefix("chatcmpl-") ?? false)
                XCTAssertEqual(choices[0]["message"] as? [String: String], ["role": "assistant", "content": "Hi \"there\"\n"])
            case .completions:
                XCTAssertEqual(body["object"] as? String, "text_completion")
                XCTAssertTrue((body["id"] as? String)?.hasPrefix("cmpl-") ?? false)
                XCTAssertEqual(choices[0]["text"] as? String, "Hi \"there\"\n")
            }
        }
    }

    func testIdsAreDeterministicAndDistinct() {
        let ids = (0 ..< 2000).map { BatchIdentifiers.batchRequestID(customID: "request-\($0)") }
        XCTAssertEqual(Set(ids).count, ids.count)
        XCTAssertEqual(ids[7], BatchIdentifiers.batchRequestID(customID: "request-7"))
        XCTAssertNotEqual(BatchIdentifiers.requestID(customID: "a"), String(BatchIdentifiers.batchRequestID(customID: "a").dropFirst(10)))
        XCTAssertTrue(ids.allSatisfy { $0.count == "batch_req_".count + 32 })
    }

    func testAnswersAreDecodedAndCutBeforeTheEarliestStopString() {
        var workload = Workload()
        workload.append(id: "a", prompt: [1, 2])
        workload.append(id: "b", prompt: [3])
        workload.append(id: "c", prompt: [4])
        let job = BatchJob(read: WorkloadReadResult(workload: workload, errors: [], lines: 3, requestOptions: [
            BatchRequestOptions(endpoint: .chatCompletions, sampling: SamplingParameters(stop: ["END", "\n\n"]), line: 1),
            BatchRequestOptions(model: "own", sampling: SamplingParameters(stop: ["zz"]), line: 2),
            BatchRequestOptions(line: 3),
        ]))
        // Token t decodes to the character with code t.
        let decode: ([Int32]) -> String = { tokens in String(tokens.map { Character(Unicode.Scalar(UInt8($0))) }) }
        let tokens = "héllo\n\nEND".unicodeScalars.map { Int32($0.value) }
        let cut = job.completion(for: RequestResult(request: 0, id: "a", generatedTokens: tokens.count, tokens: tokens, finish: .length),
                                 modelName: "engine-model", decode: decode)
        XCTAssertEqual(cut?.text, "héllo")
        XCTAssertEqual(cut?.finish, .stop, "a stop string ends the completion with reason stop")
        XCTAssertEqual(cut?.completionTokens, tokens.count)
        XCTAssertEqual(cut?.promptTokens, 2)
        XCTAssertEqual(cut?.model, "engine-model")
        XCTAssertEqual(cut?.endpoint, .chatCompletions)
        let uncut = job.completion(for: RequestResult(request: 1, id: "b", generatedTokens: 2, tokens: [122, 97], finish: .length),
                                   modelName: "engine-model", decode: decode)
        XCTAssertEqual(uncut?.text, "za")
        XCTAssertEqual(uncut?.finish, .length)
        XCTAssertEqual(uncut?.model, "own")
        let simulated = job.completion(for: RequestResult(request: 2, id: "c", generatedTokens: 40, finish: .stop),
                                       modelName: "engine-model", decode: nil)
        XCTAssertEqual(simulated?.text, "")
        XCTAssertEqual(simulated?.completionTokens, 40)
        XCTAssertNil(job.completion(for: RequestResult(request: 2, id: "c", error: "too long", rejected: true),
                                    modelName: "m", decode: decode))
    }

    func testErrorLinesCarryTheirCodeMessageAndLine() throws {
        let cases: [(JSONValue, String, Any)] = [
            (BatchErrorWriter.line(code: .invalidRequest, customID: nil, message: "line 4: bad", line: 4), "invalid_request", NSNull()),
            (BatchErrorWriter.line(code: .rejected, customID: "r", message: "too long", line: 2), "rejected", "r"),
            (BatchErrorWriter.line(code: .engineError, customID: "e", message: "engine failed: x", line: 9), "engine_error", "e"),
        ]
        for (line, code, customID) in cases {
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            XCTAssertEqual(Set(object.keys), ["id", "custom_id", "response", "error"])
            XCTAssertTrue(object["response"] is NSNull)
            XCTAssertEqual((object["custom_id"] as? String) ?? "null", (customID as? String) ?? "null")
            let error = try XCTUnwrap(object["error"] as? [String: Any])
            XCTAssertEqual(error["code"] as? String, code)
            XCTAssertNotNil(error["message"] as? String)
            XCTAssertNotNil(error["line"] as? Int)
        }
        XCTAssertEqual(BatchErrorWriter.defaultPath(forOutput: "out/results.jsonl"), "out/results.errors.jsonl")
        XCTAssertEqual(BatchErrorWriter.defaultPath(forOutput: "results.txt"), "results.txt.errors.jsonl")
    }

    func testResumeReadsCustomIDsOfCompleteLinesOnly() {
        XCTAssertEqual(BatchResume.customID(in: Array(#"{"id": "x", "custom_id": "a\"b", "response": {"custom_id": "inner"}}"#.utf8)), "a\"b")
        XCTAssertEqual(BatchResume.customID(in: Array(#"{"custom_id": 17}"#.utf8)), "17")
        XCTAssertNil(BatchResume.customID(in: Array(#"{"custom_id": "a", "response": {"#.utf8)))
        XCTAssertNil(BatchResume.customID(in: Array(#"{"id": "x"}"#.utf8)))
        XCTAssertNil(BatchResume.customID(in: Array("[1]".utf8)))
    }

    func testResumeCutsTheTruncatedLineAndLeavesOutAnsweredRequestsKeepingOptionsAligned() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("resume-unit-\(getpid()).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let complete = #"{"id":"x","custom_id":"b"}"# + "\n\n" + #"{"custom_id":"d","response":{}}"# + "\n"
        try Data((complete + #"{"id":"y","custom_id":"e","resp"#).utf8).write(to: URL(fileURLWithPath: path))
        let resume = try BatchResume(outputPath: path)
        XCTAssertEqual(resume.completed, ["b", "d"])
        XCTAssertEqual(resume.lines, 2)
        XCTAssertEqual(resume.droppedBytes, #"{"id":"y","custom_id":"e","resp"#.utf8.count)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), complete, "the cut-off line is gone")

        var workload = Workload()
        for (index, id) in ["a", "b", "c", "d", "e"].enumerated() {
            workload.append(id: id, prompt: [Int32(index), 7], maxNewTokens: index, outputLength: 10 + index)
        }
        let options = (1 ... 5).map { BatchRequestOptions(sampling: SamplingParameters(seed: UInt64($0)), line: $0) }
        let job = BatchJob(read: WorkloadReadResult(workload: workload, errors: [LineError(line: 6, message: "bad")], lines: 6,
                                                    requestOptions: options), resume: resume)
        XCTAssertEqual(job.workload.ids, ["a", "c", "e"])
        XCTAssertEqual(job.workload.tokens, [0, 7, 2, 7, 4, 7])
        XCTAssertEqual(job.workload.maxNewTokens, [0, 2, 4])
        XCTAssertEqual(job.workload.outputLengths, [10, 12, 14])
        XCTAssertEqual(job.options.map(\.line), [1, 3, 5])
        XCTAssertEqual(job.options.map(\.sampling.seed), [1, 3, 5])
        XCTAssertEqual(job.skipped, 2)
        XCTAssertEqual(job.invalidLines.map(\.line), [6])
        XCTAssertEqual(try BatchResume(outputPath: path + ".missing").completed, [])
    }

    func testFailedAndRejectedRequestsGoToTheErrorFileAsTheyEnd() async throws {
        var workload = Workload()
        workload.append(id: "short", prompt: [1, 2, 3], maxNewTokens: 4)
        workload.append(id: "long", prompt: [Int32](repeating: 5, count: 80), maxNewTokens: 4)
        workload.append(id: "last", prompt: [4], maxNewTokens: 4)
        let options = (1 ... 3).map { BatchRequestOptions(endpoint: .chatCompletions, line: $0 + 1) }
        let job = BatchJob(read: WorkloadReadResult(workload: workload, errors: [], lines: 3, requestOptions: options))
        for failsOnCall in [nil, 2] as [Int?] {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("job-unit-\(getpid())-\(failsOnCall ?? 0)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let outputPath = directory.appendingPathComponent("out.jsonl").path, errorPath = directory.appendingPathComponent("err.jsonl").path
            let summary = try await job.run(
                scheduler: OneByOneScheduler(longestPrompt: 50), engine: OneTokenEngine(failsOnCall: failsOnCall), modelName: "toy",
                decode: { _ in "ok" }, output: BatchOutputWriter(path: outputPath, appending: false),
                errors: BatchErrorWriter(path: errorPath), progress: ProgressLine(total: 3, enabled: false))
            let errorLines = try String(contentsOfFile: errorPath, encoding: .utf8).split(separator: "\n").map {
                try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
            }
            let codes = errorLines.map { ($0["custom_id"] as? String ?? "", (($0["error"] as? [String: Any])?["code"] as? String) ?? "") }
            let answered = try String(contentsOfFile: outputPath, encoding: .utf8).split(separator: "\n").count
            if failsOnCall == nil {
                XCTAssertEqual(codes.map(\.0), ["long"])
                XCTAssertEqual(codes.map(\.1), ["rejected"])
                XCTAssertEqual(((errorLines[0]["error"] as? [String: Any])?["line"] as? Int), 3)
                XCTAssertEqual(summary.done, 2)
                XCTAssertEqual(summary.failed, 1)
                XCTAssertEqual(answered, 2)
                XCTAssertEqual(summary.promptTokens, 4)
                XCTAssertEqual(summary.completionTokens, 2)
                XCTAssertNil(summary.runFailure)
            } else {
                XCTAssertEqual(codes.map(\.0), ["long", "last"], "the rejection, then the request the failure cut off")
                XCTAssertEqual(codes.map(\.1), ["rejected", "engine_error"])
                XCTAssertEqual(summary.done, 1)
                XCTAssertEqual(answered, 1)
                XCTAssertTrue(summary.runFailure?.hasPrefix("engine failed") ?? false, summary.runFailure ?? "no failure")
            }
        }
    }

    func testProgressTextShowsCountsRateAndTimeLeft() {
        XCTAssertEqual(ProgressLine.text(done: 123, total: 256, completionTokens: 8120, elapsedSeconds: 10),
                       "123/256 requests · 812 tokens/s · ETA 0:11")
        XCTAssertEqual(ProgressLine.text(done: 0, total: 5, completionTokens: 0, elapsedSeconds: 3), "0/5 requests · 0 tokens/s · ETA -:--")
        XCTAssertEqual(ProgressLine.clock(seconds: 42), "0:42")
        XCTAssertEqual(ProgressLine.clock(seconds: 3725), "1:02:05")
    }
}

/// Runs requests one at a time with their whole prompt, and rejects prompts longer than
/// `longestPrompt`.
private struct OneByOneScheduler: BatchScheduler {
    let name = "one-by-one"
    let longestPrompt: Int
    private var workload = Workload()
    private var next: Int32 = 0

    init(longestPrompt: Int) { self.longestPrompt = longestPrompt }

    mutating func prepare(workload: Workload, capacity: EngineCapacity) throws { self.workload = workload }

    mutating func nextStep() -> StepPlan? {
        guard Int(next) < workload.count else { return nil }
        let request = next
        next += 1
        let prompt = Array(workload.prompt(Int(request)))
        guard prompt.count <= longestPrompt else {
            return StepPlan(sequences: [], rejections: [RequestRejection(request: request, reason: "prompt too long")])
        }
        return StepPlan(sequences: [ScheduledSequence(request: request, start: 0, count: prompt.count, tokens: prompt, newBlocks: [],
                                                      resetsBlockTable: true, samples: true, remainingTokens: 4)])
    }

    mutating func observe(_ outcome: StepOutcome) {}
}

/// Generates one token (id 42) per sequence and finishes it, or throws on its call number `failsOnCall`.
private final class OneTokenEngine: ExecutionEngine, @unchecked Sendable {
    let capacity = EngineCapacity(blockSize: 16, deviceBlocks: 64, bytesPerBlock: 1, maxTokensPerStep: 256,
                                  maxSequencesPerStep: 8, maxContext: 1024)
    let failsOnCall: Int?
    private let lock = NSLock()
    private var calls = 0

    struct Failure: Error {}

    init(failsOnCall: Int?) { self.failsOnCall = failsOnCall }

    func execute(_ plan: StepPlan) async throws -> StepOutcome {
        let number = lock.withLock { () -> Int in calls += 1; return calls }
        if number == failsOnCall { throw Failure() }
        return StepOutcome(steps: 1, seconds: 0.001, sequences: plan.sequences.map {
            SequenceOutcome(request: $0.request, generated: 1, tokens: [42], finish: .stop)
        })
    }
}
