/// Typed launches of the engine's kernels: grid and block shapes as each kernel file documents.
extension KernelSet {
    /// Threads per block of the element-wise kernels.
    private static let elementThreads = 256

    private static func blocks(_ count: Int, _ threads: Int = elementThreads) -> Int { (count + threads - 1) / threads }

    /// out[t] = embedding row tokens[t], for `count` tokens.
    func embed(_ m: DeviceMatrix, tokens: UInt64, count: Int, out: UInt64, on stream: CUDAStream) throws {
        var a = KernelArguments()
        a.pointer(m.address); a.int64(m.rowBytes); a.int32(m.columns); a.pointer(tokens); a.pointer(out)
        try embed[m.type]!.launch(grid: (count, 1, 1), block: (128, 1, 1), on: stream, a)
    }

    /// y[t] = W · x[t] for `tokens` tokens (rows `xStride` and `yStride` floats apart).
    func matmul(_ m: DeviceMatrix, x: UInt64, xStride: Int, tokens: Int, y: UInt64, yStride: Int,
                on stream: CUDAStream) throws {
        var a = KernelArguments()
        a.pointer(m.address); a.int64(m.rowBytes); a.int32(m.columns); a.int32(m.rows)
        a.pointer(x); a.int32(xStride); a.int32(tokens); a.pointer(y); a.int32(yStride)
        try matmul[m.type]!.launch(grid: ((m.rows + 3) / 4, (tokens + 7) / 8, 1), block: (128, 1, 1), on: stream, a)
    }

    /// RMSNorm of `count` rows of `width` (row rows[i] of x when `rows` is not 0).
    func rmsNorm(x: UInt64, rows: UInt64, weight: UInt64, out: UInt64, width: Int, count: Int, epsilon: Float,
                 on stream: CUDAStream) throws {
        var a = KernelArguments()
        a.pointer(x); a.pointer(rows); a.pointer(weight); a.pointer(out); a.int32(width); a.float(epsilon)
        try rmsNorm.launch(grid: (count, 1, 1), block: (256, 1, 1), on: stream, a)
    }

    /// cos/sin table of `count` tokens' positions.
    func ropeTable(positions: UInt64, count: Int, dimensions: Int, base: Double, table: UInt64,
                   on stream: CUDAStream) throws {
        var a = KernelArguments()
        a.pointer(positions); a.int32(count); a.int32(dimensions / 2); a.int32(dimensions); a.double(base); a.pointer(table)
        try ropeTable.launch(grid: (Self.blocks(count * dimensions / 2), 1, 1), block: (Self.elementThreads, 1, 1), on: stream, a)
    }

    /// Rotates `heads` heads of `count` tokens in place.
    func ropeApply(values: UInt64, count: Int, heads: Int, headDim: Int, dimensions: Int, neox: Bool, table: UInt64,
                   on stream: CUDAStream) throws {
        var a = KernelArguments()
        a.pointer(values); a.int32(count); a.int32(heads); a.int32(headDim); a.int32(dimensions / 2); a.int32(neox ? 1 : 0)
        a.pointer(table)
        try ropeApply.launch(grid: (Self.blocks(count * heads * dimensions / 2), 1, 1), block: (Self.elementThreads, 1, 1),
                             on: stream, a)
    }

    /// Writes `count` tokens' keys and values into their cache slots of one layer.
    func kvWrite(keys: UInt64, values: UInt64, slots: UInt64, count: Int, cache: DeviceKVCache, layer: Int,
                 on stream: CUDAStream) throws {
        var a = KernelArguments()
        a.pointer(keys); a.pointer(values); a.pointer(slots); a.int32(count); a.int32(cache.kvDim)
        a.pointer(cache.device.address); a.int64(cache.blockStride); a.int64(cache.layerOffset(layer)); a.int32(cache.blockSize)
        try kvWrite.launch(grid: (Self.blocks(count * cache.kvDim), 1, 1), block: (Self.elementThreads, 1, 1), on: stream, a)
    }

