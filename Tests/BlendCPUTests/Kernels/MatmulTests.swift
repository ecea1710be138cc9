import BlendCore
import XCTest
import BlendCPU
import CBlendCPU

/// bs_matmul at every level: accuracy against a float64 reference, and batch invariance.
final class MatmulTests: XCTestCase {
    /// Columns for a random shape: whole blocks, with partial vectors for the float types.
    private func randomCols(_ type: GGMLType, using rng: inout SeededGenerator) -> Int {
        switch type.blockElements {
        case 1: Int.random(in: 1...300, using: &rng)
        case 32: 32 * Int.random(in: 1...12, using: &rng)
        default: 256 * Int.random(in: 1...2, using: &rng)
        }
    }

    /// |y − reference| ≤ (cols/8 + 8)·2^-23·Σ|w·x| for every output: twice the worst case of the
    /// kernels' summation (at most cols/8 + 1 roundings along one lane, plus the lane reduction and
    /// the weight's own rounding, each at most 2^-24 relative to Σ|w·x|). Rows the call did not
    /// cover, and the gaps of y's stride, stay untouched.
    func testEveryLevelMatchesTheFloat64Reference() {
        for type in Kernels.types {
            for shape in 0..<6 {
                let seed = 0x3A70_0000 + UInt64(type.rawValue) << 8 + UInt64(shape)
                var rng = SeededGenerator(seed: seed)
                let rows = Int.random(in: 1...70, using: &rng), ntok = Int.random(in: 1...19, using: &rng)
                let cols = randomCols(type, using: &rng)
                let xStride = cols + Int.random(in: 0...5, using: &rng), yStride = rows + Int.random(in: 0...3, using: &rng)
                let w = RandomBlocks.make(type, count: rows * cols, using: &rng)
                let x = Kernels.randomFloats(ntok * xStride, using: &rng)
                let wd = ReferenceDequantizer.dequantize(type, w, count: rows * cols)
                var reference = [Double](repeating: 0, count: ntok * rows), magnitude = reference
                for t in 0..<ntok {
                    for r in 0..<rows {
                        var sum = 0.0, abs = 0.0
                        for c in 0..<cols {
                            let p = wd[r * cols + c] * Double(x[t * xStride + c])
                            sum += p
                            abs += Swift.abs(p)
                        }
                        reference[t * rows + r] = sum
                        magnitude[t * rows + r] = abs
                    }
                }
                let factor = (Double(cols) / 8 + 8) * 0x1p-23
                for level in Kernels.levels {
                    let y = Kernels.matmul(level: level, type, w, cols: cols, rows: 0..<rows, x: x, xStride: xStride,
                                           ntok: ntok, yStride: yStride)
                    var worst = 0.0, untouched = true
                    for t in 0..<ntok {
                        for r in 0..<yStride {
                            let v = y[t * yStride + r]
                            if r >= rows {
                                untouched = untouched && v.isNaN
                                continue
                            }
                            let err = Swift.abs(Double(v) - reference[t * rows + r])
                            worst = max(worst, err / (factor * magnitude[t * rows + r] + 1e-30))
                        }
                    }
                    let context = "\(type) \(Kernels.levelNames[Int(level)]) rows \(rows) cols \(cols) ntok \(ntok) seed \(seed)"
                    XCTAssertLessThanOrEqual(worst, 1, "error over the bound (ratio \(worst)): \(context)")
                    XCTAssertTrue(untouched, "wrote outside its rows: \(context)")
                }
            }
        }
    }

