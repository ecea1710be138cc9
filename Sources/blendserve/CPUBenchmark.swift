import BlendCore
import BlendCPU
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
        let make: EngineBenchmark.MakeEngine = { tokens in
            try CPUEngine(model: model, tokenizer: nil, options: .init(maxTokensPerStep: tokens, threads: settings.threads))
        }
        var results: [String: Any] = ["model": model.config.name, "threads": settings.threads]

        let prompt = try await EngineBenchmark.promptProcessing(model, make)
        let decode = try await EngineBenchmark.singleStreamDecode(model, make)
        results["prompt_tokens_per_second"] = prompt
        results["decode_tokens_per_second"] = decode
        if !json {
            print(String(format: "cpu: %@, %d threads", model.config.name, settings.threads))
            print(String(format: "  prompt processing (512 tokens, one sequence): %.1f tokens/s", prompt))
            print(String(format: "  single-stream decode (128 tokens):           %.1f tokens/s", decode))
        }
        let workload = EngineBenchmark.chatWorkload(encoder, requests: settings.requests)
        results["batch"] = try await EngineBenchmark.batchJobs(model, workload, policies: settings.policies,
                                                               maxBatchTokens: settings.maxBatchTokens, make, json: json)
        return results
    }
}
