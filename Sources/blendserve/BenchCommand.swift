import BlendCore
import BlendCPU
import BlendSchedulers
import BlendSim
import Foundation

/// `blendserve bench`: the package's own performance benchmarks.
enum BenchCommand {
    static let help = """
    Usage: blendserve bench [--suite S] [--requests N] [--seed S] [--model PATH] [--threads N]
                            [--device N] [--max-batch-tokens N] [--policies LIST] [--json]

    Runs performance benchmarks; build with 'swift build -c release' (or 'swift run -c release')
    first, debug builds are 10-100x slower.

    Suites:
      preprocess   BlendServe's warm-up on Trace#1 (generated in memory): tree build, density
                   aggregation, layer sort, node splitting; with the process's peak memory
      scaling      tree build time at 1/4, 1/2, 1 and 2 times --requests, to show it is linear
                   in prompt tokens
      reader       JSONL reading speed in MB/s on a synthetic trace file
      scheduler    BlendServe's CPU time per engine step and per plan on the simulated A100,
                   preparation apart: on Trace#1 (--requests), and on --requests / 4 short
                   chat turns that keep thousands of sequences in each step; each runs
                   twice, the second time clocking the shared batcher to report
                   BlendServe's own decisions apart, and reports the scan plan's build
                   after the warm-up apart too (not part of all: it simulates both
                   workloads twice)
      cpu          the CPU engine on a real model: prompt processing (512 tokens), single-stream
                   decode (128 tokens), and a batch job of --requests chat requests (default 256)
                   answering 128 tokens each, in prompt + generated tokens per second
      cuda         the same three measurements on the CUDA engine (needs an NVIDIA driver and GPU,
                   and NVRTC), plus the memory bandwidth single-stream decoding achieves against
                   the device's peak
      all          preprocess, scaling and reader (default)

    Options:
      --suite S      which suite to run (default all)
      --requests N   Trace#1 requests for preprocess and scaling (default 400000)
      --seed S       workload seed (default 1)
      --model PATH   cpu, cuda: a llama-architecture GGUF file (default: SmolLM2-135M-Instruct,
                     fetched on first use)
      --threads N    cpu: worker threads (default: the CPU count)
      --device N     cuda: the GPU (default 0)
      --max-batch-tokens N
                     cpu, cuda: tokens per engine step in the batch job (default 512)
      --policies L   cpu, cuda: comma-separated policies for the batch job (default blendserve,fcfs)
      --json         print results as JSON
      -h, --help     show this help
    """

    static func run(_ arguments: [String]) async throws -> Int32 {
        let options = try CommandLineArguments(arguments, command: "bench", valued: ["suite", "requests", "seed", "model", "threads", "device", "max-batch-tokens", "policies"], switches: ["json"])
        _ = try options.requirePositionals(0, what: "")
        let suite = options.string("suite") ?? "all"
        guard ["all", "preprocess", "scaling", "reader", "scheduler", "cpu", "cuda"].contains(suite) else {
            throw UsageError(description: "bench: --suite must be all, preprocess, scaling, reader, scheduler, cpu or cuda, got '\(suite)'")
        }
        let engineSuite = suite == "cpu" || suite == "cuda"
        let requests = try options.integer("requests", default: engineSuite ? 256 : 400_000,
                                           in: engineSuite ? 1 ... 100_000 : 1000 ... 10_000_000)!
        let seed = try options.seed("seed", default: 1)
        let json = options.flag("json")
        var results: [String: Any] = [:]
        #if DEBUG
        Output.error("bench: this is a debug build; numbers are not representative (use -c release)")
        #endif

        if suite == "all" || suite == "reader" {
            let reader = try ReaderBenchmark.run(requests: 100_000, seed: seed)
            results["reader"] = ["bytes": reader.bytes, "requests": reader.requests, "seconds": reader.seconds,
                                 "megabytes_per_second": reader.megabytesPerSecond]
            if !json {
                print(String(format: "reader: %@ requests, %.1f MB in %@: %.0f MB/s", Output.count(reader.requests),
                             Double(reader.bytes) / 1e6, Output.duration(reader.seconds), reader.megabytesPerSecond))
            }
        }
        if suite == "all" || suite == "preprocess" {
            results["preprocess"] = try preprocess(requests: requests, seed: seed, json: json)
        }
        if suite == "scheduler" {
            results["scheduler"] = try await SchedulerBenchmark.run(requests: requests, seed: seed, json: json)
        }
        if suite == "cpu" {
            let settings = CPUBenchmark.Settings(
                modelPath: try options.string("model") ?? ModelStore().resolveDefaultModel(log: { Output.error($0) }),
                threads: try options.integer("threads", default: ProcessInfo.processInfo.activeProcessorCount, in: 1 ... 1024)!,
                requests: requests,
                maxBatchTokens: try options.integer("max-batch-tokens", default: 512, in: 16 ... 65536)!,
                policies: (options.string("policies") ?? "blendserve,fcfs").split(separator: ",").map(String.init))
            results["cpu"] = try await CPUBenchmark.run(settings, json: json)
        }
        if suite == "cuda" {
            let device = try CUDABenchmark.device(try options.integer("device", default: 0, in: 0 ... 1024)!)
            let settings = CUDABenchmark.Settings(
                modelPath: try options.string("model") ?? ModelStore().resolveDefaultModel(log: { Output.error($0) }),
                device: device,
                requests: requests,
                maxBatchTokens: try options.integer("max-batch-tokens", default: 512, in: 16 ... 65536)!,
                policies: (options.string("policies") ?? "blendserve,fcfs").split(separator: ",").map(String.init))
            results["cuda"] = try await CUDABenchmark.run(settings, json: json)
        }
        if suite == "all" || suite == "scaling" {
            results["scaling"] = try scaling(requests: requests, seed: seed, json: json)
        }
        results["peak_memory_bytes"] = peakMemoryBytes()
        if json {
            try Output.json(results)
        } else {
            print("peak memory of the process: \(Output.count(peakMemoryBytes() / 1_000_000)) MB")
        }
        return 0
    }

