import BlendCore
import BlendCPU
@testable import BlendCUDA
import CBlendCPU
import Foundation
import XCTest

/// RMSNorm, rotary embedding, the KV write, the FFN activation and the element-wise kernels against
/// the CPU engine's formulas (ForwardPass), on random inputs. Needs a GPU.
final class VectorKernelTests: XCTestCase {
    /// The CPU engine's RMSNorm of one row.
    static func rmsNorm(_ x: ArraySlice<Float>, _ weights: [Float], epsilon: Float) -> [Float] {
        var sum = 0.0
        for v in x { sum += Double(v * v) }
        let scale = Float(1 / (sum / Double(weights.count) + Double(epsilon)).squareRoot())
        return zip(x, weights).map { $0 * scale * $1 }
    }

    /// Bound: 2⁻²² relative (two ulps). The squares are summed in double in another order than the
    /// CPU's, which moves the double sum by far less than one float ulp; the rest is the same
    /// arithmetic. Also checks the gather of selected rows (the logits' path).
    func testRMSNormMatchesTheCPUFormula() throws {
        let gpu = try GPUFixture.get()
        var random = SeededGenerator(seed: 21)
        let width = 576, rows = 5, epsilon: Float = 1e-5
        let x = RandomWeights.floats(rows * width, in: -3...3, using: &random)
        let weights = RandomWeights.floats(width, in: 0.5...1.5, using: &random)
        let xBuffer = try gpu.upload(x), wBuffer = try gpu.upload(weights)
        let selected: [Int32] = [4, 1]
        let selectedBuffer = try gpu.upload(selected)
        for (rowsAddress, count) in [(UInt64(0), rows), (selectedBuffer.address, selected.count)] {
            let out = try gpu.zeros(count * width, of: Float.self)
            try gpu.kernels.rmsNorm(x: xBuffer.address, rows: rowsAddress, weight: wBuffer.address, out: out.address,
                                    width: width, count: count, epsilon: epsilon, on: gpu.stream)
            let got = try gpu.download(out, count: count * width, as: Float.self)
            for i in 0..<count {
                let source = rowsAddress == 0 ? i : Int(selected[i])
                let expected = Self.rmsNorm(x[source * width ..< (source + 1) * width], weights, epsilon: epsilon)
                for c in 0..<width {
                    XCTAssertLessThanOrEqual(abs(got[i * width + c] - expected[c]), 0x1p-22 * abs(expected[c]),
                                             "row \(i) column \(c) (seed 21)")
                }
            }
        }
    }

    /// The table: cos and sin computed in double by the device's libm and rounded to float, within
    /// one ulp of the host's. The rotation: given the same table, the CPU formula's bits exactly,
    /// in both pair layouts.
    func testRopeMatchesTheCPUFormulaInBothLayouts() throws {
        let gpu = try GPUFixture.get()
        var random = SeededGenerator(seed: 22)
        let positions: [Int32] = [0, 1, 17, 255, 256, 4095, 70000]
        let heads = 3, headDim = 64, dimensions = 48, base = 10_000.0, pairs = dimensions / 2
        let positionBuffer = try gpu.upload(positions)
        let table = try gpu.zeros(positions.count * dimensions, of: Float.self)
        try gpu.kernels.ropeTable(positions: positionBuffer.address, count: positions.count, dimensions: dimensions,
                                  base: base, table: table.address, on: gpu.stream)
        let gotTable = try gpu.download(table, count: positions.count * dimensions, as: Float.self)
        for (t, position) in positions.enumerated() {
            for i in 0..<pairs {
                let angle = Double(position) * pow(base, -2 * Double(i) / Double(dimensions))
                for (k, expected) in [Float(cos(angle)), Float(sin(angle))].enumerated() {
                    let got = gotTable[t * dimensions + 2 * i + k]
                    XCTAssertLessThanOrEqual(abs(got - expected), max(expected.ulp, Float.leastNormalMagnitude),
                                             "position \(position) pair \(i)")
                }
            }
        }
        for neox in [false, true] {
            let values = RandomWeights.floats(positions.count * heads * headDim, using: &random)
            let buffer = try gpu.upload(values)
            try gpu.kernels.ropeApply(values: buffer.address, count: positions.count, heads: heads, headDim: headDim,
                                      dimensions: dimensions, neox: neox, table: table.address, on: gpu.stream)
            let got = try gpu.download(buffer, count: values.count, as: Float.self)
            var expected = values
            let (stride, partner) = neox ? (1, pairs) : (2, 1)
            for t in positions.indices {
                for head in 0..<heads {
                    let row = (t * heads + head) * headDim
                    for i in 0..<pairs {
                        let cosine = gotTable[t * dimensions + 2 * i], sine = gotTable[t * dimensions + 2 * i + 1]
                        let a = row + i * stride, b = a + partner
                        let x0 = values[a], x1 = values[b]
                        expected[a] = x0 * cosine - x1 * sine
                        expected[b] = x0 * sine + x1 * cosine
                    }
                }
            }
            XCTAssertEqual(got.map(\.bitPattern), expected.map(\.bitPattern), "neox \(neox)")
        }
    }

