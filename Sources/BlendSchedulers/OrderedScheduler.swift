import BlendCore

/// A continuous-batching scheduler that admits requests in an order fixed before the run, which
/// an optional hook may refine each step: the papers' baselines (vLLM/SGLang FCFS, DFS-sorted
/// traces, random "Balance" order, longest-output-first, SGLang's dfs-weight and lpm). Batching
/// itself (chunked prefill, prefix caching, preemption, multi-step decode spans) is
/// ``SequenceBatcher``'s.
public struct OrderedScheduler: BatchScheduler {
    /// The policy's name in reports.
    public let name: String
    /// The batching options.
    public let options: SequenceBatcher.Options
    private let makeOrder: @Sendable (Workload) -> [Int32]
    private let refine: (@Sendable (inout ArraySlice<Int32>, SequenceBatcher) -> Void)?
    private var order: [Int32] = []
    private var cursor = 0
    private var batcher: SequenceBatcher!

    /// Creates a scheduler that admits in the order `order` computes from the workload (every
    /// request index exactly once). `refine`, if given, may reorder the requests not yet admitted
    /// before each step's admissions, looking at the batcher (its prefix cache, for instance).
    /// - Complexity: O(1); the order is computed in ``prepare(workload:capacity:)``.
    public init(name: String, options: SequenceBatcher.Options = .init(),
                order: @escaping @Sendable (Workload) -> [Int32],
                refine: (@Sendable (inout ArraySlice<Int32>, SequenceBatcher) -> Void)? = nil) {
        self.name = name
        self.options = options
        self.makeOrder = order
        self.refine = refine
    }

    /// Computes the admission order and sets up the batcher.
    /// - Complexity: that of the order function, plus O(requests).
    public mutating func prepare(workload: Workload, capacity: EngineCapacity) throws {
        order = makeOrder(workload)
        precondition(order.count == workload.count, "an admission order lists every request once")
        cursor = 0
        batcher = SequenceBatcher(workload: workload, capacity: capacity, options: options)
    }

    /// Schedules the running sequences, then admits in order while the step has room.
    /// - Complexity: O(running sequences + admitted prompt blocks).
    public mutating func nextStep() -> StepPlan? {
        batcher.beginStep()
        if let refine, cursor < order.count {
            refine(&order[cursor...], batcher)
        }
        var blocked = false
        admission: while batcher.canAdmit, cursor < order.count {
            switch batcher.admit(order[cursor]) {
            case .admitted, .rejected:
                cursor += 1
            case .noMemory:
                blocked = true
                break admission
            case .noBudget:
                break admission
            }
        }
        return batcher.finishStep(admissionBlocked: blocked || cursor == order.count)
    }

    /// Passes the outcome to the batcher.
    /// - Complexity: O(sequences in the plan).
    public mutating func observe(_ outcome: StepOutcome) {
        batcher.observe(outcome)
    }
}
