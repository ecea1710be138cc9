import BlendCore
import BlendCPU

/// Valid random blocks of the supported types, with finite, modest values: block scales are
/// halves of magnitude in [2^-10, 2^-4) (about 0.001 to 0.06) with a random sign, float types hold
/// values below 2 in magnitude, and quants, K-quant scales and mins take every bit pattern.
enum RandomBlocks {
    /// Bytes of `count` values (a whole number of blocks) of `type`.
    static func make(_ type: GGMLType, count: Int, using rng: inout SeededGenerator) -> [UInt8] {
        precondition(count % type.blockElements == 0)
        var bytes = [UInt8]()
        bytes.reserveCapacity(count / type.blockElements * type.blockBytes)
        for _ in 0..<count / type.blockElements {
            switch type {
            case .f32:
                append(Float.random(in: -2...2, using: &rng).bitPattern, to: &bytes)
            case .f16:
                append(randomHalf(maxExponent: 15, using: &rng), to: &bytes)
            case .bf16:
                append(UInt16(Float.random(in: -2...2, using: &rng).bitPattern >> 16), to: &bytes)
            case .q4_0:
                append(scale(using: &rng), to: &bytes)
                bytes += randomBytes(16, using: &rng)
            case .q4_1:
                append(scale(using: &rng), to: &bytes)
                append(scale(using: &rng), to: &bytes)
                bytes += randomBytes(16, using: &rng)
            case .q8_0:
                append(scale(using: &rng), to: &bytes)
                bytes += randomBytes(32, using: &rng)
            case .q4_K:
                append(scale(using: &rng), to: &bytes)
                append(scale(using: &rng), to: &bytes)
                bytes += randomBytes(12 + 128, using: &rng)
            case .q6_K:
                bytes += randomBytes(128 + 64 + 16, using: &rng)
                append(scale(using: &rng), to: &bytes)
            default:
                preconditionFailure("\(type) is not computed by the kernels")
            }
        }
        return bytes
    }

    /// A block scale: a half of magnitude in [2^-10, 2^-4), either sign.
    static func scale(using rng: inout SeededGenerator) -> UInt16 {
        let sign: UInt16 = Bool.random(using: &rng) ? 0x8000 : 0
        return sign | UInt16.random(in: 5...10, using: &rng) << 10 | UInt16.random(in: 0...0x3FF, using: &rng)
    }

    /// A finite half with a random sign and a biased exponent in 0...maxExponent (0 gives zeros and
    /// subnormals; 15 is 2^0).
    static func randomHalf(maxExponent: UInt16, using rng: inout SeededGenerator) -> UInt16 {
        let sign: UInt16 = Bool.random(using: &rng) ? 0x8000 : 0
        return sign | UInt16.random(in: 0...maxExponent, using: &rng) << 10 | UInt16.random(in: 0...0x3FF, using: &rng)
    }

    static func randomBytes(_ n: Int, using rng: inout SeededGenerator) -> [UInt8] {
        (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        for i in 0..<T.bitWidth / 8 { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * i))) }
    }
}
