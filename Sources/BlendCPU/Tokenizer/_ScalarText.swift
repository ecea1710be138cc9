/// A UTF-8 text decoded into Unicode scalars, with each scalar's ``ScalarClass`` flags and the byte
/// offset where it starts, so that pre-tokenizers scan scalars and BPE reads the bytes of a piece.
///
/// The buffers are reused from one text to the next.
struct ScalarText {
    /// The scalar values.
    private(set) var values: [UInt32] = []
    /// The ``ScalarClass`` flags of each scalar.
    private(set) var classes: [UInt8] = []
    /// `byteOffsets[i]` is where scalar `i` starts in the UTF-8 bytes; one extra entry holds the
    /// byte count.
    private(set) var byteOffsets: [Int] = []

    /// The number of scalars.
    var count: Int { values.count }

    /// Replaces the contents with the scalars of valid UTF-8 bytes (a Swift string's bytes).
    /// - Complexity: O(n) in the number of bytes.
    mutating func load(_ bytes: UnsafeBufferPointer<UInt8>) {
        values.removeAll(keepingCapacity: true)
        classes.removeAll(keepingCapacity: true)
        byteOffsets.removeAll(keepingCapacity: true)
        var index = 0
        while index < bytes.count {
            let lead = UInt32(bytes[index])
            let value: UInt32
            let length: Int
            if lead < 0x80 {
                value = lead
                length = 1
            } else if lead < 0xE0 {
                value = (lead & 0x1F) << 6 | UInt32(bytes[index + 1] & 0x3F)
                length = 2
            } else if lead < 0xF0 {
                value = (lead & 0x0F) << 12 | UInt32(bytes[index + 1] & 0x3F) << 6 | UInt32(bytes[index + 2] & 0x3F)
                length = 3
            } else {
                value = (lead & 0x07) << 18 | UInt32(bytes[index + 1] & 0x3F) << 12
                    | UInt32(bytes[index + 2] & 0x3F) << 6 | UInt32(bytes[index + 3] & 0x3F)
                length = 4
            }
            values.append(value)
            classes.append(ScalarClass.of(value))
            byteOffsets.append(index)
            index += length
        }
        byteOffsets.append(bytes.count)
    }
}
