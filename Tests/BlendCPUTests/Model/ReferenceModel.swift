import Foundation
@testable import BlendCPU

/// A float64 Llama forward pass written for clarity, not speed: no KV cache, no paging, no
/// batching. Each call recomputes the whole sequence. The engine's outputs are checked against it.
struct ReferenceModel {
    struct Layer {
        var attentionNorm, ffnNorm: [Double]
        var query, key, value, attentionOutput, gate, up, down: [[Double]]
        var queryBias, keyBias, valueBias: [Double]?
    }

    let config: LlamaConfig
    let embedding: [[Double]]
    let layers: [Layer]
    let outputNorm: [Double]
    let output: [[Double]]

    /// Dequantises every weight of `file` in float64.
    init(file: GGUFFile) throws {
        func tensor(_ name: String) -> GGUFTensorInfo? { file.tensor(named: name) }
        func matrix(_ name: String) -> [[Double]] {
            let info = tensor(name)!
            let values = ReferenceDequantizer.dequantize(info.type, Array(file.bytes(of: info)), count: info.elementCount)
            return (0..<info.rowCount).map { Array(values[$0 * info.rowLength ..< ($0 + 1) * info.rowLength]) }
        }
        func vector(_ name: String) -> [Double] { matrix(name)[0] }
        func bias(_ name: String) -> [Double]? { tensor(name) == nil ? nil : vector(name) }
        let embeddingInfo = tensor("token_embd.weight")!
        config = try LlamaConfig(metadata: file.metadata, source: file.path, vocabularyRows: embeddingInfo.dimensions[1])
        embedding = matrix("token_embd.weight")
        layers = (0..<config.layers).map { i in
            let p = "blk.\(i)."
            return Layer(attentionNorm: vector(p + "attn_norm.weight"), ffnNorm: vector(p + "ffn_norm.weight"),
                         query: matrix(p + "attn_q.weight"), key: matrix(p + "attn_k.weight"),
                         value: matrix(p + "attn_v.weight"), attentionOutput: matrix(p + "attn_output.weight"),
                         gate: matrix(p + "ffn_gate.weight"), up: matrix(p + "ffn_up.weight"), down: matrix(p + "ffn_down.weight"),
                         queryBias: bias(p + "attn_q.bias"), keyBias: bias(p + "attn_k.bias"), valueBias: bias(p + "attn_v.bias"))
        }
        outputNorm = vector("output_norm.weight")
        output = tensor("output.weight") == nil ? embedding : matrix("output.weight")
    }

    /// The logits after every position of `tokens`. With `halfKV`, keys and values are rounded
    /// to IEEE halves as the engine's KV cache stores them (everything else stays float64).
    func logits(_ tokens: [Int32], halfKV: Bool = false) -> [[Double]] {
        func store(_ x: [Double]) -> [Double] { halfKV ? x.map { Double(Float16($0)) } : x }
        let c = config
        var x = tokens.map { embedding[Int($0)] }
        for layer in layers {
            let h = x.map { rmsNorm($0, layer.attentionNorm) }
            let q = h.enumerated().map { rope(affine(layer.query, $0.element, layer.queryBias), heads: c.heads, position: $0.offset) }
            let k = h.enumerated().map { store(rope(affine(layer.key, $0.element, layer.keyBias), heads: c.kvHeads, position: $0.offset)) }
            let v = h.map { store(affine(layer.value, $0, layer.valueBias)) }
            for t in tokens.indices {
                var attended = [Double](repeating: 0, count: c.embeddingLength)
                for head in 0..<c.heads {
                    let kvHead = head / (c.heads / c.kvHeads)
                    let qh = q[t][head * c.headDim ..< (head + 1) * c.headDim]
                    let scores = (0...t).map { p in
                        zip(qh, k[p][kvHead * c.headDim ..< (kvHead + 1) * c.headDim]).reduce(0) { $0 + $1.0 * $1.1 } / Double(c.headDim).squareRoot()
                    }
                    let top = scores.max()!
                    let weights = scores.map { Foundation.exp($0 - top) }
                    let total = weights.reduce(0, +)
                    for p in 0...t {
                        for d in 0..<c.headDim {
                            attended[head * c.headDim + d] += weights[p] / total * v[p][kvHead * c.headDim + d]
                        }
                    }
                }
                x[t] = zip(x[t], multiply(layer.attentionOutput, attended)).map(+)
            }
            for t in tokens.indices {
                let h = rmsNorm(x[t], layer.ffnNorm)
                let gate = multiply(layer.gate, h), up = multiply(layer.up, h)
                let hidden = zip(gate, up).map { $0 / (1 + Foundation.exp(-$0)) * $1 }
                x[t] = zip(x[t], multiply(layer.down, hidden)).map(+)
            }
        }
        return x.map { multiply(output, rmsNorm($0, outputNorm)) }
    }

    private func multiply(_ w: [[Double]], _ x: [Double]) -> [Double] {
        w.map { row in zip(row, x).reduce(0) { $0 + $1.0 * $1.1 } }
    }

    private func affine(_ w: [[Double]], _ x: [Double], _ bias: [Double]?) -> [Double] {
        let product = multiply(w, x)
        guard let bias else { return product }
        return zip(product, bias).map(+)
    }

    private func rmsNorm(_ x: [Double], _ weights: [Double]) -> [Double] {
        let scale = 1 / (x.reduce(0) { $0 + $1 * $1 } / Double(x.count) + Double(config.rmsEpsilon)).squareRoot()
        return zip(x, weights).map { $0 * scale * $1 }
    }

    private func rope(_ x: [Double], heads: Int, position: Int) -> [Double] {
        let c = config, pairs = c.ropeDimensions / 2
        var out = x
        for head in 0..<heads {
            for i in 0..<pairs {
                let angle = Double(position) * Foundation.pow(c.ropeFrequencyBase, -2 * Double(i) / Double(c.ropeDimensions))
                let a = head * c.headDim + (c.ropeLayout == .adjacent ? 2 * i : i)
                let b = a + (c.ropeLayout == .adjacent ? 1 : pairs)
                out[a] = x[a] * cos(angle) - x[b] * sin(angle)
                out[b] = x[a] * sin(angle) + x[b] * cos(angle)
            }
        }
        return out
    }
}
