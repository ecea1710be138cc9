import BlendCore
import Foundation

/// `blendserve analyze`: workload statistics, density, optimal time and preprocessing timings.
enum AnalyzeCommand {
    static let help = """
    Usage: blendserve analyze FILE [--model M] [--gpu G] [--json]

    Reads a workload (trace lines {"id","prompt":[...],"output_len"} or OpenAI batch lines with
    token-array prompts), builds BlendServe's resource-aware prefix tree and prints:
    requests, prompt tokens, unique prompt tokens (distinct prompt prefixes), sharing ratio s,
    output tokens, T_comp (before sharing), T_mem, density (1-s)T_comp/T_mem, the optimal time
    T_o = max((1-s)T_comp, T_mem), and how long each preprocessing stage took.

    Output lengths: a line's output_len, else its max_tokens, else --default-output-len.
    Malformed lines are reported with their line numbers; the rest is analysed and the command
    exits with status 1, saying how many lines were rejected.

    Options:
      --model M                model preset or path to a config.json (default llama-3.1-8b)
      --gpu G                  GPU preset, NAME:xN for N GPUs, or custom:flops=..,bw=..,mem=..
                               (default a100-80gb)
      --attention-flops        include the 4p^2HL prefill-attention FLOPs in T_comp (off, as in the paper)
      --keep-sharing F         share of prefix sharing node splitting must keep (default 0.99)
      --default-output-len N   output length for lines with neither output_len nor max_tokens (256)
      --json                   print JSON with the keys requests, prompt_tokens,
                               unique_prompt_tokens, sharing_ratio, output_tokens, compute_seconds,
                               memory_seconds, density, optimal_seconds, timings
      -h, --help               show this help

    Models: \(ModelSpec.presets.map(\.name).joined(separator: ", "))
    GPUs: \(HardwareSpec.presets.map(\.name).joined(separator: ", "))
    """

    static func run(_ arguments: [String]) throws -> Int32 {
        let options = try CommandLineArguments(
            arguments, command: "analyze",
            valued: ["model", "gpu", "keep-sharing", "default-output-len"],
            switches: ["json", "attention-flops"])
        let path = try options.requirePositionals(1, what: "the workload FILE")[0]
        let model = try resolveModel(options.string("model") ?? "llama-3.1-8b")
        let gpu = try resolveGPU(options.string("gpu") ?? "a100-80gb")
        let keep = try options.number("keep-sharing", default: 0.99, in: 0 ... 1)!
        let fallback = try options.integer("default-output-len", default: 256, in: 0 ... 10_000_000)!
        let cost = CostModel(model: model, hardware: gpu, includesAttentionFLOPs: options.flag("attention-flops"))

        let readStart = Date()
        let result = try WorkloadInput.read(path, model: model, command: "analyze")
        let readSeconds = Date().timeIntervalSince(readStart)

        let analysis = WorkloadAnalysis(workload: result.workload, costModel: cost, fallbackOutputLength: fallback,
                                        options: .init(keepSharing: keep))
        let timings: [String: Double] = [
            "read": readSeconds, "build": analysis.buildSeconds, "aggregate": analysis.aggregateSeconds,
            "sort": analysis.sortSeconds, "split": analysis.splitSeconds, "preprocess": analysis.preprocessSeconds,
        ]
        let totals = analysis.totals
        if options.flag("json") {
            try Output.json([
                "requests": totals.requests,
                "prompt_tokens": totals.promptTokens,
                "unique_prompt_tokens": totals.uniquePromptTokens,
                "sharing_ratio": analysis.sharingRatio,
                "output_tokens": totals.outputTokens,
                "compute_seconds": analysis.computeSeconds,
                "memory_seconds": analysis.memorySeconds,
                "density": analysis.density,
                "optimal_seconds": analysis.optimalSeconds,
                "timings": timings,
            ])
        } else {
            print("\(path): \(model.name) on \(gpu.gpuCount > 1 ? "\(gpu.gpuCount)x " : "")\(gpu.name)")
            Output.table([
                ("requests", Output.count(totals.requests)),
                ("prompt tokens", Output.count(totals.promptTokens)),
                ("unique prompt tokens", Output.count(totals.uniquePromptTokens)),
                ("sharing ratio", String(format: "%.4f", analysis.sharingRatio)),
                ("output tokens", Output.count(totals.outputTokens)),
                ("T_comp (no sharing)", Output.duration(analysis.computeSeconds)),
                ("T_mem", Output.duration(analysis.memorySeconds)),
                ("density", String(format: "%.4f", analysis.density)),
                ("optimal time T_o", Output.duration(analysis.optimalSeconds)),
                ("scan units", "\(Output.count(analysis.plan.order.units.count)) after \(analysis.plan.splits) splits in \(analysis.plan.iterations) iterations (stop: \(analysis.plan.stop.rawValue))"),
                ("timings", ["read", "build", "aggregate", "sort", "split", "preprocess"]
                    .map { "\($0) \(Output.duration(timings[$0]!))" }.joined(separator: ", ")),
            ])
        }
        guard result.errors.isEmpty else {
            Output.error("analyze: \(result.errors.count) of \(result.lines) lines rejected")
            return 1
        }
        return 0
    }
}
