extension PrefixTree {
    /// The nodes of the subtree under `start` in depth-first pre-order, children in their current
    /// order.
    /// - Complexity: O(nodes in the subtree).
    public func preorder(from start: Int32 = PrefixTree.root) -> [Int32] {
        var order: [Int32] = []
        var stack: [Int32] = [start]
        while let node = stack.popLast() {
            order.append(node)
            stack.append(contentsOf: children(of: node).reversed())
        }
        return order
    }

    /// Appends the requests under `start` in depth-first order (children in their current order)
    /// to `output`.
    /// - Complexity: O(nodes in the subtree).
    public func appendRequests(under start: Int32, to output: inout [Int32]) {
        var stack: [Int32] = [start]
        while let node = stack.popLast() {
            let value = requests[Int(node)]
            if value >= 0 { output.append(value) }
            stack.append(contentsOf: children(of: node).reversed())
        }
    }

    /// Every request in depth-first order: the order that computes each shared prefix once with
    /// the shortest reuse distance (the paper's DFS baseline order).
    /// - Complexity: O(nodes).
    public func dfsRequestOrder() -> [Int32] {
        var order: [Int32] = []
        order.reserveCapacity(requestCount)
        appendRequests(under: PrefixTree.root, to: &order)
        return order
    }
}
