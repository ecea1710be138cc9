/// The element type of a GGUF tensor (ggml's type ids), with its block geometry.
///
/// Quantised types store blocks: `blockElements` consecutive values of a row packed into
/// `blockBytes` bytes. A row's length must be a multiple of `blockElements`.
public enum GGMLType: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    /// 32-bit float.
    case f32 = 0
    /// IEEE half.
    case f16 = 1
    /// 32 values: f16 scale d, 16 bytes of 4-bit q; x = d·(q − 8).
    case q4_0 = 2
    /// 32 values: f16 scale d, f16 minimum m, 16 bytes of 4-bit q; x = d·q + m.
    case q4_1 = 3
    /// 32 values, 5-bit (known, not computed by this package's engines).
    case q5_0 = 6
    /// 32 values, 5-bit with minimum (known, not computed).
    case q5_1 = 7
    /// 32 values: f16 scale d, 32 int8 q; x = d·q.
    case q8_0 = 8
    /// 32 values, 8-bit with sum (known, not computed).
    case q8_1 = 9
    /// 256-value super-block, 2-bit (known, not computed).
    case q2_K = 10
    /// 256-value super-block, 3-bit (known, not computed).
    case q3_K = 11
    /// 256-value super-block: f16 d, f16 dmin, 12 bytes of 6-bit scales and mins, 128 bytes of 4-bit q.
    case q4_K = 12
    /// 256-value super-block, 5-bit (known, not computed).
    case q5_K = 13
    /// 256-value super-block: 128 bytes low 4 bits, 64 bytes high 2 bits, 16 int8 scales, f16 d.
    case q6_K = 14
    /// 256-value super-block, 8-bit (known, not computed).
    case q8_K = 15
    /// bfloat16.
    case bf16 = 30

    /// Values per block (1 for the float types).
    public var blockElements: Int {
        switch self {
        case .f32, .f16, .bf16: 1
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q8_1: 32
        case .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .q8_K: 256
        }
    }

    /// Bytes per block.
    public var blockBytes: Int {
        switch self {
        case .f32: 4
        case .f16, .bf16: 2
        case .q4_0: 18
        case .q4_1: 20
        case .q5_0: 22
        case .q5_1: 24
        case .q8_0: 34
        case .q8_1: 36
        case .q2_K: 84
        case .q3_K: 110
        case .q4_K: 144
        case .q5_K: 176
        case .q6_K: 210
        case .q8_K: 292
        }
    }

    /// Whether this package's engines can compute with tensors of this type.
    public var isSupported: Bool {
        switch self {
        case .f32, .f16, .bf16, .q4_0, .q4_1, .q8_0, .q4_K, .q6_K: true
        default: false
        }
    }

    /// ggml's name of the type (`Q4_1`, `F16`, ...).
    public var description: String {
        switch self {
        case .f32: "F32"
        case .f16: "F16"
        case .q4_0: "Q4_0"
        case .q4_1: "Q4_1"
        case .q5_0: "Q5_0"
        case .q5_1: "Q5_1"
        case .q8_0: "Q8_0"
        case .q8_1: "Q8_1"
        case .q2_K: "Q2_K"
        case .q3_K: "Q3_K"
        case .q4_K: "Q4_K"
        case .q5_K: "Q5_K"
        case .q6_K: "Q6_K"
        case .q8_K: "Q8_K"
        case .bf16: "BF16"
        }
    }

    /// Bytes of a row of `elements` values, or nil when `elements` is not a whole number of blocks.
    /// - Complexity: O(1).
    public func rowBytes(elements: Int) -> Int? {
        guard elements >= 0, elements % blockElements == 0 else { return nil }
        return elements / blockElements * blockBytes
    }
}
