import Foundation

/// Why a model description could not be read.
public struct ModelConfigError: Error, CustomStringConvertible, Sendable {
    /// The file or preset name that failed.
    public var source: String
    /// What is wrong with it.
    public var problem: String

    /// A one-line message naming the source and the problem.
    public var description: String { "\(source): \(problem)" }
}

extension ModelSpec {
    /// Reads a Hugging Face `config.json` (Llama, Qwen2, Mistral and OPT families).
    ///
    /// Keys read: `hidden_size`, `num_hidden_layers`, `num_attention_heads`,
    /// `num_key_value_heads` (defaults to the query heads), `head_dim` (defaults to
    /// hidden/heads), `intermediate_size` or `ffn_dim`, `vocab_size`, `max_position_embeddings`,
    /// `tie_word_embeddings`, `torch_dtype`. The parameter count is computed from the shapes
    /// (embeddings, attention, feed-forward; norms and biases are ignored).
    /// - Complexity: O(file size).
    public static func load(configAt url: URL, name: String? = nil) throws -> ModelSpec {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ModelConfigError(source: url.path, problem: "cannot read file (\(error.localizedDescription))")
        }
        return try parse(configJSON: data, source: url.path,
                         name: name ?? url.deletingLastPathComponent().lastPathComponent)
    }

    /// Parses the bytes of a Hugging Face `config.json`; `source` names it in errors.
    /// - Complexity: O(data.count).
    public static func parse(configJSON data: Data, source: String, name: String) throws -> ModelSpec {
        guard let object = try? JSONSerialization.jsonObject(with: data),
              let config = object as? [String: Any]
        else { throw ModelConfigError(source: source, problem: "not a JSON object") }

        func integer(_ key: String) -> Int? {
            (config[key] as? NSNumber).map { $0.intValue }
        }
        func required(_ keys: String...) throws -> Int {
            for key in keys {
                if let value = integer(key) {
                    guard value > 0 else {
                        throw ModelConfigError(source: source, problem: "\(key) must be positive, got \(value)")
                    }
                    return value
                }
            }
            throw ModelConfigError(source: source, problem: "missing \(keys.joined(separator: " or "))")
        }

        let hidden = try required("hidden_size", "n_embd", "d_model")
        let layers = try required("num_hidden_layers", "n_layer")
        let heads = try required("num_attention_heads", "n_head")
        let kvHeads = integer("num_key_value_heads") ?? heads
        let headDim = integer("head_dim") ?? hidden / heads
        let ffn = try required("intermediate_size", "ffn_dim", "n_inner")
        let vocab = try required("vocab_size")
        let context = integer("max_position_embeddings") ?? integer("n_positions") ?? 2048
        let tied = (config["tie_word_embeddings"] as? Bool) ?? false
        let modelType = (config["model_type"] as? String) ?? "llama"
        guard kvHeads > 0, headDim > 0, heads % kvHeads == 0 else {
            throw ModelConfigError(source: source, problem: "num_key_value_heads \(kvHeads) does not divide num_attention_heads \(heads)")
        }
        let bytes: Int
        switch (config["torch_dtype"] as? String) ?? "float16" {
        case "float32": bytes = 4
        case "float16", "bfloat16": bytes = 2
        case "int8", "float8_e4m3fn": bytes = 1
        case let other: throw ModelConfigError(source: source, problem: "unsupported torch_dtype \(other)")
        }

        let gatedFFN = modelType != "opt" && modelType != "gpt2"
        let attention = hidden * heads * headDim * 2 + hidden * kvHeads * headDim * 2
        let feedForward = (gatedFFN ? 3 : 2) * hidden * ffn
        let embeddings = vocab * hidden * (tied ? 1 : 2)
        let parameters = Double(layers * (attention + feedForward) + embeddings)

        return ModelSpec(
            name: name, parameters: parameters, hiddenSize: hidden, layers: layers,
            attentionHeads: heads, kvHeads: kvHeads, headDim: headDim, ffnSize: ffn,
            vocabSize: vocab, bytesPerElement: bytes, maxContext: context)
    }

    /// Resolves a command-line model argument: a preset name, or a path to a `config.json`
    /// (or to a folder holding one).
    /// - Complexity: O(config size).
    public static func resolve(_ argument: String) throws -> ModelSpec {
        if let preset = preset(named: argument) { return preset }
        var url = URL(fileURLWithPath: argument)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            let names = presets.map(\.name).joined(separator: ", ")
            throw ModelConfigError(source: argument, problem: "not a preset (\(names)) nor an existing config.json")
        }
        if isDirectory.boolValue { url.appendPathComponent("config.json") }
        return try load(configAt: url)
    }
}
