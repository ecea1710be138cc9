import BlendCore
import Foundation
import XCTest

final class WorkloadWriterTests: XCTestCase {
    private func sampleWorkload() -> Workload {
        var workload = Workload()
        workload.append(id: "r1", prompt: [1, 2, 3] as [Int32], outputLength: 17)
        workload.append(id: "r2", prompt: [0, 2_147_483_647] as [Int32], maxNewTokens: 64, outputLength: 0)
        workload.append(id: "r3", prompt: [10] as [Int32], maxNewTokens: 5)
        workload.append(id: "r4", prompt: [42] as [Int32])
        return workload
    }

    func testTraceFormatIsExact() {
        let text = String(decoding: WorkloadWriter(format: .trace).encode(sampleWorkload()), as: UTF8.self)
        XCTAssertEqual(text, """
            {"id":"r1","prompt":[1,2,3],"output_len":17}
            {"id":"r2","prompt":[0,2147483647],"output_len":0,"max_tokens":64}
            {"id":"r3","prompt":[10],"max_tokens":5}
            {"id":"r4","prompt":[42]}

            """)
    }

    func testOpenAIBatchFormatIsExact() {
        let text = String(decoding: WorkloadWriter(format: .openAIBatch).encode(sampleWorkload()), as: UTF8.self)
        XCTAssertEqual(text, """
            {"custom_id":"r1","method":"POST","url":"/v1/completions","body":{"prompt":[1,2,3]}}
            {"custom_id":"r2","method":"POST","url":"/v1/completions","body":{"prompt":[0,2147483647],"max_tokens":64}}
            {"custom_id":"r3","method":"POST","url":"/v1/completions","body":{"prompt":[10],"max_tokens":5}}
            {"custom_id":"r4","method":"POST","url":"/v1/completions","body":{"prompt":[42]}}

            """)
    }

    func testIDsAreJSONEscaped() {
        var workload = Workload()
        let id = "q\"\\/\u{08}\u{0C}\n\r\t\u{01}\u{1F}é😀"
        workload.append(id: id, prompt: [1] as [Int32])
        let bytes = WorkloadWriter().encode(workload)
        XCTAssertEqual(
            String(decoding: bytes, as: UTF8.self),
            #"{"id":"q\"\\/\b\f\n\r\t\u0001\u001fé😀","prompt":[1]}"# + "\n")
        XCTAssertEqual(WorkloadReader().read(bytes).workload.ids, [id])
    }

    func testEmptyWorkloadWritesNothing() {
        XCTAssertEqual(WorkloadWriter().encode(Workload()), [])
    }

    func testFileWritesMatchInMemoryBytesForAnyFlushSize() throws {
        var random = SeededGenerator(seed: 11)
        let workload = randomWorkload(&random, requests: 300)
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("workload-writer-\(ProcessInfo.processInfo.processIdentifier).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        for format in [WorkloadWriter.Format.trace, .openAIBatch] {
            let expected = WorkloadWriter(format: format).encode(workload)
            for flushSize in [1, 100, 1 << 20] {
                try WorkloadWriter(format: format, flushSize: flushSize).write(workload, toFile: path)
                XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: path))), expected, "\(format) \(flushSize)")
            }
        }
    }

    func testWritingToAnUnwritablePathThrowsFileError() {
        XCTAssertThrowsError(try WorkloadWriter().write(sampleWorkload(), toFile: "/nonexistent/dir/x.jsonl")) {
            XCTAssertTrue($0 is JSONLFileError, "\($0)")
        }
    }

    func testRandomWorkloadsRoundTripThroughBothFormats() {
        for seed in UInt64(1) ... 40 {
            var random = SeededGenerator(seed: seed)
            let workload = randomWorkload(&random, requests: Int(random.next() % 80))
            for format in [WorkloadWriter.Format.trace, .openAIBatch] {
                let result = WorkloadReader().read(WorkloadWriter(format: format).encode(workload))
                let context = "seed \(seed), \(format)"
                XCTAssertEqual(result.errors, [], context)
                XCTAssertEqual(result.lines, workload.count, context)
                XCTAssertEqual(result.workload.ids, workload.ids, context)
                XCTAssertEqual(result.workload.tokens, workload.tokens, context)
                XCTAssertEqual(result.workload.promptOffsets, workload.promptOffsets, context)
                XCTAssertEqual(result.workload.maxNewTokens, workload.maxNewTokens, context)
                let expectedOutputs = format == .trace ? workload.outputLengths : workload.outputLengths.map { _ in -1 }
                XCTAssertEqual(result.workload.outputLengths, expectedOutputs, context)
            }
        }
    }

    private func randomWorkload(_ random: inout SeededGenerator, requests: Int) -> Workload {
        let idAlphabet: [Character] = ["x", "Q", "0", "\"", "\\", "\n", "\u{7F}", "\u{1B}", "ß", "🙂", " "]
        var workload = Workload()
        for index in 0 ..< requests {
            let suffix = String((0 ..< Int(random.next() % 5)).map { _ in
                idAlphabet[Int(random.next() % UInt64(idAlphabet.count))]
            })
            let prompt = (0 ..< 1 + Int(random.next() % 300)).map { _ in
                random.next() % 50 == 0 ? Int32.max : Int32(truncatingIfNeeded: random.next() % 1_000_000)
            }
            workload.append(
                id: "w\(index)_\(suffix)", prompt: prompt,
                maxNewTokens: random.next() % 2 == 0 ? nil : Int(random.next() % 100_000),
                outputLength: random.next() % 2 == 0 ? nil : Int(random.next() % 100_000))
        }
        return workload
    }
}

