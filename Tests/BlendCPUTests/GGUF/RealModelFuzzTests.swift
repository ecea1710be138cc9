import BlendCore
import BlendTestSupport
import Foundation
import XCTest
@testable import BlendCPU

/// The fuzz properties of ``GGUFFuzzTests`` on the default model (skipped without it). The cases
/// parse views of one mapped or copied file rather than writing 98 MB files: truncations inside
/// the header parse a copied prefix through `GGUFFile(bytes:)`, truncations inside the data parse
/// a prefix of the mapping, and damage is done to one private copy and undone after each case.
final class RealModelFuzzTests: XCTestCase {
    func testTruncationsOfTheDefaultModelThrow() throws {
        let mapped = try MappedFile(path: try TestModelFile.path())
        let dataOffset = try GGUFFile(owner: mapped, buffer: mapped.bytes, name: mapped.path).dataOffset
        let seed: UInt64 = 0x7E_0C47
        print("RealModelFuzzTests truncation seed: \(seed)")
        var generator = SeededGenerator(seed: seed)
        let headerLengths = (0..<240).map { Int.random(in: dataOffset * $0 / 240..<dataOffset * ($0 + 1) / 240, using: &generator) }
        let dataLengths = (0..<60).map { step in
            Int.random(in: dataOffset + (mapped.bytes.count - dataOffset) * step / 60..<dataOffset
                + (mapped.bytes.count - dataOffset) * (step + 1) / 60, using: &generator)
        }
        for length in headerLengths {
            XCTAssertThrowsError(try GGUFFile(bytes: Array(mapped.bytes[..<length]))) { error in
                XCTAssertTrue(error is GGUFError, "prefix of \(length) bytes: \(type(of: error))")
            }
        }
        for length in dataLengths + [mapped.bytes.count - 1] {
            let prefix = UnsafeRawBufferPointer(rebasing: mapped.bytes[..<length])
            XCTAssertThrowsError(try GGUFFile(owner: mapped, buffer: prefix, name: "prefix")) { error in
                XCTAssertTrue("\(error)".contains("runs past the end of the file (\(length) bytes)"), "\(error)")
            }
        }
    }

    func testRandomDamageToTheDefaultModelHeaderParsesOrThrows() throws {
        let mapped = try MappedFile(path: try TestModelFile.path())
        let dataOffset = try GGUFFile(owner: mapped, buffer: mapped.bytes, name: mapped.path).dataOffset
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: mapped.bytes.count, alignment: 4096)
        defer { copy.deallocate() }
        copy.copyMemory(from: mapped.bytes)
        let seed: UInt64 = 0xDA_4A6E
        print("RealModelFuzzTests damage seed: \(seed)")
        var generator = SeededGenerator(seed: seed)
        // A third of the cases hit the preamble and first pairs, a third the tensor table at the
        // end of the header, a third anywhere in the header (mostly the vocabulary).
        let regions = [0..<4096, dataOffset - 16_384..<dataOffset, 0..<dataOffset]
        var parsed = 0
        var rejected = 0
        for round in 0..<300 {
            let region = regions[round % regions.count]
            var touched: [(Int, UInt8)] = []
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let index = Int.random(in: region, using: &generator)
                touched.append((index, copy[index]))
                copy[index] = Self.damaged(copy[index], using: &generator)
            }
            do {
                GGUFFuzzTests.checkConsistency(try GGUFFile(owner: mapped, buffer: UnsafeRawBufferPointer(copy), name: "copy"))
                parsed += 1
            } catch is GGUFError {
                rejected += 1
            } catch {
                XCTFail("round \(round), bytes \(touched.map(\.0)): \(error)")
            }
            for (index, byte) in touched.reversed() {
                copy[index] = byte
            }
        }
        print("RealModelFuzzTests: \(parsed) damaged headers parsed, \(rejected) rejected")
        XCTAssertGreaterThan(rejected, 50)
    }

    private static func damaged(_ byte: UInt8, using generator: inout SeededGenerator) -> UInt8 {
        switch Int.random(in: 0..<4, using: &generator) {
        case 0: byte ^ 1 << UInt8.random(in: 0..<8, using: &generator)
        case 1: UInt8.random(in: 0...255, using: &generator)
        case 2: 0
        default: 0xFF
        }
    }
}
