import BlendCore
import BlendSchedulers
import BlendSim
import Foundation

/// The options `simulate` and `compare` share, and running one policy on BlendSim with them.
struct SimulationJob {
    /// The options that take a value, shared by `simulate` and `compare`.
    static let valuedOptions: Set<String> = [
        "model", "gpu", "mode", "attention", "interference", "max-batch-tokens", "max-sequences",
        "block-size", "host-memory-gb", "seed", "timeline", "minimum-batch", "batch-memory-cap", "context",
        "warp-iteration-us", "switch-fraction", "pool-batches",
    ]
    /// The flags shared by `simulate` and `compare`.
    static let switchOptions: Set<String> = ["json", "round-128", "no-prefix-caching", "quiet"]

    /// The help lines of the shared options.
    static let optionsHelp = """
      --model M               model preset or config.json (default llama-3.1-8b)
      --context N             the longest sequence the engine accepts, instead of the model's
                              (e.g. 16384 for AlignedServe's 1K-8K long requests on OPT, whose
                              learned positions stop at 2048; the simulated cost does not depend
                              on position embeddings)
      --gpu G                 GPU preset, NAME:xN for tensor parallelism, or custom:... (default a100-80gb)
      --mode M                sequential (compute + memory, vLLM/SGLang-like) or overlapped
                              (NanoFlow-like; default)
      --attention A           decode-attention kernel model: ideal (default), unsplit, split-kv
      --interference F        overlapped-mode interference factor (default 0.15)
      --warp-iteration-us U   unsplit kernel: microseconds one warp spends per KV block, which
                              sets one thread block's streaming rate (default 1)
      --max-batch-tokens N    tokens per step (default 8192)
      --max-sequences N       sequences per step (default 2048)
      --block-size N          KV block size in tokens (default 16)
      --host-memory-gb G      host-memory KV tier (default 0)
      --round-128             round the step token budget to a multiple of 128, as NanoFlow does
      --no-prefix-caching     turn the runtime prefix cache off
      --seed S                seed of randomised policies (default 1)
      --minimum-batch N       alignedserve: requests a batch needs, Kmin (default 36)
      --batch-memory-cap F    alignedserve: share of the device KV blocks one batch may hold,
                              Bmax (default 0.4)
      --switch-fraction F     alignedserve: the running batch switches below this share of its
                              peak membership (and below Kmin) (default 0.5)
      --pool-batches F        alignedserve: prefill pauses while the pool holds F caps of KV
                              (default 4)
      --quiet                 no progress line on standard error
    """

    private(set) var workload = Workload()
    let model: ModelSpec
    let gpu: HardwareSpec
    let simulation: SimulationOptions
    let batching: SequenceBatcher.Options
    let alignment: AlignedServeScheduler.Options
    let seed: UInt64
    private(set) var uniquePromptTokens = 0
    private(set) var totals = ResourceTotals()
    let showsProgress: Bool

    /// Reads the workload named by the command's positional argument and the shared options.
    init(path: String, options: CommandLineArguments, command: String) throws {
        try self.init(options: options, command: command)
        let result = try WorkloadInput.read(path, model: model, command: command)
        rejectedLines = result.errors.count
        lines = result.lines
        load(result.workload)
    }

