extension CUDAEngine {
    /// Which GPU runs the model and how much it holds and computes at once.
    public struct Options: Sendable, Hashable {
        /// Where the second KV tier (swapped-out blocks) lives.
        public enum HostTier: Sendable, Hashable {
            /// Page-locked host memory (copies over PCIe).
            case pinnedHost
            /// The memory of another GPU, addressed peer-to-peer where the driver allows it
            /// (NVLink or PCIe P2P; staged through the host by the driver otherwise): AlignedServe's
            /// GPU-prefetch-for-GPU path, which `StepPlan.prefetches` drive.
            case peerDevice(Int)
        }

        /// The device that runs the model.
        public var device: Int
        /// Tokens per KV block.
        public var blockSize: Int
        /// Bytes of device KV cache, rounded down to whole blocks; nil for 90% of the memory left
        /// free once the weights and activations are in.
        public var kvCacheBytes: Int?
        /// Bytes of the second KV tier (0 for none).
        public var hostCacheBytes: Int
        /// Where the second tier lives.
        public var hostTier: HostTier
        /// Tokens one step may compute (prefill chunks plus decode tokens).
        public var maxTokensPerStep: Int
        /// Sequences one step may hold.
        public var maxSequencesPerStep: Int
        /// The folder of compiled kernels; nil for ``KernelCache``'s default.
        public var kernelCacheDirectory: String?
        /// NVRTC's path; nil to search (`$BLENDSERVE_NVRTC`, then `libnvrtc.so.13`, `.12`).
        public var nvrtcPath: String?
        /// The driver's path; nil for `libcuda.so.1`.
        public var driverPath: String?

        /// Creates options.
        /// - Complexity: O(1).
        public init(device: Int = 0, blockSize: Int = 16, kvCacheBytes: Int? = nil, hostCacheBytes: Int = 0,
                    hostTier: HostTier = .pinnedHost, maxTokensPerStep: Int = 2048, maxSequencesPerStep: Int = 256,
                    kernelCacheDirectory: String? = nil, nvrtcPath: String? = nil, driverPath: String? = nil) {
            self.device = device
            self.blockSize = blockSize
            self.kvCacheBytes = kvCacheBytes
            self.hostCacheBytes = hostCacheBytes
            self.hostTier = hostTier
            self.maxTokensPerStep = maxTokensPerStep
            self.maxSequencesPerStep = maxSequencesPerStep
            self.kernelCacheDirectory = kernelCacheDirectory
            self.nvrtcPath = nvrtcPath
            self.driverPath = driverPath
        }
    }
}
