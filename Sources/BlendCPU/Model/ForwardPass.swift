import CBlendCPU
import Dispatch
import Foundation

/// Runs the model over one batch of tokens, reading and writing the paged KV cache, and leaves the
/// logits of the requested tokens in ``logits``.
///
/// The computation reads top to bottom: embed, then per layer RMSNorm, Q/K/V, rotary embedding, KV
/// write, attention, output projection, RMSNorm, gated FFN, and finally the output norm and the
/// logits. Every value a token gets depends only on that token, its position and the KV cache it
/// attends to, never on the rest of the batch or on how work is split across threads: matrix
/// products reduce each output in a fixed order (``bs_matmul``), attention sums positions in order,
/// and norms sum in index order. That is what makes outputs batch-invariant.
final class ForwardPass {
    let model: LlamaModel
    let cache: KVCacheStorage
    let isa: Int32
    let threads: Int
    /// Tokens one call may hold.
    let maxTokens: Int

    private var x: [Float]
    private var normed: [Float]
    private var query: [Float]
    private var key: [Float]
    private var value: [Float]
    private var attention: [Float]
    private var gate: [Float]
    private var up: [Float]
    private var ropeTable: [Float]
    /// The rotation frequency of each dimension pair: `base^(-2i / ropeDimensions)`.
    private let ropeFrequencies: [Double]
    private var keyHalves: [UInt16]
    /// `logitTokens.count × vocabularySize` logits of the last call.
    private(set) var logits: [Float]

    /// Allocates the scratch for batches of up to `maxTokens` tokens and `maxLogits` logit rows.
    /// - Complexity: O(maxTokens × (dim + ffn) + maxLogits × vocabulary).
    init(model: LlamaModel, cache: KVCacheStorage, isa: Int32, threads: Int, maxTokens: Int, maxLogits: Int) {
        let c = model.config
        self.model = model
        self.cache = cache
        self.isa = isa
        self.threads = max(1, threads)
        self.maxTokens = maxTokens
        x = [Float](repeating: 0, count: maxTokens * c.embeddingLength)
        normed = x
        query = x
        attention = x
        key = [Float](repeating: 0, count: maxTokens * c.kvDim)
        value = key
        gate = [Float](repeating: 0, count: maxTokens * c.feedForwardLength)
        up = gate
        ropeTable = [Float](repeating: 0, count: maxTokens * c.ropeDimensions)
        ropeFrequencies = (0..<c.ropeDimensions / 2).map { pow(c.ropeFrequencyBase, -2 * Double($0) / Double(c.ropeDimensions)) }
        keyHalves = [UInt16](repeating: 0, count: 2 * c.kvDim)
        logits = [Float](repeating: 0, count: maxLogits * c.vocabularySize)
    }

    /// Runs `batch` through the model.
    /// - Precondition: at most `maxTokens` tokens, every position below the model's context
    ///   length, and each sequence's block table covering its positions (the engine checks).
    /// - Complexity: O(tokens × parameters + Σ positions attended × layers × dim).
    func run(_ batch: ForwardBatch) {
        let c = model.config
        let count = batch.tokens.count
        let dim = c.embeddingLength
        x.withUnsafeMutableBufferPointer { x in
            for t in 0..<count {
                model.embedding.dequantizeRow(Int(batch.tokens[t]), into: x.baseAddress! + t * dim)
            }
        }
        fillRopeTable(batch)
        for layer in model.layers.indices {
            attentionBlock(layer, batch)
            feedForwardBlock(layer, count)
        }
        computeLogits(batch)
    }

    // MARK: Layers

    private func attentionBlock(_ index: Int, _ batch: ForwardBatch) {
        let c = model.config, layer = model.layers[index]
        let count = batch.tokens.count, dim = c.embeddingLength, kvDim = c.kvDim
        rmsNorm(&normed, from: x, weights: layer.attentionNorm, rows: count)
        matmul(layer.query, normed, &query, count)
        matmul(layer.key, normed, &key, count)
        matmul(layer.value, normed, &value, count)
        addBias(layer.queryBias, to: &query, count)
        addBias(layer.keyBias, to: &key, count)
        addBias(layer.valueBias, to: &value, count)
        applyRope(&query, heads: c.heads, count)
        applyRope(&key, heads: c.kvHeads, count)
        let keys = cache.keys(layer: index), values = cache.values(layer: index)
        let blockSize = cache.blockSize
        for t in 0..<count {
            let position = Int(batch.positions[t])
            let table = batch.blockTables[Int(batch.sequenceOfToken[t])]
            let offset = (Int(table[position / blockSize]) * blockSize + position % blockSize) * kvDim
            key.withUnsafeBufferPointer { bs_f32_to_f16(isa, $0.baseAddress! + t * kvDim, keys + offset, Int64(kvDim)) }
            value.withUnsafeBufferPointer { bs_f32_to_f16(isa, $0.baseAddress! + t * kvDim, values + offset, Int64(kvDim)) }
        }
        let scale = 1 / Float(c.headDim).squareRoot()
        query.withUnsafeBufferPointer { query in
            attention.withUnsafeMutableBufferPointer { attention in
                let q = query.baseAddress!, out = attention.baseAddress!
                parallel(count) { range in
                    for t in range {
                        let table = batch.blockTables[Int(batch.sequenceOfToken[t])]
                        table.withUnsafeBufferPointer { table in
                            bs_attention(isa, q + t * dim, Int32(c.heads), Int32(c.kvHeads), Int32(c.headDim),
                                         keys, values, table.baseAddress!, Int32(blockSize),
                                         Int64(batch.positions[t]) + 1, scale, out + t * dim)
                        }
                    }
                }
            }
        }
        matmul(layer.attentionOutput, attention, &normed, count)
        addResidual(normed, count * dim)
    }

