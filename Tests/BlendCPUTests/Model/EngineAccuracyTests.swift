import BlendCore
import CBlendCPU
import XCTest
@testable import BlendCPU

/// The forward pass against the float64 reference, on random tiny models of every weight type and
/// both rotary layouts, at every instruction-set level this CPU has.
final class EngineAccuracyTests: XCTestCase {
    /// Models covering the supported weight types, GQA, biases with the NeoX layout, and a
    /// separate output matrix.
    static let variants: [(String, TinyModel)] = [
        ("mixed types, tied output", TinyModel()),
        ("qwen2: biases, neox rope, separate output",
         TinyModel(architecture: "qwen2", heads: 4, kvHeads: 1, matrixTypes: [.q8_0, .f16, .q4_1], embeddingType: .f16,
                   separateOutput: true, biases: true, seed: 11)),
        ("k-quants", TinyModel(embeddingLength: 256, heads: 4, kvHeads: 2, feedForwardLength: 256, layers: 1,
                               matrixTypes: [.q4_K, .q6_K], embeddingType: .q6_K, seed: 5)),
    ]

    func testLogitsAgreeWithTheFloat64ReferenceAtEveryLevel() throws {
        for (name, tiny) in Self.variants {
            let file = try tiny.file()
            let model = try LlamaModel(file: file)
            let reference = try ReferenceModel(file: file)
            let prompt = (0..<21).map { Int32(($0 * 37 + 11) % tiny.vocabularySize) }
            let expected = reference.logits(prompt, halfKV: true)
            for level in Int32(BS_ISA_PORTABLE)...Int32(bs_cpu_best_isa()) {
                let logits = try Self.promptLogits(model, prompt, isa: level, chunks: [prompt.count])
                for (position, row) in expected.enumerated() {
                    let scale = row.map(abs).max()!
                    let error = zip(row, logits[position]).map { abs($0 - Double($1)) }.max()!
                    // Float32 arithmetic against float64, both with half-precision keys and values:
                    // within 0.1% of the largest logit (float32 rounding alone stays near 1e-5, but
                    // a key or value whose float32 and float64 values round to neighbouring halves
                    // moves the logits by up to a few 1e-4). A wrong layout or head mapping is off
                    // by tens of percent.
                    XCTAssertLessThanOrEqual(error, 1e-3 * scale, "\(name), level \(level), position \(position)")
                }
            }
        }
    }

    func testChunkedPrefillGivesBitIdenticalLogits() throws {
        for (name, tiny) in Self.variants {
            let model = try LlamaModel(file: tiny.file())
            let prompt = (0..<37).map { Int32(($0 * 53 + 5) % tiny.vocabularySize) }
            let whole = try Self.promptLogits(model, prompt, isa: Int32(bs_cpu_best_isa()), chunks: [37])
            for chunks in [[1, 36], [5, 7, 8, 17], [16, 16, 5], Array(repeating: 1, count: 37)] {
                let chunked = try Self.promptLogits(model, prompt, isa: Int32(bs_cpu_best_isa()), chunks: chunks)
                XCTAssertEqual(chunked, whole, "\(name), chunks \(chunks)")
            }
        }
    }

    /// The logits after every prompt position, computed in chunks of the given sizes (one forward
    /// pass per chunk) over a scattered block table.
    static func promptLogits(_ model: LlamaModel, _ prompt: [Int32], isa: Int32, chunks: [Int]) throws -> [[Float]] {
        let c = model.config, blockSize = 16
        let blocks = (prompt.count + blockSize - 1) / blockSize
        let cache = try KVCacheStorage(layers: c.layers, kvDim: c.kvDim, blockSize: blockSize, deviceBlocks: 3 * blocks + 2, hostBlocks: 0)
        let forward = ForwardPass(model: model, cache: cache, isa: isa, threads: 2, maxTokens: prompt.count, maxLogits: prompt.count)
        let table = (0..<blocks).map { Int32(3 * blocks - 3 * $0) }
        var result: [[Float]] = []
        var start = 0
        for size in chunks {
            var batch = ForwardBatch()
            batch.blockTables = [table]
            for position in start ..< start + size {
                batch.tokens.append(prompt[position])
                batch.positions.append(Int32(position))
                batch.sequenceOfToken.append(0)
                batch.logitTokens.append(position - start)
            }
            forward.run(batch)
            for row in 0..<size {
                result.append(Array(forward.logits[row * c.vocabularySize ..< (row + 1) * c.vocabularySize]))
            }
            start += size
        }
        return result
    }
}
