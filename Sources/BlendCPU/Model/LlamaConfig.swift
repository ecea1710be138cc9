import BlendCore

/// How rotary position embedding pairs the dimensions of a head.
public enum RopeLayout: String, Sendable, Hashable {
    /// Dimensions (2i, 2i+1) rotate together (ggml's "normal" rope; llama.cpp's converter has
    /// permuted Llama's Q and K weights into this layout).
    case adjacent
    /// Dimensions (i, i + d/2) rotate together (GPT-NeoX style, "rotate half").
    case neox
}

/// The hyperparameters of a Llama-architecture model, read from GGUF metadata.
public struct LlamaConfig: Sendable, Hashable {
    /// `general.architecture`.
    public var architecture: String
    /// `general.name`, or the file name when absent.
    public var name: String
    /// Transformer blocks.
    public var layers: Int
    /// Width of the residual stream.
    public var embeddingLength: Int
    /// Hidden width of the gated FFN.
    public var feedForwardLength: Int
    /// Query heads.
    public var heads: Int
    /// Key/value heads (grouped-query attention when fewer than `heads`).
    public var kvHeads: Int
    /// Dimensions per head.
    public var headDim: Int
    /// Dimensions of a head that rotary embedding rotates (the first `ropeDimensions`).
    public var ropeDimensions: Int
    /// Rotary base frequency.
    public var ropeFrequencyBase: Double
    /// How rotary embedding pairs dimensions.
    public var ropeLayout: RopeLayout
    /// RMSNorm epsilon.
    public var rmsEpsilon: Float
    /// Longest context the model was trained for.
    public var contextLength: Int
    /// Vocabulary size (rows of the embedding matrix).
    public var vocabularySize: Int

    /// Width of one token's keys (or values) in one layer: `kvHeads × headDim`.
    public var kvDim: Int { kvHeads * headDim }

    /// Reads the hyperparameters of a supported architecture from GGUF metadata.
    /// - Parameter vocabularyRows: rows of the embedding matrix, used when the metadata has no
    ///   vocabulary size.
    /// - Throws: ``ModelLoadError`` naming the missing or inconsistent key.
    /// - Complexity: O(1).
    public init(metadata: [String: GGUFValue], source: String, vocabularyRows: Int) throws {
        guard let arch = metadata["general.architecture"]?.stringValue else {
            throw ModelLoadError(source: source, problem: "missing general.architecture")
        }
        guard let layout = Self.ropeLayouts[arch] else {
            let known = Self.ropeLayouts.keys.sorted().joined(separator: ", ")
            throw ModelLoadError(source: source,
                                 problem: "architecture \"\(arch)\" is not supported (supported: \(known))")
        }
        func int(_ key: String) throws -> Int {
            guard let value = metadata["\(arch).\(key)"]?.intValue, value > 0 else {
                throw ModelLoadError(source: source, problem: "missing or non-positive \(arch).\(key)")
            }
            return value
        }
        architecture = arch
        name = metadata["general.name"]?.stringValue ?? source
        layers = try int("block_count")
        embeddingLength = try int("embedding_length")
        feedForwardLength = try int("feed_forward_length")
        heads = try int("attention.head_count")
        kvHeads = metadata["\(arch).attention.head_count_kv"] == nil ? heads : try int("attention.head_count_kv")
        guard embeddingLength % heads == 0, heads % kvHeads == 0 else {
            throw ModelLoadError(source: source, problem:
                "\(heads) heads do not divide the embedding length \(embeddingLength) or are not a multiple of \(kvHeads) KV heads")
        }
        headDim = embeddingLength / heads
        ropeDimensions = metadata["\(arch).rope.dimension_count"] == nil ? headDim : try int("rope.dimension_count")
        guard ropeDimensions <= headDim, ropeDimensions % 2 == 0 else {
            throw ModelLoadError(source: source, problem: "rope.dimension_count \(ropeDimensions) does not fit a head of \(headDim)")
        }
        ropeFrequencyBase = metadata["\(arch).rope.freq_base"]?.doubleValue ?? 10_000
        ropeLayout = layout
        rmsEpsilon = Float(metadata["\(arch).attention.layer_norm_rms_epsilon"]?.doubleValue ?? 1e-5)
        contextLength = metadata["\(arch).context_length"] == nil ? 4096 : try int("context_length")
        vocabularySize = metadata["\(arch).vocab_size"]?.intValue ?? vocabularyRows
        guard vocabularySize == vocabularyRows else {
            throw ModelLoadError(source: source, problem:
                "\(arch).vocab_size is \(vocabularySize) but token_embd.weight has \(vocabularyRows) rows")
        }
    }

    /// Architectures this engine runs, with their rotary layout (as llama.cpp lays out their
    /// converted weights). Qwen2 is Llama with biases on Q, K and V and the NeoX layout.
    static let ropeLayouts: [String: RopeLayout] = ["llama": .adjacent, "mistral": .adjacent, "qwen2": .neox]

    /// The scheduler's description of this model: sizes for the cost model, with 2 bytes per KV
    /// entry (the engine keeps keys and values as halves).
    /// - Complexity: O(1).
    public func modelSpec(parameters: Double) -> ModelSpec {
        ModelSpec(name: name, parameters: parameters, hiddenSize: embeddingLength, layers: layers,
                  attentionHeads: heads, kvHeads: kvHeads, headDim: headDim, ffnSize: feedForwardLength,
                  vocabSize: vocabularySize, bytesPerElement: 2, maxContext: contextLength)
    }
}

/// A model file that cannot be used: the file and what is wrong with it.
public struct ModelLoadError: Error, CustomStringConvertible, Sendable {
    /// The file (or other source) that was read.
    public var source: String
    /// What is wrong.
    public var problem: String

    /// Creates an error.
    /// - Complexity: O(1).
    public init(source: String, problem: String) {
        self.source = source
        self.problem = problem
    }

    /// "`source`: `problem`".
    public var description: String { "\(source): \(problem)" }
}
