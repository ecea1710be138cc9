/// AlignedServe's quad-tree: a complete 4-ary interval tree over KV lengths `1 ... 65536` that
/// counts the requests of a pool per length range, so that a batch of similar lengths is found by
/// descending towards the densest ranges (see ``densestRange(minimumBatch:capBlocks:)``).
///
/// The root covers `[1, 65536]`; each node splits its range into 4 equal children, so depth `d`
/// holds `4^d` ranges of width `65536 / 4^d`: 65536, 16384, 4096, 1024, 256, 64, 16, 4, 1. The tree
/// stops at ``leafWidth`` (default 16, depth 6, 4096 leaves): one KV block at the default block
/// size, and a spread of 16 tokens changes a decode batch's attention time by less than one
/// block per member, so narrower ranges would only cost memory. Nodes live in flat arrays in
/// level order (node `i` of depth `d` at index `(4^d − 1)/3 + i`), each with the count and the
/// total KV blocks of the members in its range; each leaf lists its members.
///
/// **Lengths are keys that do not move by themselves.** A member's key is its current KV length
/// (prompt plus generated tokens) when it enters the tree. The tree holds only requests that do
/// not decode (AlignedServe's pool: parked after prefill, or evicted from the running batch), so
/// their lengths are frozen and nothing changes between inserts and removals. A running request
/// grows by one token per step outside the tree; it re-enters at its new length when it is
/// evicted back to the pool (``update(_:length:blocks:)`` moves a member whose length changed).
/// Lengths above 65536 count in the last leaf; lengths below 1 in the first.
///
/// Every update touches one node per level: O(depth) plus O(1) expected for the member maps.
public struct LengthIntervalTree: Sendable {
    /// A pooled request as the tree holds it.
    public struct Member: Sendable, Hashable {
        /// The request's identifier (its index in the workload, for the scheduler).
        public var id: Int32
        /// Its KV length when it entered the tree.
        public var length: Int
        /// The KV blocks it holds.
        public var blocks: Int

        /// Creates a member.
        /// - Complexity: O(1).
        public init(id: Int32, length: Int, blocks: Int) {
            self.id = id
            self.length = length
            self.blocks = blocks
        }
    }

    /// One range of the tree and what it holds.
    public struct Node: Sendable, Hashable {
        /// The lengths it covers.
        public var range: ClosedRange<Int>
        /// Its depth (0 for the root).
        public var depth: Int
        /// Members whose (clamped) length falls in the range.
        public var count: Int
        /// Their KV blocks in total.
        public var blocks: Int
    }

    /// The longest length the tree distinguishes: 65536 = 4^8.
    public static let maxLength = 65536
    /// Children per node.
    public static let fanout = 4

    /// Width of the leaf ranges (a power of 4 from 1 to 65536).
    public let leafWidth: Int
    /// Depth of the leaves: `log4(65536 / leafWidth)`.
    public let leafDepth: Int

    private var counts: [Int32]
    private var blockSums: [Int]
    private var leaves: [[Int32]]
    private var entries: [Int32: (length: Int, blocks: Int, slot: Int)] = [:]

    /// Creates an empty tree whose leaves are `leafWidth` lengths wide.
    /// - Precondition: `leafWidth` is a power of 4 between 1 and 65536.
    /// - Complexity: O(65536 / leafWidth).
    public init(leafWidth: Int = 16) {
        var depth = 0, width = Self.maxLength
        while width > leafWidth {
            width /= Self.fanout
            depth += 1
        }
        precondition(width == leafWidth && leafWidth >= 1, "leaf width must be a power of 4 between 1 and 65536")
        self.leafWidth = leafWidth
        leafDepth = depth
        let nodes = Self.levelOffset(depth + 1)
        counts = [Int32](repeating: 0, count: nodes)
        blockSums = [Int](repeating: 0, count: nodes)
        leaves = [[Int32]](repeating: [], count: Self.maxLength / leafWidth)
    }

    // MARK: Queries

    /// Members in the tree.
    /// - Complexity: O(1).
    public var count: Int { entries.count }

    /// Whether the tree holds no member.
    /// - Complexity: O(1).
    public var isEmpty: Bool { entries.isEmpty }

    /// KV blocks of all members.
    /// - Complexity: O(1).
    public var blocks: Int { blockSums[0] }

    /// Whether `id` is a member.
    /// - Complexity: O(1) expected.
    public func contains(_ id: Int32) -> Bool { entries[id] != nil }

