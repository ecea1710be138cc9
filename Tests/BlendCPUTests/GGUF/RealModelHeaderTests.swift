import BlendTestSupport
import Foundation
import XCTest
@testable import BlendCPU

/// The header facts of the default model (SmolLM2-135M-Instruct Q4_1) as recorded in
/// `shared/research/data.md` §1.1; skipped without the file.
final class RealModelHeaderTests: XCTestCase {
    func testHeaderFactsOfTheDefaultModel() throws {
        let started = Date()
        let file = try GGUFFile(path: try TestModelFile.path())
        print("opened the default model in \(Int(Date().timeIntervalSince(started) * 1000)) ms")
        XCTAssertEqual(file.version, 3)
        XCTAssertEqual(file.tensors.count, 272)
        XCTAssertEqual(file.metadataKeys.count, 33)
        XCTAssertEqual(file.metadata.count, 33)
        XCTAssertEqual(file.alignment, 32)
        XCTAssertNil(file.metadata["general.alignment"])
        XCTAssertEqual(file.dataOffset, 1_785_664)
        XCTAssertEqual(file.fileSize, 98_362_432)
        XCTAssertEqual(file.architecture, "llama")
        XCTAssertEqual(file.metadataKeys.first, "general.architecture")

        XCTAssertEqual(file.metadata["llama.block_count"]?.intValue, 30)
        XCTAssertEqual(file.metadata["llama.embedding_length"]?.intValue, 576)
        XCTAssertEqual(file.metadata["llama.feed_forward_length"]?.intValue, 1536)
        XCTAssertEqual(file.metadata["llama.attention.head_count"]?.intValue, 9)
        XCTAssertEqual(file.metadata["llama.attention.head_count_kv"]?.intValue, 3)
        XCTAssertEqual(file.metadata["llama.rope.freq_base"]?.doubleValue, 100_000)
        XCTAssertEqual(file.metadata["llama.attention.layer_norm_rms_epsilon"]?.doubleValue ?? 0, 1e-5, accuracy: 1e-10)
        XCTAssertEqual(file.metadata["tokenizer.ggml.model"]?.stringValue, "gpt2")
        let tokens = try XCTUnwrap(file.metadata["tokenizer.ggml.tokens"]?.stringArray)
        XCTAssertEqual(tokens.count, 49152)
        XCTAssertEqual(tokens[0], "<|endoftext|>")
        XCTAssertEqual(tokens[1], "<|im_start|>")
        XCTAssertEqual(tokens[2], "<|im_end|>")
        let merges = try XCTUnwrap(file.metadata["tokenizer.ggml.merges"]?.stringArray)
        XCTAssertEqual(merges.count, 48900)
        XCTAssertEqual(merges[0], "Ġ t")
        XCTAssertEqual(file.metadata["tokenizer.ggml.token_type"]?.intArray?.count, 49152)
        XCTAssertEqual(file.metadata["tokenizer.ggml.bos_token_id"]?.intValue, 1)
        XCTAssertEqual(file.metadata["tokenizer.ggml.eos_token_id"]?.intValue, 2)

        let embedding = try XCTUnwrap(file.tensor(named: "token_embd.weight"))
        XCTAssertEqual(embedding.type, .q8_0)
        XCTAssertEqual(embedding.dimensions, [576, 49152])
        XCTAssertEqual(embedding.rowLength, 576)
        XCTAssertEqual(embedding.rowCount, 49152)
        XCTAssertEqual(embedding.byteCount, 49152 * 18 * 34)
        XCTAssertEqual(embedding.offset, file.dataOffset)
        XCTAssertEqual(file.tensors.prefix(3).map(\.name), ["token_embd.weight", "blk.0.attn_norm.weight",
                                                             "blk.0.ffn_down.weight"])
        XCTAssertEqual(file.tensors[1].offset, file.dataOffset + 30_081_024)
        XCTAssertEqual(file.tensors[2].offset, file.dataOffset + 30_083_328)
        let query = try XCTUnwrap(file.tensor(named: "blk.0.attn_q.weight"))
        XCTAssertEqual(query.type, .q4_1)
        XCTAssertEqual(query.dimensions, [576, 576])
        XCTAssertEqual(query.byteCount, 576 * 18 * 20)
        XCTAssertEqual(query.offset, file.dataOffset + 32_020_992)
        XCTAssertEqual(file.tensor(named: "blk.29.ffn_down.weight")?.dimensions, [1536, 576])
        XCTAssertEqual(file.tensor(named: "blk.7.attn_k.weight")?.dimensions, [576, 192])
        XCTAssertEqual(file.tensor(named: "output_norm.weight")?.dimensions, [576])
        XCTAssertEqual(file.tensor(named: "output_norm.weight")?.type, .f32)
        XCTAssertNil(file.tensor(named: "output.weight"))

        let counts = Dictionary(grouping: file.tensors, by: \.type).mapValues(\.count)
        XCTAssertEqual(counts, [.q8_0: 1, .q4_1: 210, .f32: 61])
        let last = try XCTUnwrap(file.tensors.max { $0.offset < $1.offset })
        XCTAssertEqual(last.name, "output_norm.weight")
        XCTAssertEqual(last.offset, file.dataOffset + 96_574_464)
        XCTAssertEqual(last.offset + last.byteCount, file.fileSize)
        XCTAssertEqual(file.bytes(of: last).count, 576 * 4)
        let norm = file.bytes(of: try XCTUnwrap(file.tensor(named: "output_norm.weight")))
        XCTAssertTrue((0..<576).allSatisfy { norm.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self).isFinite })
    }
}