    /// Bit-exact at every level: each token's outputs equal those of the token computed alone,
    /// for ntok 1...20 from varying first tokens, and for row ranges split anywhere.
    func testOutputsDoNotDependOnTheBatchOrTheRowRange() {
        for type in Kernels.types {
            let seed = 0x1B_0000 + UInt64(type.rawValue)
            var rng = SeededGenerator(seed: seed)
            let rows = 37
            let cols = switch type.blockElements {
            case 1: 45
            case 32: 96
            default: 256
            }
            let xStride = cols + 3, tokens = 24
            let w = RandomBlocks.make(type, count: rows * cols, using: &rng)
            let x = Kernels.randomFloats(tokens * xStride, using: &rng)
            for level in Kernels.levels {
                let context = "\(type) \(Kernels.levelNames[Int(level)]) seed \(seed)"
                let alone = (0..<tokens).map {
                    Kernels.matmul(level: level, type, w, cols: cols, rows: 0..<rows, x: x, xStride: xStride,
                                   firstToken: $0, ntok: 1, yStride: rows)[...]
                }
                for ntok in 1...20 {
                    let first = ntok % 5
                    let y = Kernels.matmul(level: level, type, w, cols: cols, rows: 0..<rows, x: x, xStride: xStride,
                                           firstToken: first, ntok: ntok, yStride: rows)
                    for t in 0..<ntok {
                        XCTAssertNil(Kernels.firstBitDifference(y[t * rows..<(t + 1) * rows], alone[first + t]),
                                     "token \(first + t) of a batch of \(ntok): \(context)")
                    }
                }
                for split in [1, 3, 4, 18, 36] {
                    let ntok = 13
                    let head = Kernels.matmul(level: level, type, w, cols: cols, rows: 0..<split, x: x, xStride: xStride,
                                              ntok: ntok, yStride: rows)
                    let tail = Kernels.matmul(level: level, type, w, cols: cols, rows: split..<rows, x: x, xStride: xStride,
                                              ntok: ntok, yStride: rows)
                    for t in 0..<ntok {
                        let joined = head[t * rows..<t * rows + split] + tail[t * rows + split..<(t + 1) * rows]
                        XCTAssertNil(Kernels.firstBitDifference(joined, alone[t]), "token \(t), rows split at \(split): \(context)")
                    }
                }
            }
        }
    }

    /// Long rows make the batched path split the tokens into chunks (a few tokens each at 8195
    /// columns); the outputs still equal those of each token alone, bit for bit.
    func testLongRowsGiveTheSameBitsWhenTheBatchIsSplitIntoChunks() {
        let seed: UInt64 = 0x10_4C0
        var rng = SeededGenerator(seed: seed)
        let rows = 5, cols = 8195, ntok = 20
        let w = RandomBlocks.make(.f16, count: rows * cols, using: &rng)
        let x = Kernels.randomFloats(ntok * cols, using: &rng)
        for level in Kernels.levels {
            let y = Kernels.matmul(level: level, .f16, w, cols: cols, rows: 0..<rows, x: x, xStride: cols, ntok: ntok, yStride: rows)
            for t in 0..<ntok {
                let alone = Kernels.matmul(level: level, .f16, w, cols: cols, rows: 0..<rows, x: x, xStride: cols,
                                           firstToken: t, ntok: 1, yStride: rows)
                XCTAssertNil(Kernels.firstBitDifference(y[t * rows..<(t + 1) * rows], alone[...]),
                             "token \(t): \(Kernels.levelNames[Int(level)]) seed \(seed)")
            }
        }
    }

    /// Unsupported types, empty row ranges and empty batches leave y alone; zero columns give zeros.
    func testDegenerateCallsWriteOnlyWhatTheyMust() {
        let w = [UInt8](repeating: 0x11, count: 4 * 22), x = [Float](repeating: 1, count: 64)
        for level in Kernels.levels {
            for (type, rows, ntok) in [(GGMLType.q5_0, 0..<4, 1), (.q4_0, 2..<2, 1), (.q4_0, 0..<4, 0)] {
                let y = Kernels.matmul(level: level, type, w, cols: 32, rows: rows, x: x, xStride: 32, ntok: ntok, yStride: 4)
                XCTAssertTrue(y.allSatisfy(\.isNaN), "\(type) rows \(rows) ntok \(ntok) \(Kernels.levelNames[Int(level)])")
            }
            let y = Kernels.matmul(level: level, .f32, [], cols: 0, rows: 1..<3, x: x, xStride: 1, ntok: 2, yStride: 4)
            XCTAssertEqual(y.map { $0.isNaN ? -1 : $0 }, [-1, 0, 0, -1, -1, 0, 0, -1], Kernels.levelNames[Int(level)])
        }
    }
}
