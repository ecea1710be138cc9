/// The GGUF metadata keys that describe a model's tokenizer and chat template.
public enum TokenizerMetadataKey {
    /// The tokenizer kind (`gpt2` for byte-level BPE).
    public static let model = "tokenizer.ggml.model"
    /// The pre-tokenizer name (`smollm`, `llama-bpe`, ...).
    public static let preTokenizer = "tokenizer.ggml.pre"
    /// The token texts.
    public static let tokens = "tokenizer.ggml.tokens"
    /// The token types (1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte).
    public static let tokenTypes = "tokenizer.ggml.token_type"
    /// The merge rules in rank order.
    public static let merges = "tokenizer.ggml.merges"
    /// The beginning-of-sequence token id.
    public static let bosID = "tokenizer.ggml.bos_token_id"
    /// The end-of-sequence token id.
    public static let eosID = "tokenizer.ggml.eos_token_id"
    /// The end-of-turn token id.
    public static let eotID = "tokenizer.ggml.eot_token_id"
    /// The end-of-message token id.
    public static let eomID = "tokenizer.ggml.eom_token_id"
    /// Whether encoding starts with the beginning-of-sequence token.
    public static let addBOS = "tokenizer.ggml.add_bos_token"
    /// The Jinja chat template.
    public static let chatTemplate = "tokenizer.chat_template"
}
