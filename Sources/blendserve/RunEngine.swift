import BlendCore
import BlendCPU
import BlendCUDA
import BlendSim
import Foundation

/// The model-dependent half of `blendserve run`, chosen by `--engine`: how input lines are read
/// (vocabulary, context, tokenizer), the cost model the schedulers plan with, the engine that runs
/// the requests, the model name the answers report, and how generated tokens become text.
/// Everything else (files, resume, stop strings, progress) is ``BatchJob``'s and does not change
/// with the engine.
struct RunEngine {
    /// The engine and model for the summary: `sim: llama-3.1-8b on a100-80gb`.
    var description: String
    /// The model name answers report when their line names none.
    var modelName: String
    /// Reads the input: token ids checked against the model, text and chat prompts through its
    /// tokenizer (without one they are invalid lines).
    var reader: WorkloadReader
    /// The model and hardware the schedulers plan with.
    var costModel: CostModel
    /// Turns generated token ids into text; `nil` for an engine that generates no tokens.
    var decode: (([Int32]) -> String)?
    /// Creates the engine for the requests to run and their options.
    var makeEngine: (Workload, [BatchRequestOptions]) throws -> any ExecutionEngine

    /// The engines `--engine` names.
    static let names = ["cpu", "cuda", "sim"]

    /// The engine chosen by `options` (`--engine`, `--model`, `--threads`, `--max-batch-tokens`,
    /// `--hardware`).
    /// - Throws: ``UsageError`` for an unknown engine or an option it does not take;
    ///   ``CommandFailure`` for an engine not built into this tool.
    /// - Complexity: O(1).
    static func resolve(_ options: CommandLineArguments) throws -> RunEngine {
        let name = options.string("engine") ?? "cpu"
        switch name {
        case "sim": return try simulator(options)
        case "cpu": return try cpu(options)
        case "cuda": return try cuda(options)
        default: throw UsageError(description: "run: --engine must be one of \(names.joined(separator: ", ")), got '\(name)'")
        }
    }

    /// The CPU engine on `--model` (default: SmolLM2-135M-Instruct, fetched on first use).
    private static func cpu(_ options: CommandLineArguments) throws -> RunEngine {
        var engineOptions = CPUEngine.Options()
        engineOptions.threads = try options.integer("threads", default: engineOptions.threads, in: 1 ... 4096)!
        engineOptions.maxTokensPerStep = try options.integer("max-batch-tokens", default: engineOptions.maxTokensPerStep,
                                                             in: 16 ... 1 << 16)!
        let hardware = cpuHardware(threads: engineOptions.threads, kvBytes: engineOptions.kvCacheBytes)
        return try modelEngine(options, label: "cpu", detail: "\(engineOptions.threads) threads", hardware: hardware) {
            model, tokenizer, sampling in
            try CPUEngine(model: model, tokenizer: tokenizer, sampling: sampling, options: engineOptions)
        }
    }

    /// The CUDA engine on `--model`; on a machine without a usable driver it fails at once, before
    /// the model or any file is read, and names the CPU engine.
    private static func cuda(_ options: CommandLineArguments) throws -> RunEngine {
        if options.string("threads") != nil {
            throw UsageError(description: "run: --threads applies to --engine cpu")
        }
        if case .unavailable(let reason) = CUDAEngine.availability() {
            throw CommandFailure(description: "run: \(CUDAUnavailableError(reason: reason))")
        }
        var engineOptions = CUDAEngine.Options()
        engineOptions.maxTokensPerStep = try options.integer("max-batch-tokens", default: engineOptions.maxTokensPerStep,
                                                             in: 16 ... 1 << 16)!
        return try modelEngine(options, label: "cuda", detail: "GPU \(engineOptions.device)", hardware: .a100_80GB) {
            model, tokenizer, sampling in
            try CUDAEngine(model: model, tokenizer: tokenizer, sampling: sampling, options: engineOptions)
        }
    }

