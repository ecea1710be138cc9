/// Measures how much prompt computation an order of requests saves when each request reuses the
/// longest prefix it shares with the request just before it (a prefix cache holding one path).
///
/// For a DFS order of the prefix tree this reuse equals the maximum possible (every distinct
/// prefix computed once), so comparing an order's figure with the DFS figure tells how much of
/// the optimal sharing the order keeps.
public enum PromptSharing {
    /// Prompt tokens computed when `order` runs with reuse of the previous request's prefix only.
    /// - Complexity: O(total shared prefix length + requests).
    public static func computedPromptTokens<S: Sequence>(_ order: S, in workload: Workload) -> Int where S.Element == Int32 {
        workload.tokens.withUnsafeBufferPointer { tokens in
            var computed = 0
            var previous: Range<Int>? = nil
            for request in order {
                let current = workload.promptOffsets[Int(request)] ..< workload.promptOffsets[Int(request) + 1]
                var shared = 0
                if let previous {
                    let limit = min(previous.count, current.count)
                    while shared < limit, tokens[previous.lowerBound + shared] == tokens[current.lowerBound + shared] {
                        shared += 1
                    }
                }
                computed += current.count - shared
                previous = current
            }
            return computed
        }
    }

    /// The share of the optimal (unique-prefix) saving that `order` keeps:
    /// `(prompt − computed(order)) / (prompt − unique)`, 1 when nothing can be shared.
    /// - Complexity: as ``computedPromptTokens(_:in:)``.
    public static func keptFraction<S: Sequence>(_ order: S, in workload: Workload, uniquePromptTokens: Int) -> Double where S.Element == Int32 {
        let optimalSaving = workload.totalPromptTokens - uniquePromptTokens
        guard optimalSaving > 0 else { return 1 }
        let saving = workload.totalPromptTokens - computedPromptTokens(order, in: workload)
        return Double(saving) / Double(optimalSaving)
    }
}
