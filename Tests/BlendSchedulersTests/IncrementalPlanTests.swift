import BlendCore
import BlendSchedulers
import BlendSim
import XCTest

/// Incremental plans change how a schedule is written down, never the schedule: every policy
/// that builds its plans with `SequenceBatcher` must produce exactly the same run on a simulated
/// GPU that takes incremental plans as on the same GPU told to take only full plans.
final class IncrementalPlanTests: XCTestCase {
    /// Forwards to a simulated GPU, optionally hiding its support for incremental plans, and
    /// counts the sequences the plans list.
    private final class ForwardingEngine: ExecutionEngine, @unchecked Sendable {
        let inner: SimulatedGPU
        let capacity: EngineCapacity
        private let lock = NSLock()
        private var listed = 0
        private var incrementalPlans = 0

        init(_ inner: SimulatedGPU, incremental: Bool) {
            self.inner = inner
            var capacity = inner.capacity
            capacity.supportsIncrementalPlans = incremental
            self.capacity = capacity
        }

        var listedSequences: Int { lock.withLock { listed } }
        var incrementalPlanCount: Int { lock.withLock { incrementalPlans } }

        func execute(_ plan: StepPlan) async throws -> StepOutcome {
            lock.withLock {
                listed += plan.sequences.count
                if plan.isIncremental { incrementalPlans += 1 }
            }
            return try await inner.execute(plan)
        }
    }

    /// Shared system prompts, short and long outputs: prefix hits, spans, and (with few blocks)
    /// preemptions.
    private func workload(seed: UInt64, requests: Int) -> Workload {
        var random = SeededGenerator(seed: seed)
        var workload = Workload()
        let headers = (0 ..< 8).map { group in (0 ..< 40 + 7 * group).map { Int32(1000 + group * 100 + $0) } }
        for index in 0 ..< requests {
            let long = index % 23 == 0
            let output = long ? Int.random(in: 300 ... 600, using: &random) : Int.random(in: 1 ... 90, using: &random)
            let tail = Int.random(in: 4 ... 60, using: &random)
            workload.append(id: "r\(index)", maxNewTokens: long ? -1 : 96, outputLength: output) { tokens in
                tokens.append(contentsOf: headers[index % headers.count])
                for _ in 0 ..< tail { tokens.append(Int32.random(in: 10_000 ..< 50_000, using: &random)) }
            }
        }
        return workload
    }

    /// Pairs of requests sharing a 48-token prefix, with outputs of 8, 16 or 24 tokens so that
    /// many finish in the same step: under a random admission order, which cached prefixes
    /// survive eviction depends on the order in which finished tables are released.
    private func pairedWorkload(requests: Int) -> Workload {
        var random = SeededGenerator(seed: 5)
        var workload = Workload()
        let half = requests / 2
        for index in 0 ..< requests {
            let group = index % half
            workload.append(id: "p\(index)", maxNewTokens: -1, outputLength: 8 + 8 * (group % 3)) { tokens in
                for position in 0 ..< 48 { tokens.append(Int32(100_000 + group * 64 + position)) }
                for _ in 0 ..< 5 { tokens.append(Int32.random(in: 10_000 ..< 50_000, using: &random)) }
            }
        }
        return workload
    }

    /// 300 long generations (1,500 to 2,500 tokens after 50-token prompts) among 300 long
    /// prompts with a few output tokens: memory-bound, so BlendServe's balanced steps cap each
    /// step's prompt tokens and chunk the prompts (`SequenceBatcher.beginStep(prefillLimit:)`).
    private func memoryBoundWorkload() -> Workload {
        var random = SeededGenerator(seed: 5)
        var workload = Workload()
        for index in 0 ..< 600 {
            let long = index % 2 == 0
            let prompt = long ? 50 : Int.random(in: 800 ... 1200, using: &random)
            let output = long ? Int.random(in: 1500 ... 2500, using: &random) : Int.random(in: 1 ... 4, using: &random)
            workload.append(id: "m\(index)", maxNewTokens: -1, outputLength: output) { tokens in
                tokens.append(long ? 7 : 9)
                for _ in 1 ..< prompt { tokens.append(Int32.random(in: 10_000 ..< 50_000, using: &random)) }
            }
        }
        return workload
    }

