import Foundation
import XCTest
@testable import BlendCPU

/// One hand-made bad file per rule the reader enforces; each error must name what is wrong and
/// where.
final class GGUFValidationTests: XCTestCase {
    /// The 24-byte header is followed by the first metadata pair or tensor.
    private let firstItem = 24

    // MARK: Preamble and counts

    func testRejectsAWrongMagic() {
        var raw = RawGGUF.header(tensors: 0, pairs: 0)
        raw.bytes.replaceSubrange(0..<4, with: Array("GGML".utf8))
        assertRejects(raw, mentions: "not a GGUF file: it starts with the bytes 47 47 4d 4c", at: 0)
    }

    func testRejectsVersion1WithAReason() {
        assertRejects(RawGGUF.header(version: 1, tensors: 0, pairs: 0),
                      mentions: "GGUF version 1 is not supported (it has 32-bit counts and lengths)", at: 4)
    }

    func testRejectsUnknownVersions() {
        assertRejects(RawGGUF.header(version: 4, tensors: 0, pairs: 0), mentions: "GGUF version 4 is not supported", at: 4)
        assertRejects(RawGGUF.header(version: 0, tensors: 0, pairs: 0), mentions: "GGUF version 0 is not supported", at: 4)
        assertRejects(RawGGUF.header(version: UInt32(3).byteSwapped, tensors: 0, pairs: 0),
                      mentions: "big-endian GGUF file (version 3)", at: 4)
    }

    func testAcceptsVersion2() throws {
        var raw = RawGGUF.header(version: 2, tensors: 0, pairs: 1)
        raw.pairString("general.architecture", "llama")
        let file = try GGUFFile(bytes: raw.bytes)
        XCTAssertEqual(file.version, 2)
        XCTAssertEqual(file.architecture, "llama")
    }

    func testRejectsCountsTheFileCannotHold() {
        assertRejects(RawGGUF.header(tensors: 1 << 40, pairs: 0),
                      mentions: "the header claims 1099511627776 tensors and 0 metadata pairs", at: 8)
        var pairs = RawGGUF.header(tensors: 0, pairs: 3)
        pairs.pairU32("a", 1)
        assertRejects(pairs, mentions: "claims 0 tensors and 3 metadata pairs, more than the 17 bytes", at: 8)
        assertRejects(RawGGUF.header(tensors: .max, pairs: 0),
                      mentions: "the tensor count is 18446744073709551615, which is too large", at: 8)
    }

    func testRejectsATruncatedHeader() {
        assertRejects(RawGGUF(), mentions: "the file ends inside the magic number: it needs 4 bytes, 0 remain", at: 0)
        var raw = RawGGUF.header(tensors: 0, pairs: 0)
        raw.bytes.removeLast(3)
        assertRejects(raw, mentions: "the file ends inside the metadata pair count: it needs 8 bytes, 5 remain", at: 16)
    }

    // MARK: Metadata

    func testRejectsStringLengthsPastTheEnd() {
        var raw = RawGGUF.header(tensors: 0, pairs: 1)
        raw.u64(1000)
        raw.zeros(20)
        assertRejects(raw, mentions: "the key of metadata pair 0 claims 1000 bytes, but only 20 remain", at: firstItem)
    }

    func testRejectsInvalidUTF8() {
        var key = RawGGUF.header(tensors: 0, pairs: 1)
        key.string(bytes: [0x61, 0xFF])
        key.u32(0)
        key.u8(0)
        assertRejects(key, mentions: "the key of metadata pair 0 is not valid UTF-8", at: firstItem)

        for (bytes, name) in [([0xC0, 0x80], "overlong"), ([0xED, 0xA0, 0x80], "surrogate"),
                              ([0xF4, 0x90, 0x80, 0x80], "above U+10FFFF"), ([0xE2, 0x82], "cut"),
                              ([0x80], "lone continuation")] as [([UInt8], String)] {
            var value = RawGGUF.header(tensors: 0, pairs: 1)
            value.string("k")
            value.u32(8)
            value.string(bytes: bytes)
            assertRejects(value, mentions: "metadata \"k\" is not valid UTF-8", at: firstItem + 9 + 4, name)
        }

        var element = RawGGUF.header(tensors: 0, pairs: 1)
        element.string("tokens")
        element.u32(9)
        element.u32(8)
        element.u64(2)
        element.string("ok")
        let second = element.bytes.count
        element.string(bytes: [0x41, 0xE0, 0x80, 0x80])
        assertRejects(element, mentions: "element 1 of metadata \"tokens\" is not valid UTF-8", at: second)
    }

