/// The parsed and validated header of a GGUF file: version, metadata, tensor table and layout.
struct _GGUFHeader {
    /// Alignment of the data section and of every tensor when `general.alignment` is absent.
    static let defaultAlignment = 32
    /// The fewest bytes one metadata pair takes: key length, value type, a 1-byte value.
    private static let minimumPairBytes = 8 + 4 + 1
    /// The fewest bytes one tensor description takes: name length, dimension count, one
    /// dimension, type, offset.
    private static let minimumTensorBytes = 8 + 4 + 8 + 4 + 8

    var version: UInt32 = 0
    var metadata: [String: GGUFValue] = [:]
    var metadataKeys: [String] = []
    var tensors: [GGUFTensorInfo] = []
    var tensorIndex: [String: Int] = [:]
    var alignment = defaultAlignment
    var dataOffset = 0

    /// Parses and validates the header of the file in `buffer`, and checks that every tensor's
    /// data lies in the buffer without overlapping another's.
    /// - Throws: ``_GGUFFormatError`` for the first rule the file breaks.
    /// - Complexity: O(header bytes + t log t) for t tensors.
    init(parsing buffer: UnsafeRawBufferPointer) throws {
        var cursor = _GGUFCursor(buffer: buffer)
        try readPreamble(&cursor)
        let countsOffset = cursor.position
        let tensorCount = try cursor.count(for: "the tensor count")
        let pairCount = try cursor.count(for: "the metadata pair count")
        let left = cursor.remaining
        guard pairCount <= left / Self.minimumPairBytes, tensorCount <= left / Self.minimumTensorBytes,
              tensorCount * Self.minimumTensorBytes <= left - pairCount * Self.minimumPairBytes else {
            throw cursor.error("the header claims \(tensorCount) tensors and \(pairCount) metadata pairs, more than "
                + "the \(left) bytes that follow can hold", at: countsOffset)
        }
        metadataKeys.reserveCapacity(pairCount)
        for index in 0..<pairCount {
            try readPair(index, &cursor)
        }
        let offsetFields = try readTensors(tensorCount, &cursor)
        cursor.align(to: alignment)
        dataOffset = cursor.position
        try placeTensors(offsetFields: offsetFields, fileSize: buffer.count, cursor: cursor)
    }

    /// Reads and checks the magic and the version.
    private mutating func readPreamble(_ cursor: inout _GGUFCursor) throws {
        let magic = try cursor.bytes(4, for: "the magic number")
        guard magic.elementsEqual("GGUF".utf8) else {
            let shown = magic.map { String($0, radix: 16) }.joined(separator: " ")
            throw cursor.error("not a GGUF file: it starts with the bytes \(shown), not \"GGUF\"", at: 0)
        }
        version = try cursor.uint32(for: "the version")
        switch version {
        case 2, 3:
            return
        case 1:
            throw cursor.error("GGUF version 1 is not supported (it has 32-bit counts and lengths); "
                + "convert the file to version 3 with a current llama.cpp", at: 4)
        case _ where version.byteSwapped == 2 || version.byteSwapped == 3:
            throw cursor.error("the file is a big-endian GGUF file (version \(version.byteSwapped)); only "
                + "little-endian files are supported", at: 4)
        default:
            throw cursor.error("GGUF version \(version) is not supported; this reader knows versions 2 and 3", at: 4)
        }
    }

    /// Reads metadata pair `index` and checks its key is new and, for `general.alignment`, its
    /// value.
    private mutating func readPair(_ index: Int, _ cursor: inout _GGUFCursor) throws {
        let keyOffset = cursor.position
        let key = try cursor.string(for: "the key of metadata pair \(index)")
        guard metadata[key] == nil else {
            throw cursor.error("metadata key \"\(key)\" appears twice", at: keyOffset)
        }
        let type = try cursor.valueType(for: "metadata \"\(key)\"")
        let valueOffset = cursor.position
        let value = try cursor.value(of: type, for: "metadata \"\(key)\"")
        if key == "general.alignment" {
            guard case .uint32(let raw) = value else {
                throw cursor.error("general.alignment must be a uint32, but it is a \(type.name)", at: valueOffset)
            }
            guard raw != 0, raw & (raw - 1) == 0 else {
                throw cursor.error("general.alignment is \(raw); it must be a non-zero power of two", at: valueOffset)
            }
            alignment = Int(raw)
        }
        metadata[key] = value
        metadataKeys.append(key)
    }

