extension LengthIntervalTree {
    /// AlignedServe's Density First Search: the narrowest range from which a batch of at least
    /// `minimumBatch` requests fits in `capBlocks` KV blocks.
    ///
    /// A node is *eligible* when it holds at least `minimumBatch` members and the
    /// `minimumBatch` of them with the fewest blocks fit in `capBlocks` together. Eligibility is
    /// inherited upwards (a parent holds every member of its children), so the eligible nodes
    /// form a subtree at the top; the search walks it from the root, pruning ineligible nodes
    /// and their subtrees, and returns its deepest node, the densest by count among the deepest,
    /// the one with the shortest lengths among those. `nil` when even the root is not eligible.
    /// - Complexity: O(E · (depth + m log m)) for the E eligible nodes (at most
    ///   `count / minimumBatch` per level) and their m members, in the worst case; a node whose
    ///   total blocks fit the cap is checked in O(1).
    public func densestRange(minimumBatch: Int, capBlocks: Int) -> Node? {
        let minimum = max(1, minimumBatch)
        var best: Node?
        var stack = [(depth: 0, position: 0)]
        while let (depth, position) = stack.popLast() {
            let candidate = node(depth: depth, position: position)
            guard canFormBatch(in: candidate, minimumBatch: minimum, capBlocks: capBlocks) else { continue }
            if let current = best {
                let better = candidate.depth != current.depth ? candidate.depth > current.depth
                    : candidate.count != current.count ? candidate.count > current.count
                    : candidate.range.lowerBound < current.range.lowerBound
                if better { best = candidate }
            } else {
                best = candidate
            }
            guard depth < leafDepth else { continue }
            for child in 0 ..< Self.fanout { stack.append((depth + 1, position * Self.fanout + child)) }
        }
        return best
    }

    /// Whether `node` is eligible: it holds at least `minimumBatch` members and the
    /// `minimumBatch` with the fewest blocks fit in `capBlocks`.
    /// - Complexity: O(1) when all its members fit the cap or it holds too few; else
    ///   O(L + m log m) for its L leaves and m members.
    public func canFormBatch(in node: Node, minimumBatch: Int, capBlocks: Int) -> Bool {
        let minimum = max(1, minimumBatch)
        guard node.count >= minimum else { return false }
        if node.blocks <= capBlocks { return true }
        let smallest = members(in: node.range).map(\.blocks).sorted().prefix(minimum)
        return smallest.reduce(0, +) <= capBlocks
    }

    /// The most members any batch within `capBlocks` can hold: how many of the members with the
    /// fewest blocks fit together (0 when the tree is empty or every member alone exceeds the
    /// cap). With it as the minimum batch, ``densestRange(minimumBatch:capBlocks:)`` always
    /// finds a range; AlignedServe falls back on this when no full-size batch can be formed.
    /// - Complexity: O(n log n) for n members.
    public func largestBatch(capBlocks: Int) -> Int {
        var total = 0, fitting = 0
        for blocks in memberBlocks.sorted() {
            total += blocks
            guard total <= capBlocks else { break }
            fitting += 1
        }
        return fitting
    }

    /// The range a batch grown from `node` is taken from: `node` itself when its members do not
    /// all fit (`capBlocks` blocks, `maxMembers` members); otherwise its lowest ancestor whose
    /// members do not, or the root when all do. A batch that fills the cap around a dense
    /// range then takes the requests nearest it in length.
    /// - Complexity: O(depth).
    public func batchRange(from node: Node, capBlocks: Int, maxMembers: Int) -> Node {
        var current = node
        while current.depth > 0, current.blocks <= capBlocks, current.count <= maxMembers {
            current = self.node(containing: current.range.lowerBound, depth: current.depth - 1)
        }
        return current
    }

    /// The range a batch that must include member `id` comes from (AlignedServe's starvation
    /// handling): the deepest ancestor of its leaf that is eligible for `minimumBatch`, or the
    /// root when none is. `nil` when `id` is not a member.
    /// - Complexity: O(depth) eligibility checks.
    public func seedRange(for id: Int32, minimumBatch: Int, capBlocks: Int) -> Node? {
        guard let member = member(id) else { return nil }
        for depth in stride(from: leafDepth, through: 1, by: -1) {
            let ancestor = node(containing: member.length, depth: depth)
            if canFormBatch(in: ancestor, minimumBatch: minimumBatch, capBlocks: capBlocks) { return ancestor }
        }
        return node(depth: 0, position: 0)
    }

    /// The batch AlignedServe takes from `node`: among its members in length order, the
    /// contiguous window with the most members whose blocks fit `capBlocks` (at most
    /// `maxMembers`), the one with the smallest length spread among those, then the one with the
    /// shortest lengths. With `including`, only windows holding that member count. A window of
    /// one member always qualifies, so a request too large for the cap can still run alone.
    /// Returns the window's members by increasing length; empty when `node` holds none (or not
    /// the member required).
    /// - Complexity: O(L + m log m) for the node's L leaves and m members.
    public func batch(in node: Node, capBlocks: Int, maxMembers: Int, including required: Int32? = nil) -> [Member] {
        let sorted = members(in: node.range)
        let requiredIndex = required.flatMap { id in sorted.firstIndex { $0.id == id } }
        if required != nil && requiredIndex == nil { return [] }
        let limit = max(1, maxMembers)
        var best: Range<Int>?
        var end = 0, sum = 0
        for start in sorted.indices {
            if end < start {
                end = start
                sum = 0
            }
            while end < sorted.count, end - start < limit,
                  end == start || sum + sorted[end].blocks <= capBlocks {
                sum += sorted[end].blocks
                end += 1
            }
            defer { if end > start { sum -= sorted[start].blocks } }
            if let index = requiredIndex, !(start ... end - 1).contains(index) {
                if start > index { break }
                continue
            }
            let window = start ..< end
            guard let current = best else {
                best = window
                continue
            }
            let spread = sorted[window.upperBound - 1].length - sorted[window.lowerBound].length
            let currentSpread = sorted[current.upperBound - 1].length - sorted[current.lowerBound].length
            if window.count > current.count || (window.count == current.count && spread < currentSpread) {
                best = window
            }
        }
        return best.map { Array(sorted[$0]) } ?? []
    }
}
