import BlendCore
import BlendCPU
import BlendCUDA
import BlendSchedulers
import BlendTestSupport
import XCTest

/// The whole engine on the default model: greedy tokens identical to the CPU engine's, tokens
/// independent of batching and scheduling, and KV blocks that survive a swap to the host tier.
/// Needs a GPU and the model.
final class EngineTests: XCTestCase {
    /// Chat questions whose greedy answers keep, at every step on the CPU engine, a margin between
    /// the best and the second-best logit well above what the two engines' different rounding can
    /// move: at least 0.037 for these five, against differences of at most 0.0074 between two
    /// summation orders (`LogitTests`). "Say hello." and "Write one sentence about the sea." were
    /// left out for margins of 0.0003 and 0.001.
    static let questions = ["What is the capital of France?", "Who wrote Hamlet?", "What is 2 + 2?",
                            "Name three primary colors.", "What color is the sky?"]

    static func requireGPU() throws {
        if case .unavailable(let reason) = CUDAEngine.availability() { throw XCTSkip("needs a CUDA GPU: \(reason)") }
    }

    static func chatWorkload(_ model: LlamaModel, maxNewTokens: Int) throws -> Workload {
        let encoder = try ChatPromptEncoder(metadata: model.file.metadata)
        var workload = Workload()
        for (i, question) in questions.enumerated() {
            workload.append(id: "q\(i)", prompt: encoder.encode(chat: [ChatMessage(role: "user", content: question)]),
                            maxNewTokens: maxNewTokens)
        }
        return workload
    }

    func testGreedyTokensMatchTheCPUEngine() async throws {
        try Self.requireGPU()
        let model = try LlamaModel(path: try TestModelFile.path())
        let tokenizer = try Tokenizer(metadata: model.file.metadata)
        let workload = try Self.chatWorkload(model, maxNewTokens: 24)
        let cpu = try await run("fcfs", CPUEngine(model: model, tokenizer: tokenizer), workload)
        let cuda = try await run("fcfs", CUDAEngine(model: model, tokenizer: tokenizer, options: .init(kvCacheBytes: 64 << 20)), workload)
        XCTAssertNil(cuda.failure)
        for i in 0..<workload.count {
            XCTAssertFalse(cpu.results[i].tokens.isEmpty)
            XCTAssertEqual(cuda.results[i].tokens, cpu.results[i].tokens, "question \(i): \(Self.questions[i])")
            XCTAssertEqual(cuda.results[i].finish, cpu.results[i].finish, "question \(i)")
        }
    }

    /// The CPU engine's batch-invariance workload (two shared prefixes, half greedy, half seeded
    /// sampling) on the GPU: each request's tokens alone equal its tokens under every policy and
    /// step size, with preemptions and swaps to the pinned host tier on the small caches.
    func testTokensAreIdenticalAcrossPoliciesAndBatchLimits() async throws {
        try Self.requireGPU()
        let model = try LlamaModel(path: try TestModelFile.path())
        let vocabulary = model.config.vocabularySize
        let (workload, sampling) = PrefixGroupWorkload.make(vocabulary: vocabulary)
        let blockBytes = 2 * model.config.layers * 16 * model.config.kvDim * 2
        var alone: [[Int32]] = []
        for i in 0..<workload.count {
            var single = Workload()
            single.append(id: workload.ids[i], prompt: Array(workload.prompt(i)), maxNewTokens: Int(workload.maxNewTokens[i]))
            let engine = try CUDAEngine(model: model, tokenizer: nil, sampling: [sampling[i]],
                                        options: .init(kvCacheBytes: 64 * blockBytes))
            alone.append(try await run("fcfs", engine, single).results[0].tokens)
        }
        for policy in ["fcfs", "dfs", "blendserve", "alignedserve"] {
            for (tokens, blocks) in [(7, 12), (32, 20), (512, 200)] {
                let options = CUDAEngine.Options(kvCacheBytes: blocks * blockBytes, hostCacheBytes: 200 * blockBytes,
                                                 maxTokensPerStep: tokens, maxSequencesPerStep: 8)
                let result = try await run(policy, CUDAEngine(model: model, tokenizer: nil, sampling: sampling, options: options),
                                           workload)
                XCTAssertNil(result.failure, "\(policy) \(tokens) tokens, \(blocks) blocks")
                for i in 0..<workload.count {
                    XCTAssertEqual(result.results[i].tokens, alone[i], "\(policy) \(tokens) tokens, \(blocks) blocks: request \(i)")
                }
            }
        }
    }

