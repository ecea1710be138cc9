extension PrefixTree {
    /// Algorithm 2 (node splitting) applied to the subtree under `start`.
    ///
    /// Splitting a node `v` with `k` children into `k` separate units makes each child recompute
    /// `v`'s prefix; the paper prices that at `len_prefix(v)·k` and keeps `v` whole (one unit)
    /// when the price exceeds the node's threshold. Otherwise the threshold is divided equally
    /// among the children and the walk goes on. Two additions to the printed pseudo-code:
    /// - a real leaf (a request) is emitted as its own unit when reached (the printed algorithm
    ///   never appends leaves);
    /// - each split is also charged its exact extra recompute, `(k−1)·len_prefix(v)` tokens,
    ///   against `budget`, and no split may overdraw it, so the caller can bound the sharing lost
    ///   over many calls.
    ///
    /// - Parameters:
    ///   - start: the subtree to split (the root splits for free: its prefix is empty).
    ///   - threshold: the paper's `t` for `start`.
    ///   - budget: recompute tokens still allowed; decreased by every split.
    ///   - units: receives the resulting units, left to right in the current child order.
    /// - Returns: the number of nodes split.
    /// - Complexity: O(nodes visited).
    @discardableResult
    public func splitUnits(of start: Int32, threshold: Double, budget: inout Double, into units: inout [Int32]) -> Int {
        var splits = 0
        var stack: [(node: Int32, threshold: Double)] = [(start, threshold)]
        while let (node, nodeThreshold) = stack.popLast() {
            let k = childCount(of: node)
            if k == 0 {
                units.append(node)
                continue
            }
            let prefix = Double(depth(of: node))
            let extra = prefix * Double(k - 1)
            if prefix * Double(k) > nodeThreshold || extra > budget {
                units.append(node)
                continue
            }
            budget -= extra
            splits += 1
            let childThreshold = nodeThreshold / Double(k)
            for child in children(of: node).reversed() { stack.append((child, childThreshold)) }
        }
        return splits
    }
}