    private func feedForwardBlock(_ index: Int, _ count: Int) {
        let c = model.config, layer = model.layers[index]
        rmsNorm(&normed, from: x, weights: layer.ffnNorm, rows: count)
        matmul(layer.gate, normed, &gate, count)
        matmul(layer.up, normed, &up, count)
        let hidden = count * c.feedForwardLength
        gate.withUnsafeMutableBufferPointer { gate in
            up.withUnsafeBufferPointer { up in
                for i in 0..<hidden {
                    let g = gate[i]
                    gate[i] = g / (1 + exp(-g)) * up[i]
                }
            }
        }
        matmul(layer.down, gate, &normed, count)
        addResidual(normed, count * c.embeddingLength)
    }

    private func computeLogits(_ batch: ForwardBatch) {
        let dim = model.config.embeddingLength
        let rows = batch.logitTokens.count
        guard rows > 0 else { return }
        x.withUnsafeMutableBufferPointer { x in
            for (row, t) in batch.logitTokens.enumerated() where row != t {
                (x.baseAddress! + row * dim).update(from: x.baseAddress! + t * dim, count: dim)
            }
        }
        rmsNorm(&normed, from: x, weights: model.outputNorm, rows: rows)
        matmul(model.output, normed, &logits, rows)
    }

    // MARK: Kernels

    /// `out[t] = x[t] / rms(x[t]) · weights` for `rows` rows, summing squares in index order.
    private func rmsNorm(_ out: inout [Float], from x: [Float], weights: [Float], rows: Int) {
        let n = weights.count, epsilon = Double(model.config.rmsEpsilon)
        for row in 0..<rows {
            let base = row * n
            var sum = 0.0
            for i in 0..<n { sum += Double(x[base + i] * x[base + i]) }
            let scale = Float(1 / (sum / Double(n) + epsilon).squareRoot())
            for i in 0..<n { out[base + i] = x[base + i] * scale * weights[i] }
        }
    }

    /// `out[t] = W · input[t]` for `count` tokens, rows split across the threads.
    private func matmul(_ w: WeightMatrix, _ input: [Float], _ out: inout [Float], _ count: Int) {
        input.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { out in
                let x = input.baseAddress!, y = out.baseAddress!
                parallel(w.rows) { rows in
                    bs_matmul(isa, w.type.rawValue, w.base, Int64(w.columns), Int64(rows.lowerBound), Int64(rows.upperBound),
                              x, Int64(w.columns), Int64(count), y, Int64(w.rows))
                }
            }
        }
    }

    /// Adds `bias` to each of `count` rows, when the layer has one.
    private func addBias(_ bias: [Float]?, to rows: inout [Float], _ count: Int) {
        guard let bias else { return }
        for t in 0..<count {
            for i in bias.indices { rows[t * bias.count + i] += bias[i] }
        }
    }

    private func addResidual(_ delta: [Float], _ n: Int) {
        for i in 0..<n { x[i] += delta[i] }
    }

    /// cos and sin of every token's rotation angles, `ropeDimensions / 2` pairs each.
    private func fillRopeTable(_ batch: ForwardBatch) {
        let pairs = ropeFrequencies.count
        for t in batch.positions.indices {
            let position = Double(batch.positions[t])
            for i in 0..<pairs {
                let angle = position * ropeFrequencies[i]
                ropeTable[t * 2 * pairs + 2 * i] = Float(cos(angle))
                ropeTable[t * 2 * pairs + 2 * i + 1] = Float(sin(angle))
            }
        }
    }

    /// Rotates the first `ropeDimensions` of every head of every token.
    private func applyRope(_ values: inout [Float], heads: Int, _ count: Int) {
        let c = model.config, pairs = c.ropeDimensions / 2, headDim = c.headDim
        let (stride, partner) = c.ropeLayout == .adjacent ? (2, 1) : (1, pairs)
        for t in 0..<count {
            for head in 0..<heads {
                let base = (t * heads + head) * headDim
                for i in 0..<pairs {
                    let cosine = ropeTable[t * 2 * pairs + 2 * i], sine = ropeTable[t * 2 * pairs + 2 * i + 1]
                    let a = base + i * stride, b = a + partner
                    let x0 = values[a], x1 = values[b]
                    values[a] = x0 * cosine - x1 * sine
                    values[b] = x0 * sine + x1 * cosine
                }
            }
        }
    }

    /// Splits `0 ..< count` into one contiguous range per thread and runs `body` on each.
    private func parallel(_ count: Int, _ body: (Range<Int>) -> Void) {
        let parts = min(threads, count)
        guard parts > 1 else {
            if count > 0 { body(0..<count) }
            return
        }
        // Each part touches disjoint outputs; the closure only reads the shared inputs.
        nonisolated(unsafe) let body = body
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            body(count * part / parts ..< count * (part + 1) / parts)
        }
    }
}
