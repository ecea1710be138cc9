import BlendCore
@testable import BlendSim

/// A workload whose request `i` has a prompt of `prompts[i]` tokens and true output length
/// `outputs[i]` (`nil`: unknown).
func makeWorkload(prompts: [Int], outputs: [Int?]) -> Workload {
    precondition(prompts.count == outputs.count)
    var workload = Workload()
    for (index, length) in prompts.enumerated() {
        workload.append(id: "r\(index)", prompt: [Int32](repeating: 7, count: length), outputLength: outputs[index])
    }
    return workload
}

/// A one-token decode step of `request` attending to `kvLength` tokens (it computes position
/// `kvLength − 1`).
func decode(_ request: Int, kvLength: Int, remaining: Int = 1 << 30) -> ScheduledSequence {
    ScheduledSequence(request: Int32(request), start: kvLength - 1, count: 1, tokens: [-1], newBlocks: [],
                      resetsBlockTable: false, samples: true, remainingTokens: remaining)
}

/// A prefill chunk of `request` computing positions `start ..< start + count`.
func prefill(_ request: Int, start: Int, count: Int, samples: Bool, remaining: Int = 1 << 30) -> ScheduledSequence {
    ScheduledSequence(request: Int32(request), start: start, count: count,
                      tokens: [Int32](repeating: 7, count: count), newBlocks: [],
                      resetsBlockTable: start == 0, samples: samples, remainingTokens: remaining)
}

/// Options with the given mode and kernel and every other default.
func options(_ mode: ExecutionMode, _ attention: AttentionKernel = .ideal) -> SimulationOptions {
    SimulationOptions(mode: mode, attention: attention)
}

/// Relative difference `|a − b| / max(|a|, |b|)`, 0 when both are 0.
func relativeDifference(_ a: Double, _ b: Double) -> Double {
    let scale = max(abs(a), abs(b))
    return scale == 0 ? 0 : abs(a - b) / scale
}
