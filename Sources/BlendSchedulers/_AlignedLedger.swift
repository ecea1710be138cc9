import BlendCore

/// Where a request stands in ``AlignedServeScheduler``.
enum AlignedPhase: UInt8 {
    /// Not on the device: never admitted, or preempted by recomputation.
    case waiting
    /// Admitted; prompt chunks still to compute.
    case prefilling
    /// Prefill done (first token sampled); to be placed in the running batch or the pool.
    case prefilled
    /// In the pool (the length tree), swapped out to the host tier or parked on the device.
    case pooled
    /// Picked for the candidate batch or as a candidate request; its KV is on the device.
    case staged
    /// In the running batch.
    case running
    /// Finished or rejected.
    case done
}

/// The per-request bookkeeping of ``AlignedServeScheduler``, in flat arrays indexed by request.
struct AlignedLedger {
    let workload: Workload
    var phase: [AlignedPhase]
    /// Positions already in the KV cache (or computed by the plan being executed).
    var computed: [Int]
    var generated: [Int]
    /// Tokens the engine reported (empty for a simulator).
    var outputs: [[Int32]]
    /// New tokens each request may generate (its `max_tokens`, capped by the room it can have).
    var limits: [Int]
    /// Blocks of its device table the engine has been sent.
    var sentBlocks: [Int]
    /// Whether its next plan entry must send the whole table (first step, or after a swap-in).
    var resetsTable: [Bool]
    /// The batch it belongs to while staged or running.
    var batch: [Int32]
    /// Engine steps run when it entered the pool (for the starvation guard).
    var pooledAt: [Int]
    /// Requests not yet finished or rejected.
    var unfinished: Int

    init(workload: Workload, capacity: EngineCapacity) {
        self.workload = workload
        let count = workload.count
        phase = [AlignedPhase](repeating: .waiting, count: count)
        computed = [Int](repeating: 0, count: count)
        generated = [Int](repeating: 0, count: count)
        outputs = [[Int32]](repeating: [], count: count)
        sentBlocks = [Int](repeating: 0, count: count)
        resetsTable = [Bool](repeating: true, count: count)
        batch = [Int32](repeating: -1, count: count)
        pooledAt = [Int](repeating: 0, count: count)
        let longest = min(capacity.maxContext, capacity.deviceBlocks * capacity.blockSize)
        limits = (0 ..< count).map { index in
            let room = longest - workload.promptLength(index)
            let asked = workload.maxNewTokens[index]
            return asked >= 0 ? min(Int(asked), room) : room
        }
        unfinished = count
    }

    /// Prompt plus generated tokens: the KV length the request's next decode step attends to.
    func knownLength(_ request: Int32) -> Int {
        workload.promptLength(Int(request)) + generated[Int(request)]
    }

    /// The token ids of `request` at `range`: prompt tokens, reported tokens, and placeholders
    /// (``SequenceBatcher/placeholderToken(request:position:)``) for tokens never reported.
    func tokens(_ request: Int32, _ range: Range<Int>) -> [Int32] {
        let index = Int(request)
        let prompt = workload.promptLength(index)
        let base = workload.promptOffsets[index]
        return range.map { position in
            if position < prompt { return workload.tokens[base + position] }
            let output = position - prompt
            return output < outputs[index].count
                ? outputs[index][output] : SequenceBatcher.placeholderToken(request: request, position: position)
        }
    }
}

/// The plan being composed by ``AlignedServeScheduler``.
struct AlignedPlanDraft {
    var sequences: [ScheduledSequence] = []
    var transfers: [BlockTransfer] = []
    var prefetches: [BlockTransfer] = []
    var rejections: [RequestRejection] = []
    /// Tokens the step may still compute.
    var tokenBudget: Int
    /// Sequences the step may still hold.
    var slots: Int
    /// Whether some entry is a prefill chunk (the plan then runs one step).
    var prefilling = false
    /// Whether the running batch and the candidate batch run together in this plan.
    var switching = false
    /// Requests admitted in this plan.
    var admitted = 0
}