    private func run(_ policy: String, _ workload: Workload, _ options: SimulationOptions,
                     incremental: Bool) async throws -> (RunResult, ForwardingEngine) {
        let gpu = SimulatedGPU(workload: workload, model: .llama31_8B, hardware: .a100_80GB, options: options)
        let engine = ForwardingEngine(gpu, incremental: incremental)
        let scheduler = try PolicyCatalog.make(policy, costModel: CostModel(model: .llama31_8B, hardware: .a100_80GB))
        return (await run(scheduler, engine, workload), engine)
    }

    private func run<S: BatchScheduler>(_ scheduler: S, _ engine: ForwardingEngine, _ workload: Workload) async -> RunResult {
        var runner = OfflineRunner(scheduler: scheduler, engine: engine, workload: workload)
        runner.recordsTimeline = true
        runner.idlePlanLimit = 1000
        return await runner.run()
    }

    private func assertSameRun(_ policy: String, _ workload: Workload, _ options: SimulationOptions, _ label: String) async throws {
        let (full, fullEngine) = try await run(policy, workload, options, incremental: false)
        let (incremental, incrementalEngine) = try await run(policy, workload, options, incremental: true)
        let context = "\(policy), \(label)"
        XCTAssertNil(full.failure, context)
        XCTAssertNil(incremental.failure, context)
        XCTAssertEqual(full.report.requestsFinished, workload.count, context)
        XCTAssertEqual(fullEngine.incrementalPlanCount, 0, context)
        XCTAssertEqual(incrementalEngine.incrementalPlanCount, incremental.report.plans, context)
        XCTAssertLessThan(incrementalEngine.listedSequences, fullEngine.listedSequences, context)
        if let index = full.results.indices.first(where: { full.results[$0] != incremental.results[$0] }) {
            XCTFail("\(context): request \(index) differs: \(full.results[index]) against \(incremental.results[index])")
        }
        let a = full.report, b = incremental.report
        XCTAssertEqual(a.makespanSeconds, b.makespanSeconds, context)
        XCTAssertEqual(a.engineSteps, b.engineSteps, context)
        XCTAssertEqual(a.plans, b.plans, context)
        XCTAssertEqual(a.preemptions, b.preemptions, context)
        XCTAssertEqual(a.prefixHitRatio, b.prefixHitRatio, context)
        XCTAssertEqual(a.outputTokens, b.outputTokens, context)
        XCTAssertEqual(a.timeToFirstToken, b.timeToFirstToken, context)
        XCTAssertEqual(a.timePerOutputToken, b.timePerOutputToken, context)
        XCTAssertEqual(a.timeline, b.timeline, context)
        XCTAssertEqual(a.iterationTime.p99, b.iterationTime.p99, context)
    }

    /// Admits in input order and asks to hear of each request at a count of its own, again a few
    /// tokens later for some of those it hears of; logs what every outcome reports.
    private struct WatchingScheduler: BatchScheduler {
        let name = "watching"
        private var batcher: SequenceBatcher!
        private var next: Int32 = 0
        private(set) var log: [[SequenceBatcher.ObservedSequence]] = []

        mutating func prepare(workload: Workload, capacity: EngineCapacity) throws {
            batcher = SequenceBatcher(workload: workload, capacity: capacity)
        }

        mutating func nextStep() -> StepPlan? {
            batcher.beginStep()
            var blocked = false
            admission: while batcher.canAdmit, Int(next) < batcher.workload.count {
                switch batcher.admit(next) {
                case .noMemory: blocked = true; break admission
                case .noBudget: break admission
                case .admitted: batcher.notify(next, whenGenerated: 1 + Int(next) % 37)
                case .rejected: break
                }
                next += 1
            }
            return batcher.finishStep(admissionBlocked: blocked || Int(next) == batcher.workload.count)
        }

