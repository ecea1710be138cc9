import BlendCore

extension SimulatedGPU {
    /// The capacity a simulated engine reports for `model` on `hardware` under `options`.
    ///
    /// - `bytesPerBlock = blockSize × model.kvBytesPerToken` (all layers, K and V, all GPUs).
    /// - `deviceBlocks = ⌊(memoryUtilization × totalMemoryBytes − weightBytes −
    ///   gpuCount × activationReserveBytes) / bytesPerBlock⌋`, or `options.deviceBlocks` when set;
    ///   0 when the weights do not fit. Llama-3.1-8B on one A100-80GB: (80 − 16.06 − 4) GB /
    ///   2 MiB = 28,581 blocks, 0.1% under the 60 GB of the paper's Figure 6.
    /// - `hostBlocks = ⌊hostMemoryBytes / bytesPerBlock⌋`.
    /// - `maxContext` is the model's.
    /// - `supportsIncrementalPlans` is set (see ``SimulatedGPU``).
    /// - Complexity: O(1).
    public static func capacity(model: ModelSpec, hardware: HardwareSpec,
                                options: SimulationOptions = .init()) -> EngineCapacity {
        precondition(options.blockSize > 0, "block size must be positive")
        let bytesPerBlock = options.blockSize * model.kvBytesPerToken
        let gpus = Double(max(1, hardware.gpuCount))
        let kvBytes = options.memoryUtilization * hardware.totalMemoryBytes - model.weightBytes
            - gpus * options.activationReserveBytes
        let derived = kvBytes > 0 ? Int((kvBytes / Double(bytesPerBlock)).rounded(.down)) : 0
        let host = options.hostMemoryBytes > 0
            ? Int((options.hostMemoryBytes / Double(bytesPerBlock)).rounded(.down)) : 0
        return EngineCapacity(
            blockSize: options.blockSize, deviceBlocks: max(0, options.deviceBlocks ?? derived),
            hostBlocks: host, bytesPerBlock: bytesPerBlock,
            maxTokensPerStep: options.maxTokensPerStep, maxSequencesPerStep: options.maxSequencesPerStep,
            maxContext: model.maxContext, supportsIncrementalPlans: true)
    }
}
