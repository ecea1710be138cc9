import BlendTestSupport
import Foundation
import XCTest

/// `blendserve run --engine cpu` on the default model: real text, and the same answers whatever
/// the policy and the step size (batch invariance seen from the command line).
final class RunCPUToolTests: XCTestCase {
    func testAnswersAreTheSameForEveryPolicyAndStepSize() throws {
        let model = try TestModelFile.path()
        let input = temporaryFile("cpu-in.jsonl")
        defer { remove(input) }
        let lines = [
            #"{"custom_id": "capital", "body": {"messages": [{"role": "user", "content": "What is the capital of France?"}], "max_tokens": 12, "temperature": 0}}"#,
            #"{"custom_id": "poem", "body": {"messages": [{"role": "user", "content": "Write one line about rain."}], "max_tokens": 6, "temperature": 0.8, "seed": 3}}"#,
            #"{"custom_id": "count", "url": "/v1/completions", "body": {"prompt": "One, two, three,", "max_tokens": 6, "temperature": 0, "stop": [" five"]}}"#,
            #"{"custom_id": "broken", "body": {"messages": "not a list"}}"#,
        ]
        try write(lines, to: input)
        var answers: [[String: String]] = []
        for (policy, tokens) in [("fcfs", "512"), ("blendserve", "16")] {
            let output = temporaryFile("cpu-\(policy).jsonl"), errors = temporaryFile("cpu-\(policy).errors.jsonl")
            defer { remove(output); remove(errors) }
            let result = try run(["run", "--input", input, "--output", output, "--errors", errors, "--engine", "cpu",
                                  "--model", model, "--policy", policy, "--max-batch-tokens", tokens, "--quiet", "--show"])
            XCTAssertEqual(result.status, 1, "one invalid line: \(result.stderr)")
            XCTAssertTrue(result.stdout.contains("[capital] (") && result.stdout.contains("The capital of France is Paris."), result.stdout)
            var byID: [String: String] = [:]
            for line in try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n") {
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
                let body = (object["response"] as! [String: Any])["body"] as! [String: Any]
                let choice = (body["choices"] as! [[String: Any]])[0]
                let text = (choice["message"] as? [String: Any])?["content"] as? String ?? choice["text"] as! String
                let usage = body["usage"] as! [String: Any]
                byID[object["custom_id"] as! String] = "\(text)|\(choice["finish_reason"]!)|\(usage["completion_tokens"]!)"
            }
            XCTAssertEqual(Set(byID.keys), ["capital", "poem", "count"], policy)
            XCTAssertTrue(byID["capital"]!.hasPrefix("The capital of France is Paris."), byID["capital"]!)
            XCTAssertFalse(byID["count"]!.contains(" five"), byID["count"]!)
            XCTAssertTrue(try String(contentsOfFile: errors, encoding: .utf8).contains("\"line\":4"))
            answers.append(byID)
        }
        XCTAssertEqual(answers[0], answers[1])
    }
}
