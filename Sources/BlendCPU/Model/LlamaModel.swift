import CBlendCPU
import Foundation

/// A Llama-architecture model loaded from a GGUF file: its hyperparameters and its weights, read
/// in place from the memory-mapped file (norm vectors are copied out as floats).
///
/// The model is immutable and can be shared by engines and threads.
public final class LlamaModel: Sendable {
    /// The weights of one transformer block.
    struct Layer: Sendable {
        var attentionNorm: [Float]
        var query: WeightMatrix
        var key: WeightMatrix
        var value: WeightMatrix
        /// Biases added to Q, K and V (Qwen2 has them; Llama does not).
        var queryBias: [Float]?
        var keyBias: [Float]?
        var valueBias: [Float]?
        var attentionOutput: WeightMatrix
        var ffnNorm: [Float]
        var gate: WeightMatrix
        var up: WeightMatrix
        var down: WeightMatrix
    }

    /// The file the weights live in (kept open for as long as the model).
    public let file: GGUFFile
    /// The hyperparameters.
    public let config: LlamaConfig
    let embedding: WeightMatrix
    let layers: [Layer]
    let outputNorm: [Float]
    /// The output projection: `output.weight`, or the embedding matrix when the model ties them.
    let output: WeightMatrix

    /// Loads the model from a GGUF file.
    /// - Throws: `GGUFError` for a malformed file, ``ModelLoadError`` for an unsupported
    ///   architecture, a missing tensor, a wrong shape or a weight type the kernels cannot use.
    /// - Complexity: O(tensors + norm weights); the matrices are mapped, not read.
    public convenience init(path: String) throws {
        try self.init(file: GGUFFile(path: path))
    }

    /// Uses the weights of an opened GGUF file.
    /// - Complexity: O(tensors + norm weights).
    public init(file: GGUFFile) throws {
        self.file = file
        func tensor(_ name: String) throws -> GGUFTensorInfo {
            guard let info = file.tensor(named: name) else {
                throw ModelLoadError(source: file.path, problem: "missing tensor \(name)")
            }
            return info
        }
        let embeddingInfo = try tensor("token_embd.weight")
        guard embeddingInfo.dimensions.count == 2 else {
            throw ModelLoadError(source: file.path, problem: "token_embd.weight must have 2 dimensions")
        }
        let config = try LlamaConfig(metadata: file.metadata, source: file.path, vocabularyRows: embeddingInfo.dimensions[1])
        let dim = config.embeddingLength, kvDim = config.kvDim, ffn = config.feedForwardLength
        func matrix(_ name: String, rows: Int, columns: Int) throws -> WeightMatrix {
            try WeightMatrix(tensor(name), in: file, rows: rows, columns: columns)
        }
        func vector(_ name: String, length: Int = dim) throws -> [Float] {
            let info = try tensor(name)
            guard info.dimensions == [length] else {
                throw ModelLoadError(source: file.path, problem: "tensor \(name) has dimensions \(info.dimensions), expected [\(length)]")
            }
            guard bs_type_supported(info.type.rawValue) == 1, length % info.type.blockElements == 0 else {
                throw ModelLoadError(source: file.path, problem: "tensor \(name) has type \(info.type), which this engine cannot read")
            }
            var values = [Float](repeating: 0, count: length)
            values.withUnsafeMutableBufferPointer {
                bs_dequantize_row(info.type.rawValue, file.bytes(of: info).baseAddress!, Int64(length), $0.baseAddress!)
            }
            return values
        }
        func bias(_ name: String, length: Int) throws -> [Float]? {
            file.tensor(named: name) == nil ? nil : try vector(name, length: length)
        }
        embedding = try WeightMatrix(embeddingInfo, in: file, rows: config.vocabularySize, columns: dim)
        layers = try (0..<config.layers).map { i in
            let p = "blk.\(i)."
            return Layer(
                attentionNorm: try vector(p + "attn_norm.weight"),
                query: try matrix(p + "attn_q.weight", rows: dim, columns: dim),
                key: try matrix(p + "attn_k.weight", rows: kvDim, columns: dim),
                value: try matrix(p + "attn_v.weight", rows: kvDim, columns: dim),
                queryBias: try bias(p + "attn_q.bias", length: dim),
                keyBias: try bias(p + "attn_k.bias", length: kvDim),
                valueBias: try bias(p + "attn_v.bias", length: kvDim),
                attentionOutput: try matrix(p + "attn_output.weight", rows: dim, columns: dim),
                ffnNorm: try vector(p + "ffn_norm.weight"),
                gate: try matrix(p + "ffn_gate.weight", rows: ffn, columns: dim),
                up: try matrix(p + "ffn_up.weight", rows: ffn, columns: dim),
                down: try matrix(p + "ffn_down.weight", rows: dim, columns: ffn))
        }
        outputNorm = try vector("output_norm.weight")
        output = file.tensor(named: "output.weight") == nil
            ? embedding : try matrix("output.weight", rows: config.vocabularySize, columns: dim)
        self.config = config
    }

    /// Parameters of the model (elements of every tensor; the tied output counted once).
    /// - Complexity: O(tensors).
    public var parameterCount: Int { file.tensors.reduce(0) { $0 + $1.elementCount } }
}
