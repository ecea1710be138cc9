import BlendCore
import Foundation
import XCTest
@testable import BlendCPU

/// What ``GGUFWriter`` writes, ``GGUFFile`` reads back unchanged.
final class GGUFRoundTripTests: XCTestCase {
    /// One metadata value of every type, arrays of strings, nested and empty arrays included.
    static let everyValue: [(String, GGUFValue)] = [
        ("general.architecture", .string("llama")),
        ("t.uint8", .uint8(200)),
        ("t.int8", .int8(-100)),
        ("t.uint16", .uint16(60_000)),
        ("t.int16", .int16(-30_000)),
        ("t.uint32", .uint32(4_000_000_000)),
        ("t.int32", .int32(-2_000_000_000)),
        ("t.uint64", .uint64(.max)),
        ("t.int64", .int64(.min)),
        ("t.float32", .float32(-1.5e-5)),
        ("t.float32.infinity", .float32(.infinity)),
        ("t.float64", .float64(.leastNonzeroMagnitude)),
        ("t.bool.true", .bool(true)),
        ("t.bool.false", .bool(false)),
        ("t.string.empty", .string("")),
        ("t.string.unicode", .string("Ġ t · 東京 🙂 \u{0}")),
        ("t.array.strings", .array([.string("<|im_start|>"), .string(""), .string("Ġthe")])),
        ("t.array.int32", .array([.int32(1), .int32(-2), .int32(3)])),
        ("t.array.float32", .array([.float32(0.5), .float32(-0.25)])),
        ("t.array.bool", .array([.bool(true), .bool(false)])),
        ("t.array.uint64", .array([.uint64(0), .uint64(.max)])),
        ("t.array.empty", .array([])),
        ("t.array.nested", .array([.array([.int8(1), .int8(2)]), .array([.string("x")]), .array([])])),
        ("t.array.deepest", .array([.array([.array([.float64(2.5)])])])),
        ("", .string("an empty key is allowed")),
    ]

    func testEveryValueTypeRoundTrips() throws {
        var writer = GGUFWriter()
        for (key, value) in Self.everyValue {
            try writer.add(key: key, value)
        }
        let file = try GGUFFile(bytes: writer.bytes(), name: "values.gguf")
        XCTAssertEqual(file.version, 3)
        XCTAssertEqual(file.metadataKeys, Self.everyValue.map(\.0))
        for (key, value) in Self.everyValue {
            XCTAssertEqual(file.metadata[key], value, key)
        }
        XCTAssertEqual(file.architecture, "llama")
        XCTAssertTrue(file.tensors.isEmpty)
        XCTAssertEqual(file.alignment, 32)
        XCTAssertEqual(file.path, "values.gguf")
    }

    func testTensorsOfEveryTypeRoundTripAligned() throws {
        for alignment in [32, 64, 1] {
            var writer = GGUFWriter()
            try writer.add(key: "general.name", .string("tensors"))
            if alignment != 32 {
                try writer.add(key: "general.alignment", .uint32(UInt32(alignment)))
            }
            var generator = SeededGenerator(seed: 7)
            var expected: [String: (GGMLType, [Int], [UInt8])] = [:]
            for (index, type) in GGMLType.allCases.enumerated() {
                let dimensions = [type.blockElements * (index % 3 + 1), 3, 1, 2].prefix(index % 4 + 1)
                let data = (0..<type.rowBytes(elements: dimensions[0])! * dimensions.dropFirst().reduce(1, *))
                    .map { _ in UInt8.random(in: 0...255, using: &generator) }
                let name = "tensor.\(type)"
                try writer.addTensor(name: name, type: type, dimensions: Array(dimensions), data: data)
                expected[name] = (type, Array(dimensions), data)
            }
            let file = try GGUFFile(bytes: writer.bytes())
            XCTAssertEqual(file.alignment, alignment)
            XCTAssertEqual(file.dataOffset % alignment, 0)
            XCTAssertEqual(file.tensors.map(\.name), GGMLType.allCases.map { "tensor.\($0)" })
            for tensor in file.tensors {
                let (type, dimensions, data) = try XCTUnwrap(expected[tensor.name])
                XCTAssertEqual(tensor.type, type)
                XCTAssertEqual(tensor.dimensions, dimensions)
                XCTAssertEqual(tensor.rowLength, dimensions[0])
                XCTAssertEqual(tensor.rowCount, dimensions.dropFirst().reduce(1, *))
                XCTAssertEqual(tensor.elementCount, dimensions.reduce(1, *))
                XCTAssertEqual(tensor.byteCount, data.count)
                XCTAssertEqual(tensor.offset % alignment, 0, "\(tensor.name) at \(tensor.offset)")
                XCTAssertGreaterThanOrEqual(tensor.offset, file.dataOffset)
                XCTAssertEqual(Array(file.bytes(of: tensor)), data, tensor.name)
                XCTAssertEqual(file.tensor(named: tensor.name), tensor)
            }
            XCTAssertNil(file.tensor(named: "missing"))
        }
    }

