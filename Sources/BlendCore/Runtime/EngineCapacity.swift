/// What an execution engine can hold and compute, as a scheduler needs to know it.
///
/// KV cache memory is counted in blocks of ``blockSize`` tokens, as in paged attention. The
/// scheduler side owns the accounting of those blocks (which block holds which tokens, reference
/// counts, the prefix cache); the engine owns the storage and indexes it by block id
/// (`0 ..< deviceBlocks` on the device, `0 ..< hostBlocks` in the host tier).
public struct EngineCapacity: Sendable, Hashable, Codable {
    /// Tokens per KV block.
    public var blockSize: Int
    /// KV blocks in device memory.
    public var deviceBlocks: Int
    /// KV blocks in the host (CPU memory) tier; 0 when the engine has none.
    public var hostBlocks: Int
    /// Bytes one KV block occupies (all layers, K and V).
    public var bytesPerBlock: Int
    /// Tokens one step may compute in total (prefill chunks plus decode tokens).
    public var maxTokensPerStep: Int
    /// Sequences one step may hold.
    public var maxSequencesPerStep: Int
    /// Longest sequence (prompt plus output) the engine supports.
    public var maxContext: Int
    /// Whether the engine accepts incremental plans (``StepPlan/isIncremental``): it keeps its
    /// running batch between plans and decodes every sequence of it that a plan does not list.
    /// Default `false`; a scheduler then sends only full plans.
    public var supportsIncrementalPlans: Bool

    /// Creates a capacity description.
    /// - Complexity: O(1).
    public init(blockSize: Int, deviceBlocks: Int, hostBlocks: Int = 0, bytesPerBlock: Int,
                maxTokensPerStep: Int, maxSequencesPerStep: Int, maxContext: Int,
                supportsIncrementalPlans: Bool = false) {
        self.blockSize = blockSize
        self.deviceBlocks = deviceBlocks
        self.hostBlocks = hostBlocks
        self.bytesPerBlock = bytesPerBlock
        self.maxTokensPerStep = maxTokensPerStep
        self.maxSequencesPerStep = maxSequencesPerStep
        self.maxContext = maxContext
        self.supportsIncrementalPlans = supportsIncrementalPlans
    }

    /// Device KV memory in bytes (`deviceBlocks × bytesPerBlock`).
    public var deviceKVBytes: Double { Double(deviceBlocks) * Double(bytesPerBlock) }

    /// Blocks needed to hold `tokens` tokens.
    /// - Complexity: O(1).
    @inlinable
    public func blocks(forTokens tokens: Int) -> Int { (tokens + blockSize - 1) / blockSize }
}
