#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// UTF-8 validation for the strings of a GGUF file.
enum _UTF8 {
    /// The text of the `count` bytes at `start` when they are well-formed UTF-8 (no overlong
    /// forms, no surrogates, nothing above U+10FFFF); nil otherwise.
    /// - Complexity: O(count).
    static func string(_ start: UnsafePointer<UInt8>, count: Int) -> String? {
        guard isValid(start, count: count) else { return nil }
        return String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self)
    }

    /// Whether the `count` bytes at `start` are well-formed UTF-8. ASCII is checked 8 bytes at a
    /// time.
    /// - Complexity: O(count).
    static func isValid(_ start: UnsafePointer<UInt8>, count: Int) -> Bool {
        var index = 0
        while index < count {
            if count - index >= 8 {
                var word: UInt64 = 0
                memcpy(&word, start + index, 8)
                if word & 0x8080_8080_8080_8080 == 0 {
                    index += 8
                    continue
                }
            }
            let lead = start[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            guard let length = sequenceLength(start, at: index, count: count) else { return false }
            index += length
        }
        return true
    }

    /// The length of the well-formed multi-byte sequence whose lead byte is at `index`, or nil.
    private static func sequenceLength(_ start: UnsafePointer<UInt8>, at index: Int, count: Int) -> Int? {
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch start[index] {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: return nil
        }
        guard count - index >= length else { return nil }
        let second = start[index + 1]
        guard second >= low, second <= high else { return nil }
        var next = index + 2
        while next < index + length {
            guard start[next] & 0xC0 == 0x80 else { return nil }
            next += 1
        }
        return length
    }
}
