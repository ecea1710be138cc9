/// Per-subtree demand of a ``PrefixTree`` under given output lengths: the paper's resource-aware
/// annotations (requests, unique prompt tokens, output tokens, `T_comp`, `T_mem`, density).
///
/// A node's totals describe its subtree *served alone*: the path from the root to the node is
/// computed once, so `uniquePromptTokens = depth(parent) + Σ edges in the subtree`. For the root
/// that is the whole workload's unique prompt count. This is also the demand of the subtree once
/// it is split off as its own unit (Algorithm 2's `UPDATE_SUBTREE_DENSITY`).
public struct TreeAggregates: Sendable {
    /// Totals per node, indexed by node handle.
    public private(set) var totals: [ResourceTotals]
    /// Node density `(1−s)·T_comp/T_mem` per node, indexed by node handle.
    public private(set) var density: [Double]
    /// The cost model the densities were computed with.
    public let costModel: CostModel

    /// Aggregates `tree` bottom-up with `outputLengths[request]` (true or estimated, >= 0).
    /// - Complexity: O(nodes).
    public init(tree: PrefixTree, outputLengths: [Int32], costModel: CostModel) {
        precondition(outputLengths.count == tree.requestCount, "one output length per request")
        self.costModel = costModel
        var totals = [ResourceTotals](repeating: ResourceTotals(), count: tree.nodeCount)
        var edgesBelow = [Int](repeating: 0, count: tree.nodeCount)
        let order = tree.preorder()
        for node in order.reversed() {
            let index = Int(node)
            if let request = tree.request(at: node) {
                let prompt = tree.depth(of: node)
                totals[index] = ResourceTotals(prompt: prompt, output: Int(outputLengths[request]), unique: 0)
            }
            edgesBelow[index] += tree.edgeLength(of: node)
            let parent = tree.parent(of: node)
            if parent >= 0 {
                totals[Int(parent)] += totals[index]
                edgesBelow[Int(parent)] += edgesBelow[index]
            }
        }
        for node in order {
            let index = Int(node)
            totals[index].uniquePromptTokens = edgesBelow[index] + tree.depth(of: node) - tree.edgeLength(of: node)
        }
        self.totals = totals
        self.density = totals.map { costModel.density($0) }
    }

    /// Density of request `request` alone (`ρ(r)`, eq. 3).
    /// - Complexity: O(1).
    public func requestDensity(_ request: Int, in tree: PrefixTree) -> Double {
        density[Int(tree.leaf(of: request))]
    }
}
