// An execution engine written outside the package: a toy that "generates" by echoing each prompt
// back, token by token, reading the prompt from its own paged KV store. It keeps real block
// tables (updated from the deltas in each plan), writes every scheduled token before any
// sequence reads, and fails loudly on a read of a slot nobody wrote, so it also checks the
// scheduler's block accounting. A baseline policy from PolicyCatalog drives it through
// OfflineRunner. Run it with `swift run custom-engine`.
import BlendCore
import BlendSchedulers
import Foundation

/// A paged "KV cache" of token ids and a fixed latency model; echoes prompts back.
actor EchoEngine: ExecutionEngine {
    nonisolated let capacity = EngineCapacity(blockSize: 4, deviceBlocks: 48, bytesPerBlock: 4 * 4,
                                              maxTokensPerStep: 32, maxSequencesPerStep: 4, maxContext: 256)
    private let workload: Workload
    private var slots: [Int32]                  // token id per (block, offset); -1 = never written
    private var writers: [Int32]                // which request wrote each slot
    private var tables: [Int32: [Int32]] = [:]  // block table per request
    private(set) var sharedReads = 0            // reads of slots another request wrote

    init(workload: Workload) {
        self.workload = workload
        slots = [Int32](repeating: -1, count: capacity.deviceBlocks * capacity.blockSize)
        writers = slots
    }

    struct KVError: Error, CustomStringConvertible {
        var description: String
    }

    private func slot(_ request: Int32, _ position: Int) throws -> Int {
        let table = tables[request] ?? []
        let index = position / capacity.blockSize
        guard index < table.count, (0 ..< Int32(capacity.deviceBlocks)).contains(table[index]) else {
            throw KVError(description: "request \(request): position \(position) is outside its block table")
        }
        return Int(table[index]) * capacity.blockSize + position % capacity.blockSize
    }

    func execute(_ plan: StepPlan) async throws -> StepOutcome {
        for sequence in plan.sequences {               // block tables arrive as deltas
            if sequence.resetsBlockTable { tables[sequence.request] = [] }
            tables[sequence.request, default: []] += sequence.newBlocks
        }
        var outcomes = plan.sequences.map { SequenceOutcome(request: $0.request, generated: 0) }
        var steps = 0, computed = 0, reads = 0
        while steps < plan.steps, !outcomes.contains(where: { $0.finish != nil }) {
            steps += 1
            // 1. Write: every scheduled token's "K/V" goes into its slot before anyone reads.
            for (index, sequence) in plan.sequences.enumerated() {
                let writes = steps == 1 ? Array(zip(sequence.start..., sequence.tokens))
                                        : [(sequence.end + steps - 2, outcomes[index].tokens.last!)]
                for (position, token) in writes {
                    let slot = try slot(sequence.request, position)
                    slots[slot] = token
                    writers[slot] = sequence.request
                }
                computed += writes.count
            }
            // 2. Read and sample: attend over every position so far, then echo a prompt token.
            for (index, sequence) in plan.sequences.enumerated() where sequence.samples {
                let length = sequence.end + steps - 1
                for position in 0 ..< length {
                    let slot = try slot(sequence.request, position)
                    guard slots[slot] >= 0 else {
                        throw KVError(description: "request \(sequence.request) reads position \(position), never written")
                    }
                    if writers[slot] != sequence.request { sharedReads += 1 }
                }
                reads += length
                let prompt = workload.promptLength(Int(sequence.request))
                let echoed = length - prompt                       // tokens generated before this one
                let token = slots[try slot(sequence.request, echoed % prompt)]
                outcomes[index].generated += 1
                outcomes[index].tokens.append(token)
                if echoed + 1 == prompt {
                    outcomes[index].finish = .stop                 // the whole prompt is echoed
                } else if outcomes[index].generated == sequence.remainingTokens {
                    outcomes[index].finish = .length
                }
            }
        }
        let compute = 20e-6 * Double(computed), memory = 5e-9 * Double(reads)
        return StepOutcome(steps: steps, seconds: Double(steps) * 2e-3 + compute + memory,
                           computeSeconds: compute, memorySeconds: memory, sequences: outcomes)
    }
}

// Six chats sharing a 10-token system prompt; the last one may generate only 5 tokens.
var workload = Workload()
let system: [Int32] = Array(100 ..< 110)
for chat in 0 ..< 6 {
    let question = (0 ..< Int32(3 + 2 * chat)).map { 200 + 20 * Int32(chat) + $0 }
    workload.append(id: "chat\(chat)", prompt: system + question, maxNewTokens: chat == 5 ? 5 : nil)
}

/// Runs `scheduler` on a fresh echo engine; returns the results and the engine's shared reads.
func serve<S: BatchScheduler>(_ scheduler: S, _ workload: Workload) async -> (RunResult, Int) {
    let engine = EchoEngine(workload: workload)
    var runner = OfflineRunner(scheduler: scheduler, engine: engine, workload: workload)
    let result = await runner.run()
    return (result, await engine.sharedReads)
}

let (result, sharedReads) = await serve(try PolicyCatalog.make("dfs"), workload)
if let failure = result.failure { print("run failed: \(failure)") }
for request in result.results {
    let prompt = Array(workload.prompt(request.request))
    let echo = request.tokens == Array(prompt.prefix(request.tokens.count))
    print("\(request.id): prompt \(prompt.count) tokens -> \(request.generatedTokens) tokens, "
        + "\(request.finish.map { "\($0)" } ?? request.error ?? "-"), echo \(echo ? "ok" : "WRONG"): "
        + request.tokens.map(String.init).joined(separator: " "))
}
let report = result.report
print(String(format: "\n%@: %d plans, %d engine steps, %.1f ms of modelled time, prefix hit ratio %.3f "
    + "(optimum %.3f), %d preemptions, %d KV reads of blocks another request wrote",
    report.policy, report.plans, report.engineSteps, report.makespanSeconds * 1e3, report.prefixHitRatio,
    report.optimalPrefixHitRatio, report.preemptions, sharedReads))
