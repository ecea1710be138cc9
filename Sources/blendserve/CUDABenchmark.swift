import BlendCore
import BlendCPU
import BlendCUDA
import Foundation

/// `blendserve bench --suite cuda`: the CUDA engine on a real model, with the CPU suite's three
/// measurements (prompt processing, single-stream decode, batch job), plus the memory bandwidth
/// single-stream decoding achieves (every weight byte and the sequence's KV read once per token)
/// against the device's peak.
enum CUDABenchmark {
    struct Settings {
        var modelPath: String
        var device: CUDADeviceInfo
        var requests: Int
        var maxBatchTokens: Int
        var policies: [String]
    }

    /// The GPU with ordinal `ordinal`, or a usage error that says why there is none (naming the
    /// CPU suite when there is no driver or GPU at all).
    static func device(_ ordinal: Int) throws -> CUDADeviceInfo {
        switch CUDAEngine.availability() {
        case .unavailable(let reason):
            throw UsageError(description: "bench: the CUDA engine cannot run on this machine: \(reason); --suite cpu runs the CPU engine")
        case .available(_, let devices):
            guard devices.indices.contains(ordinal) else {
                throw UsageError(description: "bench: --device \(ordinal) does not exist (this machine has \(devices.count) GPUs)")
            }
            return devices[ordinal]
        }
    }

    static func run(_ settings: Settings, json: Bool) async throws -> [String: Any] {
        let device = settings.device
        let model = try LlamaModel(path: settings.modelPath)
        let encoder = try ChatPromptEncoder(metadata: model.file.metadata)
        let make: EngineBenchmark.MakeEngine = { tokens in
            try CUDAEngine(model: model, tokenizer: nil, options: .init(device: device.ordinal, kvCacheBytes: 4 << 30,
                                                                        maxTokensPerStep: tokens))
        }
        // A first engine compiles the kernels (or finds them in the cache) outside the timed runs.
        let (weightBytes, kernels) = try {
            let probe = try CUDAEngine(model: model, tokenizer: nil, options: .init(device: device.ordinal, kvCacheBytes: 64 << 20))
            return (probe.weightBytes, probe.kernels)
        }()
        let compiled = kernels.filter { !$0.cached }
        let compileSeconds = compiled.reduce(0) { $0 + $1.seconds }
        let prompt = try await EngineBenchmark.promptProcessing(model, make)
        let decode = try await EngineBenchmark.singleStreamDecode(model, make)
        let c = model.config
        // Decoding reads every weight once per token and the sequence's KV: 8 + 64 positions on average.
        let bytesPerToken = Double(weightBytes) + 72 * Double(2 * c.layers * c.kvDim * 2)
        let achieved = bytesPerToken * decode
        let peak = device.peakMemoryBandwidth ?? presetBandwidth(device.name)
        var results: [String: Any] = [
            "model": c.name, "device": device.name, "architecture": device.architecture,
            "prompt_tokens_per_second": prompt, "decode_tokens_per_second": decode,
            "decode_bytes_per_token": bytesPerToken, "decode_bandwidth_bytes_per_second": achieved,
            "kernel_compile_seconds": compileSeconds,
        ]
        if let peak { results["peak_bandwidth_bytes_per_second"] = peak }
        if !json {
            print("cuda: \(c.name) on \(device.name) (\(device.architecture))")
            print(String(format: "  kernels: %d of %d files compiled by NVRTC in %.2f s, the rest from the cache", compiled.count,
                         kernels.count, compileSeconds))
            print(String(format: "  prompt processing (512 tokens, one sequence): %.1f tokens/s", prompt))
            print(String(format: "  single-stream decode (128 tokens):           %.1f tokens/s", decode))
            let share = peak.map { String(format: ", %.1f%% of the peak %.0f GB/s", 100 * achieved / $0, $0 / 1e9) }
                ?? " (the device's peak is unknown)"
            print(String(format: "  decode memory bandwidth: %.1f GB/s (%.1f MB per token)", achieved / 1e9, bytesPerToken / 1e6)
                + share)
        }
        let workload = EngineBenchmark.chatWorkload(encoder, requests: settings.requests)
        results["batch"] = try await EngineBenchmark.batchJobs(model, workload, policies: settings.policies,
                                                               maxBatchTokens: settings.maxBatchTokens, make, json: json)
        return results
    }

    /// The memory bandwidth of the hardware preset whose name the device's name contains
    /// (drivers from CUDA 13 on no longer report the memory clock).
    static func presetBandwidth(_ deviceName: String) -> Double? {
        let name = deviceName.uppercased()
        for (marker, preset) in [("H200", HardwareSpec.h200), ("H100", .h100SXM), ("A100", .a100_80GB), ("L40S", .l40s)]
            where name.contains(marker) {
            return preset.memoryBandwidth
        }
        return nil
    }
}
