/// The merge rules of a byte-level BPE vocabulary, keyed by the pair of token ids they join.
///
/// The rank of a rule is its index in `tokenizer.ggml.merges` (lower merges first). Each key packs
/// the left id in the high 32 bits and the right id in the low 32 bits; each value packs the rank
/// in the high 32 bits and the merged token's id in the low 32 bits.
struct MergeTable: Sendable {
    private let rules: [UInt64: UInt64]

    /// Builds the table from rules with their ranks. A pair listed twice keeps its lowest rank.
    /// - Complexity: O(r) in the number of rules.
    init(_ ranked: [(rank: Int, left: Int32, right: Int32, merged: Int32)]) {
        var rules: [UInt64: UInt64] = [:]
        rules.reserveCapacity(ranked.count)
        for rule in ranked {
            let value = UInt64(rule.rank) << 32 | UInt64(UInt32(bitPattern: rule.merged))
            rules[Self.key(rule.left, rule.right)] = min(value, rules[Self.key(rule.left, rule.right)] ?? .max)
        }
        self.rules = rules
    }

    @inline(__always)
    private static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    /// The rule joining `left` and `right`, as `rank << 32 | merged`, or nil.
    /// - Complexity: O(1) expected.
    @inline(__always)
    func rule(_ left: Int32, _ right: Int32) -> UInt64? {
        rules[Self.key(left, right)]
    }
}
