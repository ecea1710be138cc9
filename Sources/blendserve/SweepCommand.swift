import BlendCore
import BlendSchedulers
import Foundation

/// `blendserve sweep`: the paper's sensitivity grid, one policy against a baseline.
enum SweepCommand {
    static let help = """
    Usage: blendserve sweep [--requests N] [--policies BASELINE,CANDIDATE] [--heatmap FILE] [options]

    Runs BlendServe's sensitivity grid (Figure 11): for each target compute density and prefix
    sharing ratio it generates the BurstGPT + MMLU + OpenVid mix in memory, simulates the baseline
    and the candidate policy, and reports the candidate's throughput gain. Prints a table (density
    rows, sharing columns) and the average gain; --heatmap writes the grid as an SVG heat map.

    Options:
      --requests N            requests per grid point (default 40000, as in the paper)
      --densities LIST        comma-separated densities (default 0.80,0.85,...,1.40)
      --sharings LIST         comma-separated sharing ratios (default 0.05,0.15,0.25,0.35,0.45)
      --policies A,B          the baseline and the candidate (default dfs,blendserve)
      --heatmap FILE          write the SVG heat map
      --json                  print one JSON object per grid point
    \(SimulationJob.optionsHelp)
      -h, --help              show this help
    """

    static func run(_ arguments: [String]) async throws -> Int32 {
        let options = try CommandLineArguments(
            arguments, command: "sweep",
            valued: SimulationJob.valuedOptions.union(["requests", "densities", "sharings", "policies", "heatmap"]),
            switches: SimulationJob.switchOptions)
        _ = try options.requirePositionals(0, what: "")
        let requests = try options.integer("requests", default: 40_000, in: 1000 ... 10_000_000)!
        let densities = try numbers(options.string("densities"), default: (0 ... 12).map { 0.80 + 0.05 * Double($0) }, option: "--densities")
        let sharings = try numbers(options.string("sharings"), default: [0.05, 0.15, 0.25, 0.35, 0.45], option: "--sharings")
        let policies = (options.string("policies") ?? "dfs,blendserve").split(separator: ",").map(String.init)
        guard policies.count == 2, policies.allSatisfy(PolicyCatalog.allNames.contains) else {
            throw UsageError(description: "sweep: --policies takes a baseline and a candidate from \(PolicyCatalog.allNames.joined(separator: ", "))")
        }
        var job = try SimulationJob(options: options, command: "sweep")
        var cells: [HeatmapChart.Cell] = []
        var objects: [[String: Any]] = []
        var failed = 0
        for density in densities {
            for sharing in sharings {
                let generated: GeneratedWorkload
                do {
                    generated = try WorkloadGenerator.generate(.grid(density: density, sharing: sharing), requests: requests,
                                                               seed: job.seed, model: job.model, hardware: job.gpu)
                } catch {
                    throw CommandFailure(description: "sweep: density \(density), sharing \(sharing): \(error)")
                }
                job.load(generated.workload)
                let baseline = try await job.run(policy: policies[0], recordsTimeline: false).result.report
                let candidate = try await job.run(policy: policies[1], recordsTimeline: false).result.report
                failed += baseline.requestsFailed + candidate.requestsFailed
                let gain = candidate.throughputTokensPerSecond / max(baseline.throughputTokensPerSecond, 1e-9) - 1
                cells.append(HeatmapChart.Cell(density: density, sharing: sharing, gain: gain))
                objects.append([
                    "density": density, "sharing": sharing, "gain": gain,
                    "baseline_throughput_tokens_per_s": baseline.throughputTokensPerSecond,
                    "candidate_throughput_tokens_per_s": candidate.throughputTokensPerSecond,
                    "candidate_fraction_of_optimal": candidate.fractionOfOptimal ?? 0,
                ])
            }
        }
        let average = cells.map(\.gain).reduce(0, +) / Double(max(cells.count, 1))
        if let path = options.string("heatmap") {
            let title = "\(policies[1]) over \(policies[0]): throughput gain, \(Output.count(requests)) requests per point, \(job.machine)"
            try Output.write(HeatmapChart.svg(title: title, cells: cells), to: path)
        }
        if options.flag("json") {
            try Output.json(["points": objects, "average_gain": average])
        } else {
            print("\(policies[1]) over \(policies[0]), \(Output.count(requests)) requests per point, \(job.machine)")
            let header = "density " + sharings.map { String(format: "%9.2f", $0) }.joined()
            print(header)
            for density in densities {
                let row = sharings.map { sharing in
                    cells.first { $0.density == density && $0.sharing == sharing }.map { String(format: "%+8.1f%%", $0.gain * 100) } ?? "        -"
                }
                print(String(format: "%7.2f ", density) + row.joined())
            }
            print(String(format: "average gain %+.1f%% over %d points", average * 100, cells.count))
        }
        if failed > 0 {
            Output.error("sweep: \(failed) requests failed across the runs")
            return 1
        }
        return 0
    }

    private static func numbers(_ text: String?, default fallback: [Double], option: String) throws -> [Double] {
        guard let text else { return fallback }
        let values = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil && $0!.isFinite && $0! > 0 }) else {
            throw UsageError(description: "sweep: \(option) takes comma-separated positive numbers, got '\(text)'")
        }
        return values.map { $0! }
    }
}