    /// Reads the shared options; the workload comes later through ``load(_:)``.
    init(options: CommandLineArguments, command: String) throws {
        var model = try resolveModel(options.string("model") ?? "llama-3.1-8b")
        model.maxContext = try options.integer("context", default: model.maxContext, in: 1 ... 1 << 24)!
        self.model = model
        gpu = try resolveGPU(options.string("gpu") ?? "a100-80gb")
        var simulation = SimulationOptions()
        simulation.mode = try Self.mode(options.string("mode") ?? "overlapped", option: "--mode", command: command)
        switch options.string("attention") ?? "ideal" {
        case "ideal": simulation.attention = .ideal
        case "unsplit": simulation.attention = .unsplit
        case "split-kv": simulation.attention = .splitKV(chunkTokens: 512)
        case let other: throw UsageError(description: "\(command): --attention must be ideal, unsplit or split-kv, got '\(other)'")
        }
        simulation.interference = try options.number("interference", default: simulation.interference, in: 0 ... 1)!
        simulation.unsplitWarpIterationSeconds = try options.number(
            "warp-iteration-us", default: simulation.unsplitWarpIterationSeconds * 1e6, in: 0.01 ... 1000)! / 1e6
        simulation.maxTokensPerStep = try options.integer("max-batch-tokens", default: simulation.maxTokensPerStep, in: 16 ... 1 << 20)!
        simulation.maxSequencesPerStep = try options.integer("max-sequences", default: simulation.maxSequencesPerStep, in: 1 ... 1 << 20)!
        simulation.blockSize = try options.integer("block-size", default: simulation.blockSize, in: 1 ... 4096)!
        simulation.hostMemoryBytes = try options.number("host-memory-gb", default: 0, in: 0 ... 1e6)! * 1e9
        self.simulation = simulation
        batching = SequenceBatcher.Options(prefixCaching: !options.flag("no-prefix-caching"),
                                           roundTokensTo128: options.flag("round-128"))
        seed = try options.seed("seed", default: 1)
        let defaults = AlignedServeScheduler.Options()
        alignment = try AlignedServeScheduler.Options(
            minimumBatch: options.integer("minimum-batch", default: defaults.minimumBatch, in: 1 ... 1 << 20)!,
            batchMemoryCap: options.number("batch-memory-cap", default: defaults.batchMemoryCap, in: 0.01 ... 1)!,
            switchFraction: options.number("switch-fraction", default: defaults.switchFraction, in: 0 ... 1)!,
            poolBatches: options.number("pool-batches", default: defaults.poolBatches, in: 0.1 ... 1000)!)
        showsProgress = !options.flag("quiet") && !options.flag("json") && isatty(STDERR_FILENO) != 0
    }

    /// Makes `workload` the one the runs serve, with its unique prompt tokens and totals.
    /// - Complexity: O(total prompt tokens).
    mutating func load(_ workload: Workload) {
        self.workload = workload
        uniquePromptTokens = PrefixTree(workload: workload).uniquePromptTokens
        var totals = ResourceTotals()
        for index in 0 ..< workload.count {
            totals += ResourceTotals(prompt: workload.promptLength(index),
                                     output: workload.plannedOutputLength(index, fallback: 256), unique: 0)
        }
        totals.uniquePromptTokens = uniquePromptTokens
        self.totals = totals
    }

    /// Malformed input lines (reported on standard error).
    private(set) var rejectedLines = 0
    /// Non-empty input lines.
    private(set) var lines = 0

    /// The model and GPU for headings: `llama-3.1-8b, a100-80gb`, `llama-3.1-70b, 4x h100-sxm`.
    /// - Complexity: O(1).
    var machine: String {
        "\(model.name), \(gpu.gpuCount > 1 ? "\(gpu.gpuCount)x " : "")\(gpu.name)"
    }

    /// The workload's practical optimum with the weight reads of the fewest steps the engine
    /// allows (``SimulatedGPU/weightAwareOptimalSeconds(_:)``), for the `of T_o+W` column.
    /// - Complexity: O(1).
    var weightAwareOptimalSeconds: Double {
        SimulatedGPU(workload: workload, model: model, hardware: gpu, options: simulation).weightAwareOptimalSeconds(totals)
    }

    /// The execution mode named `text` (`sequential` or `overlapped`).
    /// - Throws: ``UsageError`` naming `option` for any other name.
    /// - Complexity: O(1).
    static func mode(_ text: String, option: String, command: String) throws -> ExecutionMode {
        switch text {
        case "sequential": return .sequential
        case "overlapped": return .overlapped
        default: throw UsageError(description: "\(command): \(option) must be sequential or overlapped, got '\(text)'")
        }
    }

