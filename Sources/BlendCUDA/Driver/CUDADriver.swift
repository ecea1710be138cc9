import CBlendCUDA

/// The CUDA driver library (`libcuda.so.1`), opened at run time with every function this package
/// uses resolved and `cuInit` called.
///
/// Opening fails with a ``CUDAError`` naming the step (`dlopen libcuda`, `dlsym`, `cuInit`) on a
/// machine without a driver or device; nothing in the package links against CUDA.
public final class CUDADriver: @unchecked Sendable {
    let handle: OpaquePointer

    /// Opens the driver at `path`, or `libcuda.so.1` as the dynamic loader finds it.
    /// - Throws: ``CUDAError`` when the library, one of its functions or `cuInit` fails.
    /// - Complexity: O(1) plus the driver's initialisation.
    public init(path: String? = nil) throws {
        var handle: OpaquePointer?
        try check(bcu_driver_open(path, &handle))
        self.handle = handle!
    }

    deinit { bcu_driver_close(handle) }

    /// The CUDA version the driver supports, e.g. 12090 for 12.9.
    /// - Complexity: O(1).
    public func version() throws -> Int {
        var version: Int32 = 0
        try check(bcu_driver_version(handle, &version))
        return Int(version)
    }

    /// The devices the driver sees.
    /// - Complexity: O(devices).
    public func devices() throws -> [CUDADeviceInfo] {
        var count: Int32 = 0
        try check(bcu_device_count(handle, &count))
        return try (0..<Int(count)).map { ordinal in
            var info = bcu_device_info()
            try check(bcu_device_info_get(handle, Int32(ordinal), &info))
            return CUDADeviceInfo(ordinal: ordinal, info)
        }
    }

    /// Whether device `ordinal` can address device `peer`'s memory directly.
    /// - Complexity: O(1).
    public func canAccessPeer(_ ordinal: Int, _ peer: Int) throws -> Bool {
        var can: Int32 = 0
        try check(bcu_device_can_access_peer(handle, Int32(ordinal), Int32(peer), &can))
        return can != 0
    }
}
