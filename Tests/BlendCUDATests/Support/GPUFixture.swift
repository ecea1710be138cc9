@testable import BlendCUDA
import Foundation
import XCTest

/// Device 0, a stream and the compiled kernels, shared by the GPU tests; without a driver or a
/// GPU every GPU test is skipped with the reason.
final class GPUFixture {
    let context: CUDAContext
    let stream: CUDAStream
    let kernels: KernelSet

    nonisolated(unsafe) private static var shared: GPUFixture?

    private init(context: CUDAContext, kernels: KernelSet) throws {
        self.context = context
        self.kernels = kernels
        stream = try CUDAStream(context: context)
    }

    /// The fixture, or `XCTSkip` when this machine has no usable GPU (or no NVRTC).
    static func get() throws -> GPUFixture {
        if let shared {
            try shared.context.makeCurrent()
            return shared
        }
        guard case .available(_, let devices) = CUDAEngine.availability() else {
            if case .unavailable(let reason) = CUDAEngine.availability() {
                throw XCTSkip("needs a CUDA GPU: \(reason)")
            }
            throw XCTSkip("needs a CUDA GPU")
        }
        let context = try CUDAContext(driver: CUDADriver(), ordinal: devices[0].ordinal)
        let compiler = KernelCompiler(nvrtc: try NVRTCTestSupport.nvrtc(), cache: KernelCache())
        let fixture = try GPUFixture(context: context, kernels: KernelSet(context: context, compiler: compiler))
        shared = fixture
        return fixture
    }

    /// A device copy of `values`.
    func upload<T>(_ values: [T]) throws -> DeviceBuffer {
        let buffer = try DeviceBuffer(context: context, bytes: values.count * MemoryLayout<T>.stride)
        try values.withUnsafeBytes { try buffer.upload($0, on: stream) }
        try stream.synchronize()
        return buffer
    }

    /// A zero-filled device buffer of `count` values of `T`.
    func zeros<T>(_ count: Int, of _: T.Type) throws -> DeviceBuffer {
        let buffer = try DeviceBuffer(context: context, bytes: count * MemoryLayout<T>.stride)
        try upload([UInt8](repeating: 0, count: count * MemoryLayout<T>.stride), into: buffer)
        return buffer
    }

    /// Copies `values` into `buffer` and waits.
    func upload<T>(_ values: [T], into buffer: DeviceBuffer) throws {
        try values.withUnsafeBytes { try buffer.upload($0, on: stream) }
        try stream.synchronize()
    }

    /// The first `count` values of `buffer`, after the stream's work.
    func download<T: Numeric>(_ buffer: DeviceBuffer, count: Int, as _: T.Type) throws -> [T] {
        var values = [T](repeating: 0, count: count)
        try values.withUnsafeMutableBytes { try buffer.download(into: $0, on: stream) }
        try stream.synchronize()
        return values
    }
}
