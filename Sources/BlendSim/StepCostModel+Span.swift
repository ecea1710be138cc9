import BlendCore

extension StepCostModel {
    /// The summed cost of `steps` decode steps in which every sequence of `first` computes one
    /// token and samples, and each KV length grows by one per step.
    ///
    /// Compute, network and weight reads are the same every step; decode attention at step `k`
    /// (counting from 0) sees KV lengths `L_i + k`, so
    /// - ideal: `t·h·(ΣL + N·k)` is a line in `k`;
    /// - unsplit: the maximum of two lines (`ΣL`-bound and straggler);
    /// - split-KV: `Σ_i ceil((L_i + k)/C)` grows by the number of sequences whose `L_i + k − 1`
    ///   is a multiple of `C`, counted by residue of `L_i` modulo `C`.
    /// The overlapped rule `max + ι·(sum − max)` equals `(1−ι)·max + ι·sum`, so the span needs
    /// only `Σ max(c, n, m_k)`: the envelope of at most three lines, summed in closed form.
    ///
    /// - Parameters:
    ///   - first: the load of the first step (only decode sequences, all sampling).
    ///   - steps: steps to sum (at least 1).
    ///   - kvLengths: each sequence's KV length `L_i` at the first step; read only by split-KV.
    /// - Complexity: O(1) for the ideal and unsplit kernels; O(N + steps + C) for split-KV.
    ///   Never O(N × steps).
    public func spanCost<KV: Sequence<Int>>(first: StepLoad, steps: Int, kvLengths: KV) -> StepCost {
        guard steps > 0, first.tokens > 0 else { return StepCost() }
        if steps == 1 { return stepCost(first) }
        precondition(first.prefillAttentionPairs == 0 && first.decodeSequences == first.tokens,
                     "a multi-step span holds only decode sequences")
        let n = Double(steps)
        let c = computeSeconds(first), net = networkSeconds(first)
        let weights = weightReadSeconds(sampled: first.sampledSequences)
        let sequences = Double(first.decodeSequences)
        let idealLine = _Line(intercept: weights + attention.kvTokenSeconds * Double(first.decodeKVTokens),
                              slope: attention.kvTokenSeconds * sequences)

        var memory = 0.0
        var maxSum = 0.0  // Σ max(c, net, m_k), needed by the overlapped mode
        switch attention.kernel {
        case .ideal, .unsplit:
            var lines = [idealLine]
            if case .unsplit = attention.kernel {
                let straggler = attention.stragglerTokenSeconds
                lines.append(_Line(intercept: weights + straggler * Double(first.longestDecodeKV), slope: straggler))
            }
            memory = _LinearEnvelope.sumOfMaximum(lines, count: steps)
            if options.mode == .overlapped {
                lines.append(_Line(intercept: max(c, net), slope: 0))
                maxSum = _LinearEnvelope.sumOfMaximum(lines, count: steps)
            }
        case .splitKV(let chunk):
            (memory, maxSum) = splitKVSpan(first: first, steps: steps, chunk: chunk, kvLengths: kvLengths,
                                           weights: weights, floor: max(c, net))
        }

        let seconds: Double
        switch options.mode {
        case .sequential:
            seconds = n * (c + net) + memory
        case .overlapped:
            let iota = options.interference
            seconds = (1 - iota) * maxSum + iota * (n * (c + net) + memory)
        }
        return StepCost(computeSeconds: n * c, memorySeconds: memory, networkSeconds: n * net,
                        seconds: seconds + n * options.stepOverhead)
    }

    /// `(Σ m_k, Σ max(floor, m_k))` under split-KV, with `m_k` = weights + waves(k) · wave time.
    /// - Complexity: O(N + steps + C), one temporary buffer of `C` counters.
    private func splitKVSpan<KV: Sequence<Int>>(
        first: StepLoad, steps: Int, chunk: Int, kvLengths: KV, weights: Double, floor: Double
    ) -> (memory: Double, maxSum: Double) {
        let wave = attention.waveSeconds
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: chunk) { counts in
            counts.initialize(repeating: 0)
            for length in kvLengths { counts[length % chunk] += 1 }
            var chunks = first.decodeKVChunks
            var memory = 0.0, maxSum = 0.0
            for k in 0 ..< steps {
                if k > 0 {
                    // ceil((L + k)/C) − ceil((L + k − 1)/C) = 1 exactly when L + k − 1 ≡ 0 (mod C),
                    // i.e. L ≡ 1 − k (mod C).
                    let residue = ((1 - k) % chunk + chunk) % chunk
                    chunks += counts[residue]
                }
                let m = weights + Double(attention.waves(chunks: chunks)) * wave
                memory += m
                maxSum += max(floor, m)
            }
            return (memory, maxSum)
        }
    }
}
