import BlendCore
import XCTest

/// The per-step load a policy reads from ``SequenceBatcher`` while it admits: tokens scheduled
/// (the step's GEMMs) and KV tokens its decodes attend to (the step's decode attention).
final class SequenceBatcherStepLoadTests: XCTestCase {
    private func batcher() -> SequenceBatcher {
        var workload = Workload()
        workload.append(id: "a", prompt: (0 ..< 40).map { Int32(100 + $0) }, outputLength: 5)
        workload.append(id: "b", prompt: (0 ..< 24).map { Int32(200 + $0) }, outputLength: 5)
        let capacity = EngineCapacity(blockSize: 16, deviceBlocks: 64, bytesPerBlock: 16 * 1024,
                                      maxTokensPerStep: 256, maxSequencesPerStep: 8, maxContext: 1024)
        return SequenceBatcher(workload: workload, capacity: capacity)
    }

    /// Finishes the step and feeds the batcher an outcome in which every listed sequence
    /// generated `generated` tokens.
    private func runStep(_ batcher: inout SequenceBatcher, generating generated: Int) throws {
        let plan = try XCTUnwrap(batcher.finishStep(admissionBlocked: false))
        batcher.observe(StepOutcome(steps: 1, seconds: 0.01,
                                    sequences: plan.sequences.map { SequenceOutcome(request: $0.request, generated: generated) }))
    }

    func testPrefillCountsTokensButNoDecodeReads() {
        var batcher = batcher()
        batcher.beginStep()
        XCTAssertEqual(batcher.stepTokens, 0)
        XCTAssertEqual(batcher.admit(0), .admitted(prefillTokens: 40))
        XCTAssertEqual(batcher.stepTokens, 40)
        XCTAssertEqual(batcher.stepDecodeKVTokens, 0, "a prefill chunk is charged as compute, not as a decode read")
    }

    func testDecodesReadTheirWholeContextAndAdmissionsAddTokens() throws {
        var batcher = batcher()
        batcher.beginStep()
        _ = batcher.admit(0)
        try runStep(&batcher, generating: 1)
        batcher.beginStep()
        // Request 0 now decodes its second token at position 40: it attends to 41 KV tokens.
        XCTAssertEqual(batcher.stepTokens, 1)
        XCTAssertEqual(batcher.stepDecodeKVTokens, 41)
        XCTAssertEqual(batcher.admit(1), .admitted(prefillTokens: 24))
        XCTAssertEqual(batcher.stepTokens, 25)
        XCTAssertEqual(batcher.stepDecodeKVTokens, 41)
    }

    func testPrefillLimitChunksPromptsButNotDecodes() throws {
        var batcher = batcher()
        batcher.beginStep(prefillLimit: 30)
        XCTAssertEqual(batcher.admit(0), .admitted(prefillTokens: 30), "the prompt is cut at the limit")
        XCTAssertEqual(batcher.admit(1), .noBudget, "nothing is left for a second prompt")
        try runStep(&batcher, generating: 0)
        batcher.beginStep(prefillLimit: 10)
        XCTAssertEqual(batcher.stepTokens, 10, "the rest of the prompt continues under the next step's limit")
        XCTAssertEqual(batcher.prefillBudget, 0)
        try runStep(&batcher, generating: 1)
        batcher.beginStep(prefillLimit: 0)
        XCTAssertEqual(batcher.stepTokens, 1, "a decode is not a prompt token: a zero limit still decodes")
        XCTAssertEqual(batcher.stepDecodeKVTokens, 41)
    }
}
