import BlendCore
import BlendCPU
@testable import BlendCUDA
import CBlendCPU
import XCTest

/// The embedding gather and the dequantising matrix products against the CPU engine's math, for
/// every weight type, on random weights. Needs a GPU.
final class MatrixKernelTests: XCTestCase {
    /// Columns per type: whole K-quant super-blocks; 18 32-value blocks (lanes left idle); and a
    /// float row that ends inside a 32-value unit.
    static func columns(_ type: GGMLType) -> Int {
        switch type.blockElements {
        case 256: 512
        case 32: 576
        default: 100
        }
    }

    static let types = KernelSet.typeSuffixes.keys.sorted { $0.rawValue < $1.rawValue }

    /// Exact: every value is the CPU engine's dequantised float, bit for bit.
    func testEmbeddingIsTheCPUEnginesDequantisationForEveryType() throws {
        let gpu = try GPUFixture.get()
        var random = SeededGenerator(seed: 11)
        for type in Self.types {
            let columns = Self.columns(type), rows = 7
            let bytes = RandomWeights.matrix(type, rows: rows, columns: columns, using: &random)
            let weights = try gpu.upload(bytes)
            let tokens: [Int32] = [3, 0, 6, 3, 5]
            let tokenBuffer = try gpu.upload(tokens)
            let out = try gpu.zeros(tokens.count * columns, of: Float.self)
            let matrix = DeviceMatrix(type: type, rows: rows, columns: columns, rowBytes: type.rowBytes(elements: columns)!,
                                      address: weights.address)
            try gpu.kernels.embed(matrix, tokens: tokenBuffer.address, count: tokens.count, out: out.address, on: gpu.stream)
            let got = try gpu.download(out, count: tokens.count * columns, as: Float.self)
            for (t, token) in tokens.enumerated() {
                let expected = RandomWeights.dequantize(bytes, type, row: Int(token), columns: columns)
                XCTAssertEqual(got[t * columns ..< (t + 1) * columns].map(\.bitPattern), expected.map(\.bitPattern),
                               "\(type) token \(t) (seed 11)")
            }
        }
    }

    /// Bound per output: |y − y₆₄| ≤ (k + 6)·2⁻²⁴·Σ|wᶜxᶜ|, where k is the number of products one lane
    /// accumulates in sequence (32 per unit, ⌈units/32⌉ units) and 6 covers the five butterfly
    /// levels and the final rounding: the standard bound of a float sum of k + 5 terms. The same
    /// bound holds for the CPU engine's kernel, so the two agree within twice of it. And a token's
    /// result is bit-identical alone and inside a batch of 13 (two passes of 8).
    func testMatmulMatchesFloat64AndIsBatchInvariantForEveryType() throws {
        let gpu = try GPUFixture.get()
        var random = SeededGenerator(seed: 12)
        for type in Self.types {
            let columns = Self.columns(type), rows = 37, tokens = 13
            let rowBytes = type.rowBytes(elements: columns)!
            let bytes = RandomWeights.matrix(type, rows: rows, columns: columns, using: &random)
            let x = RandomWeights.floats(tokens * columns, using: &random)
            let weights = try gpu.upload(bytes), xBuffer = try gpu.upload(x)
            let y = try gpu.zeros(tokens * rows, of: Float.self)
            let matrix = DeviceMatrix(type: type, rows: rows, columns: columns, rowBytes: rowBytes, address: weights.address)
            try gpu.kernels.matmul(matrix, x: xBuffer.address, xStride: columns, tokens: tokens, y: y.address, yStride: rows,
                                   on: gpu.stream)
            let got = try gpu.download(y, count: tokens * rows, as: Float.self)
            var cpu = [Float](repeating: 0, count: tokens * rows)
            bytes.withUnsafeBytes { w in
                bs_matmul(Int32(BS_ISA_PORTABLE), type.rawValue, w.baseAddress!, Int64(columns), 0, Int64(rows), x,
                          Int64(columns), Int64(tokens), &cpu, Int64(rows))
            }
            let units = (columns + 31) / 32
            let perLane = 32 * ((units + 31) / 32)
            for r in 0..<rows {
                let w = RandomWeights.dequantize(bytes, type, row: r, columns: columns)
                for t in 0..<tokens {
                    var exact = 0.0, magnitude = 0.0
                    for c in 0..<columns {
                        exact += Double(w[c]) * Double(x[t * columns + c])
                        magnitude += abs(Double(w[c]) * Double(x[t * columns + c]))
                    }
                    let bound = Double(perLane + 6) * 0x1p-24 * magnitude
                    XCTAssertLessThanOrEqual(abs(Double(got[t * rows + r]) - exact), bound, "\(type) row \(r) token \(t) (seed 12)")
                    XCTAssertLessThanOrEqual(abs(Double(got[t * rows + r]) - Double(cpu[t * rows + r])), 2 * bound,
                                             "\(type) row \(r) token \(t): GPU against the CPU engine (seed 12)")
                }
            }
            for t in [0, 7, 8, 12] {
                let alone = try gpu.zeros(rows, of: Float.self)
                try gpu.kernels.matmul(matrix, x: xBuffer.address(at: t * columns * 4), xStride: columns, tokens: 1,
                                       y: alone.address, yStride: rows, on: gpu.stream)
                let single = try gpu.download(alone, count: rows, as: Float.self)
                XCTAssertEqual(single.map(\.bitPattern), got[t * rows ..< (t + 1) * rows].map(\.bitPattern),
                               "\(type): token \(t) alone differs from the batch")
            }
        }
    }
}
