import BlendCore
import BlendCPU

/// The CUDA engine cannot run on this machine; the message names the CPU engine as the way on.
public struct CUDAUnavailableError: Error, CustomStringConvertible, Sendable {
    /// Why (from ``CUDAEngine/availability(driverPath:)``).
    public var reason: String

    /// Creates the error.
    /// - Complexity: O(1).
    public init(reason: String) { self.reason = reason }

    /// The message for the user.
    public var description: String {
        "the CUDA engine cannot run on this machine: \(reason). Use --engine cpu to run on the CPU engine instead."
    }
}

extension CUDAEngine {
    /// The engine `blendserve run --engine cuda` runs: checks first that a driver and a GPU are
    /// there, failing at once (before the model is read) with ``CUDAUnavailableError`` when they
    /// are not, then loads the model and its tokenizer and opens the engine.
    /// - Throws: ``CUDAUnavailableError``; otherwise what `LlamaModel`, `Tokenizer` and
    ///   ``init(model:tokenizer:sampling:options:)`` throw.
    /// - Complexity: O(weight bytes) plus the kernels' compile time when they are not cached.
    public static func forCommandLine(modelPath: String, sampling: [SamplingParameters] = [],
                                      options: Options = Options()) throws -> CUDAEngine {
        if case .unavailable(let reason) = availability(driverPath: options.driverPath) {
            throw CUDAUnavailableError(reason: reason)
        }
        let model = try LlamaModel(path: modelPath)
        return try CUDAEngine(model: model, tokenizer: Tokenizer(metadata: model.file.metadata), sampling: sampling,
                              options: options)
    }
}
