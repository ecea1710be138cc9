import BlendCore
import BlendSchedulers
import Foundation

/// `blendserve simulate`: one policy on the simulated GPU.
enum SimulateCommand {
    /// The `--help` text.
    static let help = """
    Usage: blendserve simulate FILE --policy P [options]

    Runs a workload (trace or OpenAI batch JSONL) through a scheduling policy on BlendSim, the
    simulated GPU, and reports throughput ((prompt + output tokens) / makespan), output tokens/s,
    the fraction of the optimal time T_o under the simulator's own model, the prefix-cache hit
    ratio (and its ratio to the DFS optimum), TTFT/TPOT percentiles and scheduler time per step.

    Policies:
    \(PolicyCatalog.allNames.map { "  \($0.padding(toLength: 24, withPad: " ", startingAt: 0))\(PolicyCatalog.summaries[$0]!)" }.joined(separator: "\n"))

    Options:
      --policy P              the policy (default fcfs)
      --json                  print the report as JSON
      --timeline FILE         write one CSV row per plan (time, steps, compute/memory seconds, batch, KV use);
                              a FILE ending in .svg gets a chart of compute and memory time per step instead
    \(SimulationJob.optionsHelp)
      -h, --help              show this help
    """

    /// Runs the command with `arguments` (those after `simulate`); returns the exit status.
    static func run(_ arguments: [String]) async throws -> Int32 {
        let options = try CommandLineArguments(arguments, command: "simulate",
                                               valued: SimulationJob.valuedOptions.union(["policy"]),
                                               switches: SimulationJob.switchOptions)
        let path = try options.requirePositionals(1, what: "the workload FILE")[0]
        let policy = options.string("policy") ?? "fcfs"
        guard PolicyCatalog.allNames.contains(policy) else {
            throw UsageError(description: "simulate: unknown policy '\(policy)' (policies: \(PolicyCatalog.names.joined(separator: ", ")))")
        }
        let job = try SimulationJob(path: path, options: options, command: "simulate")
        let timelinePath = options.string("timeline")
        let (result, wall, alignment) = try await job.run(policy: policy, recordsTimeline: true)
        let report = result.report
        if let timelinePath {
            try SimulationJob.writeTimeline([TimelineChart.Run(label: policy, timeline: report.timeline)],
                                            title: "\(URL(fileURLWithPath: path).lastPathComponent): \(policy) on \(job.machine), \(SimulationJob.name(of: job.simulation.mode)) mode",
                                            labelled: false, to: timelinePath)
        }
        if options.flag("json") {
            try Output.json(SimulationJob.json(report, mode: job.simulation.mode, wallSeconds: wall, alignment: alignment))
        } else {
            print("\(path): \(policy) on \(job.machine), \(SimulationJob.name(of: job.simulation.mode)) mode")
            Output.table([
                ("requests", "\(Output.count(report.requestsFinished)) finished of \(Output.count(report.requests))"),
                ("makespan", Output.duration(report.makespanSeconds)),
                ("throughput", String(format: "%.0f tokens/s (prompt + output)", report.throughputTokensPerSecond)),
                ("output throughput", String(format: "%.0f tokens/s", report.outputTokensPerSecond)),
                ("fraction of optimal", report.fractionOfOptimal.map { String(format: "%.1f%% (T_o %@)", $0 * 100, Output.duration(report.optimalSeconds!)) } ?? "-"),
                ("prefix hit ratio", String(format: "%.4f (%.1f%% of the DFS optimum %.4f)", report.prefixHitRatio, report.hitRatioOfOptimal * 100, report.optimalPrefixHitRatio)),
                ("TTFT p50 / p99", "\(Output.duration(report.timeToFirstToken.p50)) / \(Output.duration(report.timeToFirstToken.p99))"),
                ("TPOT p50 / p99", "\(Output.duration(report.timePerOutputToken.p50)) / \(Output.duration(report.timePerOutputToken.p99))"),
                ("Iteration time per token p50 / p99", "\(Output.duration(report.iterationTime.p50)) / \(Output.duration(report.iterationTime.p99))"),
                ("engine steps", "\(Output.count(report.engineSteps)) in \(Output.count(report.plans)) plans, \(report.preemptions) preemptions"),
                ("scheduler time", "\(Output.duration(report.schedulerSecondsPerStep)) per step, after \(Output.duration(report.schedulerPrepareSeconds)) of preparation"),
                ("simulation wall time", String(format: "%@ (%.1f M simulated tokens per second)", Output.duration(wall), Double(report.promptTokens + report.outputTokens) / max(wall, 1e-9) / 1e6)),
            ])
            if let alignment { print("alignedserve: \(SimulationJob.switchingLine(alignment))") }
        }
        var status: Int32 = SimulationJob.reportFailures(result, prefix: "simulate") ? 1 : 0
        if job.rejectedLines > 0 {
            Output.error("simulate: \(job.rejectedLines) of \(job.lines) lines rejected")
            status = 1
        }
        return status
    }
}
