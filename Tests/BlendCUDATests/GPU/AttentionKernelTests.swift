import BlendCore
import BlendCPU
@testable import BlendCUDA
import CBlendCPU
import Foundation
import XCTest

/// Paged attention against a float64 softmax and the CPU engine's kernel, over a shuffled block
/// table, positions across several splits, prefill tiles and single decode tokens. Needs a GPU.
final class AttentionKernelTests: XCTestCase {
    static let heads = 6, kvHeads = 2, headDim = 64, blockSize = 16, layers = 2, layer = 1

    /// The step: sequence 0 prefills 12 tokens at positions 640 ..< 652 (three splits, tiles of
    /// 8 and 4), sequence 1 decodes at position 300, sequence 2 at position 5.
    static func batch(tables: [[Int32]]) -> ForwardBatch {
        var batch = ForwardBatch()
        for (sequence, positions) in [Array(640..<652), [300], [5]].enumerated() {
            for position in positions {
                batch.tokens.append(0)
                batch.positions.append(Int32(position))
                batch.sequenceOfToken.append(Int32(sequence))
            }
        }
        batch.blockTables = tables
        return batch
    }

    /// Runs the attention of `batch` over `cache` and returns `tokens × heads × headDim` outputs.
    static func attend(_ gpu: GPUFixture, _ batch: ForwardBatch, cache: DeviceKVCache, query: [Float]) throws -> [Float] {
        let queryTile = AttentionPlan.queryTile(group: heads / kvHeads, headDim: headDim)
        let plan = AttentionPlan(batch, queryTile: queryTile)
        var tableStart: [Int32] = [], tables: [Int32] = []
        for table in batch.blockTables {
            tableStart.append(Int32(tables.count))
            tables.append(contentsOf: table)
        }
        let buffers = try [tables, tableStart, batch.sequenceOfToken, batch.positions, plan.tileFirst, plan.tileCount,
                           plan.splitBase].map { try gpu.upload($0) }
        let inputs = AttentionInputs(tables: buffers[0].address, tableStart: buffers[1].address,
                                     sequenceOfToken: buffers[2].address, positions: buffers[3].address,
                                     tileFirst: buffers[4].address, tileCount: buffers[5].address, splitBase: buffers[6].address)
        let acc = try gpu.zeros(plan.slots * heads * headDim, of: Float.self)
        let maxima = try gpu.zeros(plan.slots * heads, of: Float.self), sums = try gpu.zeros(plan.slots * heads, of: Float.self)
        let q = try gpu.upload(query), out = try gpu.zeros(batch.tokens.count * heads * headDim, of: Float.self)
        try gpu.kernels.attentionPartial.allowSharedMemory(
            AttentionPlan.sharedBytes(queryTile: queryTile, group: heads / kvHeads, headDim: headDim))
        try gpu.kernels.attention(query: q.address, cache: cache, layer: layer, plan: plan, inputs: inputs,
                                  queryTile: queryTile, heads: heads, kvHeads: kvHeads, headDim: headDim,
                                  partials: AttentionPartials(acc: acc.address, max: maxima.address, sum: sums.address),
                                  out: out.address, tokens: batch.tokens.count, on: gpu.stream)
        return try gpu.download(out, count: batch.tokens.count * heads * headDim, as: Float.self)
    }

