/// Estimates output lengths from a sample, the way the BlendServe paper does (§5.1, §5.4).
///
/// A fraction of requests (1% by default) is run first and their true output lengths are
/// recorded. Every other request takes the mean sampled length of the smallest subtree around it
/// that holds a sample: its siblings' subtrees first (they share the longest prefix with it),
/// then ever larger ancestors. Requests that finish later can be recorded too, sharpening the
/// estimates of the rest, and a request that outlives its estimate gets a corrected one.
public struct OutputLengthEstimator: Sendable {
    private let tree: PrefixTree
    private var sampleSum: [Double]
    private var sampleCount: [Int32]
    private var known: [Int32]
    /// The estimate used when no request at all has been sampled.
    public let fallback: Int

    /// Creates an estimator over `tree` with no sample yet.
    /// - Complexity: O(nodes).
    public init(tree: PrefixTree, fallback: Int) {
        self.tree = tree
        self.fallback = fallback
        sampleSum = [Double](repeating: 0, count: tree.nodeCount)
        sampleCount = [Int32](repeating: 0, count: tree.nodeCount)
        known = [Int32](repeating: -1, count: tree.requestCount)
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
        let previous = known[request]
        known[request] = Int32(clamping: length)
        var node = tree.leaf(of: request)
        while node >= 0 {
            if previous >= 0 {
                sampleSum[Int(node)] += Double(length) - Double(previous)
            } else {
                sampleSum[Int(node)] += Double(length)
                sampleCount[Int(node)] += 1
            }
            node = tree.parent(of: node)
        }
    }

    /// The recorded length of `request`, or `nil` when it has not been recorded.
    /// - Complexity: O(1).
    public func recordedLength(of request: Int) -> Int? {
        known[request] >= 0 ? Int(known[request]) : nil
    }

    /// The estimate for one request: its recorded length, else the mean of the nearest subtree
    /// around it with samples, else ``fallback``.
    /// - Complexity: O(depth of the request's leaf).
    public func estimate(_ request: Int) -> Int {
        if known[request] >= 0 { return Int(known[request]) }
        var node = tree.leaf(of: request)
        while node >= 0 {
            let count = sampleCount[Int(node)]
            if count > 0 { return Self.rounded(sampleSum[Int(node)] / Double(count)) }
            node = tree.parent(of: node)
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
            inherited[index] = sampleCount[index] > 0 ? sampleSum[index] / Double(sampleCount[index]) : base
            if let request = tree.request(at: node) {
                result[request] = known[request] >= 0 ? known[request] : Int32(clamping: Self.rounded(inherited[index]))
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
