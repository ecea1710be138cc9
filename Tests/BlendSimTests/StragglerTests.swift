import BlendCore
import BlendSim
import XCTest

/// AlignedServe §7.4: a decode batch of 32 in which 2 sequences attend to 8K tokens and 30 to
/// 512. Under the unsplit kernel the long sequences are stragglers (the paper's Fig. 1 shows
/// +61% iteration time for 6.25% long requests); under the ideal kernel the attention time
/// grows only with ΣL; split-KV lies between.
final class StragglerTests: XCTestCase {
    static let short = 512, long = 8192

    let workload = makeWorkload(prompts: [Int](repeating: 100, count: 32), outputs: [Int?](repeating: nil, count: 32))

    func plan(longMembers: Int) -> StepPlan {
        StepPlan(sequences: (0 ..< 32).map { decode($0, kvLength: $0 < longMembers ? Self.long : Self.short) })
    }

    /// (uniform-batch seconds, mixed-batch seconds) under `kernel`.
    func iterationSeconds(_ kernel: AttentionKernel, _ mode: ExecutionMode = .sequential) throws -> (Double, Double) {
        let gpu = SimulatedGPU(workload: workload, model: .llama31_8B, hardware: .a100_80GB, options: options(mode, kernel))
        return (try gpu.simulate(plan(longMembers: 0)).seconds, try gpu.simulate(plan(longMembers: 2)).seconds)
    }

    func testUnsplitKernelMakesTheLongSequencesStragglers() throws {
        let (uniform, mixed) = try iterationSeconds(.unsplit)
        let increase = mixed / uniform - 1
        print("unsplit: \(uniform * 1e3) ms -> \(mixed * 1e3) ms (+\(increase * 100)%)")
        XCTAssertGreaterThan(increase, 0.40, "two 8K stragglers in 32 should slow the iteration a lot")
    }

    func testIdealKernelGrowsWithTheSumOfKVLengths() throws {
        let gpu = SimulatedGPU(workload: workload, model: .llama31_8B, hardware: .a100_80GB, options: options(.sequential))
        let uniform = try gpu.simulate(plan(longMembers: 0)), mixed = try gpu.simulate(plan(longMembers: 2))
        let sumUniform = 32 * Self.short, sumMixed = 30 * Self.short + 2 * Self.long
        let perToken = gpu.costModel.attention.kvTokenSeconds
        XCTAssertEqual(mixed.memorySeconds! - uniform.memorySeconds!, Double(sumMixed - sumUniform) * perToken,
                       accuracy: 1e-12)
        XCTAssertEqual(mixed.computeSeconds!, uniform.computeSeconds!, accuracy: 1e-15)
        let increase = mixed.seconds / uniform.seconds - 1
        print("ideal: \(uniform.seconds * 1e3) ms -> \(mixed.seconds * 1e3) ms (+\(increase * 100)%)")
        XCTAssertLessThan(increase, 0.20)
        let (unsplitUniform, unsplitMixed) = try iterationSeconds(.unsplit)
        XCTAssertGreaterThan(unsplitMixed / unsplitUniform - 1, 3 * increase)
    }

    func testSplitKVLiesBetweenIdealAndUnsplit() throws {
        for mode in [ExecutionMode.sequential, .overlapped] {
            let (_, ideal) = try iterationSeconds(.ideal, mode)
            let (_, unsplit) = try iterationSeconds(.unsplit, mode)
            for chunk in [256, 512, 1024] {
                let (uniform, split) = try iterationSeconds(.splitKV(chunkTokens: chunk), mode)
                print("\(mode) splitKV(\(chunk)): \(uniform * 1e3) ms -> \(split * 1e3) ms (ideal \(ideal * 1e3), unsplit \(unsplit * 1e3))")
                XCTAssertGreaterThanOrEqual(split, ideal, "chunk \(chunk)")
                XCTAssertLessThan(split, unsplit, "chunk \(chunk)")
            }
        }
    }

    func testKernelsAgreeWithoutSkew() throws {
        // 108 sequences × 8 KV heads fill 8 whole waves of 108 SMs with one 1024-token chunk each.
        let workload = makeWorkload(prompts: [Int](repeating: 10, count: 108), outputs: [Int?](repeating: nil, count: 108))
        let plan = StepPlan(sequences: (0 ..< 108).map { decode($0, kvLength: 1024) })
        var seconds: [Double] = []
        for kernel in [AttentionKernel.ideal, .unsplit, .splitKV(chunkTokens: 1024)] {
            let gpu = SimulatedGPU(workload: workload, model: .llama31_8B, hardware: .a100_80GB, options: options(.sequential, kernel))
            seconds.append(try gpu.simulate(plan).seconds)
        }
        XCTAssertEqual(seconds[1], seconds[0], accuracy: 1e-12 * seconds[0])
        XCTAssertEqual(seconds[2], seconds[0], accuracy: 1e-9 * seconds[0])
    }

    func testTensorParallelismKeepsTheStraggler() throws {
        // Each rank holds half the heads but still walks the longest sequence.
        let one = SimulatedGPU(workload: workload, model: .llama31_8B, hardware: .a100_80GB, options: options(.sequential, .unsplit))
        let two = SimulatedGPU(workload: workload, model: .llama31_8B, hardware: .a100_80GB.withGPUCount(2),
                               options: options(.sequential, .unsplit))
        let straggler = Double(Self.long) * one.costModel.attention.stragglerTokenSeconds
        XCTAssertEqual(one.costModel.attention.stragglerTokenSeconds, two.costModel.attention.stragglerTokenSeconds)
        let oneMixed = try one.simulate(plan(longMembers: 2)).memorySeconds!
        let twoMixed = try two.simulate(plan(longMembers: 2)).memorySeconds!
        XCTAssertEqual(oneMixed - one.costModel.weightReadSeconds(sampled: 32), straggler, accuracy: 1e-12)
        XCTAssertEqual(twoMixed - two.costModel.weightReadSeconds(sampled: 32), straggler, accuracy: 1e-12)
    }
}
