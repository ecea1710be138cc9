import Foundation

/// Entry point: dispatches to a subcommand and maps errors to exit codes
/// (0 success, 1 the job failed or rejected input, 2 a usage error).
let toolHelp = """
blendserve: schedule offline (batch) LLM inference with BlendServe and AlignedServe.

Usage: blendserve <command> [options]

Commands:
  workload   Generate the papers' synthetic workloads as trace JSONL.
  analyze    Print a workload's statistics, density and optimal time.
  simulate   Run a workload through a scheduling policy on the simulated GPU.
  compare    Run several policies (and execution modes) side by side; table, plot, timeline.
  sweep      Run the sensitivity grid (density x sharing) for a policy against a baseline.
  bench      Run the package's performance benchmarks (use a release build).
  run        Run an OpenAI batch file (completions, chat) to an output and an error file.

Run 'blendserve <command> --help' for a command's options.
Documentation: Docs/README.md.
"""

/// A subcommand: its `--help` text and what runs it.
struct Subcommand {
    var help: String
    var run: ([String]) async throws -> Int32
}

let commands: [String: Subcommand] = [
    "workload": Subcommand(help: WorkloadCommand.help, run: WorkloadCommand.run),
    "analyze": Subcommand(help: AnalyzeCommand.help, run: AnalyzeCommand.run),
    "bench": Subcommand(help: BenchCommand.help, run: BenchCommand.run),
    "simulate": Subcommand(help: SimulateCommand.help, run: SimulateCommand.run),
    "sweep": Subcommand(help: SweepCommand.help, run: SweepCommand.run),
    "compare": Subcommand(help: CompareCommand.help, run: CompareCommand.run),
    "run": Subcommand(help: RunCommand.help, run: RunCommand.run),
]

let arguments = Array(CommandLine.arguments.dropFirst())
let status: Int32
if arguments.isEmpty || ["--help", "-h", "help"].contains(arguments[0]) {
    print(toolHelp)
    status = arguments.isEmpty ? 2 : 0
} else if let command = commands[arguments[0]] {
    let rest = Array(arguments.dropFirst())
    do {
        if rest.contains("--help") || rest.contains("-h") {
            print(command.help)
            status = 0
        } else {
            status = try await command.run(rest)
        }
    } catch let error as UsageError {
        Output.error("error: \(error.description)")
        status = 2
    } catch {
        Output.error("error: \(error)")
        status = 1
    }
} else {
    Output.error("error: unknown command '\(arguments[0])' (commands: \(commands.keys.sorted().joined(separator: ", ")); see blendserve --help)")
    status = 2
}
exit(status)
