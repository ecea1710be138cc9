import BlendCore
@testable import BlendSim
import XCTest

/// A plan of `steps` decode steps must cost what the same steps cost one plan at a time.
final class SpanTests: XCTestCase {
    func testEnvelopeSumMatchesBruteForce() {
        var random = SeededGenerator(seed: 17)
        for trial in 0 ..< 2000 {
            let lines = (0 ..< Int.random(in: 1 ... 3, using: &random)).map { _ in
                _Line(intercept: Double.random(in: -50 ... 50, using: &random).rounded(),
                      slope: Double(Int.random(in: -4 ... 4, using: &random)) / Double(Int.random(in: 1 ... 3, using: &random)))
            }
            let n = Int.random(in: 0 ... 60, using: &random)
            var brute = 0.0
            for k in 0 ..< n { brute += lines.map { $0.value(at: Double(k)) }.max()! }
            let closed = _LinearEnvelope.sumOfMaximum(lines, count: n)
            XCTAssertEqual(closed, brute, accuracy: 1e-9 * max(1, abs(brute)), "trial \(trial): \(lines), n \(n)")
        }
    }

    /// Random small plans, every kernel, both modes, one or two GPUs: a span of n steps and n
    /// single steps agree within 0.1% (in fact to rounding, which is what the test holds them to).
    func testSpanEqualsStepwiseExecution() throws {
        let seed: UInt64 = 20_260_611
        var random = SeededGenerator(seed: seed)
        let kernels: [AttentionKernel] = [.ideal, .unsplit, .splitKV(chunkTokens: 16), .splitKV(chunkTokens: 64),
                                          .splitKV(chunkTokens: 256), .splitKV(chunkTokens: 512)]
        var worst = 0.0
        for trial in 0 ..< 300 {
            // Small batches are memory-bound throughout; large batches of short sequences start
            // compute-bound and cross over as their KV grows.
            let large = Int.random(in: 0 ..< 4, using: &random) == 0
            let count = large ? Int.random(in: 100 ... 500, using: &random) : Int.random(in: 1 ... 12, using: &random)
            let prompts = (0 ..< count).map { _ in Int.random(in: 1 ... (large ? 100 : 3000), using: &random) }
            let generated = (0 ..< count).map { _ in Int.random(in: 1 ... (large ? 50 : 400), using: &random) }
            // Some requests finish inside the span, some have no known length.
            // (Large batches finish late, or their spans would be a few steps long.)
            let outputs: [Int?] = (0 ..< count).map { index in
                switch large ? 3 : Int.random(in: 0 ..< 4, using: &random) {
                case 0: return nil
                case 1: return generated[index] + Int.random(in: 1 ... 200, using: &random)
                default: return generated[index] + 10_000
                }
            }
            let remaining = (0 ..< count).map { _ in large ? 1 << 20 : Int.random(in: 1 ... 1000, using: &random) }
            let workload = makeWorkload(prompts: prompts, outputs: outputs)

            var options = SimulationOptions()
            options.mode = Bool.random(using: &random) ? .sequential : .overlapped
            options.attention = kernels.randomElement(using: &random)!
            options.interference = Double.random(in: 0 ... 1, using: &random)
            options.stepOverhead = Double.random(in: 0 ... 1e-3, using: &random)
            options.streamingMultiprocessors = Int.random(in: 4 ... 132, using: &random)
            let hardware = HardwareSpec.a100_80GB.withGPUCount(Int.random(in: 1 ... 2, using: &random))
            // A small model makes compute and memory cross within the span.
            let model = [ModelSpec.llama31_8B, .smolLM2_135M, .opt2_7B].randomElement(using: &random)!
            let gpu = SimulatedGPU(workload: workload, model: model, hardware: hardware, options: options)

            let steps = Int.random(in: 1 ... 300, using: &random)
            func sequences(after k: Int) -> [ScheduledSequence] {
                (0 ..< count).map { decode($0, kvLength: prompts[$0] + generated[$0] + k, remaining: remaining[$0] - k) }
            }
            let span = try gpu.simulate(StepPlan(sequences: sequences(after: 0), steps: steps))
            XCTAssertGreaterThanOrEqual(span.steps, 1)
            XCTAssertLessThanOrEqual(span.steps, steps)

            var seconds = 0.0, compute = 0.0, memory = 0.0
            var finishedAt: [Int?] = Array(repeating: nil, count: count)
            for k in 0 ..< span.steps {
                let single = try gpu.simulate(StepPlan(sequences: sequences(after: k)))
                XCTAssertEqual(single.steps, 1)
                seconds += single.seconds
                compute += single.computeSeconds!
                memory += single.memorySeconds!
                for (index, outcome) in single.sequences.enumerated() where outcome.finish != nil && finishedAt[index] == nil {
                    finishedAt[index] = k + 1
                }
            }
            let context = "seed \(seed) trial \(trial): \(options.mode) \(options.attention) \(model.name) ×\(hardware.gpuCount), \(span.steps) steps"
            let difference = relativeDifference(span.seconds, seconds)
            worst = max(worst, difference)
            // The contract is 0.1%; the closed form is exact up to rounding, so hold it to 1e-9,
            // which also catches mistakes that touch only a few steps of a long span.
            XCTAssertLessThan(difference, 1e-9, context)
            XCTAssertLessThan(relativeDifference(span.computeSeconds!, compute), 1e-9, context)
            XCTAssertLessThan(relativeDifference(span.memorySeconds!, memory), 1e-9, context)
            // The span stops exactly at the first finish, and reports who finished there.
            if span.steps < steps {
                XCTAssertTrue(finishedAt.contains(span.steps), context)
            }
            for (index, outcome) in span.sequences.enumerated() {
                XCTAssertEqual(outcome.generated, span.steps, context)
                XCTAssertEqual(outcome.finish != nil, finishedAt[index] == span.steps, context)
                XCTAssertTrue(outcome.tokens.isEmpty)
            }
        }
        print("worst relative difference span vs stepwise: \(worst)")
    }
}
