import Foundation

/// Times ``WorkloadReader`` on a synthetic trace, for `blendserve bench`.
public enum ReaderBenchmark {
    /// One measurement.
    public struct Result: Sendable, Hashable {
        /// Size of the trace file in bytes.
        public var bytes: Int
        /// Requests read back.
        public var requests: Int
        /// Wall-clock seconds spent reading (file writing excluded).
        public var seconds: Double

        /// Creates a result.
        /// - Complexity: O(1).
        public init(bytes: Int, requests: Int, seconds: Double) {
            self.bytes = bytes
            self.requests = requests
            self.seconds = seconds
        }

        /// Throughput in MB/s (10^6 bytes per second).
        public var megabytesPerSecond: Double { Double(bytes) / 1e6 / seconds }
    }

    /// Writes a trace of `requests` random requests (prompts of 200 to 400 tokens with ids below
    /// 128,000, output lengths below 1,000) to a temporary file, reads it back with a reader
    /// configured with `vocabSize: 128_000`, deletes the file and returns the reading time.
    /// The same `seed` gives the same trace. Throws when the file cannot be written or read, or when
    /// the reader does not return every request.
    /// - Complexity: O(requests × 300).
    public static func run(requests: Int, seed: UInt64) throws -> Result {
        var generator = SeededGenerator(seed: seed)
        var workload = Workload()
        workload.reserve(requests: requests, tokens: requests * 300)
        for index in 0 ..< requests {
            let length = 200 + Int(generator.next() % 201)
            workload.append(id: "req-\(index)", outputLength: Int(generator.next() % 1000)) { tokens in
                for _ in 0 ..< length {
                    tokens.append(Int32(truncatingIfNeeded: generator.next() % 128_000))
                }
            }
        }
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("blendserve-reader-bench-\(ProcessInfo.processInfo.processIdentifier)-\(seed).jsonl")
            .path
        try WorkloadWriter().write(workload, toFile: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let bytes = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
        let reader = WorkloadReader(options: .init(vocabSize: 128_000))
        var result: WorkloadReadResult?
        let elapsed = try ContinuousClock().measure {
            result = try reader.read(contentsOfFile: path)
        }
        guard let result, result.errors.isEmpty, result.workload.count == requests else {
            throw JSONLFileError(path: path, message: "benchmark trace did not read back whole")
        }
        let seconds = elapsed.seconds
        return Result(bytes: bytes, requests: requests, seconds: seconds)
    }
}