    func testWrittenFileIsMappedFromDisk() throws {
        var writer = GGUFWriter()
        try writer.add(key: "general.architecture", .string("llama"))
        try writer.add(key: "general.alignment", .uint32(64))
        let values = (0..<96).map { Float($0) / 4 }
        try writer.addTensor(name: "v", type: .f32, dimensions: [32, 3],
                             data: values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) })
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gguf-\(UUID().uuidString).gguf").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writer.write(to: path)
        let file = try GGUFFile(path: path)
        XCTAssertEqual(file.path, path)
        XCTAssertEqual(file.fileSize, writer.bytes().count)
        XCTAssertEqual(file.fileSize % 64, 0)
        let tensor = try XCTUnwrap(file.tensor(named: "v"))
        XCTAssertEqual(tensor.offset, file.dataOffset)
        let data = file.bytes(of: tensor)
        XCTAssertEqual(Int(bitPattern: data.baseAddress) % 64, 0, "mapped tensor data keeps the file's alignment")
        XCTAssertEqual((0..<96).map { data.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) }, values)
    }

    func testUnsupportedKnownTypesLoad() throws {
        var writer = GGUFWriter()
        try writer.addTensor(name: "k", type: .q5_K, dimensions: [256], data: Array(repeating: 0, count: 176))
        let file = try GGUFFile(bytes: writer.bytes())
        XCTAssertEqual(file.tensors.first?.type, .q5_K)
        XCTAssertFalse(try XCTUnwrap(file.tensors.first).type.isSupported)
    }

    func testWriterRefusesWhatTheReaderWouldReject() throws {
        var writer = GGUFWriter()
        try writer.add(key: "a", .uint8(1))
        assertWriterError(try writer.add(key: "a", .uint8(2)), mentions: "\"a\" is already set")
        assertWriterError(try writer.add(key: "mixed", .array([.int32(1), .uint32(2)])), mentions: "mixing int32 and uint32")
        assertWriterError(try writer.add(key: "deep", .array([.array([.array([.array([])])])])), mentions: "more than 3 deep")
        assertWriterError(try writer.add(key: "general.alignment", .uint32(48)), mentions: "power of two")
        assertWriterError(try writer.add(key: "general.alignment", .uint64(64)), mentions: "uint32")
        try writer.addTensor(name: "t", type: .f32, dimensions: [2], data: Array(repeating: 0, count: 8))
        assertWriterError(try writer.addTensor(name: "t", type: .f32, dimensions: [1], data: [0, 0, 0, 0]),
                          mentions: "\"t\" is already added")
        assertWriterError(try writer.addTensor(name: "u", type: .f32, dimensions: [], data: []), mentions: "1 to 4")
        assertWriterError(try writer.addTensor(name: "u", type: .f32, dimensions: [1, 0], data: []), mentions: "at least 1")
        assertWriterError(try writer.addTensor(name: "u", type: .q4_1, dimensions: [48], data: []),
                          mentions: "not a multiple of the Q4_1 block of 32")
        assertWriterError(try writer.addTensor(name: "u", type: .q8_0, dimensions: [32, 2], data: Array(repeating: 0, count: 67)),
                          mentions: "needs 68 bytes of data, got 67")
        assertWriterError(try writer.addTensor(name: "u", type: .f32, dimensions: [1 << 40, 1 << 40], data: []),
                          mentions: "too large")
        let file = try GGUFFile(bytes: writer.bytes())
        XCTAssertEqual(file.metadataKeys, ["a"])
        XCTAssertEqual(file.tensors.map(\.name), ["t"])
    }

    func testWriteToAnUnwritablePathNamesIt() throws {
        XCTAssertThrowsError(try GGUFWriter().write(to: "/nonexistent-dir/x.gguf")) { error in
            XCTAssertTrue("\(error)".hasPrefix("/nonexistent-dir/x.gguf: cannot write"), "\(error)")
        }
    }

    private func assertWriterError(_ expression: @autoclosure () throws -> Void, mentions text: String,
                                   file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try expression(), file: file, line: line) { error in
            XCTAssertTrue(error is GGUFError, "\(type(of: error))", file: file, line: line)
            XCTAssertTrue("\(error)".contains(text), "\"\(error)\" does not mention \"\(text)\"", file: file, line: line)
        }
    }
}
