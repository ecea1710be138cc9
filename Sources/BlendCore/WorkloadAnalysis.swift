/// The preprocessing pipeline of BlendServe run over a workload, with what each stage took:
/// build the prefix tree, aggregate demand per subtree, layer-sort, split and flatten.
///
/// Output lengths are the workload's known ones, else `max_tokens`, else a fallback, so the
/// statistics describe the workload as the cost model sees it.
public struct WorkloadAnalysis: Sendable {
    /// Whole-workload totals (unique prompt tokens counted over the whole tree).
    public var totals: ResourceTotals
    /// The cost model the times and densities use.
    public var costModel: CostModel
    /// The planned scan order and loop statistics.
    public var plan: ScanPlanner.Plan
    /// Seconds spent building the tree.
    public var buildSeconds: Double
    /// Seconds spent aggregating subtree demand.
    public var aggregateSeconds: Double
    /// Seconds spent in Algorithm 1 (layer-wise sort).
    public var sortSeconds: Double { plan.sortSeconds }
    /// Seconds spent in the split loop and flattening.
    public var splitSeconds: Double { plan.splitSeconds }
    /// Nodes in the tree.
    public var nodeCount: Int

    /// Runs the pipeline on `workload`.
    /// - Complexity: O(total prompt tokens + N log N) for N tree nodes (see ``ScanPlanner``).
    public init(workload: Workload, costModel: CostModel, fallbackOutputLength: Int = 256,
                options: ScanPlanner.Options = ScanPlanner.Options()) {
        var stopwatch = Stopwatch()
        var tree = PrefixTree(workload: workload)
        buildSeconds = stopwatch.lap()
        let outputs = (0 ..< workload.count).map { Int32(clamping: workload.plannedOutputLength($0, fallback: fallbackOutputLength)) }
        let aggregates = TreeAggregates(tree: tree, outputLengths: outputs, costModel: costModel)
        aggregateSeconds = stopwatch.lap()
        plan = ScanPlanner.plan(tree: &tree, aggregates: aggregates, options: options)
        totals = aggregates.totals[Int(PrefixTree.root)]
        self.costModel = costModel
        nodeCount = tree.nodeCount
    }

    /// Build + aggregate + sort + split.
    public var preprocessSeconds: Double { buildSeconds + aggregateSeconds + sortSeconds + splitSeconds }

    /// `T_comp` before sharing.
    public var computeSeconds: Double { costModel.computeSeconds(totals) }
    /// `T_mem`.
    public var memorySeconds: Double { costModel.memorySeconds(totals) }
    /// The paper's `s`.
    public var sharingRatio: Double { costModel.sharingRatio(totals) }
    /// `(1−s)·T_comp / T_mem`.
    public var density: Double { costModel.density(totals) }
    /// `T_o = max((1−s)·T_comp, T_mem)`.
    public var optimalSeconds: Double { costModel.optimalSeconds(totals) }
}