    private static func preprocess(requests: Int, seed: UInt64, json: Bool) throws -> [String: Any] {
        let generated = try WorkloadGenerator.generate(.trace1, requests: requests, seed: seed)
        let cost = CostModel(model: .llama31_8B, hardware: .a100_80GB)
        let analysis = WorkloadAnalysis(workload: generated.workload, costModel: cost)
        let result: [String: Any] = [
            "requests": requests, "prompt_tokens": analysis.totals.promptTokens, "nodes": analysis.nodeCount,
            "build": analysis.buildSeconds, "aggregate": analysis.aggregateSeconds, "sort": analysis.sortSeconds,
            "split": analysis.splitSeconds, "preprocess": analysis.preprocessSeconds,
            "units": analysis.plan.order.units.count, "splits": analysis.plan.splits,
            "iterations": analysis.plan.iterations, "peak_memory_bytes": peakMemoryBytes(),
        ]
        if !json {
            print("preprocess: Trace#1, \(Output.count(requests)) requests, \(Output.count(analysis.totals.promptTokens)) prompt tokens, \(Output.count(analysis.nodeCount)) nodes")
            print("  build \(Output.duration(analysis.buildSeconds)), aggregate \(Output.duration(analysis.aggregateSeconds)), sort \(Output.duration(analysis.sortSeconds)), split \(Output.duration(analysis.splitSeconds)): total \(Output.duration(analysis.preprocessSeconds))")
            print("  \(Output.count(analysis.plan.order.units.count)) units after \(analysis.plan.splits) splits in \(analysis.plan.iterations) iterations; peak memory so far \(Output.count(peakMemoryBytes() / 1_000_000)) MB")
        }
        return result
    }

    private static func scaling(requests: Int, seed: UInt64, json: Bool) throws -> [[String: Any]] {
        var rows: [[String: Any]] = []
        for count in [requests / 4, requests / 2, requests, requests * 2] {
            let workload = try WorkloadGenerator.generate(.trace1, requests: count, seed: seed).workload
            var best = Double.infinity
            for _ in 0 ..< 3 {
                let start = Date()
                let tree = PrefixTree(workload: workload)
                best = min(best, Date().timeIntervalSince(start))
                precondition(tree.requestCount == count)
            }
            let tokens = workload.totalPromptTokens
            rows.append(["requests": count, "prompt_tokens": tokens, "build_seconds": best,
                         "tokens_per_second": Double(tokens) / best])
            if !json {
                print(String(format: "scaling: %@ requests, %@ prompt tokens: build %@ (%.0f M tokens/s)",
                             Output.count(count), Output.count(tokens), Output.duration(best), Double(tokens) / best / 1e6))
            }
        }
        return rows
    }

    /// The process's peak resident memory (VmHWM), or 0 where /proc is unavailable.
    static func peakMemoryBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kilobytes = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
            return kilobytes * 1024
        }
        return 0
    }
}
