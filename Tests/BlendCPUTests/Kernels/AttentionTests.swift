import BlendCore
import XCTest
import CBlendCPU

/// bs_attention at every level: accuracy against a float64 reference over paged caches with
/// scattered blocks, and independence from everything but the query's own positions.
final class AttentionTests: XCTestCase {
    /// A paged KV cache of one layer: `blocks` blocks of `blockSize` slots of `kvHeads` rows of
    /// `headDim` random halves (|value| < 2), and a block table of distinct, shuffled block ids.
    private struct PagedCache {
        var k: [UInt16], v: [UInt16], table: [Int32]
        let blockSize: Int, kvHeads: Int, headDim: Int

        init(positions: Int, spareBlocks: Int, blockSize: Int, kvHeads: Int, headDim: Int, using rng: inout SeededGenerator) {
            self.blockSize = blockSize
            self.kvHeads = kvHeads
            self.headDim = headDim
            let used = (positions + blockSize - 1) / blockSize, blocks = used + spareBlocks
            let values = blocks * blockSize * kvHeads * headDim
            k = (0..<values).map { _ in RandomBlocks.randomHalf(maxExponent: 15, using: &rng) }
            v = (0..<values).map { _ in RandomBlocks.randomHalf(maxExponent: 15, using: &rng) }
            table = Array((0..<Int32(blocks)).shuffled(using: &rng).prefix(used))
        }

        /// Offset of the row of KV head `head` at logical position `p`.
        func offset(_ p: Int, head: Int) -> Int {
            ((Int(table[p / blockSize]) * blockSize + p % blockSize) * kvHeads + head) * headDim
        }
    }

    private func attention(level: Int32, q: [Float], heads: Int, cache: PagedCache, positions: Int, scale: Float) -> [Float] {
        var out = [Float](repeating: .nan, count: heads * cache.headDim)
        bs_attention(level, q, Int32(heads), Int32(cache.kvHeads), Int32(cache.headDim), cache.k, cache.v, cache.table,
                     Int32(cache.blockSize), Int64(positions), scale, &out)
        return out
    }

    /// Per output value: |out − reference| ≤ (2·e_s + (n + 16)·2^-23 + 2^-17)·Σ_p w_p·|v_p|, with w
    /// the reference softmax weights and e_s = (head_dim + 8)·2^-23·max_p scale·Σ|q·k_p| the bound
    /// of a score's error (a sequential float sum, the worst the levels do), n + 16 roundings
    /// along the weight sum and the output's accumulation, and 2^-17 for the exponentials.
    func testEveryLevelMatchesTheFloat64Reference() {
        let shapes: [(heads: Int, kvHeads: Int, headDim: Int)] = [(4, 4, 64), (9, 3, 64), (6, 2, 32), (3, 3, 32), (12, 1, 32)]
        var lengths = SeededGenerator(seed: 0xA77E)
        for (index, shape) in shapes.enumerated() {
            for positions in [1, 2, 63, 64, 65, 129, 200, Int.random(in: 3...200, using: &lengths)] {
                let seed = 0xA7_0000 + UInt64(index) << 10 + UInt64(positions)
                var rng = SeededGenerator(seed: seed)
                let cache = PagedCache(positions: positions, spareBlocks: 3, blockSize: 16, kvHeads: shape.kvHeads,
                                       headDim: shape.headDim, using: &rng)
                let q = Kernels.randomFloats(shape.heads * shape.headDim, using: &rng)
                let scale = 1 / Float(shape.headDim).squareRoot()
                let hd = shape.headDim, group = shape.heads / shape.kvHeads
                var reference = [Double](repeating: 0, count: shape.heads * hd), bound = reference
                for h in 0..<shape.heads {
                    var s = [Double](repeating: 0, count: positions), sMax = 0.0
                    for p in 0..<positions {
                        let o = cache.offset(p, head: h / group)
                        var dot = 0.0, abs = 0.0
                        for d in 0..<hd {
                            let term = Double(q[h * hd + d]) * ReferenceDequantizer.half(cache.k[o + d])
                            dot += term
                            abs += Swift.abs(term)
                        }
                        s[p] = Double(scale) * dot
                        sMax = max(sMax, Double(scale) * abs)
                    }
                    let m = s.max()!
                    let e = s.map { exp($0 - m) }, total = e.reduce(0, +)
                    let scoreError: Double = (Double(hd) + 8) * 0x1p-23 * sMax
                    let sumError: Double = (Double(positions) + 16) * 0x1p-23
                    let relative: Double = 2 * scoreError + sumError + 0x1p-17
                    for p in 0..<positions {
                        let o = cache.offset(p, head: h / group)
                        for d in 0..<hd {
                            let v = ReferenceDequantizer.half(cache.v[o + d])
                            reference[h * hd + d] += e[p] / total * v
                            bound[h * hd + d] += relative * e[p] / total * Swift.abs(v)
                        }
                    }
                }
                for level in Kernels.levels {
                    let out = attention(level: level, q: q, heads: shape.heads, cache: cache, positions: positions, scale: scale)
                    let worst = (0..<out.count).map { Swift.abs(Double(out[$0]) - reference[$0]) / (bound[$0] + 1e-30) }.max()!
                    let context = "heads \(shape.heads)/\(shape.kvHeads) head_dim \(hd) positions \(positions) seed \(seed)"
                    XCTAssertLessThanOrEqual(worst, 1, "error over the bound (ratio \(worst)): \(Kernels.levelNames[Int(level)]) \(context)")
                }
            }
        }
    }

    /// The same query over the same logical positions gives the same bits at every level, whatever
    /// blocks hold them and whatever the other blocks contain.
    func testResultDependsOnlyOnTheQueryAndItsPositions() {
        for (heads, kvHeads, headDim) in [(9, 3, 64), (4, 4, 32)] {
            for positions in [1, 17, 100, 200] {
                let seed = 0x1A_0000 + UInt64(heads) << 12 + UInt64(positions)
                var rng = SeededGenerator(seed: seed)
                let first = PagedCache(positions: positions, spareBlocks: 2, blockSize: 16, kvHeads: kvHeads, headDim: headDim,
                                       using: &rng)
                var second = PagedCache(positions: positions, spareBlocks: 6, blockSize: 16, kvHeads: kvHeads, headDim: headDim,
                                        using: &rng)
                for p in 0..<positions {
                    for h in 0..<kvHeads {
                        let from = first.offset(p, head: h), to = second.offset(p, head: h)
                        second.k.replaceSubrange(to..<to + headDim, with: first.k[from..<from + headDim])
                        second.v.replaceSubrange(to..<to + headDim, with: first.v[from..<from + headDim])
                    }
                }
                let q = Kernels.randomFloats(heads * headDim, using: &rng)
                for level in Kernels.levels {
                    let a = attention(level: level, q: q, heads: heads, cache: first, positions: positions, scale: 0.125)
                    let b = attention(level: level, q: q, heads: heads, cache: second, positions: positions, scale: 0.125)
                    XCTAssertNil(Kernels.firstBitDifference(b[...], a[...]),
                                 "\(Kernels.levelNames[Int(level)]) heads \(heads)/\(kvHeads) positions \(positions) seed \(seed)")
                }
            }
        }
    }
}
