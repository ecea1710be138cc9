import BlendCore
import BlendCPU
import BlendSchedulers
import Foundation

/// `blendserve bench --suite cpu`: the CPU engine on a real model. Three numbers, each comparable
/// with one of llama.cpp's benchmarks on the same file and thread count: prompt processing
/// (`llama-bench -p 512`), single-stream decoding (`llama-bench -n 128`), and the throughput of an
/// offline batch job (`llama-batched-bench`, prompt plus generated tokens per second).
enum CPUBenchmark {
    struct Settings {
        var modelPath: String
        var threads: Int
        var requests: Int
        var maxBatchTokens: Int
        var policies: [String]
    }

    static func run(_ settings: Settings, json: Bool) async throws -> [String: Any] {
        let model = try LlamaModel(path: settings.modelPath)
        let encoder = try ChatPromptEncoder(metadata: model.file.metadata)
        var results: [String: Any] = ["model": model.config.name, "threads": settings.threads]

        let prompt = try await promptProcessing(model, settings)
        let decode = try await singleStreamDecode(model, settings)
        results["prompt_tokens_per_second"] = prompt
        results["decode_tokens_per_second"] = decode
        if !json {
            print(String(format: "cpu: %@, %d threads", model.config.name, settings.threads))
            print(String(format: "  prompt processing (512 tokens, one sequence): %.1f tokens/s", prompt))
            print(String(format: "  single-stream decode (128 tokens):           %.1f tokens/s", decode))
        }
        let workload = chatWorkload(encoder, requests: settings.requests)
        var batch: [String: Any] = [:]
        for policy in settings.policies {
            let job = try await batchJob(model, workload, policy: policy, settings)
            batch[policy] = job
            if !json {
                print(String(format: "  batch job, %@ (%d chat requests, %d prompt + %d generated tokens): %.1f tokens/s in %@",
                             policy, settings.requests, job["prompt_tokens"] as! Int, job["generated_tokens"] as! Int,
                             job["tokens_per_second"] as! Double, Output.duration(job["seconds"] as! Double)))
            }
        }
        results["batch"] = batch
        return results
    }

    /// Tokens per second of one 512-token prefill (after a warm-up pass).
    private static func promptProcessing(_ model: LlamaModel, _ settings: Settings) async throws -> Double {
        var workload = Workload()
        let prompt = (0..<512).map { Int32(($0 * 7919 + 13) % model.config.vocabularySize) }
        workload.append(id: "pp", prompt: prompt, maxNewTokens: 1)
        _ = try await time(model, workload, policy: "fcfs", maxBatchTokens: 512, settings)
        let seconds = try await time(model, workload, policy: "fcfs", maxBatchTokens: 512, settings).seconds
        return 512 / seconds
    }

    /// Tokens per second of decoding 128 tokens for one sequence, the prefill of its 8-token
    /// prompt subtracted.
    private static func singleStreamDecode(_ model: LlamaModel, _ settings: Settings) async throws -> Double {
        func workload(_ tokens: Int) -> Workload {
            var workload = Workload()
            workload.append(id: "tg", prompt: [1, 4093, 198, 1780, 314, 260, 3575, 282], maxNewTokens: tokens)
            return workload
        }
        let prefill = try await time(model, workload(1), policy: "fcfs", maxBatchTokens: 512, settings).seconds
        let whole = try await time(model, workload(129), policy: "fcfs", maxBatchTokens: 512, settings).seconds
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

    private static func batchJob(_ model: LlamaModel, _ workload: Workload, policy: String,
                                 _ settings: Settings) async throws -> [String: Any] {
        let run = try await time(model, workload, policy: policy, maxBatchTokens: settings.maxBatchTokens, settings)
        let generated = run.results.reduce(0) { $0 + $1.generatedTokens }
        let tokens = workload.totalPromptTokens + generated
        return ["prompt_tokens": workload.totalPromptTokens, "generated_tokens": generated, "seconds": run.seconds,
                "tokens_per_second": Double(tokens) / run.seconds, "failed": run.results.filter { $0.error != nil }.count]
    }

    /// Runs the workload (no tokenizer, so no end-of-generation stop: every request generates its
    /// `max_tokens`), returning the wall time and results.
    private static func time(_ model: LlamaModel, _ workload: Workload, policy: String, maxBatchTokens: Int,
                             _ settings: Settings) async throws -> (seconds: Double, results: [RequestResult]) {
        let engine = try CPUEngine(model: model, tokenizer: nil,
                                   options: .init(maxTokensPerStep: maxBatchTokens, threads: settings.threads))
        let costModel = CostModel(model: model.config.modelSpec(parameters: Double(model.parameterCount)), hardware: .a100_80GB)
        let scheduler = try PolicyCatalog.make(policy, options: .init(maxTokensPerStep: maxBatchTokens), costModel: costModel)
        let started = ContinuousClock.now
        let result = await run(scheduler, engine, workload)
        if let failure = result.failure { throw UsageError(description: "bench: the CPU engine failed: \(failure)") }
        return ((ContinuousClock.now - started) / .seconds(1), result.results)
    }

    private static func run<S: BatchScheduler>(_ scheduler: S, _ engine: CPUEngine, _ workload: Workload) async -> RunResult {
        var runner = OfflineRunner(scheduler: scheduler, engine: engine, workload: workload)
        return await runner.run()
    }
}
