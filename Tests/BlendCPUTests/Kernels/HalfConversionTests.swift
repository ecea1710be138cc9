import BlendCore
import XCTest
import CBlendCPU

/// bs_f16_to_f32 and bs_f32_to_f16: the portable path against the IEEE definition, and every
/// level bit-identical to it.
final class HalfConversionTests: XCTestCase {
    private func toFloat(level: Int32, _ halves: [UInt16]) -> [UInt32] {
        var out = [Float](repeating: 0, count: halves.count)
        bs_f16_to_f32(level, halves, &out, Int64(halves.count))
        return out.map(\.bitPattern)
    }

    private func toHalf(level: Int32, _ floats: [Float]) -> [UInt16] {
        var out = [UInt16](repeating: 0, count: floats.count)
        bs_f32_to_f16(level, floats, &out, Int64(floats.count))
        return out
    }

    /// All 65,536 halves: the exact value with its sign (NaNs stay NaNs, quiet, payload kept), and
    /// the same bits at every level.
    func testEveryHalfConvertsExactlyAtEveryLevel() {
        let halves = (0...0xFFFF).map { UInt16($0) }
        let portable = toFloat(level: 0, halves)
        for (h, bits) in zip(halves, portable) {
            let sign = UInt32(h & 0x8000) << 16
            if h & 0x7C00 == 0x7C00 && h & 0x3FF != 0 {
                XCTAssertEqual(bits, sign | 0x7FC0_0000 | UInt32(h & 0x3FF) << 13, "NaN \(String(h, radix: 16))")
            } else {
                XCTAssertEqual(Double(Float(bitPattern: bits)), ReferenceDequantizer.half(h), "half \(String(h, radix: 16))")
                XCTAssertEqual(bits & 0x8000_0000, sign, "sign of half \(String(h, radix: 16))")
            }
        }
        for level in Kernels.levels.dropFirst() {
            XCTAssertEqual(toFloat(level: level, halves), portable, Kernels.levelNames[Int(level)])
        }
    }

    /// Special values, ties and about a million random floats (half of them random bit patterns,
    /// half in and around the half range): the portable result is the nearest half, ties to even,
    /// overflow to infinity, NaNs quiet with the payload's top bits; every level gives the same bits.
    func testFloatsRoundToNearestEvenAtEveryLevel() {
        let seed: UInt64 = 0x4A1F
        var rng = SeededGenerator(seed: seed)
        var floats: [Float] = [0, -0, .infinity, -.infinity, .nan, -.nan, .signalingNaN, .leastNonzeroMagnitude,
                               .greatestFiniteMagnitude, 65504, 65519.99, 65520, -65520, 65536, 1e6, 0x1p-14, 0x1p-24,
                               0x1p-25, 0x1.8p-25, 0x1.0000_02p-25, 0x1.8p-24, 0x1.4p-24, 1 + 0x1p-11, 1 + 0x1.8p-10,
                               -(1 + 0x1p-11), 2049, 2051, 0x1.ffep-15, 0x1.ffcp-15]
        floats += [0x7F80_0001, 0x7FA0_0000, 0xFFC0_1234, 0x7F80_2000].map { Float(bitPattern: $0) }
        for _ in 0..<(1 << 19) { floats.append(Float(bitPattern: UInt32.random(in: .min ... .max, using: &rng))) }
        for _ in 0..<(1 << 19) {
            var bits = UInt32.random(in: 0...0x7F_FFFF, using: &rng) | UInt32.random(in: 100...144, using: &rng) << 23
            if Bool.random(using: &rng) { bits = bits & ~0x1FFF | 0x1000 } /* a tie between two normal halves */
            if Bool.random(using: &rng) { bits |= 0x8000_0000 }
            floats.append(Float(bitPattern: bits))
        }
        let portable = toHalf(level: 0, floats)
        var wrong = 0
        for (f, h) in zip(floats, portable) where !isNearestEven(h, of: f) {
            if wrong < 5 { XCTFail("\(f) (\(String(f.bitPattern, radix: 16))) gave \(String(h, radix: 16)), seed \(seed)") }
            wrong += 1
        }
        XCTAssertEqual(wrong, 0, "seed \(seed)")
        for level in Kernels.levels.dropFirst() {
            XCTAssertEqual(toHalf(level: level, floats), portable, "\(Kernels.levelNames[Int(level)]) seed \(seed)")
        }
    }

    /// Whether h is f rounded to the nearest half, ties to the even significand.
    private func isNearestEven(_ h: UInt16, of f: Float) -> Bool {
        let sign: UInt16 = f.sign == .minus ? 0x8000 : 0, magnitude = h & 0x7FFF
        if f.isNaN { return h == sign | 0x7E00 | UInt16((f.bitPattern >> 13) & 0x3FF) }
        if abs(f) >= 65520 { return h == sign | 0x7C00 }
        guard h & 0x8000 == sign, magnitude < 0x7C00 else { return false }
        let x = Double(abs(f)), distance = abs(x - ReferenceDequantizer.half(magnitude))
        let below = magnitude > 0 ? abs(x - ReferenceDequantizer.half(magnitude - 1)) : .infinity
        let above = abs((magnitude < 0x7BFF ? ReferenceDequantizer.half(magnitude + 1) : 65536) - x)
        if distance > below || distance > above { return false }
        return (distance != below && distance != above) || magnitude & 1 == 0
    }
}
