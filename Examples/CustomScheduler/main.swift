// A scheduling policy written outside the package: "shortest prompt first". It implements the
// BatchScheduler protocol on top of SequenceBatcher, which does the batching mechanics (chunked
// prefill, KV blocks, prefix caching, preemption, multi-step decode spans), so the policy only
// decides which waiting request to admit next. It runs on the simulated A100 through
// OfflineRunner, next to the fcfs baseline. Run it with `swift run custom-scheduler`.
import BlendCore
import BlendSchedulers
import BlendSim
import Foundation

/// Admits waiting requests in order of prompt length, shortest first (input order among ties).
struct ShortestPromptFirst: BatchScheduler {
    let name = "shortest-prompt"
    private var queue: [Int32] = []
    private var next = 0
    private var batcher: SequenceBatcher!

    /// Called once before the first step: preprocessing goes here.
    mutating func prepare(workload: Workload, capacity: EngineCapacity) throws {
        queue = (0 ..< Int32(workload.count)).sorted {
            (workload.promptLength(Int($0)), $0) < (workload.promptLength(Int($1)), $1)
        }
        batcher = SequenceBatcher(workload: workload, capacity: capacity)
    }

    /// One plan: continue the running sequences, then admit while the step has room.
    mutating func nextStep() -> StepPlan? {
        batcher.beginStep()
        var blocked = next == queue.count
        admission: while batcher.canAdmit, next < queue.count {
            switch batcher.admit(queue[next]) {
            case .admitted, .rejected:
                next += 1
            case .noMemory:
                blocked = true
                break admission
            case .noBudget:
                break admission
            }
        }
        // `blocked` lets a decode-only step become a multi-step span: nothing can be admitted
        // before some sequence finishes.
        return batcher.finishStep(admissionBlocked: blocked || next == queue.count)
    }

    /// The engine's outcome of the last plan: tokens generated, sequences finished.
    mutating func observe(_ outcome: StepOutcome) {
        batcher.observe(outcome)
    }
}

// AlignedServe's short/long mix: 90% of the prompts under 1K tokens, the rest 1K-8K.
let generated = try WorkloadGenerator.generate(.shortLong(shortShare: 0.9), requests: 1000, seed: 7)
let workload = generated.workload

/// Runs `scheduler` over `generated` on a fresh simulated Llama-3.1-8B on an A100-80GB.
func simulate<S: BatchScheduler>(_ scheduler: S, _ generated: GeneratedWorkload) async -> RunResult {
    let engine = SimulatedGPU(workload: generated.workload, model: .llama31_8B, hardware: .a100_80GB)
    var runner = OfflineRunner(scheduler: scheduler, engine: engine, workload: generated.workload)
    runner.optimalSeconds = engine.optimalSeconds(generated.report.totals)
    return await runner.run()
}

print("\(workload.count) requests, \(workload.totalPromptTokens) prompt tokens, "
    + "\(generated.report.totals.outputTokens) output tokens; Llama-3.1-8B on a simulated A100-80GB\n")
print("policy            makespan   tokens/s   of T_o   TTFT p50   TTFT p99   TPOT p99   preemptions")
for scheduler in [try PolicyCatalog.make("fcfs"), ShortestPromptFirst()] {
    let result = await simulate(scheduler, generated)
    let report = result.report
    precondition(result.failure == nil && report.requestsFinished == workload.count, "every request finishes")
    print(report.policy.padding(toLength: 16, withPad: " ", startingAt: 0)
        + pad(report.makespanSeconds, "%.1f s", 10) + pad(report.throughputTokensPerSecond, "%.0f", 11)
        + pad(100 * (report.fractionOfOptimal ?? 0), "%.1f%%", 9)
        + pad(report.timeToFirstToken.p50 * 1e3, "%.0f ms", 11) + pad(report.timeToFirstToken.p99 * 1e3, "%.0f ms", 11)
        + pad(report.timePerOutputToken.p99 * 1e3, "%.1f ms", 11) + pad(Double(report.preemptions), "%.0f", 14))
}

/// `value` printed with `format`, right-aligned in `width` columns.
func pad(_ value: Double, _ format: String, _ width: Int) -> String {
    let text = String(format: format, value)
    return String(repeating: " ", count: max(0, width - text.count)) + text
}
