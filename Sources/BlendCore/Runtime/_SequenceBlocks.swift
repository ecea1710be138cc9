/// What ``KVBlockManager`` records about one sequence: its block table and how far the prefix
/// cache has followed it.
struct SequenceBlocks: Sendable, Equatable {
    /// The block table: device block ids, or host block ids while ``isOnHost``.
    var blocks: [Int32]
    /// Whether the sequence is swapped out to the host tier.
    var isOnHost = false
    /// Leading blocks whose keys are chained: matched at admission or seen by a commit.
    var chainedBlocks: Int
    /// The key of the prefix made of the first ``chainedBlocks`` blocks.
    var chainKey: UInt64
    /// False once a commit met a block that can never be cached (one holding a negative token);
    /// no later block of the sequence is cached then, since no lookup can get past that block.
    var chainIsOpen = true
}
