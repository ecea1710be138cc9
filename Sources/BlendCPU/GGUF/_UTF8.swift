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

    /// Whether the `count` bytes at `start` are well-formed UTF-8 (Unicode table 3-7). ASCII is
    /// checked 8 bytes at a time; the byte ranges are plain comparisons, which a debug build
    /// compiles inline (range patterns call generic code there).
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
            var length = 3
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            if lead >= 0xC2 && lead <= 0xDF {
                length = 2
            } else if lead == 0xE0 {
                low = 0xA0
            } else if lead == 0xED {
                high = 0x9F
            } else if lead >= 0xE1 && lead <= 0xEF {
                length = 3
            } else if lead == 0xF0 {
                length = 4
                low = 0x90
            } else if lead == 0xF4 {
                length = 4
                high = 0x8F
            } else if lead >= 0xF1 && lead <= 0xF3 {
                length = 4
            } else {
                return false
            }
            if count - index < length { return false }
            let second = start[index + 1]
            if second < low || second > high { return false }
            if length >= 3 && start[index + 2] & 0xC0 != 0x80 { return false }
            if length == 4 && start[index + 3] & 0xC0 != 0x80 { return false }
            index += length
        }
        return true
    }
}
