import CBlendCUDA

/// The per-step inputs of the kernels (token ids, positions, block tables, ...): packed into
/// pinned host memory and sent to the device in one copy.
///
/// Both sides grow when a step needs more; a step's arrays are staged only after the previous
/// step has finished with them (the engine synchronises at the end of every step).
final class StepStaging {
    private let context: CUDAContext
    private var host: PinnedHostBuffer
    private var device: DeviceBuffer
    private var used = 0

    /// Creates staging of `bytes` bytes on each side.
    /// - Complexity: O(bytes).
    init(context: CUDAContext, bytes: Int) throws {
        self.context = context
        host = try PinnedHostBuffer(context: context, bytes: bytes)
        device = try DeviceBuffer(context: context, bytes: bytes)
    }

    /// Packs `arrays` (each starting at a 16-byte boundary), sends them on `stream`, and returns
    /// each one's device address.
    /// - Complexity: O(total bytes).
    func stage(_ arrays: [StagedArray], on stream: CUDAStream) throws -> [UInt64] {
        var offsets: [Int] = []
        var total = 0
        for array in arrays {
            offsets.append(total)
            total += (array.bytes + 15) / 16 * 16
        }
        if total > host.bytes {
            let bytes = max(total, 2 * host.bytes)
            host = try PinnedHostBuffer(context: context, bytes: bytes)
            device = try DeviceBuffer(context: context, bytes: bytes)
        }
        for (array, offset) in zip(arrays, offsets) { array.write(to: host.pointer + offset) }
        if total > 0 { try check(bcu_copy_to_device(context.driver.handle, device.address, host.pointer, total, stream.handle)) }
        return offsets.map { device.address(at: $0) }
    }
}

/// One array of a step's inputs.
enum StagedArray {
    case int32([Int32])
    case double([Double])

    var bytes: Int {
        switch self {
        case .int32(let values): values.count * 4
        case .double(let values): values.count * 8
        }
    }

    func write(to pointer: UnsafeMutableRawPointer) {
        func copy(_ bytes: UnsafeRawBufferPointer) {
            if let base = bytes.baseAddress { pointer.copyMemory(from: base, byteCount: bytes.count) }
        }
        switch self {
        case .int32(let values): values.withUnsafeBytes(copy)
        case .double(let values): values.withUnsafeBytes(copy)
        }
    }
}
