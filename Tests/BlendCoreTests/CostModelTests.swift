import BlendCore
import Foundation
import XCTest

/// The check values of `blendserve.md` §1.5 (Llama-3-8B on an A100-80GB, p² term off).
final class CostModelTests: XCTestCase {
    let cost = CostModel(model: .llama31_8B, hardware: .a100_80GB)

    func testKVBytesPerTokenOfLlama3_8B() {
        XCTAssertEqual(ModelSpec.llama31_8B.kvBytesPerToken, 131_072)
    }

    func testWeightReadIsTheWeightsOverBandwidth() {
        // About 16 GB of FP16 weights at 2.039 TB/s: close to 8 ms, the cost of a ~61K-token
        // KV read, which every decode step pays on top of its attention.
        XCTAssertEqual(cost.weightReadSeconds, ModelSpec.llama31_8B.weightBytes / 2.039e12, accuracy: 1e-12)
        XCTAssertEqual(cost.weightReadSeconds, 0.0079, accuracy: 0.0002)
    }

    func testOpenVidNormalisedDensity() {
        XCTAssertEqual(cost.density(prompt: 121, output: 16384), 0.097, accuracy: 0.0005)
    }

    func testWildChatDensity() {
        XCTAssertEqual(cost.density(prompt: 496, output: 510), 2.10, accuracy: 0.005)
    }

    func testOtherFigure2Densities() {
        XCTAssertEqual(cost.density(prompt: 244, output: 27), 31.2, accuracy: 0.1)
        XCTAssertEqual(cost.density(prompt: 2508, output: 23), 35.0, accuracy: 0.1)
        XCTAssertEqual(cost.density(prompt: 121, output: 43726), 0.037, accuracy: 0.0005)
        XCTAssertEqual(cost.density(prompt: 109, output: 7617), 0.21, accuracy: 0.005)
    }

    func testMMLUDensityWithSharingMatchesPaper() {
        XCTAssertEqual(cost.density(prompt: 804, output: 2), 400.9, accuracy: 0.5)
        // One MMLU-like node: 1000 requests of 804 prompt tokens of which a header is shared so
        // that s = 0.8646 of T_comp is saved; eq. (9) gives (1−s)·ρ(r).
        let requests = 1000
        let perRequest = ResourceTotals(prompt: 804, output: 2, unique: 804)
        var node = ResourceTotals()
        for _ in 0 ..< requests { node += perRequest }
        let total = Double(node.promptTokens + node.outputTokens)
        node.uniquePromptTokens = Int(((1 - 0.8646) * total).rounded()) - node.outputTokens
        XCTAssertEqual(node.sharingRatio, 0.8646, accuracy: 1e-5)
        XCTAssertEqual(cost.density(node), 54.3, accuracy: 0.1)
        XCTAssertEqual(cost.density(node), 54.91, accuracy: 0.0125 * 54.91, "within 1.25% of the paper's 54.91")
    }

    func testDensityIsComputeOverMemoryAndOptimalTimeIsTheMax() {
        var totals = ResourceTotals(prompt: 500, output: 100, unique: 500)
        totals += ResourceTotals(prompt: 500, output: 300, unique: 20)
        let shared = cost.sharedComputeSeconds(totals), memory = cost.memorySeconds(totals)
        XCTAssertEqual(cost.density(totals), shared / memory, accuracy: 1e-12)
        XCTAssertEqual(cost.optimalSeconds(totals), max(shared, memory))
        XCTAssertEqual(cost.sharingRatio(totals), totals.sharingRatio, accuracy: 1e-12)
        XCTAssertEqual(cost.computeSeconds(totals), 2 * 1400 * 8.03e9 / 312e12, accuracy: 1e-12)
        XCTAssertEqual(cost.memorySeconds(totals), (500 * 100 + 5000 + 500 * 300 + 45000) * 131_072 / 2.039e12, accuracy: 1e-12)
    }

    func testAttentionTermAddsFourPSquaredHL() {
        let withAttention = CostModel(model: .llama31_8B, hardware: .a100_80GB, includesAttentionFLOPs: true)
        let extra = withAttention.compute(prompt: 1000, output: 10) - cost.compute(prompt: 1000, output: 10)
        XCTAssertEqual(extra, 4 * 1000 * 1000 * 4096 * 32 / 312e12, accuracy: 1e-15)
    }

    func testTensorParallelismScalesComputeAndBandwidth() {
        let eight = CostModel(model: .llama31_70B, hardware: .a100_80GB.withGPUCount(8))
        let one = CostModel(model: .llama31_70B, hardware: .a100_80GB)
        XCTAssertEqual(eight.compute(prompt: 100, output: 100) * 8, one.compute(prompt: 100, output: 100), accuracy: 1e-12)
        XCTAssertEqual(eight.density(prompt: 100, output: 100), one.density(prompt: 100, output: 100), accuracy: 1e-9)
    }

    func testConfigJSONOfLlama3_8BGivesItsShapeAndParameterCount() throws {
        let json = """
        {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 4096,
         "intermediate_size": 14336, "num_attention_heads": 32, "num_hidden_layers": 32,
         "num_key_value_heads": 8, "vocab_size": 128256, "max_position_embeddings": 131072,
         "tie_word_embeddings": false, "torch_dtype": "bfloat16"}
        """
        let spec = try ModelSpec.parse(configJSON: Data(json.utf8), source: "config.json", name: "llama")
        XCTAssertEqual(spec.kvBytesPerToken, 131_072)
        XCTAssertEqual(spec.headDim, 128)
        XCTAssertEqual(spec.parameters, 8.03e9, accuracy: 0.01e9)
    }

    func testConfigJSONErrorsNameTheProblem() {
        let cases = [
            ("[]", "not a JSON object"),
            (#"{"hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "vocab_size": 10}"#, "missing intermediate_size"),
            (#"{"hidden_size": -1, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 8, "vocab_size": 10}"#, "hidden_size must be positive"),
            (#"{"hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 3, "intermediate_size": 8, "vocab_size": 10}"#, "does not divide"),
        ]
        for (json, expected) in cases {
            XCTAssertThrowsError(try ModelSpec.parse(configJSON: Data(json.utf8), source: "bad.json", name: "x")) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(error) should mention \(expected)")
                XCTAssertTrue("\(error)".hasPrefix("bad.json: "))
            }
        }
    }

    func testPresetsAndHardwareArguments() throws {
        XCTAssertEqual(ModelSpec.preset(named: "Llama-3-8B"), .llama31_8B)
        XCTAssertEqual(ModelSpec.presets.count, 10)
        XCTAssertEqual(try HardwareSpec.resolve("a100-80gb"), .a100_80GB)
        XCTAssertEqual(try HardwareSpec.resolve("h100-sxm:x2").gpuCount, 2)
        let custom = try HardwareSpec.resolve("custom:flops=1e15,bw=3e12,mem=80e9,gpus=4")
        XCTAssertEqual(custom.totalFLOPS, 4e15)
        XCTAssertThrowsError(try HardwareSpec.resolve("tpu"))
        XCTAssertThrowsError(try HardwareSpec.resolve("a100-80gb:x0"))
        XCTAssertThrowsError(try HardwareSpec.resolve("custom:flops=1e15"))
    }
}
