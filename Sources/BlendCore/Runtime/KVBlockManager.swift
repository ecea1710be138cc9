/// The scheduler's account of an engine's paged KV cache: the block table of every sequence,
/// reference counts, a prefix cache over full blocks with LRU eviction, and an optional host tier
/// that parks swapped-out sequences.
///
/// The engine owns the storage; this value only decides which block ids hold what. Sequences are
/// named by their request index. Every device block is in exactly one state:
/// - **in use**: some block table holds it; its reference count is the number of tables that do
///   (a block of a shared prefix is held by every sequence that matched it);
/// - **evictable**: cached but held by no table; its KV stays valid for later hits, and it joins
///   an LRU list from which allocation takes blocks only when no free block is left;
/// - **free**: neither held nor cached.
///
/// The prefix cache covers full blocks only and works as a hash chain: a block's 64-bit key hashes
/// its parent block's key with its own tokens, so it stands for the whole prefix ending with the
/// block. A hit needs the key, the parent key and the stored tokens to match, so blocks with
/// colliding keys are never confused (only two whole prefixes with equal keys could be, with a
/// probability of about 2⁻⁶⁴ per pair). A block holding a negative token (a placeholder for a
/// token the engine never reported) is never cached, and neither is any later block of that
/// sequence.
///
/// The verbs follow nano-vllm's block manager: ``admit(_:tokens:reserving:)`` gives a sequence
/// its first table, ``grow(_:toCover:)`` extends it, ``commit(_:tokens:computed:)`` caches the
/// full blocks it has computed, ``release(_:)`` drops it, and ``swapOut(_:)``/``swapIn(_:)`` move
/// it to the host tier and back. A failed operation (`nil`) changes nothing. Storage is flat
/// arrays indexed by block id; each operation costs O(blocks touched) and allocates nothing beyond
/// the arrays it returns (and the table of a sequence whose earlier table array the caller still
/// holds, which is copied on write).
///
/// Two managers are equal when their whole state is: tables, reference counts, cache contents,
/// free and eviction order, statistics.
public struct KVBlockManager: Sendable, Equatable {
    /// The engine capacity the pools were sized from (block size, device and host blocks).
    public let capacity: EngineCapacity
    /// Whether admissions match cached prefixes and commits cache full blocks.
    public let prefixCaching: Bool

    /// Tokens served from the prefix cache by successful admissions, in total.
    public private(set) var cachedTokensMatched = 0
    /// Tokens passed to successful admissions, in total (the denominator of the hit ratio).
    public private(set) var tokensAdmitted = 0
    /// Cached blocks dropped from the prefix cache to make room, in total.
    public private(set) var evictions = 0

    /// Per device block: the number of block tables holding it.
    var referenceCounts: [Int32]
    /// Unreferenced device blocks that are not cached, used as a stack.
    var freeBlocks: [Int32]
    /// Unreferenced cached device blocks, least recently released first.
    var evictable: EvictionList
    /// Per device block: evictable in the cache's order without a key
    /// (``release(_:keepingUnkeyed:)``).
    var unkeyed: [Bool]
    var prefixCache: BlockPrefixCache
    /// Host blocks no swapped-out sequence holds, used as a stack.
    var freeHostBlocks: [Int32]
    var sequences = SequenceTable()

    /// Creates a manager with every device and host block free and an empty prefix cache.
    /// Blocks are handed out in increasing id order until some are returned.
    /// - Complexity: O(capacity.deviceBlocks × capacity.blockSize + capacity.hostBlocks).
    public init(capacity: EngineCapacity, prefixCaching: Bool = true) {
        precondition(capacity.blockSize > 0, "block size must be positive")
        let blockIDs = 0 ... Int(Int32.max)
        precondition(
            blockIDs.contains(capacity.deviceBlocks) && blockIDs.contains(capacity.hostBlocks),
            "block counts must fit in Int32")
        self.capacity = capacity
        self.prefixCaching = prefixCaching
        referenceCounts = Array(repeating: 0, count: capacity.deviceBlocks)
        freeBlocks = (0 ..< Int32(capacity.deviceBlocks)).reversed()
        evictable = EvictionList(blocks: capacity.deviceBlocks)
        unkeyed = Array(repeating: false, count: capacity.deviceBlocks)
        prefixCache = BlockPrefixCache(blocks: capacity.deviceBlocks, blockSize: capacity.blockSize)
        freeHostBlocks = (0 ..< Int32(capacity.hostBlocks)).reversed()
    }

