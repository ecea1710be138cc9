import BlendCore
import BlendSchedulers
import BlendSim
import Foundation

/// `blendserve compare`: several policies (optionally in several execution modes) on the same
/// workload and simulated GPU, side by side.
enum CompareCommand {
    /// The `--help` text.
    static let help = """
    Usage: blendserve compare FILE [--policies P1,P2,...] [--modes M1,M2] [options]

    Runs a workload (trace or OpenAI batch JSONL) through several scheduling policies on BlendSim,
    one after another on identical simulated GPUs, and prints one row per run: throughput
    ((prompt + output tokens) / makespan), its ratio to the first row's, the fraction of the
    optimal time T_o, the same fraction of T_o+W (T_o plus the weight reads of the fewest steps
    that can read every KV token, a bound no policy can beat on this engine), the prefix-cache
    hit ratio, P99 time per output token (TPOT: first to last token of a request, waits
    included), P99 iteration time (of the step that produced each output token, waits left out),
    makespan and preemptions. With --modes every policy runs in every mode and rows are labelled policy/mode
    (the papers' vLLM-DFS is dfs/sequential, NanoFlow-DFS is dfs/overlapped).

    Policies:
    \(PolicyCatalog.allNames.map { "  \($0.padding(toLength: 24, withPad: " ", startingAt: 0))\(PolicyCatalog.summaries[$0]!)" }.joined(separator: "\n"))

    Options:
      --policies P1,P2,...    the policies, in row order (default: all of the above)
      --modes M1,M2           run each policy in each of these modes (sequential, overlapped);
                              without it every run uses --mode
      --json                  print a JSON array: per run the keys of 'simulate --json' plus
                              label, ratio_to_first, weight_aware_optimal_seconds and
                              fraction_of_weight_aware_optimal
      --plot FILE.svg         write an SVG bar chart of throughput per run, annotated with the
                              fraction of T_o
      --timeline FILE         write an SVG chart of compute and memory time per step over
                              simulated time, one panel per run, when FILE ends in .svg;
                              otherwise CSV, one row per plan, led by a run column
    \(SimulationJob.optionsHelp)
      -h, --help              show this help
    """

