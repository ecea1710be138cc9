import Foundation

/// Builds a GGUF version 3 file in memory: metadata pairs and tensors in the order they are added,
/// each tensor's data aligned to `general.alignment` (32 unless that key is added) and padded with
/// zeros. Tests and the test model generator use it; what it writes, ``GGUFFile`` reads back.
///
/// The writer refuses what the reader would reject: duplicate keys or tensor names, arrays that mix
/// element types or nest more than 3 deep, a bad `general.alignment`, bad dimensions, and data of
/// the wrong size. Its errors are ``GGUFError``s whose `file` is `GGUFWriter`.
public struct GGUFWriter: Sendable {
    private struct Tensor: Sendable {
        var name: String
        var type: GGMLType
        var dimensions: [Int]
        var data: [UInt8]
    }

    private var pairs: [(key: String, value: GGUFValue)] = []
    private var keys: Set<String> = []
    private var tensors: [Tensor] = []
    private var names: Set<String> = []
    private var alignment = _GGUFHeader.defaultAlignment

    /// Creates an empty writer.
    /// - Complexity: O(1).
    public init() {}

    /// Appends a metadata pair. `general.alignment` must be a `uint32` power of two; it sets the
    /// alignment of the data written.
    /// - Throws: ``GGUFError`` for a key already added, an array whose elements differ in type or
    ///   that nests arrays more than 3 deep, or a bad `general.alignment`.
    /// - Complexity: O(size of the value).
    public mutating func add(key: String, _ value: GGUFValue) throws {
        guard !keys.contains(key) else {
            throw Self.error("metadata key \"\(key)\" is already set")
        }
        try Self.checkArrays(in: value, key: key, depth: 0)
        if key == "general.alignment" {
            guard case .uint32(let raw) = value, raw != 0, raw & (raw - 1) == 0 else {
                throw Self.error("general.alignment must be a uint32 power of two, got \(value)")
            }
            alignment = Int(raw)
        }
        keys.insert(key)
        pairs.append((key, value))
    }

    /// Appends a tensor with dimensions in ggml order (innermost first) and its encoded data.
    /// - Throws: ``GGUFError`` for a name already added, a dimension count outside 1...4, a
    ///   dimension below 1, a row length that is not a whole number of `type`'s blocks, or data
    ///   whose size is not what the type and dimensions need.
    /// - Complexity: O(data.count) for the copy.
    public mutating func addTensor(name: String, type: GGMLType, dimensions: [Int], data: [UInt8]) throws {
        guard !names.contains(name) else {
            throw Self.error("tensor \"\(name)\" is already added")
        }
        guard (1...4).contains(dimensions.count), dimensions.allSatisfy({ $0 > 0 }) else {
            throw Self.error("tensor \"\(name)\" has dimensions \(dimensions); GGUF needs 1 to 4, each at least 1")
        }
        guard dimensions[0] % type.blockElements == 0 else {
            throw Self.error("tensor \"\(name)\" has rows of \(dimensions[0]) values, not a multiple of the \(type) "
                + "block of \(type.blockElements)")
        }
        var rowCount = 1
        for size in dimensions.dropFirst() {
            let (product, overflow) = rowCount.multipliedReportingOverflow(by: size)
            guard !overflow else {
                throw Self.error("tensor \"\(name)\" with dimensions \(dimensions) is too large to address")
            }
            rowCount = product
        }
        guard let expected = type.byteCount(rowLength: dimensions[0], rowCount: rowCount) else {
            throw Self.error("tensor \"\(name)\" with dimensions \(dimensions) is too large to address")
        }
        guard data.count == expected else {
            throw Self.error("tensor \"\(name)\" of type \(type) with dimensions \(dimensions) needs \(expected) "
                + "bytes of data, got \(data.count)")
        }
        names.insert(name)
        tensors.append(Tensor(name: name, type: type, dimensions: dimensions, data: data))
    }

