/// The per-sequence records of a ``KVBlockManager``, in an array indexed by sequence id (request
/// indices are small and dense), with the few dictionary operations the manager uses. Lookups
/// cost an array access instead of a hash, and `_modify` lets a record's table grow in place.
struct SequenceTable: Sendable, Equatable {
    private var slots: [SequenceBlocks?] = []

    /// The record of `sequence`, or `nil`.
    subscript(sequence: Int32) -> SequenceBlocks? {
        get { Int(sequence) < slots.count ? slots[Int(sequence)] : nil }
        _modify {
            if Int(sequence) >= slots.count {
                slots.append(contentsOf: repeatElement(nil, count: Int(sequence) + 1 - slots.count))
            }
            yield &slots[Int(sequence)]
        }
    }

    /// The block count of `sequence`'s table (0 without a record), read in place.
    func blockCount(_ sequence: Int32) -> Int {
        Int(sequence) < slots.count ? slots[Int(sequence)]?.blocks.count ?? 0 : 0
    }

    /// Whether `sequence` has a record on the device, read in place.
    func isOnDevice(_ sequence: Int32) -> Bool {
        Int(sequence) < slots.count && slots[Int(sequence)].map { !$0.isOnHost } ?? false
    }

    /// The chained positions of `sequence` in blocks when it is on the device with an open chain,
    /// else -1, read in place.
    func openChainBlocks(_ sequence: Int32) -> Int {
        guard Int(sequence) < slots.count, slots[Int(sequence)] != nil, !slots[Int(sequence)]!.isOnHost,
              slots[Int(sequence)]!.chainIsOpen else { return -1 }
        return slots[Int(sequence)]!.chainedBlocks
    }

    /// Removes and returns the record of `sequence`, moving it out (its block table stays
    /// uniquely referenced, so the caller can change it in place).
    mutating func removeValue(forKey sequence: Int32) -> SequenceBlocks? {
        guard Int(sequence) < slots.count else { return nil }
        return slots[Int(sequence)].take()
    }

    /// Every record with its sequence id.
    var records: [(sequence: Int32, record: SequenceBlocks)] {
        slots.enumerated().compactMap { index, record in record.map { (Int32(index), $0) } }
    }
}
