import BlendCore
import Foundation

/// A test engine that keeps the KV cache's *contents*: every block slot records the token written
/// there. It checks each plan against what a real engine relies on (tables cover the positions,
/// block ids are in range, a sequence starting past 0 finds its own tokens already in its blocks),
/// takes one time unit per token plus one per step, and finishes sequences at their workload
/// output length or when they run out of room.
final class CheckingEngine: ExecutionEngine, @unchecked Sendable {
    let capacity: EngineCapacity
    let workload: Workload
    private let lock = NSLock()
    private var slots: [Int32]
    private var tables: [Int32: [Int32]] = [:]
    private(set) var problems: [String] = []

    init(workload: Workload, capacity: EngineCapacity) {
        self.workload = workload
        self.capacity = capacity
        slots = [Int32](repeating: Int32.min, count: capacity.deviceBlocks * capacity.blockSize)
    }

    var problemList: [String] { lock.withLock { problems } }

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
    }
}
