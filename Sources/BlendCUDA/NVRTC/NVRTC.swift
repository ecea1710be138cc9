import CBlendCUDA
import Foundation

/// NVRTC, CUDA's run-time compiler, opened at run time.
///
/// It is found at an explicit path, else at `$BLENDSERVE_NVRTC`, else as `libnvrtc.so.13`,
/// `libnvrtc.so.12` or `libnvrtc.so` through the dynamic loader's search path. It needs no GPU:
/// the pip wheel `nvidia-cuda-nvrtc-cu12` provides it on any Linux machine.
public final class NVRTC: @unchecked Sendable {
    let handle: OpaquePointer
    /// The library's path (as given or as found).
    public let path: String
    /// Its version, e.g. (12, 9).
    public let version: (major: Int, minor: Int)

    /// Opens NVRTC.
    /// - Throws: ``CUDAError`` (`dlopen libnvrtc` or `dlsym`) when it cannot be found or lacks a function.
    /// - Complexity: O(1) plus loading the library.
    public init(path: String? = nil) throws {
        var handle: OpaquePointer?
        try check(bcu_nvrtc_open(path, &handle))
        var major: Int32 = 0, minor: Int32 = 0
        if bcu_nvrtc_version(handle, &major, &minor) != 0 {
            let error = CUDAError.last()
            bcu_nvrtc_close(handle)
            throw error
        }
        self.handle = handle!
        self.path = String(cString: bcu_nvrtc_path(handle))
        self.version = (Int(major), Int(minor))
    }

    deinit { bcu_nvrtc_close(handle) }

    /// NVRTC_ERROR_COMPILATION: the source has errors (the log says which).
    static let compilationError: Int32 = 6

    /// What one compilation produced.
    public struct Output: Sendable {
        /// The compiler's log (warnings; empty for a clean compile).
        public var log: String
        /// The CUBIN, when compiled for a real architecture (`sm_XY`).
        public var cubin: [UInt8]?
        /// The PTX, NUL-terminated.
        public var ptx: [UInt8]?
    }

    /// A compile error: the source's name and NVRTC's log.
    public struct CompileError: Error, CustomStringConvertible, Sendable {
        /// The source that failed.
        public var name: String
        /// NVRTC's log.
        public var log: String
        /// "`name` does not compile: `log`".
        public var description: String { "\(name) does not compile:\n\(log)" }
    }

    /// Compiles `source` (called `name` in messages) with `headers` (include name → contents)
    /// and NVRTC `options`.
    /// - Throws: ``CompileError`` with the log for a compile error, ``CUDAError`` for other failures.
    /// - Complexity: NVRTC's compile time (tens of milliseconds to seconds).
    public func compile(_ source: String, name: String, headers: [(name: String, contents: String)] = [],
                        options: [String]) throws -> Output {
        var program: OpaquePointer?
        let status = withCStrings(headers.map(\.contents)) { contents in
            withCStrings(headers.map(\.name)) { names in
                withCStrings(options) { optionStrings in
                    bcu_nvrtc_compile(handle, source, name, Int32(headers.count), contents, names, Int32(options.count),
                                      optionStrings, &program)
                }
            }
        }
        defer { bcu_program_destroy(program) }
        let log = String(cString: bcu_program_log(program))
        if status == Self.compilationError { throw CompileError(name: name, log: log) }
        try check(status)
        var bytes = 0
        let cubin = bcu_program_cubin(program, &bytes).map { [UInt8](UnsafeRawBufferPointer(start: $0, count: bytes)) }
        let ptx = bcu_program_ptx(program, &bytes).map { [UInt8](UnsafeRawBufferPointer(start: $0, count: bytes)) }
        return Output(log: log, cubin: cubin, ptx: ptx)
    }
}

/// Calls `body` with a C array of C strings (valid only during the call).
/// - Complexity: O(total length).
func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    let pointers = copies.map { UnsafePointer($0) }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress) }
}
