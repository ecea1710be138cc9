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
    /// each asking about a different topic with a few sentences of background (about 128 prompt
    /// tokens, like llama-batched-bench's `-npp 128`), each answering exactly 128 tokens.
    static func chatWorkload(_ encoder: ChatPromptEncoder, requests: Int) -> Workload {
        let background = [
            "People have studied this for centuries, and the answer is still debated in places.",
            "Many textbooks simplify the story, which leaves out the parts that surprise readers most.",
            "The details changed a great deal between the old world and the industrial age.",
            "Some of the changes were slow and others happened within a single generation.",
            "Local customs, weather and trade all played a part in how things turned out.",
            "Museums keep records that show the differences from one decade to the next.",
            "Children often ask about it, so clear and friendly explanations are valuable.",
            "Experts disagree about which single cause mattered the most over the long run.",
        ]
        let subjects = ["the moon", "bread", "rivers", "a violin", "winter", "bees", "glass", "the ocean", "trains",
                        "a garden", "clouds", "chess", "paper", "volcanoes", "coffee", "maps"]
        let asks = ["Explain in simple words how", "Write a short poem about how", "List three surprising facts about how",
                    "Describe for a child how", "Give a brief history of how", "Summarise what scientists know about how"]
        var workload = Workload()
        for i in 0..<requests {
            let context = (0..<4).map { background[(i + 3 * $0) % background.count] }.joined(separator: " ")
            let question = "\(asks[i % asks.count]) \(subjects[(i / asks.count) % subjects.count]) changed over time (question \(i)). \(context)"
            workload.append(id: "chat-\(i)", prompt: encoder.encode(chat: [ChatMessage(role: "user", content: question)]),
                            maxNewTokens: 128)
        }
        return workload
    }

    /// The batch job under each policy, printed as it finishes unless `json`: prompt and generated
    /// tokens, seconds, tokens per second, failed requests, by policy.
    static func batchJobs(_ model: LlamaModel, _ workload: Workload, policies: [String], maxBatchTokens: Int,
                          _ make: MakeEngine, json: Bool) async throws -> [String: Any] {
        var jobs: [String: Any] = [:]
        for policy in policies {
            let run = try await time(model, workload, policy: policy, maxBatchTokens: maxBatchTokens, make)
            let generated = run.results.reduce(0) { $0 + $1.generatedTokens }
            let tokens = workload.totalPromptTokens + generated
            jobs[policy] = ["prompt_tokens": workload.totalPromptTokens, "generated_tokens": generated, "seconds": run.seconds,
                            "tokens_per_second": Double(tokens) / run.seconds,
                            "failed": run.results.filter { $0.error != nil }.count]
            if !json {
                print(String(format: "  batch job, %@ (%d chat requests, %d prompt + %d generated tokens): %.1f tokens/s in %@",
                             policy, workload.count, workload.totalPromptTokens, generated, Double(tokens) / run.seconds,
                             Output.duration(run.seconds)))
            }
        }
        return jobs
    }

    /// Runs the workload on a fresh engine (made with no tokenizer, so no end-of-generation stop:
    /// every request generates its `max_tokens`), returning the wall time and results.
    static func time(_ model: LlamaModel, _ workload: Workload, policy: String, maxBatchTokens: Int,
                     _ make: MakeEngine) async throws -> (seconds: Double, results: [RequestResult]) {
        let engine = try make(maxBatchTokens)
        let costModel = CostModel(model: model.config.modelSpec(parameters: Double(model.parameterCount)), hardware: .a100_80GB)
        let scheduler = try PolicyCatalog.make(policy, options: .init(maxTokensPerStep: maxBatchTokens), costModel: costModel)
        let started = ContinuousClock.now
        let result = await runOffline(scheduler, on: engine, workload: workload)
        if let failure = result.failure { throw UsageError(description: "bench: the engine failed: \(failure)") }
        return ((ContinuousClock.now - started) / .seconds(1), result.results)
    }
}
