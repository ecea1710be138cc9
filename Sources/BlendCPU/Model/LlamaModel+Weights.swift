extension LlamaModel {
    /// A weight matrix as the model file stores it, for an engine that copies the weights into its
    /// own memory (a GPU engine): `rows` rows of `columns` values of `type`, `rowBytes` apart.
    public struct Matrix: @unchecked Sendable {
        /// The element type.
        public let type: GGMLType
        /// Output dimension.
        public let rows: Int
        /// Input dimension.
        public let columns: Int
        /// Bytes per row.
        public let rowBytes: Int
        /// The `rows × rowBytes` bytes, inside the file's mapping (valid as long as the model).
        public let bytes: UnsafeRawBufferPointer

        init(_ matrix: WeightMatrix) {
            type = matrix.type
            rows = matrix.rows
            columns = matrix.columns
            rowBytes = matrix.rowBytes
            bytes = UnsafeRawBufferPointer(start: matrix.base, count: matrix.rows * matrix.rowBytes)
        }
    }

    /// The weights of one transformer block; norm weights and biases as floats.
    public struct LayerWeights: Sendable {
        /// The attention RMSNorm's weights.
        public let attentionNorm: [Float]
        /// The query projection.
        public let query: Matrix
        /// The key projection.
        public let key: Matrix
        /// The value projection.
        public let value: Matrix
        /// The query bias, when the architecture has biases on Q, K and V (Qwen2).
        public let queryBias: [Float]?
        /// The key bias, when present.
        public let keyBias: [Float]?
        /// The value bias, when present.
        public let valueBias: [Float]?
        /// The attention output projection.
        public let attentionOutput: Matrix
        /// The FFN RMSNorm's weights.
        public let ffnNorm: [Float]
        /// The FFN gate projection.
        public let gate: Matrix
        /// The FFN up projection.
        public let up: Matrix
        /// The FFN down projection.
        public let down: Matrix
    }

    /// Every weight of the model, in the forward pass's order.
    public struct Weights: Sendable {
        /// The token embedding matrix (`vocabularySize × embeddingLength`).
        public let embedding: Matrix
        /// The transformer blocks.
        public let layers: [LayerWeights]
        /// The final norm's weights.
        public let outputNorm: [Float]
        /// The output projection; the embedding matrix when ``outputIsTied``.
        public let output: Matrix
        /// Whether the output projection is the embedding matrix (stored once).
        public let outputIsTied: Bool
    }

    /// The model's weights as stored, for engines that keep their own copy; the loader has
    /// already checked every shape and type.
    /// - Complexity: O(layers).
    public var weights: Weights {
        Weights(
            embedding: Matrix(embedding),
            layers: layers.map { layer in
                LayerWeights(attentionNorm: layer.attentionNorm, query: Matrix(layer.query), key: Matrix(layer.key),
                             value: Matrix(layer.value), queryBias: layer.queryBias, keyBias: layer.keyBias,
                             valueBias: layer.valueBias, attentionOutput: Matrix(layer.attentionOutput),
                             ffnNorm: layer.ffnNorm, gate: Matrix(layer.gate), up: Matrix(layer.up), down: Matrix(layer.down))
            },
            outputNorm: outputNorm,
            output: Matrix(output),
            outputIsTied: output.base == embedding.base)
    }
}
