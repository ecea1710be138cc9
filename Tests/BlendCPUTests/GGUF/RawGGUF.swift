/// Builds GGUF bytes field by field, with no checks, so that tests can write files that break the
/// format's rules on purpose (``GGUFWriter`` refuses to).
struct RawGGUF {
    var bytes: [UInt8] = []

    /// The magic, version and the two counts.
    static func header(version: UInt32 = 3, tensors: UInt64, pairs: UInt64) -> RawGGUF {
        var raw = RawGGUF()
        raw.bytes.append(contentsOf: "GGUF".utf8)
        raw.u32(version)
        raw.u64(tensors)
        raw.u64(pairs)
        return raw
    }

    mutating func u8(_ value: UInt8) { bytes.append(value) }
    mutating func u32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u64(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }

    /// A GGUF string: u64 length and the bytes.
    mutating func string(_ text: String) { string(bytes: Array(text.utf8)) }

    /// A GGUF string of arbitrary bytes.
    mutating func string(bytes text: [UInt8]) {
        u64(UInt64(text.count))
        bytes.append(contentsOf: text)
    }

    /// A metadata pair holding a u32.
    mutating func pairU32(_ key: String, _ value: UInt32) {
        string(key)
        u32(4)
        u32(value)
    }

    /// A metadata pair holding a string.
    mutating func pairString(_ key: String, _ value: String) {
        string(key)
        u32(8)
        string(value)
    }

    /// A tensor description.
    mutating func tensor(_ name: String, dimensions: [UInt64], type: UInt32, offset: UInt64) {
        string(name)
        u32(UInt32(dimensions.count))
        for size in dimensions { u64(size) }
        u32(type)
        u64(offset)
    }

    /// Zeros up to the next multiple of `alignment`.
    mutating func pad(to alignment: Int) {
        bytes.append(contentsOf: repeatElement(0, count: (alignment - bytes.count % alignment) % alignment))
    }

    /// `count` zero bytes.
    mutating func zeros(_ count: Int) { bytes.append(contentsOf: repeatElement(0, count: count)) }
}
