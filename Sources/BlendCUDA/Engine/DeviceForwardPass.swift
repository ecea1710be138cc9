import BlendCPU

/// Runs the model over one batch of tokens on the GPU, reading and writing the paged KV cache,
/// and samples a token for each of the batch's logit tokens.
///
/// The launches follow the CPU engine's forward pass (`BlendCPU.ForwardPass`) step for step: embed,
/// then per layer RMSNorm, Q/K/V (+ biases), rotary embedding, KV write, attention, output
/// projection, residual, RMSNorm, gated FFN, residual; then the final norm of the logit tokens,
/// the logits and sampling. Every kernel reduces in a fixed order that depends only on the model
/// and on the token's own position (see the kernel files), so a token's result does not depend on
/// the rest of the batch.
final class DeviceForwardPass {
    let config: LlamaConfig
    let weights: DeviceWeights
    let kernels: KernelSet
    let stream: CUDAStream
    /// Tokens one call may hold.
    let maxTokens: Int
    /// Logit rows one call may sample.
    let maxLogits: Int
    private let context: CUDAContext
    private let queryTile: Int
    private let sampleCapacity: Int
    private let x, normed, query, key, value, attention, gate, up, ropeTable: DeviceBuffer
    private let logits, sampleScratch, sampled: DeviceBuffer
    private var partialAcc, partialMax, partialSum: DeviceBuffer
    private let sampledHost: PinnedHostBuffer
    private let staging: StepStaging

    /// Allocates the activations for batches of up to `maxTokens` tokens and `maxLogits` samples.
    /// - Throws: ``CUDAError`` when the device is out of memory.
    /// - Complexity: O(1) host work.
    init(config: LlamaConfig, weights: DeviceWeights, kernels: KernelSet, stream: CUDAStream, maxTokens: Int,
         maxLogits: Int) throws {
        let context = stream.context
        self.config = config
        self.weights = weights
        self.kernels = kernels
        self.stream = stream
        self.maxTokens = maxTokens
        self.maxLogits = maxLogits
        self.context = context
        let group = config.heads / config.kvHeads
        queryTile = AttentionPlan.queryTile(group: group, headDim: config.headDim)
        try kernels.attentionPartial.allowSharedMemory(
            AttentionPlan.sharedBytes(queryTile: queryTile, group: group, headDim: config.headDim))
        var capacity = 1
        while capacity < config.vocabularySize { capacity <<= 1 }
        sampleCapacity = capacity
        func floats(_ count: Int) throws -> DeviceBuffer { try DeviceBuffer(context: context, bytes: count * 4) }
        let dim = config.embeddingLength, kvDim = config.kvDim, ffn = config.feedForwardLength
        x = try floats(maxTokens * dim)
        normed = try floats(maxTokens * dim)
        query = try floats(maxTokens * dim)
        attention = try floats(maxTokens * dim)
        key = try floats(maxTokens * kvDim)
        value = try floats(maxTokens * kvDim)
        gate = try floats(maxTokens * ffn)
        up = try floats(maxTokens * ffn)
        ropeTable = try floats(maxTokens * config.ropeDimensions)
        logits = try floats(maxLogits * config.vocabularySize)
        sampleScratch = try DeviceBuffer(context: context, bytes: maxLogits * capacity * 4)
        sampled = try DeviceBuffer(context: context, bytes: maxLogits * 4)
        sampledHost = try PinnedHostBuffer(context: context, bytes: maxLogits * 4)
        let slots = maxTokens * 4 * config.heads
        partialAcc = try floats(slots * config.headDim)
        partialMax = try floats(slots)
        partialSum = try floats(slots)
        staging = try StepStaging(context: context, bytes: 1 << 20)
    }

