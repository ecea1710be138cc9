/// The map from prefix-cache keys to device blocks behind ``BlockPrefixCache``: open addressing
/// with linear probing in one flat array of (key, block) slots, sized once for the most blocks
/// the cache can hold, at most half full.
///
/// The keys are already mixed 64-bit hashes (``BlockPrefixCache/key(parent:tokens:)``), so
/// their low bits pick the slot directly: no second hash, and a lookup reads one or two
/// neighbouring slots of 16 bytes where a `Dictionary` hashes the key again and reads its keys
/// and values from two arrays. Removal shifts the following slots of the cluster back, so no
/// tombstones accumulate.
struct BlockKeyTable: Sendable {
    private struct Slot: Sendable {
        var key: UInt64 = 0
        /// The block, or -1 for an empty slot.
        var block: Int32 = -1
    }

    private var slots: [Slot]
    private let mask: Int
    /// Entries held.
    private(set) var count = 0

    /// An empty table for up to `capacity` entries.
    /// - Complexity: O(capacity).
    init(capacity: Int) {
        var size = 2
        while size < 2 * max(capacity, 1) { size *= 2 }
        slots = [Slot](repeating: Slot(), count: size)
        mask = size - 1
    }

    @inline(__always)
    private func home(_ key: UInt64) -> Int { Int(truncatingIfNeeded: key) & mask }

    /// The slot holding `key`, else the empty slot that ends its probe sequence (as `found` false).
    @inline(__always)
    private func probe(_ key: UInt64) -> (slot: Int, found: Bool) {
        var slot = home(key)
        while slots[slot].block >= 0 {
            if slots[slot].key == key { return (slot, true) }
            slot = (slot + 1) & mask
        }
        return (slot, false)
    }

    /// The block stored under `key`, or `nil`.
    /// - Complexity: O(1) expected.
    subscript(key: UInt64) -> Int32? {
        let (slot, found) = probe(key)
        return found ? slots[slot].block : nil
    }

    /// Stores `block` under `key` unless the key is present; returns the block already stored
    /// under it (then nothing changes), else `nil`.
    /// - Precondition: the table holds fewer entries than its capacity.
    /// - Complexity: O(1) expected.
    mutating func insertIfAbsent(_ block: Int32, forKey key: UInt64) -> Int32? {
        precondition(block >= 0, "block ids are non-negative")
        let (slot, found) = probe(key)
        if found { return slots[slot].block }
        precondition(2 * (count + 1) <= slots.count, "the block key table is full")
        slots[slot] = Slot(key: key, block: block)
        count += 1
        return nil
    }

    /// Removes `key` and its block, if present.
    /// - Complexity: O(1) expected.
    mutating func removeValue(forKey key: UInt64) {
        var (hole, found) = probe(key)
        guard found else { return }
        count -= 1
        var next = hole
        while true {
            next = (next + 1) & mask
            guard slots[next].block >= 0 else { break }
            // An entry may fill the hole only if the hole lies on its probe path: between its
            // home slot and where it sits now, cyclically.
            let distanceToHole = (hole - home(slots[next].key)) & mask
            let distanceToSlot = (next - home(slots[next].key)) & mask
            if distanceToHole < distanceToSlot {
                slots[hole] = slots[next]
                hole = next
            }
        }
        slots[hole] = Slot()
    }
}

extension BlockKeyTable: Equatable {
    /// Whether both tables map the same keys to the same blocks (whatever their slots' order).
    /// - Complexity: O(slots).
    static func == (lhs: BlockKeyTable, rhs: BlockKeyTable) -> Bool {
        lhs.count == rhs.count && lhs.slots.allSatisfy { $0.block < 0 || rhs[$0.key] == $0.block }
    }
}
