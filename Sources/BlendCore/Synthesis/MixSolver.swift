/// Chooses how many BurstGPT, MMLU and OpenVid requests (prefixes of their streams, summing to
/// `total`) make a workload whose density and sharing are nearest to a target.
///
/// Nested integer bisection over exact prefix sums: for a fixed OpenVid count, sharing increases
/// with the MMLU count (MMLU replaces BurstGPT), so the inner bisection finds the smallest MMLU
/// count reaching the sharing target; with that MMLU count, density decreases with the OpenVid
/// count (OpenVid replaces BurstGPT), so the outer bisection finds the smallest OpenVid count at or
/// below the density target. The neighbours of the crossing are scored by the larger of the two
/// relative errors and the best one is kept.
struct MixSolver {
    /// The compute-heavy trace (BurstGPT); takes the requests the other two leave.
    let heavy: ComponentStream
    /// The shared-prefix trace (MMLU).
    let shared: ComponentStream
    /// The memory-heavy trace (OpenVid).
    let light: ComponentStream
    /// Requests in the mix.
    let total: Int
    /// The cost model densities are measured with.
    let cost: CostModel

    /// A chosen mix and what it achieves.
    struct Solution {
        /// Requests taken from the heavy, shared and light streams.
        var counts: (heavy: Int, shared: Int, light: Int)
        /// Totals of the mix under the exact accounting.
        var totals: ResourceTotals
        /// Relative error against the target: the larger of the density and sharing errors.
        var error: Double
    }

    /// The totals of `sharedCount` shared and `lightCount` light requests, the rest heavy.
    /// - Complexity: O(1).
    func totals(shared sharedCount: Int, light lightCount: Int) -> ResourceTotals {
        var sum = heavy.prefix[total - sharedCount - lightCount]
        sum += shared.prefix[sharedCount]
        sum += light.prefix[lightCount]
        return sum
    }

    /// The mix nearest to `(density, sharing)`.
    /// - Complexity: O(log² total).
    func solve(density: Double, sharing: Double) -> Solution {
        let lightCount = firstIndex(in: 0 ... total) { light in
            cost.density(totals(shared: sharedCount(light: light, sharing: sharing), light: light)) <= density
        }
        var best: Solution? = nil
        for light in max(0, lightCount - 1) ... min(total, lightCount) {
            let crossing = sharedCount(light: light, sharing: sharing)
            for sharedCount in max(0, crossing - 1) ... crossing {
                let sum = totals(shared: sharedCount, light: light)
                let error = max(abs(cost.density(sum) / density - 1), abs(sum.sharingRatio / sharing - 1))
                if best == nil || error < best!.error {
                    best = Solution(counts: (total - sharedCount - light, sharedCount, light), totals: sum, error: error)
                }
            }
        }
        return best!
    }

    /// The smallest shared count in `0 ... total − light` whose mix reaches `sharing`, or
    /// `total − light` when none does.
    /// - Complexity: O(log total).
    private func sharedCount(light: Int, sharing: Double) -> Int {
        firstIndex(in: 0 ... total - light) { totals(shared: $0, light: light).sharingRatio >= sharing }
    }

    /// The smallest value in `range` satisfying the monotone predicate `isAtOrPast`, or
    /// `range.upperBound` when none does.
    /// - Complexity: O(log range.count) calls of the predicate.
    private func firstIndex(in range: ClosedRange<Int>, where isAtOrPast: (Int) -> Bool) -> Int {
        var low = range.lowerBound, high = range.upperBound
        while low < high {
            let middle = low + (high - low) / 2
            if isAtOrPast(middle) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
