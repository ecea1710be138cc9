/// The runner's per-request bookkeeping, in flat arrays indexed by request.
///
/// Sequences that an incremental plan decodes implicitly are counted lazily: such a sequence is
/// *active* (in the engine's running batch), and its generated tokens and KV length are those
/// recorded when it was last synced plus the engine steps run since (``engineSteps`` minus
/// `syncedAt`), so a plan costs O(listed sequences + removals + reported finishes).
struct RunState {
    private enum Status: UInt8 { case waiting, running, finished, failed }

    let workload: Workload
    private var status: [Status]
    private var generated: [Int]
    private var kvLength: [Int]
    private var computedPrompt: [Int]
    private(set) var results: [RequestResult]
    private(set) var clock = 0.0
    private(set) var engineSteps = 0
    private(set) var plans = 0
    private(set) var done = 0
    private var seenMark: [Int]
    /// Per request: whether it is in the engine's running batch of incremental plans.
    private var active: [Bool]
    /// Per request: ``engineSteps`` when `generated` and `kvLength` were last brought up to date.
    private var syncedAt: [Int]
    private var activeCount = 0
    /// Sequences and tokens per step of the plan checked last, implicit decodes included.
    private(set) var planSequences = 0
    private(set) var planTokens = 0
    /// Requests that ended since the last ``drainEnded(_:)``, in the order they ended.
    private var ended: [Int] = []

    init(workload: Workload) {
        self.workload = workload
        let count = workload.count
        status = [Status](repeating: .waiting, count: count)
        generated = [Int](repeating: 0, count: count)
        kvLength = [Int](repeating: 0, count: count)
        computedPrompt = [Int](repeating: 0, count: count)
        results = (0 ..< count).map { RequestResult(request: $0, id: workload.ids[$0]) }
        seenMark = [Int](repeating: -1, count: count)
        active = [Bool](repeating: false, count: count)
        syncedAt = [Int](repeating: 0, count: count)
    }

    /// Brings the counts of an active request up to ``engineSteps``: one token per step since its
    /// last sync.
    private mutating func sync(_ index: Int) {
        guard active[index] else { return }
        let steps = lag(index)
        generated[index] += steps
        kvLength[index] += steps
        syncedAt[index] = engineSteps
    }

    /// Engine steps an active request has decoded since its last sync (0 for the others).
    private func lag(_ index: Int) -> Int { active[index] ? engineSteps - syncedAt[index] : 0 }

    /// Syncs an active request and takes it out of the running batch.
    private mutating func deactivate(_ index: Int) {
        guard active[index] else { return }
        sync(index)
        active[index] = false
        activeCount -= 1
    }

    private func isOpen(_ request: Int32) -> Bool {
        request >= 0 && Int(request) < status.count && (status[Int(request)] == .waiting || status[Int(request)] == .running)
    }

