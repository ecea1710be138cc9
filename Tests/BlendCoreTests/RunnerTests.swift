import BlendCore
import Foundation
import XCTest

/// An engine that takes `secondsPerStep` per step and finishes each sequence at its workload
/// output length; it fails on plan `failOnPlan` if set.
private final class ToyEngine: ExecutionEngine, @unchecked Sendable {
    let capacity = EngineCapacity(blockSize: 16, deviceBlocks: 1000, bytesPerBlock: 1, maxTokensPerStep: 4096,
                                  maxSequencesPerStep: 256, maxContext: 100_000)
    let workload: Workload
    let secondsPerStep: Double
    let failOnPlan: Int?
    private let lock = NSLock()
    private var plans = 0

    init(workload: Workload, secondsPerStep: Double = 0.001, failOnPlan: Int? = nil) {
        self.workload = workload
        self.secondsPerStep = secondsPerStep
        self.failOnPlan = failOnPlan
    }

    struct Failure: Error {}

    func execute(_ plan: StepPlan) async throws -> StepOutcome {
        let number = lock.withLock { () -> Int in plans += 1; return plans }
        if number == failOnPlan { throw Failure() }
        var steps = plan.steps
        for sequence in plan.sequences where sequence.samples {
            let generatedBefore = sequence.end - workload.promptLength(Int(sequence.request))
            let target = min(Int(workload.outputLengths[Int(sequence.request)]), generatedBefore + sequence.remainingTokens)
            steps = min(steps, max(1, target - generatedBefore))
        }
        let outcomes = plan.sequences.map { sequence -> SequenceOutcome in
            guard sequence.samples else { return SequenceOutcome(request: sequence.request, generated: 0) }
            let generated = sequence.end - workload.promptLength(Int(sequence.request)) + steps
            let done = generated >= Int(workload.outputLengths[Int(sequence.request)])
            return SequenceOutcome(request: sequence.request, generated: steps, finish: done ? .length : nil)
        }
        return StepOutcome(steps: steps, seconds: Double(steps) * secondsPerStep, sequences: outcomes)
    }
}

/// Runs requests one after another (whole prompt, then decode spans); misbehaves on request.
private struct ToyScheduler: BatchScheduler {
    enum Misbehaviour { case none, stopAfter(Int), rescheduleFinished, idle, reject(Set<Int32>) }
    var name = "toy"
    var misbehaviour: Misbehaviour = .none
    /// Seconds `prepare` sleeps, to stand for a policy's preprocessing.
    var prepareSleep = 0.0
    private var workload = Workload()
    private var current: Int32 = 0
    private var generated = 0
    private var plans = 0
    private var finishedOne: Int32?

    init(_ misbehaviour: Misbehaviour = .none) { self.misbehaviour = misbehaviour }

    mutating func prepare(workload: Workload, capacity: EngineCapacity) throws {
        self.workload = workload
        if prepareSleep > 0 { Thread.sleep(forTimeInterval: prepareSleep) }
    }

    mutating func nextStep() -> StepPlan? {
        plans += 1
        switch misbehaviour {
        case .stopAfter(let limit) where plans > limit: return nil
        case .idle: return StepPlan(sequences: [])
        case .rescheduleFinished:
            if let finishedOne { return plan(for: finishedOne) }
        case .reject(let rejected) where rejected.contains(current):
            let request = current
            current += 1
            return StepPlan(sequences: [], rejections: [RequestRejection(request: request, reason: "too long")])
        default: break
        }
        guard Int(current) < workload.count else { return nil }
        return plan(for: current)
    }

    private func plan(for request: Int32) -> StepPlan {
        let prompt = workload.promptLength(Int(request))
        if generated == 0 {
            return StepPlan(sequences: [ScheduledSequence(
                request: request, start: 0, count: prompt, tokens: Array(workload.prompt(Int(request))),
                newBlocks: [], resetsBlockTable: true, samples: true, remainingTokens: 1000)])
        }
        return StepPlan(sequences: [ScheduledSequence(
            request: request, start: prompt + generated - 1, count: 1, tokens: [-1], newBlocks: [],
            resetsBlockTable: false, samples: true, remainingTokens: 1000 - generated)], steps: 1000)
    }

    mutating func observe(_ outcome: StepOutcome) {
        guard let result = outcome.sequences.first else { return }
        generated += result.generated
        if result.finish != nil {
            finishedOne = result.request
            current += 1
            generated = 0
        }
    }
}

final class RunnerTests: XCTestCase {
    private func workload(_ count: Int) -> Workload {
        var workload = Workload()
        for index in 0 ..< count {
            workload.append(id: "q\(index)", prompt: [Int32(index), 1, 2, 3], outputLength: 1 + index % 5)
        }
        return workload
    }

