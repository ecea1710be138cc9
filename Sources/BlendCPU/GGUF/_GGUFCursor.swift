#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A rule of the format that a file breaks, before the file's name is attached (``GGUFFile`` turns
/// it into a ``GGUFError``).
struct _GGUFFormatError: Error {
    /// Byte offset of the faulty field.
    var offset: Int
    /// What is wrong.
    var message: String
}

/// Reads little-endian fields from a byte buffer front to back; every read checks that the bytes
/// are there and throws a ``_GGUFFormatError`` naming the field when they are not. It never traps.
///
/// The reads copy with `memcpy` rather than generic loads, and the cursor holds no references, so
/// that a debug build, which neither specialises generics nor inlines, still parses a 100k-string
/// vocabulary quickly (the fuzz tests parse a real header hundreds of times).
struct _GGUFCursor {
    /// The first byte of the file (nil only for an empty file, which no read gets past).
    private let base: UnsafeRawPointer?
    /// The file's size.
    let end: Int
    /// Offset of the next byte to read.
    private(set) var position = 0

    init(buffer: UnsafeRawBufferPointer) {
        base = buffer.baseAddress
        end = buffer.count
    }

    /// Bytes left after `position`.
    var remaining: Int { end - position }

    /// An error at `offset` (the current position unless given).
    func error(_ message: String, at offset: Int? = nil) -> _GGUFFormatError {
        _GGUFFormatError(offset: offset ?? position, message: message)
    }

    /// The error for a field of `count` bytes at `position` that the file ends inside.
    private func truncated(_ what: String, needs count: Int) -> _GGUFFormatError {
        error("the file ends inside \(what): it needs \(count) bytes, \(remaining) remain")
    }

    /// Moves past `count` bytes (checked) and returns them.
    /// - Complexity: O(1).
    mutating func bytes(_ count: Int, for what: @autoclosure () -> String) throws -> UnsafeRawBufferPointer {
        guard count <= remaining else { throw truncated(what(), needs: count) }
        let slice = UnsafeRawBufferPointer(start: base! + position, count: count)
        position += count
        return slice
    }

    /// Reads `size` (1 to 8) bytes as a little-endian unsigned number.
    /// - Complexity: O(1).
    mutating func bits(_ size: Int, for what: @autoclosure () -> String) throws -> UInt64 {
        guard size <= remaining else { throw truncated(what(), needs: size) }
        var raw: UInt64 = 0
        memcpy(&raw, base! + position, size)
        position += size
        return UInt64(littleEndian: raw)
    }

    /// Reads a u32.
    /// - Complexity: O(1).
    mutating func uint32(for what: @autoclosure () -> String) throws -> UInt32 {
        UInt32(truncatingIfNeeded: try bits(4, for: what()))
    }

    /// Reads a u64 count or length and checks that it fits in `Int`.
    /// - Complexity: O(1).
    mutating func count(for what: @autoclosure () -> String) throws -> Int {
        let start = position
        let raw = try bits(8, for: what())
        guard raw <= UInt64(Int.max) else {
            throw error("\(what()) is \(raw), which is too large", at: start)
        }
        return Int(raw)
    }

    /// Reads a GGUF string (u64 byte length, then that many bytes of UTF-8 without a terminator).
    /// - Complexity: O(length).
    mutating func string(for what: @autoclosure () -> String) throws -> String {
        let start = position
        guard end - start >= 8 else { throw truncated("the length of \(what())", needs: 8) }
        var length: UInt64 = 0
        memcpy(&length, base! + start, 8)
        length = UInt64(littleEndian: length)
        guard length <= UInt64(end - start - 8) else {
            throw error("\(what()) claims \(length) bytes, but only \(end - start - 8) remain in the file", at: start)
        }
        let text = (base! + start + 8).assumingMemoryBound(to: UInt8.self)
        guard let string = _UTF8.string(text, count: Int(length)) else {
            throw error("\(what()) is not valid UTF-8", at: start)
        }
        position = start + 8 + Int(length)
        return string
    }

    /// Moves to the next multiple of `alignment` (a power of two), which may lie past the end.
    /// - Complexity: O(1).
    mutating func align(to alignment: Int) {
        position = (position + alignment - 1) & ~(alignment - 1)
    }
}
