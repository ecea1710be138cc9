import CBlendCUDA

/// Device memory of one context, freed when the buffer goes away.
public final class DeviceBuffer: @unchecked Sendable {
    /// The context the memory belongs to.
    public let context: CUDAContext
    /// The device address of the first byte.
    public let address: UInt64
    /// Its size in bytes.
    public let bytes: Int

    /// Allocates `bytes` bytes (at least 1) of device memory.
    /// - Throws: ``CUDAError`` (`cuMemAlloc_v2`) when the device is out of memory.
    /// - Complexity: O(1).
    public init(context: CUDAContext, bytes: Int) throws {
        try context.makeCurrent()
        var address: bcu_device_ptr = 0
        try check(bcu_mem_alloc(context.driver.handle, max(1, bytes), &address))
        self.context = context
        self.address = address
        self.bytes = bytes
    }

    deinit {
        _ = bcu_context_set_current(context.driver.handle, context.handle)
        _ = bcu_mem_free(context.driver.handle, address)
    }

    /// The address `offset` bytes in.
    /// - Complexity: O(1).
    public func address(at offset: Int) -> UInt64 { address + UInt64(offset) }

    /// Copies `source` to `offset` bytes in, in stream order.
    /// - Complexity: O(bytes), asynchronous.
    public func upload(_ source: UnsafeRawBufferPointer, at offset: Int = 0, on stream: CUDAStream) throws {
        guard source.count > 0 else { return }
        precondition(offset >= 0 && offset + source.count <= bytes, "upload outside the buffer")
        try check(bcu_copy_to_device(context.driver.handle, address(at: offset), source.baseAddress, source.count, stream.handle))
    }

    /// Copies `destination.count` bytes from `offset` bytes in, in stream order.
    /// - Complexity: O(bytes), asynchronous (synchronise the stream before reading `destination`).
    public func download(into destination: UnsafeMutableRawBufferPointer, from offset: Int = 0, on stream: CUDAStream) throws {
        guard destination.count > 0 else { return }
        precondition(offset >= 0 && offset + destination.count <= bytes, "download outside the buffer")
        try check(bcu_copy_to_host(context.driver.handle, destination.baseAddress, address(at: offset), destination.count, stream.handle))
    }
}