    /// Checks a plan against the scheduler contract before the engine sees it, and counts its
    /// sequences and tokens per step (``planSequences``, ``planTokens``).
    mutating func check(_ plan: StepPlan, engineSupportsIncrementalPlans: Bool) throws {
        guard plan.steps >= 1 else { throw RunnerViolation(message: "plan with \(plan.steps) steps") }
        guard !plan.isIncremental || engineSupportsIncrementalPlans else {
            throw RunnerViolation(message: "incremental plan for an engine that does not support them")
        }
        guard plan.isIncremental || plan.removals.isEmpty else {
            throw RunnerViolation(message: "full plan with removals")
        }
        for rejection in plan.rejections {
            guard isOpen(rejection.request) else {
                throw RunnerViolation(message: "rejection of request \(rejection.request), which is not waiting or running")
            }
            guard seenMark[Int(rejection.request)] != plans else {
                throw RunnerViolation(message: "plan rejects request \(rejection.request) twice")
            }
            seenMark[Int(rejection.request)] = plans
        }
        for request in plan.removals {
            guard isOpen(request), active[Int(request)], seenMark[Int(request)] != plans else {
                throw RunnerViolation(message: "plan removes request \(request), which is not in the engine's running batch or is named twice")
            }
            seenMark[Int(request)] = plans
        }
        var listedActive = 0
        // By index: iterating the entries by value would copy each one's two arrays.
        for position in plan.sequences.indices {
            let request = plan.sequences[position].request
            guard isOpen(request) else {
                throw RunnerViolation(message: "plan schedules request \(request), which is not waiting or running")
            }
            guard seenMark[Int(request)] != plans else {
                throw RunnerViolation(message: "plan schedules request \(request) twice, or rejects it too")
            }
            seenMark[Int(request)] = plans
            if plan.isIncremental, active[Int(request)] { listedActive += 1 }
            let start = plan.sequences[position].start, count = plan.sequences[position].count
            let tokens = plan.sequences[position].tokens.count
            guard count >= 1, start >= 0, tokens == count else {
                throw RunnerViolation(message: "request \(request): bad span start \(start) count \(count) with \(tokens) tokens")
            }
            guard start + count <= workload.promptLength(Int(request)) + generated[Int(request)] + lag(Int(request)) else {
                throw RunnerViolation(message: "request \(request): span ends at \(start + count), past its known tokens")
            }
            if plan.steps > 1, count != 1 || !plan.sequences[position].samples {
                throw RunnerViolation(message: "multi-step plan with request \(request) not decoding")
            }
        }
        let implicit = plan.isIncremental ? activeCount - listedActive - plan.removals.count : 0
        planSequences = plan.sequences.count + implicit
        planTokens = plan.tokensPerStep + implicit
    }

    /// Records what a plan and its outcome did to every request.
    mutating func apply(_ plan: StepPlan, _ outcome: StepOutcome) throws {
        plans += 1
        for rejection in plan.rejections {
            fail(Int(rejection.request), rejection.reason, rejected: true)
        }
        guard plan.isIncremental ? outcome.sequences.count >= plan.sequences.count : outcome.sequences.count == plan.sequences.count else {
            throw RunnerViolation(message: "engine returned \(outcome.sequences.count) sequences for a plan of \(plan.sequences.count)")
        }
        guard outcome.steps >= (planSequences == 0 ? 0 : 1), outcome.steps <= plan.steps, outcome.seconds >= 0, outcome.seconds.isFinite else {
            throw RunnerViolation(message: "engine reported \(outcome.steps) steps in \(outcome.seconds) s for a plan of \(plan.steps)")
        }
        let start = clock
        clock += outcome.seconds
        for request in plan.removals { deactivate(Int(request)) }
        if !plan.isIncremental, activeCount > 0 {
            for index in active.indices { deactivate(index) }
        }
        for position in plan.sequences.indices { deactivate(Int(plan.sequences[position].request)) }
        engineSteps += outcome.steps
        for position in plan.sequences.indices {
            let sequence = ListedSequence(plan.sequences[position])
            let result = outcome.sequences[position]
            let index = Int(sequence.request)
            guard result.request == sequence.request else {
                throw RunnerViolation(message: "engine answered for request \(result.request) in place of \(sequence.request)")
            }
            let limit = sequence.samples ? outcome.steps : 0
            guard result.generated >= 0, result.generated <= limit, result.tokens.isEmpty || result.tokens.count == result.generated else {
                throw RunnerViolation(message: "engine reported \(result.generated) tokens for request \(index) in \(outcome.steps) steps")
            }
            if status[index] == .waiting {
                status[index] = .running
                results[index].scheduledAt = start
            } else if sequence.resetsBlockTable, sequence.start < kvLength[index] {
                results[index].preemptions += 1
            }
            let prompt = workload.promptLength(index)
            computedPrompt[index] += max(0, min(sequence.end, prompt) - sequence.start)
            kvLength[index] = sequence.end + max(0, outcome.steps - 1)
            if result.generated > 0, generated[index] == 0 {
                results[index].firstTokenAt = start + outcome.seconds / Double(max(outcome.steps, 1))
            }
            generated[index] += result.generated
            results[index].tokens += result.tokens
            if let finish = result.finish {
                end(index, finish)
            } else if plan.isIncremental, sequence.samples {
                active[index] = true
                activeCount += 1
                syncedAt[index] = engineSteps
            }
        }
        for result in outcome.sequences[plan.sequences.count...] {
            let index = Int(result.request)
            guard result.request >= 0, index < status.count, active[index], result.generated == outcome.steps,
                  result.finish != nil || !result.tokens.isEmpty, result.tokens.isEmpty || result.tokens.count == result.generated else {
                throw RunnerViolation(message: "engine reported request \(result.request), which the plan runs implicitly, with \(result.generated) tokens in \(outcome.steps) steps")
            }
            sync(index)
            results[index].tokens += result.tokens
            if let finish = result.finish {
                deactivate(index)
                end(index, finish)
            }
        }
    }

