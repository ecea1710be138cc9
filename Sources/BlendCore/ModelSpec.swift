/// The shape of a decoder-only transformer, as far as scheduling and cost models need it.
public struct ModelSpec: Sendable, Hashable, Codable {
    /// Short name, e.g. `llama-3.1-8b`.
    public var name: String
    /// Total parameter count `P_model` (the paper's GEMM FLOP proxy: 2·P FLOPs per token).
    public var parameters: Double
    /// Hidden size `H`.
    public var hiddenSize: Int
    /// Decoder layers `L`.
    public var layers: Int
    /// Query heads.
    public var attentionHeads: Int
    /// Key/value heads (equal to `attentionHeads` without grouped-query attention).
    public var kvHeads: Int
    /// Dimension of one attention head.
    public var headDim: Int
    /// Feed-forward (intermediate) size.
    public var ffnSize: Int
    /// Vocabulary size; token ids must lie in `0 ..< vocabSize`.
    public var vocabSize: Int
    /// Bytes per weight and per KV element (2 for FP16/BF16).
    public var bytesPerElement: Int
    /// Longest sequence the model accepts.
    public var maxContext: Int

    /// Creates a model description.
    /// - Complexity: O(1).
    public init(
        name: String, parameters: Double, hiddenSize: Int, layers: Int, attentionHeads: Int,
        kvHeads: Int, headDim: Int, ffnSize: Int, vocabSize: Int, bytesPerElement: Int = 2,
        maxContext: Int
    ) {
        self.name = name
        self.parameters = parameters
        self.hiddenSize = hiddenSize
        self.layers = layers
        self.attentionHeads = attentionHeads
        self.kvHeads = kvHeads
        self.headDim = headDim
        self.ffnSize = ffnSize
        self.vocabSize = vocabSize
        self.bytesPerElement = bytesPerElement
        self.maxContext = maxContext
    }

    /// Total key/value width per layer, the paper's `H_kv` (`kvHeads × headDim`).
    public var kvDim: Int { kvHeads * headDim }

    /// Bytes of KV cache one token occupies over all layers: K and V, `H_kv·L·2·bytesPerElement`
    /// (the paper's `H_kv·L·4` for FP16; 131072 for Llama-3-8B).
    public var kvBytesPerToken: Int { 2 * bytesPerElement * kvDim * layers }

    /// Bytes of weights, `parameters × bytesPerElement`.
    public var weightBytes: Double { parameters * Double(bytesPerElement) }
}