    /// out = softmax(q kᵀ / √headDim) v over each of `tokens` tokens' cached positions in one layer,
    /// all heads: the partials of every split, then their combination in split order.
    func attention(query: UInt64, cache: DeviceKVCache, layer: Int, plan: AttentionPlan, inputs: AttentionInputs,
                   queryTile: Int, heads: Int, kvHeads: Int, headDim: Int, partials: AttentionPartials, out: UInt64,
                   tokens: Int, on stream: CUDAStream) throws {
        let group = heads / kvHeads
        let warps = min(AttentionPlan.maxWarps, plan.maxTileTokens * group)
        var a = KernelArguments()
        a.pointer(query); a.pointer(cache.device.address); a.int64(cache.blockStride); a.int64(cache.layerOffset(layer))
        a.int32(cache.blockSize); a.int32(cache.kvDim); a.pointer(inputs.tables); a.pointer(inputs.tableStart)
        a.pointer(inputs.sequenceOfToken); a.pointer(inputs.positions); a.pointer(inputs.tileFirst)
        a.pointer(inputs.tileCount); a.int32(queryTile); a.pointer(inputs.splitBase); a.int32(AttentionPlan.split)
        a.int32(heads); a.int32(kvHeads); a.int32(headDim); a.float(1 / Float(headDim).squareRoot())
        a.pointer(partials.acc); a.pointer(partials.max); a.pointer(partials.sum)
        try attentionPartial.launch(
            grid: (plan.tileFirst.count, plan.maxSplits, kvHeads), block: (32 * warps, 1, 1),
            sharedBytes: AttentionPlan.sharedBytes(queryTile: queryTile, group: group, headDim: headDim), on: stream, a)
        var b = KernelArguments()
        b.pointer(partials.acc); b.pointer(partials.max); b.pointer(partials.sum)
        b.pointer(inputs.splitBase); b.pointer(inputs.positions); b.int32(AttentionPlan.split); b.int32(heads)
        b.int32(headDim); b.pointer(out)
        try attentionCombine.launch(grid: (tokens, heads, 1), block: (32, 1, 1), on: stream, b)
    }

    /// gate = silu(gate) · up over `count` values.
    func siluGate(gate: UInt64, up: UInt64, count: Int, on stream: CUDAStream) throws {
        var a = KernelArguments()
        a.pointer(gate); a.pointer(up); a.int64(count)
        try siluGate.launch(grid: (Self.blocks(count), 1, 1), block: (Self.elementThreads, 1, 1), on: stream, a)
    }

    /// rows += bias, row by row, over `count` values.
    func addBias(rows: UInt64, bias: UInt64, width: Int, count: Int, on stream: CUDAStream) throws {
        var a = KernelArguments()
        a.pointer(rows); a.pointer(bias); a.int32(width); a.int64(count)
        try addBias.launch(grid: (Self.blocks(count), 1, 1), block: (Self.elementThreads, 1, 1), on: stream, a)
    }

    /// x += delta over `count` values.
    func addResidual(x: UInt64, delta: UInt64, count: Int, on stream: CUDAStream) throws {
        var a = KernelArguments()
        a.pointer(x); a.pointer(delta); a.int64(count)
        try addResidual.launch(grid: (Self.blocks(count), 1, 1), block: (Self.elementThreads, 1, 1), on: stream, a)
    }

    /// Samples one token per row of `rows` logit rows (sampling.cu's rule).
    func sample(logits: UInt64, vocabulary: Int, parameters: UInt64, scratch: UInt64, capacity: Int, tokens: UInt64,
                rows: Int, on stream: CUDAStream) throws {
        var a = KernelArguments()
        a.pointer(logits); a.int32(vocabulary); a.pointer(parameters); a.pointer(scratch); a.int32(capacity); a.pointer(tokens)
        try sampleTokens.launch(grid: (rows, 1, 1), block: (1024, 1, 1), on: stream, a)
    }
}
