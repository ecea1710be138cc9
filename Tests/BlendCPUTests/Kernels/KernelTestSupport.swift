import BlendCore
import BlendCPU
import CBlendCPU

/// Shared helpers of the kernel tests: the levels to test and Swift wrappers of the C kernels.
enum Kernels {
    /// Every instruction-set level this CPU runs: portable up to `bs_cpu_best_isa()`.
    static var levels: [Int32] { Array(0...bs_cpu_best_isa()) }

    static let levelNames = ["portable", "AVX2", "AVX-512"]

    /// The types the kernels compute with.
    static var types: [GGMLType] { GGMLType.allCases.filter(\.isSupported) }

    /// `bs_matmul` over rows `rows` for `ntok` tokens of `x` from token `firstToken` (`xStride` floats
    /// apart); returns y with `yStride` floats per token, NaN where the kernel did not write.
    static func matmul(level: Int32, _ type: GGMLType, _ w: [UInt8], cols: Int, rows: Range<Int>, x: [Float],
                       xStride: Int, firstToken: Int = 0, ntok: Int, yStride: Int) -> [Float] {
        precondition((firstToken + ntok - 1) * xStride + cols <= x.count)
        var y = [Float](repeating: .nan, count: max(ntok * yStride, 1))
        w.withUnsafeBytes { wp in
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    bs_matmul(level, type.rawValue, wp.baseAddress, Int64(cols), Int64(rows.lowerBound),
                              Int64(rows.upperBound), xp.baseAddress! + firstToken * xStride, Int64(xStride), Int64(ntok), yp.baseAddress,
                              Int64(yStride))
                }
            }
        }
        return y
    }

    /// Random floats in [-1, 1].
    static func randomFloats(_ n: Int, using rng: inout SeededGenerator) -> [Float] {
        (0..<n).map { _ in Float.random(in: -1...1, using: &rng) }
    }

    /// nil when the arrays hold the same bits, else where and how they first differ.
    static func firstBitDifference(_ got: ArraySlice<Float>, _ expected: ArraySlice<Float>) -> String? {
        guard got.count == expected.count else { return "\(got.count) values instead of \(expected.count)" }
        for (i, (a, b)) in zip(got, expected).enumerated() where a.bitPattern != b.bitPattern {
            return "value \(i): \(a) instead of \(b)"
        }
        return nil
    }
}
