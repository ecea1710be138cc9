import BlendCore

extension StepCostModel {
    /// The summed cost of `steps` decode steps in which every sequence of `first` computes one
    /// token and samples, and each KV length grows by one per step.
    ///
    /// Compute, network and weight reads are the same every step; decode attention at step `k`
    /// (counting from 0) sees KV lengths `L_i + k`, so
    /// - ideal: `t·h·(ΣL + N·k)` is a line in `k`;
    /// - unsplit: between the steps at which the longest sequence's padded length changes the
    ///   blocks an SM holds, the maximum of two lines (the bulk, and the bulk plus the straggler's
    ///   tail);
    /// - split-KV: `Σ_i ceil((L_i + k)/C)` grows by the number of sequences whose `L_i + k − 1`
    ///   is a multiple of `C`, counted by residue of `L_i` modulo `C`.
    /// The overlapped rule `max + ι·(sum − max)` equals `(1−ι)·max + ι·sum`, so the span needs
    /// only `Σ max(c, n, m_k)`: the envelope of at most three lines, summed in closed form.
    ///
    /// - Parameters:
    ///   - first: the load of the first step (only decode sequences, all sampling).
    ///   - steps: steps to sum (at least 1).
    ///   - kvLengths: each sequence's KV length `L_i` at the first step; read only by split-KV.
    /// - Complexity: O(1) for the ideal kernel; O(steps / blockSize) for the unsplit kernel;
    ///   O(N + steps + C) for split-KV.
    ///   Never O(N × steps).
    public func spanCost<KV: Sequence<Int>>(first: StepLoad, steps: Int, kvLengths: KV) -> StepCost {
        spanCost(first: first, steps: steps) { counts in
            for length in kvLengths { counts[length % counts.count] += 1 }
        }
    }

    /// ``spanCost(first:steps:kvLengths:)`` with the KV lengths given by their residues: under
    /// split-KV with chunk `C`, `addResidues` adds to a buffer of `C` zeroed counters the number of
    /// sequences whose first-step KV length `L_i` has each residue modulo `C` (it is not called
    /// for the other kernels). An engine that keeps those counts as its batch changes prices a
    /// span without visiting every sequence.
    /// - Complexity: O(1) for the ideal kernel; O(steps / blockSize) for the unsplit kernel;
    ///   O(steps + C) plus `addResidues` for split-KV.
    public func spanCost(first: StepLoad, steps: Int, kvResidues addResidues: (UnsafeMutableBufferPointer<Int>) -> Void) -> StepCost {
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
        case .ideal:
            var lines = [idealLine]
            memory = _LinearEnvelope.sumOfMaximum(lines, count: steps)
            if options.mode == .overlapped {
                lines.append(_Line(intercept: max(c, net), slope: 0))
                maxSum = _LinearEnvelope.sumOfMaximum(lines, count: steps)
            }
        case .unsplit:
            (memory, maxSum) = unsplitSpan(first: first, steps: steps, weights: weights, floor: max(c, net))
        case .splitKV(let chunk):
            (memory, maxSum) = splitKVSpan(first: first, steps: steps, chunk: chunk, addResidues: addResidues,
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

    /// `(Σ m_k, Σ max(floor, m_k))` under the unsplit kernel: the span is cut where the blocks
    /// an SM holds change (the longest sequence's logits buffer grows by one KV block); within a
    /// piece `m_k = weights + E_k + t_b · max(0, tail_k)` with `E_k` and `tail_k` lines in `k`.
    /// - Complexity: O(steps / blockSize) occupancy look-ups.
    private func unsplitSpan(first: StepLoad, steps: Int, weights: Double, floor: Double)
        -> (memory: Double, maxSum: Double) {
        let sequences = Double(first.decodeSequences), heads = Double(attention.kvHeadsPerGPU)
        let sum = Double(first.decodeKVTokens), longest = first.longestDecodeKV
        var memory = 0.0, maxSum = 0.0
        var start = 0
        while start < steps {
            // The occupancy changes only where the padded length does: one step past each
            // multiple of the block size.
            let occupancy = attention.blocksPerSM(longest: longest + start)
            let block = attention.blockSize
            var end = start
            repeat {
                end = (longest + end + block - 1) / block * block + 1 - longest
            } while end < steps && attention.blocksPerSM(longest: longest + end) == occupancy
            end = min(end, steps)
            let shape = attention.unsplitShape(sequences: first.decodeSequences, longest: longest + start)
            let k0 = Double(start)
            let bulk = _Line(intercept: weights + attention.kvTokenSeconds * shape.slowdown * (sum + sequences * k0),
                             slope: attention.kvTokenSeconds * shape.slowdown * sequences)
            let tailPerToken = attention.blockTokenSeconds
            let tail = _Line(
                intercept: bulk.intercept + tailPerToken * (Double(longest) + k0 - heads * (sum + sequences * k0) / shape.active),
                slope: bulk.slope + tailPerToken * (1 - heads * sequences / shape.active))
            let count = end - start
            var lines = [bulk, tail]
            memory += _LinearEnvelope.sumOfMaximum(lines, count: count)
            if options.mode == .overlapped {
                lines.append(_Line(intercept: floor, slope: 0))
                maxSum += _LinearEnvelope.sumOfMaximum(lines, count: count)
            }
            start = end
        }
        return (memory, maxSum)
    }

    /// `(Σ m_k, Σ max(floor, m_k))` under split-KV, with `m_k` = weights + waves(k) · wave time.
    /// - Complexity: O(steps + C) plus `addResidues`, one temporary buffer of `C` counters.
    private func splitKVSpan(
        first: StepLoad, steps: Int, chunk: Int, addResidues: (UnsafeMutableBufferPointer<Int>) -> Void,
        weights: Double, floor: Double
    ) -> (memory: Double, maxSum: Double) {
        let wave = attention.waveSeconds
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: chunk) { counts in
            counts.initialize(repeating: 0)
            addResidues(counts)
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