    /// A sequence's blocks go to the host tier (or a peer GPU's), their device blocks are
    /// overwritten by another sequence, and they come back into other device blocks as
    /// prefetches: decoding goes on exactly as without the round trip.
    func testBlocksSurviveASwapRoundTrip() async throws {
        try Self.requireGPU()
        let model = try LlamaModel(path: try TestModelFile.path())
        let prompt = Array(try Self.chatWorkload(model, maxNewTokens: 1).prompt(0))
        let other = Array(prompt.reversed())
        let blockBytes = 2 * model.config.layers * 16 * model.config.kvDim * 2
        let blocks = (prompt.count + 8 + 15) / 16
        func prefill(_ engine: CUDAEngine, _ request: Int32, _ tokens: [Int32], table: [Int32]) async throws -> Int32 {
            let plan = StepPlan(sequences: [ScheduledSequence(request: request, start: 0, count: tokens.count, tokens: tokens,
                                                              newBlocks: table, resetsBlockTable: true, samples: true,
                                                              remainingTokens: 100)])
            return try await engine.execute(plan).sequences[0].tokens[0]
        }
        func decode(_ engine: CUDAEngine, first: Int32, table: [Int32], transfers: [BlockTransfer] = [],
                    prefetches: [BlockTransfer] = []) async throws -> [Int32] {
            if !prefetches.isEmpty {
                _ = try await engine.execute(StepPlan(sequences: [], transfers: transfers, prefetches: prefetches))
            }
            let plan = StepPlan(sequences: [ScheduledSequence(request: 0, start: prompt.count, count: 1, tokens: [first],
                                                              newBlocks: table, resetsBlockTable: true, samples: true,
                                                              remainingTokens: 8)],
                                steps: 8)
            return try await engine.execute(plan).sequences[0].tokens
        }
        let straight = try CUDAEngine(model: model, tokenizer: nil, options: .init(kvCacheBytes: 4 * blocks * blockBytes))
        let table = (0..<Int32(blocks)).map { $0 }
        let expected = try await decode(straight, first: try await prefill(straight, 0, prompt, table: table), table: table)

        var tiers: [CUDAEngine.Options.HostTier] = [.pinnedHost]
        if case .available(_, let devices) = CUDAEngine.availability(), devices.count > 1 { tiers.append(.peerDevice(1)) }
        for tier in tiers {
            let engine = try CUDAEngine(model: model, tokenizer: nil,
                                        options: .init(kvCacheBytes: 4 * blocks * blockBytes, hostCacheBytes: blocks * blockBytes,
                                                       hostTier: tier))
            let first = try await prefill(engine, 0, prompt, table: table)
            let out = table.map { BlockTransfer(.deviceToHost, source: $0, destination: $0) }
            _ = try await engine.execute(StepPlan(sequences: [], transfers: out))
            _ = try await prefill(engine, 1, other, table: table)
            let moved = table.map { $0 + Int32(blocks) }
            let back = table.map { BlockTransfer(.hostToDevice, source: $0, destination: $0 + Int32(blocks)) }
            let tokens = try await decode(engine, first: first, table: moved, prefetches: back)
            XCTAssertEqual(tokens, expected, "\(tier)")
        }
    }

    private func run(_ policy: String, _ engine: some ExecutionEngine, _ workload: Workload) async throws -> RunResult {
        let spec = ModelSpec.smolLM2_135M
        let scheduler = try PolicyCatalog.make(policy, options: .init(maxTokensPerStep: engine.capacity.maxTokensPerStep),
                                               costModel: CostModel(model: spec, hardware: .h100SXM),
                                               alignment: .init(minimumBatch: 2))
        return await runOffline(scheduler, on: engine, workload: workload, idlePlanLimit: 1000)
    }
}
