import BlendCore
import BlendSim
import XCTest

final class StepCostTests: XCTestCase {
    static let requests = 64
    let workload = makeWorkload(prompts: (0 ..< StepCostTests.requests).map { 200 + 37 * $0 },
                                outputs: [Int?](repeating: nil, count: StepCostTests.requests))

    /// A random mix of prefill chunks and decodes.
    func randomPlan(_ random: inout SeededGenerator) -> StepPlan {
        var sequences: [ScheduledSequence] = []
        for request in 0 ..< Int.random(in: 1 ... Self.requests, using: &random) {
            let prompt = 200 + 37 * request
            if Bool.random(using: &random) {
                sequences.append(decode(request, kvLength: prompt + Int.random(in: 1 ... 3000, using: &random)))
            } else {
                let start = Int.random(in: 0 ..< prompt, using: &random)
                let count = Int.random(in: 1 ... prompt - start, using: &random)
                sequences.append(prefill(request, start: start, count: count, samples: start + count == prompt))
            }
        }
        return StepPlan(sequences: sequences)
    }

    func testSequentialIsNeverFasterThanOverlapped() throws {
        let seed: UInt64 = 99
        var random = SeededGenerator(seed: seed)
        for trial in 0 ..< 200 {
            let plan = randomPlan(&random)
            let kernel = [AttentionKernel.ideal, .unsplit, .splitKV(chunkTokens: 256)].randomElement(using: &random)!
            let hardware = HardwareSpec.a100_80GB.withGPUCount(Int.random(in: 1 ... 4, using: &random))
            var sequential = options(.sequential, kernel), overlapped = options(.overlapped, kernel)
            overlapped.interference = Double.random(in: 0 ... 1, using: &random)
            sequential.interference = overlapped.interference
            let s = try SimulatedGPU(workload: workload, model: .llama31_8B, hardware: hardware, options: sequential).simulate(plan)
            let o = try SimulatedGPU(workload: workload, model: .llama31_8B, hardware: hardware, options: overlapped).simulate(plan)
            XCTAssertGreaterThanOrEqual(s.seconds, o.seconds * (1 - 1e-12), "seed \(seed) trial \(trial)")
            XCTAssertGreaterThanOrEqual(o.seconds, max(o.computeSeconds!, o.memorySeconds!), "seed \(seed) trial \(trial)")
            XCTAssertEqual(s.computeSeconds!, o.computeSeconds!, accuracy: 1e-15)
            XCTAssertEqual(s.memorySeconds!, o.memorySeconds!, accuracy: 1e-15)
        }
    }

    func testSequentialIsTheSumAndOverlappedTheMaxPlusInterference() throws {
        let plan = StepPlan(sequences: [prefill(0, start: 0, count: 200, samples: true), decode(5, kvLength: 2000)])
        let s = try SimulatedGPU(workload: workload, model: .llama31_8B, hardware: .a100_80GB, options: options(.sequential)).simulate(plan)
        XCTAssertEqual(s.seconds, s.computeSeconds! + s.memorySeconds!, accuracy: 1e-15)
        var overlapped = options(.overlapped)
        overlapped.interference = 0.25
        let o = try SimulatedGPU(workload: workload, model: .llama31_8B, hardware: .a100_80GB, options: overlapped).simulate(plan)
        let c = o.computeSeconds!, m = o.memorySeconds!
        XCTAssertEqual(o.seconds, max(c, m) + 0.25 * min(c, m), accuracy: 1e-15)
    }

    func testStepOverheadIsChargedPerStep() throws {
        var withOverhead = options(.sequential)
        withOverhead.stepOverhead = 2e-3
        let plan = StepPlan(sequences: [decode(3, kvLength: 500)], steps: 10)
        let base = try SimulatedGPU(workload: workload, model: .llama31_8B, hardware: .a100_80GB, options: options(.sequential)).simulate(plan)
        let more = try SimulatedGPU(workload: workload, model: .llama31_8B, hardware: .a100_80GB, options: withOverhead).simulate(plan)
        XCTAssertEqual(more.seconds - base.seconds, 10 * 2e-3, accuracy: 1e-12)
    }