    /// The name `--mode` takes for `mode`.
    /// - Complexity: O(1).
    static func name(of mode: ExecutionMode) -> String {
        switch mode {
        case .sequential: "sequential"
        case .overlapped: "overlapped"
        }
    }

    /// Runs `policy` on a fresh simulated GPU, in `mode` when given (else the `--mode` option's);
    /// the progress line on standard error names the run `label` (default: the policy). Returns
    /// AlignedServe's counters too when the policy is AlignedServe.
    /// - Complexity: that of the run: O(plans × sequences per plan) plus the policy's own work.
    func run(policy: String, mode: ExecutionMode? = nil, label: String? = nil, recordsTimeline: Bool) async throws
        -> (result: RunResult, wallSeconds: Double, alignment: AlignedServeScheduler.Statistics?) {
        let scheduler: any BatchScheduler
        do {
            scheduler = try PolicyCatalog.make(policy, options: batching, seed: seed, costModel: CostModel(model: model, hardware: gpu),
                                               alignment: alignment)
        } catch {
            throw UsageError(description: "\(error)")
        }
        var options = simulation
        if let mode { options.mode = mode }
        let engine = SimulatedGPU(workload: workload, model: model, hardware: gpu, options: options)
        let start = Date()
        let (result, alignment) = await run(scheduler, engine: engine, label: label ?? policy, recordsTimeline: recordsTimeline)
        if showsProgress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        return (result, Date().timeIntervalSince(start), alignment)
    }

    private func run<S: BatchScheduler>(_ scheduler: S, engine: SimulatedGPU, label: String, recordsTimeline: Bool) async
        -> (RunResult, AlignedServeScheduler.Statistics?) {
        var runner = OfflineRunner(scheduler: scheduler, engine: engine, workload: workload)
        runner.uniquePromptTokens = uniquePromptTokens
        runner.optimalSeconds = engine.optimalSeconds(totals)
        runner.recordsTimeline = recordsTimeline
        if showsProgress {
            runner.progress = { progress in
                let line = String(format: "\r%@: %d/%d requests, %.0f s simulated, %d steps", label,
                                  progress.done, progress.total, progress.runSeconds, progress.engineSteps)
                FileHandle.standardError.write(Data(line.utf8))
            }
        }
        let result = await runner.run()
        return (result, (runner.scheduler as? AlignedServeScheduler)?.statistics)
    }

    /// The report of a run in `mode` as the JSON object `simulate --json` prints, with
    /// AlignedServe's counters under `alignedserve` when given.
    /// - Complexity: O(1).
    static func json(_ report: RunReport, mode: ExecutionMode, wallSeconds: Double,
                     alignment: AlignedServeScheduler.Statistics? = nil) -> [String: Any] {
        var object: [String: Any] = [
            "policy": report.policy,
            "mode": name(of: mode),
            "requests": report.requests,
            "requests_finished": report.requestsFinished,
            "requests_failed": report.requestsFailed,
            "prompt_tokens": report.promptTokens,
            "output_tokens": report.outputTokens,
            "throughput_tokens_per_s": report.throughputTokensPerSecond,
            "output_tokens_per_s": report.outputTokensPerSecond,
            "makespan_seconds": report.makespanSeconds,
            "prefix_hit_ratio": report.prefixHitRatio,
            "optimal_prefix_hit_ratio": report.optimalPrefixHitRatio,
            "prefix_hit_ratio_of_optimal": report.hitRatioOfOptimal,
            "p50_tpot_seconds": report.timePerOutputToken.p50,
            "p99_tpot_seconds": report.timePerOutputToken.p99,
            "p50_iteration_seconds": report.iterationTime.p50,
            "p99_iteration_seconds": report.iterationTime.p99,
            "p50_ttft_seconds": report.timeToFirstToken.p50,
            "p99_ttft_seconds": report.timeToFirstToken.p99,
            "scheduler_prepare_seconds": report.schedulerPrepareSeconds,
            "scheduler_seconds_per_step": report.schedulerSecondsPerStep,
            "scheduler_seconds_per_plan": report.schedulerSecondsPerPlan,
            "engine_steps": report.engineSteps,
            "plans": report.plans,
            "preemptions": report.preemptions,
            "wall_seconds": wallSeconds,
            "simulated_tokens_per_wall_second": wallSeconds > 0 ? Double(report.promptTokens + report.outputTokens) / wallSeconds : 0,
        ]
        object["optimal_seconds"] = report.optimalSeconds ?? NSNull()
        object["fraction_of_optimal"] = report.fractionOfOptimal ?? NSNull()
        if let alignment {
            object["alignedserve"] = [
                "decode_iterations": alignment.decodeIterations, "batch_switch_iterations": alignment.switchIterations,
                "batch_switch_share": alignment.switchShare, "switches": alignment.switches,
                "batches_formed": alignment.batchesFormed, "fallback_batches": alignment.fallbackBatches,
                "starvation_batches": alignment.starvationBatches, "direct_joins": alignment.directJoins,
                "top_ups": alignment.topUps, "evictions": alignment.evictions, "parked": alignment.parked,
                "recomputations": alignment.recomputations, "peak_batch_blocks": alignment.peakBatchBlocks,
                "peak_pool_requests": alignment.peakPoolRequests,
            ] as [String: Any]
        }
        return object
    }