    /// Reads the tensor descriptions, with data offsets still relative to the data section, and
    /// returns where each one's offset field lies (for later messages).
    private mutating func readTensors(_ count: Int, _ cursor: inout _GGUFCursor) throws -> [Int] {
        var offsetFields: [Int] = []
        offsetFields.reserveCapacity(count)
        tensors.reserveCapacity(count)
        for index in 0..<count {
            let nameOffset = cursor.position
            let name = try cursor.string(for: "the name of tensor \(index)")
            if let first = tensorIndex[name] {
                throw cursor.error("tensor name \"\(name)\" appears twice (tensors \(first) and \(index))", at: nameOffset)
            }
            let (dimensions, elementCount) = try readDimensions(of: name, &cursor)
            let typeOffset = cursor.position
            let rawType = try cursor.uint32(for: "the type of tensor \"\(name)\"")
            guard let type = GGMLType(rawValue: rawType) else {
                throw cursor.error("tensor \"\(name)\" has type id \(rawType), which is not a ggml type", at: typeOffset)
            }
            guard dimensions[0] % type.blockElements == 0 else {
                throw cursor.error("tensor \"\(name)\" has rows of \(dimensions[0]) values, not a multiple of the "
                    + "\(type) block of \(type.blockElements)", at: typeOffset)
            }
            guard let byteCount = type.byteCount(rowLength: dimensions[0], rowCount: elementCount / dimensions[0]) else {
                throw cursor.error("tensor \"\(name)\" is too large to address", at: typeOffset)
            }
            let offsetField = cursor.position
            let relative = try cursor.count(for: "the data offset of tensor \"\(name)\"")
            guard relative % alignment == 0 else {
                throw cursor.error("tensor \"\(name)\" has data offset \(relative), which is not a multiple of the "
                    + "alignment \(alignment)", at: offsetField)
            }
            tensorIndex[name] = index
            offsetFields.append(offsetField)
            tensors.append(GGUFTensorInfo(name: name, type: type, dimensions: dimensions, offset: relative,
                                          byteCount: byteCount, elementCount: elementCount))
        }
        return offsetFields
    }

    /// Reads a dimension count (1 to 4) and the dimensions (each at least 1), and returns them
    /// with their product.
    private func readDimensions(of name: String, _ cursor: inout _GGUFCursor) throws -> ([Int], Int) {
        let countOffset = cursor.position
        let count = try cursor.uint32(for: "the dimension count of tensor \"\(name)\"")
        guard (1...4).contains(count) else {
            throw cursor.error("tensor \"\(name)\" has \(count) dimensions; GGUF allows 1 to 4", at: countOffset)
        }
        var dimensions: [Int] = []
        dimensions.reserveCapacity(Int(count))
        var product = 1
        for axis in 0..<Int(count) {
            let sizeOffset = cursor.position
            let raw = try cursor.bits(8, for: "dimension \(axis) of tensor \"\(name)\"")
            guard raw > 0 else {
                throw cursor.error("dimension \(axis) of tensor \"\(name)\" is 0; every dimension must be at least 1",
                                   at: sizeOffset)
            }
            guard let size = Int(exactly: raw), case let (next, false) = product.multipliedReportingOverflow(by: size)
            else {
                throw cursor.error("the dimensions of tensor \"\(name)\" multiply to more elements than can be "
                    + "addressed (dimension \(axis) is \(raw))", at: sizeOffset)
            }
            dimensions.append(size)
            product = next
        }
        return (dimensions, product)
    }

    /// Turns the relative offsets into absolute ones and checks that every tensor's data lies in
    /// the file and that no two overlap.
    private mutating func placeTensors(offsetFields: [Int], fileSize: Int, cursor: _GGUFCursor) throws {
        for (index, tensor) in tensors.enumerated() {
            let relative = tensor.offset
            guard dataOffset <= fileSize, tensor.byteCount <= fileSize - dataOffset,
                  relative <= fileSize - dataOffset - tensor.byteCount else {
                throw cursor.error("the data of tensor \"\(tensor.name)\" (\(tensor.byteCount) bytes at data offset "
                    + "\(relative), the data section starting at byte \(dataOffset)) runs past the end of the file "
                    + "(\(fileSize) bytes)", at: offsetFields[index])
            }
            tensors[index] = GGUFTensorInfo(name: tensor.name, type: tensor.type, dimensions: tensor.dimensions,
                                            offset: dataOffset + relative, byteCount: tensor.byteCount,
                                            elementCount: tensor.elementCount)
        }
        let order = tensors.indices.sorted { tensors[$0].offset < tensors[$1].offset }
        for (earlier, later) in zip(order, order.dropFirst()) {
            let first = tensors[earlier]
            let second = tensors[later]
            guard first.offset + first.byteCount <= second.offset else {
                throw cursor.error("the data of tensors \"\(first.name)\" (bytes \(first.offset)..<"
                    + "\(first.offset + first.byteCount)) and \"\(second.name)\" (bytes \(second.offset)..<"
                    + "\(second.offset + second.byteCount)) overlap", at: offsetFields[later])
            }
        }
    }
}
