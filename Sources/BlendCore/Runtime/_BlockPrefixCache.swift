/// The prefix cache over full KV blocks, as a hash chain (vLLM's automatic prefix caching).
///
/// A block's key is `key(parent key, the block's tokens)`, where the parent key is the key of
/// the block before it in the sequence (``rootKey`` for the first block), so a key stands for
/// the whole token prefix that ends with the block. A ``BlockKeyTable`` maps each key to the one
/// device block cached under it. Per block, in flat arrays indexed by block id, the cache keeps its key,
/// its parent key and a copy of its tokens; a lookup succeeds only when the stored tokens and
/// parent key equal the query's, so two blocks whose keys collide can never be confused.
/// (Two different whole prefixes with equal 64-bit keys could still be, with a probability of
/// about 2⁻⁶⁴ per pair.)
struct BlockPrefixCache: Sendable, Equatable {
    /// The parent key of a sequence's first block (the FNV-1a offset basis).
    static let rootKey: UInt64 = 0xCBF2_9CE4_8422_2325

    /// Tokens per block.
    let blockSize: Int
    private var blocksByKey: BlockKeyTable
    private var keys: [UInt64]
    private var parentKeys: [UInt64]
    private var cached: [Bool]
    /// `blockSize` tokens per block, block `b` at `b * blockSize`.
    private var tokens: [Int32]

    /// An empty cache over device blocks `0 ..< blocks`.
    /// - Complexity: O(blocks × blockSize).
    init(blocks: Int, blockSize: Int) {
        self.blockSize = blockSize
        blocksByKey = BlockKeyTable(capacity: blocks)
        keys = Array(repeating: 0, count: blocks)
        parentKeys = Array(repeating: 0, count: blocks)
        cached = Array(repeating: false, count: blocks)
        tokens = Array(repeating: 0, count: blocks * blockSize)
    }

    /// The key of a block holding `tokens` after the prefix keyed `parent`: FNV-1a over the
    /// 32-bit token words starting from the parent key, finished with the SplitMix64 mix so
    /// that every input bit reaches every output bit.
    /// - Complexity: O(tokens.count).
    static func key(parent: UInt64, tokens: some Collection<Int32>) -> UInt64 {
        var hash = parent
        for token in tokens { hash = (hash ^ UInt64(UInt32(bitPattern: token))) &* 0x0000_0100_0000_01B3 }
        return SeededGenerator.mix(hash)
    }

    /// Blocks in the cache.
    var count: Int { blocksByKey.count }

    /// Whether `block` is in the cache.
    /// - Complexity: O(1).
    func isCached(_ block: Int32) -> Bool { cached[Int(block)] }


    /// The block cached under `key` if it holds exactly `tokens` after the prefix keyed
    /// `parentKey`; `nil` otherwise.
    /// - Complexity: O(blockSize) expected.
    func block(forKey key: UInt64, parentKey: UInt64, tokens query: some Collection<Int32>) -> Int32? {
        guard let block = blocksByKey[key], parentKeys[Int(block)] == parentKey else { return nil }
        var position = Int(block) * blockSize
        for token in query {
            guard tokens[position] == token else { return nil }
            position += 1
        }
        return block
    }

    /// Caches `block`, which holds `blockTokens` after the prefix keyed `parentKey`, under `key`,
    /// unless some block is cached under `key` already (then nothing changes).
    /// - Complexity: O(blockSize) expected; one hash lookup when `key` is new.
    mutating func insertIfAbsent(_ block: Int32, key: UInt64, parentKey: UInt64, tokens blockTokens: some Collection<Int32>) {
        assert(!cached[Int(block)])
        if blocksByKey.insertIfAbsent(block, forKey: key) != nil { return }
        keys[Int(block)] = key
        parentKeys[Int(block)] = parentKey
        cached[Int(block)] = true
        let start = Int(block) * blockSize
        tokens.replaceSubrange(start ..< start + blockSize, with: blockTokens)
    }

    /// Drops cached `block` from the cache.
    /// - Complexity: O(1) expected.
    mutating func remove(_ block: Int32) {
        assert(cached[Int(block)])
        blocksByKey.removeValue(forKey: keys[Int(block)])
        cached[Int(block)] = false
    }

    /// Checks with `precondition` that the dictionary and the per-block arrays agree, that every
    /// cached block's key is the hash of its parent key and stored tokens, and that no stored
    /// token is negative.
    /// - Complexity: O(blocks × blockSize).
    func checkInvariants() {
        var cachedBlocks = 0
        for block in cached.indices where cached[block] {
            cachedBlocks += 1
            let stored = tokens[block * blockSize ..< (block + 1) * blockSize]
            precondition(blocksByKey[keys[block]] == Int32(block), "cached block \(block) is not found by its key")
            precondition(
                Self.key(parent: parentKeys[block], tokens: stored) == keys[block],
                "cached block \(block)'s key is not the hash of its parent key and tokens")
            precondition(stored.allSatisfy { $0 >= 0 }, "cached block \(block) holds a negative token")
        }
        precondition(cachedBlocks == blocksByKey.count, "the key table names uncached blocks")
    }
}
