import BlendCore
import Foundation

/// A simulated GPU engine: executes step plans instantly and reports the time a real GPU
/// would take, from ``StepCostModel`` (a calibrated roofline with overlap and attention-kernel
/// models).
///
/// The engine knows each request's true output length from `workload.outputLengths` and
/// finishes a sequence there (reason ``FinishReason/stop``) or when its `remainingTokens` run
/// out (``FinishReason/length``); where the true length is -1 it runs to `remainingTokens`.
/// Schedulers see only their estimates. It returns no token ids.
///
/// Under full plans it keeps no state between plans: a sequence's generated count follows from the
/// plan alone (after a step that samples it has generated `end − promptLength + 1` tokens, also
/// after a recomputation), and full plans may even be simulated concurrently.
///
/// It supports incremental plans (``EngineCapacity/supportsIncrementalPlans``): it then keeps the
/// running batch behind a lock, with the aggregates the step-time model needs (decode sequences,
/// `ΣL`, `max L`, split-KV's chunk residues, the next finish), so an incremental plan costs
/// O(listed sequences + removals + finishes) plus O(log batch) per change, and O(C) under split-KV,
/// whatever the batch size. A full plan empties the batch.
///
/// A plan with `steps > 1` is simulated in closed form (see ``StepCostModel/spanCost(first:steps:kvLengths:)``):
/// `execute` costs O(sequences in the plan) whatever the number of steps (plus O(steps) under
/// split-KV).
public final class SimulatedGPU: ExecutionEngine {
    /// What the simulated engine can hold and compute (see ``capacity(model:hardware:options:)``).
    public let capacity: EngineCapacity
    /// The step-time model.
    public let costModel: StepCostModel
    /// The model simulated.
    public var model: ModelSpec { costModel.model }
    /// The hardware simulated.
    public var hardware: HardwareSpec { costModel.hardware }
    /// The options in force.
    public var options: SimulationOptions { costModel.options }

    /// Prompt offsets of the workload (request `i`'s prompt length is
    /// `promptOffsets[i + 1] − promptOffsets[i]`); shared with the workload, not copied.
    private let promptOffsets: [Int]
    /// True output lengths of the workload, -1 where unknown.
    let outputLengths: [Int32]
    /// The running batch of incremental plans, guarded by `batchLock` (`Synchronization.Mutex`
    /// needs macOS 15).
    nonisolated(unsafe) private var batch: SimulatedBatch
    private let batchLock = NSLock()

    /// Creates a simulated engine for `workload` running `model` on `hardware`.
    /// - Complexity: O(1) (the workload's arrays are shared, not copied).
    public init(workload: Workload, model: ModelSpec, hardware: HardwareSpec, options: SimulationOptions = .init()) {
        precondition(options.maxTokensPerStep > 0 && options.maxSequencesPerStep > 0,
                     "step limits must be positive")
        capacity = SimulatedGPU.capacity(model: model, hardware: hardware, options: options)
        costModel = StepCostModel(model: model, hardware: hardware, options: options)
        promptOffsets = workload.promptOffsets
        outputLengths = workload.outputLengths
        batch = SimulatedBatch(requests: workload.count, chunk: costModel.attention.chunkTokens)
    }

    /// Simulates the plan (see ``simulate(_:)``).
    /// - Throws: ``SimulationError`` when the plan breaks the ``StepPlan`` contract.
    /// - Complexity: O(sequences + transfers + prefetches), plus O(steps) under split-KV.
    public func execute(_ plan: StepPlan) async throws -> StepOutcome {
        try simulate(plan)
    }

    /// Simulates the plan synchronously: its transfers, then `n = min(plan.steps, steps until the
    /// first sequence finishes)` steps with the prefetches overlapped. Each sampling sequence
    /// reports `generated = n` and a finish reason if it finished at step `n`; a prefill chunk
    /// that stops before the end of its prompt reports 0. A plan without sequences runs no step
    /// and costs only its copies.
    ///
    /// `seconds` is the transfers plus `max(combined step time and overheads, prefetches)` (see
    /// ``StepCostModel/prefetchSeconds(toDevice:toHost:deviceCopies:)``); `computeSeconds` is
    /// GEMMs plus prefill attention and `memorySeconds` is weight plus KV reads, summed over the
    /// steps (all-reduce and copy time are in `seconds` only).
    /// - Throws: ``SimulationError`` when the plan breaks the ``StepPlan`` contract.
    /// - Complexity: O(sequences + transfers + prefetches), plus O(steps + chunk) under split-KV.
    public func simulate(_ plan: StepPlan) throws -> StepOutcome {
        guard plan.steps >= 1 else { throw SimulationError.invalidPlan("steps is \(plan.steps), must be at least 1") }
        if plan.isIncremental {
            batchLock.lock()
            defer { batchLock.unlock() }
            return try simulateIncremental(plan, batch: &batch)
        }
        batchLock.lock()
        if batch.count > 0 { batch.removeAll() }
        batchLock.unlock()
        let transfers = try transferSeconds(plan.transfers, prefetched: false)
        let prefetches = try transferSeconds(plan.prefetches, prefetched: true)
        let sequences = plan.sequences
        if sequences.isEmpty {
            return StepOutcome(steps: 0, seconds: transfers + prefetches, computeSeconds: 0, memorySeconds: 0, sequences: [])
        }

        // Pass 1: validate, aggregate the first step's load, find the first finish.
        let chunk = costModel.attention.chunkTokens
        var load = StepLoad()
        var steps = plan.steps
        for index in sequences.indices {
            try validate(sequences[index], steps: plan.steps)
            let start = sequences[index].start, count = sequences[index].count
            let samples = sequences[index].samples
            load.add(start: start, count: count, samples: samples, chunkTokens: chunk)
            if samples {
                let finish = try finishStep(sequences[index])
                if finish.step < steps { steps = finish.step }
            }
        }

        // Pass 2: the outcome of each sequence after `steps` steps.
        var outcomes: [SequenceOutcome] = []
        outcomes.reserveCapacity(sequences.count)
        for index in sequences.indices {
            let request = sequences[index].request
            guard sequences[index].samples else {
                outcomes.append(SequenceOutcome(request: request, generated: 0))
                continue
            }
            let finish = try finishStep(sequences[index])
            outcomes.append(SequenceOutcome(request: request, generated: steps,
                                            finish: finish.step == steps ? finish.reason : nil))
        }

        let cost = steps == 1
            ? costModel.stepCost(load)
            : costModel.spanCost(first: load, steps: steps, kvLengths: sequences.lazy.map { $0.start + 1 })
        return StepOutcome(steps: steps, seconds: transfers + max(cost.seconds, prefetches), computeSeconds: cost.computeSeconds,
                           memorySeconds: cost.memorySeconds, sequences: outcomes)
    }

