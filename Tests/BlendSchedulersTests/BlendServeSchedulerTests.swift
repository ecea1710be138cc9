import BlendCore
import BlendSchedulers
import BlendSim
import XCTest

final class BlendServeSchedulerTests: XCTestCase {
    /// A small mix in the paper's style: many compute-heavy requests under two shared headers
    /// and `generations` memory-heavy long generations of `lengths` tokens, in random order.
    private func mixedWorkload(seed: UInt64, generations: Int = 40, lengths: ClosedRange<Int> = 1000 ... 1400) -> Workload {
        var random = SeededGenerator(seed: seed)
        var entries: [(prompt: [Int32], output: Int)] = []
        for index in 0 ..< 3000 {
            let header: [Int32] = index % 2 == 0 ? (0 ..< 300).map { 1000 + $0 } : (0 ..< 200).map { 5000 + $0 }
            let tail = (0 ..< Int.random(in: 20 ... 80, using: &random)).map { _ in Int32.random(in: 10_000 ..< 20_000, using: &random) }
            entries.append((header + [Int32(index)] + tail, Int.random(in: 1 ... 8, using: &random)))
        }
        for index in 0 ..< generations {
            let prompt = [Int32(7)] + (0 ..< 60).map { _ in Int32.random(in: 20_000 ..< 30_000, using: &random) } + [Int32(index)]
            entries.append((prompt, Int.random(in: lengths, using: &random)))
        }
        entries.shuffle(using: &random)
        var workload = Workload()
        for (index, entry) in entries.enumerated() {
            workload.append(id: "m\(index)", prompt: entry.prompt, outputLength: entry.output)
        }
        return workload
    }

    private func run(_ policy: String, _ workload: Workload) async throws -> RunResult {
        try await runOnSmallGPU(policy, workload)
    }

    private func run<S: BatchScheduler>(_ scheduler: S, _ engine: SimulatedGPU, _ workload: Workload) async -> RunResult {
        var runner = OfflineRunner(scheduler: scheduler, engine: engine, workload: workload)
        runner.idlePlanLimit = 1000
        return await runner.run()
    }

    func testBlendServeAndItsAblationsFinishEveryRequestOnce() async throws {
        let workload = mixedWorkload(seed: 3)
        for policy in ["blendserve"] + PolicyCatalog.ablations {
            let result = try await run(policy, workload)
            XCTAssertNil(result.failure, policy)
            XCTAssertEqual(result.report.requestsFinished, workload.count, policy)
            for (index, request) in result.results.enumerated() {
                XCTAssertEqual(request.generatedTokens, Int(workload.outputLengths[index]), "\(policy) request \(index)")
            }
        }
    }

    /// Prefill-heavy requests with unique prompts (each under a shared header) and a few long
    /// generations that need whole steps of overlap to hide their KV reads.
    private func prefillHeavyWorkload() -> Workload {
        var random = SeededGenerator(seed: 21)
        var workload = Workload()
        for index in 0 ..< 4000 {
            let unique = (0 ..< 400).map { _ in Int32.random(in: 10_000 ..< 20_000, using: &random) }
            workload.append(id: "d\(index)", prompt: [Int32(1)] + unique, outputLength: 2)
        }
        for index in 0 ..< 60 {
            let prompt = [Int32(7)] + (0 ..< 60).map { _ in Int32.random(in: 20_000 ..< 30_000, using: &random) }
            workload.append(id: "g\(index)", prompt: prompt, outputLength: Int.random(in: 1000 ... 1500, using: &random))
        }
        return workload
    }

    /// Without the warm-up fill, which starts the long generations early here (they are the
    /// critical path) and so leaves the balance less to do.
    func testBalancedStepsKeepTheMemorySideBusyAndFinishSooner() async throws {
        let workload = prefillHeavyWorkload()
        let cost = CostModel(model: .llama31_8B, hardware: .a100_80GB)
        let balanced = await runOnSmallGPU(BlendServeScheduler(costModel: cost, options: .init(fillsWarmUp: false)), workload).report
        let unbalanced = await runOnSmallGPU(
            BlendServeScheduler(costModel: cost, options: .init(balancesSteps: false, fillsWarmUp: false)), workload).report
        XCTAssertEqual(balanced.requestsFinished, workload.count)
        print("balanced steps \(balanced.makespanSeconds) s, unbalanced \(unbalanced.makespanSeconds) s")
        // Without the balance the dense side fills whole steps with prefill while the long
        // generations decode, which stretches them into a memory-bound tail.
        XCTAssertLessThan(balanced.makespanSeconds, 0.95 * unbalanced.makespanSeconds)
    }

