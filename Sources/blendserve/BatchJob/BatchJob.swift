import BlendCPU
import BlendCore
import Foundation

/// An OpenAI batch job: the input as read, the requests still to run (after `--resume` took out
/// those already answered) with their options, and running them through any scheduler and engine
/// while every result is written as soon as it ends.
///
/// Only the engine, the model name and `decode` depend on the model: the job itself turns each
/// finished request's tokens into text with `decode`, cuts the text before the earliest of the
/// request's stop strings (``StopStringMatcher``; the finish reason is then `stop`), and writes the
/// output line; a failed request goes to the error file with the runner's message.
struct BatchJob {
    /// What a run did.
    struct Summary {
        /// Non-blank input lines.
        var lines = 0
        /// Input lines that could not be read (error file).
        var invalid = 0
        /// Requests skipped because the output file already answers them.
        var skipped = 0
        /// Requests run (excluding those skipped).
        var requests = 0
        /// Requests answered in the output file.
        var done = 0
        /// Requests that failed (error file).
        var failed = 0
        /// Prompt tokens of the answered requests.
        var promptTokens = 0
        /// Generated tokens of the answered requests.
        var completionTokens = 0
        /// Wall-clock seconds of the run.
        var wallSeconds = 0.0
        /// Seconds of engine time (simulated seconds for the simulator).
        var engineSeconds = 0.0
        /// Why the run stopped early, if it did.
        var runFailure: String?

        /// Generated tokens per wall-clock second.
        var completionTokensPerSecond: Double { wallSeconds > 0 ? Double(completionTokens) / wallSeconds : 0 }
    }

    /// The requests to run.
    let workload: Workload
    /// Their options, indexed like ``workload``.
    let options: [BatchRequestOptions]
    /// The input lines that could not be read.
    let invalidLines: [LineError]
    /// Non-blank input lines.
    let lines: Int
    /// Requests of the input left out because the output file already answers them.
    let skipped: Int

    /// The job for the input `read`, without the requests `resume` found answered.
    /// - Complexity: O(requests + prompt tokens) when resuming, else O(1).
    init(read: WorkloadReadResult, resume: BatchResume? = nil) {
        let pending = resume?.pending(read.workload, options: read.requestOptions)
        workload = pending?.workload ?? read.workload
        options = pending?.options ?? read.requestOptions
        skipped = pending?.skipped ?? 0
        invalidLines = read.errors
        lines = read.lines
    }

    /// Writes the invalid input lines to `errors`, then runs every request through `scheduler` and
    /// `engine`, writing each answer to `output` (the model reported is the line's own `model`,
    /// else `modelName`) and each failure to `errors` as the request ends, and updating `progress`.
    /// - Parameter decode: turns generated token ids into text; without it the text is empty (a
    ///   simulator generates no tokens).
    /// `show`, when given, sees each answer after it is written.
    /// - Throws: a write failure of the invalid lines at once; the first write failure of the run
    ///   after the run.
    /// - Complexity: that of the run, plus O(generated tokens × stop strings) for the stop strings.
    func run<Scheduler: BatchScheduler, Engine: ExecutionEngine>(
        scheduler: Scheduler, engine: Engine, modelName: String, decode: (([Int32]) -> String)?,
        output: BatchOutputWriter, errors: BatchErrorWriter, progress: ProgressLine,
        show: ((BatchCompletion) -> Void)? = nil
    ) async throws -> Summary {
        var summary = Summary(lines: lines, invalid: invalidLines.count, skipped: skipped, requests: workload.count)
        for error in invalidLines { try errors.write(error) }
        guard !workload.isEmpty else { return summary }
        var writeError: (any Error)?
        let start = Date()
        var runner = OfflineRunner(scheduler: scheduler, engine: engine, workload: workload)
        runner.onResult = { result in
            progress.requestEnded(tokens: result.generatedTokens)
            guard writeError == nil else { return }
            do {
                if let completion = completion(for: result, modelName: modelName, decode: decode) {
                    try output.write(completion)
                    show?(completion)
                    summary.done += 1
                    summary.promptTokens += completion.promptTokens
                    summary.completionTokens += completion.completionTokens
                } else {
                    try errors.writeFailure(customID: result.id, line: options[result.request].line,
                                            message: result.error ?? "no result", rejected: result.rejected)
                    summary.failed += 1
                }
            } catch {
                writeError = error
            }
        }
        let result = await runner.run()
        progress.finish()
        summary.wallSeconds = Date().timeIntervalSince(start)
        summary.engineSeconds = result.report.makespanSeconds
        summary.runFailure = result.failure
        if let writeError { throw writeError }
        return summary
    }

    /// The answer of a finished request: its text decoded and cut before the earliest stop
    /// string; `nil` when the request failed.
    /// - Complexity: O(generated tokens) plus `decode`'s time.
    func completion(for result: RequestResult, modelName: String, decode: (([Int32]) -> String)?) -> BatchCompletion? {
        guard var finish = result.finish, result.error == nil else { return nil }
        let request = options[result.request]
        var text = decode.map { $0(result.tokens) } ?? ""
        let stops = StopStringMatcher(request.sampling.stop)
        if !stops.isEmpty {
            let bytes = Array(text.utf8)
            if let cut = stops.firstMatch(in: bytes) {
                text = String(decoding: bytes[..<cut], as: UTF8.self)
                finish = .stop
            }
        }
        return BatchCompletion(
            customID: result.id, endpoint: request.endpoint, model: request.model ?? modelName, text: text, finish: finish,
            promptTokens: workload.promptLength(result.request), completionTokens: result.generatedTokens,
            created: Int(Date().timeIntervalSince1970))
    }
}
