import BlendCore
import BlendTestSupport
import Foundation
import XCTest
@testable import BlendCPU

/// SHA-256 against the FIPS 180 examples and `sha256sum` of the default model.
final class SHA256Tests: XCTestCase {
    func testFIPS180Vectors() {
        XCTAssertEqual(SHA256.hexDigest(of: Array("abc".utf8)),
                       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hexDigest(of: []),
                       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hexDigest(of: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256.hexDigest(of: Array(("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                                                   + "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu").utf8)),
                       "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
        XCTAssertEqual(SHA256.hexDigest(of: Array(repeating: UInt8(ascii: "a"), count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testPiecesOfAnySizeGiveTheSameDigest() {
        var generator = SeededGenerator(seed: 256)
        let message = (0..<300).map { _ in UInt8.random(in: 0...255, using: &generator) }
        for length in [0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 129, 300] {
            let whole = SHA256.digest(of: Array(message[..<length]))
            XCTAssertEqual(whole.count, SHA256.digestByteCount)
            for split in Set([0, 1, length / 3, length / 2, max(0, length - 1), length]) where split <= length {
                var hasher = SHA256()
                hasher.update(Array(message[..<split]))
                let midway = hasher.finalize()
                hasher.update(Array(message[split..<length]))
                XCTAssertEqual(hasher.finalize(), whole, "length \(length) split at \(split)")
                XCTAssertEqual(midway, SHA256.digest(of: Array(message[..<split])))
            }
        }
    }

    func testFileDigestMatchesBytesDigestAcrossChunks() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sha-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let bytes = (0..<(SHA256.fileChunkBytes + 1000)).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ $0 >> 9) }
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        XCTAssertEqual(try SHA256.hexDigest(ofFile: path), SHA256.hexDigest(of: bytes))
        XCTAssertThrowsError(try SHA256.hexDigest(ofFile: path + ".missing")) { error in
            XCTAssertEqual("\(error)", "\(path).missing: cannot open: No such file or directory")
        }
    }

    func testDefaultModelDigestIsThePublishedOne() throws {
        let path = try TestModelFile.path()
        let started = Date()
        XCTAssertEqual(try SHA256.hexDigest(ofFile: path), ModelStore.defaultModel.sha256)
        let seconds = Date().timeIntervalSince(started)
        print("SHA-256 of the default model: \(Int(98.362432 / seconds)) MB/s in this build")
    }
}
