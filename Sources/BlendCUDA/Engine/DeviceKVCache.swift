import BlendCore
import CBlendCUDA

/// The KV cache in device memory, with an optional second tier that swapped-out blocks move to:
/// pinned host memory, or the memory of a peer GPU (copies over NVLink or PCIe peer-to-peer where
/// the driver allows direct access).
///
/// Layout: block-major. Block b holds, for each layer, `blockSize` slots of keys (`kvDim` halves
/// each) and then as many of values, so one block of every layer is one contiguous range of
/// ``blockBytes`` and a swap or copy of a block is a single copy.
final class DeviceKVCache {
    /// Where the second tier lives.
    enum Tier {
        case host(PinnedHostBuffer)
        case peer(DeviceBuffer)
    }

    let layers: Int
    let blockSize: Int
    let kvDim: Int
    let deviceBlocks: Int
    let hostBlocks: Int
    let device: DeviceBuffer
    let tier: Tier?

    /// Reserves the device blocks and the second tier.
    /// - Throws: ``CUDAError`` when memory cannot be had.
    /// - Complexity: O(host tier bytes) (pinning pages).
    init(context: CUDAContext, layers: Int, blockSize: Int, kvDim: Int, deviceBlocks: Int, hostBlocks: Int,
         peer: CUDAContext?) throws {
        self.layers = layers
        self.blockSize = blockSize
        self.kvDim = kvDim
        self.deviceBlocks = deviceBlocks
        self.hostBlocks = hostBlocks
        let blockBytes = 2 * layers * blockSize * kvDim * MemoryLayout<UInt16>.stride
        device = try DeviceBuffer(context: context, bytes: deviceBlocks * blockBytes)
        if hostBlocks == 0 {
            tier = nil
        } else if let peer {
            tier = .peer(try DeviceBuffer(context: peer, bytes: hostBlocks * blockBytes))
        } else {
            tier = .host(try PinnedHostBuffer(context: context, bytes: hostBlocks * blockBytes))
        }
    }

    /// Bytes of one block over all layers, keys and values.
    var blockBytes: Int { 2 * layers * blockSize * kvDim * MemoryLayout<UInt16>.stride }

    /// Halves from one block to the next.
    var blockStride: Int { 2 * layers * blockSize * kvDim }

    /// Halves from a block's start to layer `layer`'s keys (its values follow `blockSize × kvDim`
    /// halves later).
    /// - Complexity: O(1).
    func layerOffset(_ layer: Int) -> Int { 2 * layer * blockSize * kvDim }

    /// Queues the copy of one block on `stream`.
    /// - Throws: ``CUDAError``, or for a block id outside its tier.
    /// - Complexity: O(blockBytes), asynchronous.
    func perform(_ transfer: BlockTransfer, on stream: CUDAStream) throws {
        let driver = device.context.driver.handle
        let source = Int(transfer.source), destination = Int(transfer.destination)
        let deviceRange = 0..<deviceBlocks, tierRange = 0..<(tier == nil ? 0 : hostBlocks)
        let (sourceRange, destinationRange) = switch transfer.direction {
        case .deviceToHost: (deviceRange, tierRange)
        case .hostToDevice: (tierRange, deviceRange)
        case .deviceToDevice: (deviceRange, deviceRange)
        }
        guard sourceRange.contains(source), destinationRange.contains(destination) else {
            throw CUDAError(call: "KV transfer", code: -3, message: "\(transfer) names a block outside its tier")
        }
        let bytes = blockBytes
        let deviceSource = device.address(at: source * bytes), deviceDestination = device.address(at: destination * bytes)
        switch (transfer.direction, tier) {
        case (.deviceToDevice, _):
            try check(bcu_copy_device(driver, deviceDestination, deviceSource, bytes, stream.handle))
        case (.deviceToHost, .host(let host)?):
            try check(bcu_copy_to_host(driver, host.pointer + destination * bytes, deviceSource, bytes, stream.handle))
        case (.hostToDevice, .host(let host)?):
            try check(bcu_copy_to_device(driver, deviceDestination, host.pointer + source * bytes, bytes, stream.handle))
        case (.deviceToHost, .peer(let peer)?):
            try check(bcu_copy_peer(driver, peer.address(at: destination * bytes), peer.context.handle, deviceSource,
                                    device.context.handle, bytes, stream.handle))
        case (.hostToDevice, .peer(let peer)?):
            try check(bcu_copy_peer(driver, deviceDestination, device.context.handle, peer.address(at: source * bytes),
                                    peer.context.handle, bytes, stream.handle))
        default:
            throw CUDAError(call: "KV transfer", code: -3, message: "\(transfer) needs a host tier, and the engine has none")
        }
    }
}