        mutating func observe(_ outcome: StepOutcome) {
            batcher.observe(outcome)
            log.append(batcher.observed)
            for seen in batcher.observed where !seen.finished && seen.request % 3 == 0 {
                batcher.notify(seen.request, whenGenerated: batcher.generatedTokens(seen.request) + 5)
            }
        }
    }

    /// `SequenceBatcher.notify(_:whenGenerated:)` reports the same sequences after every outcome
    /// with incremental plans as with full plans, each at most once per outcome.
    func testNotificationsReportAsWithFullPlans() async throws {
        let workload = workload(seed: 13, requests: 500)
        var tight = SimulationOptions(mode: .overlapped, attention: .ideal)
        tight.deviceBlocks = 260
        var logs: [[[SequenceBatcher.ObservedSequence]]] = []
        for incremental in [false, true] {
            let gpu = SimulatedGPU(workload: workload, model: .llama31_8B, hardware: .a100_80GB, options: tight)
            var runner = OfflineRunner(scheduler: WatchingScheduler(), engine: ForwardingEngine(gpu, incremental: incremental),
                                       workload: workload)
            let result = await runner.run()
            XCTAssertNil(result.failure)
            XCTAssertGreaterThan(result.report.preemptions, 0)
            for reported in runner.scheduler.log {
                XCTAssertEqual(Set(reported.map(\.request)).count, reported.count, "a sequence reported twice in one outcome")
            }
            logs.append(runner.scheduler.log)
        }
        XCTAssertGreaterThan(logs[0].joined().filter { !$0.finished }.count, 1000)
        XCTAssertEqual(logs[0].count, logs[1].count)
        if let step = logs[0].indices.first(where: { logs[0][$0] != logs[1][$0] }) {
            XCTFail("outcome \(step): full plans report \(logs[0][step]), incremental plans \(logs[1][step])")
        }
    }

    /// Few KV blocks (preemptions), a small token budget (steps that walk the whole batch) and
    /// the three attention kernels (the simulator's aggregates for each).
    func testPoliciesScheduleIdenticallyWithIncrementalPlans() async throws {
        let workload = workload(seed: 11, requests: 700)
        var tight = SimulationOptions(mode: .overlapped, attention: .unsplit)
        tight.deviceBlocks = 260
        tight.maxTokensPerStep = 384
        var roomy = SimulationOptions(mode: .sequential, attention: .splitKV(chunkTokens: 64))
        roomy.deviceBlocks = 1200
        var ideal = SimulationOptions(mode: .overlapped, attention: .ideal)
        ideal.deviceBlocks = 600
        ideal.maxSequencesPerStep = 48
        for (label, options) in [("tight", tight), ("roomy", roomy), ("ideal", ideal)] {
            for policy in ["fcfs", "dfs", "lpm", "blendserve"] + PolicyCatalog.ablations where !policy.hasPrefix("alignedserve") {
                try await assertSameRun(policy, workload, options, label)
            }
        }
        var paired = SimulationOptions(mode: .overlapped, attention: .ideal)
        paired.deviceBlocks = 240
        for policy in ["fcfs", "balance", "lof"] {
            try await assertSameRun(policy, pairedWorkload(requests: 1200), paired, "paired")
        }
        var balanced = SimulationOptions(mode: .overlapped)
        balanced.deviceBlocks = 2000
        balanced.maxTokensPerStep = 2048
        for policy in ["blendserve", "blendserve-no-step-balance"] {
            try await assertSameRun(policy, memoryBoundWorkload(), balanced, "memory-bound")
        }
        let (tightRun, _) = try await run("fcfs", workload, tight, incremental: true)
        XCTAssertGreaterThan(tightRun.report.preemptions, 0, "the tight configuration preempts")
    }
}
