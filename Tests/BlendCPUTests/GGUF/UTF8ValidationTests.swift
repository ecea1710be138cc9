import BlendCore
import XCTest
@testable import BlendCPU

/// The reader's UTF-8 check agrees with the standard library's validating decoder.
final class UTF8ValidationTests: XCTestCase {
    func testAgreesWithTheStandardLibraryOnEveryTwoByteSequence() {
        for first in 0...255 {
            for second in 0...255 {
                assertAgrees([UInt8(first), UInt8(second)])
            }
        }
    }

    func testAgreesWithTheStandardLibraryOnRandomSequences() {
        let seed: UInt64 = 0x07F8
        print("UTF8ValidationTests seed: \(seed)")
        var generator = SeededGenerator(seed: seed)
        let interesting: [UInt8] = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0,
                                    0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF]
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...12, using: &generator)
            assertAgrees((0..<length).map { _ in
                Bool.random(using: &generator) ? interesting.randomElement(using: &generator)!
                    : UInt8.random(in: 0...255, using: &generator)
            })
        }
        assertAgrees(Array("plain ASCII longer than one word, then Ġ, 東京 and 🙂".utf8))
    }

    private func assertAgrees(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) {
        let expected = String(validating: bytes, as: UTF8.self)
        let actual = bytes.withUnsafeBufferPointer { _UTF8.string($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, count: $0.count) }
        XCTAssertEqual(actual, expected, "\(bytes.map { String($0, radix: 16) })", file: file, line: line)
    }
}
