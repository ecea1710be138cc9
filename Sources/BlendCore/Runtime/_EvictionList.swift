/// The least-recently-used order of evictable device blocks (cached blocks that no block table
/// references), oldest first.
///
/// An intrusive doubly-linked list threaded through two `Int32` arrays indexed by block id:
/// appending, removing any block and taking the oldest are O(1), and nothing is allocated after
/// `init`. A block that is not in the list has both links set to `unlisted`.
struct EvictionList: Sendable, Equatable {
    /// The link of a block that is not in the list.
    private static let unlisted: Int32 = -2
    /// The link past either end of the list.
    private static let end: Int32 = -1

    private var previous: [Int32]
    private var next: [Int32]
    private var head = end
    private var tail = end
    /// Blocks in the list.
    private(set) var count = 0

    /// An empty list over blocks `0 ..< blocks`.
    /// - Complexity: O(blocks).
    init(blocks: Int) {
        previous = Array(repeating: Self.unlisted, count: blocks)
        next = Array(repeating: Self.unlisted, count: blocks)
    }

    /// Whether `block` is in the list.
    /// - Complexity: O(1).
    func contains(_ block: Int32) -> Bool { next[Int(block)] != Self.unlisted }

    /// Puts `block` at the young end (evicted last).
    /// - Complexity: O(1).
    mutating func append(_ block: Int32) {
        assert(!contains(block), "block \(block) is already evictable")
        previous[Int(block)] = tail
        next[Int(block)] = Self.end
        if tail == Self.end { head = block } else { next[Int(tail)] = block }
        tail = block
        count += 1
    }

    /// Takes `block` out of the list, wherever it is.
    /// - Complexity: O(1).
    mutating func remove(_ block: Int32) {
        assert(contains(block), "block \(block) is not evictable")
        let before = previous[Int(block)]
        let after = next[Int(block)]
        if before == Self.end { head = after } else { next[Int(before)] = after }
        if after == Self.end { tail = before } else { previous[Int(after)] = before }
        previous[Int(block)] = Self.unlisted
        next[Int(block)] = Self.unlisted
        count -= 1
    }

    /// Removes and returns the least recently appended block, or `nil` when the list is empty.
    /// - Complexity: O(1).
    mutating func popOldest() -> Int32? {
        guard head != Self.end else { return nil }
        let block = head
        remove(block)
        return block
    }

    /// The blocks from oldest to youngest, after checking with `precondition` that the links
    /// agree in both directions and that `count` is right.
    /// - Complexity: O(count).
    func checkedOrder() -> [Int32] {
        var order: [Int32] = []
        var block = head
        var before = Self.end
        while block != Self.end {
            precondition(order.count < count, "the eviction list is longer than its count or has a cycle")
            precondition(previous[Int(block)] == before, "eviction list links disagree at block \(block)")
            order.append(block)
            before = block
            block = next[Int(block)]
        }
        precondition(before == tail && order.count == count, "eviction list tail or count is wrong")
        return order
    }
}
