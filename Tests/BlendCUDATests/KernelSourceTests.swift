import BlendCUDA
import Foundation
import XCTest

/// The kernels embedded in the module are the files in Sources/BlendCUDA/Kernels/cuda.
final class KernelSourceTests: XCTestCase {
    /// The folder of the kernel files, from this file's path.
    static let kernelDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/BlendCUDA/Kernels/cuda")

    func testEmbeddedSourcesMatchTheFiles() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.kernelDirectory.path).sorted()
        let embedded = (KernelSource.headers + KernelSource.files).map(\.name).sorted()
        XCTAssertEqual(names, embedded, "run Scripts/embed-kernels.sh after adding or removing a kernel file")
        for source in KernelSource.headers + KernelSource.files {
            let file = try String(contentsOf: Self.kernelDirectory.appendingPathComponent(source.name), encoding: .utf8)
            XCTAssertEqual(source.text, file, "\(source.name) changed: run Scripts/embed-kernels.sh")
        }
    }
}