    private func assertEveryRequestEndsOnce(_ result: RunResult, _ workload: Workload, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(result.results.count, workload.count, file: file, line: line)
        for (index, request) in result.results.enumerated() {
            XCTAssertEqual(request.request, index, file: file, line: line)
            XCTAssertEqual(request.id, workload.ids[index], file: file, line: line)
            XCTAssertTrue((request.finish == nil) != (request.error == nil), "request \(index) ends exactly one way", file: file, line: line)
        }
        XCTAssertEqual(result.report.requestsFinished + result.report.requestsFailed, workload.count, file: file, line: line)
    }

    func testWellBehavedRunFinishesEverythingWithExactMetrics() async {
        let workload = workload(6)
        var runner = OfflineRunner(scheduler: ToyScheduler(), engine: ToyEngine(workload: workload), workload: workload)
        runner.recordsTimeline = true
        runner.optimalSeconds = 0.01
        let result = await runner.run()
        assertEveryRequestEndsOnce(result, workload)
        XCTAssertNil(result.failure)
        XCTAssertEqual(result.report.requestsFinished, 6)
        let outputs = (0 ..< 6).map { 1 + $0 % 5 }.reduce(0, +)
        XCTAssertEqual(result.report.outputTokens, outputs)
        XCTAssertEqual(result.report.promptTokens, 24)
        // One prefill step per request, then one span for the rest of its tokens.
        XCTAssertEqual(result.report.engineSteps, outputs)
        XCTAssertEqual(result.report.makespanSeconds, Double(outputs) * 0.001, accuracy: 1e-12)
        XCTAssertEqual(result.report.throughputTokensPerSecond, Double(24 + outputs) / (Double(outputs) * 0.001), accuracy: 1e-6)
        XCTAssertEqual(result.report.fractionOfOptimal!, 0.01 / (Double(outputs) * 0.001), accuracy: 1e-9)
        XCTAssertEqual(result.report.prefixHitRatio, 0, "every prompt token was computed")
        XCTAssertEqual(result.report.timeline.count, result.report.plans)
        // Request 2 has 3 tokens: its prefill step takes 1 ms, then 2 more steps.
        let third = result.results[2]
        XCTAssertEqual(third.timeToFirstToken!, 0.001, accuracy: 1e-12)
        XCTAssertEqual(third.timePerOutputToken!, 0.001, accuracy: 1e-12)
        XCTAssertEqual(result.report.timePerOutputToken.max, 0.001, accuracy: 1e-12)
    }

    func testPreparationIsReportedApartFromThePerStepTime() async {
        let workload = workload(3)
        var scheduler = ToyScheduler()
        scheduler.prepareSleep = 0.2
        var runner = OfflineRunner(scheduler: scheduler, engine: ToyEngine(workload: workload), workload: workload)
        let report = await runner.run().report
        XCTAssertGreaterThanOrEqual(report.schedulerPrepareSeconds, 0.2)
        XCTAssertLessThan(report.schedulerSecondsPerPlan * Double(report.plans), 0.1,
                          "the per-plan time leaves preparation out")
    }

    func testSchedulerStoppingEarlyLosesNothing() async {
        let workload = workload(5)
        var runner = OfflineRunner(scheduler: ToyScheduler(.stopAfter(3)), engine: ToyEngine(workload: workload), workload: workload)
        let result = await runner.run()
        assertEveryRequestEndsOnce(result, workload)
        XCTAssertGreaterThan(result.report.requestsFailed, 0)
        XCTAssertTrue(result.results.last!.error!.contains("stopped without running"))
    }

    func testBrokenContractStopsTheRunAndFailsTheRest() async {
        let workload = workload(4)
        var runner = OfflineRunner(scheduler: ToyScheduler(.rescheduleFinished), engine: ToyEngine(workload: workload), workload: workload)
        let result = await runner.run()
        assertEveryRequestEndsOnce(result, workload)
        XCTAssertEqual(result.results[0].finish, .length)
        XCTAssertTrue(result.failure!.contains("not waiting or running"), result.failure!)
        XCTAssertEqual(result.results[1].error, result.failure)
    }

    func testRejectionsBecomePerRequestErrors() async {
        let workload = workload(5)
        var runner = OfflineRunner(scheduler: ToyScheduler(.reject([1, 3])), engine: ToyEngine(workload: workload), workload: workload)
        let result = await runner.run()
        assertEveryRequestEndsOnce(result, workload)
        XCTAssertNil(result.failure)
        XCTAssertEqual(result.results[1].error, "too long")
        XCTAssertEqual(result.results[3].error, "too long")
        XCTAssertEqual(result.report.requestsFinished, 3)
    }

