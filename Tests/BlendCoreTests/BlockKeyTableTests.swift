@testable import BlendCore
import XCTest

final class BlockKeyTableTests: XCTestCase {
    /// Random inserts, removals and lookups agree with a `Dictionary`, on a small table whose
    /// keys share their low bits often, so clusters form, wrap around the end and shift back.
    func testAgreesWithADictionary() {
        var random = SeededGenerator(seed: 11)
        for capacity in [1, 3, 8, 40] {
            var table = BlockKeyTable(capacity: capacity)
            var reference: [UInt64: Int32] = [:]
            for _ in 0 ..< 20_000 {
                // Few distinct low bits, many distinct high bits.
                let key = UInt64.random(in: 0 ..< 64, using: &random) << 40 | UInt64.random(in: 0 ..< 8, using: &random) &* 3
                switch Int.random(in: 0 ..< 3, using: &random) {
                case 0 where reference.count < capacity:
                    let block = Int32.random(in: 0 ..< 1000, using: &random)
                    XCTAssertEqual(table.insertIfAbsent(block, forKey: key), reference[key])
                    if reference[key] == nil { reference[key] = block }
                case 1:
                    table.removeValue(forKey: key)
                    reference[key] = nil
                default:
                    XCTAssertEqual(table[key], reference[key])
                }
                XCTAssertEqual(table.count, reference.count)
            }
            for (key, block) in reference { XCTAssertEqual(table[key], block) }
        }
    }

    /// Equality compares contents, not the order the slots were filled in.
    func testEqualityIgnoresInsertionOrder() {
        let keys: [UInt64] = [1, 17, 33, 2, 49]
        var forward = BlockKeyTable(capacity: 8)
        var backward = BlockKeyTable(capacity: 8)
        for (block, key) in keys.enumerated() { _ = forward.insertIfAbsent(Int32(block), forKey: key) }
        for (block, key) in keys.enumerated().reversed() { _ = backward.insertIfAbsent(Int32(block), forKey: key) }
        XCTAssertEqual(forward, backward)
        backward.removeValue(forKey: 33)
        XCTAssertNotEqual(forward, backward)
        _ = backward.insertIfAbsent(9, forKey: 33)
        XCTAssertNotEqual(forward, backward)
    }
}
