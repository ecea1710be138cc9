/// Estimates output lengths from a sample, the way the BlendServe paper does (§5.1, §5.4).
///
/// A fraction of requests (1% by default) is run first and their true output lengths are
/// recorded. Every other request takes the mean sampled length of the smallest subtree around it
/// that holds a sample: its siblings' subtrees first (they share the longest prefix with it),
/// then ever larger ancestors. Requests that finish later can be recorded too, sharpening the
/// estimates of the rest, and a request that outlives its estimate gets a corrected one.
public struct OutputLengthEstimator: Sendable {
    private let tree: PrefixTree
    /// Per node: the sum and count of the recorded lengths below it, and its parent (copied from
    /// the tree), in one record so that a walk to the root reads one cache line per level.
    private var nodes: [NodeSamples]
    /// Per request: its recorded length (-1 when none) and the node where its prompt ends (its
    /// leaf's parent), in one record. A request's leaf holds only that request, so no other
    /// estimate reads the leaf's samples, and walks start one level up.
    private var requests: [RequestSample]

    private struct NodeSamples: Sendable {
        var sum = 0.0
        var count: Int32 = 0
        var parent: Int32
    }

    private struct RequestSample: Sendable {
        var known: Int32 = -1
        var promptEnd: Int32
    }
    /// The estimate used when no request at all has been sampled.
    public let fallback: Int

    /// Creates an estimator over `tree` with no sample yet.
    /// - Complexity: O(nodes).
    public init(tree: PrefixTree, fallback: Int) {
        self.tree = tree
        self.fallback = fallback
        nodes = (0 ..< tree.nodeCount).map { NodeSamples(parent: tree.parent(of: Int32($0))) }
        requests = (0 ..< tree.requestCount).map { RequestSample(promptEnd: tree.parent(of: tree.leaf(of: $0))) }
    }

    /// Chooses `ceil(fraction × requestCount)` distinct requests uniformly at random (at least one
    /// when `fraction > 0` and there are requests), returned in ascending order.
    /// - Complexity: O(requestCount).
    public static func chooseSample<G: RandomNumberGenerator>(requestCount: Int, fraction: Double, using generator: inout G) -> [Int] {
        precondition((0 ... 1).contains(fraction), "fraction must lie in 0...1")
        let wanted = min(requestCount, Int((fraction * Double(requestCount)).rounded(.up)))
        var pool = Array(0 ..< requestCount)
        for index in 0 ..< wanted {
            pool.swapAt(index, Int.random(in: index ..< requestCount, using: &generator))
        }
        return pool[..<wanted].sorted()
    }

    /// Records the true output length of a request (a sampled one, or any that finished).
    /// Recording the same request twice replaces its earlier length.
    /// - Complexity: O(depth of the request's leaf).
    public mutating func record(request: Int, length: Int) {
        let previous = requests[request].known
        requests[request].known = Int32(clamping: length)
        var node = Int(requests[request].promptEnd)
        while node >= 0 {
            if previous >= 0 {
                nodes[node].sum += Double(length) - Double(previous)
            } else {
                nodes[node].sum += Double(length)
                nodes[node].count += 1
            }
            node = Int(nodes[node].parent)
        }
    }

    /// The recorded length of `request`, or `nil` when it has not been recorded.
    /// - Complexity: O(1).
    public func recordedLength(of request: Int) -> Int? {
        requests[request].known >= 0 ? Int(requests[request].known) : nil
    }

    /// The estimate for one request: its recorded length, else the mean of the nearest subtree
    /// around it with samples, else ``fallback``.
    /// - Complexity: O(depth of the request's leaf).
    public func estimate(_ request: Int) -> Int {
        let sample = requests[request]
        if sample.known >= 0 { return Int(sample.known) }
        var node = Int(sample.promptEnd)
        while node >= 0 {
            let samples = nodes[node]
            if samples.count > 0 { return Self.rounded(samples.sum / Double(samples.count)) }
            node = Int(samples.parent)
        }
        return fallback
    }

    /// Estimates for every request at once (top-down, each node inheriting its nearest sampled
    /// ancestor's mean), indexed by request.
    /// - Complexity: O(nodes).
    public func estimates() -> [Int32] {
        var inherited = [Double](repeating: Double(fallback), count: tree.nodeCount)
        var result = [Int32](repeating: 0, count: tree.requestCount)
        for node in tree.preorder() {
            let index = Int(node)
            let parent = tree.parent(of: node)
            let base = parent >= 0 ? inherited[Int(parent)] : Double(fallback)
            inherited[index] = nodes[index].count > 0 ? nodes[index].sum / Double(nodes[index].count) : base
            if let request = tree.request(at: node) {
                let known = requests[request].known
                result[request] = known >= 0 ? known : Int32(clamping: Self.rounded(inherited[index]))
            }
        }
        return result
    }

    /// The online correction when a running request has generated `generated` tokens and has
    /// reached or passed its estimate: the estimate doubles (at least one more token), capped by
    /// the request's `maxNewTokens` when it has one.
    /// - Complexity: O(1).
    public static func corrected(generated: Int, maxNewTokens: Int?) -> Int {
        let grown = max(2 * generated, generated + 1)
        guard let limit = maxNewTokens else { return grown }
        return max(min(grown, limit), generated)
    }

    private static func rounded(_ mean: Double) -> Int {
        max(1, Int(mean.rounded()))
    }
}
