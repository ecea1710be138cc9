import BlendCore
import Foundation

/// `blendserve workload`: generates a synthetic workload into JSONL.
enum WorkloadCommand {
    static let help = """
    Usage: blendserve workload --preset P [options] -o FILE

    Generates one of the papers' synthetic workloads as JSONL (the same seed gives the same file
    byte for byte) and prints what it generated.

    Presets:
      trace1 | trace2 | trace3 | trace4   BlendServe's main traces: BurstGPT + MMLU + OpenVid mixed to
                                          density 1.4/0.9 and prefix sharing 35%/5% (400,000 requests)
      grid                                the same mix at --density D (0.8-1.4) and --sharing S
                                          (0.05-0.45), the sensitivity grid (40,000 requests)
      sharegpt | wildchat | azure-conv | azure-code | burstgpt | mmlu | openvid | limo
                                          one trace with its published length statistics (10,000)
      short-long                          AlignedServe's mix: --short-share F of requests under 1K
                                          tokens, the rest 1K-8K tokens (10,000)

    Options:
      --preset P          the workload to generate (required)
      --requests N        number of requests (default: the preset's, above)
      --seed S            random seed (default 1)
      --density D         grid only: target compute density
      --sharing S         grid only: target prefix sharing ratio
      --short-share F     short-long only: share of short requests in 0...1 (default 0.9)
      --model M           model preset or config.json: vocabulary and cost model (default llama-3.1-8b)
      --gpu G             GPU preset for the cost model (default a100-80gb)
      --format F          trace (default) or openai (OpenAI batch lines with token-array prompts)
      -o, --output FILE   where to write the JSONL (required; '-' for standard output)
      --json              print the summary as JSON
      -h, --help          show this help
    """

    static func run(_ arguments: [String]) throws -> Int32 {
        let options = try CommandLineArguments(
            arguments, command: "workload",
            valued: ["preset", "requests", "seed", "density", "sharing", "short-share", "model", "gpu", "format", "output"],
            switches: ["json"])
        _ = try options.requirePositionals(0, what: "")
        guard let presetName = options.string("preset") else {
            throw UsageError(description: "workload: --preset is required (see blendserve workload --help)")
        }
        guard let output = options.string("output") else {
            throw UsageError(description: "workload: -o FILE is required")
        }
        let preset = try parsePreset(presetName, options)
        let requests = try options.integer("requests", default: preset.defaultRequestCount, in: 1 ... 100_000_000)!
        let seed = try options.seed("seed", default: 1)
        let model = try resolveModel(options.string("model") ?? "llama-3.1-8b")
        let gpu = try resolveGPU(options.string("gpu") ?? "a100-80gb")
        let format: WorkloadWriter.Format
        switch options.string("format") ?? "trace" {
        case "trace": format = .trace
        case "openai": format = .openAIBatch
        case let other: throw UsageError(description: "workload: --format must be trace or openai, got '\(other)'")
        }

        var stopwatch = Date()
        let generated: GeneratedWorkload
        do {
            generated = try WorkloadGenerator.generate(preset, requests: requests, seed: seed, model: model, hardware: gpu)
        } catch {
            throw CommandFailure(description: "workload: \(error)")
        }
        let generateSeconds = Date().timeIntervalSince(stopwatch)
        stopwatch = Date()
        let writer = WorkloadWriter(format: format)
        if output == "-" {
            try writer.write(generated.workload, toFileDescriptor: STDOUT_FILENO)
        } else {
            try writer.write(generated.workload, toFile: output)
        }
        let writeSeconds = Date().timeIntervalSince(stopwatch)
        try report(generated.report, output: output, options: options, generateSeconds: generateSeconds, writeSeconds: writeSeconds)
        return 0
    }

    static func parsePreset(_ name: String, _ options: CommandLineArguments) throws -> WorkloadPreset {
        let density = try options.number("density", in: 0.01 ... 1000)
        let sharing = try options.number("sharing", in: 0 ... 0.99)
        let shortShare = try options.number("short-share", in: 0 ... 1)
        if name != "grid", density != nil || sharing != nil {
            throw UsageError(description: "workload: --density and --sharing apply to --preset grid only")
        }
        if name != "short-long", shortShare != nil {
            throw UsageError(description: "workload: --short-share applies to --preset short-long only")
        }
        switch name {
        case "trace1": return .trace1
        case "trace2": return .trace2
        case "trace3": return .trace3
        case "trace4": return .trace4
        case "grid":
            guard let density, let sharing else {
                throw UsageError(description: "workload: --preset grid needs --density D and --sharing S")
            }
            return .grid(density: density, sharing: sharing)
        case "sharegpt": return .sharegpt
        case "wildchat": return .wildchat
        case "azure-conv": return .azureConv
        case "azure-code": return .azureCode
        case "burstgpt": return .burstgpt
        case "mmlu": return .mmlu
        case "openvid": return .openvid
        case "limo": return .limo
        case "short-long": return .shortLong(shortShare: shortShare ?? 0.9)
        default:
            throw UsageError(description: "workload: unknown preset '\(name)' (trace1-4, grid, sharegpt, wildchat, azure-conv, azure-code, burstgpt, mmlu, openvid, limo, short-long)")
        }
    }

    private static func report(_ report: SynthesisReport, output: String, options: CommandLineArguments,
                               generateSeconds: Double, writeSeconds: Double) throws {
        let components = report.componentCounts.sorted { $0.key.rawValue < $1.key.rawValue }
        if options.flag("json") {
            try Output.json([
                "output": output,
                "requests": report.totals.requests,
                "prompt_tokens": report.totals.promptTokens,
                "unique_prompt_tokens": report.totals.uniquePromptTokens,
                "output_tokens": report.totals.outputTokens,
                "density": report.density,
                "sharing_ratio": report.sharing,
                "components": Dictionary(uniqueKeysWithValues: components.map { ($0.key.rawValue, $0.value) }),
                "seed": report.seed,
                "timings": ["generate": generateSeconds, "write": writeSeconds],
            ])
            return
        }
        let destination = output == "-" ? FileHandle.standardError : FileHandle.standardOutput
        var lines = "wrote \(Output.count(report.totals.requests)) requests to \(output)\n"
        lines += "  components: " + components.map { "\($0.key.rawValue) \(Output.count($0.value))" }.joined(separator: ", ") + "\n"
        lines += "  prompt tokens \(Output.count(report.totals.promptTokens)), unique \(Output.count(report.totals.uniquePromptTokens)), output tokens \(Output.count(report.totals.outputTokens))\n"
        lines += String(format: "  density %.4f, sharing ratio %.4f (Llama cost model of --model/--gpu)\n", report.density, report.sharing)
        lines += "  generated in \(Output.duration(generateSeconds)), written in \(Output.duration(writeSeconds))\n"
        destination.write(Data(lines.utf8))
    }
}

/// Resolves `--model`, turning a lookup failure into a usage error.
func resolveModel(_ argument: String) throws -> ModelSpec {
    do { return try ModelSpec.resolve(argument) } catch { throw UsageError(description: "--model: \(error)") }
}

/// Resolves `--gpu`, turning a lookup failure into a usage error.
func resolveGPU(_ argument: String) throws -> HardwareSpec {
    do { return try HardwareSpec.resolve(argument) } catch { throw UsageError(description: "--gpu: \(error)") }
}