    // MARK: - Queries

    /// Device blocks an allocation can take now: free blocks plus evictable cached ones.
    /// - Complexity: O(1).
    public var availableDeviceBlocks: Int { freeBlocks.count + evictable.count }

    /// Device blocks held by at least one block table.
    /// - Complexity: O(1).
    public var deviceBlocksInUse: Int { capacity.deviceBlocks - availableDeviceBlocks }

    /// Whether `sequence` has a block table on the device (admitted and neither released nor
    /// swapped out).
    /// - Complexity: O(1) expected.
    public func hasTable(_ sequence: Int32) -> Bool {
        sequences.isOnDevice(sequence)
    }

    /// The device block table of `sequence`, position `p` living in block `table[p / blockSize]`;
    /// empty when the sequence has none on the device.
    /// - Complexity: O(1) expected (the array is shared, not copied).
    public func blockTable(_ sequence: Int32) -> [Int32] {
        guard let record = sequences[sequence], !record.isOnHost else { return [] }
        return record.blocks
    }

    /// Length of the block table of `sequence` (device or host), 0 when it has none.
    /// - Complexity: O(1), without copying the table.
    public func tableLength(_ sequence: Int32) -> Int {
        sequences.blockCount(sequence)
    }

    /// Blocks `sequence` must gain for its table to cover positions `0 ..< tokens`: 0 when it
    /// already does; counted from an empty table for a sequence without one, and from its host
    /// table's length for a swapped-out one. Use it to plan multi-step decode spans.
    /// - Complexity: O(1) expected.
    public func blocksNeeded(_ sequence: Int32, toCover tokens: Int) -> Int {
        let held = sequences.blockCount(sequence)
        guard tokens > held * capacity.blockSize else { return 0 }
        return capacity.blocks(forTokens: tokens) - held
    }

    // MARK: - Sequence operations

    /// Gives `sequence`, which has no table, its first block table: the longest cached prefix of
    /// `tokens` (its known tokens: the prompt, plus the tokens generated before a preemption),
    /// then new blocks until the table covers `max(reservedTokens, cachedTokens)` positions.
    ///
    /// The match walks `tokens` block by block and stops at the first block that is not cached
    /// (or once the admission is bound to fail for want of blocks).
    /// It reuses at most `tokens.count - 1` tokens, rounded down to whole blocks, because the
    /// last token must be computed to get logits: when the whole prompt is cached, its last full
    /// block is computed again. The matched blocks gain a reference (leaving the eviction list if
    /// they were on it); new blocks come from the free blocks first, then by evicting the least
    /// recently used cached blocks. With `prefixCaching` off nothing is matched.
    ///
    /// - Returns: the number of positions already in the cache (a multiple of the block size)
    ///   and the whole table, or `nil`, changing nothing, when too few blocks are available.
    /// - Precondition: `sequence` has no table, on the device or the host.
    /// - Complexity: O(tokens.count + table length) expected.
    public mutating func admit(
        _ sequence: Int32, tokens: ArraySlice<Int32>, reserving reservedTokens: Int
    ) -> (cachedTokens: Int, blocks: [Int32])? {
        precondition(sequences[sequence] == nil, "sequence \(sequence) already has a block table")
        var (blocks, chainKey, evictableHits) = cachedBlocks(of: tokens, evictableLimit: availableDeviceBlocks)
        blocks.reserveCapacity(max(blocks.count, capacity.blocks(forTokens: reservedTokens)))
        let size = capacity.blockSize
        let hits = blocks.count
        let cachedTokens = hits * size
        let newBlocks = capacity.blocks(forTokens: max(reservedTokens, cachedTokens)) - hits
        guard newBlocks <= availableDeviceBlocks - evictableHits else { return nil }

        for block in blocks { retain(block) }
        for _ in 0 ..< newBlocks { blocks.append(allocate()) }
        sequences[sequence] = SequenceBlocks(blocks: blocks, chainedBlocks: hits, chainKey: chainKey)
        cachedTokensMatched += cachedTokens
        tokensAdmitted += tokens.count
        return (cachedTokens, blocks)
    }