    func testRejectsUnknownValueTypes() {
        var raw = RawGGUF.header(tensors: 0, pairs: 1)
        raw.string("k")
        raw.u32(13)
        raw.u64(0)
        assertRejects(raw, mentions: "metadata \"k\" has value type id 13, which is not a GGUF value type", at: firstItem + 9)
    }

    func testRejectsUnknownArrayElementTypes() {
        var raw = RawGGUF.header(tensors: 0, pairs: 1)
        raw.string("k")
        raw.u32(9)
        raw.u32(42)
        raw.u64(0)
        assertRejects(raw, mentions: "the elements of metadata \"k\" has value type id 42", at: firstItem + 13)
    }

    func testRejectsArrayCountsTheFileCannotHold() {
        var raw = RawGGUF.header(tensors: 0, pairs: 1)
        raw.string("k")
        raw.u32(9)
        raw.u32(8)
        raw.u64(1 << 50)
        raw.zeros(16)
        assertRejects(raw, mentions: "metadata \"k\" claims 1125899906842624 elements of type string, more than the 16 bytes",
                      at: firstItem + 17)
    }

    func testAllowsArraysNestedThreeDeepButNotFour() throws {
        func nested(_ levels: Int) -> RawGGUF {
            var raw = RawGGUF.header(tensors: 0, pairs: 1)
            raw.string("k")
            raw.u32(9)
            for _ in 1..<levels {
                raw.u32(9)
                raw.u64(1)
            }
            raw.u32(5)
            raw.u64(1)
            raw.u32(7)
            return raw
        }
        let file = try GGUFFile(bytes: nested(3).bytes)
        XCTAssertEqual(file.metadata["k"], .array([.array([.array([.int32(7)])])]))
        assertRejects(nested(4), mentions: "element 0 of element 0 of element 0 of metadata \"k\" nests arrays more than 3 deep",
                      at: firstItem + 13 + 3 * 12)
    }

    func testRejectsBoolsOtherThan0And1() {
        var raw = RawGGUF.header(tensors: 0, pairs: 1)
        raw.string("flag")
        raw.u32(7)
        raw.u8(2)
        assertRejects(raw, mentions: "metadata \"flag\" is a bool stored as 2; it must be 0 or 1", at: firstItem + 12 + 4)
        var array = RawGGUF.header(tensors: 0, pairs: 1)
        array.string("flags")
        array.u32(9)
        array.u32(7)
        array.u64(3)
        array.bytes.append(contentsOf: [1, 0, 9])
        assertRejects(array, mentions: "element 2 of metadata \"flags\" is a bool stored as neither 0 nor 1",
                      at: firstItem + 13 + 4 + 12 + 2)
    }

    func testRejectsDuplicateKeys() {
        var raw = RawGGUF.header(tensors: 0, pairs: 2)
        raw.pairU32("llama.block_count", 30)
        let second = raw.bytes.count
        raw.pairU32("llama.block_count", 31)
        assertRejects(raw, mentions: "metadata key \"llama.block_count\" appears twice", at: second)
    }

    func testRejectsAValueCutShort() {
        var raw = RawGGUF.header(tensors: 0, pairs: 1)
        raw.string("k")
        raw.u32(4)
        raw.zeros(2)
        assertRejects(raw, mentions: "the file ends inside metadata \"k\": it needs 4 bytes, 2 remain", at: firstItem + 13)
    }

    func testAlignmentMustBeANonZeroPowerOfTwoUInt32() {
        for (value, text) in [(UInt32(0), "general.alignment is 0; it must be a non-zero power of two"),
                              (48, "general.alignment is 48; it must be a non-zero power of two")] {
            var raw = RawGGUF.header(tensors: 0, pairs: 1)
            raw.pairU32("general.alignment", value)
            assertRejects(raw, mentions: text, at: firstItem + 25 + 4)
        }
        var text = RawGGUF.header(tensors: 0, pairs: 1)
        text.pairString("general.alignment", "32")
        assertRejects(text, mentions: "general.alignment must be a uint32, but it is a string", at: firstItem + 25 + 4)
        var wide = RawGGUF.header(tensors: 0, pairs: 1)
        wide.string("general.alignment")
        wide.u32(10)
        wide.u64(32)
        assertRejects(wide, mentions: "general.alignment must be a uint32, but it is a uint64", at: firstItem + 25 + 4)
    }

