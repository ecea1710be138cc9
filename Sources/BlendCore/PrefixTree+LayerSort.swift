extension PrefixTree {
    /// Algorithm 1 (layer-wise sorting): orders every node's children by `key` descending
    /// (the paper sorts by compute density, compute-heavy on the left). Ties keep the current
    /// order, so the result is deterministic.
    ///
    /// Only siblings are reordered, so every subtree stays contiguous in DFS order and the prefix
    /// sharing of the DFS order is unchanged.
    /// - Complexity: O(n log n) over all nodes.
    public mutating func sortChildren(by key: [Double]) {
        precondition(key.count == nodeCount, "one key per node")
        var ranked: [(key: Double, position: Int, node: Int32)] = []
        for node in 0 ..< nodeCount {
            let start = Int(childStarts[node]), end = Int(childStarts[node + 1])
            guard end - start > 1 else { continue }
            ranked.removeAll(keepingCapacity: true)
            for position in start ..< end {
                let child = childList[position]
                ranked.append((key[Int(child)], position, child))
            }
            ranked.sort { lhs, rhs in
                lhs.key != rhs.key ? lhs.key > rhs.key : lhs.position < rhs.position
            }
            for (offset, entry) in ranked.enumerated() { childList[start + offset] = entry.node }
        }
    }
}
