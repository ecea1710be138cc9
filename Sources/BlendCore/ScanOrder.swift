/// One schedulable unit of the scan order: a subtree of the resource-aware prefix tree whose
/// requests run in DFS order, with the aggregate demand the dual scanner reads.
public struct ScanUnit: Sendable, Hashable {
    /// The tree node this unit was cut at (a ``PrefixTree`` handle).
    public var node: Int32
    /// The unit's positions in ``ScanOrder/requests``.
    public var range: Range<Int>
    /// Aggregate demand of the unit's requests, with unique prompt tokens counted as if the unit
    /// ran alone (its whole path from the root is computed once).
    public var totals: ResourceTotals
    /// Node density `(1−s)·T_comp/T_mem` of the unit.
    public var density: Double

    /// Creates a unit.
    /// - Complexity: O(1).
    public init(node: Int32, range: Range<Int>, totals: ResourceTotals, density: Double) {
        self.node = node
        self.range = range
        self.totals = totals
        self.density = density
    }

    /// Mean prompt tokens each request of the unit must compute (unique prompt tokens per request).
    public var meanPrefillTokens: Double {
        totals.requests > 0 ? Double(totals.uniquePromptTokens) / Double(totals.requests) : 0
    }

    /// Mean prompt length of the unit's requests.
    public var meanPromptLength: Double {
        totals.requests > 0 ? Double(totals.promptTokens) / Double(totals.requests) : 0
    }

    /// Mean (estimated) output length of the unit's requests.
    public var meanOutputLength: Double {
        totals.requests > 0 ? Double(totals.outputTokens) / Double(totals.requests) : 0
    }
}

/// The flattened order in which a scheduler scans the requests: units sorted by density
/// (descending), each holding its requests in DFS order so that shared prefixes stay adjacent.
public struct ScanOrder: Sendable {
    /// Request indices (into the workload) in scan order; every request appears exactly once.
    public var requests: [Int32]
    /// Consecutive, non-overlapping units covering ``requests`` from left to right.
    public var units: [ScanUnit]

    /// Creates a scan order.
    /// - Complexity: O(1).
    public init(requests: [Int32], units: [ScanUnit]) {
        self.requests = requests
        self.units = units
    }
}
