/// How a byte-level BPE tokenizer cuts text into pieces before merging, chosen by the GGUF key
/// `tokenizer.ggml.pre`. BPE never merges across pieces.
///
/// Each case applies llama.cpp's list of patterns for that name, one after the other, with
/// hand-written scanners (no regular expressions at run time).
public enum PreTokenizer: Sendable, CaseIterable {
    /// `gpt2` (llama.cpp spells it `gpt-2`): GPT-2's pattern
    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)`.
    case gpt2
    /// `smollm` (SmolLM, SmolLM2): every `\p{N}` scalar on its own, then GPT-2's pattern on the
    /// rest.
    case smollm
    /// `llama-bpe` (also `llama3`, `llama-v3`; Llama 3):
    /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`.
    /// A piece that is itself a vocabulary token is taken whole, without merges, as llama.cpp
    /// does for this pre-tokenizer.
    case llama3
    /// `default` (also used when the key is absent, as llama.cpp does): runs of
    /// `[\p{P}\$\+<=>\^~\|]`, then GPT-2's pattern, then `\p{N}+`, then groups of three ASCII digits.
    case llamaCppDefault

    /// The `tokenizer.ggml.pre` names this package accepts, for error messages.
    public static let supportedNames = ["default", "gpt2", "gpt-2", "smollm", "llama-bpe", "llama3", "llama-v3"]

    /// The pre-tokenizer that a `tokenizer.ggml.pre` name selects, or nil when it is not supported.
    /// - Complexity: O(1).
    public init?(ggmlName: String) {
        switch ggmlName {
        case "default": self = .llamaCppDefault
        case "gpt2", "gpt-2": self = .gpt2
        case "smollm": self = .smollm
        case "llama-bpe", "llama3", "llama-v3": self = .llama3
        default: return nil
        }
    }

    /// Whether a piece that is a vocabulary token becomes that token without running the merges
    /// (llama.cpp's `ignore_merges`).
    /// - Complexity: O(1).
    public var ignoresMerges: Bool { self == .llama3 }

    /// Whether the model adds a beginning-of-sequence token when its metadata does not say
    /// (`tokenizer.ggml.add_bos_token` absent), as llama.cpp decides for this pre-tokenizer.
    /// - Complexity: O(1).
    public var addsBOSByDefault: Bool { self == .llama3 }

    private static let gpt2Stages: [SplitStage] = [.gpt2]
    private static let smollmStages: [SplitStage] = [.isolateNumbers, .gpt2]
    private static let llama3Stages: [SplitStage] = [.llama3]
    private static let defaultStages: [SplitStage] = [.punctuationRuns, .gpt2, .numberRuns, .asciiDigitTriples]

    /// The passes, in order.
    var stages: [SplitStage] {
        switch self {
        case .gpt2: Self.gpt2Stages
        case .smollm: Self.smollmStages
        case .llama3: Self.llama3Stages
        case .llamaCppDefault: Self.defaultStages
        }
    }

    /// The pieces of `text`, in order; they concatenate to `text`.
    /// - Complexity: O(n) in the number of scalars of `text`.
    public func split(_ text: String) -> [String] {
        var scalars = ScalarText()
        var text = text
        text.withUTF8 { scalars.load($0) }
        var ends: [Int] = []
        var scratch: [Int] = []
        pieceEnds(of: scalars, into: &ends, scratch: &scratch)
        let all = Array(text.unicodeScalars)
        var start = 0
        return ends.map { end in
            defer { start = end }
            var piece = String.UnicodeScalarView()
            piece.append(contentsOf: all[start..<end])
            return String(piece)
        }
    }

    /// Fills `ends` with the end scalar index of each piece of `text`; `scratch` is working space.
    /// - Complexity: O(n) in the number of scalars per pass.
    func pieceEnds(of text: ScalarText, into ends: inout [Int], scratch: inout [Int]) {
        ends.removeAll(keepingCapacity: true)
        ends.append(text.count)
        text.values.withUnsafeBufferPointer { values in
            text.classes.withUnsafeBufferPointer { classes in
                for stage in stages {
                    scratch.removeAll(keepingCapacity: true)
                    var start = 0
                    for end in ends {
                        stage.split(values, classes, start, end, into: &scratch)
                        start = end
                    }
                    swap(&ends, &scratch)
                }
            }
        }
    }
}
