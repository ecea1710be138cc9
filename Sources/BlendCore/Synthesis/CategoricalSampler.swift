/// Draws category indices `0 ..< count` with probabilities proportional to fixed weights.
public struct CategoricalSampler: Sendable, Hashable {
    /// `cumulative[i]` is the sum of the weights of categories `0 ... i`.
    private let cumulative: [Double]

    /// Creates a sampler over `weights.count` categories. Weights must be finite and
    /// non-negative with a positive sum.
    /// - Complexity: O(weights.count).
    public init(weights: [Double]) {
        precondition(weights.allSatisfy { $0 >= 0 && $0.isFinite }, "weights must be finite and non-negative")
        var running = 0.0
        cumulative = weights.map { running += $0; return running }
        precondition(running > 0, "weights must have a positive sum")
    }

    /// Number of categories.
    /// - Complexity: O(1).
    public var count: Int { cumulative.count }

    /// Draws one category index (one draw of `generator`, then a binary search).
    /// - Complexity: O(log count).
    public func sample<G: RandomNumberGenerator>(using generator: inout G) -> Int {
        let target = generator.nextUnitInterval() * cumulative[cumulative.count - 1]
        var low = 0, high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] > target { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