    /// Runs the command with `arguments` (those after `compare`); returns the exit status.
    static func run(_ arguments: [String]) async throws -> Int32 {
        let options = try CommandLineArguments(arguments, command: "compare",
                                               valued: SimulationJob.valuedOptions.union(["policies", "modes", "plot"]),
                                               switches: SimulationJob.switchOptions)
        let path = try options.requirePositionals(1, what: "the workload FILE")[0]
        let policies = try list(options.string("policies") ?? PolicyCatalog.names.joined(separator: ","), option: "--policies")
        let unknown = policies.filter { !PolicyCatalog.allNames.contains($0) }
        guard unknown.isEmpty else {
            throw UsageError(description: "compare: unknown \(unknown.count == 1 ? "policy" : "policies") "
                + "\(unknown.map { "'\($0)'" }.joined(separator: ", ")) (policies: \(PolicyCatalog.names.joined(separator: ", ")))")
        }
        var modes: [ExecutionMode?] = [nil]
        if let text = options.string("modes") {
            guard options.string("mode") == nil else {
                throw UsageError(description: "compare: give --mode or --modes, not both")
            }
            modes = try list(text, option: "--modes").map { try SimulationJob.mode($0, option: "--modes", command: "compare") }
        }
        let job = try SimulationJob(path: path, options: options, command: "compare")
        let timelinePath = options.string("timeline")

        var runs: [(label: String, mode: ExecutionMode, result: RunResult, wall: Double,
                    alignment: AlignedServeScheduler.Statistics?)] = []
        var failed = false
        for policy in policies {
            for mode in modes {
                let label = mode.map { "\(policy)/\(SimulationJob.name(of: $0))" } ?? policy
                let (result, wall, alignment) = try await job.run(policy: policy, mode: mode, label: label,
                                                                  recordsTimeline: true)
                runs.append((label, mode ?? job.simulation.mode, result, wall, alignment))
                if SimulationJob.reportFailures(result, prefix: "compare: \(label)") { failed = true }
            }
        }

        let first = runs[0].result.report.throughputTokensPerSecond
        let ratios = runs.map { first > 0 ? $0.result.report.throughputTokensPerSecond / first : nil }
        let setup = "\(job.machine), \(modes.map { SimulationJob.name(of: $0 ?? job.simulation.mode) }.joined(separator: " and ")) mode\(modes.count > 1 ? "s" : "")"
        if let plotPath = options.string("plot") {
            let bars = runs.map { run in
                ThroughputChart.Bar(label: run.label, throughput: run.result.report.throughputTokensPerSecond,
                                    fractionOfOptimal: run.result.report.fractionOfOptimal, mode: SimulationJob.name(of: run.mode))
            }
            try Output.write(ThroughputChart.svg(title: "\(URL(fileURLWithPath: path).lastPathComponent): throughput, \(setup)", bars: bars), to: plotPath)
        }
        if let timelinePath {
            try SimulationJob.writeTimeline(runs.map { TimelineChart.Run(label: $0.label, timeline: $0.result.report.timeline) },
                                            title: "\(URL(fileURLWithPath: path).lastPathComponent): compute and memory time per step, \(setup)",
                                            labelled: true, to: timelinePath)
        }
        let weightAware = job.weightAwareOptimalSeconds
        /// `T_o+W / makespan`, `nil` for a run that ran nothing (as ``RunReport/fractionOfOptimal``).
        func ofWeightAware(_ report: RunReport) -> Double? {
            report.makespanSeconds > 0 ? weightAware / report.makespanSeconds : nil
        }
        if options.flag("json") {
            try Output.json(zip(runs, ratios).map { run, ratio -> [String: Any] in
                var object = SimulationJob.json(run.result.report, mode: run.mode, wallSeconds: run.wall, alignment: run.alignment)
                object["label"] = run.label
                object["ratio_to_first"] = ratio ?? NSNull()
                object["weight_aware_optimal_seconds"] = weightAware
                object["fraction_of_weight_aware_optimal"] = ofWeightAware(run.result.report) ?? NSNull()
                return object
            })
        } else {
            print("\(path): \(Output.count(job.workload.count)) requests on \(setup)")
            Output.columns(
                header: [modes.count > 1 ? "policy/mode" : "policy", "tokens/s", "ratio", "of T_o", "of T_o+W", "prefix hit",
                         "P99 TPOT", "P99 iteration", "makespan", "preemptions"],
                rows: zip(runs, ratios).map { run, ratio in
                    let report = run.result.report
                    return [run.label, Output.count(Int(report.throughputTokensPerSecond.rounded())),
                            ratio.map { String(format: "%.3f", $0) } ?? "-",
                            report.fractionOfOptimal.map { String(format: "%.1f%%", $0 * 100) } ?? "-",
                            ofWeightAware(report).map { String(format: "%.1f%%", $0 * 100) } ?? "-",
                            String(format: "%.4f", report.prefixHitRatio), Output.duration(report.timePerOutputToken.p99),
                            Output.duration(report.iterationTime.p99),
                            Output.duration(report.makespanSeconds), Output.count(report.preemptions)]
                })
            print("tokens/s: (prompt + output tokens) / makespan; ratio: to the first row; of T_o: optimal time / makespan;")
            print("of T_o+W: the same with the weight reads of the fewest steps that can read every KV token (T_o+W \(Output.duration(weightAware)))")
            for run in runs {
                if let alignment = run.alignment { print("\(run.label): \(SimulationJob.switchingLine(alignment))") }
            }
        }
        var status: Int32 = failed ? 1 : 0
        if job.rejectedLines > 0 {
            Output.error("compare: \(job.rejectedLines) of \(job.lines) lines rejected")
            status = 1
        }
        return status
    }

    /// The comma-separated names in `text`, each once.
    /// - Throws: ``UsageError`` for an empty name or a name given twice.
    /// - Complexity: O(names²), for the handful of names a command line holds.
    static func list(_ text: String, option: String) throws -> [String] {
        let names = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        var seen: [String] = []
        for name in names {
            guard !name.isEmpty else { throw UsageError(description: "compare: \(option) has an empty name in '\(text)'") }
            guard !seen.contains(name) else { throw UsageError(description: "compare: \(option) lists '\(name)' twice") }
            seen.append(name)
        }
        return seen
    }
}
