import BlendCPU

/// How one step's attention is cut into work: query tiles (consecutive tokens of one sequence
/// that share each staged tile of keys and values) and per-token splits of the KV positions,
/// as `attention.cu` takes them.
struct AttentionPlan {
    /// Positions per split. Part of every result's definition (the combine adds the splits in
    /// order), so it never changes with the batch.
    static let split = 256
    /// Positions per tile, one per lane of a warp (TILE in attention.cu).
    static let tile = 32
    /// (query, head) pairs one warp carries (MAX_PAIRS in attention.cu).
    static let pairsPerWarp = 4
    /// Head dimensions one lane carries at most (MAX_DIMS in attention.cu): head_dim <= 256.
    static let maxDimsPerLane = 8
    /// Warps per block at most (the kernel's launch bound is 512 threads).
    static let maxWarps = 16

    /// First token of each tile.
    var tileFirst: [Int32] = []
    /// Tokens of each tile.
    var tileCount: [Int32] = []
    /// Per token, its first partial slot (its splits follow).
    var splitBase: [Int32] = []
    /// Partial slots of all tokens (each holds `heads` heads).
    var slots = 0
    /// The most splits of any tile (the grid's second dimension).
    var maxSplits = 0
    /// The most tokens of any tile.
    var maxTileTokens = 0

    /// Plans `batch` with tiles of at most `queryTile` tokens.
    /// - Complexity: O(tokens).
    init(_ batch: ForwardBatch, queryTile: Int) {
        var t = 0
        while t < batch.tokens.count {
            var end = t + 1
            while end < batch.tokens.count, end - t < queryTile, batch.sequenceOfToken[end] == batch.sequenceOfToken[t],
                  batch.positions[end] == batch.positions[end - 1] + 1 {
                end += 1
            }
            tileFirst.append(Int32(t))
            tileCount.append(Int32(end - t))
            maxTileTokens = max(maxTileTokens, end - t)
            maxSplits = max(maxSplits, Self.splits(position: Int(batch.positions[end - 1])))
            t = end
        }
        for position in batch.positions {
            splitBase.append(Int32(slots))
            slots += Self.splits(position: Int(position))
        }
    }

    /// Splits of a query at `position` (it attends to positions 0 ... position).
    static func splits(position: Int) -> Int { (position + split) / split }

    /// The largest query tile (8, 4, 2 or 1) whose block fits 48 KiB of shared memory and the
    /// warps' pair slots.
    static func queryTile(group: Int, headDim: Int) -> Int {
        for tile in [8, 4, 2, 1] where sharedBytes(queryTile: tile, group: group, headDim: headDim) <= 48 * 1024
            && tile * group <= maxWarps * pairsPerWarp {
            return tile
        }
        return 1
    }

    /// Dynamic shared memory of one block: the tile's queries (floats), one tile of keys (padded
    /// rows of halves) and one of values.
    static func sharedBytes(queryTile: Int, group: Int, headDim: Int) -> Int {
        queryTile * group * headDim * 4 + tile * (headDim + 2) * 2 + tile * headDim * 2
    }
}

/// The device addresses of a step's attention inputs (see attention.cu).
struct AttentionInputs {
    var tables, tableStart, sequenceOfToken, positions, tileFirst, tileCount, splitBase: UInt64
}

/// The device addresses of the attention partials: per slot and head, the weighted sum of values
/// (`headDim` floats), the running maximum and the sum of weights.
struct AttentionPartials {
    var acc, max, sum: UInt64
}
