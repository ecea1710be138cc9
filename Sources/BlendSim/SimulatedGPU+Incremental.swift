import BlendCore

extension SimulatedGPU {
    /// Simulates an incremental plan against the running batch: removals and listed sequences
    /// leave it, the listed ones are priced one by one and the implicit decodes by the batch's
    /// aggregates, the steps stop at the first finish (listed or implicit), and the listed
    /// sequences that sampled and did not finish join the batch.
    /// - Complexity: O(listed + removals + finishes) plus O(log batch) per change; O(C) more
    ///   under split-KV.
    func simulateIncremental(_ plan: StepPlan, batch: inout SimulatedBatch) throws -> StepOutcome {
        let transfers = try transferSeconds(plan.transfers, prefetched: false)
        let prefetches = try transferSeconds(plan.prefetches, prefetched: true)
        let sequences = plan.sequences
        for request in plan.removals {
            guard request >= 0, Int(request) < outputLengths.count, batch.contains(request) else {
                throw SimulationError.invalidPlan("removal of request \(request), which is not in the running batch")
            }
            batch.remove(request)
        }
        let chunk = costModel.attention.chunkTokens
        var load = StepLoad()
        var steps = plan.steps
        var finishes: [(step: Int, reason: FinishReason)] = []
        finishes.reserveCapacity(sequences.count)
        // By index: iterating the entries by value would copy each one's two arrays.
        for index in sequences.indices {
            try validate(sequences[index], steps: plan.steps)
            batch.remove(sequences[index].request)
            load.add(start: sequences[index].start, count: sequences[index].count, samples: sequences[index].samples,
                     chunkTokens: chunk)
            if sequences[index].samples {
                let finish = try finishStep(sequences[index])
                if finish.step < steps { steps = finish.step }
                finishes.append(finish)
            } else {
                finishes.append((0, .length))
            }
        }

        let now = batch.stepsRun
        let implicit = batch.count
        if implicit > 0 {
            load.tokens += implicit
            load.sampledSequences += implicit
            load.decodeSequences += implicit
            load.decodeKVTokens += batch.baseSum + implicit * (now + 1)
            load.longestDecodeKV = max(load.longestDecodeKV, batch.largestBase()! + now + 1)
            if chunk != nil { load.decodeKVChunks += batch.chunkSum(at: now) }
            steps = min(steps, batch.earliestFinish()! - now)
        }
        guard load.tokens > 0 else {
            return StepOutcome(steps: 0, seconds: transfers + prefetches, computeSeconds: 0, memorySeconds: 0, sequences: [])
        }

        var outcomes: [SequenceOutcome] = []
        outcomes.reserveCapacity(sequences.count)
        for (index, finish) in finishes.enumerated() {
            let request = sequences[index].request
            guard sequences[index].samples else {
                outcomes.append(SequenceOutcome(request: request, generated: 0))
                continue
            }
            outcomes.append(SequenceOutcome(request: request, generated: steps,
                                            finish: finish.step == steps ? finish.reason : nil))
        }
        let cost = steps == 1
            ? costModel.stepCost(load)
            : costModel.spanCost(first: load, steps: steps) { counts in
                for index in sequences.indices { counts[(sequences[index].start + 1) % counts.count] += 1 }
                batch.addResidues(at: now, to: counts)
            }
        if implicit > 0 {
            for finished in batch.removeFinishing(at: now + steps) {
                outcomes.append(SequenceOutcome(request: finished.request, generated: steps,
                                                finish: finished.stop ? .stop : .length))
            }
        }
        batch.stepsRun = now + steps
        for (index, finish) in finishes.enumerated() where sequences[index].samples && finish.step > steps {
            batch.insert(sequences[index].request, base: sequences[index].end - 1 - now, finishAt: now + finish.step,
                         stop: finish.reason == .stop)
        }
        return StepOutcome(steps: steps, seconds: transfers + max(cost.seconds, prefetches), computeSeconds: cost.computeSeconds,
                           memorySeconds: cost.memorySeconds, sequences: outcomes)
    }
}
