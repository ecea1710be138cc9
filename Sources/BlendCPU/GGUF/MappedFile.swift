#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped read-only into memory (`MAP_PRIVATE`); unmapped when the object goes away.
/// Pages are read from disk on first touch, so mapping a large file is fast.
final class MappedFile: @unchecked Sendable {
    /// The path the file was opened with.
    let path: String
    /// The file's bytes, valid while this object lives (empty for an empty file).
    let bytes: UnsafeRawBufferPointer

    /// Maps the regular file at `path`; errors name the path and the system's reason.
    /// - Complexity: O(1) (the kernel maps lazily).
    init(path: String) throws {
        self.path = path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw GGUFError(file: path, message: "cannot open: \(Self.systemError())")
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw GGUFError(file: path, message: "cannot read the file's status: \(Self.systemError())")
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw GGUFError(file: path, message: "not a regular file")
        }
        let size = Int(status.st_size)
        guard size > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), address != MAP_FAILED else {
            throw GGUFError(file: path, message: "cannot map \(size) bytes into memory: \(Self.systemError())")
        }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    deinit {
        if let base = bytes.baseAddress {
            munmap(UnsafeMutableRawPointer(mutating: base), bytes.count)
        }
    }

    /// The text of the current `errno`.
    private static func systemError() -> String {
        String(cString: strerror(errno))
    }
}