    /// The file's bytes.
    /// - Complexity: O(size of the file).
    public func bytes() -> [UInt8] {
        var out: [UInt8] = []
        out.append(contentsOf: "GGUF".utf8)
        Self.append(UInt32(3), to: &out)
        Self.append(UInt64(tensors.count), to: &out)
        Self.append(UInt64(pairs.count), to: &out)
        for (key, value) in pairs {
            Self.append(string: key, to: &out)
            Self.append(UInt32(_GGUFValueType(of: value).rawValue), to: &out)
            Self.append(value: value, to: &out)
        }
        var offset = 0
        for tensor in tensors {
            Self.append(string: tensor.name, to: &out)
            Self.append(UInt32(tensor.dimensions.count), to: &out)
            for size in tensor.dimensions {
                Self.append(UInt64(size), to: &out)
            }
            Self.append(tensor.type.rawValue, to: &out)
            Self.append(UInt64(offset), to: &out)
            offset += padded(tensor.data.count)
        }
        out.append(contentsOf: repeatElement(0, count: padded(out.count) - out.count))
        for tensor in tensors {
            out.append(contentsOf: tensor.data)
            out.append(contentsOf: repeatElement(0, count: padded(tensor.data.count) - tensor.data.count))
        }
        return out
    }

    /// Writes ``bytes()`` to `path`, replacing any file there.
    /// - Throws: ``GGUFError`` naming the path when the file cannot be written.
    /// - Complexity: O(size of the file).
    public func write(to path: String) throws {
        do {
            try Data(bytes()).write(to: URL(fileURLWithPath: path))
        } catch {
            throw GGUFError(file: path, message: "cannot write: \(error.localizedDescription)")
        }
    }

    /// `count` rounded up to the alignment.
    private func padded(_ count: Int) -> Int {
        (count + alignment - 1) / alignment * alignment
    }

    private static func error(_ message: String) -> GGUFError {
        GGUFError(file: "GGUFWriter", message: message)
    }

    /// Checks that every array in `value` is homogeneous and nests at most 3 deep.
    private static func checkArrays(in value: GGUFValue, key: String, depth: Int) throws {
        guard case .array(let elements) = value else { return }
        guard depth < _GGUFValueType.maxArrayDepth else {
            throw error("metadata \"\(key)\" nests arrays more than \(_GGUFValueType.maxArrayDepth) deep")
        }
        guard let first = elements.first else { return }
        let type = _GGUFValueType(of: first)
        for element in elements {
            guard _GGUFValueType(of: element) == type else {
                throw error("metadata \"\(key)\" is an array mixing \(type.name) and "
                    + "\(_GGUFValueType(of: element).name) elements; GGUF arrays hold one type")
            }
            try checkArrays(in: element, key: key, depth: depth + 1)
        }
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    private static func append(string: String, to out: inout [UInt8]) {
        append(UInt64(string.utf8.count), to: &out)
        out.append(contentsOf: string.utf8)
    }

    /// Appends the encoding of `value` without its type id.
    private static func append(value: GGUFValue, to out: inout [UInt8]) {
        switch value {
        case .uint8(let v): append(v, to: &out)
        case .int8(let v): append(v, to: &out)
        case .uint16(let v): append(v, to: &out)
        case .int16(let v): append(v, to: &out)
        case .uint32(let v): append(v, to: &out)
        case .int32(let v): append(v, to: &out)
        case .uint64(let v): append(v, to: &out)
        case .int64(let v): append(v, to: &out)
        case .float32(let v): append(v.bitPattern, to: &out)
        case .float64(let v): append(v.bitPattern, to: &out)
        case .bool(let v): out.append(v ? 1 : 0)
        case .string(let v): append(string: v, to: &out)
        case .array(let elements):
            append(UInt32(elements.first.map { _GGUFValueType(of: $0) }?.rawValue ?? _GGUFValueType.uint8.rawValue),
                   to: &out)
            append(UInt64(elements.count), to: &out)
            for element in elements {
                append(value: element, to: &out)
            }
        }
    }
}