    /// One line on AlignedServe's batch switching for the text reports: switch iterations and
    /// their share of the decode iterations.
    /// - Complexity: O(1).
    static func switchingLine(_ statistics: AlignedServeScheduler.Statistics) -> String {
        String(format: "%@ batch-switch iterations of %@ decode iterations (%.1f%%), %@ switches, %@ batches (%@ below the minimum)",
               Output.count(statistics.switchIterations), Output.count(statistics.decodeIterations), statistics.switchShare * 100,
               Output.count(statistics.switches), Output.count(statistics.batchesFormed), Output.count(statistics.fallbackBatches))
    }

    /// Prints on standard error why `result`'s run stopped early and its first failed requests,
    /// each line starting with `prefix` (the command, and in `compare` the run's label); returns
    /// whether any request failed.
    /// - Complexity: O(requests).
    static func reportFailures(_ result: RunResult, prefix: String) -> Bool {
        if let failure = result.failure { Output.error("\(prefix): run stopped: \(failure)") }
        for request in result.results.lazy.filter({ $0.error != nil }).prefix(10) {
            Output.error("\(prefix): request \(request.id): \(request.error!)")
        }
        let report = result.report
        guard report.requestsFailed > 0 else { return false }
        Output.error("\(prefix): \(report.requestsFailed) of \(report.requests) requests failed")
        return true
    }

    /// Writes the runs' timelines to `path`: the SVG chart of ``TimelineChart`` when the path ends
    /// in `.svg`, otherwise CSV with one row per plan (after a leading `run` column holding the
    /// run's label when `labelled`).
    /// - Throws: ``CommandFailure`` when the file cannot be written.
    /// - Complexity: O(plans), plus O(runs × ``TimelineChart/maxPoints``) for SVG.
    static func writeTimeline(_ runs: [TimelineChart.Run], title: String, labelled: Bool, to path: String) throws {
        let text: String
        if path.lowercased().hasSuffix(".svg") {
            text = TimelineChart.svg(title: title, runs: runs)
        } else {
            var csv = (labelled ? "run," : "")
                + "start_seconds,seconds,steps,compute_seconds,memory_seconds,sequences,tokens_per_step,kv_blocks_in_use\n"
            for run in runs {
                for entry in run.timeline {
                    if labelled { csv += "\(run.label)," }
                    csv += "\(entry.start),\(entry.seconds),\(entry.steps),\(entry.computeSeconds.map { "\($0)" } ?? ""),"
                    csv += "\(entry.memorySeconds.map { "\($0)" } ?? ""),\(entry.sequences),\(entry.tokens),\(entry.deviceBlocksInUse)\n"
                }
            }
            text = csv
        }
        try Output.write(text, to: path)
    }
}
