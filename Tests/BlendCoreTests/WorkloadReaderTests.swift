import BlendCore
import Foundation
import XCTest

final class WorkloadReaderTests: XCTestCase {
    // MARK: Golden inputs

    func testTraceLinesBecomeRequestsInOrder() {
        let input = """
            {"id": "r1", "prompt": [1, 2, 3], "output_len": 17}

            {"prompt":[4],"id":42,"max_tokens":8,"output_len":0, "arrival": 1.5}\r
              {"id": "r3", "prompt": [ 5 , 6 ] , "max_tokens": null, "extra": {"a": [1, {"b": null}]}}
            """
        let result = WorkloadReader().read(Array(input.utf8))
        XCTAssertEqual(result.errors, [])
        XCTAssertEqual(result.lines, 3)
        let workload = result.workload
        XCTAssertEqual(workload.ids, ["r1", "42", "r3"])
        XCTAssertEqual(workload.tokens, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(workload.promptOffsets, [0, 3, 4, 6])
        XCTAssertEqual(workload.outputLengths, [17, 0, -1])
        XCTAssertEqual(workload.maxNewTokens, [-1, 8, -1])
    }

    func testOpenAIBatchLinesWithTokenPromptsBecomeRequests() {
        let input = """
            {"custom_id": "a", "method": "POST", "url": "/v1/completions", "body": {"model": "m", "prompt": [7, 8], "max_tokens": 5, "temperature": 0.7, "top_p": 1, "seed": 3, "stop": ["\\n"], "logprobs": null}}
            {"custom_id": "b", "method": "POST", "url": "/v1/chat/completions", "body": {"prompt": [9], "max_completion_tokens": 2, "stop": "x"}}
            {"custom_id": "c", "body": {"prompt": [10, 11]}}
            """
        let result = WorkloadReader().read(Array(input.utf8))
        XCTAssertEqual(result.errors, [])
        XCTAssertEqual(result.workload.ids, ["a", "b", "c"])
        XCTAssertEqual(result.workload.tokens, [7, 8, 9, 10, 11])
        XCTAssertEqual(result.workload.maxNewTokens, [5, 2, -1])
        XCTAssertEqual(result.workload.outputLengths, [-1, -1, -1])
    }

    func testTextAndChatPromptsGoThroughTheTokenizer() {
        let input = """
            {"custom_id": "t", "method": "POST", "url": "/v1/completions", "body": {"prompt": "hi", "max_tokens": 4}}
            {"custom_id": "c", "method": "POST", "url": "/v1/chat/completions", "body": {"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}]}}
            """
        let result = WorkloadReader(tokenizer: ByteTokenizer()).read(Array(input.utf8))
        XCTAssertEqual(result.errors, [])
        XCTAssertEqual(result.workload.ids, ["t", "c"])
        XCTAssertEqual(Array(result.workload.prompt(0)), [104, 105])
        XCTAssertEqual(Array(result.workload.prompt(1)), Array("system:s|user:a\nb|".utf8).map { Int32($0) })
        XCTAssertEqual(result.workload.maxNewTokens, [4, -1])
    }

    func testStringEscapesAndUnicodeDecodeExactly() {
        let input = #"{"id": "q\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00é", "prompt": [1]}"#
        let result = WorkloadReader().read(Array(input.utf8))
        XCTAssertEqual(result.errors, [])
        XCTAssertEqual(result.workload.ids, ["q\"\\/\u{08}\u{0C}\n\r\té😀é"])
    }

    func testReadingFileAndDataGivesTheSameResultAsBytes() throws {
        let input = Array("{\"id\":\"a\",\"prompt\":[1]}\n{\"id\":\"b\"}\n{\"id\":\"c\",\"prompt\":[2,3]}".utf8)
        let path = temporaryPath("file-and-data")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(input).write(to: URL(fileURLWithPath: path))
        let reader = WorkloadReader()
        let expected = reader.read(input)
        assertSameResult(try reader.read(contentsOfFile: path), expected, "file")
        assertSameResult(reader.read(Data(input)), expected, "data")
        XCTAssertEqual(expected.workload.ids, ["a", "c"])
        XCTAssertEqual(expected.errors.map(\.line), [2])
    }

    func testMissingFileThrowsFileError() {
        XCTAssertThrowsError(try WorkloadReader().read(contentsOfFile: "/nonexistent/dir/x.jsonl")) { error in
            XCTAssertTrue(error is JSONLFileError, "\(error)")
        }
    }

    // MARK: One test per error kind

    func testMissingIDIsReported() {
        XCTAssertEqual(message(forBadLine: #"{"prompt": [1]}"#), #"missing "id""#)
    }

    func testMissingCustomIDIsReported() {
        XCTAssertEqual(
            message(forBadLine: #"{"method": "POST", "url": "/v1/completions", "body": {"prompt": [1]}}"#),
            #"missing "custom_id""#)
    }

    func testDuplicateIDIsReportedWithTheFirstLine() {
        XCTAssertEqual(
            message(forBadLine: #"{"id": "good1", "prompt": [1]}"#),
            #"duplicate id "good1" (first used on line 1)"#)
    }

    func testIntegerIDCollidesWithItsDecimalText() {
        let result = WorkloadReader().read(Array("{\"id\":7,\"prompt\":[1]}\n{\"id\":\"7\",\"prompt\":[1]}".utf8))
        XCTAssertEqual(result.errors, [LineError(line: 2, message: #"duplicate id "7" (first used on line 1)"#, id: "7")])
    }

    func testMissingPromptIsReported() {
        XCTAssertEqual(message(forBadLine: #"{"id": "x", "output_len": 3}"#), #"missing "prompt" (or "prompt_len")"#)
        XCTAssertEqual(
            message(forBadLine: #"{"custom_id": "x", "body": {"max_tokens": 3}}"#),
            #"missing "prompt" or "messages" in "body""#)
    }

    func testEmptyPromptIsReported() {
        XCTAssertEqual(message(forBadLine: #"{"id": "x", "prompt": []}"#), #""prompt" is empty"#)
    }

    func testNegativeTokenIDIsReported() {
        XCTAssertEqual(
            message(forBadLine: #"{"id": "x", "prompt": [1, -3]}"#),
            #""prompt" has a negative token id (-3) at column 27"#)
    }

    func testNonIntegerTokenIDIsReported() {
        XCTAssertEqual(
            message(forBadLine: #"{"id": "x", "prompt": [1, 2.5]}"#),
            #""prompt" must be an array of token ids, found number at column 27"#)
        XCTAssertEqual(
            message(forBadLine: #"{"id": "x", "prompt": [true]}"#),
            #""prompt" must be an array of token ids, found boolean at column 24"#)
    }

    func testPromptOfTheWrongKindIsReported() {
        XCTAssertEqual(
            message(forBadLine: #"{"id": "x", "prompt": {"a": 1}}"#),
            #""prompt" must be an array of token ids, got object"#)
    }

    func testTokenIDOutsideTheVocabularyIsReported() {
        XCTAssertEqual(
            message(forBadLine: #"{"id": "x", "prompt": [99, 100]}"#, options: .init(vocabSize: 100)),
            #""prompt" has token id 100 at column 28, outside the vocabulary (vocabSize 100)"#)
    }

    func testTokenIDBeyondInt32IsReported() {
        XCTAssertEqual(
            message(forBadLine: #"{"id": "x", "prompt": [2147483648]}"#),
            #""prompt" has a token id out of range at column 24"#)
        XCTAssertEqual(
            message(forBadLine: #"{"id": "x", "prompt": [99999999999999999999]}"#),
            #""prompt" has a token id out of range at column 24"#)
    }

    func testPromptLongerThanTheLimitIsReported() {
        XCTAssertEqual(
            message(forBadLine: #"{"id": "x", "prompt": [1, 2, 3, 4]}"#, options: .init(maxPromptLength: 3)),
            "prompt has 4 tokens, more than maxPromptLength 3")
    }

    func testNegativeOutputLengthIsReported() {
        XCTAssertEqual(
            message(forBadLine: #"{"id": "x", "prompt": [1], "output_len": -2}"#),
            #""output_len" must be a non-negative integer, got -2"#)
    }

    func testNegativeMaxTokensIsReported() {
        XCTAssertEqual(
            message(forBadLine: #"{"custom_id": "x", "body": {"prompt": [1], "max_tokens": -1}}"#),
            #""max_tokens" must be a non-negative integer, got -1"#)
    }

    func testWrongFieldTypesAreReported() {
        XCTAssertEqual(
            message(forBadLine: #"{"id": "x", "prompt": [1], "output_len": "12"}"#),
            #""output_len" must be a non-negative integer, got string"#)
        XCTAssertEqual(
            message(forBadLine: #"{"id": "x", "prompt": [1], "max_tokens": 1.5}"#),
            #""max_tokens" must be a non-negative integer, got number"#)
        XCTAssertEqual(
            message(forBadLine: #"{"id": [1], "prompt": [1]}"#), #""id" must be a string or an integer, got array"#)
        XCTAssertEqual(message(forBadLine: #"{"id": "", "prompt": [1]}"#), #""id" is empty"#)
        XCTAssertEqual(
            message(forBadLine: #"{"custom_id": "x", "body": {"prompt": [1], "temperature": "hot"}}"#),
            #""temperature" must be a number, got string"#)
        XCTAssertEqual(
            message(forBadLine: #"{"custom_id": "x", "body": {"prompt": [1], "seed": 1.5}}"#),
            #""seed" must be an integer, got number"#)
        XCTAssertEqual(
            message(forBadLine: #"{"custom_id": "x", "body": {"prompt": [1], "stop": [1]}}"#),
            #""stop" must be a string or an array of strings"#)
        XCTAssertEqual(
            message(forBadLine: #"{"custom_id": "x", "body": [1]}"#), #""body" must be an object, got array"#)
    }

    func testOutputLengthBeyondInt32IsReported() {
        XCTAssertEqual(
            message(forBadLine: #"{"id": "x", "prompt": [1], "output_len": 2147483648}"#),
            #""output_len" is out of range (at most 2147483647)"#)
    }

    func testTrailingGarbageIsReported() {
        XCTAssertEqual(
            message(forBadLine: #"{"id": "x", "prompt": [1]} xyz"#),
            "unexpected characters after the object at column 28")
    }

    func testLineThatIsNotAnObjectIsReported() {
        XCTAssertEqual(message(forBadLine: "[1, 2, 3]"), "line is not a JSON object (got array)")
        XCTAssertEqual(message(forBadLine: "hello"), "unexpected character 'h' at column 1")
    }

    func testBatchedPromptsAreReported() {
        XCTAssertEqual(
            message(forBadLine: #"{"custom_id": "x", "body": {"prompt": [[1, 2], [3]]}}"#),
            #""prompt" is a list of token lists (batched prompts); give one prompt per line"#)
        XCTAssertEqual(
            message(forBadLine: #"{"custom_id": "x", "body": {"prompt": ["a", "b"]}}"#),
            #""prompt" is a list of strings (batched prompts); give one prompt per line"#)
    }

    func testTextAndChatPromptsWithoutTokenizerAreReported() {
        XCTAssertEqual(
            message(forBadLine: #"{"custom_id": "x", "body": {"prompt": "hello"}}"#),
            "a text prompt needs a tokenizer (a model; use `blendserve run`)")
        XCTAssertEqual(
            message(forBadLine: #"{"custom_id": "x", "body": {"messages": [{"role": "user", "content": "hi"}]}}"#),
            #"a chat ("messages") prompt needs a tokenizer (a model; use `blendserve run`)"#)
    }

    func testBadMethodAndURLAreReported() {
        XCTAssertEqual(
            message(forBadLine: #"{"custom_id": "x", "method": "GET", "body": {"prompt": [1]}}"#),
            #""method" must be "POST", got "GET""#)
        XCTAssertEqual(
            message(forBadLine: #"{"custom_id": "x", "url": "/v1/embeddings", "body": {"prompt": [1]}}"#),
            #""url" must be "/v1/completions" or "/v1/chat/completions", got "/v1/embeddings""#)
    }

    func testDuplicateFieldIsReported() {
        XCTAssertEqual(
            message(forBadLine: #"{"id": "x", "prompt": [1], "id": "y"}"#), #"duplicate field "id""#)
    }

    func testSyntaxErrorsNameTheColumn() {
        XCTAssertEqual(message(forBadLine: #"{"id" "x", "prompt": [1]}"#), "expected ':' at column 7")
        XCTAssertEqual(message(forBadLine: #"{"id": "x", "prompt": [1}"#), "expected ',' or ']' at column 25")
        XCTAssertEqual(message(forBadLine: #"{"id": "x", "prompt": [1],}"#), "expected a string key at column 27")
        XCTAssertEqual(message(forBadLine: #"{"id": "x, "prompt": [1]}"#), "expected ',' or '}' at column 13")
        XCTAssertEqual(message(forBadLine: #"{"id": "x"#), "unterminated string at column 8")
        XCTAssertEqual(message(forBadLine: #"{"id": "x", "prompt": [01]}"#), "leading zero in number at column 24")
        XCTAssertEqual(
            message(forBadLine: #"{"id": "x", "prompt": [1], "output_len": 123456789012345678901}"#),
            #""output_len" is out of range (at most 2147483647)"#)
        XCTAssertEqual(message(forBadLine: #"{"id": "x", "prompt": [1], "n": tru}"#), "invalid literal at column 33")
    }

    func testScannerReportsIntegerOutOfRangeAtItsColumn() {
        let bytes = Array("  12345678901234567890".utf8)
        let error = bytes.withUnsafeBufferPointer { buffer -> JSONScanError? in
            var scanner = JSONScanner(buffer)
            do throws(JSONScanError) {
                _ = try scanner.parseInteger()
                return nil
            } catch {
                return error
            }
        }
        XCTAssertEqual(error?.reason, JSONScanError.Reason.outOfRange(nil))
        XCTAssertEqual(error?.description, "integer out of range at column 3")
    }

    func testBadStringContentsAreReported() {
        XCTAssertEqual(
            message(forBadLine: #"{"id": "\ud800", "prompt": [1]}"#), #"unpaired surrogate in \u escape at column 9"#)
        XCTAssertEqual(
            message(forBadLine: #"{"id": "\q", "prompt": [1]}"#),
            "invalid escape: backslash followed by character 'q' at column 9")
        XCTAssertEqual(message(forBadLine: "{\"id\": \"a\tb\", \"prompt\": [1]}"), "unescaped control character in string at column 10")
        let invalidUTF8 = Array(#"{"id": "a"#.utf8) + [0xC3, 0x28] + Array(#"", "prompt": [1]}"#.utf8)
        XCTAssertEqual(message(forBadLine: invalidUTF8), "invalid UTF-8 in string at column 8")
    }

    func testDeepNestingIsCapped() {
        let depth = 100
        let line = #"{"id": "x", "prompt": [1], "deep": "# + String(repeating: "[", count: depth)
            + String(repeating: "]", count: depth) + "}"
        XCTAssertEqual(message(forBadLine: line), "nesting deeper than 64 levels at column 99")
        let hostile = String(repeating: "{\"a\":[", count: 100_000)
        XCTAssertEqual(WorkloadReader().read(Array(hostile.utf8)).errors.count, 1)
    }

    // MARK: Compact prefix-group form

    func testCompactLinesShareTheirGroupPrefixAndHaveDistinctTails() {
        let input = """
            {"id": "a", "prompt_len": 10, "prefix_group": "sys", "prefix_len": 6, "output_len": 3}
            {"id": "b", "prompt_len": 8, "prefix_group": "sys", "prefix_len": 6}
            {"id": "c", "prompt_len": 12, "prefix_group": "sys", "prefix_len": 9}
            {"id": "d", "prompt_len": 10, "prefix_group": "other", "prefix_len": 6}
            {"id": "e", "prompt_len": 5}
            """
        let options = WorkloadReader.Options(vocabSize: 1000)
        let result = WorkloadReader(options: options).read(Array(input.utf8))
        XCTAssertEqual(result.errors, [])
        let workload = result.workload
        XCTAssertEqual((0 ..< 5).map(workload.promptLength), [10, 8, 12, 10, 5])
        XCTAssertEqual(workload.outputLengths, [3, -1, -1, -1, -1])
        let prompts = (0 ..< 5).map { Array(workload.prompt($0)) }
        XCTAssertEqual(prompts[0].prefix(6), prompts[1].prefix(6))
        XCTAssertEqual(prompts[0].prefix(6), prompts[2].prefix(6))
        XCTAssertNotEqual(prompts[0].prefix(6), prompts[3].prefix(6))
        let tails = [prompts[0].dropFirst(6), prompts[1].dropFirst(6), prompts[2].dropFirst(9), prompts[3].dropFirst(6)]
        XCTAssertEqual(Set(tails.map { Array($0.prefix(2)) }).count, 4)
        XCTAssertTrue(workload.tokens.allSatisfy { (0 ..< 1000).contains($0) })
        let again = WorkloadReader(options: options).read(Array(input.utf8))
        XCTAssertEqual(again.workload.tokens, workload.tokens)
    }

    func testCompactLineErrorsAreReported() {
        XCTAssertEqual(
            message(forBadLine: #"{"id": "x", "prompt_len": 4, "prefix_group": "g", "prefix_len": 5}"#),
            #""prefix_len" (5) is larger than "prompt_len" (4)"#)
        XCTAssertEqual(
            message(forBadLine: #"{"id": "x", "prompt_len": 4, "prefix_group": "g"}"#),
            #""prefix_group" and "prefix_len" must be given together"#)
        XCTAssertEqual(message(forBadLine: #"{"id": "x", "prompt_len": 0}"#), #""prompt_len" must be positive"#)
        XCTAssertEqual(
            message(forBadLine: #"{"id": "x", "prompt": [1], "prompt_len": 1}"#),
            #"give either "prompt" or "prompt_len", not both"#)
        XCTAssertEqual(
            message(forBadLine: #"{"id": "x", "prompt_len": 10}"#, options: .init(maxPromptLength: 9)),
            #""prompt_len" is 10, more than the limit of 9"#)
    }

    // MARK: Chunking

    func testTinyChunksGiveTheSameResultAsTheDefault() throws {
        var random = SeededGenerator(seed: 7)
        var lines: [String] = []
        for index in 0 ..< 200 {
            switch random.next() % 5 {
            case 0: lines.append("")
            case 1: lines.append(#"{"id": "bad\#(index)", "prompt": [1,"#)
            case 2: lines.append("{\"id\": \"c\(index)\", \"prompt\": [1, 2]}\r")
            default:
                let tokens = (0 ..< Int(random.next() % 300) + 1).map { _ in String(random.next() % 50_000) }
                lines.append("{\"id\": \"r\(index)\", \"prompt\": [\(tokens.joined(separator: ","))], \"output_len\": 4}")
            }
        }
        let input = Array(lines.joined(separator: "\n").utf8)
        let path = temporaryPath("chunks")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(input).write(to: URL(fileURLWithPath: path))
        let expected = try WorkloadReader().read(contentsOfFile: path)
        XCTAssertGreaterThan(expected.workload.count, 100)
        for chunkSize in [1, 2, 7, 64, 1000] {
            let reader = WorkloadReader(options: .init(chunkSize: chunkSize))
            assertSameResult(try reader.read(contentsOfFile: path), expected, "file, chunk \(chunkSize)")
            assertSameResult(reader.read(input), expected, "bytes, chunk \(chunkSize)")
        }
    }

    // MARK: Properties

    func testGoodLinesRoundTripAndBadLinesAreReportedAtTheirLine() {
        for seed in UInt64(1) ... 30 {
            var random = SeededGenerator(seed: seed)
            let format: WorkloadWriter.Format = seed % 2 == 0 ? .trace : .openAIBatch
            let workload = randomWorkload(&random, requests: Int(random.next() % 60))
            let goodLines = WorkloadWriter(format: format).encode(workload).split(separator: 0x0A)
            var input: [UInt8] = []
            var badLineNumbers: [Int] = []
            var lineNumber = 0
            var nextGood = 0
            while nextGood < goodLines.count || random.next() % 4 != 0 {
                lineNumber += 1
                let roll = random.next() % 10
                if roll < 2 {
                    input += malformedLines[Int(random.next() % UInt64(malformedLines.count))].utf8
                    badLineNumbers.append(lineNumber)
                } else if roll < 3 {
                    input += random.next() % 2 == 0 ? [] : Array("  \t\r".utf8)
                } else if nextGood < goodLines.count {
                    input += goodLines[nextGood]
                    nextGood += 1
                } else {
                    lineNumber -= 1
                    continue
                }
                input.append(0x0A)
            }
            let chunkSize = 1 + Int(random.next() % 5000)
            let result = WorkloadReader(options: .init(chunkSize: chunkSize)).read(input)
            var expected = workload
            if format == .openAIBatch {
                for index in 0 ..< expected.count { expected.setOutputLength(index, -1) }
            }
            assertSameWorkload(result.workload, expected, "seed \(seed)")
            XCTAssertEqual(result.errors.map(\.line), badLineNumbers, "seed \(seed): \(result.errors)")
            XCTAssertEqual(result.lines, goodLines.count + badLineNumbers.count, "seed \(seed)")
        }
    }

    func testMutatedLinesNeverCrashAndEveryNonBlankLineIsAccountedFor() {
        let valid = """
            {"id": "r1", "prompt": [1, 22, 333], "output_len": 17, "max_tokens": 4}
            {"custom_id": "b\\u00e9", "method": "POST", "url": "/v1/completions", "body": {"prompt": [5, 6], "max_tokens": 3, "temperature": 0.5, "stop": ["a"]}}
            {"id": 77, "prompt_len": 12, "prefix_group": "g\\n", "prefix_len": 4}
            {"custom_id": "c", "body": {"messages": [{"role": "user", "content": "hi"}]}}
            """
        let lines = valid.split(separator: "\n").map { Array($0.utf8) }
        for seed in UInt64(1) ... 2000 {
            var random = SeededGenerator(seed: seed)
            var input = Array(lines[0]) + [0x0A]
            for _ in 0 ..< 8 {
                var line = lines[Int(random.next() % UInt64(lines.count))]
                for _ in 0 ..< 1 + Int(random.next() % 3) {
                    guard !line.isEmpty else { break }
                    let position = Int(random.next() % UInt64(line.count))
                    switch random.next() % 4 {
                    case 0: line[position] ^= UInt8(truncatingIfNeeded: 1 << (random.next() % 8))
                    case 1: line.removeSubrange(position...)
                    case 2: line.insert(UInt8(truncatingIfNeeded: random.next()), at: position)
                    default: line.remove(at: position)
                    }
                }
                input += line + [0x0A]
            }
            let result = WorkloadReader(options: .init(vocabSize: 1000)).read(input)
            let nonBlank = input.split(separator: 0x0A, omittingEmptySubsequences: false).filter { line in
                line.contains { ![0x20, 0x09, 0x0D].contains($0) }
            }.count
            XCTAssertEqual(result.lines, nonBlank, "seed \(seed)")
            XCTAssertEqual(result.workload.count + result.errors.count, nonBlank, "seed \(seed)")
        }
    }

    func testRandomBytesNeverCrash() {
        for seed in UInt64(1) ... 300 {
            var random = SeededGenerator(seed: seed)
            let alphabet = Array(#"{}[]":,0123456789-.eE \tnulltruefalse\u"#.utf8) + [0x0A, 0xC3, 0xFF]
            let input = (0 ..< Int(random.next() % 2000)).map { _ in
                random.next() % 3 == 0
                    ? UInt8(truncatingIfNeeded: random.next()) : alphabet[Int(random.next() % UInt64(alphabet.count))]
            }
            let result = WorkloadReader().read(input)
            XCTAssertEqual(result.workload.count + result.errors.count, result.lines, "seed \(seed)")
        }
    }

    func testBenchmarkReadsItsWholeTrace() throws {
        let result = try ReaderBenchmark.run(requests: 50, seed: 3)
        XCTAssertEqual(result.requests, 50)
        XCTAssertGreaterThan(result.bytes, 50 * 200)
        XCTAssertGreaterThan(result.seconds, 0)
    }

    // MARK: Helpers

    /// Lines that each must produce exactly one error.
    private let malformedLines = [
        #"{"id": "m", "prompt": [1, 2"#,
        #"{"prompt": [1]}"#,
        #"{"id": "x", "prompt": []}"#,
        #"{"id": "x", "prompt": [-1]}"#,
        #"{"id": "x", "prompt": [1], "output_len": "7"}"#,
        #"not json"#,
        #"[1, 2]"#,
        #"{"custom_id": "x", "body": {"prompt": "text"}}"#,
        #"{"id": "x", "prompt": [1]} trailing"#,
        "{\"id\": \"\u{1}\", \"prompt\": [1]}",
    ]

    /// The message of the only error when `badLine` is line 3, between two good lines and a blank one.
    private func message(
        forBadLine badLine: String, options: WorkloadReader.Options = .init(), file: StaticString = #filePath,
        line: UInt = #line
    ) -> String? {
        message(forBadLine: Array(badLine.utf8), options: options, file: file, line: line)
    }

    private func message(
        forBadLine badLine: [UInt8], options: WorkloadReader.Options = .init(), file: StaticString = #filePath,
        line: UInt = #line
    ) -> String? {
        let input = Array("{\"id\": \"good1\", \"prompt\": [1]}\n\n".utf8) + badLine
            + Array("\n{\"id\": \"good2\", \"prompt\": [2]}\n".utf8)
        let result = WorkloadReader(options: options).read(input)
        XCTAssertEqual(result.workload.ids, ["good1", "good2"], file: file, line: line)
        XCTAssertEqual(result.errors.count, 1, "\(result.errors)", file: file, line: line)
        XCTAssertEqual(result.errors.first?.line, 3, file: file, line: line)
        XCTAssertEqual(result.lines, 3, file: file, line: line)
        if let error = result.errors.first {
            XCTAssertEqual(error.description, "line 3: \(error.message)", file: file, line: line)
        }
        return result.errors.first?.message
    }

    private func randomWorkload(_ random: inout SeededGenerator, requests: Int) -> Workload {
        let idAlphabet: [Character] = ["a", "Z", "7", "-", "\"", "\\", "\n", "\t", "\u{1}", "é", "😀", " ", "/"]
        var workload = Workload()
        for index in 0 ..< requests {
            let suffix = String((0 ..< Int(random.next() % 6)).map { _ in
                idAlphabet[Int(random.next() % UInt64(idAlphabet.count))]
            })
            let length = 1 + Int(random.next() % 400)
            let prompt = (0 ..< length).map { _ in Int32(truncatingIfNeeded: random.next() % 200_000) }
            let output = random.next() % 3 == 0 ? nil : Int(random.next() % 5000)
            let maxTokens = random.next() % 3 == 0 ? nil : Int(random.next() % 5000)
            workload.append(id: "r\(index)_\(suffix)", prompt: prompt, maxNewTokens: maxTokens, outputLength: output)
        }
        return workload
    }

    private func assertSameResult(
        _ actual: WorkloadReadResult, _ expected: WorkloadReadResult, _ context: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        assertSameWorkload(actual.workload, expected.workload, context, file: file, line: line)
        XCTAssertEqual(actual.errors, expected.errors, context, file: file, line: line)
        XCTAssertEqual(actual.lines, expected.lines, context, file: file, line: line)
    }

    private func assertSameWorkload(
        _ actual: Workload, _ expected: Workload, _ context: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(actual.ids, expected.ids, context, file: file, line: line)
        XCTAssertEqual(actual.tokens, expected.tokens, context, file: file, line: line)
        XCTAssertEqual(actual.promptOffsets, expected.promptOffsets, context, file: file, line: line)
        XCTAssertEqual(actual.maxNewTokens, expected.maxNewTokens, context, file: file, line: line)
        XCTAssertEqual(actual.outputLengths, expected.outputLengths, context, file: file, line: line)
    }

    private func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory
            .appendingPathComponent("workload-reader-\(name)-\(ProcessInfo.processInfo.processIdentifier).jsonl").path
    }
}

/// A test tokenizer: text becomes its UTF-8 bytes; chat becomes `role:content|` per message.
private struct ByteTokenizer: PromptTokenizer {
    func encode(text: String) throws -> [Int32] {
        text.utf8.map { Int32($0) }
    }

    func encode(chat messages: [ChatMessage]) throws -> [Int32] {
        try encode(text: messages.map { "\($0.role):\($0.content)|" }.joined())
    }
}