    // MARK: Tensors

    func testRejectsDimensionCountsOutside1To4() {
        for count in [0, 5] {
            var raw = RawGGUF.header(tensors: 1, pairs: 0)
            raw.string("t")
            raw.u32(UInt32(count))
            raw.zeros(64)
            assertRejects(raw, mentions: "tensor \"t\" has \(count) dimensions; GGUF allows 1 to 4", at: firstItem + 9)
        }
    }

    func testRejectsZeroAndOverflowingDimensions() {
        var zero = RawGGUF.header(tensors: 1, pairs: 0)
        zero.tensor("t", dimensions: [32, 0], type: 0, offset: 0)
        assertRejects(zero, mentions: "dimension 1 of tensor \"t\" is 0; every dimension must be at least 1",
                      at: firstItem + 9 + 4 + 8)
        var product = RawGGUF.header(tensors: 1, pairs: 0)
        product.tensor("t", dimensions: [1 << 32, 1 << 32, 1 << 32], type: 0, offset: 0)
        assertRejects(product, mentions: "the dimensions of tensor \"t\" multiply to more elements than can be addressed "
                      + "(dimension 1 is 4294967296)", at: firstItem + 9 + 4 + 8)
        var huge = RawGGUF.header(tensors: 1, pairs: 0)
        huge.tensor("t", dimensions: [.max], type: 0, offset: 0)
        assertRejects(huge, mentions: "(dimension 0 is 18446744073709551615)", at: firstItem + 9 + 4)
        var bytes = RawGGUF.header(tensors: 1, pairs: 0)
        bytes.tensor("t", dimensions: [1 << 62], type: 0, offset: 0)
        assertRejects(bytes, mentions: "tensor \"t\" is too large to address", at: firstItem + 9 + 4 + 8)
    }

    func testRejectsUnknownGGMLTypesNamingTensorAndId() throws {
        var raw = RawGGUF.header(tensors: 1, pairs: 0)
        raw.tensor("blk.3.attn_q.weight", dimensions: [32, 2], type: 99, offset: 0)
        let typeOffset = firstItem + 8 + 19 + 4 + 16
        XCTAssertThrowsError(try GGUFFile(bytes: raw.bytes, name: "model.gguf")) { error in
            XCTAssertEqual("\(error)", "model.gguf: at byte \(typeOffset): tensor \"blk.3.attn_q.weight\" has type id 99, "
                + "which is not a ggml type")
        }
        var removed = RawGGUF.header(tensors: 1, pairs: 0)
        removed.tensor("t", dimensions: [32], type: 4, offset: 0)
        assertRejects(removed, mentions: "tensor \"t\" has type id 4, which is not a ggml type", at: firstItem + 9 + 12)
    }

    func testRejectsRowsThatAreNotWholeBlocks() {
        var raw = RawGGUF.header(tensors: 1, pairs: 0)
        raw.tensor("blk.0.ffn_up.weight", dimensions: [48, 2], type: GGMLType.q4_1.rawValue, offset: 0)
        assertRejects(raw, mentions: "tensor \"blk.0.ffn_up.weight\" has rows of 48 values, not a multiple of the Q4_1 "
                      + "block of 32", at: firstItem + 8 + 19 + 4 + 16)
    }

    func testRejectsDuplicateTensorNames() {
        var raw = RawGGUF.header(tensors: 2, pairs: 0)
        raw.tensor("t", dimensions: [8], type: 0, offset: 0)
        let second = raw.bytes.count
        raw.tensor("t", dimensions: [8], type: 0, offset: 32)
        raw.pad(to: 32)
        raw.zeros(64)
        assertRejects(raw, mentions: "tensor name \"t\" appears twice (tensors 0 and 1)", at: second)
    }

