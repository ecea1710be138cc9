import Foundation

extension CPUEngine {
    /// How much the engine holds and computes at once.
    public struct Options: Sendable, Hashable {
        /// Tokens per KV block.
        public var blockSize: Int
        /// Bytes of KV cache (keys and values as halves, all layers); rounded down to whole blocks.
        public var kvCacheBytes: Int
        /// Bytes of the host tier that swapped-out sequences move to (0 for none); reserved lazily,
        /// so untouched host blocks cost no memory.
        public var hostCacheBytes: Int
        /// Tokens one step may compute (prefill chunks plus decode tokens).
        public var maxTokensPerStep: Int
        /// Sequences one step may hold.
        public var maxSequencesPerStep: Int
        /// Worker threads for the matrix products and attention.
        public var threads: Int
        /// Instruction-set level of the kernels (`BS_ISA_PORTABLE`, `BS_ISA_AVX2`,
        /// `BS_ISA_AVX512`); nil for the best the CPU has.
        public var instructionSet: Int32?

        /// Creates options; the defaults suit the 135M default model on a small machine.
        /// - Complexity: O(1).
        public init(blockSize: Int = 16, kvCacheBytes: Int = 2 << 30, hostCacheBytes: Int = 1 << 30,
                    maxTokensPerStep: Int = 512, maxSequencesPerStep: Int = 256,
                    threads: Int = ProcessInfo.processInfo.activeProcessorCount, instructionSet: Int32? = nil) {
            self.blockSize = blockSize
            self.kvCacheBytes = kvCacheBytes
            self.hostCacheBytes = hostCacheBytes
            self.maxTokensPerStep = maxTokensPerStep
            self.maxSequencesPerStep = maxSequencesPerStep
            self.threads = threads
            self.instructionSet = instructionSet
        }
    }
}
