import BlendCore
import Foundation

/// A test engine that keeps the KV cache's *contents*: every block slot, on the device and in the
/// host tier, records the token written there. It checks each plan against what a real engine
/// relies on (tables cover the positions, block ids are in range, a sequence starting past 0 finds
/// its own tokens already in its blocks, also after a swap-in; no prefetch touches a block the
/// step uses), copies slots for transfers (before the step) and prefetches (after it), takes one
/// time unit per token plus one per step, and finishes sequences at their workload output length
/// or when they run out of room. With `recordsDecodeBatches` it keeps the KV lengths of each
/// plan's decoding sequences.
final class CheckingEngine: ExecutionEngine, @unchecked Sendable {
    let capacity: EngineCapacity
    let workload: Workload
    private let lock = NSLock()
    private var slots: [Int32]
    private var hostSlots: [Int32]
    private var tables: [Int32: [Int32]] = [:]
    private(set) var problems: [String] = []
    private var decodeBatches: [[Int]] = []
    private let recordsDecodeBatches: Bool

    init(workload: Workload, capacity: EngineCapacity, recordsDecodeBatches: Bool = false) {
        self.workload = workload
        self.capacity = capacity
        self.recordsDecodeBatches = recordsDecodeBatches
        slots = [Int32](repeating: Int32.min, count: capacity.deviceBlocks * capacity.blockSize)
        hostSlots = [Int32](repeating: Int32.min, count: capacity.hostBlocks * capacity.blockSize)
    }

    var problemList: [String] { lock.withLock { problems } }

    /// Per plan with decoding sequences, their KV lengths at the plan's first step.
    var decodeBatchList: [[Int]] { lock.withLock { decodeBatches } }

    /// Copies a block's slots as `transfer` says, after checking the block ids.
    private func copy(_ transfer: BlockTransfer) {
        let size = capacity.blockSize
        let (sourceCount, destinationCount) = switch transfer.direction {
        case .deviceToHost: (capacity.deviceBlocks, capacity.hostBlocks)
        case .hostToDevice: (capacity.hostBlocks, capacity.deviceBlocks)
        case .deviceToDevice: (capacity.deviceBlocks, capacity.deviceBlocks)
        }
        guard (0 ..< sourceCount).contains(Int(transfer.source)), (0 ..< destinationCount).contains(Int(transfer.destination)) else {
            problems.append("transfer \(transfer) out of range")
            return
        }
        for offset in 0 ..< size {
            let from = Int(transfer.source) * size + offset, to = Int(transfer.destination) * size + offset
            switch transfer.direction {
            case .deviceToHost: hostSlots[to] = slots[from]
            case .hostToDevice: slots[to] = hostSlots[from]
            case .deviceToDevice: slots[to] = slots[from]
            }
        }
    }

    private func slot(_ table: [Int32], _ position: Int) -> Int? {
        let block = position / capacity.blockSize
        guard block < table.count else { return nil }
        return Int(table[block]) * capacity.blockSize + position % capacity.blockSize
    }

    func execute(_ plan: StepPlan) async throws -> StepOutcome {
        lock.withLock { check(plan) }
        var steps = plan.steps
        for sequence in plan.sequences where sequence.samples {
            let before = sequence.end - workload.promptLength(Int(sequence.request))
            let target = min(Int(workload.outputLengths[Int(sequence.request)]), before + sequence.remainingTokens)
            steps = min(steps, max(1, target - before))
        }
        let outcomes = plan.sequences.map { sequence -> SequenceOutcome in
            guard sequence.samples else { return SequenceOutcome(request: sequence.request, generated: 0) }
            let before = sequence.end - workload.promptLength(Int(sequence.request))
            let total = before + steps
            let truth = Int(workload.outputLengths[Int(sequence.request)])
            let finish: FinishReason? = total >= truth ? .stop : (steps >= sequence.remainingTokens ? .length : nil)
            return SequenceOutcome(request: sequence.request, generated: steps, finish: finish)
        }
        let tokens = plan.tokensPerStep
        return StepOutcome(steps: steps, seconds: Double(steps) * (1 + Double(tokens)) * 1e-4, sequences: outcomes)
    }

    private func check(_ plan: StepPlan) {
        for transfer in plan.transfers { copy(transfer) }
        if recordsDecodeBatches {
            let lengths = plan.sequences.filter { $0.count == 1 && $0.samples }.map { $0.start + 1 }
            if !lengths.isEmpty { decodeBatches.append(lengths) }
        }
        for sequence in plan.sequences {
            if sequence.resetsBlockTable {
                tables[sequence.request] = sequence.newBlocks
            } else {
                tables[sequence.request, default: []] += sequence.newBlocks
            }
            let table = tables[sequence.request]!
            if table.contains(where: { $0 < 0 || Int($0) >= capacity.deviceBlocks }) {
                problems.append("request \(sequence.request): block id out of range")
            }
            if Set(table).count != table.count { problems.append("request \(sequence.request): a block twice in one table") }
            guard table.count * capacity.blockSize >= sequence.end + plan.steps - 1 else {
                problems.append("request \(sequence.request): table of \(table.count) blocks does not cover \(sequence.end + plan.steps - 1)")
                continue
            }
        }
        // Writes first (layer by layer a real engine writes K/V before attention reads them) ...
        for sequence in plan.sequences {
            let table = tables[sequence.request]!
            for (offset, token) in sequence.tokens.enumerated() {
                if let slot = slot(table, sequence.start + offset) { slots[slot] = token }
            }
            if plan.steps > 1 {
                for position in sequence.end ..< sequence.end + plan.steps - 1 {
                    if let slot = slot(table, position) { slots[slot] = SequenceBatcher.placeholderToken(request: sequence.request, position: position) }
                }
            }
        }
        // ... then every sequence must find its own tokens (prompt, or the placeholders of the
        // tokens it generated before a preemption) in the positions before its span.
        for sequence in plan.sequences where sequence.resetsBlockTable && sequence.start > 0 {
            let table = tables[sequence.request]!
            let prompt = workload.promptLength(Int(sequence.request))
            for position in 0 ..< sequence.start {
                let expected = position < prompt
                    ? workload.tokens[workload.promptOffsets[Int(sequence.request)] + position]
                    : SequenceBatcher.placeholderToken(request: sequence.request, position: position)
                if let slot = slot(table, position), slots[slot] != expected {
                    problems.append("request \(sequence.request): cached position \(position) holds \(slots[slot]), not \(expected)")
                    break
                }
            }
        }
        // Prefetches overlap the step: none may write a block the step uses, nor read one it writes.
        var used = Set<Int32>(), written = Set<Int32>()
        for sequence in plan.sequences {
            let table = tables[sequence.request]!
            used.formUnion(table)
            for position in sequence.start ..< sequence.end + plan.steps - 1 where position / capacity.blockSize < table.count {
                written.insert(table[position / capacity.blockSize])
            }
        }
        for prefetch in plan.prefetches {
            if prefetch.direction != .deviceToHost, used.contains(prefetch.destination) {
                problems.append("prefetch \(prefetch) writes a block the step uses")
            }
            if prefetch.direction != .hostToDevice, written.contains(prefetch.source) {
                problems.append("prefetch \(prefetch) reads a block the step writes")
            }
            copy(prefetch)
        }
    }
}
