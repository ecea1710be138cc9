import BlendCore
import BlendCPU
import BlendSchedulers
import Foundation

/// The measurements `blendserve bench` takes of a real engine, for any engine a factory makes:
/// prompt processing, single-stream decoding and the throughput of an offline batch job.
enum EngineBenchmark {
    /// Makes a fresh engine whose steps hold up to the given number of tokens.
    typealias MakeEngine = (_ maxTokensPerStep: Int) throws -> any ExecutionEngine

    /// Tokens per second of one 512-token prefill (after a warm-up pass).
    static func promptProcessing(_ model: LlamaModel, _ make: MakeEngine) async throws -> Double {
        var workload = Workload()
        let prompt = (0..<512).map { Int32(($0 * 7919 + 13) % model.config.vocabularySize) }
        workload.append(id: "pp", prompt: prompt, maxNewTokens: 1)
        _ = try await time(model, workload, policy: "fcfs", maxBatchTokens: 512, make)
        let seconds = try await time(model, workload, policy: "fcfs", maxBatchTokens: 512, make).seconds
        return 512 / seconds
    }

    /// Tokens per second of decoding 128 tokens for one sequence, the prefill of its 8-token
    /// prompt subtracted.
    static func singleStreamDecode(_ model: LlamaModel, _ make: MakeEngine) async throws -> Double {
        func workload(_ tokens: Int) -> Workload {
            var workload = Workload()
            workload.append(id: "tg", prompt: [1, 4093, 198, 1780, 314, 260, 3575, 282], maxNewTokens: tokens)
            return workload
        }
        let prefill = try await time(model, workload(1), policy: "fcfs", maxBatchTokens: 512, make).seconds
        let whole = try await time(model, workload(129), policy: "fcfs", maxBatchTokens: 512, make).seconds
        return 128 / (whole - prefill)
    }

    /// `requests` chat requests in the model's template (its default system message included),
    /// each asking about a different topic, each answering exactly 128 tokens.
    static func chatWorkload(_ encoder: ChatPromptEncoder, requests: Int) -> Workload {
        let subjects = ["the moon", "bread", "rivers", "a violin", "winter", "bees", "glass", "the ocean", "trains",
                        "a garden", "clouds", "chess", "paper", "volcanoes", "coffee", "maps"]
        let asks = ["Explain in simple words how", "Write a short poem about how", "List three surprising facts about how",
                    "Describe for a child how", "Give a brief history of how", "Summarise what scientists know about how"]
        var workload = Workload()
        for i in 0..<requests {
            let question = "\(asks[i % asks.count]) \(subjects[(i / asks.count) % subjects.count]) changed over time (question \(i))."
            workload.append(id: "chat-\(i)", prompt: encoder.encode(chat: [ChatMessage(role: "user", content: question)]),
                            maxNewTokens: 128)
        }
        return workload
    }

    /// The batch job under `policy`: prompt and generated tokens, seconds, tokens per second.
    static func batchJob(_ model: LlamaModel, _ workload: Workload, policy: String, maxBatchTokens: Int,
                         _ make: MakeEngine) async throws -> [String: Any] {
        let run = try await time(model, workload, policy: policy, maxBatchTokens: maxBatchTokens, make)
        let generated = run.results.reduce(0) { $0 + $1.generatedTokens }
        let tokens = workload.totalPromptTokens + generated
        return ["prompt_tokens": workload.totalPromptTokens, "generated_tokens": generated, "seconds": run.seconds,
                "tokens_per_second": Double(tokens) / run.seconds, "failed": run.results.filter { $0.error != nil }.count]
    }

    /// Runs the workload on a fresh engine (made with no tokenizer, so no end-of-generation stop:
    /// every request generates its `max_tokens`), returning the wall time and results.
    static func time(_ model: LlamaModel, _ workload: Workload, policy: String, maxBatchTokens: Int,
                     _ make: MakeEngine) async throws -> (seconds: Double, results: [RequestResult]) {
        let engine = try make(maxBatchTokens)
        let costModel = CostModel(model: model.config.modelSpec(parameters: Double(model.parameterCount)), hardware: .a100_80GB)
        let scheduler = try PolicyCatalog.make(policy, options: .init(maxTokensPerStep: maxBatchTokens), costModel: costModel)
        let started = ContinuousClock.now
        let result = await run(scheduler, engine, workload)
        if let failure = result.failure { throw UsageError(description: "bench: the engine failed: \(failure)") }
        return ((ContinuousClock.now - started) / .seconds(1), result.results)
    }

    private static func run<S: BatchScheduler, E: ExecutionEngine>(_ scheduler: S, _ engine: E, _ workload: Workload) async -> RunResult {
        var runner = OfflineRunner(scheduler: scheduler, engine: engine, workload: workload)
        return await runner.run()
    }
}