    func testRejectsOffsetsOffTheAlignment() {
        var raw = RawGGUF.header(tensors: 1, pairs: 0)
        raw.tensor("t", dimensions: [8], type: 0, offset: 16)
        raw.pad(to: 32)
        raw.zeros(64)
        assertRejects(raw, mentions: "tensor \"t\" has data offset 16, which is not a multiple of the alignment 32",
                      at: firstItem + 9 + 12 + 4)
        var custom = RawGGUF.header(tensors: 1, pairs: 1)
        custom.pairU32("general.alignment", 64)
        custom.tensor("t", dimensions: [8], type: 0, offset: 32)
        custom.pad(to: 64)
        custom.zeros(128)
        assertRejects(custom, mentions: "not a multiple of the alignment 64")
    }

    func testRejectsTensorDataOutsideTheFile() throws {
        var raw = RawGGUF.header(tensors: 1, pairs: 0)
        raw.tensor("t", dimensions: [8], type: 0, offset: 0)
        raw.pad(to: 32)
        raw.zeros(31)
        assertRejects(raw, mentions: "the data of tensor \"t\" (32 bytes at data offset 0, the data section starting at "
                      + "byte 64) runs past the end of the file (95 bytes)", at: firstItem + 9 + 12 + 4)
        raw.zeros(1)
        XCTAssertEqual(try GGUFFile(bytes: raw.bytes).tensors.first?.offset, 64)

        var far = RawGGUF.header(tensors: 1, pairs: 0)
        far.tensor("t", dimensions: [8], type: 0, offset: 1 << 62)
        far.pad(to: 32)
        far.zeros(32)
        assertRejects(far, mentions: "runs past the end of the file (96 bytes)")

        var header = RawGGUF.header(tensors: 1, pairs: 0)
        header.tensor("t", dimensions: [8], type: 0, offset: 0)
        assertRejects(header, mentions: "the data section starting at byte 64) runs past the end of the file (57 bytes)")
    }

    func testRejectsOverlappingTensors() {
        var raw = RawGGUF.header(tensors: 3, pairs: 0)
        raw.tensor("a", dimensions: [16], type: 0, offset: 64)
        raw.tensor("b", dimensions: [8], type: 0, offset: 0)
        let third = raw.bytes.count
        raw.tensor("c", dimensions: [16], type: 0, offset: 96)
        raw.pad(to: 32)
        let data = raw.bytes.count
        raw.zeros(256)
        assertRejects(raw, mentions: "the data of tensors \"a\" (bytes \(data + 64)..<\(data + 128)) and \"c\" (bytes "
                      + "\(data + 96)..<\(data + 160)) overlap", at: third + 9 + 12 + 4)
    }

    func testAFileWithoutTensorsNeedsNoDataSection() throws {
        let file = try GGUFFile(bytes: RawGGUF.header(tensors: 0, pairs: 0).bytes)
        XCTAssertEqual(file.fileSize, 24)
        XCTAssertEqual(file.dataOffset, 32)
        XCTAssertTrue(file.metadata.isEmpty)
    }

    // MARK: Files on disk

    func testMappingErrorsNameThePathAndTheReason() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gguf-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        XCTAssertThrowsError(try GGUFFile(path: folder + "/missing.gguf")) { error in
            XCTAssertEqual("\(error)", "\(folder)/missing.gguf: cannot open: No such file or directory")
        }
        XCTAssertThrowsError(try GGUFFile(path: folder)) { error in
            XCTAssertEqual("\(error)", "\(folder): not a regular file")
        }
        let empty = folder + "/empty.gguf"
        XCTAssertTrue(FileManager.default.createFile(atPath: empty, contents: Data()))
        XCTAssertThrowsError(try GGUFFile(path: empty)) { error in
            XCTAssertEqual("\(error)", "\(empty): at byte 0: the file ends inside the magic number: it needs 4 bytes, 0 remain")
        }
    }

    private func assertRejects(_ raw: RawGGUF, mentions text: String, at offset: Int? = nil, _ context: String = "",
                               file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try GGUFFile(bytes: raw.bytes, name: "bad.gguf"), context, file: file, line: line) { error in
            guard let error = error as? GGUFError else {
                return XCTFail("\(type(of: error)) is not a GGUFError", file: file, line: line)
            }
            XCTAssertEqual(error.file, "bad.gguf", file: file, line: line)
            XCTAssertTrue(error.message.contains(text), "\"\(error)\" does not mention \"\(text)\" \(context)",
                          file: file, line: line)
            if let offset {
                XCTAssertEqual(error.offset, offset, "\(error) \(context)", file: file, line: line)
            }
        }
    }
}
