import BlendCore
import Foundation
@testable import BlendCPU

/// Small random Llama models written as GGUF files, for tests that need a whole model but not a
/// trained one: the float64 reference, batch invariance across policies, the loader's shape checks.
struct TinyModel {
    var architecture = "llama"
    var embeddingLength = 64
    var heads = 4
    var kvHeads = 2
    var feedForwardLength = 96
    var layers = 2
    var vocabularySize = 80
    var contextLength = 512
    /// The type of every matrix, cycled through layer by layer so one model exercises several.
    var matrixTypes: [GGMLType] = [.q4_1, .q8_0, .q4_0, .f16, .bf16, .f32]
    var embeddingType: GGMLType = .q8_0
    /// Whether the model has its own `output.weight` (otherwise the embedding is tied).
    var separateOutput = false
    /// Whether Q, K and V have biases (as Qwen2 has).
    var biases = false
    var seed: UInt64 = 7

    /// The model as GGUF bytes.
    func bytes() throws -> [UInt8] {
        var rng = SeededGenerator(seed: seed)
        var writer = GGUFWriter()
        let arch = architecture
        try writer.add(key: "general.architecture", .string(arch))
        try writer.add(key: "general.name", .string("tiny-\(arch)"))
        try writer.add(key: "\(arch).block_count", .uint32(UInt32(layers)))
        try writer.add(key: "\(arch).embedding_length", .uint32(UInt32(embeddingLength)))
        try writer.add(key: "\(arch).feed_forward_length", .uint32(UInt32(feedForwardLength)))
        try writer.add(key: "\(arch).attention.head_count", .uint32(UInt32(heads)))
        try writer.add(key: "\(arch).attention.head_count_kv", .uint32(UInt32(kvHeads)))
        try writer.add(key: "\(arch).context_length", .uint32(UInt32(contextLength)))
        try writer.add(key: "\(arch).rope.freq_base", .float32(10_000))
        try writer.add(key: "\(arch).attention.layer_norm_rms_epsilon", .float32(1e-5))
        let dim = embeddingLength, kvDim = dim / heads * kvHeads
        var typeIndex = 0
        func matrix(_ name: String, rows: Int, columns: Int, type: GGMLType? = nil) throws {
            let chosen = type ?? matrixTypes[typeIndex % matrixTypes.count]
            if type == nil { typeIndex += 1 }
            try writer.addTensor(name: name, type: chosen, dimensions: [columns, rows],
                                 data: RandomBlocks.make(chosen, count: rows * columns, using: &rng))
        }
        func vector(_ name: String, length: Int, around center: Float) throws {
            let values = (0..<length).map { _ in center + Float.random(in: -0.2...0.2, using: &rng) }
            try writer.addTensor(name: name, type: .f32, dimensions: [length], data: values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) })
        }
        try matrix("token_embd.weight", rows: vocabularySize, columns: dim, type: embeddingType)
        for layer in 0..<layers {
            let p = "blk.\(layer)."
            try vector(p + "attn_norm.weight", length: dim, around: 1)
            try matrix(p + "attn_q.weight", rows: dim, columns: dim)
            try matrix(p + "attn_k.weight", rows: kvDim, columns: dim)
            try matrix(p + "attn_v.weight", rows: kvDim, columns: dim)
            if biases {
                try vector(p + "attn_q.bias", length: dim, around: 0)
                try vector(p + "attn_k.bias", length: kvDim, around: 0)
                try vector(p + "attn_v.bias", length: kvDim, around: 0)
            }
            try matrix(p + "attn_output.weight", rows: dim, columns: dim)
            try vector(p + "ffn_norm.weight", length: dim, around: 1)
            try matrix(p + "ffn_gate.weight", rows: feedForwardLength, columns: dim)
            try matrix(p + "ffn_up.weight", rows: feedForwardLength, columns: dim)
            try matrix(p + "ffn_down.weight", rows: dim, columns: feedForwardLength)
        }
        try vector("output_norm.weight", length: dim, around: 1)
        if separateOutput { try matrix("output.weight", rows: vocabularySize, columns: dim) }
        return writer.bytes()
    }

    /// The model opened from memory.
    func file() throws -> GGUFFile { try GGUFFile(bytes: bytes(), name: "tiny-\(architecture).gguf") }
}
