/// Whether this machine can run the CUDA engine.
public enum CUDAAvailability: Sendable, Hashable {
    /// A driver that sees these GPUs.
    case available(driverVersion: Int, devices: [CUDADeviceInfo])
    /// Why not: no driver library, a driver without the functions the engine needs, or no GPU.
    case unavailable(reason: String)
}

extension CUDAEngine {
    /// Opens the driver and lists its GPUs, without compiling anything or touching the model.
    /// - Parameter driverPath: the driver library; nil for `libcuda.so.1`.
    /// - Complexity: O(devices) plus the driver's initialisation.
    public static func availability(driverPath: String? = nil) -> CUDAAvailability {
        do {
            let driver = try CUDADriver(path: driverPath)
            let devices = try driver.devices()
            guard !devices.isEmpty else { return .unavailable(reason: "the CUDA driver sees no GPU") }
            return .available(driverVersion: try driver.version(), devices: devices)
        } catch {
            return .unavailable(reason: "\(error)")
        }
    }
}
