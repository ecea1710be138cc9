import BlendCPU

/// Float64 dequantisation of ggml blocks, written from the format descriptions alone: the
/// reference the kernels' tests (and a float64 reference model) compare against.
///
/// Every supported type's values are `d·q`, `d·q + m` or `(d·scale)·q − dmin·min` with half-float
/// scales and small integers, which float64 holds exactly, so the results are the exact values
/// the blocks encode.
enum ReferenceDequantizer {
    /// The `count` values (a whole number of blocks) that `bytes` encodes in `type`.
    /// - Precondition: `type.isSupported` and `bytes` holds at least `count` values.
    /// - Complexity: O(count).
    static func dequantize(_ type: GGMLType, _ bytes: [UInt8], count: Int) -> [Double] {
        precondition(count % type.blockElements == 0 && bytes.count >= count / type.blockElements * type.blockBytes)
        var out = [Double]()
        out.reserveCapacity(count)
        for block in 0..<count / type.blockElements {
            let base = block * type.blockBytes
            let b = bytes[base..<base + type.blockBytes]
            switch type {
            case .f32:
                out.append(Double(Float(bitPattern: u32(b, 0))))
            case .f16:
                out.append(half(u16(b, 0)))
            case .bf16:
                out.append(Double(Float(bitPattern: UInt32(u16(b, 0)) << 16)))
            case .q4_0:
                out += fourBit(b, from: 2).map { half(u16(b, 0)) * Double($0 - 8) }
            case .q4_1:
                out += fourBit(b, from: 4).map { half(u16(b, 0)) * Double($0) + half(u16(b, 2)) }
            case .q8_0:
                out += (0..<32).map { half(u16(b, 0)) * Double(Int8(bitPattern: byte(b, 2 + $0))) }
            case .q4_K:
                out += q4K(b)
            case .q6_K:
                out += q6K(b)
            default:
                preconditionFailure("\(type) is not computed by the kernels")
            }
        }
        return out
    }

    /// The exact value of an IEEE half (sign, 5-bit exponent biased by 15, 10-bit fraction).
    static func half(_ bits: UInt16) -> Double {
        let sign: Double = bits & 0x8000 != 0 ? -1 : 1
        let exponent = Int(bits >> 10) & 0x1F, fraction = Double(bits & 0x3FF)
        switch exponent {
        case 0: return sign * fraction * 0x1p-24
        case 31: return fraction == 0 ? sign * .infinity : .nan
        default: return sign * (1 + fraction / 1024) * Double(sign: .plus, exponent: exponent - 15, significand: 1)
        }
    }

    /// Q4_0 / Q4_1 quants: 16 bytes from `offset`, the 16 low nibbles, then the 16 high nibbles.
    private static func fourBit(_ b: ArraySlice<UInt8>, from offset: Int) -> [Int] {
        (0..<16).map { Int(byte(b, offset + $0) & 0x0F) } + (0..<16).map { Int(byte(b, offset + $0) >> 4) }
    }

    /// Q4_K: `f16 d, f16 dmin, u8 scales[12], u8 qs[128]`; eight sub-blocks of 32 values
    /// `(d·scale_j)·q − dmin·min_j`. Sub-blocks 0...3 keep their 6-bit scale in the low 6 bits of
    /// scales[j] and min in scales[j+4]; sub-blocks 4...7 keep the low 4 bits of the scale and of the
    /// min in the low and high nibble of scales[j+4], and their top 2 bits in the top 2 bits of
    /// scales[j−4] and scales[j]. Sub-blocks 2i and 2i+1 are the low and high nibbles of
    /// qs[32i ..< 32i+32].
    private static func q4K(_ b: ArraySlice<UInt8>) -> [Double] {
        let d = half(u16(b, 0)), dmin = half(u16(b, 2))
        let s = (0..<12).map { Int(byte(b, 4 + $0)) }
        var out = [Double]()
        for j in 0..<8 {
            let scale = j < 4 ? s[j] & 63 : (s[j + 4] & 0x0F) | ((s[j - 4] >> 6) << 4)
            let min = j < 4 ? s[j + 4] & 63 : (s[j + 4] >> 4) | ((s[j] >> 6) << 4)
            for l in 0..<32 {
                let q = Int(byte(b, 16 + 32 * (j / 2) + l))
                out.append(d * Double(scale) * Double(j % 2 == 0 ? q & 0x0F : q >> 4) - dmin * Double(min))
            }
        }
        return out
    }

    /// Q6_K: `u8 ql[128], u8 qh[64], i8 scales[16], f16 d`; value i is `d·scales[i/16]·(q − 32)` with a
    /// 6-bit q. Each half h of 128 values uses ql[64h ..< 64h+64] and qh[32h ..< 32h+32]: for l < 32,
    /// values l, l+32, l+64, l+96 of the half take the low nibble of ql[l], the low nibble of
    /// ql[l+32], the high nibble of ql[l] and the high nibble of ql[l+32], and bits 0–1, 2–3, 4–5 and
    /// 6–7 of qh[l] as their top two bits.
    private static func q6K(_ b: ArraySlice<UInt8>) -> [Double] {
        let d = half(u16(b, 208))
        var out = [Double](repeating: 0, count: 256)
        for h in 0..<2 {
            for l in 0..<32 {
                let low0 = Int(byte(b, 64 * h + l)), low1 = Int(byte(b, 64 * h + l + 32)), high = Int(byte(b, 128 + 32 * h + l))
                let quants = [low0 & 0x0F, low1 & 0x0F, low0 >> 4, low1 >> 4]
                for g in 0..<4 {
                    let i = 128 * h + 32 * g + l
                    let q = quants[g] | (((high >> (2 * g)) & 3) << 4)
                    out[i] = d * Double(Int8(bitPattern: byte(b, 192 + i / 16))) * Double(q - 32)
                }
            }
        }
        return out
    }

    private static func byte(_ b: ArraySlice<UInt8>, _ i: Int) -> UInt8 { b[b.startIndex + i] }

    private static func u16(_ b: ArraySlice<UInt8>, _ i: Int) -> UInt16 {
        UInt16(byte(b, i)) | UInt16(byte(b, i + 1)) << 8
    }

    private static func u32(_ b: ArraySlice<UInt8>, _ i: Int) -> UInt32 {
        UInt32(u16(b, i)) | UInt32(u16(b, i + 2)) << 16
    }
}