    /// Runs `batch` over `cache` and returns the sampled token of each logit token, in order;
    /// `sampling` holds each one's temperature, top-k (0 for all), top-p and uniform draw.
    /// - Precondition: at most `maxTokens` tokens and `maxLogits` logit tokens, positions inside
    ///   the context and covered by the block tables (the engine checks).
    /// - Complexity: O(tokens × parameters + Σ positions attended × layers × dim) on the device.
    func run(_ batch: ForwardBatch, sampling: [Double], cache: DeviceKVCache) throws -> [Int32] {
        let c = config
        let count = batch.tokens.count, dim = c.embeddingLength
        let plan = AttentionPlan(batch, queryTile: queryTile)
        try reservePartials(slots: plan.slots)
        var slots: [Int32] = [], tableStart: [Int32] = [], tables: [Int32] = []
        for table in batch.blockTables {
            tableStart.append(Int32(tables.count))
            tables.append(contentsOf: table)
        }
        for t in 0..<count {
            let position = Int(batch.positions[t]), table = batch.blockTables[Int(batch.sequenceOfToken[t])]
            slots.append(table[position / cache.blockSize] * Int32(cache.blockSize) + Int32(position % cache.blockSize))
        }
        let staged = try staging.stage(
            [.int32(batch.tokens), .int32(batch.positions), .int32(batch.sequenceOfToken), .int32(slots),
             .int32(tables), .int32(tableStart), .int32(plan.tileFirst), .int32(plan.tileCount), .int32(plan.splitBase),
             .int32(batch.logitTokens.map(Int32.init)), .double(sampling)],
            on: stream)
        let (tokens, positions, sequenceOfToken, slotAddresses) = (staged[0], staged[1], staged[2], staged[3])
        let attentionInputs = AttentionInputs(tables: staged[4], tableStart: staged[5], sequenceOfToken: sequenceOfToken,
                                              positions: positions, tileFirst: staged[6], tileCount: staged[7],
                                              splitBase: staged[8])
        let (logitRows, parameters) = (staged[9], staged[10])

        try kernels.embed(weights.embedding, tokens: tokens, count: count, out: x.address, on: stream)
        try kernels.ropeTable(positions: positions, count: count, dimensions: c.ropeDimensions, base: c.ropeFrequencyBase,
                              table: ropeTable.address, on: stream)
        for (index, layer) in weights.layers.enumerated() {
            try rmsNorm(x.address, rows: 0, layer.attentionNorm, count)
            try project(layer.query, normed, into: query, bias: layer.queryBias, count)
            try project(layer.key, normed, into: key, bias: layer.keyBias, count)
            try project(layer.value, normed, into: value, bias: layer.valueBias, count)
            let neox = c.ropeLayout == .neox
            try kernels.ropeApply(values: query.address, count: count, heads: c.heads, headDim: c.headDim,
                                  dimensions: c.ropeDimensions, neox: neox, table: ropeTable.address, on: stream)
            try kernels.ropeApply(values: key.address, count: count, heads: c.kvHeads, headDim: c.headDim,
                                  dimensions: c.ropeDimensions, neox: neox, table: ropeTable.address, on: stream)
            try kernels.kvWrite(keys: key.address, values: value.address, slots: slotAddresses, count: count, cache: cache,
                                layer: index, on: stream)
            try attend(layer: index, cache: cache, plan: plan, inputs: attentionInputs, count)
            try project(layer.attentionOutput, attention, into: normed, bias: nil, count)
            try kernels.addResidual(x: x.address, delta: normed.address, count: count * dim, on: stream)
            try rmsNorm(x.address, rows: 0, layer.ffnNorm, count)
            try project(layer.gate, normed, into: gate, bias: nil, count)
            try project(layer.up, normed, into: up, bias: nil, count)
            try kernels.siluGate(gate: gate.address, up: up.address, count: count * c.feedForwardLength, on: stream)
            try project(layer.down, gate, into: normed, bias: nil, count)
            try kernels.addResidual(x: x.address, delta: normed.address, count: count * dim, on: stream)
        }
        let rows = batch.logitTokens.count
        guard rows > 0 else {
            try stream.synchronize()
            return []
        }
        try rmsNorm(x.address, rows: logitRows, weights.outputNorm, rows)
        try kernels.matmul(weights.output, x: normed.address, xStride: dim, tokens: rows, y: logits.address,
                           yStride: c.vocabularySize, on: stream)
        try kernels.sample(logits: logits.address, vocabulary: c.vocabularySize, parameters: parameters,
                           scratch: sampleScratch.address, capacity: sampleCapacity, tokens: sampled.address, rows: rows,
                           on: stream)
        try sampled.download(into: UnsafeMutableRawBufferPointer(start: sampledHost.pointer, count: rows * 4), on: stream)
        try stream.synchronize()
        return Array(UnsafeBufferPointer(start: sampledHost.pointer.assumingMemoryBound(to: Int32.self), count: rows))
    }

    /// The logits of the last call that sampled: `rows × vocabularySize` floats, copied to the
    /// host.
    /// - Complexity: O(rows × vocabulary).
    func lastLogits(rows: Int) throws -> [Float] {
        var values = [Float](repeating: 0, count: rows * config.vocabularySize)
        try values.withUnsafeMutableBytes { try logits.download(into: $0, on: stream) }
        try stream.synchronize()
        return values
    }

    // MARK: Steps

    private func rmsNorm(_ input: UInt64, rows: UInt64, _ weight: UInt64, _ count: Int) throws {
        try kernels.rmsNorm(x: input, rows: rows, weight: weight, out: normed.address, width: config.embeddingLength,
                            count: count, epsilon: config.rmsEpsilon, on: stream)
    }

    /// out = W · input (+ bias) for `count` tokens.
    private func project(_ m: DeviceMatrix, _ input: DeviceBuffer, into out: DeviceBuffer, bias: UInt64?, _ count: Int) throws {
        try kernels.matmul(m, x: input.address, xStride: m.columns, tokens: count, y: out.address, yStride: m.rows, on: stream)
        if let bias {
            try kernels.addBias(rows: out.address, bias: bias, width: m.rows, count: count * m.rows, on: stream)
        }
    }

    /// attention = softmax(q kᵀ) v over each token's cached positions, all heads.
    private func attend(layer: Int, cache: DeviceKVCache, plan: AttentionPlan, inputs: AttentionInputs, _ count: Int) throws {
        let partials = AttentionPartials(acc: partialAcc.address, max: partialMax.address, sum: partialSum.address)
        try kernels.attention(query: query.address, cache: cache, layer: layer, plan: plan, inputs: inputs, queryTile: queryTile,
                              heads: config.heads, kvHeads: config.kvHeads, headDim: config.headDim, partials: partials,
                              out: attention.address, tokens: count, on: stream)
    }

    /// Grows the attention partials to hold `slots` slots of every head (after the previous step
    /// has finished with them: steps end synchronised).
    private func reservePartials(slots: Int) throws {
        let needed = slots * config.heads
        guard needed > partialMax.bytes / 4 else { return }
        let capacity = max(needed, 2 * partialMax.bytes / 4)
        partialAcc = try DeviceBuffer(context: context, bytes: capacity * config.headDim * 4)
        partialMax = try DeviceBuffer(context: context, bytes: capacity * 4)
        partialSum = try DeviceBuffer(context: context, bytes: capacity * 4)
    }
}
