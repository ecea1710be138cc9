/// The tokens of one engine step, flattened for the forward pass: each token's id, position and
/// sequence, the sequences' block tables, and which tokens need logits.
struct ForwardBatch {
    /// Token ids, one per computed position.
    var tokens: [Int32] = []
    /// Each token's position in its sequence.
    var positions: [Int32] = []
    /// Each token's sequence, an index into `blockTables`.
    var sequenceOfToken: [Int32] = []
    /// One block table per sequence.
    var blockTables: [[Int32]] = []
    /// Tokens whose logits are computed (the last token of each sampling sequence), in order.
    var logitTokens: [Int] = []

    /// Empties the batch, keeping its storage.
    /// - Complexity: O(1) amortised.
    mutating func removeAll() {
        tokens.removeAll(keepingCapacity: true)
        positions.removeAll(keepingCapacity: true)
        sequenceOfToken.removeAll(keepingCapacity: true)
        blockTables.removeAll(keepingCapacity: true)
        logitTokens.removeAll(keepingCapacity: true)
    }
}
