import BlendCore

/// The admission orders of the baseline policies, each a function from a workload to a
/// permutation of its request indices.
public enum AdmissionOrder {
    /// Input order (vLLM's and SGLang's default FCFS; every request arrives at time 0 offline).
    /// - Complexity: O(requests).
    public static func fcfs(_ workload: Workload) -> [Int32] {
        (0 ..< Int32(workload.count)).map { $0 }
    }

    /// Depth-first order of the prompt prefix tree: the trace pre-sorted so that requests sharing
    /// a prefix run back to back (the papers' vLLM-DFS / SGLang-DFS / NanoFlow-DFS).
    /// - Complexity: O(total prompt tokens).
    public static func dfs(_ workload: Workload) -> [Int32] {
        PrefixTree(workload: workload).dfsRequestOrder()
    }

    /// A seeded random permutation (NanoFlow-Balance: balances resources, loses sharing).
    /// - Complexity: O(requests).
    public static func balance(seed: UInt64) -> @Sendable (Workload) -> [Int32] {
        { workload in
            var generator = SeededGenerator(seed: seed)
            var order = fcfs(workload)
            order.shuffle(using: &generator)
            return order
        }
    }

    /// Longest output first by `max_tokens`, as SGLang's `lof` sorts by `max_new_tokens`;
    /// requests without a limit count as unlimited; ties keep input order.
    /// - Complexity: O(n log n).
    public static func longestOutputFirst(_ workload: Workload) -> [Int32] {
        fcfs(workload).sorted { lhs, rhs in
            let left = limit(workload, lhs), right = limit(workload, rhs)
            return left != right ? left > right : lhs < rhs
        }
    }

    private static func limit(_ workload: Workload, _ request: Int32) -> Int {
        let value = workload.maxNewTokens[Int(request)]
        return value >= 0 ? Int(value) : .max
    }

    /// SGLang's `dfs-weight`: depth-first over the prefix tree, visiting the children with the
    /// most requests below them first, so the heaviest shared branches run earliest.
    /// - Complexity: O(total prompt tokens + N log N) for N tree nodes.
    public static func dfsWeight(_ workload: Workload) -> [Int32] {
        var tree = PrefixTree(workload: workload)
        var weight = [Double](repeating: 0, count: tree.nodeCount)
        for node in tree.preorder().reversed() {
            if tree.request(at: node) != nil { weight[Int(node)] += 1 }
            let parent = tree.parent(of: node)
            if parent >= 0 { weight[Int(parent)] += weight[Int(node)] }
        }
        tree.sortChildren(by: weight)
        return tree.dfsRequestOrder()
    }

    /// SGLang's `lpm` refinement: while at most ``longestPrefixMatchWindow`` requests wait, sort
    /// them by the prompt prefix they would find in the prefix cache now (longest first, input
    /// order among ties); with more waiting, SGLang skips the expensive matching and runs FCFS.
    /// - Complexity: O(w · prompt length + w log w) per step for w waiting requests, when sorting.
    public static let longestPrefixMatch: @Sendable (inout ArraySlice<Int32>, SequenceBatcher) -> Void = { waiting, batcher in
        guard waiting.count <= longestPrefixMatchWindow else { return }
        let keyed = waiting.map { request in
            (request, batcher.kv.cachedPrefixLength(of: batcher.workload.prompt(Int(request))))
        }
        let sorted = keyed.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
        for (offset, entry) in sorted.enumerated() { waiting[waiting.startIndex + offset] = entry.0 }
    }

    /// The waiting-queue length above which SGLang's `lpm` falls back to FCFS (128).
    public static let longestPrefixMatchWindow = 128
}
