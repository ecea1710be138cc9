/// The accelerator a cost model or simulator assumes.
public struct HardwareSpec: Sendable, Hashable, Codable {
    /// Short name, e.g. `a100-80gb`.
    public var name: String
    /// Peak dense FP16/BF16 tensor-core throughput of one GPU, FLOP/s.
    public var peakFLOPS: Double
    /// Memory bandwidth of one GPU, bytes/s.
    public var memoryBandwidth: Double
    /// Memory capacity of one GPU, bytes.
    public var memoryBytes: Double
    /// Host link (PCIe) bandwidth per direction, bytes/s.
    public var hostLinkBandwidth: Double
    /// Peer link (NVLink) bandwidth per direction between two GPUs, bytes/s; 0 when absent.
    public var peerLinkBandwidth: Double
    /// GPUs used together with tensor parallelism.
    public var gpuCount: Int

    /// Creates a hardware description.
    /// - Complexity: O(1).
    public init(
        name: String, peakFLOPS: Double, memoryBandwidth: Double, memoryBytes: Double,
        hostLinkBandwidth: Double, peerLinkBandwidth: Double, gpuCount: Int = 1
    ) {
        self.name = name
        self.peakFLOPS = peakFLOPS
        self.memoryBandwidth = memoryBandwidth
        self.memoryBytes = memoryBytes
        self.hostLinkBandwidth = hostLinkBandwidth
        self.peerLinkBandwidth = peerLinkBandwidth
        self.gpuCount = gpuCount
    }

    /// Aggregate compute of all GPUs (the `compute` of the paper's eq. 4 under tensor parallelism).
    public var totalFLOPS: Double { peakFLOPS * Double(gpuCount) }
    /// Aggregate memory bandwidth of all GPUs (the `bandwidth` of eq. 5).
    public var totalBandwidth: Double { memoryBandwidth * Double(gpuCount) }
    /// Aggregate memory of all GPUs.
    public var totalMemoryBytes: Double { memoryBytes * Double(gpuCount) }

    /// The same hardware with `count` GPUs.
    /// - Complexity: O(1).
    public func withGPUCount(_ count: Int) -> HardwareSpec {
        var copy = self
        copy.gpuCount = count
        return copy
    }
}