    /// Positions of `tokens` an admission would find in the prefix cache now (a multiple of the
    /// block size, at most `tokens.count - 1`), without changing anything: what SGLang's
    /// longest-prefix-match policy sorts by.
    /// - Complexity: O(tokens.count) expected.
    public func cachedPrefixLength(of tokens: ArraySlice<Int32>) -> Int {
        cachedBlocks(of: tokens).blocks.count * capacity.blockSize
    }

    /// Walks the hash chain over `tokens` block by block: the cached blocks of its longest cached
    /// prefix (capped so the last token is computed), the chain key after them, and how many of
    /// them are evictable (unreferenced). The walk stops early once more than `evictableLimit`
    /// hits are evictable: an admission must take those blocks on top of its new ones, so with
    /// `availableDeviceBlocks` as the limit it fails whatever the rest of the walk finds (a
    /// preempted sequence whose released blocks are still cached is offered again every step
    /// while memory is short, and need not hash its whole context each time).
    private func cachedBlocks(
        of tokens: ArraySlice<Int32>, evictableLimit: Int = .max
    ) -> (blocks: [Int32], chainKey: UInt64, evictableHits: Int) {
        let size = capacity.blockSize
        let reusableBlocks = prefixCaching ? max(tokens.count - 1, 0) / size : 0
        var blocks: [Int32] = []
        var chainKey = BlockPrefixCache.rootKey
        var evictableHits = 0
        tokens.withUnsafeBufferPointer { tokens in
            var start = 0
            while blocks.count < reusableBlocks {
                let blockTokens = tokens[start ..< start + size]
                let key = BlockPrefixCache.key(parent: chainKey, tokens: blockTokens)
                guard let block = prefixCache.block(forKey: key, parentKey: chainKey, tokens: blockTokens) else { break }
                if referenceCounts[Int(block)] == 0 {
                    evictableHits += 1
                    if evictableHits > evictableLimit { break }
                }
                blocks.append(block)
                chainKey = key
                start += size
            }
        }
        return (blocks, chainKey, evictableHits)
    }

    /// Appends blocks to the table of `sequence` until it covers positions `0 ..< tokens`.
    /// - Returns: the appended block ids (empty when the table already covers `tokens`), or `nil`,
    ///   changing nothing, when too few blocks are available.
    /// - Precondition: `sequence` has a table on the device.
    /// - Complexity: O(blocks appended) expected, plus a copy of the table if the caller still
    ///   holds an array returned for it earlier.
    public mutating func grow(_ sequence: Int32, toCover tokens: Int) -> [Int32]? {
        precondition(hasTable(sequence), "sequence \(sequence) has no block table on the device")
        let needed = blocksNeeded(sequence, toCover: tokens)
        guard needed > 0 else { return [] }
        guard needed <= availableDeviceBlocks else { return nil }
        var appended: [Int32] = []
        appended.reserveCapacity(needed)
        for _ in 0 ..< needed { appended.append(allocate()) }
        sequences[sequence]!.blocks.append(contentsOf: appended)
        return appended
    }