    /// The member `id`, or `nil`.
    /// - Complexity: O(1) expected.
    public func member(_ id: Int32) -> Member? {
        entries[id].map { Member(id: id, length: $0.length, blocks: $0.blocks) }
    }

    /// The node of depth `depth` whose range holds `length` (clamped to `1 ... 65536`).
    /// - Complexity: O(1).
    public func node(containing length: Int, depth: Int) -> Node {
        precondition((0 ... leafDepth).contains(depth), "depth \(depth) outside 0...\(leafDepth)")
        let width = Self.maxLength >> (2 * depth)
        let position = (Self.clamp(length) - 1) / width
        return node(depth: depth, position: position)
    }

    /// The members whose length (clamped to `1 ... 65536`) lies in `lengths` (clamped likewise),
    /// by increasing length (then id).
    /// - Complexity: O(L + m log m) for the L leaves the range overlaps and the m members in them.
    public func members(in lengths: ClosedRange<Int>) -> [Member] {
        let low = Self.clamp(lengths.lowerBound), high = Self.clamp(lengths.upperBound)
        var result: [Member] = []
        for leaf in (low - 1) / leafWidth ... (high - 1) / leafWidth {
            for id in leaves[leaf] {
                let entry = entries[id]!
                let key = Self.clamp(entry.length)
                if key >= low && key <= high {
                    result.append(Member(id: id, length: entry.length, blocks: entry.blocks))
                }
            }
        }
        return result.sorted { ($0.length, $0.id) < ($1.length, $1.id) }
    }

    // MARK: Updates

    /// Adds `id` with its KV `length` and `blocks`.
    /// - Precondition: `id` is not a member; `blocks >= 0`.
    /// - Complexity: O(depth) plus O(1) expected.
    public mutating func insert(_ id: Int32, length: Int, blocks: Int) {
        precondition(entries[id] == nil, "request \(id) is already in the tree")
        precondition(blocks >= 0, "blocks must not be negative")
        let leaf = (Self.clamp(length) - 1) / leafWidth
        entries[id] = (length, blocks, leaves[leaf].count)
        leaves[leaf].append(id)
        addToPath(leaf: leaf, count: 1, blocks: blocks)
    }

    /// Removes `id` and returns it, or `nil` when it is not a member.
    /// - Complexity: O(depth) plus O(1) expected.
    @discardableResult
    public mutating func remove(_ id: Int32) -> Member? {
        guard let entry = entries.removeValue(forKey: id) else { return nil }
        let leaf = (Self.clamp(entry.length) - 1) / leafWidth
        let last = leaves[leaf].removeLast()
        if last != id {
            leaves[leaf][entry.slot] = last
            entries[last]!.slot = entry.slot
        }
        addToPath(leaf: leaf, count: -1, blocks: -entry.blocks)
        return Member(id: id, length: entry.length, blocks: entry.blocks)
    }

    /// Moves member `id` to a new length and block count (a request whose KV changed while it
    /// was away from the pool).
    /// - Precondition: `id` is a member.
    /// - Complexity: O(depth) plus O(1) expected.
    public mutating func update(_ id: Int32, length: Int, blocks: Int) {
        precondition(remove(id) != nil, "request \(id) is not in the tree")
        insert(id, length: length, blocks: blocks)
    }

    // MARK: Layout

    /// Index of the first node of depth `depth`: `(4^depth − 1) / 3`.
    static func levelOffset(_ depth: Int) -> Int { ((1 << (2 * depth)) - 1) / 3 }

    /// `length` clamped to `1 ... maxLength`.
    static func clamp(_ length: Int) -> Int { min(max(length, 1), maxLength) }

    /// The node at `position` among those of depth `depth`.
    func node(depth: Int, position: Int) -> Node {
        let width = Self.maxLength >> (2 * depth)
        let index = Self.levelOffset(depth) + position
        return Node(range: position * width + 1 ... (position + 1) * width, depth: depth,
                    count: Int(counts[index]), blocks: blockSums[index])
    }

    /// The blocks of every member, in no particular order.
    var memberBlocks: [Int] { entries.values.map(\.blocks) }

    private mutating func addToPath(leaf: Int, count: Int32, blocks: Int) {
        for depth in 0 ... leafDepth {
            let index = Self.levelOffset(depth) + (leaf >> (2 * (leafDepth - depth)))
            counts[index] += count
            blockSums[index] += blocks
        }
    }
}