    /// Bound: |o − o₆₄| ≤ 2⁻¹⁴·max|v| per value. Scores have |s| ≤ 8 here (q, k in [−1, 1], 64
    /// dimensions, scale 1/8) and a float dot product of 64 terms errs by at most 65·2⁻²⁴·8 <
    /// 2⁻¹⁵, which moves each softmax weight by a relative 2⁻¹⁵; expf, the sums and the combine add
    /// a few ulps. The CPU engine's kernel meets the same bound, so the two agree within twice it.
    /// And each token's output is bit-identical when it is computed alone (a decode tile of one).
    func testAttentionMatchesFloat64AcrossSplitsAndIsInvariant() throws {
        let gpu = try GPUFixture.get()
        var random = SeededGenerator(seed: 31)
        let kvDim = Self.kvHeads * Self.headDim, blocks = 64
        let cache = try DeviceKVCache(context: gpu.context, layers: Self.layers, blockSize: Self.blockSize, kvDim: kvDim,
                                      deviceBlocks: blocks, hostBlocks: 0, peer: nil)
        let halves = (0..<cache.blockStride * blocks).map { _ -> UInt16 in
            var value = Float.random(in: -1...1, using: &random), bits: UInt16 = 0
            bs_f32_to_f16(Int32(BS_ISA_PORTABLE), &value, &bits, 1)
            return bits
        }
        try gpu.upload(halves, into: cache.device)
        let shuffled = (0..<Int32(blocks)).shuffled(using: &random)
        let tables = [Array(shuffled[0..<41]), Array(shuffled[41..<60]), Array(shuffled[60..<61])]
        let batch = Self.batch(tables: tables)
        let dim = Self.heads * Self.headDim
        let query = RandomWeights.floats(batch.tokens.count * dim, using: &random)
        let got = try Self.attend(gpu, batch, cache: cache, query: query)

        func cached(_ sequence: Int, _ position: Int, head: Int, value: Bool) -> [Float] {
            let block = Int(tables[sequence][position / Self.blockSize])
            let base = block * cache.blockStride + cache.layerOffset(Self.layer) + (value ? Self.blockSize * kvDim : 0)
                + position % Self.blockSize * kvDim + head * Self.headDim
            return halves[base ..< base + Self.headDim].map { bits in
                var bits = bits, value: Float = 0
                bs_f16_to_f32(Int32(BS_ISA_PORTABLE), &bits, &value, 1)
                return value
            }
        }
        // The CPU engine's layout of the layer: block-major slices of this layer's keys and values.
        var cpuKeys: [UInt16] = [], cpuValues: [UInt16] = []
        for block in 0..<blocks {
            let base = block * cache.blockStride + cache.layerOffset(Self.layer), side = Self.blockSize * kvDim
            cpuKeys += halves[base ..< base + side]
            cpuValues += halves[base + side ..< base + 2 * side]
        }
        let scale = 1 / Double(Self.headDim).squareRoot(), group = Self.heads / Self.kvHeads
        for t in batch.tokens.indices {
            let sequence = Int(batch.sequenceOfToken[t]), positions = Int(batch.positions[t]) + 1
            var cpu = [Float](repeating: 0, count: dim)
            let tokenQuery = Array(query[t * dim ..< (t + 1) * dim])
            bs_attention(Int32(BS_ISA_PORTABLE), tokenQuery, Int32(Self.heads), Int32(Self.kvHeads), Int32(Self.headDim),
                         cpuKeys, cpuValues, tables[sequence], Int32(Self.blockSize), Int64(positions), Float(scale), &cpu)
            for head in 0..<Self.heads {
                let q = tokenQuery[head * Self.headDim ..< (head + 1) * Self.headDim]
                var scores = (0..<positions).map { p in
                    zip(q, cached(sequence, p, head: head / group, value: false)).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } * scale
                }
                let top = scores.max()!
                scores = scores.map { exp($0 - top) }
                let total = scores.reduce(0, +)
                var expected = [Double](repeating: 0, count: Self.headDim)
                for p in 0..<positions {
                    for (d, v) in cached(sequence, p, head: head / group, value: true).enumerated() {
                        expected[d] += scores[p] / total * Double(v)
                    }
                }
                for d in 0..<Self.headDim {
                    let value = Double(got[t * dim + head * Self.headDim + d])
                    XCTAssertLessThanOrEqual(abs(value - expected[d]), 0x1p-14, "token \(t) head \(head) dimension \(d) (seed 31)")
                    XCTAssertLessThanOrEqual(abs(value - Double(cpu[head * Self.headDim + d])), 0x1p-13,
                                             "token \(t) head \(head) dimension \(d): GPU against the CPU engine (seed 31)")
                }
            }
        }
        for t in batch.tokens.indices {
            var alone = ForwardBatch()
            alone.tokens = [0]
            alone.positions = [batch.positions[t]]
            alone.sequenceOfToken = [0]
            alone.blockTables = [tables[Int(batch.sequenceOfToken[t])]]
            let single = try Self.attend(gpu, alone, cache: cache, query: Array(query[t * dim ..< (t + 1) * dim]))
            XCTAssertEqual(single.map(\.bitPattern), got[t * dim ..< (t + 1) * dim].map(\.bitPattern), "token \(t) alone")
        }
    }
}