    func testEngineFailureEndsUnfinishedRequestsWithTheError() async {
        let workload = workload(5)
        var runner = OfflineRunner(scheduler: ToyScheduler(), engine: ToyEngine(workload: workload, failOnPlan: 4), workload: workload)
        let result = await runner.run()
        assertEveryRequestEndsOnce(result, workload)
        XCTAssertTrue(result.failure!.hasPrefix("engine failed"))
        XCTAssertGreaterThan(result.report.requestsFinished, 0)
    }

    func testIdleSchedulerIsDeclaredStuck() async {
        let workload = workload(3)
        var runner = OfflineRunner(scheduler: ToyScheduler(.idle), engine: ToyEngine(workload: workload), workload: workload)
        runner.idlePlanLimit = 50
        let result = await runner.run()
        assertEveryRequestEndsOnce(result, workload)
        XCTAssertTrue(result.failure!.contains("made no progress"))
    }

    func testEveryRequestIsReportedOnceAsItEndsWithItsFinalResult() async {
        for seed in 1 ... 120 as ClosedRange<UInt64> {
            var random = SeededGenerator(seed: seed)
            let generated = randomWorkload(requests: Int.random(in: 1 ... 24, using: &random), using: &random)
            // Mostly non-empty prompts (an empty one breaks the toy scheduler's contract, which is
            // worth covering now and then).
            let keepsEmptyPrompts = Int.random(in: 0 ..< 4, using: &random) == 0
            var workload = Workload()
            for index in 0 ..< generated.count {
                workload.append(id: generated.ids[index], prompt: (keepsEmptyPrompts ? [] : [9]) + generated.prompt(index),
                                outputLength: Int(generated.outputLengths[index]))
            }
            let count = workload.count
            let misbehaviour: ToyScheduler.Misbehaviour = switch Int.random(in: 0 ..< 6, using: &random) {
            case 0: .stopAfter(Int.random(in: 0 ... 2 * count, using: &random))
            case 1: .rescheduleFinished
            case 2: .idle
            case 3: .reject(Set((0 ..< count).filter { _ in Bool.random(using: &random) }.map { Int32($0) }))
            default: .none
            }
            let failOnPlan = Bool.random(using: &random) ? Int.random(in: 1 ... 2 * count, using: &random) : nil
            var runner = OfflineRunner(scheduler: ToyScheduler(misbehaviour),
                                       engine: ToyEngine(workload: workload, failOnPlan: failOnPlan), workload: workload)
            runner.idlePlanLimit = 20
            var reported: [RequestResult] = []
            runner.onResult = { reported.append($0) }
            let result = await runner.run()
            let context = "seed \(seed), \(misbehaviour), engine fails on plan \(failOnPlan.map(String.init) ?? "none")"
            assertEveryRequestEndsOnce(result, workload)
            XCTAssertEqual(reported.map(\.request).sorted(), Array(0 ..< count), context)
            XCTAssertEqual(reported.sorted { $0.request < $1.request }, result.results, context)
            let finishTimes = reported.compactMap(\.finishedAt)
            XCTAssertEqual(finishTimes, finishTimes.sorted(), "reported in the order they finished; \(context)")
            XCTAssertEqual(reported.filter(\.rejected).count, result.results.filter(\.rejected).count, context)
            for request in reported where request.rejected {
                XCTAssertEqual(request.error, "too long", context)
            }
        }
    }

    func testRejectingAndSchedulingOneRequestInOnePlanBreaksTheContract() async {
        struct Contradiction: BatchScheduler {
            var name = "contradiction"
            mutating func prepare(workload: Workload, capacity: EngineCapacity) throws {}
            mutating func nextStep() -> StepPlan? {
                StepPlan(sequences: [ScheduledSequence(request: 0, start: 0, count: 1, tokens: [1], newBlocks: [],
                                                       resetsBlockTable: true, samples: true, remainingTokens: 4)],
                         rejections: [RequestRejection(request: 0, reason: "no")])
            }
            mutating func observe(_ outcome: StepOutcome) {}
        }
        let workload = workload(1)
        var runner = OfflineRunner(scheduler: Contradiction(), engine: ToyEngine(workload: workload), workload: workload)
        var reported: [RequestResult] = []
        runner.onResult = { reported.append($0) }
        let result = await runner.run()
        XCTAssertTrue(result.failure?.contains("rejects it too") ?? false, result.failure ?? "no failure")
        XCTAssertEqual(reported, result.results)
        XCTAssertFalse(result.results[0].rejected)
    }

    func testDistributionPercentiles() {
        let values = (1 ... 100).map(Double.init)
        let distribution = Distribution(values.shuffled())
        XCTAssertEqual(distribution.p50, 50)
        XCTAssertEqual(distribution.p90, 90)
        XCTAssertEqual(distribution.p99, 99)
        XCTAssertEqual(distribution.max, 100)
        XCTAssertEqual(distribution.mean, 50.5)
        XCTAssertEqual(Distribution([Double]()).count, 0)
    }
}
