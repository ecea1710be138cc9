import BlendCore
import BlendSchedulers
import BlendTestSupport
import XCTest
@testable import BlendCPU

/// A request's tokens do not depend on what it is batched with, which policy scheduled it, the
/// step's token budget, preemptions, or the number of threads.
final class BatchInvarianceTests: XCTestCase {
    func testTokensAreIdenticalAcrossPoliciesBatchLimitsAndThreads() async throws {
        let tiny = TinyModel(vocabularySize: 64)
        let model = try LlamaModel(file: tiny.file())
        let (workload, sampling) = PrefixGroupWorkload.make(vocabulary: tiny.vocabularySize)
        var alone: [[Int32]] = []
        for i in 0..<workload.count {
            var single = Workload()
            single.append(id: workload.ids[i], prompt: workload.prompt(i), maxNewTokens: Int(workload.maxNewTokens[i]))
            let engine = try CPUEngine(model: model, tokenizer: nil, sampling: [sampling[i]], options: .init(threads: 1))
            let result = try await run("fcfs", engine: engine, workload: single)
            alone.append(result.results[0].tokens)
        }
        XCTAssertTrue(alone.allSatisfy { !$0.isEmpty })
        let blockBytes = 2 * model.config.layers * 16 * model.config.kvDim * 2
        let settings: [(tokens: Int, blocks: Int, threads: Int)] = [(7, 12, 2), (32, 20, 1), (512, 200, 2)]
        for policy in ["fcfs", "dfs", "balance", "lpm", "dfs-weight", "lof", "blendserve", "alignedserve"] {
            for setting in settings {
                let options = CPUEngine.Options(kvCacheBytes: setting.blocks * blockBytes, hostCacheBytes: 200 * blockBytes,
                                                maxTokensPerStep: setting.tokens, maxSequencesPerStep: 8, threads: setting.threads)
                let engine = try CPUEngine(model: model, tokenizer: nil, sampling: sampling, options: options)
                let result = try await run(policy, engine: engine, workload: workload)
                XCTAssertNil(result.failure, "\(policy) \(setting)")
                for i in 0..<workload.count {
                    XCTAssertEqual(result.results[i].tokens, alone[i], "\(policy) \(setting): request \(i)")
                }
            }
        }
    }

    /// Runs `policy` over the workload with the engine to the end.
    func run(_ policy: String, engine: CPUEngine, workload: Workload) async throws -> RunResult {
        let batching = SequenceBatcher.Options(maxTokensPerStep: engine.capacity.maxTokensPerStep)
        let costModel = CostModel(model: engine.model.config.modelSpec(parameters: Double(engine.model.parameterCount)),
                                  hardware: .a100_80GB)
        let scheduler = try PolicyCatalog.make(policy, options: batching, costModel: costModel,
                                               alignment: .init(minimumBatch: 2))
        return await runOffline(scheduler, on: engine, workload: workload, idlePlanLimit: 1000)
    }
}
