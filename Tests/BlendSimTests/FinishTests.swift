import BlendCore
import BlendSim
import XCTest

/// Where sequences stop: their true output length (stop) or their remaining tokens (length),
/// derived from the plan alone.
final class FinishTests: XCTestCase {
    // Request 0: 100-token prompt, 10 true output tokens. Request 1: 50-token prompt, unknown.
    // Request 2: 100-token prompt, 6 true output tokens. Request 3: 20-token prompt, 1 token.
    let workload = makeWorkload(prompts: [100, 50, 100, 20], outputs: [10, nil, 6, 1])
    var gpu: SimulatedGPU { SimulatedGPU(workload: workload, model: .llama31_8B, hardware: .a100_80GB) }

    func testSpanStopsAtTheTrueOutputLength() throws {
        // Three tokens generated: the KV holds 100 + 2 positions, the step computes position 102.
        let outcome = try gpu.simulate(StepPlan(sequences: [decode(0, kvLength: 103)], steps: 100))
        XCTAssertEqual(outcome.steps, 7)
        XCTAssertEqual(outcome.sequences[0].generated, 7)
        XCTAssertEqual(outcome.sequences[0].finish, .stop)
        XCTAssertTrue(outcome.sequences[0].tokens.isEmpty)
    }

    func testSpanStopsWhenRemainingTokensRunOut() throws {
        let outcome = try gpu.simulate(StepPlan(sequences: [decode(1, kvLength: 60, remaining: 5)], steps: 100))
        XCTAssertEqual(outcome.steps, 5)
        XCTAssertEqual(outcome.sequences[0].generated, 5)
        XCTAssertEqual(outcome.sequences[0].finish, .length)
    }

    func testRemainingTokensCutATrueLengthShort() throws {
        let outcome = try gpu.simulate(StepPlan(sequences: [decode(0, kvLength: 103, remaining: 4)], steps: 100))
        XCTAssertEqual(outcome.steps, 4)
        XCTAssertEqual(outcome.sequences[0].finish, .length)
    }

    func testTrueLengthWinsATie() throws {
        let outcome = try gpu.simulate(StepPlan(sequences: [decode(0, kvLength: 103, remaining: 7)], steps: 100))
        XCTAssertEqual(outcome.steps, 7)
        XCTAssertEqual(outcome.sequences[0].finish, .stop)
    }

    func testSpanEndsAtTheFirstFinishAndOthersGoOn() throws {
        let outcome = try gpu.simulate(StepPlan(sequences: [decode(0, kvLength: 103), decode(1, kvLength: 60)], steps: 100))
        XCTAssertEqual(outcome.steps, 7)
        XCTAssertEqual(outcome.sequences.map(\.generated), [7, 7])
        XCTAssertEqual(outcome.sequences.map(\.finish), [.stop, nil])
        XCTAssertEqual(outcome.sequences.map(\.request), [0, 1])
    }

    func testSpanRunsAllStepsWhenNobodyFinishes() throws {
        let outcome = try gpu.simulate(StepPlan(sequences: [decode(1, kvLength: 60)], steps: 40))
        XCTAssertEqual(outcome.steps, 40)
        XCTAssertNil(outcome.sequences[0].finish)
    }

    func testPrefillChunkBeforeTheEndOfThePromptGeneratesNothing() throws {
        let outcome = try gpu.simulate(StepPlan(sequences: [prefill(0, start: 0, count: 64, samples: false)]))
        XCTAssertEqual(outcome.steps, 1)
        XCTAssertEqual(outcome.sequences[0].generated, 0)
        XCTAssertNil(outcome.sequences[0].finish)
        XCTAssertGreaterThan(outcome.seconds, 0)
    }

    func testLastPrefillChunkSamplesTheFirstToken() throws {
        let outcome = try gpu.simulate(StepPlan(sequences: [
            prefill(0, start: 64, count: 36, samples: true), prefill(3, start: 0, count: 20, samples: true),
        ]))
        XCTAssertEqual(outcome.sequences.map(\.generated), [1, 1])
        XCTAssertEqual(outcome.sequences.map(\.finish), [nil, .stop], "request 3 wants one token")
    }

    func testRecomputationAfterPreemptionCountsEarlierTokens() throws {
        // Request 2 had generated 5 tokens; recomputing all 105 known positions samples the 6th.
        let outcome = try gpu.simulate(StepPlan(sequences: [prefill(2, start: 0, count: 105, samples: true)]))
        XCTAssertEqual(outcome.sequences[0].generated, 1)
        XCTAssertEqual(outcome.sequences[0].finish, .stop)
    }

    func testPlanWithoutSequencesRunsNoStep() throws {
        let outcome = try gpu.simulate(StepPlan(sequences: [], steps: 3))
        XCTAssertEqual(outcome.steps, 0)
        XCTAssertEqual(outcome.seconds, 0)
    }

    func testBrokenPlansThrow() async {
        let broken: [StepPlan] = [
            StepPlan(sequences: [decode(9, kvLength: 10)]),
            StepPlan(sequences: [prefill(0, start: 0, count: 100, samples: true)], steps: 2),
            StepPlan(sequences: [prefill(0, start: 0, count: 10, samples: true)]),
            StepPlan(sequences: [decode(0, kvLength: 103)], steps: 0),
            StepPlan(sequences: [], transfers: [BlockTransfer(.hostToDevice, source: 0, destination: 0)]),
        ]
        let engine = gpu
        for plan in broken {
            do {
                _ = try await engine.execute(plan)
                XCTFail("expected an error for \(plan.sequences.map(\.request)) steps \(plan.steps)")
            } catch {
                XCTAssertTrue(error is SimulationError)
                XCTAssertFalse("\(error)".isEmpty)
            }
        }
    }
}
