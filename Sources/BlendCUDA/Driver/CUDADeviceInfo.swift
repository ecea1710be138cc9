import CBlendCUDA

/// What a CUDA device is: its name, architecture and memory.
public struct CUDADeviceInfo: Sendable, Hashable {
    /// The device's ordinal.
    public var ordinal: Int
    /// The marketing name, e.g. "NVIDIA H100 80GB HBM3".
    public var name: String
    /// Compute capability, major part (9 for an H100).
    public var computeMajor: Int
    /// Compute capability, minor part (0 for an H100).
    public var computeMinor: Int
    /// Streaming multiprocessors.
    public var multiprocessors: Int
    /// Device memory in bytes.
    public var totalMemory: Int
    /// Peak memory clock in kHz; 0 where the driver no longer reports it (CUDA 13).
    public var memoryClockKHz: Int
    /// Memory bus width in bits; 0 where the driver no longer reports it.
    public var memoryBusBits: Int
    /// The opt-in maximum of shared memory per block, in bytes.
    public var maxSharedMemoryPerBlock: Int

    init(ordinal: Int, _ info: bcu_device_info) {
        self.ordinal = ordinal
        var info = info
        name = withUnsafeBytes(of: &info.name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        computeMajor = Int(info.compute_major)
        computeMinor = Int(info.compute_minor)
        multiprocessors = Int(info.multiprocessors)
        totalMemory = Int(info.total_memory)
        memoryClockKHz = Int(info.memory_clock_khz)
        memoryBusBits = Int(info.memory_bus_bits)
        maxSharedMemoryPerBlock = Int(info.max_shared_per_block)
    }

    /// The architecture NVRTC compiles for, e.g. "sm_90".
    public var architecture: String { "sm_\(computeMajor)\(computeMinor)" }

    /// Peak memory bandwidth in bytes per second from the memory clock and bus width (double data
    /// rate), or nil when the driver does not report them.
    /// - Complexity: O(1).
    public var peakMemoryBandwidth: Double? {
        guard memoryClockKHz > 0, memoryBusBits > 0 else { return nil }
        return 2 * Double(memoryClockKHz) * 1000 * Double(memoryBusBits) / 8
    }
}
