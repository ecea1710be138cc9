import BlendCore
import XCTest

/// The endpoint, model and sampling parameters ``WorkloadReader`` keeps per request, and the line
/// errors for values out of range.
final class BatchRequestOptionsTests: XCTestCase {
    func testBatchLinesKeepTheirSamplingParametersModelAndEndpoint() {
        let input = """
            {"custom_id": "a", "method": "POST", "url": "/v1/completions", "body": {"model": "m1", "prompt": [7, 8], "temperature": 0, "top_p": 0.9, "top_k": 40, "seed": 18446744073709551615, "stop": ["\\n", "END"], "n": 1}}

            {"custom_id": "b", "url": "/v1/chat/completions", "body": {"prompt": [9], "stop": "x", "temperature": 0.7, "seed": 0}}
            {"custom_id": "c", "body": {"prompt": [10], "temperature": null, "top_p": null, "top_k": null, "seed": null, "stop": null, "n": null, "model": null}}
            {"custom_id": "d", "body": {"messages": [{"role": "user", "content": "hi"}], "top_k": 0, "temperature": 2}}
            {"id": "t", "prompt": [11], "output_len": 3}
            """
        let result = WorkloadReader(tokenizer: UTF8Tokenizer()).read(Array(input.utf8))
        XCTAssertEqual(result.errors, [])
        XCTAssertEqual(result.workload.ids, ["a", "b", "c", "d", "t"])
        XCTAssertEqual(result.requestOptions, [
            BatchRequestOptions(endpoint: .completions, model: "m1",
                                sampling: SamplingParameters(temperature: 0, topP: 0.9, topK: 40, seed: UInt64.max, stop: ["\n", "END"]),
                                line: 1),
            BatchRequestOptions(endpoint: .chatCompletions, sampling: SamplingParameters(temperature: 0.7, seed: 0, stop: ["x"]), line: 3),
            BatchRequestOptions(endpoint: .completions, line: 4),
            BatchRequestOptions(endpoint: .chatCompletions, sampling: SamplingParameters(temperature: 2), line: 5),
            BatchRequestOptions(endpoint: .completions, line: 6),
        ])
        XCTAssertTrue(result.requestOptions[0].sampling.isGreedy)
        XCTAssertFalse(result.requestOptions[1].sampling.isGreedy)
        XCTAssertNil(result.requestOptions[3].sampling.topK, "top_k 0 turns the cut-off off")
    }

    func testDefaultsAreOpenAIs() {
        let defaults = SamplingParameters()
        XCTAssertEqual(defaults.temperature, 1)
        XCTAssertEqual(defaults.topP, 1)
        XCTAssertNil(defaults.topK)
        XCTAssertNil(defaults.seed)
        XCTAssertEqual(defaults.stop, [])
        XCTAssertFalse(defaults.isGreedy)
        XCTAssertTrue(SamplingParameters(topK: 1).isGreedy)
    }

