/// The first `count` requests of one component, drawn in a fixed order from the component's own
/// sub-stream (so request `k` does not depend on how many are drawn or used), with prefix sums of
/// their ``ResourceTotals`` under the exact unique-prompt-token accounting.
///
/// The accounting counts the nodes of an uncompressed trie over the prompts. Request `k` of the
/// stream adds its whole prompt except: the system prompt when an earlier request of the component
/// exists; the group header when an earlier request of its group exists; and its first index
/// token when it is the `j`-th request of its group with `j >= vocabSize`, because that token is
/// `j mod vocabSize`, the same as request `j − vocabSize`'s. Components start with distinct tokens
/// and groups with distinct header tokens, so the count of a union of stream prefixes is the sum
/// of their counts.
struct ComponentStream {
    /// The component drawn from.
    let component: TraceComponent
    /// Prompt length of each request.
    private(set) var promptLengths: [Int32] = []
    /// Output length of each request.
    private(set) var outputLengths: [Int32] = []
    /// Prefix group of each request.
    private(set) var groups: [UInt8] = []
    /// Index of each request among the requests of its group, in stream order.
    private(set) var indicesInGroup: [Int32] = []
    /// `prefix[k]` holds the totals of requests `0 ..< k`.
    private(set) var prefix: [ResourceTotals] = []

    /// Draws `count` requests of `component` from the sub-stream of `seed`.
    /// - Complexity: O(count).
    init(component: TraceComponent, count: Int, seed: UInt64, vocabSize: Int) {
        self.component = component
        var generator = SeededGenerator(seed: seed, stream: SynthesisStream.lengths.key(component), index: 0)
        promptLengths.reserveCapacity(count)
        outputLengths.reserveCapacity(count)
        groups.reserveCapacity(count)
        indicesInGroup.reserveCapacity(count)
        prefix.reserveCapacity(count + 1)
        var groupCounts = [Int](repeating: 0, count: component.groupCount)
        var running = ResourceTotals()
        prefix.append(running)
        for k in 0 ..< count {
            let request = component.sample(using: &generator)
            let indexInGroup = groupCounts[request.group]
            groupCounts[request.group] += 1
            var shared = k > 0 ? component.systemPromptLength : 0
            if indexInGroup > 0 { shared += component.groupHeaderLength }
            if indexInGroup >= vocabSize { shared += 1 }
            promptLengths.append(Int32(request.promptLength))
            outputLengths.append(Int32(request.outputLength))
            groups.append(UInt8(request.group))
            indicesInGroup.append(Int32(indexInGroup))
            running += ResourceTotals(prompt: request.promptLength, output: request.outputLength, unique: request.promptLength - shared)
            prefix.append(running)
        }
    }
}

/// The purposes sub-streams of a synthesis seed are drawn for.
enum SynthesisStream: UInt64 {
    /// A component's request lengths and groups, in stream order.
    case lengths = 1
    /// One request's random tail tokens (index: the request's position in its component stream).
    case tailTokens = 2
    /// A component's system prompt and group headers.
    case sharedPrompts = 3
    /// The final request order.
    case shuffle = 4

    /// The sub-stream key of this purpose.
    var key: UInt64 { rawValue << 8 }

    /// The sub-stream key of this purpose for `component`.
    func key(_ component: TraceComponent) -> UInt64 { key | UInt64(component.number) }
}
