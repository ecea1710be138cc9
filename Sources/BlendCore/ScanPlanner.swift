/// Turns a prefix tree into the dual scanner's order: Algorithm 1 (layer-wise sort), then the
/// paper's §5.4 loop "sort → conditional node split (Algorithm 2) → re-sort" until the request
/// sequence is non-increasing in density (C1) or no unit that breaks the order can still be split
/// within the recompute budget (C2), then flattening.
///
/// The recompute budget is `(1 − keepSharing) × (prompt tokens saved by sharing)`. Every split is
/// charged its exact extra recompute, so the order keeps at least `keepSharing` of the optimal
/// prefix sharing (measured as in ``PromptSharing``).
public enum ScanPlanner {
    /// Knobs of the planner.
    public struct Options: Sendable, Hashable {
        /// Share of the optimal prefix sharing the order must keep (the paper: 99%).
        public var keepSharing: Double
        /// Upper bound on loop iterations (each one splits at least one node).
        public var maxIterations: Int
        /// Whether to sort by density at all (Algorithm 1 and the units). Off, the plan is the
        /// tree's DFS order cut into Algorithm 2's units, for ablations.
        public var sortsByDensity: Bool

        /// Creates options; the defaults are the paper's.
        /// - Complexity: O(1).
        public init(keepSharing: Double = 0.99, maxIterations: Int = 256, sortsByDensity: Bool = true) {
            self.keepSharing = keepSharing
            self.maxIterations = maxIterations
            self.sortsByDensity = sortsByDensity
        }
    }

    /// Why the loop stopped.
    public enum Stop: String, Sendable {
        /// C1: the request sequence is non-increasing in density.
        case monotone
        /// C2: every unit that breaks the order costs more to split than the budget allows.
        case budget
        /// The iteration cap was reached.
        case iterationLimit
        /// Sorting was turned off, so there was no order to restore.
        case unsorted
    }

    /// The planner's result.
    public struct Plan: Sendable {
        /// The flattened scan order.
        public var order: ScanOrder
        /// Loop iterations run.
        public var iterations: Int
        /// Nodes split in total.
        public var splits: Int
        /// Why the loop stopped.
        public var stop: Stop
        /// Recompute tokens the budget allowed.
        public var recomputeBudget: Double
        /// Recompute tokens charged by the splits (never above ``recomputeBudget``).
        public var recomputeCharged: Double
        /// Seconds spent in Algorithm 1 (layer-wise sort).
        public var sortSeconds: Double
        /// Seconds spent in the split loop and flattening.
        public var splitSeconds: Double
    }

    /// Sorts `tree` (Algorithm 1 by `aggregates.density`) and plans its scan order.
    /// - Complexity: O(I · N log N) for N nodes and I iterations (I is small in practice; each
    ///   iteration splits at least one node).
    public static func plan(tree: inout PrefixTree, aggregates: TreeAggregates, options: Options = Options()) -> Plan {
        precondition((0 ... 1).contains(options.keepSharing), "keepSharing must lie in 0...1")
        var stopwatch = Stopwatch()
        if options.sortsByDensity { tree.sortChildren(by: aggregates.density) }
        let sortSeconds = stopwatch.lap()
        let rootTotals = aggregates.totals[Int(PrefixTree.root)]
        let saved = Double(rootTotals.promptTokens - rootTotals.uniquePromptTokens)
        let budget = (1 - options.keepSharing) * saved
        var remaining = budget
        var units: [Int32] = []
        var splits = tree.splitUnits(of: PrefixTree.root, threshold: budget, budget: &remaining, into: &units)
        var iterations = 1
        var stop = Stop.iterationLimit
        var order = flatten(units: &units, tree: tree, aggregates: aggregates, sorting: options.sortsByDensity)
        while options.sortsByDensity {
            let breaking = unitsBreakingOrder(order, tree: tree, aggregates: aggregates)
            let candidates = breaking.filter { tree.childCount(of: order.units[$0].node) > 0 }
            if candidates.isEmpty {
                stop = breaking.isEmpty ? .monotone : .budget
                break
            }
            guard iterations < options.maxIterations else { break }
            iterations += 1
            let threshold = remaining / Double(candidates.count)
            let candidateSet = Set(candidates)
            var refined: [Int32] = []
            var splitThisRound = 0
            for (index, unit) in order.units.enumerated() {
                if candidateSet.contains(index) {
                    splitThisRound += tree.splitUnits(of: unit.node, threshold: threshold, budget: &remaining, into: &refined)
                } else {
                    refined.append(unit.node)
                }
            }
            if splitThisRound == 0 {
                stop = .budget
                break
            }
            splits += splitThisRound
            units = refined
            order = flatten(units: &units, tree: tree, aggregates: aggregates, sorting: true)
        }
        if !options.sortsByDensity { stop = .unsorted }
        return Plan(order: order, iterations: iterations, splits: splits, stop: stop,
                    recomputeBudget: budget, recomputeCharged: budget - remaining,
                    sortSeconds: sortSeconds, splitSeconds: stopwatch.lap())
    }

    /// Sorts `units` by density (descending, stable) unless `sorting` is off, and lays their
    /// requests out in DFS order.
    /// - Complexity: O(N log N).
    static func flatten(units: inout [Int32], tree: PrefixTree, aggregates: TreeAggregates, sorting: Bool) -> ScanOrder {
        if sorting {
            let sorted = units.enumerated().sorted { lhs, rhs in
                let left = aggregates.density[Int(lhs.element)], right = aggregates.density[Int(rhs.element)]
                return left != right ? left > right : lhs.offset < rhs.offset
            }
            units = sorted.map(\.element)
        }
        var requests: [Int32] = []
        requests.reserveCapacity(tree.requestCount)
        var scanUnits: [ScanUnit] = []
        scanUnits.reserveCapacity(units.count)
        for node in units {
            let start = requests.count
            tree.appendRequests(under: node, to: &requests)
            scanUnits.append(ScanUnit(node: node, range: start ..< requests.count,
                                      totals: aggregates.totals[Int(node)], density: aggregates.density[Int(node)]))
        }
        return ScanOrder(requests: requests, units: scanUnits)
    }

    /// Indices of units holding a density increase between consecutive requests, inside the unit
    /// or at its boundary with the previous unit (both units of a boundary are reported).
    /// - Complexity: O(requests).
    static func unitsBreakingOrder(_ order: ScanOrder, tree: PrefixTree, aggregates: TreeAggregates) -> [Int] {
        var breaking: [Int] = []
        var previous = Double.infinity
        for (index, unit) in order.units.enumerated() {
            var breaks = false
            for position in unit.range {
                let density = aggregates.requestDensity(Int(order.requests[position]), in: tree)
                if density > previous {
                    breaks = true
                    if position == unit.range.lowerBound, index > 0, breaking.last != index - 1 {
                        breaking.append(index - 1)
                    }
                }
                previous = density
            }
            if breaks { breaking.append(index) }
        }
        return breaking
    }
}