    private mutating func end(_ index: Int, _ finish: FinishReason) {
        results[index].finish = finish
        results[index].finishedAt = clock
        close(index, as: .finished)
    }

    private mutating func fail(_ index: Int, _ reason: String, rejected: Bool) {
        deactivate(index)
        results[index].error = reason
        results[index].rejected = rejected
        close(index, as: .failed)
    }

    /// Records that request `index` ended with `final` status and queues its result.
    private mutating func close(_ index: Int, as final: Status) {
        status[index] = final
        done += 1
        results[index].generatedTokens = generated[index]
        ended.append(index)
    }

    /// Ends every request still waiting or running with `reason`.
    mutating func failUnfinished(with reason: String) {
        for index in status.indices where status[index] == .waiting || status[index] == .running {
            fail(index, reason, rejected: false)
        }
    }

    /// Passes the final result of every request that ended since the last call to `body`, in the
    /// order they ended, and forgets them.
    /// - Complexity: O(requests ended since the last call).
    mutating func drainEnded(_ body: (RequestResult) -> Void) {
        for index in ended { body(results[index]) }
        ended.removeAll(keepingCapacity: true)
    }

    /// The metrics of the run so far.
    func report(policy: String, prepareSeconds: Double, schedulerSeconds: Double, uniquePromptTokens: Int, optimalSeconds: Double?,
                timeline: [TimelineEntry]) -> RunReport {
        var promptTokens = 0, outputTokens = 0, saved = 0, finished = 0, preemptions = 0
        for index in status.indices {
            preemptions += results[index].preemptions
            guard status[index] == .finished else { continue }
            finished += 1
            let prompt = workload.promptLength(index)
            promptTokens += prompt
            outputTokens += generated[index]
            saved += max(0, prompt - computedPrompt[index])
        }
        let makespan = clock
        let allPrompt = workload.totalPromptTokens
        return RunReport(
            policy: policy, requests: workload.count, requestsFinished: finished, requestsFailed: workload.count - finished,
            promptTokens: promptTokens, outputTokens: outputTokens, makespanSeconds: makespan,
            throughputTokensPerSecond: makespan > 0 ? Double(promptTokens + outputTokens) / makespan : 0,
            outputTokensPerSecond: makespan > 0 ? Double(outputTokens) / makespan : 0,
            prefixHitRatio: promptTokens > 0 ? Double(saved) / Double(promptTokens) : 0,
            optimalPrefixHitRatio: allPrompt > 0 ? Double(allPrompt - uniquePromptTokens) / Double(allPrompt) : 0,
            optimalSeconds: optimalSeconds, engineSteps: engineSteps, plans: plans,
            schedulerPrepareSeconds: prepareSeconds,
            schedulerSecondsPerPlan: plans > 0 ? schedulerSeconds / Double(plans) : 0,
            schedulerSecondsPerStep: engineSteps > 0 ? schedulerSeconds / Double(engineSteps) : 0,
            timeToFirstToken: Distribution(results.compactMap { status[$0.request] == .finished ? $0.timeToFirstToken : nil }),
            timePerOutputToken: Distribution(results.compactMap { status[$0.request] == .finished ? $0.timePerOutputToken : nil }),
            preemptions: preemptions, timeline: timeline)
    }
}

/// The fields of a plan entry ``RunState/apply(_:_:)`` reads, copied without the entry's token
/// and block arrays.
private struct ListedSequence {
    let request: Int32, start: Int, end: Int, samples: Bool, resetsBlockTable: Bool

    init(_ entry: ScheduledSequence) {
        request = entry.request
        start = entry.start
        end = entry.end
        samples = entry.samples
        resetsBlockTable = entry.resetsBlockTable
    }
}
