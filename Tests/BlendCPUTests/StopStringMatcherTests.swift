import BlendCPU
import BlendCore
import XCTest

/// ``StopStringMatcher`` against a naive reference that tries every stop string at every offset.
final class StopStringMatcherTests: XCTestCase {
    /// The earliest offset where any non-empty stop string occurs, found the obvious way.
    private func naiveFirstMatch(_ stops: [[UInt8]], in text: [UInt8]) -> Int? {
        for offset in text.indices {
            for stop in stops where !stop.isEmpty && offset + stop.count <= text.count {
                if Array(text[offset ..< offset + stop.count]) == stop { return offset }
            }
        }
        return nil
    }

    private func randomBytes(_ count: Int, alphabet: [UInt8], using random: inout SeededGenerator) -> [UInt8] {
        (0 ..< count).map { _ in alphabet.randomElement(using: &random)! }
    }

    func testOpenAIExamplesCutBeforeTheEarliestStopString() {
        let matcher = StopStringMatcher(["END", "\n\n"])
        XCTAssertEqual(matcher.firstMatch(in: Array("Hello END world\n\n".utf8)), 6)
        XCTAssertEqual(matcher.firstMatch(in: Array("a\n\nEND".utf8)), 1)
        XCTAssertNil(matcher.firstMatch(in: Array("no stop here EN".utf8)))
        XCTAssertEqual(StopStringMatcher(["ab", "b"]).firstMatch(in: Array("xab".utf8)), 1, "the earliest start wins")
        XCTAssertEqual(StopStringMatcher(["é"]).firstMatch(in: Array("café!".utf8)), 3, "a byte offset")
        XCTAssertNil(StopStringMatcher([]).firstMatch(in: Array("anything".utf8)))
        XCTAssertTrue(StopStringMatcher(["", ""]).isEmpty, "empty strings are ignored")
        XCTAssertEqual(StopStringMatcher(["abc", "x"]).longestStop, 3)
    }

    func testWholeStringSearchEqualsTheNaiveReference() {
        var random = SeededGenerator(seed: 1)
        for round in 0 ..< 3000 {
            let alphabet: [UInt8] = round % 3 == 0 ? [0x61, 0x62] : [0x61, 0x62, 0x63, 0x00, 0xC3, 0xA9, 0xFF]
            let stops = (0 ..< Int.random(in: 0 ... 4, using: &random)).map { _ in
                randomBytes(Int.random(in: 0 ... 5, using: &random), alphabet: alphabet, using: &random)
            }
            let text = randomBytes(Int.random(in: 0 ... 40, using: &random), alphabet: alphabet, using: &random)
            let matcher = StopStringMatcher(stopBytes: stops)
            XCTAssertEqual(matcher.firstMatch(in: text), naiveFirstMatch(stops, in: text), "stops \(stops) text \(text)")
        }
    }

    func testTokenByTokenSearchFindsTheFirstMatchAtTheRightOffset() {
        var random = SeededGenerator(seed: 2)
        for _ in 0 ..< 2000 {
            let alphabet: [UInt8] = [0x61, 0x62, 0x63]
            let stops = (0 ..< Int.random(in: 1 ... 4, using: &random)).map { _ in
                randomBytes(Int.random(in: 1 ... 6, using: &random), alphabet: alphabet, using: &random)
            }
            let matcher = StopStringMatcher(stopBytes: stops)
            var generated: [UInt8] = []
            var found: Int?
            for _ in 0 ..< 30 {
                let checked = generated.count
                generated += randomBytes(Int.random(in: 1 ... 4, using: &random), alphabet: alphabet, using: &random)
                found = matcher.firstMatch(in: generated, clearPrefix: checked)
                XCTAssertEqual(found, naiveFirstMatch(stops, in: generated), "stops \(stops) text \(generated)")
                if found != nil { break }
            }
        }
    }
}