    /// Clocking the batcher measures without changing a decision, and the scan plan's build is
    /// timed apart.
    func testMeasuringTheBatcherChangesNoDecision() async throws {
        let workload = mixedWorkload(seed: 5)
        let cost = CostModel(model: .llama31_8B, hardware: .a100_80GB)
        var measured = BlendServeScheduler(costModel: cost)
        measured.measuresBatcherTime = true
        let plain = await runOnSmallGPU(BlendServeScheduler(costModel: cost), workload).report
        var runner = OfflineRunner(scheduler: measured, engine: smallGPU(for: workload), workload: workload)
        let report = await runner.run().report
        XCTAssertEqual(report.makespanSeconds, plain.makespanSeconds)
        XCTAssertEqual(report.plans, plain.plans)
        XCTAssertGreaterThan(runner.scheduler.batcherCalls, report.plans)
        XCTAssertGreaterThan(runner.scheduler.batcherSeconds, 0)
        // The scan plan is built once the warm-up ends, inside the scheduler's time and outside
        // the batcher's.
        XCTAssertGreaterThan(runner.scheduler.planningSeconds, 0)
        XCTAssertLessThan(runner.scheduler.batcherSeconds + runner.scheduler.planningSeconds,
                          report.schedulerSecondsPerStep * Double(report.engineSteps))
    }

    func testScanPlanPutsDenseUnitsFirstAndSamplesEveryTopLevelGroup() async throws {
        let workload = mixedWorkload(seed: 7)
        var options = SimulationOptions()
        options.deviceBlocks = 3000
        let engine = SimulatedGPU(workload: workload, model: .llama31_8B, hardware: .a100_80GB, options: options)
        var scheduler = BlendServeScheduler(costModel: CostModel(model: .llama31_8B, hardware: .a100_80GB),
                                            options: .init(sampleFraction: 0.001))
        try scheduler.prepare(workload: workload, capacity: engine.capacity)
        while scheduler.plan == nil, let plan = scheduler.nextStep() {
            scheduler.observe(try engine.simulate(plan))
        }
        let plan = try XCTUnwrap(scheduler.plan, "the scan is planned once the sample has run")
        let densities = plan.order.units.map(\.density)
        XCTAssertEqual(densities, densities.sorted(by: >))
        XCTAssertEqual(plan.order.requests.count, workload.count)
        // With a 0.1% sample of 3,040 requests only 4 are drawn; one per top-level group (the two
        // headers and the long generations) is added where missing, so the long generations are
        // estimated from one of their own and land in the sparsest units.
        let first = try XCTUnwrap(plan.order.units.first), last = try XCTUnwrap(plan.order.units.last)
        XCTAssertLessThan(last.density, first.density / 10)
        XCTAssertGreaterThan(last.meanOutputLength, 900)
    }

    func testMultiStepSpansGiveTheSameMakespanAsSteppingOneByOne() async throws {
        let workload = mixedWorkload(seed: 11)
        var options = SimulationOptions(mode: .overlapped)
        options.deviceBlocks = 2000
        options.maxTokensPerStep = 2048
        let cost = CostModel(model: .llama31_8B, hardware: .a100_80GB)
        // The second BlendServe run is memory-bound (density about 0.65 under the scheduler's cost
        // model, below its 1.27 threshold), where balanced steps also chunk prompts.
        for (policy, workload) in [("fcfs", workload), ("dfs", workload), ("blendserve", workload),
                                   ("blendserve-no-step-balance", workload),
                                   ("blendserve", mixedWorkload(seed: 11, generations: 100, lengths: 3000 ... 4000))] {
            var makespans: [Double] = []
            var plans: [Int] = []
            for span in [4096, 1] {
                let engine = SimulatedGPU(workload: workload, model: .llama31_8B, hardware: .a100_80GB, options: options)
                let scheduler = try PolicyCatalog.make(policy, options: .init(maxSpan: span), costModel: cost)
                let report = await run(scheduler, engine, workload).report
                XCTAssertEqual(report.requestsFinished, workload.count, policy)
                makespans.append(report.makespanSeconds)
                plans.append(report.plans)
            }
            XCTAssertEqual(makespans[0], makespans[1], accuracy: 0.001 * makespans[1], "\(policy): spans \(makespans[0]) s, steps \(makespans[1]) s")
            XCTAssertLessThan(plans[0], plans[1], "\(policy): spans cover several steps per plan")
        }
    }
}
