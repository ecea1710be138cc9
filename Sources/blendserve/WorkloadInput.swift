import BlendCore

/// Reading a workload file for a command: malformed lines are printed (the first
/// ``shownErrors`` of them, then a count) and the rest is returned.
enum WorkloadInput {
    /// Rejected lines printed before the rest are only counted.
    static let shownErrors = 100

    /// Reads `path` with token ids checked against `model`'s vocabulary and context.
    /// - Throws: ``CommandFailure`` naming `command` when the file cannot be read.
    static func read(_ path: String, model: ModelSpec, command: String) throws -> WorkloadReadResult {
        let reader = WorkloadReader(options: .init(vocabSize: model.vocabSize, maxPromptLength: model.maxContext))
        let result: WorkloadReadResult
        do {
            result = try reader.read(contentsOfFile: path)
        } catch {
            throw CommandFailure(description: "\(command): \(error)")
        }
        for error in result.errors.prefix(shownErrors) { Output.error("\(path): \(error)") }
        if result.errors.count > shownErrors {
            Output.error("\(path): ... and \(result.errors.count - shownErrors) more rejected lines")
        }
        return result
    }
}
