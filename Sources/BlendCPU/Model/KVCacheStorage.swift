import BlendCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The physical KV cache: keys and values as IEEE halves, in blocks of `blockSize` tokens, on the
/// "device" (the engine's working set) and in a host tier for swapped-out sequences.
///
/// Layout of one side (keys or values) of one tier: layer-major, then block, slot, KV head and
/// dimension, so that one layer's cache is the contiguous array the attention kernel reads. The
/// memory is zero-filled lazily by the operating system: untouched blocks cost nothing.
final class KVCacheStorage: @unchecked Sendable {
    let layers: Int
    let blockSize: Int
    let deviceBlocks: Int
    let hostBlocks: Int
    /// Halves per block per layer: `blockSize × kvDim`.
    let blockStride: Int
    private let deviceKeys: UnsafeMutablePointer<UInt16>
    private let deviceValues: UnsafeMutablePointer<UInt16>
    private let hostKeys: UnsafeMutablePointer<UInt16>?
    private let hostValues: UnsafeMutablePointer<UInt16>?

    /// Reserves the cache.
    /// - Throws: ``ModelLoadError`` when the memory cannot be reserved.
    /// - Complexity: O(1) (pages are mapped on first touch).
    init(layers: Int, kvDim: Int, blockSize: Int, deviceBlocks: Int, hostBlocks: Int) throws {
        self.layers = layers
        self.blockSize = blockSize
        self.deviceBlocks = deviceBlocks
        self.hostBlocks = hostBlocks
        blockStride = blockSize * kvDim
        func reserve(_ blocks: Int) throws -> UnsafeMutablePointer<UInt16> {
            let count = max(1, layers * blocks * blockSize * kvDim)
            guard let raw = calloc(count, MemoryLayout<UInt16>.stride) else {
                throw ModelLoadError(source: "KV cache", problem: "cannot reserve \(count * 2) bytes for \(blocks) blocks")
            }
            return raw.bindMemory(to: UInt16.self, capacity: count)
        }
        deviceKeys = try reserve(deviceBlocks)
        deviceValues = try reserve(deviceBlocks)
        hostKeys = hostBlocks > 0 ? try reserve(hostBlocks) : nil
        hostValues = hostBlocks > 0 ? try reserve(hostBlocks) : nil
    }

    deinit {
        free(deviceKeys)
        free(deviceValues)
        free(hostKeys)
        free(hostValues)
    }

    /// Bytes of one block over all layers, keys and values.
    var bytesPerBlock: Int { 2 * layers * blockStride * MemoryLayout<UInt16>.stride }

    /// Layer `layer`'s device keys (block 0, slot 0).
    /// - Complexity: O(1).
    func keys(layer: Int) -> UnsafeMutablePointer<UInt16> { deviceKeys + layer * deviceBlocks * blockStride }

    /// Layer `layer`'s device values (block 0, slot 0).
    /// - Complexity: O(1).
    func values(layer: Int) -> UnsafeMutablePointer<UInt16> { deviceValues + layer * deviceBlocks * blockStride }

    /// Copies one block, all layers, keys and values, as the transfer says.
    /// - Throws: ``ModelLoadError`` when a block id is outside its tier.
    /// - Complexity: O(layers × blockStride).
    func perform(_ transfer: BlockTransfer) throws {
        let (from, to) = switch transfer.direction {
        case .deviceToHost: (deviceTier, hostTier)
        case .hostToDevice: (hostTier, deviceTier)
        case .deviceToDevice: (deviceTier, deviceTier)
        }
        let source = Int(transfer.source), destination = Int(transfer.destination)
        guard let from, let to, (0..<from.blocks).contains(source), (0..<to.blocks).contains(destination) else {
            throw ModelLoadError(source: "KV cache", problem: "transfer \(transfer) names a block outside its tier")
        }
        for layer in 0..<layers {
            let fromOffset = (layer * from.blocks + source) * blockStride
            let toOffset = (layer * to.blocks + destination) * blockStride
            (to.keys + toOffset).update(from: from.keys + fromOffset, count: blockStride)
            (to.values + toOffset).update(from: from.values + fromOffset, count: blockStride)
        }
    }

    /// One tier's storage: keys, values and its block count.
    private typealias Tier = (keys: UnsafeMutablePointer<UInt16>, values: UnsafeMutablePointer<UInt16>, blocks: Int)

    private var deviceTier: Tier? { (deviceKeys, deviceValues, deviceBlocks) }

    private var hostTier: Tier? {
        guard let hostKeys, let hostValues else { return nil }
        return (hostKeys, hostValues, hostBlocks)
    }
}
