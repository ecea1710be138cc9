/// The tokens of one engine step, flattened for the device forward pass: each token's id,
/// position and sequence, the sequences' block tables, and the tokens to sample after.
struct DeviceBatch {
    /// Token ids, one per computed position; a sequence's tokens are consecutive.
    var tokens: [Int32] = []
    /// Each token's position in its sequence.
    var positions: [Int32] = []
    /// Each token's sequence, an index into `blockTables`.
    var sequenceOfToken: [Int32] = []
    /// One block table per sequence.
    var blockTables: [[Int32]] = []
    /// Tokens whose logits are computed and sampled from (the last token of each sampling
    /// sequence), in order.
    var logitTokens: [Int32] = []
    /// Per sampled token: temperature, top-k (0 for all), top-p and the uniform draw.
    var sampling: [Double] = []

    /// Empties the batch, keeping its storage.
    /// - Complexity: O(1) amortised.
    mutating func removeAll() {
        tokens.removeAll(keepingCapacity: true)
        positions.removeAll(keepingCapacity: true)
        sequenceOfToken.removeAll(keepingCapacity: true)
        blockTables.removeAll(keepingCapacity: true)
        logitTokens.removeAll(keepingCapacity: true)
        sampling.removeAll(keepingCapacity: true)
    }
}
