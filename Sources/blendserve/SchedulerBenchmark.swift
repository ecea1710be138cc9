import BlendCore
import BlendSchedulers
import BlendSim

/// `blendserve bench --suite scheduler`: BlendServe's own CPU time while it schedules a whole
/// workload on the simulated A100, on two workloads: Trace#1, whose batches hold about a hundred
/// sequences, and short chat turns whose batches hold thousands.
enum SchedulerBenchmark {
    /// One measured run.
    struct Measurement {
        var label: String
        var requests: Int
        var report: RunReport
        var meanSequences: Double
        var largestSequences: Int
        /// BlendServe's own time per engine step in a second run that clocks the shared batcher:
        /// that run's scheduler time minus the batcher's, minus one clock reading per batcher
        /// call, and minus the scan plan's build.
        var policySecondsPerStep: Double
        /// Seconds spent building the scan plan after the warm-up (inside the scheduler time).
        var planningSeconds: Double

        var json: [String: Any] {
            ["workload": label, "requests": requests, "prepare_seconds": report.schedulerPrepareSeconds,
             "seconds_per_step": report.schedulerSecondsPerStep, "seconds_per_plan": report.schedulerSecondsPerPlan,
             "policy_seconds_per_step": policySecondsPerStep, "planning_seconds": planningSeconds,
             "engine_steps": report.engineSteps, "plans": report.plans,
             "mean_sequences_per_step": meanSequences, "max_sequences_per_step": largestSequences]
        }
    }

    /// Sequences one engine step may hold in the large-batch run: the simulated A100 holds about
    /// 3,300 of the short chat turns' 170 tokens of KV at their longest.
    static let largeBatchSequences = 4096

    /// Runs both workloads and prints (or returns as JSON) their scheduler times.
    /// - Complexity: two whole simulated runs: O(plans × sequences per plan) each.
    static func run(requests: Int, seed: UInt64, json: Bool) async throws -> [[String: Any]] {
        let trace = try WorkloadGenerator.generate(.trace1, requests: requests, seed: seed).workload
        let runs = [
            await measure(label: "trace1", workload: trace, seed: seed, options: SimulationOptions()),
            await measure(label: "short-turns", workload: shortTurns(requests: max(1000, requests / 4), seed: seed),
                          seed: seed, options: largeBatchOptions),
        ]
        if !json {
            for run in runs {
                print("scheduler: BlendServe on \(run.label), \(Output.count(run.requests)) requests: \(Output.duration(run.report.schedulerSecondsPerStep)) per engine step, \(Output.duration(run.report.schedulerSecondsPerPlan)) per plan, after \(Output.duration(run.report.schedulerPrepareSeconds)) of preparation")
                print(String(format: "  %@ engine steps in %@ plans; %.0f sequences per step on average, %d at most",
                             Output.count(run.report.engineSteps), Output.count(run.report.plans),
                             run.meanSequences, run.largestSequences))
                print("  BlendServe's own decisions: \(Output.duration(run.policySecondsPerStep)) per engine step (a second run clocks the shared batcher, the batching and KV accounting every policy pays, and leaves it out, as it leaves out the scan plan's build: \(Output.duration(run.planningSeconds)) once the warm-up ended, the paper's preprocessing)")
            }
        }
        return runs.map(\.json)
    }

    private static var largeBatchOptions: SimulationOptions {
        var options = SimulationOptions()
        options.maxSequencesPerStep = largeBatchSequences
        return options
    }

    /// `count` chat turns in 64 conversations: a 48-token system prompt per conversation, 16
    /// tokens of the user's own, and 64 to 128 output tokens, so KV stays small and a step holds
    /// thousands of decoding sequences.
    /// - Complexity: O(count).
    static func shortTurns(requests count: Int, seed: UInt64) -> Workload {
        var random = SeededGenerator(seed: seed)
        var workload = Workload()
        workload.reserve(requests: count, tokens: count * 64)
        let systemPrompts = (0 ..< 64).map { group in (0 ..< 48).map { Int32(1000 + group * 48 + $0) } }
        for index in 0 ..< count {
            let output = Int.random(in: 64 ... 128, using: &random)
            workload.append(id: "turn-\(index)", maxNewTokens: 128, outputLength: output) { tokens in
                tokens.append(contentsOf: systemPrompts[index % systemPrompts.count])
                for _ in 0 ..< 16 { tokens.append(Int32.random(in: 10_000 ..< 50_000, using: &random)) }
            }
        }
        return workload
    }

    /// Runs `workload` with BlendServe under its default options, then again clocking the
    /// shared batcher to tell BlendServe's own time apart.
    private static func measure(label: String, workload: Workload, seed: UInt64, options: SimulationOptions) async -> Measurement {
        let whole = await run(workload, seed: seed, options: options, measuringBatcher: false)
        let split = await run(workload, seed: seed, options: options, measuringBatcher: true)
        let steps = whole.report.timeline.reduce(0) { $0 + $1.steps }
        let sequenceSteps = whole.report.timeline.reduce(0) { $0 + $1.sequences * $1.steps }
        let engineSteps = Double(max(split.report.engineSteps, 1))
        let policySeconds = split.report.schedulerSecondsPerStep * engineSteps - split.batcherSeconds
            - Double(split.batcherCalls) * clockReadingSeconds() - split.planningSeconds
        return Measurement(label: label, requests: workload.count, report: whole.report,
                           meanSequences: steps > 0 ? Double(sequenceSteps) / Double(steps) : 0,
                           largestSequences: whole.report.timeline.map(\.sequences).max() ?? 0,
                           policySecondsPerStep: max(policySeconds, 0) / engineSteps, planningSeconds: whole.planningSeconds)
    }

    /// One simulated run of BlendServe on `workload`: its report and the batcher's seconds.
    private static func run(_ workload: Workload, seed: UInt64, options: SimulationOptions,
                            measuringBatcher: Bool) async -> (report: RunReport, batcherSeconds: Double, batcherCalls: Int,
                                                              planningSeconds: Double) {
        let cost = CostModel(model: .llama31_8B, hardware: .a100_80GB)
        let engine = SimulatedGPU(workload: workload, model: .llama31_8B, hardware: .a100_80GB, options: options)
        var scheduler = BlendServeScheduler(costModel: cost, options: .init(seed: seed))
        scheduler.measuresBatcherTime = measuringBatcher
        var runner = OfflineRunner(scheduler: scheduler, engine: engine, workload: workload)
        runner.recordsTimeline = true
        let report = await runner.run().report
        return (report, runner.scheduler.batcherSeconds, runner.scheduler.batcherCalls, runner.scheduler.planningSeconds)
    }

    /// The cost of one `ContinuousClock.now`, from a million readings in a row.
    private static func clockReadingSeconds() -> Double {
        let readings = 1_000_000
        let start = ContinuousClock.now
        var last = start
        for _ in 0 ..< readings { last = ContinuousClock.now }
        let elapsed = last - start
        return elapsed.seconds / Double(readings)
    }
}
