extension KVBlockManager {
    /// Host blocks no swapped-out sequence holds.
    /// - Complexity: O(1).
    public var availableHostBlocks: Int { freeHostBlocks.count }

    /// Whether `sequence` is parked in the host tier.
    /// - Complexity: O(1) expected.
    public func isSwappedOut(_ sequence: Int32) -> Bool {
        sequences[sequence]?.isOnHost ?? false
    }

    /// Moves `sequence` to the host tier: every block of its device table is copied to a host
    /// block of its own (shared and cached blocks too), then the device references are dropped
    /// as by ``release(_:)``, so cached blocks stay in the prefix cache as evictable blocks. The
    /// sequence keeps its place in the prefix cache's chain, so commits after ``swapIn(_:)`` go
    /// on caching where they stopped.
    /// - Returns: one `.deviceToHost` transfer per table block, in table order, for the plan's
    ///   transfers (the engine must run them before anything rewrites the released blocks,
    ///   which it does by running a plan's transfers in order before its steps); or for its
    ///   prefetches, when nothing allocates device blocks after the swap-out in the same plan
    ///   (the released blocks are then reused only by later plans, after the copy completed);
    ///   or `nil`, changing nothing, when the host tier lacks room.
    /// - Precondition: `sequence` has a table on the device.
    /// - Complexity: O(table length) expected.
    public mutating func swapOut(_ sequence: Int32) -> [BlockTransfer]? {
        precondition(hasTable(sequence), "sequence \(sequence) has no block table on the device")
        guard sequences[sequence]!.blocks.count <= freeHostBlocks.count else { return nil }
        var record = sequences.removeValue(forKey: sequence)!
        var transfers: [BlockTransfer] = []
        transfers.reserveCapacity(record.blocks.count)
        for index in record.blocks.indices {
            let host = freeHostBlocks.removeLast()
            transfers.append(BlockTransfer(.deviceToHost, source: record.blocks[index], destination: host))
            record.blocks[index] = host
        }
        for transfer in transfers.reversed() { dereference(transfer.source) }
        record.isOnHost = true
        sequences[sequence] = record
        return transfers
    }

    /// Brings swapped-out `sequence` back: allocates a device block per host block (free blocks
    /// first, then evicting the least recently used cached ones) and frees the host blocks. The
    /// new blocks are not cached, even where the prefix cache still holds the same content.
    /// - Returns: the new device table (for a plan entry that resets the engine's table) and one
    ///   `.hostToDevice` transfer per block, in table order, for the plan's transfers, or for its
    ///   prefetches when the sequence does not run in the same plan (a staged swap-in); or `nil`,
    ///   changing nothing, when too few device blocks are available.
    /// - Precondition: `sequence` is swapped out.
    /// - Complexity: O(table length) expected.
    public mutating func swapIn(_ sequence: Int32) -> (blocks: [Int32], transfers: [BlockTransfer])? {
        precondition(isSwappedOut(sequence), "sequence \(sequence) is not swapped out")
        guard sequences[sequence]!.blocks.count <= availableDeviceBlocks else { return nil }
        var record = sequences.removeValue(forKey: sequence)!
        var transfers: [BlockTransfer] = []
        transfers.reserveCapacity(record.blocks.count)
        for index in record.blocks.indices {
            let device = allocate()
            transfers.append(BlockTransfer(.hostToDevice, source: record.blocks[index], destination: device))
            record.blocks[index] = device
        }
        freeHostBlocks.append(contentsOf: transfers.reversed().lazy.map(\.source))
        record.isOnHost = false
        sequences[sequence] = record
        return (record.blocks, transfers)
    }
}
