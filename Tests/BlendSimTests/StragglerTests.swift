import BlendCore
import BlendSim
import XCTest

/// AlignedServe §7.4: a decode batch of 32 in which 2 sequences attend to 8K tokens and 30 to
/// 512. Under the unsplit kernel the long sequences are stragglers (the paper's Fig. 1 shows
/// +61% iteration time for 6.25% long requests): each of their blocks streams only a slot's
/// share while the SMs are full and finishes alone at its Little's-law rate. Under the ideal
/// kernel the attention time grows only with ΣL; split-KV lies between.
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
        // Each rank holds half the heads but still walks the longest sequence: the tail beyond the
        // bulk is paid on both, at one block's rate.
        let one = SimulatedGPU(workload: workload, model: .llama31_8B, hardware: .a100_80GB, options: options(.sequential, .unsplit))
        let two = SimulatedGPU(workload: workload, model: .llama31_8B, hardware: .a100_80GB.withGPUCount(2),
                               options: options(.sequential, .unsplit))
        XCTAssertEqual(one.costModel.attention.blockTokenSeconds, two.costModel.attention.blockTokenSeconds)
        let sum = 30 * Self.short + 2 * Self.long
        for gpu in [one, two] {
            let attention = gpu.costModel.attention
            let shape = attention.unsplitShape(sequences: 32, longest: Self.long)
            let bulk = attention.kvTokenSeconds * shape.slowdown * Double(sum)
            let tail = attention.blockTokenSeconds
                * (Double(Self.long) - Double(attention.kvHeadsPerGPU * sum) / shape.active)
            XCTAssertGreaterThan(tail, bulk, "\(gpu.hardware.gpuCount) GPUs: the straggler's tail dominates")
            let mixed = try gpu.simulate(plan(longMembers: 2)).memorySeconds!
            XCTAssertEqual(mixed - gpu.costModel.weightReadSeconds(sampled: 32), bulk + tail, accuracy: 1e-12)
        }
    }

    /// OPT-13B on one H100, the paper's Fig. 1 batch: the occupancy the long sequences' logits
    /// buffers leave (6 blocks per SM at 8K, 16 at 512), and the iteration time they add (the paper
    /// measures +61%; our kernel gives more, the ideal one less).
    func testFigureOneShapeOnOPT13B() throws {
        let workload = makeWorkload(prompts: [Int](repeating: 100, count: 32), outputs: [Int?](repeating: nil, count: 32))
        var increases: [AttentionKernel: Double] = [:]
        for kernel in [AttentionKernel.ideal, .unsplit] {
            let gpu = SimulatedGPU(workload: workload, model: .opt13B, hardware: .h100SXM, options: options(.sequential, kernel))
            XCTAssertEqual(gpu.costModel.attention.blocksPerSM(longest: Self.short), 16)
            XCTAssertEqual(gpu.costModel.attention.blocksPerSM(longest: Self.long), 6)
            let uniform = try gpu.simulate(plan(longMembers: 0)).seconds, mixed = try gpu.simulate(plan(longMembers: 2)).seconds
            increases[kernel] = mixed / uniform - 1
            print("OPT-13B H100 \(kernel): \(uniform * 1e3) ms -> \(mixed * 1e3) ms (+\(increases[kernel]! * 100)%)")
        }
        XCTAssertGreaterThan(increases[.unsplit]!, 0.61)
        XCTAssertLessThan(increases[.unsplit]!, 1.2)
        XCTAssertLessThan(increases[.ideal]!, 0.61)
    }

    /// Too few blocks cannot saturate HBM: four equal sequences on Llama-3.1-8B (32 blocks at
    /// 16 GB/s each) stream far below the A100's achievable bandwidth.
    func testFewBlocksCannotSaturateMemory() {
        let model = StepCostModel(model: .llama31_8B, hardware: .a100_80GB, options: options(.sequential, .unsplit))
        let shape = model.attention.unsplitShape(sequences: 4, longest: 1024)
        XCTAssertEqual(shape.active, 32)
        XCTAssertGreaterThan(shape.slowdown, 3)
        XCTAssertEqual(model.attention.unsplitShape(sequences: 512, longest: 1024).slowdown, 1)
    }
}
