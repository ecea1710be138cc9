/// The tokens of one engine step, flattened for a forward pass: each token's id, position and
/// sequence, the sequences' block tables, and which tokens need logits. ``RunningSequences``
/// builds it for the CPU engine and for other token-producing engines (the CUDA engine).
public struct ForwardBatch: Sendable {
    /// Token ids, one per computed position; a sequence's tokens are consecutive.
    public var tokens: [Int32] = []
    /// Each token's position in its sequence.
    public var positions: [Int32] = []
    /// Each token's sequence, an index into `blockTables`.
    public var sequenceOfToken: [Int32] = []
    /// One block table per sequence.
    public var blockTables: [[Int32]] = []
    /// Tokens whose logits are computed (the last token of each sampling sequence), in order.
    public var logitTokens: [Int] = []

    /// An empty batch.
    /// - Complexity: O(1).
    public init() {}

    /// Empties the batch, keeping its storage.
    /// - Complexity: O(1) amortised.
    public mutating func removeAll() {
        tokens.removeAll(keepingCapacity: true)
        positions.removeAll(keepingCapacity: true)
        sequenceOfToken.removeAll(keepingCapacity: true)
        blockTables.removeAll(keepingCapacity: true)
        logitTokens.removeAll(keepingCapacity: true)
    }
}
