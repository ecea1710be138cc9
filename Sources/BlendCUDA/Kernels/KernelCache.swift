import BlendCPU
import Foundation

/// Compiled kernels kept on disk and in the process's memory (shared by every cache of the same
/// folder, so engines made one after another compile and read each kernel once), keyed by a
/// SHA-256 of everything that determines the compiler's output: the source and its headers, the
/// options (architecture included) and the NVRTC version.
///
/// The folder is `$BLENDSERVE_KERNEL_CACHE`, else `<cache>/kernels` where `<cache>` is the
/// package's cache folder (`$BLENDSERVE_CACHE`, `$XDG_CACHE_HOME/blendserve` or
/// `~/.cache/blendserve`). A file that cannot be written is not an error: the kernel is then
/// compiled again next time.
public struct KernelCache: Sendable {
    /// The folder of cached images.
    public let directory: String

    /// Images read or compiled in this process, by path.
    nonisolated(unsafe) private static var memory: [String: [UInt8]] = [:]
    private static let lock = NSLock()

    /// A cache in `directory`, or in the folder the environment selects.
    /// - Complexity: O(1).
    public init(directory: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let directory {
            self.directory = directory
        } else if let given = environment["BLENDSERVE_KERNEL_CACHE"], !given.isEmpty {
            self.directory = given
        } else {
            self.directory = ModelStore.cacheDirectory(environment: environment) + "/kernels"
        }
    }

    /// The cache key of one compilation.
    /// - Complexity: O(source length).
    static func key(source: KernelSource, headers: [KernelSource], options: [String], compiler: String) -> String {
        var hash = SHA256()
        for part in [source.name, source.text] + headers.flatMap({ [$0.name, $0.text] }) + options + [compiler] {
            hash.update(Array(part.utf8))
            hash.update([0])
        }
        return hash.finalize().prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    /// The image stored under `key` with `suffix` ("cubin" or "ptx"), from memory or disk.
    /// - Complexity: O(image size).
    func image(_ key: String, suffix: String) -> [UInt8]? {
        let path = "\(directory)/\(key).\(suffix)"
        if let image = Self.lock.withLock({ Self.memory[path] }) { return image }
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let image = [UInt8](data)
        Self.lock.withLock { Self.memory[path] = image }
        return image
    }

    /// Stores an image in memory and, atomically, on disk (best effort).
    /// - Complexity: O(image size).
    func store(_ image: [UInt8], key: String, suffix: String) {
        let path = "\(directory)/\(key).\(suffix)"
        Self.lock.withLock { Self.memory[path] = image }
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = path + ".\(ProcessInfo.processInfo.processIdentifier).tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(image)) else { return }
        if rename(temporary, path) != 0 { try? FileManager.default.removeItem(atPath: temporary) }
    }
}
