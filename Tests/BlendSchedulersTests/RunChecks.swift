import BlendCore
import XCTest

extension XCTestCase {
    /// Runs `scheduler` on `engine` to the end, declaring the run stuck after 200 idle plans, and
    /// checks that the runner's per-result callback reported every request exactly once, with
    /// its final result.
    func runToEnd<S: BatchScheduler>(_ scheduler: S, engine: CheckingEngine, workload: Workload,
                                     file: StaticString = #filePath, line: UInt = #line) async -> RunResult {
        var runner = OfflineRunner(scheduler: scheduler, engine: engine, workload: workload)
        runner.idlePlanLimit = 200
        var reported: [RequestResult] = []
        runner.onResult = { reported.append($0) }
        let result = await runner.run()
        XCTAssertEqual(reported.map(\.request).sorted(), Array(0 ..< workload.count),
                       "\(scheduler.name): every request reported once", file: file, line: line)
        XCTAssertEqual(reported.sorted { $0.request < $1.request }, result.results,
                       "\(scheduler.name): reported results are the final ones", file: file, line: line)
        return result
    }

    /// Asserts that the run lost nothing: no failure, no engine problem, every request ended
    /// exactly once, and each finished one generated its true output length, cut at its
    /// `max_tokens` and at the longest sequence the engine holds.
    func assertEveryRequestEndsOnce(_ result: RunResult, engine: CheckingEngine, workload: Workload,
                                    _ context: String, file: StaticString = #filePath, line: UInt = #line) {
        let capacity = engine.capacity
        XCTAssertNil(result.failure, context, file: file, line: line)
        XCTAssertEqual(engine.problemList, [], context, file: file, line: line)
        XCTAssertEqual(result.results.count, workload.count, context, file: file, line: line)
        for (index, request) in result.results.enumerated() {
            XCTAssertTrue((request.finish == nil) != (request.error == nil), "\(context) request \(index)", file: file, line: line)
            guard request.finish != nil else { continue }
            let room = min(capacity.maxContext, capacity.deviceBlocks * capacity.blockSize) - workload.promptLength(index)
            let limit = workload.maxNewTokens[index] >= 0 ? min(Int(workload.maxNewTokens[index]), room) : room
            XCTAssertEqual(request.generatedTokens, min(Int(workload.outputLengths[index]), limit),
                           "\(context) request \(index)", file: file, line: line)
        }
    }
}
