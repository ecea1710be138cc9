/// A scheduling policy: decides which sequences run in each step.
///
/// The runner calls ``prepare(workload:capacity:)`` once, then alternates ``nextStep()`` and
/// ``observe(_:)`` until ``nextStep()`` returns `nil`. A scheduler owns the KV-block accounting
/// (``KVBlockManager`` does it for you), so the plans it returns name concrete block ids.
/// It is synchronous and used by one task; keep `nextStep()` fast, since the engine waits on it.
///
/// Contract the runner checks: every request is finished by the engine or rejected by the
/// scheduler exactly once; a request is never scheduled after it finished or was rejected.
public protocol BatchScheduler {
    /// A short name for reports (`fcfs`, `blendserve`, ...).
    var name: String { get }

    /// Receives the workload and the engine's capacity before the first step (preprocessing
    /// goes here).
    mutating func prepare(workload: Workload, capacity: EngineCapacity) throws

    /// The next plan, or `nil` when every request has finished or been rejected.
    mutating func nextStep() -> StepPlan?

    /// The outcome of the plan returned last.
    mutating func observe(_ outcome: StepOutcome)
}