    func testHostTransfersAreChargedAtTheHostLink() throws {
        var options = SimulationOptions()
        options.hostMemoryBytes = 64e9
        options.linkEfficiency = 1
        let gpu = SimulatedGPU(workload: workload, model: .llama31_8B, hardware: .a100_80GB, options: options)
        let bytesPerBlock = Double(gpu.capacity.bytesPerBlock)
        XCTAssertEqual(bytesPerBlock, 16 * 131_072)
        let transfers = (0 ..< 10).map { BlockTransfer(.hostToDevice, source: Int32($0), destination: Int32($0)) }
            + (0 ..< 5).map { BlockTransfer(.deviceToHost, source: Int32($0), destination: Int32($0)) }
        let outcome = try gpu.simulate(StepPlan(sequences: [], transfers: transfers))
        XCTAssertEqual(outcome.seconds, 15 * bytesPerBlock / 32e9, accuracy: 1e-15)

        // With a step, the transfers add to the step's time; by default at 80% of the link.
        let step = StepPlan(sequences: [decode(0, kvLength: 300)])
        let defaultGPU = SimulatedGPU(workload: workload, model: .llama31_8B, hardware: .a100_80GB,
                                      options: { var o = SimulationOptions(); o.hostMemoryBytes = 64e9; return o }())
        let alone = try defaultGPU.simulate(step).seconds
        var withTransfers = step
        withTransfers.transfers = transfers
        XCTAssertEqual(try defaultGPU.simulate(withTransfers).seconds - alone, 15 * bytesPerBlock / (0.8 * 32e9), accuracy: 1e-12)
    }

    func testDeviceCopiesUseMemoryOrPeerLink() throws {
        let copies = (0 ..< 8).map { BlockTransfer(.deviceToDevice, source: Int32($0), destination: Int32($0 + 8)) }
        let plan = StepPlan(sequences: [], transfers: copies)
        let local = SimulatedGPU(workload: workload, model: .llama31_8B, hardware: .a100_80GB)
        let bytes = Double(local.capacity.bytesPerBlock)
        XCTAssertEqual(try local.simulate(plan).seconds, 8 * 2 * bytes / (0.82 * 2.039e12), accuracy: 1e-15)
        var peer = SimulationOptions()
        peer.deviceCopyPath = .peerLink
        let viaPeer = SimulatedGPU(workload: workload, model: .llama31_8B, hardware: .a100_80GB, options: peer)
        XCTAssertEqual(try viaPeer.simulate(plan).seconds, 8 * bytes / (0.8 * 300e9), accuracy: 1e-15)
    }

    func testTensorParallelismHalvesComputeAtTwoGPUs() throws {
        let plan = StepPlan(sequences: [prefill(0, start: 0, count: 200, samples: true),
                                        prefill(1, start: 100, count: 137, samples: true), decode(9, kvLength: 4000)])
        let one = try SimulatedGPU(workload: workload, model: .llama31_8B, hardware: .a100_80GB).simulate(plan)
        let two = try SimulatedGPU(workload: workload, model: .llama31_8B, hardware: .a100_80GB.withGPUCount(2)).simulate(plan)
        XCTAssertEqual(two.computeSeconds! / one.computeSeconds!, 0.5, accuracy: 1e-12)
        XCTAssertEqual(two.memorySeconds! / one.memorySeconds!, 0.5, accuracy: 1e-12)
    }

    func testAllReduceIsChargedOnlyWithTensorParallelism() {
        let one = StepCostModel(model: .llama31_70B, hardware: .a100_80GB)
        XCTAssertEqual(one.allReduceSecondsPerToken, 0)
        let eight = StepCostModel(model: .llama31_70B, hardware: .a100_80GB.withGPUCount(8))
        // Two ring all-reduces of 8192 × 2 bytes per layer and token, 2·7/8 of it over NVLink.
        let expected: Double = 2.0 * 80 * 1.75 * 8192 * 2 / (0.8 * 300e9)
        XCTAssertEqual(eight.allReduceSecondsPerToken, expected, accuracy: 1e-18)
        var load = StepLoad()
        load.add(start: 0, count: 2048, samples: true, chunkTokens: nil)
        XCTAssertEqual(eight.stepCost(load).networkSeconds, 2048 * eight.allReduceSecondsPerToken, accuracy: 1e-15)
    }

    func testCapacityOfLlama8BOnA100LeavesAbout60GBForKV() {
        let capacity = SimulatedGPU.capacity(model: .llama31_8B, hardware: .a100_80GB)
        let paper = 60e9 / Double(16 * 131_072)
        XCTAssertEqual(Double(capacity.deviceBlocks), paper, accuracy: 0.01 * paper)
        XCTAssertEqual(capacity.bytesPerBlock, 16 * 131_072)
        XCTAssertEqual(capacity.blockSize, 16)
        XCTAssertEqual(capacity.hostBlocks, 0)
        XCTAssertEqual(capacity.maxTokensPerStep, 8192)
        XCTAssertEqual(capacity.maxSequencesPerStep, 2048)
        XCTAssertEqual(capacity.maxContext, 131_072)

        var options = SimulationOptions()
        options.hostMemoryBytes = 100 * Double(16 * 131_072) + 5
        options.deviceBlocks = 1000
        let custom = SimulatedGPU.capacity(model: .llama31_8B, hardware: .a100_80GB, options: options)
        XCTAssertEqual(custom.deviceBlocks, 1000)
        XCTAssertEqual(custom.hostBlocks, 100)
        // A model that does not fit gets no KV blocks.
        XCTAssertEqual(SimulatedGPU.capacity(model: .llama31_70B, hardware: .a100_80GB).deviceBlocks, 0)
    }

