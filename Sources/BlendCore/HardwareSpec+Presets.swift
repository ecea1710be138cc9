/// Why a hardware description could not be resolved.
public struct HardwareSpecError: Error, CustomStringConvertible, Sendable {
    /// A one-line message.
    public var description: String
}

extension HardwareSpec {
    /// NVIDIA A100-SXM4-80GB: 312 TFLOP/s dense FP16, 2.039 TB/s HBM2e, PCIe 4.0 x16 (32 GB/s
    /// per direction), NVLink 3 (300 GB/s per direction). Source: NVIDIA A100 datasheet; these are
    /// the constants behind the check values of the BlendServe paper.
    public static let a100_80GB = HardwareSpec(
        name: "a100-80gb", peakFLOPS: 312e12, memoryBandwidth: 2.039e12, memoryBytes: 80e9,
        hostLinkBandwidth: 32e9, peerLinkBandwidth: 300e9)
    /// NVIDIA H100 SXM5 80GB: 989 TFLOP/s dense FP16, 3.35 TB/s HBM3, PCIe 5.0 x16 (64 GB/s per
    /// direction), NVLink 4 (450 GB/s per direction). Source: NVIDIA H100 datasheet.
    public static let h100SXM = HardwareSpec(
        name: "h100-sxm", peakFLOPS: 989e12, memoryBandwidth: 3.35e12, memoryBytes: 80e9,
        hostLinkBandwidth: 64e9, peerLinkBandwidth: 450e9)
    /// NVIDIA H200 SXM 141GB: 989 TFLOP/s dense FP16, 4.8 TB/s HBM3e, PCIe 5.0, NVLink 4.
    /// Source: NVIDIA H200 datasheet.
    public static let h200 = HardwareSpec(
        name: "h200", peakFLOPS: 989e12, memoryBandwidth: 4.8e12, memoryBytes: 141e9,
        hostLinkBandwidth: 64e9, peerLinkBandwidth: 450e9)
    /// NVIDIA L40S 48GB: 362 TFLOP/s dense FP16, 864 GB/s GDDR6, PCIe 4.0, no NVLink.
    /// Source: NVIDIA L40S datasheet.
    public static let l40s = HardwareSpec(
        name: "l40s", peakFLOPS: 362e12, memoryBandwidth: 0.864e12, memoryBytes: 48e9,
        hostLinkBandwidth: 32e9, peerLinkBandwidth: 0)

    /// Every preset, in the order `--help` lists them.
    public static let presets: [HardwareSpec] = [.a100_80GB, .h100SXM, .h200, .l40s]

    /// The preset called `name` (case-insensitive), or `nil`.
    /// - Complexity: O(number of presets).
    public static func preset(named name: String) -> HardwareSpec? {
        presets.first { $0.name == name.lowercased() }
    }

    /// Resolves a command-line GPU argument.
    ///
    /// Accepted forms: a preset (`a100-80gb`), a preset with a GPU count (`a100-80gb:x8`), or
    /// custom numbers `custom:flops=312e12,bw=2.039e12,mem=80e9[,host=32e9][,peer=300e9][,gpus=N]`.
    /// - Complexity: O(argument length).
    public static func resolve(_ argument: String) throws -> HardwareSpec {
        let lowered = argument.lowercased()
        if lowered.hasPrefix("custom:") {
            return try parseCustom(String(lowered.dropFirst("custom:".count)), argument: argument)
        }
        let parts = lowered.split(separator: ":", maxSplits: 1).map(String.init)
        guard let base = preset(named: parts.first ?? "") else {
            let names = presets.map(\.name).joined(separator: ", ")
            throw HardwareSpecError(description: "unknown GPU '\(argument)': use one of \(names), NAME:xN, or custom:flops=..,bw=..,mem=..")
        }
        guard parts.count == 2 else { return base }
        guard parts[1].hasPrefix("x"), let count = Int(parts[1].dropFirst()), count >= 1 else {
            throw HardwareSpecError(description: "bad GPU count in '\(argument)': write NAME:xN with N >= 1")
        }
        return base.withGPUCount(count)
    }

    private static func parseCustom(_ text: String, argument: String) throws -> HardwareSpec {
        var values: [String: Double] = [:]
        for field in text.split(separator: ",") {
            let pair = field.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2, let value = Double(pair[1]), value >= 0, value.isFinite else {
                throw HardwareSpecError(description: "bad field '\(field)' in '\(argument)': write key=number")
            }
            guard ["flops", "bw", "mem", "host", "peer", "gpus"].contains(pair[0]) else {
                throw HardwareSpecError(description: "unknown key '\(pair[0])' in '\(argument)' (flops, bw, mem, host, peer, gpus)")
            }
            values[pair[0]] = value
        }
        for key in ["flops", "bw", "mem"] where (values[key] ?? 0) <= 0 {
            throw HardwareSpecError(description: "'\(argument)' needs a positive \(key)=")
        }
        let gpus = values["gpus"] ?? 1
        guard gpus >= 1, gpus == gpus.rounded() else {
            throw HardwareSpecError(description: "gpus must be a whole number >= 1 in '\(argument)'")
        }
        return HardwareSpec(
            name: "custom", peakFLOPS: values["flops"]!, memoryBandwidth: values["bw"]!,
            memoryBytes: values["mem"]!, hostLinkBandwidth: values["host"] ?? 32e9,
            peerLinkBandwidth: values["peer"] ?? 0, gpuCount: Int(gpus))
    }
}
