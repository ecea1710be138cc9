import BlendCore
import BlendSchedulers
import XCTest

final class BaselineSchedulerTests: XCTestCase {
    /// Random workloads with shared stems so the prefix cache has work to do.
    private func randomWorkload(_ random: inout SeededGenerator, requests: Int) -> Workload {
        let stems = (0 ..< 4).map { stem in (0 ..< Int.random(in: 0 ... 40, using: &random)).map { _ in Int32(stem * 1000) + Int32.random(in: 0 ..< 3, using: &random) } }
        var workload = Workload()
        for index in 0 ..< requests {
            var prompt = stems.randomElement(using: &random)!
            prompt += (0 ..< Int.random(in: 1 ... 60, using: &random)).map { _ in Int32.random(in: 0 ..< 50, using: &random) }
            let maxTokens: Int? = Bool.random(using: &random) ? Int.random(in: 1 ... 80, using: &random) : nil
            workload.append(id: "r\(index)", prompt: prompt, maxNewTokens: maxTokens, outputLength: Int.random(in: 1 ... 60, using: &random))
        }
        return workload
    }

    private func policies(seed: UInt64, options: SequenceBatcher.Options) -> [any BatchScheduler] {
        PolicyCatalog.names.map { try! PolicyCatalog.make($0, options: options, seed: seed) }
    }

    func testRunnerNeverLosesARequestUnderRandomCapacitiesAndPolicies() async {
        for seed in 1 ... 60 as ClosedRange<UInt64> {
            var random = SeededGenerator(seed: seed)
            let workload = randomWorkload(&random, requests: Int.random(in: 1 ... 60, using: &random))
            let capacity = EngineCapacity(
                blockSize: [1, 4, 16].randomElement(using: &random)!, deviceBlocks: Int.random(in: 4 ... 400, using: &random),
                bytesPerBlock: 1, maxTokensPerStep: Int.random(in: 8 ... 512, using: &random),
                maxSequencesPerStep: Int.random(in: 1 ... 32, using: &random), maxContext: Int.random(in: 40 ... 400, using: &random))
            let options = SequenceBatcher.Options(
                chunkedPrefill: Bool.random(using: &random), prefixCaching: Bool.random(using: &random),
                roundTokensTo128: Bool.random(using: &random), maxSpan: [1, 8, 4096].randomElement(using: &random)!)
            for scheduler in policies(seed: seed, options: options) {
                let context = "seed \(seed) \(scheduler.name) \(capacity) \(options)"
                let engine = CheckingEngine(workload: workload, capacity: capacity)
                let result = await runToEnd(scheduler, engine: engine, workload: workload)
                assertEveryRequestEndsOnce(result, engine: engine, workload: workload, context)
            }
        }
    }

    func testRequestsThatCanNeverFitAreRejectedWithAReason() async {
        var workload = Workload()
        workload.append(id: "ok", prompt: [1, 2, 3], outputLength: 2)
        workload.append(id: "huge", prompt: [Int32](repeating: 7, count: 500), outputLength: 2)
        let capacity = EngineCapacity(blockSize: 4, deviceBlocks: 64, bytesPerBlock: 1, maxTokensPerStep: 64,
                                      maxSequencesPerStep: 8, maxContext: 128)
        let engine = CheckingEngine(workload: workload, capacity: capacity)
        var runner = OfflineRunner(scheduler: OrderedScheduler(name: "fcfs", order: AdmissionOrder.fcfs), engine: engine, workload: workload)
        let result = await runner.run()
        XCTAssertEqual(result.results[0].finish, .stop)
        XCTAssertTrue(result.results[1].error!.contains("does not fit the engine's context"), result.results[1].error!)
    }

    func testSharedPrefixIsComputedOnceEvenWithinOneStep() async {
        var workload = Workload()
        let shared = (0 ..< 64).map { Int32(100 + $0) }
        for index in 0 ..< 4 { workload.append(id: "s\(index)", prompt: shared + [Int32(index)], outputLength: 1) }
        let capacity = EngineCapacity(blockSize: 16, deviceBlocks: 64, bytesPerBlock: 1, maxTokensPerStep: 4096,
                                      maxSequencesPerStep: 8, maxContext: 1024)
        let engine = CheckingEngine(workload: workload, capacity: capacity)
        var runner = OfflineRunner(scheduler: OrderedScheduler(name: "fcfs", order: AdmissionOrder.fcfs), engine: engine, workload: workload)
        runner.recordsTimeline = true
        let result = await runner.run()
        XCTAssertEqual(engine.problemList, [])
        XCTAssertEqual(result.report.timeline.first?.sequences, 4, "all four prefill in the first step")
        // The first request computes 65 tokens, the other three reuse 4 full blocks and compute 1.
        XCTAssertEqual(result.report.timeline.first?.tokens, 65 + 3)
        XCTAssertEqual(result.report.prefixHitRatio, Double(3 * 64) / Double(4 * 65), accuracy: 1e-12)
        XCTAssertEqual(result.report.optimalPrefixHitRatio, Double(3 * 64) / Double(4 * 65), accuracy: 1e-12)
    }

    func testDecodeSpansCoverManyStepsInOnePlan() async {
        var workload = Workload()
        for index in 0 ..< 3 { workload.append(id: "d\(index)", prompt: [Int32(index), 5, 6], outputLength: 200 + index) }
        let capacity = EngineCapacity(blockSize: 16, deviceBlocks: 100, bytesPerBlock: 1, maxTokensPerStep: 256,
                                      maxSequencesPerStep: 8, maxContext: 1024)
        let engine = CheckingEngine(workload: workload, capacity: capacity)
        var runner = OfflineRunner(scheduler: OrderedScheduler(name: "fcfs", order: AdmissionOrder.fcfs), engine: engine, workload: workload)
        let result = await runner.run()
        XCTAssertEqual(engine.problemList, [])
        XCTAssertEqual(result.report.requestsFinished, 3)
        XCTAssertEqual(result.report.engineSteps, 202, "one prefill step, then decoding until the longest finishes")
        XCTAssertLessThanOrEqual(result.report.plans, 1 + 205 / 16 + 3, "prefill, then a span per 16-token KV block (and per finish)")
    }

    func testPreemptionRecomputesAndStillFinishesEverything() async {
        var workload = Workload()
        for index in 0 ..< 6 { workload.append(id: "p\(index)", prompt: (0 ..< 20).map { Int32(index * 100 + $0) }, outputLength: 60) }
        let capacity = EngineCapacity(blockSize: 4, deviceBlocks: 40, bytesPerBlock: 1, maxTokensPerStep: 256,
                                      maxSequencesPerStep: 8, maxContext: 1024)
        let engine = CheckingEngine(workload: workload, capacity: capacity)
        var runner = OfflineRunner(scheduler: OrderedScheduler(name: "fcfs", options: .init(maxSpan: 1), order: AdmissionOrder.fcfs),
                                   engine: engine, workload: workload)
        let result = await runner.run()
        XCTAssertEqual(engine.problemList, [])
        XCTAssertEqual(result.report.requestsFinished, 6)
        XCTAssertGreaterThan(result.report.preemptions, 0, "six sequences of 80 tokens cannot all fit in 160 token slots")
        XCTAssertTrue(result.results.allSatisfy { $0.generatedTokens == 60 })
    }
}
