/// GPT-2's reversible map between the 256 byte values and printable Unicode scalars, in which
/// byte-level BPE vocabularies store their tokens (`Ġ` is the space byte, `Ċ` the newline byte).
///
/// Bytes 33–126, 161–172 and 174–255 stand for themselves; the other 68 bytes, in increasing order,
/// take the scalars 256, 257, ... 323.
enum ByteLevelAlphabet {
    /// The scalar value that stands for each byte.
    private static let scalarOfByte: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            if standsForItself(UInt8(byte)) {
                table[byte] = UInt32(byte)
            } else {
                table[byte] = next
                next += 1
            }
        }
        return table
    }()

    /// The byte that each scalar value below 324 stands for, or -1.
    private static let byteOfScalar: [Int16] = {
        var table = [Int16](repeating: -1, count: 324)
        for (byte, scalar) in scalarOfByte.enumerated() {
            table[Int(scalar)] = Int16(byte)
        }
        return table
    }()

    private static func standsForItself(_ byte: UInt8) -> Bool {
        (33...126).contains(byte) || (161...172).contains(byte) || byte >= 174
    }

    /// The byte-level form of raw bytes: one scalar per byte.
    /// - Complexity: O(n) in the number of bytes.
    static func encode<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
        var result = String.UnicodeScalarView()
        for byte in bytes {
            result.append(Unicode.Scalar(scalarOfByte[Int(byte)])!)
        }
        return String(result)
    }

    /// The byte that a scalar stands for, or nil when it is outside the alphabet.
    /// - Complexity: O(1).
    static func byte(of scalar: Unicode.Scalar) -> UInt8? {
        let value = Int(scalar.value)
        guard value < byteOfScalar.count, byteOfScalar[value] >= 0 else { return nil }
        return UInt8(byteOfScalar[value])
    }

    /// The raw bytes of a byte-level token text, or nil when a scalar is outside the alphabet.
    /// - Complexity: O(n) in the length of the text.
    static func decodeExactly(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            guard let byte = byte(of: scalar) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }

    /// The raw bytes of a byte-level token text. A scalar outside the alphabet (which a well-formed
    /// vocabulary never holds) contributes its own UTF-8 bytes, so nothing is lost.
    /// - Complexity: O(n) in the length of the text.
    static func decode(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            if let byte = byte(of: scalar) {
                bytes.append(byte)
            } else {
                bytes.append(contentsOf: String(scalar).utf8)
            }
        }
        return bytes
    }
}
