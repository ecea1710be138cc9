import Foundation

/// Compiles the engine's kernel files with NVRTC for one GPU architecture, through a
/// ``KernelCache``.
///
/// Every file is compiled with `--fmad=false` (no multiply-add contraction the source did not ask
/// for: the kernels call `fmaf` where they want one, so their arithmetic is what the source
/// says) for a real architecture (`sm_XY`), which gives a CUBIN for the device and PTX as the
/// fallback the driver can compile itself.
public struct KernelCompiler: Sendable {
    /// The compiler.
    public let nvrtc: NVRTC
    /// The cache; nil compiles every time.
    public let cache: KernelCache?

    /// What compiling one file gave.
    public struct Compiled: Sendable {
        /// The file.
        public var name: String
        /// CUBIN for the requested architecture, when NVRTC knows it.
        public var cubin: [UInt8]?
        /// PTX, NUL-terminated.
        public var ptx: [UInt8]
        /// NVRTC's log (empty for a clean compile, and for a cached image).
        public var log: String
        /// Seconds NVRTC took (0 for a cached image).
        public var seconds: Double
        /// Whether the image came from the cache.
        public var cached: Bool
    }

    /// Creates a compiler.
    /// - Complexity: O(1).
    public init(nvrtc: NVRTC, cache: KernelCache?) {
        self.nvrtc = nvrtc
        self.cache = cache
    }

    /// NVRTC's options for `architecture` (e.g. "sm_90").
    /// - Complexity: O(1).
    public static func options(architecture: String) -> [String] {
        ["--gpu-architecture=\(architecture)", "--fmad=false", "--std=c++17"]
    }

    /// Compiles `source` for `architecture`, or takes it from the cache.
    /// - Throws: ``NVRTC/CompileError`` with the log, or ``CUDAError``.
    /// - Complexity: NVRTC's compile time, or O(image size) from the cache.
    public func compile(_ source: KernelSource, architecture: String) throws -> Compiled {
        let options = Self.options(architecture: architecture)
        let version = "nvrtc \(nvrtc.version.major).\(nvrtc.version.minor)"
        let key = KernelCache.key(source: source, headers: KernelSource.headers, options: options, compiler: version)
        if let cache, let ptx = cache.image(key, suffix: "ptx") {
            return Compiled(name: source.name, cubin: cache.image(key, suffix: "cubin"), ptx: ptx, log: "", seconds: 0,
                            cached: true)
        }
        let started = ContinuousClock.now
        let output = try nvrtc.compile(source.text, name: source.name,
                                       headers: KernelSource.headers.map { ($0.name, $0.text) }, options: options)
        let seconds = (ContinuousClock.now - started) / .seconds(1)
        guard let ptx = output.ptx else {
            throw CUDAError(call: "nvrtcGetPTX", code: -3, message: "NVRTC produced no PTX for \(source.name)")
        }
        if let cache {
            if let cubin = output.cubin { cache.store(cubin, key: key, suffix: "cubin") }
            cache.store(ptx, key: key, suffix: "ptx")
        }
        return Compiled(name: source.name, cubin: output.cubin, ptx: ptx, log: output.log, seconds: seconds, cached: false)
    }
}