    /// Appends `count` new blocks to the table of `sequence` in place, as ``grow(_:toCover:)``
    /// does without returning them.
    /// - Precondition: `sequence` has a table on the device and `count` blocks are available.
    /// - Complexity: O(count) expected.
    mutating func appendBlocks(_ sequence: Int32, count: Int) {
        for _ in 0 ..< count {
            let block = allocate()
            sequences[sequence]!.blocks.append(block)
        }
    }

    /// Drops the blocks at the end of the table of `sequence` that positions `0 ..< tokens` do
    /// not need: blocks reserved for a multi-step span that ended early. They hold no computed
    /// KV, so none is cached; each becomes free. Returns how many were dropped.
    /// - Precondition: `sequence` has a table on the device, and its blocks past `tokens` are not
    ///   chained into the prefix cache (`tokens` covers every committed position).
    /// - Complexity: O(blocks dropped).
    @discardableResult
    public mutating func shrink(_ sequence: Int32, toCover tokens: Int) -> Int {
        precondition(hasTable(sequence), "sequence \(sequence) has no block table on the device")
        let keep = (max(0, tokens) + capacity.blockSize - 1) / capacity.blockSize
        let length = tableLength(sequence)
        guard length > keep else { return 0 }
        precondition(sequences[sequence]!.chainedBlocks <= keep, "shrink would drop committed blocks of sequence \(sequence)")
        let dropped = sequences[sequence]!.blocks[keep...]
        sequences[sequence]!.blocks.removeLast(length - keep)
        for block in dropped.reversed() { dereference(block) }
        return length - keep
    }

    /// Records that positions `0 ..< computed` of `sequence` hold, or will hold by the end of the
    /// step being planned, the KV of `tokens[0 ..< computed]`, and caches every full block in that
    /// range that is not cached yet.
    ///
    /// A block is not cached when it holds a negative token (and then no later block of the
    /// sequence is), or when an identical block (same prefix) is already cached: the table keeps
    /// its own copy, which simply stays uncached and is freed with the table, while later
    /// admissions hit the block cached first. Tables are never rewritten.
    ///
    /// Call it while planning a step, for the positions that step computes: a sequence admitted
    /// later in the same plan then hits these blocks, so a shared prefix is computed once per step.
    /// That is safe because an engine writes every scheduled token's K/V before attention reads
    /// any (see ``ExecutionEngine``). With `prefixCaching` off it does nothing.
    ///
    /// `tokens` holds the sequence's tokens from `position` on; it must start at or before the
    /// first block not yet chained (``chainedPositions(_:)``), so a caller that commits as blocks
    /// fill need not rebuild the whole sequence each time.
    /// - Precondition: `sequence` has a table on the device covering `computed` positions,
    ///   `computed <= position + tokens.count`, and the tokens agree with those the sequence was
    ///   admitted with.
    /// - Complexity: O(tokens in newly full blocks) expected; O(1) when no block became full.
    public mutating func commit(_ sequence: Int32, tokens: ArraySlice<Int32>, startingAt position: Int = 0, computed: Int) {
        guard hasTable(sequence) else {
            preconditionFailure("sequence \(sequence) has no block table on the device")
        }
        let size = capacity.blockSize
        precondition(
            computed <= position + tokens.count && computed <= tableLength(sequence) * size,
            "commit of \(computed) positions beyond the tokens or the table of sequence \(sequence)")
        let fullBlocks = computed / size
        guard prefixCaching, sequences[sequence]!.chainIsOpen, sequences[sequence]!.chainedBlocks < fullBlocks else { return }
        var record = sequences.removeValue(forKey: sequence)!
        defer { sequences[sequence] = record }
        precondition(position <= record.chainedBlocks * size, "commit needs the tokens from position \(record.chainedBlocks * size)")

        tokens.withUnsafeBufferPointer { tokens in
            while record.chainedBlocks < fullBlocks {
                let start = record.chainedBlocks * size - position
                let blockTokens = tokens[start ..< start + size]
                if blockTokens.contains(where: { $0 < 0 }) {
                    record.chainIsOpen = false
                    break
                }
                let key = BlockPrefixCache.key(parent: record.chainKey, tokens: blockTokens)
                prefixCache.insertIfAbsent(
                    record.blocks[record.chainedBlocks], key: key, parentKey: record.chainKey, tokens: blockTokens)
                record.chainKey = key
                record.chainedBlocks += 1
            }
        }
    }

