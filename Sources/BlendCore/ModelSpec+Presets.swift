extension ModelSpec {
    /// Llama-3.1-8B (and Llama-3-8B): 8.03B parameters, GQA 32/8, 128K context.
    public static let llama31_8B = ModelSpec(
        name: "llama-3.1-8b", parameters: 8.03e9, hiddenSize: 4096, layers: 32, attentionHeads: 32,
        kvHeads: 8, headDim: 128, ffnSize: 14336, vocabSize: 128_256, maxContext: 131_072)
    /// Llama-3.1-70B: 70.6B parameters, GQA 64/8.
    public static let llama31_70B = ModelSpec(
        name: "llama-3.1-70b", parameters: 70.6e9, hiddenSize: 8192, layers: 80, attentionHeads: 64,
        kvHeads: 8, headDim: 128, ffnSize: 28672, vocabSize: 128_256, maxContext: 131_072)
    /// Qwen2.5-7B: 7.62B parameters, GQA 28/4.
    public static let qwen25_7B = ModelSpec(
        name: "qwen-2.5-7b", parameters: 7.62e9, hiddenSize: 3584, layers: 28, attentionHeads: 28,
        kvHeads: 4, headDim: 128, ffnSize: 18944, vocabSize: 152_064, maxContext: 131_072)
    /// Qwen2.5-72B: 72.7B parameters, GQA 64/8.
    public static let qwen25_72B = ModelSpec(
        name: "qwen-2.5-72b", parameters: 72.7e9, hiddenSize: 8192, layers: 80, attentionHeads: 64,
        kvHeads: 8, headDim: 128, ffnSize: 29568, vocabSize: 152_064, maxContext: 131_072)
    /// Llama-2-7B: 6.74B parameters, multi-head attention (32 KV heads), 4K context.
    public static let llama2_7B = ModelSpec(
        name: "llama-2-7b", parameters: 6.74e9, hiddenSize: 4096, layers: 32, attentionHeads: 32,
        kvHeads: 32, headDim: 128, ffnSize: 11008, vocabSize: 32000, maxContext: 4096)
    /// OPT-2.7B: multi-head attention, head dimension 80, 2K context.
    public static let opt2_7B = ModelSpec(
        name: "opt-2.7b", parameters: 2.65e9, hiddenSize: 2560, layers: 32, attentionHeads: 32,
        kvHeads: 32, headDim: 80, ffnSize: 10240, vocabSize: 50272, maxContext: 2048)
    /// OPT-6.7B: multi-head attention, 2K context.
    public static let opt6_7B = ModelSpec(
        name: "opt-6.7b", parameters: 6.66e9, hiddenSize: 4096, layers: 32, attentionHeads: 32,
        kvHeads: 32, headDim: 128, ffnSize: 16384, vocabSize: 50272, maxContext: 2048)
    /// OPT-13B: multi-head attention, 2K context.
    public static let opt13B = ModelSpec(
        name: "opt-13b", parameters: 12.85e9, hiddenSize: 5120, layers: 40, attentionHeads: 40,
        kvHeads: 40, headDim: 128, ffnSize: 20480, vocabSize: 50272, maxContext: 2048)
    /// OPT-30B: multi-head attention, 2K context.
    public static let opt30B = ModelSpec(
        name: "opt-30b", parameters: 29.97e9, hiddenSize: 7168, layers: 48, attentionHeads: 56,
        kvHeads: 56, headDim: 128, ffnSize: 28672, vocabSize: 50272, maxContext: 2048)
    /// SmolLM2-135M(-Instruct): the CPU engine's default model; GQA 9/3, tied embeddings.
    public static let smolLM2_135M = ModelSpec(
        name: "smollm2-135m", parameters: 134.5e6, hiddenSize: 576, layers: 30, attentionHeads: 9,
        kvHeads: 3, headDim: 64, ffnSize: 1536, vocabSize: 49152, maxContext: 8192)

    /// Every preset, in the order `--help` lists them.
    public static let presets: [ModelSpec] = [
        .llama31_8B, .llama31_70B, .qwen25_7B, .qwen25_72B, .llama2_7B,
        .opt2_7B, .opt6_7B, .opt13B, .opt30B, .smolLM2_135M,
    ]

    /// The preset called `name` (case-insensitive; `llama-3-8b` and `llama-3-70b` are accepted as
    /// aliases of the 3.1 models, whose shapes are identical), or `nil`.
    /// - Complexity: O(number of presets).
    public static func preset(named name: String) -> ModelSpec? {
        let key = name.lowercased()
        let aliases = ["llama-3-8b": "llama-3.1-8b", "llama-3-70b": "llama-3.1-70b"]
        let resolved = aliases[key] ?? key
        return presets.first { $0.name == resolved }
    }
}