    func testOutOfRangeValuesAreLineErrors() {
        let cases: [(String, String)] = [
            (#""temperature": 2.5"#, #""temperature" must be between 0 and 2, got 2.5"#),
            (#""temperature": -0.1"#, #""temperature" must be between 0 and 2, got -0.1"#),
            (#""temperature": "hot""#, #""temperature" must be a number, got string"#),
            (#""top_p": 0"#, #""top_p" must be greater than 0 and at most 1, got 0"#),
            (#""top_p": 1.01"#, #""top_p" must be greater than 0 and at most 1, got 1.01"#),
            (#""top_k": -1"#, #""top_k" must be a non-negative integer, got -1"#),
            (#""top_k": 2.5"#, #""top_k" must be a non-negative integer, got number"#),
            (#""seed": -1"#, #""seed" must be a non-negative integer, got -1"#),
            (#""seed": 1.5"#, #""seed" must be an integer, got number"#),
            (#""seed": 18446744073709551616"#, #""seed" is out of range (at most 18446744073709551615)"#),
            (#""seed": "7""#, #""seed" must be an integer, got string"#),
            (#""n": 2"#, #""n" must be 1: one completion per line (got 2)"#),
            (#""n": 0"#, #""n" must be 1: one completion per line (got 0)"#),
            (#""stop": ["a", "b", "c", "d", "e"]"#, #""stop" has 5 strings; at most 4 are allowed"#),
            (#""stop": ["a", ""]"#, #""stop" has an empty string"#),
            (#""stop": """#, #""stop" has an empty string"#),
            (#""stop": [null]"#, #""stop" must be a string or an array of strings"#),
            (#""model": 3"#, #""model" must be a string, got number"#),
        ]
        for (field, expected) in cases {
            let line = #"{"custom_id": "x", "body": {"prompt": [1], "# + field + "}}"
            let result = WorkloadReader().read(Array(("{\"id\": \"ok\", \"prompt\": [1]}\n" + line).utf8))
            XCTAssertEqual(result.errors, [LineError(line: 2, message: expected, id: "x")], field)
            XCTAssertEqual(result.requestOptions, [BatchRequestOptions(line: 1)], field)
        }
    }

    func testChatMessagesNeedTheChatURL() {
        let line = #"{"custom_id": "x", "url": "/v1/completions", "body": {"messages": [{"role": "user", "content": "hi"}]}}"#
        let result = WorkloadReader(tokenizer: UTF8Tokenizer()).read(Array(line.utf8))
        XCTAssertEqual(result.errors.map(\.message),
                       [#"a "messages" prompt needs the url "/v1/chat/completions", got "/v1/completions""#])
    }

    func testOptionsStayAlignedWithTheWorkloadWhateverTheMixOfLines() {
        let good = [
            #"{"id": "ID", "prompt": [1, 2]}"#,
            #"{"custom_id": "ID", "body": {"prompt": [3], "temperature": 0.5, "stop": "s"}}"#,
            #"{"custom_id": "ID", "url": "/v1/chat/completions", "body": {"prompt": [4], "seed": 9}}"#,
            #"{"id": "ID", "prompt_len": 5, "output_len": 2}"#,
        ]
        let bad = [
            #"{"custom_id": "ID", "body": {"prompt": [1], "n": 3}}"#,
            #"{"custom_id": "ID", "body": {"prompt": [1], "top_p": 2}}"#,
            #"{"id": "ID", "prompt": []}"#,
            "not json",
        ]
        var random = SeededGenerator(seed: 11)
        for round in 0 ..< 50 {
            var lines: [String] = []
            var expectedLines: [Int] = []
            for index in 0 ..< Int.random(in: 0 ... 30, using: &random) {
                switch Int.random(in: 0 ..< 5, using: &random) {
                case 0: lines.append("")
                case 1: lines.append(bad.randomElement(using: &random)!.replacingOccurrences(of: "ID", with: "r\(index)"))
                default:
                    lines.append(good.randomElement(using: &random)!.replacingOccurrences(of: "ID", with: "r\(index)"))
                    expectedLines.append(lines.count)
                }
            }
            let result = WorkloadReader().read(Array(lines.joined(separator: "\n").utf8))
            XCTAssertEqual(result.requestOptions.count, result.workload.count, "round \(round)")
            XCTAssertEqual(result.requestOptions.map(\.line), expectedLines, "round \(round)")
            for (index, options) in result.requestOptions.enumerated() {
                let line = lines[options.line - 1]
                XCTAssertEqual(options.sampling.temperature, line.contains("0.5") ? 0.5 : 1, "round \(round) request \(index)")
                XCTAssertEqual(options.sampling.seed, line.contains("\"seed\"") ? 9 : nil, "round \(round) request \(index)")
                XCTAssertEqual(options.endpoint, line.contains("chat") ? .chatCompletions : .completions, "round \(round) request \(index)")
            }
        }
    }
}

/// A test tokenizer: text becomes its UTF-8 bytes; chat becomes the contents joined.
private struct UTF8Tokenizer: PromptTokenizer {
    func encode(text: String) throws -> [Int32] {
        text.utf8.map { Int32($0) }
    }

    func encode(chat messages: [ChatMessage]) throws -> [Int32] {
        try encode(text: messages.map(\.content).joined())
    }
}
