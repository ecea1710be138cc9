import BlendCore
@testable import BlendCPU
@testable import BlendCUDA
import XCTest

/// The device sampler against the CPU engine's `TokenSampler` on the same logits: the same
/// token, exactly, for greedy rows (ties to the lowest id included) and seeded temperature,
/// top-k and top-p rows. Needs a GPU.
final class SamplingKernelTests: XCTestCase {
    func testSampledTokensAreTheCPUSamplersTokens() throws {
        let gpu = try GPUFixture.get()
        var random = SeededGenerator(seed: 41)
        let vocabulary = 3000
        let settings: [(temperature: Double, topK: Int, topP: Double)] = [
            (0, 0, 1), (0.7, 0, 0.9), (1.5, 40, 1), (1, 0, 1), (3, 0, 0.5), (0.2, 5, 0.8), (8, 0, 1), (0, 0, 1),
        ]
        var logits = RandomWeights.floats(settings.count * vocabulary, in: -12...12, using: &random)
        for i in [17, 900, 2999] { logits[7 * vocabulary + i] = 30 }
        var parameters: [Double] = [], expected: [Int32] = []
        var sampler = TokenSampler()
        for (row, setting) in settings.enumerated() {
            let seed = UInt64(row * 7 + 1), position = 100 + row
            let draw = TokenSampler.uniform(seed: seed, position: position)
            parameters += [setting.temperature, Double(setting.topK), setting.topP, draw]
            let slice = Array(logits[row * vocabulary ..< (row + 1) * vocabulary])
            expected.append(slice.withUnsafeBufferPointer {
                sampler.sample($0, temperature: setting.temperature, topK: setting.topK, topP: setting.topP, seed: seed,
                               position: position)
            })
        }
        XCTAssertEqual(expected[7], 17, "greedy ties go to the lowest id")
        var capacity = 1
        while capacity < vocabulary { capacity <<= 1 }
        let logitBuffer = try gpu.upload(logits), parameterBuffer = try gpu.upload(parameters)
        let scratch = try gpu.zeros(settings.count * capacity, of: Int32.self), tokens = try gpu.zeros(settings.count, of: Int32.self)
        try gpu.kernels.sample(logits: logitBuffer.address, vocabulary: vocabulary, parameters: parameterBuffer.address,
                               scratch: scratch.address, capacity: capacity, tokens: tokens.address, rows: settings.count,
                               on: gpu.stream)
        XCTAssertEqual(try gpu.download(tokens, count: settings.count, as: Int32.self), expected, "(seed 41)")
    }
}
