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
        // A text has at most one scalar per byte: size the buffers for that, fill them, then trim.
        let capacity = bytes.count
        Self.resize(&values, capacity, 0)
        Self.resize(&classes, capacity, 0)
        Self.resize(&byteOffsets, capacity + 1, 0)
        var count = 0
        values.withUnsafeMutableBufferPointer { values in
            classes.withUnsafeMutableBufferPointer { classes in
                byteOffsets.withUnsafeMutableBufferPointer { byteOffsets in
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
                            value = (lead & 0x0F) << 12 | UInt32(bytes[index + 1] & 0x3F) << 6
                                | UInt32(bytes[index + 2] & 0x3F)
                            length = 3
                        } else {
                            value = (lead & 0x07) << 18 | UInt32(bytes[index + 1] & 0x3F) << 12
                                | UInt32(bytes[index + 2] & 0x3F) << 6 | UInt32(bytes[index + 3] & 0x3F)
                            length = 4
                        }
                        values[count] = value
                        classes[count] = ScalarClass.of(value)
                        byteOffsets[count] = index
                        count += 1
                        index += length
                    }
                    byteOffsets[count] = bytes.count
                }
            }
        }
        values.removeLast(capacity - count)
        classes.removeLast(capacity - count)
        byteOffsets.removeLast(capacity - count)
    }

    /// Makes `array` hold `count` elements, keeping its storage.
    private static func resize<Element>(_ array: inout [Element], _ count: Int, _ filler: Element) {
        if array.count > count {
            array.removeLast(array.count - count)
        } else {
            array.append(contentsOf: repeatElement(filler, count: count - array.count))
        }
    }
}
