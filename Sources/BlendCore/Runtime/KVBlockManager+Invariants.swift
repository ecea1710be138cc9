extension KVBlockManager {
    /// Checks the accounting with `precondition` (a test and debugging aid): every device block's
    /// reference count equals the number of device tables holding it; every unheld block is
    /// exactly one of free (and not cached) or evictable (and either cached or kept unkeyed), no
    /// held block is either, and in-use, free and evictable blocks add up to the pool; the
    /// eviction list's links are
    /// consistent; every cached block's key is the hash of its parent key and stored tokens; every
    /// host block is free or held by exactly one swapped-out sequence; nothing is cached with
    /// `prefixCaching` off.
    /// - Complexity: O(capacity.deviceBlocks × capacity.blockSize + capacity.hostBlocks + total
    ///   table length).
    public func checkInvariants() {
        var references = [Int32](repeating: 0, count: capacity.deviceBlocks)
        var hostHeld = [Bool](repeating: false, count: capacity.hostBlocks)
        for (sequence, record) in sequences.records {
            precondition(record.chainedBlocks <= record.blocks.count, "sequence \(sequence) chained past its table")
            if record.isOnHost {
                for block in record.blocks {
                    precondition(!hostHeld[Int(block)], "host block \(block) is held twice")
                    hostHeld[Int(block)] = true
                }
            } else {
                for block in record.blocks { references[Int(block)] += 1 }
            }
        }
        for block in references.indices {
            precondition(
                references[block] == referenceCounts[block],
                "device block \(block) has reference count \(referenceCounts[block]) but \(references[block]) tables")
        }

        var unheld = [Bool](repeating: false, count: capacity.deviceBlocks)
        for block in freeBlocks {
            precondition(!unheld[Int(block)], "device block \(block) is free twice")
            precondition(references[Int(block)] == 0, "device block \(block) is free and referenced")
            precondition(!prefixCache.isCached(block) && !unkeyed[Int(block)], "device block \(block) is free and cached")
            unheld[Int(block)] = true
        }
        for block in evictable.checkedOrder() {
            precondition(!unheld[Int(block)], "device block \(block) is both free and evictable")
            precondition(references[Int(block)] == 0, "device block \(block) is evictable and referenced")
            precondition(prefixCache.isCached(block) != unkeyed[Int(block)], "device block \(block) is evictable but not cached, or both cached and unkeyed")
            unheld[Int(block)] = true
        }
        for block in unkeyed.indices where unkeyed[block] {
            precondition(unheld[block] && references[block] == 0, "device block \(block) is unkeyed but not evictable")
        }
        let inUse = references.reduce(0) { $0 + ($1 > 0 ? 1 : 0) }
        precondition(
            inUse + freeBlocks.count + evictable.count == capacity.deviceBlocks,
            "in-use, free and evictable device blocks do not add up to the pool")

        prefixCache.checkInvariants()
        precondition(prefixCaching || prefixCache.count == 0, "blocks cached with prefix caching off")

        for block in freeHostBlocks {
            precondition(!hostHeld[Int(block)], "host block \(block) is free and held, or free twice")
            hostHeld[Int(block)] = true
        }
        precondition(hostHeld.allSatisfy { $0 }, "a host block is neither free nor held")
    }
}
