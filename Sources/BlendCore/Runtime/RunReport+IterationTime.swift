extension RunReport {
    /// Iteration time per output token: the token-weighted median and 99th percentile (nearest
    /// rank) of the duration of the engine step (iteration) that produced each output token, read
    /// from ``timeline`` (zeros when the run kept no timeline).
    ///
    /// Unlike ``timePerOutputToken`` (TPOT: a request's time from its first to its last token
    /// over its tokens after the first, which counts every wait between tokens, such as
    /// AlignedServe's pool waits; streaming benchmarks' inter-token latency counts them too),
    /// this counts only the steps a token was decoded in, so it measures how long decode
    /// iterations are: the straggler effect AlignedServe removes (its paper's Fig. 13). Every
    /// sequence of a plan is taken to produce one token per step (a prefill chunk that does not
    /// sample is counted too, a small overcount in steps that mix prefill and decode).
    /// - Complexity: O(plans log plans).
    public var iterationTime: (p50: Double, p99: Double) {
        let steps = timeline.lazy.filter { $0.steps > 0 && $0.sequences > 0 }
            .map { (seconds: $0.seconds / Double($0.steps), tokens: Double($0.steps * $0.sequences)) }
            .sorted { $0.seconds < $1.seconds }
        let total = steps.reduce(0) { $0 + $1.tokens }
        guard total > 0 else { return (0, 0) }
        func rank(_ q: Double) -> Double {
            var seen = 0.0
            for step in steps {
                seen += step.tokens
                if seen >= q * total { return step.seconds }
            }
            return steps[steps.count - 1].seconds
        }
        return (rank(0.5), rank(0.99))
    }
}
