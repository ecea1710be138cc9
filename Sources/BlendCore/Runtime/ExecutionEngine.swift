/// Something that runs model steps: a simulator, the CPU engine, a GPU engine, or a host's own.
///
/// An engine is told the plan of each step and answers with its outcome. It owns the physical KV
/// storage and addresses it by the block ids in the plan; it keeps each sequence's block table
/// between steps (the plan sends only the blocks it appends). Within one step an engine must
/// write the K/V of every scheduled token before any attention reads it, layer by layer, because
/// two sequences of the same step may share blocks that one of them fills in that step (a shared
/// prefix computed once). `execute` is `async` so that a device engine can run a step while the
/// runner plans the next one. An engine that also keeps its running batch between plans may set
/// ``EngineCapacity/supportsIncrementalPlans`` and receive plans that list only what changed
/// (see ``StepPlan``).
public protocol ExecutionEngine: AnyObject, Sendable {
    /// What the engine can hold and compute.
    var capacity: EngineCapacity { get }

    /// Performs the plan's transfers, runs its steps, and completes its prefetches (overlapped
    /// with the steps or after them) before returning.
    /// - Throws: when the engine fails; the runner then ends every unfinished request with the error.
    func execute(_ plan: StepPlan) async throws -> StepOutcome
}
