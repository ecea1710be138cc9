import BlendCore

/// The batch-invariance workload the engines' tests share: ten requests in two prefix groups
/// (prefixes of 40 and 23 tokens, over two KV blocks) with tails of 3 to 21 tokens and 6 to 33 new
/// tokens, even requests greedy and odd ones sampled with their own seed.
public enum PrefixGroupWorkload {
    /// The workload over token ids below `vocabulary`, and each request's sampling parameters.
    public static func make(vocabulary: Int) -> (Workload, [SamplingParameters]) {
        var workload = Workload()
        var sampling: [SamplingParameters] = []
        let prefixes = [(0..<40).map { Int32(($0 * 7 + 3) % vocabulary) }, (0..<23).map { Int32(($0 * 11 + 1) % vocabulary) }]
        for i in 0..<10 {
            let tail = (0..<(3 + i * 2)).map { Int32(($0 * 13 + i * 5 + 2) % vocabulary) }
            workload.append(id: "r\(i)", prompt: prefixes[i % 2] + tail, maxNewTokens: 6 + 3 * i)
            sampling.append(i % 2 == 0 ? SamplingParameters(temperature: 0)
                                       : SamplingParameters(temperature: 0.9, topP: 0.95, seed: UInt64(100 + i)))
        }
        return (workload, sampling)
    }
}
