import BlendCore
import BlendSchedulers
import BlendTestSupport
import XCTest
@testable import BlendCPU

/// The default model (SmolLM2-135M-Instruct Q4_1) reproduces the greedy continuation recorded in
/// the research notes (`data.md` §1.2, from a numpy float forward pass), alone and batched.
final class GoldenModelTests: XCTestCase {
    static let prompt: [Int32] = [1, 4093, 198, 1780, 314, 260, 3575, 282, 4649, 47, 2, 198, 1, 520, 9531, 198]
    static let continuation: [Int32] = [504, 3575, 282, 4649, 314, 7042, 30, 2]

    func testGreedyContinuationIsReproducedAloneAndBatched() async throws {
        let model = try LlamaModel(path: TestModelFile.path())
        let tokenizer = try Tokenizer(metadata: model.file.metadata)
        var workload = Workload()
        workload.append(id: "golden", prompt: Self.prompt, maxNewTokens: 16)
        let alone = try await run(model, tokenizer, workload, maxTokensPerStep: 512)
        XCTAssertEqual(alone.results[0].tokens, Self.continuation)
        XCTAssertEqual(alone.results[0].finish, .stop)
        XCTAssertEqual(tokenizer.decode(alone.results[0].tokens), "The capital of France is Paris.<|im_end|>")

        for text in ["What is 2+2?", "Name a colour."] {
            let chat = try ChatPromptEncoder(metadata: model.file.metadata)
            workload.append(id: text, prompt: chat.encode(chat: [ChatMessage(role: "user", content: text)]), maxNewTokens: 4)
        }
        let batched = try await run(model, tokenizer, workload, maxTokensPerStep: 7)
        XCTAssertEqual(batched.results[0].tokens, Self.continuation)
    }

    private func run(_ model: LlamaModel, _ tokenizer: Tokenizer, _ workload: Workload, maxTokensPerStep: Int) async throws -> RunResult {
        let engine = try CPUEngine(model: model, tokenizer: tokenizer,
                                   options: .init(kvCacheBytes: 64 << 20, maxTokensPerStep: maxTokensPerStep, maxSequencesPerStep: 4))
        let scheduler = try PolicyCatalog.make("fcfs", options: .init(maxTokensPerStep: maxTokensPerStep))
        return await runOffline(scheduler, on: engine, workload: workload)
    }
}