    /// BlendServe's practical optimal time of a request set under this engine's rates (see
    /// ``StepCostModel/optimalSeconds(_:)``), for reports of "fraction of optimal".
    /// - Complexity: O(1).
    public func optimalSeconds(_ totals: ResourceTotals) -> Double {
        costModel.optimalSeconds(totals)
    }

    /// The practical optimum with the weight reads of the fewest steps this engine's KV pool and
    /// step budget allow (see ``StepCostModel/weightAwareOptimalSeconds(_:kvPoolTokens:maxTokensPerStep:)``).
    /// - Complexity: O(1).
    public func weightAwareOptimalSeconds(_ totals: ResourceTotals) -> Double {
        costModel.weightAwareOptimalSeconds(totals, kvPoolTokens: capacity.deviceBlocks * capacity.blockSize,
                                            maxTokensPerStep: capacity.maxTokensPerStep)
    }

    // MARK: Helpers

    /// Throws unless `sequence` names a request of the workload, computes at least one token from
    /// a non-negative position and, in a plan of more than one step, is a one-token decode.
    /// - Complexity: O(1).
    @inline(__always)
    func validate(_ sequence: ScheduledSequence, steps: Int) throws {
        let request = sequence.request
        guard request >= 0, Int(request) < outputLengths.count else { throw SimulationError.unknownRequest(request) }
        guard sequence.start >= 0, sequence.count >= 1 else {
            throw SimulationError.invalidPlan("request \(request) computes \(sequence.count) tokens from position \(sequence.start)")
        }
        if steps > 1 && (sequence.count != 1 || !sequence.samples) {
            throw SimulationError.invalidPlan("request \(request) is not a one-token decode in a \(steps)-step plan")
        }
    }

    /// The step of this plan (1-based) at which a sampling sequence finishes if the plan ran
    /// long enough, and why: its true output length (`stop`) or its remaining tokens (`length`),
    /// the true length winning a tie.
    @inline(__always)
    func finishStep(_ sequence: ScheduledSequence) throws -> (step: Int, reason: FinishReason) {
        let request = Int(sequence.request)
        let prompt = promptOffsets[request + 1] - promptOffsets[request]
        // Tokens generated before this plan's first sample.
        let before = sequence.end - prompt
        guard before >= 0 else {
            throw SimulationError.invalidPlan(
                "request \(request) samples at position \(sequence.end), before the end of its \(prompt)-token prompt")
        }
        let limit = max(1, sequence.remainingTokens)
        let trueLength = Int(outputLengths[request])
        if trueLength >= 0 {
            let natural = max(1, trueLength - before)
            if natural <= limit { return (natural, .stop) }
        }
        return (limit, .length)
    }

    /// Seconds of a plan's transfers (before the steps) or prefetches (beside them); refuses
    /// copies the machine has no path for.
    func transferSeconds(_ transfers: [BlockTransfer], prefetched: Bool) throws -> Double {
        guard !transfers.isEmpty else { return 0 }
        var toHost = 0, toDevice = 0, device = 0
        for transfer in transfers {
            switch transfer.direction {
            case .deviceToHost: toHost += 1
            case .hostToDevice: toDevice += 1
            case .deviceToDevice: device += 1
            }
        }
        let host = toHost + toDevice
        if host > 0 && capacity.hostBlocks == 0 {
            throw SimulationError.missingResource("\(host) host-tier block copies, but the engine has no host tier (hostMemoryBytes is 0)")
        }
        if host > 0 && hardware.hostLinkBandwidth <= 0 {
            throw SimulationError.missingResource("host-tier block copies without a host link (hostLinkBandwidth is 0)")
        }
        let seconds = prefetched
            ? costModel.prefetchSeconds(toDevice: toDevice, toHost: toHost, deviceCopies: device)
            : costModel.transferSeconds(hostBlocks: host, deviceCopies: device)
        guard seconds.isFinite else {
            throw SimulationError.missingResource("block copies over a peer link the hardware does not have")
        }
        return seconds
    }
}
