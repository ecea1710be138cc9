import BlendCore
@testable import BlendCPU
@testable import BlendCUDA
import BlendTestSupport
import CBlendCPU
import XCTest

/// The GPU's logits after a chat prompt's prefill, against the CPU engine's on the default model:
/// close, and equal in their best token. Needs a GPU and the model.
final class LogitTests: XCTestCase {
    /// Bound: |Δ| ≤ 0.05 for every logit (they reach about 33 here). The engines sum in different
    /// orders: the CPU engine's portable and AVX2 levels already differ by up to 0.0074 on this
    /// prompt, and the GPU kernels' order, run on the emulated driver, by up to 0.0043 from the
    /// AVX2 level; the bound leaves room for the device's expf and conversions. (The greedy
    /// questions of `EngineTests` keep margins of at least 0.037 between their two best logits.)
    func testPrefillLogitsAreCloseToTheCPUEngines() throws {
        if case .unavailable(let reason) = CUDAEngine.availability() { throw XCTSkip("needs a CUDA GPU: \(reason)") }
        let model = try LlamaModel(path: try TestModelFile.path())
        let encoder = try ChatPromptEncoder(metadata: model.file.metadata)
        let tokens = encoder.encode(chat: [ChatMessage(role: "user", content: "What color is the sky?")])
        var batch = ForwardBatch()
        batch.tokens = tokens
        batch.positions = (0..<Int32(tokens.count)).map { $0 }
        batch.sequenceOfToken = [Int32](repeating: 0, count: tokens.count)
        batch.blockTables = [(0..<Int32(tokens.count / 16 + 1)).map { $0 }]
        batch.logitTokens = [tokens.count - 1]
        let vocabulary = model.config.vocabularySize
        let cache = try KVCacheStorage(layers: model.config.layers, kvDim: model.config.kvDim, blockSize: 16,
                                       deviceBlocks: batch.blockTables[0].count, hostBlocks: 0)
        let cpu = ForwardPass(model: model, cache: cache, isa: bs_cpu_best_isa(), threads: 2, maxTokens: tokens.count, maxLogits: 1)
        cpu.run(batch)
        let engine = try CUDAEngine(model: model, tokenizer: nil,
                                    options: .init(kvCacheBytes: 64 << 20, maxTokensPerStep: 256, maxSequencesPerStep: 1))
        let sampled = try engine.forward.run(batch, sampling: [0, 0, 1, 0], cache: engine.cache)
        let gpu = try engine.forward.lastLogits(rows: 1)
        let expected = Array(cpu.logits[0..<vocabulary])
        let best = expected.indices.max { expected[$0] < expected[$1] }!
        XCTAssertEqual(sampled, [Int32(best)])
        let deviation = zip(gpu, expected).map { abs($0 - $1) }.max()!
        print("largest logit difference between the engines: \(deviation)")
        XCTAssertLessThanOrEqual(deviation, 0.05)
    }
}
