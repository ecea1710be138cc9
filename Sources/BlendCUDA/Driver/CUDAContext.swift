import CBlendCUDA

/// A device's primary context: the device memory, streams and modules of one GPU.
///
/// Driver calls act on the calling thread's current context, and Swift tasks move between
/// threads, so every operation that touches the device first calls ``makeCurrent()``.
public final class CUDAContext: @unchecked Sendable {
    /// The driver.
    public let driver: CUDADriver
    /// The device.
    public let device: CUDADeviceInfo
    let handle: bcu_context

    /// Retains device `ordinal`'s primary context and makes it current.
    /// - Throws: ``CUDAError`` when the device does not exist or the context cannot be made.
    /// - Complexity: O(1) plus the driver's context creation on first use.
    public init(driver: CUDADriver, ordinal: Int) throws {
        var info = bcu_device_info()
        try check(bcu_device_info_get(driver.handle, Int32(ordinal), &info))
        var handle: bcu_context?
        try check(bcu_context_retain(driver.handle, Int32(ordinal), &handle))
        self.driver = driver
        self.device = CUDADeviceInfo(ordinal: ordinal, info)
        self.handle = handle!
        try makeCurrent()
    }

    deinit {
        _ = bcu_context_set_current(driver.handle, handle)
        _ = bcu_context_synchronize(driver.handle)
        _ = bcu_context_release(driver.handle, Int32(device.ordinal))
    }

    /// Makes the context current on the calling thread.
    /// - Complexity: O(1).
    public func makeCurrent() throws {
        try check(bcu_context_set_current(driver.handle, handle))
    }

    /// Waits until all the context's work has finished.
    /// - Complexity: the time of the outstanding work.
    public func synchronize() throws {
        try makeCurrent()
        try check(bcu_context_synchronize(driver.handle))
    }

    /// Free and total device memory in bytes.
    /// - Complexity: O(1).
    public func memoryInfo() throws -> (free: Int, total: Int) {
        try makeCurrent()
        var free = 0, total = 0
        try check(bcu_memory_info(driver.handle, &free, &total))
        return (free, total)
    }

    /// Lets this context address `peer`'s memory directly (where ``CUDADriver/canAccessPeer(_:_:)``
    /// allows it).
    /// - Complexity: O(1).
    public func enablePeerAccess(to peer: CUDAContext) throws {
        try makeCurrent()
        try check(bcu_context_enable_peer_access(driver.handle, peer.handle))
    }
}