    /// A real engine on `--model` (default: SmolLM2-135M-Instruct, fetched on first use): text and
    /// chat prompts through the model's tokenizer and chat template; requests without a seed get
    /// one derived from their custom id, so a rerun or a resumed job samples the same text.
    private static func modelEngine(
        _ options: CommandLineArguments, label: String, detail: String, hardware: HardwareSpec,
        make: @escaping (LlamaModel, Tokenizer, [SamplingParameters]) throws -> any ExecutionEngine
    ) throws -> RunEngine {
        if options.string("hardware") != nil {
            throw UsageError(description: "run: --hardware applies to --engine sim")
        }
        let path = try options.string("model") ?? ModelStore().resolveDefaultModel(log: { Output.error($0) })
        let model: LlamaModel
        let encoder: ChatPromptEncoder
        do {
            model = try LlamaModel(path: path)
            encoder = try ChatPromptEncoder(metadata: model.file.metadata)
        } catch {
            throw CommandFailure(description: "run: cannot use the model: \(error)")
        }
        let tokenizer = encoder.tokenizer
        let spec = model.config.modelSpec(parameters: Double(model.parameterCount))
        return RunEngine(
            description: "\(label): \(model.config.name), \(detail)",
            modelName: model.config.name,
            reader: WorkloadReader(options: .init(vocabSize: model.config.vocabularySize, maxPromptLength: model.config.contextLength),
                                   tokenizer: encoder),
            costModel: CostModel(model: spec, hardware: hardware),
            decode: { tokens in tokenizer.decode(tokens.filter { !tokenizer.endOfGenerationIDs.contains($0) }) },
            makeEngine: { workload, requests in
                let sampling = requests.indices.map { i in
                    var parameters = requests[i].sampling
                    if parameters.seed == nil { parameters.seed = BatchIdentifiers.seed(customID: workload.ids[i]) }
                    return parameters
                }
                return try make(model, tokenizer, sampling)
            })
    }

    /// The CPU as the schedulers' cost model sees it: what the kernels reach on one core of this
    /// kind of machine (about 40 GFLOP/s on batched products, 6 GB/s of weight streaming), times
    /// the threads, with the KV cache as its memory.
    private static func cpuHardware(threads: Int, kvBytes: Int) -> HardwareSpec {
        HardwareSpec(name: "cpu", peakFLOPS: 40e9 * Double(threads), memoryBandwidth: 6e9 * Double(threads),
                     memoryBytes: Double(kvBytes), hostLinkBandwidth: 10e9, peerLinkBandwidth: 0)
    }

    /// BlendSim simulating Llama-3.1-8B on `--hardware` (default a100-80gb): token-id prompts only,
    /// no text generated, completion lengths from each line's `output_len`, else `max_tokens`,
    /// else up to the context.
    private static func simulator(_ options: CommandLineArguments) throws -> RunEngine {
        if options.string("model") != nil {
            throw UsageError(description: "run: --engine sim takes no --model (it simulates llama-3.1-8b and reads token-id prompts only)")
        }
        if options.string("threads") != nil {
            throw UsageError(description: "run: --threads applies to --engine cpu")
        }
        let model = ModelSpec.llama31_8B
        let hardware: HardwareSpec
        do {
            hardware = try HardwareSpec.resolve(options.string("hardware") ?? "a100-80gb")
        } catch {
            throw UsageError(description: "run: --hardware: \(error)")
        }
        var simulation = SimulationOptions()
        simulation.maxTokensPerStep = try options.integer("max-batch-tokens", default: simulation.maxTokensPerStep, in: 16 ... 1 << 20)!
        return RunEngine(
            description: "sim: \(model.name) on \(hardware.gpuCount > 1 ? "\(hardware.gpuCount)x " : "")\(hardware.name)",
            modelName: model.name,
            reader: WorkloadReader(options: .init(vocabSize: model.vocabSize, maxPromptLength: model.maxContext)),
            costModel: CostModel(model: model, hardware: hardware),
            decode: nil,
            makeEngine: { workload, _ in SimulatedGPU(workload: workload, model: model, hardware: hardware, options: simulation) })
    }
}