    func testStreamingMultiprocessorTable() {
        XCTAssertEqual(SimulationOptions.defaultStreamingMultiprocessors(for: .a100_80GB), 108)
        XCTAssertEqual(SimulationOptions.defaultStreamingMultiprocessors(for: .h100SXM), 132)
        XCTAssertEqual(SimulationOptions.defaultStreamingMultiprocessors(for: .h200), 132)
        var custom = HardwareSpec.a100_80GB
        custom.name = "custom"
        XCTAssertEqual(SimulationOptions.defaultStreamingMultiprocessors(for: custom), 108)
    }

    func testOptimalSecondsIsThePracticalOptimumAndBoundsASimulatedRun() throws {
        // 256 requests, 512-token prompts sharing nothing, 256 output tokens each.
        let count = 256, p = 512, d = 256
        let workload = makeWorkload(prompts: [Int](repeating: p, count: count), outputs: [Int?](repeating: d, count: count))
        let gpu = SimulatedGPU(workload: workload, model: .llama31_8B, hardware: .a100_80GB)
        var totals = ResourceTotals()
        for _ in 0 ..< count { totals += ResourceTotals(prompt: p, output: d, unique: p) }
        let cost = gpu.costModel
        let comp = Double(count * (p + d)) * cost.gemmSecondsPerToken + Double(count * d) * cost.lmHeadSecondsPerSample
        let mem = totals.kvTokenReads * cost.attention.kvTokenSeconds
        XCTAssertEqual(gpu.optimalSeconds(totals), max(comp, mem) + 0.15 * min(comp, mem), accuracy: 1e-12)

        // Prefill 16 prompts per step, then decode all of them in one span.
        var simulated = 0.0
        for first in stride(from: 0, to: count, by: 16) {
            let plan = StepPlan(sequences: (first ..< first + 16).map { prefill($0, start: 0, count: p, samples: true) })
            simulated += try gpu.simulate(plan).seconds
        }
        let decodePlan = StepPlan(sequences: (0 ..< count).map { decode($0, kvLength: p + 1) }, steps: d)
        let outcome = try gpu.simulate(decodePlan)
        XCTAssertEqual(outcome.steps, d - 1)
        XCTAssertTrue(outcome.sequences.allSatisfy { $0.finish == .stop })
        simulated += outcome.seconds
        let fraction = gpu.optimalSeconds(totals) / simulated
        print("fraction of optimal of a prefill-then-decode run: \(fraction)")
        XCTAssertLessThan(fraction, 1)
        XCTAssertGreaterThan(fraction, 0.2)
    }

    func testWeightAwareOptimumAddsTheWeightReadsOfTheFewestStepsAndStillBoundsARun() throws {
        // 64 long generations: 100-token prompts, 4,000 output tokens, a pool of 20,000 tokens.
        let count = 64, p = 100, d = 4000
        let workload = makeWorkload(prompts: [Int](repeating: p, count: count), outputs: [Int?](repeating: d, count: count))
        var options = SimulationOptions()
        options.deviceBlocks = 1250
        let gpu = SimulatedGPU(workload: workload, model: .llama31_8B, hardware: .a100_80GB, options: options)
        var totals = ResourceTotals()
        for _ in 0 ..< count { totals += ResourceTotals(prompt: p, output: d, unique: p) }
        let cost = gpu.costModel
        let steps = (totals.kvTokenReads / 20_000).rounded(.up)
        XCTAssertEqual(cost.minimumSteps(totals, kvPoolTokens: 20_000, maxTokensPerStep: 8192), steps)
        let comp = Double(count * (p + d)) * cost.gemmSecondsPerToken + Double(count * d) * cost.lmHeadSecondsPerSample
        let mem = totals.kvTokenReads * cost.attention.kvTokenSeconds + steps * (cost.layerWeightReadSeconds + cost.lmHeadReadSeconds)
        let bound = gpu.weightAwareOptimalSeconds(totals)
        XCTAssertEqual(bound, max(comp, mem) + 0.15 * min(comp, mem), accuracy: 1e-9)
        XCTAssertGreaterThan(bound, 1.2 * gpu.optimalSeconds(totals), "memory-bound decodes pay many weight reads")

        // Decode in waves of 4 sequences (4 × 4,100 tokens fill the pool): the bound still holds.
        var simulated = 0.0
        for first in stride(from: 0, to: count, by: 4) {
            let prompts = StepPlan(sequences: (first ..< first + 4).map { prefill($0, start: 0, count: p, samples: true) })
            simulated += try gpu.simulate(prompts).seconds
            simulated += try gpu.simulate(StepPlan(sequences: (first ..< first + 4).map { decode($0, kvLength: p + 1) }, steps: d)).seconds
        }
        XCTAssertLessThan(bound, simulated)
    }
}
