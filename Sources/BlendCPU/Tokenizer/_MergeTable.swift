/// The merge rules of a byte-level BPE vocabulary, keyed by the pair of token ids they join.
///
/// The rank of a rule is its index in `tokenizer.ggml.merges` (lower merges first). Each key packs
/// the left id in the high 32 bits and the right id in the low 32 bits; each value packs the rank
/// in the high 32 bits and the merged token's id in the low 32 bits. Lookups are the hot path of
/// BPE, so the table is an open-addressing hash table with linear probing and a multiplicative
/// hash, at most half full, rather than a `Dictionary` (whose seeded SipHash costs more than the
/// rest of a lookup). Keys and values are interleaved so that a lookup touches one cache line.
struct MergeTable: Sendable {
    private static let emptyKey = UInt64.max
    /// Slot `i` holds its key at `2i` and its value at `2i + 1`.
    private let slots: [UInt64]
    private let mask: Int
    private let shift: UInt64

    /// Builds the table from rules with their ranks. A pair listed twice keeps its lowest rank.
    /// - Complexity: O(r) expected in the number of rules.
    init(_ ranked: [(rank: Int, left: Int32, right: Int32, merged: Int32)]) {
        var bits: UInt64 = 4
        while 1 << bits < 2 * ranked.count { bits += 1 }
        let mask = (1 << bits) - 1
        var slots = [UInt64](repeating: Self.emptyKey, count: 2 << bits)
        let shift = 64 - bits
        for rule in ranked {
            let key = Self.key(rule.left, rule.right)
            let value = UInt64(rule.rank) << 32 | UInt64(UInt32(bitPattern: rule.merged))
            var slot = Self.slot(key, shift)
            while slots[2 * slot] != Self.emptyKey && slots[2 * slot] != key { slot = (slot + 1) & mask }
            if slots[2 * slot] == key {
                slots[2 * slot + 1] = min(slots[2 * slot + 1], value)
            } else {
                slots[2 * slot] = key
                slots[2 * slot + 1] = value
            }
        }
        self.slots = slots
        self.mask = mask
        self.shift = shift
    }

    @inline(__always)
    private static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    @inline(__always)
    private static func slot(_ key: UInt64, _ shift: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// The rule joining `left` and `right`, as `rank << 32 | merged`, or nil.
    /// - Complexity: O(1) expected.
    @inline(__always)
    func rule(_ left: Int32, _ right: Int32) -> UInt64? {
        let key = Self.key(left, right)
        if key == Self.emptyKey { return nil }
        return slots.withUnsafeBufferPointer { slots in
            var slot = Self.slot(key, shift)
            while true {
                let found = slots[2 * slot]
                if found == key { return slots[2 * slot + 1] }
                if found == Self.emptyKey { return nil }
                slot = (slot + 1) & mask
            }
        }
    }
}
