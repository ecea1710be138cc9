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
        let (steps, outcomes) = try sequences.run(plan) { batch, samples in
            let parameters = samples.flatMap { sample in
                let p = sample.parameters
                return [p.temperature, Double(p.topK ?? 0), p.topP, TokenSampler.uniform(seed: sample.seed, position: sample.position)]
            }
            return try forward.run(batch, sampling: parameters, cache: cache)
        }
        try forward.stream.synchronize()
        try copyStream.synchronize()
        let seconds = (ContinuousClock.now - started) / .seconds(1)
        return StepOutcome(steps: steps, seconds: seconds, sequences: outcomes)
    }
}
