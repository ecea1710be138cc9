@testable import BlendCUDA
import Foundation
import XCTest

/// Every kernel file compiles with NVRTC, with no error and no warning, for the architectures of
/// the A100 (sm_80) and the H100/H200 (sm_90); no GPU needed.
final class KernelCompileTests: XCTestCase {
    /// The kernels the engine looks up in each file (KernelSet): each must be in the file's PTX.
    static let entryPoints: [String: [String]] = [
        "matmul.cu": KernelSet.typeSuffixes.values.map { "matmul_\($0)" },
        "embedding.cu": KernelSet.typeSuffixes.values.map { "embed_\($0)" },
        "norm.cu": ["rms_norm"], "rope.cu": ["rope_table", "rope_apply"], "kv_cache.cu": ["kv_write"],
        "attention.cu": ["attention_partial", "attention_combine"], "ffn.cu": ["silu_gate"],
        "elementwise.cu": ["add_bias", "add_residual"], "sampling.cu": ["sample_tokens"],
    ]

    func testEveryKernelCompilesCleanlyForSm80AndSm90() throws {
        let compiler = KernelCompiler(nvrtc: try NVRTCTestSupport.nvrtc(), cache: nil)
        XCTAssertEqual(Set(KernelSource.files.map(\.name)), Set(Self.entryPoints.keys))
        for architecture in ["sm_80", "sm_90"] {
            var report: [String] = []
            for source in KernelSource.files {
                let compiled = try compiler.compile(source, architecture: architecture)
                let log = compiled.log.lowercased()
                XCTAssertFalse(log.contains("warning") || log.contains("error"),
                               "\(source.name) for \(architecture):\n\(compiled.log)")
                XCTAssertFalse(compiled.cubin?.isEmpty ?? true, "\(source.name): no CUBIN for \(architecture)")
                let ptx = String(decoding: compiled.ptx.prefix { $0 != 0 }, as: UTF8.self)
                for entry in Self.entryPoints[source.name] ?? [] {
                    XCTAssertTrue(ptx.contains(".entry \(entry)("), "\(source.name) has no kernel \(entry)")
                }
                report.append(String(format: "%@ %.0f ms", source.name, compiled.seconds * 1000))
            }
            print("NVRTC \(compiler.nvrtc.version.major).\(compiler.nvrtc.version.minor), \(architecture): " + report.joined(separator: ", "))
        }
    }

    func testACompileErrorCarriesTheLog() throws {
        let nvrtc = try NVRTCTestSupport.nvrtc()
        XCTAssertThrowsError(try nvrtc.compile("extern \"C\" __global__ void k() { undefined_name = 1; }", name: "broken.cu",
                                               options: KernelCompiler.options(architecture: "sm_80"))) { error in
            let error = error as! NVRTC.CompileError
            XCTAssertEqual(error.name, "broken.cu")
            XCTAssertTrue(error.log.contains("undefined_name"), error.log)
        }
    }

    func testTheCacheReturnsWhatWasCompiled() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("blendserve-kernel-cache-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let nvrtc = try NVRTCTestSupport.nvrtc()
        let source = KernelSource.files.first { $0.name == "ffn.cu" }!
        let first = try KernelCompiler(nvrtc: nvrtc, cache: KernelCache(directory: directory)).compile(source, architecture: "sm_90")
        XCTAssertFalse(first.cached)
        let fresh = KernelCompiler(nvrtc: nvrtc, cache: KernelCache(directory: directory))
        let second = try fresh.compile(source, architecture: "sm_90")
        XCTAssertTrue(second.cached)
        XCTAssertEqual(second.cubin, first.cubin)
        XCTAssertEqual(second.ptx, first.ptx)
        let other = try fresh.compile(source, architecture: "sm_80")
        XCTAssertFalse(other.cached, "another architecture is another key")
    }
}
