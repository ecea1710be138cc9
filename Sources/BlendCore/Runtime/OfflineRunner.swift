/// Progress of a run, reported through ``OfflineRunner/progress``.
public struct RunProgress: Sendable, Hashable {
    /// Requests that finished or failed so far.
    public var done: Int
    /// Requests in the workload.
    public var total: Int
    /// Run time so far (seconds of engine time).
    public var runSeconds: Double
    /// Engine steps so far.
    public var engineSteps: Int
}

/// The results of a run: one ``RequestResult`` per request, in workload order, and the metrics.
public struct RunResult: Sendable {
    /// One result per request, indexed like the workload.
    public var results: [RequestResult]
    /// The metrics.
    public var report: RunReport
    /// Why the run stopped early (a scheduler that broke its contract, an engine error), if it did;
    /// the requests it left unfinished carry the same message as their error.
    public var failure: String?
}

/// Drives one scheduler and one engine until every request has finished or failed.
///
/// The runner never loses a request: each ends with output or with a per-request error (rejected
/// by the scheduler, left unscheduled when the scheduler stopped, or cut off by an engine error).
/// It checks the scheduler's plans and the engine's outcomes against the protocol contracts and
/// stops the run, failing the unfinished requests with the reason, instead of trusting them.
public struct OfflineRunner<Scheduler: BatchScheduler, Engine: ExecutionEngine> {
    /// The policy.
    public private(set) var scheduler: Scheduler
    /// The engine.
    public let engine: Engine
    /// The requests.
    public let workload: Workload
    /// `T_o` under the engine's model, for the report's fraction of optimal.
    public var optimalSeconds: Double?
    /// Unique prompt tokens of the workload for the optimal hit ratio; computed with a
    /// ``PrefixTree`` when not supplied.
    public var uniquePromptTokens: Int?
    /// Whether to keep one ``TimelineEntry`` per plan.
    public var recordsTimeline = false
    /// Called after plans that finished requests, at most every `progressInterval` seconds of
    /// wall time, and once at the end.
    public var progress: ((RunProgress) -> Void)?
    /// Called exactly once for every request, with its final result, as soon as it ends (finished,
    /// failed by the engine, rejected by the scheduler, or left unfinished when the run stops), in
    /// the order the requests end, and always before ``run()`` returns; the results it sees equal
    /// those of ``RunResult/results``. A batch job streams its output through it.
    public var onResult: ((RequestResult) -> Void)?
    /// Minimum wall-clock seconds between two progress calls.
    public var progressInterval = 0.5
    /// Consecutive plans without sequences, rejections, transfers or prefetches after which the run is
    /// declared stuck.
    public var idlePlanLimit = 10_000

    /// Creates a runner.
    /// - Complexity: O(1).
    public init(scheduler: Scheduler, engine: Engine, workload: Workload) {
        self.scheduler = scheduler
        self.engine = engine
        self.workload = workload
    }

    /// Runs the workload to the end.
    /// - Complexity: O(plans × sequences listed per plan) plus the scheduler's and engine's own
    ///   work; sequences an incremental plan decodes implicitly are counted lazily, in O(1) each
    ///   when they leave the batch.
    public mutating func run() async -> RunResult {
        var state = RunState(workload: workload)
        var failure: String?
        var schedulerWall = Stopwatch()
        var schedulerSeconds = 0.0
        var lastProgress = Stopwatch()
        var sinceProgress = 0.0
        var idlePlans = 0
        var timeline: [TimelineEntry] = []
        let reportResult = onResult ?? { _ in }
        let incrementalEngine = engine.capacity.supportsIncrementalPlans

        do {
            try scheduler.prepare(workload: workload, capacity: engine.capacity)
        } catch {
            failure = "scheduler \(scheduler.name) could not prepare: \(error)"
        }
        let prepareSeconds = schedulerWall.lap()

        while failure == nil {
            _ = schedulerWall.lap()
            let next = scheduler.nextStep()
            schedulerSeconds += schedulerWall.lap()
            guard let plan = next else { break }
            do {
                try state.check(plan, engineSupportsIncrementalPlans: incrementalEngine)
                let outcome: StepOutcome
                if state.planSequences == 0 && plan.transfers.isEmpty && plan.prefetches.isEmpty {
                    idlePlans = plan.rejections.isEmpty ? idlePlans + 1 : 0
                    guard idlePlans < idlePlanLimit else {
                        throw RunnerViolation(message: "scheduler \(scheduler.name) made no progress in \(idlePlanLimit) plans")
                    }
                    outcome = StepOutcome(steps: 0, seconds: 0, sequences: [])
                } else {
                    idlePlans = 0
                    do {
                        outcome = try await engine.execute(plan)
                    } catch {
                        throw RunnerViolation(message: "engine failed: \(error)")
                    }
                }
                try state.apply(plan, outcome)
                if recordsTimeline, outcome.steps > 0 {
                    timeline.append(TimelineEntry(
                        start: state.clock - outcome.seconds, seconds: outcome.seconds, steps: outcome.steps,
                        computeSeconds: outcome.computeSeconds, memorySeconds: outcome.memorySeconds,
                        sequences: state.planSequences, tokens: state.planTokens,
                        deviceBlocksInUse: plan.deviceBlocksInUse))
                }
                _ = schedulerWall.lap()
                scheduler.observe(outcome)
                schedulerSeconds += schedulerWall.lap()
            } catch {
                failure = (error as? RunnerViolation)?.message ?? "\(error)"
            }
            state.drainEnded(reportResult)
            sinceProgress += lastProgress.lap()
            if let progress, sinceProgress >= progressInterval {
                sinceProgress = 0
                progress(RunProgress(done: state.done, total: workload.count, runSeconds: state.clock, engineSteps: state.engineSteps))
            }
        }
        state.failUnfinished(with: failure ?? "scheduler \(scheduler.name) stopped without running this request")
        state.drainEnded(reportResult)
        progress?(RunProgress(done: state.done, total: workload.count, runSeconds: state.clock, engineSteps: state.engineSteps))
        let unique = uniquePromptTokens ?? PrefixTree(workload: workload).uniquePromptTokens
        let report = state.report(policy: scheduler.name, prepareSeconds: prepareSeconds, schedulerSeconds: schedulerSeconds,
                                  uniquePromptTokens: unique, optimalSeconds: optimalSeconds, timeline: timeline)
        return RunResult(results: state.results, report: report, failure: failure)
    }
}

/// A broken protocol contract or an engine failure that ends a run.
struct RunnerViolation: Error {
    var message: String
}

/// Runs `workload` with `scheduler` on `engine` to the end and returns the results: an
/// ``OfflineRunner`` with its default settings (and `idlePlanLimit` when given), for callers that
/// hold the scheduler or the engine as an existential (`any BatchScheduler`, as
/// `PolicyCatalog.make` returns it).
/// - Complexity: that of ``OfflineRunner/run()``.
public func runOffline(_ scheduler: some BatchScheduler, on engine: some ExecutionEngine, workload: Workload,
                       idlePlanLimit: Int? = nil) async -> RunResult {
    var runner = OfflineRunner(scheduler: scheduler, engine: engine, workload: workload)
    if let idlePlanLimit { runner.idlePlanLimit = idlePlanLimit }
    return await runner.run()
}