    /// Positions of `sequence` already followed by the prefix cache's hash chain (a multiple of
    /// the block size): a commit needs tokens only from there on. `nil` when the sequence has no
    /// device table, or when its chain stopped at a block that can never be cached.
    /// - Complexity: O(1) expected.
    public func chainedPositions(_ sequence: Int32) -> Int? {
        let blocks = sequences.openChainBlocks(sequence)
        return blocks < 0 ? nil : blocks * capacity.blockSize
    }

    /// Drops the table of `sequence` (finished, preempted or given up). Each block loses a
    /// reference; one that no table holds any more becomes evictable if cached, free otherwise.
    /// Blocks enter the eviction list from the end of the table backwards, so the deepest block,
    /// the least likely to be shared, is evicted first. A swapped-out sequence frees its host
    /// blocks. A sequence without a table is ignored.
    /// - Complexity: O(table length) expected.
    public mutating func release(_ sequence: Int32) {
        release(sequence, keepingUnkeyed: 0)
    }

    /// Drops the table of `sequence` as ``release(_:)`` does, after giving its full blocks from
    /// the end of its chain (``chainedPositions(_:)``) up to block `fullBlocks` the place in the
    /// eviction order that committing them would: they become evictable like cached blocks, but
    /// without a key, so no lookup finds them. For blocks whose tokens no other sequence can
    /// hold (a simulator's placeholders for tokens it never reported), this leaves every later
    /// allocation, eviction and hit as ``commit(_:tokens:startingAt:computed:)`` then
    /// ``release(_:)`` would, without hashing them. Nothing is kept with prefix caching off or
    /// when the chain has stopped.
    /// - Complexity: O(table length) expected.
    public mutating func release(_ sequence: Int32, keepingUnkeyed fullBlocks: Int) {
        guard let record = sequences.removeValue(forKey: sequence) else { return }
        let unkeyedEnd = min(fullBlocks, record.blocks.count)
        if prefixCaching, !record.isOnHost, record.chainIsOpen, unkeyedEnd > record.chainedBlocks {
            for block in record.blocks[record.chainedBlocks ..< unkeyedEnd] { unkeyed[Int(block)] = true }
        }
        if record.isOnHost {
            freeHostBlocks.append(contentsOf: record.blocks.reversed())
        } else {
            for block in record.blocks.reversed() { dereference(block) }
        }
    }

    // MARK: - Block states

    /// Adds a reference to a cached block a sequence matched, taking it off the eviction list if
    /// nothing held it.
    private mutating func retain(_ block: Int32) {
        if referenceCounts[Int(block)] == 0 { evictable.remove(block) }
        referenceCounts[Int(block)] += 1
    }

    /// Removes a reference; a block left unheld becomes evictable (cached) or free.
    mutating func dereference(_ block: Int32) {
        referenceCounts[Int(block)] -= 1
        guard referenceCounts[Int(block)] == 0 else { return }
        if prefixCache.isCached(block) || unkeyed[Int(block)] { evictable.append(block) } else { freeBlocks.append(block) }
    }

    /// Takes a block for a new table entry: a free one if any, else the least recently used
    /// evictable one, which leaves the cache. The caller has checked availability.
    mutating func allocate() -> Int32 {
        let block: Int32
        if let free = freeBlocks.popLast() {
            block = free
        } else {
            guard let oldest = evictable.popOldest() else { preconditionFailure("no device block available") }
            if unkeyed[Int(oldest)] { unkeyed[Int(oldest)] = false } else { prefixCache.remove(oldest) }
            evictions += 1
            block = oldest
        }
        referenceCounts[Int(block)] = 1
        return block
    }
}