    /// Exact: the halves of the CPU engine's round-to-nearest-even conversion, each in its slot
    /// of the block-major cache; slots not written stay as they were.
    func testKVWriteStoresTheCPUEnginesHalvesInTheirSlots() throws {
        let gpu = try GPUFixture.get()
        var random = SeededGenerator(seed: 23)
        let layers = 3, blockSize = 4, kvDim = 64, blocks = 5, tokens = 6
        let cache = try DeviceKVCache(context: gpu.context, layers: layers, blockSize: blockSize, kvDim: kvDim,
                                      deviceBlocks: blocks, hostBlocks: 0, peer: nil)
        try gpu.upload([UInt16](repeating: 0, count: cache.blockStride * blocks), into: cache.device)
        let keys = RandomWeights.floats(tokens * kvDim, in: -70000...70000, using: &random)
        let values = RandomWeights.floats(tokens * kvDim, in: -1e-6...1e-6, using: &random)
        let slots: [Int32] = [19, 0, 7, 8, 13, 2]
        let k = try gpu.upload(keys), v = try gpu.upload(values), s = try gpu.upload(slots)
        try gpu.kernels.kvWrite(keys: k.address, values: v.address, slots: s.address, count: tokens, cache: cache, layer: 2,
                                on: gpu.stream)
        let got = try gpu.download(cache.device, count: cache.blockStride * blocks, as: UInt16.self)
        var expected = [UInt16](repeating: 0, count: got.count)
        for (t, slot) in slots.enumerated() {
            let base = Int(slot) / blockSize * cache.blockStride + cache.layerOffset(2) + Int(slot) % blockSize * kvDim
            for (side, source) in [keys, values].enumerated() {
                source.withUnsafeBufferPointer { source in
                    expected.withUnsafeMutableBufferPointer { expected in
                        bs_f32_to_f16(Int32(BS_ISA_PORTABLE), source.baseAddress! + t * kvDim,
                                      expected.baseAddress! + base + side * blockSize * kvDim, Int64(kvDim))
                    }
                }
            }
        }
        XCTAssertEqual(got, expected)
    }

    /// Bound: 2⁻²¹ relative (four ulps): the device's expf is within two ulps, the host's within one.
    func testSiluGateMatchesTheCPUFormula() throws {
        let gpu = try GPUFixture.get()
        var random = SeededGenerator(seed: 24)
        let gate = RandomWeights.floats(10_000, in: -20...20, using: &random), up = RandomWeights.floats(10_000, using: &random)
        let g = try gpu.upload(gate), u = try gpu.upload(up)
        try gpu.kernels.siluGate(gate: g.address, up: u.address, count: gate.count, on: gpu.stream)
        let got = try gpu.download(g, count: gate.count, as: Float.self)
        for i in gate.indices {
            let expected = gate[i] / (1 + exp(-gate[i])) * up[i]
            XCTAssertLessThanOrEqual(abs(got[i] - expected), 0x1p-21 * abs(expected) + Float.leastNormalMagnitude, "value \(i)")
        }
    }

    /// Exact: one float addition per value.
    func testBiasAndResidualAreOneAddition() throws {
        let gpu = try GPUFixture.get()
        var random = SeededGenerator(seed: 25)
        let width = 48, rows = 7
        let x = RandomWeights.floats(width * rows, using: &random), delta = RandomWeights.floats(width * rows, using: &random)
        let bias = RandomWeights.floats(width, using: &random)
        let xBuffer = try gpu.upload(x), deltaBuffer = try gpu.upload(delta), biasBuffer = try gpu.upload(bias)
        try gpu.kernels.addBias(rows: xBuffer.address, bias: biasBuffer.address, width: width, count: x.count, on: gpu.stream)
        try gpu.kernels.addResidual(x: xBuffer.address, delta: deltaBuffer.address, count: x.count, on: gpu.stream)
        let got = try gpu.download(xBuffer, count: x.count, as: Float.self)
        XCTAssertEqual(got.map(\.bitPattern), x.indices.map { (x[$0] + bias[$0 % width] + delta[$0]).bitPattern })
    }
}
