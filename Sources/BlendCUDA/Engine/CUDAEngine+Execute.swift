import BlendCore
import BlendCPU
import Foundation

extension CUDAEngine {
    /// Performs the plan's transfers, starts its prefetches on the copy stream, runs its steps
    /// (feeding each decoding sequence the token it sampled last) on the compute stream, and waits
    /// for the prefetches.
    /// - Throws: `ModelLoadError` for a plan that breaks the protocol (a position beyond the block
    ///   table or the context, too many tokens, a token outside the vocabulary), ``CUDAError`` when
    ///   the device fails.
    /// - Complexity: O(steps × forward pass).
    public func execute(_ plan: StepPlan) async throws -> StepOutcome {
        try lock.withLock { try run(plan) }
    }

    /// `execute`'s work, under the lock.
    private func run(_ plan: StepPlan) throws -> StepOutcome {
        let started = ContinuousClock.now
        try context.makeCurrent()
        for transfer in plan.transfers { try cache.perform(transfer, on: forward.stream) }
        if !plan.prefetches.isEmpty {
            try transfersDone.record(on: forward.stream)
            try copyStream.wait(for: transfersDone)
            for transfer in plan.prefetches { try cache.perform(transfer, on: copyStream) }
        }
        for scheduled in plan.sequences {
            var state = sequences[scheduled.request] ?? SequenceState()
            if scheduled.resetsBlockTable { state.blockTable.removeAll(keepingCapacity: true) }
            state.blockTable.append(contentsOf: scheduled.newBlocks)
            if state.stops == nil, let stop = parameters(scheduled.request).stop.nonEmpty {
                state.stops = StopStringMatcher(stop)
            }
            sequences[scheduled.request] = state
        }
        var outcomes = plan.sequences.map { SequenceOutcome(request: $0.request, generated: 0) }
        var inputs = plan.sequences.map(\.tokens)
        var steps = 0
        while steps < max(1, plan.steps) {
            try runStep(plan, step: steps, inputs: inputs, outcomes: &outcomes)
            steps += 1
            if outcomes.contains(where: { $0.finish != nil }) { break }
            for i in inputs.indices { inputs[i] = [outcomes[i].tokens.last ?? 0] }
        }
        try forward.stream.synchronize()
        try copyStream.synchronize()
        for outcome in outcomes where outcome.finish != nil { sequences[outcome.request] = nil }
        let seconds = (ContinuousClock.now - started) / .seconds(1)
        return StepOutcome(steps: steps, seconds: seconds, sequences: outcomes)
    }

    /// One forward pass over the plan's sequences at decode step `step`, sampling on the device.
    private func runStep(_ plan: StepPlan, step: Int, inputs: [[Int32]], outcomes: inout [SequenceOutcome]) throws {
        batch.removeAll()
        var samplers: [Int] = []
        for (index, scheduled) in plan.sequences.enumerated() {
            let start = scheduled.start + step
            let count = step == 0 ? scheduled.count : 1
            let table = sequences[scheduled.request]!.blockTable
            guard inputs[index].count == count, start + count <= model.config.contextLength,
                  start + count <= table.count * options.blockSize else {
                throw ModelLoadError(source: "CUDA engine", problem:
                    "request \(scheduled.request): positions \(start)..<\(start + count) with \(inputs[index].count) tokens do not fit its \(table.count) blocks or the context")
            }
            guard table.allSatisfy({ (0..<Int32(capacity.deviceBlocks)).contains($0) }) else {
                throw ModelLoadError(source: "CUDA engine", problem: "request \(scheduled.request): its block table names a block outside the device's \(capacity.deviceBlocks)")
            }
            for (offset, token) in inputs[index].enumerated() {
                guard (0..<Int32(model.config.vocabularySize)).contains(token) else {
                    throw ModelLoadError(source: "CUDA engine", problem: "request \(scheduled.request): token id \(token) is outside the vocabulary")
                }
                batch.tokens.append(token)
                batch.positions.append(Int32(start + offset))
                batch.sequenceOfToken.append(Int32(index))
            }
            batch.blockTables.append(table)
            if scheduled.samples {
                let p = parameters(scheduled.request)
                let position = start + count
                let draw = TokenSampler.uniform(seed: p.seed ?? UInt64(UInt32(bitPattern: scheduled.request)), position: position)
                batch.logitTokens.append(Int32(batch.tokens.count - 1))
                batch.sampling.append(contentsOf: [p.temperature, Double(p.topK ?? 0), p.topP, draw])
                samplers.append(index)
            }
        }
        guard batch.tokens.count <= forward.maxTokens, samplers.count <= options.maxSequencesPerStep else {
            throw ModelLoadError(source: "CUDA engine", problem:
                "a step of \(batch.tokens.count) tokens and \(samplers.count) samples exceeds the engine's limits")
        }
        let tokens = try forward.run(batch, cache: cache)
        for (row, index) in samplers.enumerated() {
            let token = tokens[row]
            outcomes[index].tokens.append(token)
            outcomes[index].generated += 1
            outcomes[index].finish = finishReason(plan.sequences[index], token: token, generated: outcomes[index].generated)
        }
    }

    /// Why the sequence stops after sampling `token`, if it does.
    private func finishReason(_ scheduled: ScheduledSequence, token: Int32, generated: Int) -> FinishReason? {
        if stopTokens.contains(token) { return .stop }
        if var state = sequences[scheduled.request], let stops = state.stops, let tokenizer {
            let searched = state.generatedBytes.count
            state.generatedBytes.append(contentsOf: tokenizer.tokenBytes(token))
            sequences[scheduled.request] = state
            if stops.firstMatch(in: state.generatedBytes, clearPrefix: searched) != nil { return .stop }
        }
        return generated >= scheduled.remainingTokens ? .length : nil
    }

    private func parameters(_ request: Int32) -> SamplingParameters {
        Int(request) < sampling.count ? sampling[Int(request)] : SamplingParameters(temperature: 0)
    }
}

private extension Array {
    /// The array, or nil when it is empty.
    var nonEmpty: Self? { isEmpty ? nil : self }
}
