import BlendCore
import Foundation
import XCTest
@testable import BlendCPU

/// Property tests: a damaged GGUF file either parses into a consistent table or throws a
/// ``GGUFError``; it never crashes the process. Seeds are fixed and printed, so a failure replays.
final class GGUFFuzzTests: XCTestCase {
    /// A small file with the structures that matter: a string array, a nested array, numbers, and
    /// tensors of four types; the last tensor ends exactly at the end of the file.
    static func smallFile() throws -> [UInt8] {
        var writer = GGUFWriter()
        try writer.add(key: "general.architecture", .string("llama"))
        try writer.add(key: "llama.block_count", .uint32(2))
        try writer.add(key: "tokenizer.ggml.tokens", .array(["<s>", "Ġthe", "東京", "", "a b"].map(GGUFValue.string)))
        try writer.add(key: "tokenizer.ggml.scores", .array([.float32(0), .float32(-1.5), .float32(2)]))
        try writer.add(key: "test.nested", .array([.array([.uint16(1)]), .array([.bool(true), .bool(false)])]))
        try writer.add(key: "tokenizer.ggml.add_bos_token", .bool(false))
        try writer.addTensor(name: "blk.0.attn_q.weight", type: .q4_1, dimensions: [64, 2], data: Self.pattern(80))
        try writer.addTensor(name: "token_embd.weight", type: .q8_0, dimensions: [32, 3], data: Self.pattern(102))
        try writer.addTensor(name: "half", type: .f16, dimensions: [16, 1, 1], data: Self.pattern(32))
        try writer.addTensor(name: "output_norm.weight", type: .f32, dimensions: [8], data: Self.pattern(32))
        return writer.bytes()
    }

    static func pattern(_ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
    }

    func testEveryTruncationOfASmallFileThrows() throws {
        let bytes = try Self.smallFile()
        let whole = try GGUFFile(bytes: bytes)
        XCTAssertEqual(whole.tensors.map { $0.offset + $0.byteCount }.max(), bytes.count)
        for length in 0..<bytes.count {
            XCTAssertThrowsError(try GGUFFile(bytes: Array(bytes[..<length])), "prefix of \(length) bytes") { error in
                XCTAssertTrue(error is GGUFError, "prefix of \(length) bytes: \(type(of: error))")
            }
        }
    }

    func testRandomDamageToASmallFileParsesOrThrows() throws {
        let seed: UInt64 = 0x5EED_6667
        print("GGUFFuzzTests small-file damage seed: \(seed)")
        var generator = SeededGenerator(seed: seed)
        let original = try Self.smallFile()
        var parsed = 0
        var rejected = 0
        for round in 0..<3000 {
            var bytes = original
            let damage = Self.damage(&bytes, in: 0..<bytes.count, using: &generator)
            do {
                try Self.checkConsistency(GGUFFile(bytes: bytes))
                parsed += 1
            } catch is GGUFError {
                rejected += 1
            } catch {
                XCTFail("round \(round) (\(damage)): \(error)")
            }
        }
        print("GGUFFuzzTests small file: \(parsed) damaged files parsed, \(rejected) rejected")
        XCTAssertGreaterThan(rejected, 1000)
    }

    /// Changes 1 to 4 bytes in `region`: a flipped bit, a random byte, 0x00 or 0xFF. Returns what
    /// it did, for failure messages.
    static func damage(_ bytes: inout [UInt8], in region: Range<Int>, using generator: inout SeededGenerator) -> String {
        var done: [String] = []
        for _ in 0..<Int.random(in: 1...4, using: &generator) {
            let index = Int.random(in: region, using: &generator)
            let before = bytes[index]
            switch Int.random(in: 0..<4, using: &generator) {
            case 0: bytes[index] ^= 1 << UInt8.random(in: 0..<8, using: &generator)
            case 1: bytes[index] = UInt8.random(in: 0...255, using: &generator)
            case 2: bytes[index] = 0
            default: bytes[index] = 0xFF
            }
            done.append("byte \(index): \(before) -> \(bytes[index])")
        }
        return done.joined(separator: ", ")
    }

    /// What every file that parses must satisfy.
    static func checkConsistency(_ file: GGUFFile) {
        XCTAssertEqual(file.metadataKeys.count, file.metadata.count)
        XCTAssertLessThanOrEqual(file.dataOffset, file.fileSize + file.alignment)
        var end = 0
        for tensor in file.tensors.sorted(by: { $0.offset < $1.offset }) {
            XCTAssertEqual(tensor.offset % file.alignment, 0)
            XCTAssertGreaterThanOrEqual(tensor.offset, max(end, file.dataOffset))
            XCTAssertEqual(tensor.elementCount, tensor.rowLength * tensor.rowCount)
            XCTAssertEqual(file.bytes(of: tensor).count, tensor.byteCount)
            XCTAssertEqual(file.tensor(named: tensor.name), tensor)
            end = tensor.offset + tensor.byteCount
        }
        XCTAssertLessThanOrEqual(end, file.fileSize)
    }
}
