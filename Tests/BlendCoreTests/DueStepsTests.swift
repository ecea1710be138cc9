@testable import BlendCore
import XCTest

final class DueStepsTests: XCTestCase {
    /// Random pushes (overdue, within the ring, and far beyond it) and takes that advance by
    /// zero, a few or many steps hand out exactly the entries a sorted list says are due.
    func testTakesExactlyTheDueEntries() {
        var random = SeededGenerator(seed: 3)
        var due = DueSteps(window: 8)
        var reference: [Int] = []
        var now = 0
        for round in 0 ..< 5_000 {
            for _ in 0 ..< Int.random(in: 0 ... 4, using: &random) {
                let step = now + Int.random(in: -3 ... 40, using: &random)
                let key = max(step, 0) << 32 | round
                due.push(key, Int32(round % 100))
                reference.append(key)
            }
            now += [0, 0, 1, 1, 2, 7, 30].randomElement(using: &random)!
            var taken: [Int] = []
            due.takeDue(through: now) { key, sequence in
                XCTAssertEqual(Int(sequence), (key & 0xFFFF_FFFF) % 100)
                taken.append(key)
            }
            let limit = (now + 1) << 32
            XCTAssertEqual(taken.sorted(), reference.filter { $0 < limit }.sorted())
            reference.removeAll { $0 < limit }
        }
    }

    /// Compaction drops the stale entries outside the ring and keeps the live ones.
    func testCompactKeepsLiveEntries() {
        var due = DueSteps(window: 4)
        due.push(100 << 32 | 1, 1)
        due.push(200 << 32 | 2, 2)
        XCTAssertEqual(due.countOutsideRing, 2)
        due.compact { key, _ in key >> 32 == 200 }
        XCTAssertEqual(due.countOutsideRing, 1)
        var taken: [Int32] = []
        due.takeDue(through: 300) { _, sequence in taken.append(sequence) }
        XCTAssertEqual(taken, [2])
    }
}
