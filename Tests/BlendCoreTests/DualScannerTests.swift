import BlendCore
import XCTest


/// One request of a test unit: prompt length, output length, prompt tokens not shared with the
/// unit's earlier requests.
private typealias TestRequest = (prompt: Int, output: Int, unique: Int)

private let llamaOnA100 = CostModel(model: .llama31_8B, hardware: .a100_80GB)
private let gib = Double(1 << 30)

/// Builds a scan order whose units hold `units[i]` in order, with request indices `ids` (or
/// 0, 1, 2, ... when `ids` is nil) laid out left to right.
private func makeOrder(_ units: [[TestRequest]], ids: [Int32]? = nil, cost: CostModel = llamaOnA100) -> ScanOrder {
    var scanUnits: [ScanUnit] = []
    var position = 0
    for (index, requests) in units.enumerated() {
        var totals = ResourceTotals()
        for r in requests { totals += ResourceTotals(prompt: r.prompt, output: r.output, unique: r.unique) }
        scanUnits.append(ScanUnit(
            node: Int32(index), range: position ..< position + requests.count,
            totals: totals, density: cost.density(totals)))
        position += requests.count
    }
    return ScanOrder(requests: ids ?? (0 ..< position).map { Int32($0) }, units: scanUnits)
}

/// `count` requests with the same prompt and output and no sharing.
private func same(_ count: Int, prompt: Int, output: Int) -> [TestRequest] {
    Array(repeating: (prompt, output, prompt), count: count)
}

final class DualScannerTests: XCTestCase {
    // MARK: - Eq. (10) partition

    func testFigure6PartitionGoldenValues() {
        let m = 60.0, rhoL = 3.73, rhoR = 0.096, rhoRoot = 1.27
        let split = DualScanner.partition(memory: m, rootDensity: rhoRoot, leftDensity: rhoL, rightDensity: rhoR)
        // 60·(1.27 − 0.096)/(3.73 − 0.096) = 60·1.174/3.634 = 19.3836...
        XCTAssertEqual(split.left, 19.38, accuracy: 0.01)
        XCTAssertEqual(split.right, 40.62, accuracy: 0.01)
        XCTAssertEqual(split.left + split.right, m, accuracy: 1e-12)
        // The compute equation of eq. (10).
        XCTAssertEqual(split.left * rhoL + split.right * rhoR, m * rhoRoot, accuracy: 1e-9)
    }

    func testPartitionClampsWhenTheTargetIsNotBracketed() {
        let m = 60.0
        func check(
            _ target: Double, _ left: Double, _ right: Double, _ expected: (Double, Double),
            line: UInt = #line
        ) {
            let split = DualScanner.partition(memory: m, rootDensity: target, leftDensity: left, rightDensity: right)
            XCTAssertEqual(split.left, expected.0, line: line)
            XCTAssertEqual(split.right, expected.1, line: line)
            XCTAssertEqual(split.left + split.right, m, line: line)
        }
        // Target above both sides: all memory to the denser side (left in scan order, or right if
        // the pair is out of order).
        check(5, 3.73, 0.096, (m, 0))
        check(5, 0.096, 3.73, (0, m))
        check(3.73, 3.73, 0.096, (m, 0))  // equal to the denser side
        // Target below both: all memory to the sparser side.
        check(0.05, 3.73, 0.096, (0, m))
        check(0.05, 0.096, 3.73, (m, 0))
        check(0.096, 3.73, 0.096, (0, m))  // equal to the sparser side
        // Equal densities (both cursors in one unit): everything to the left.
        check(1.27, 2, 2, (m, 0))
        check(1.27, .infinity, .infinity, (m, 0))
        // An infinitely dense side (no output tokens) bracketing a finite target gets nothing.
        check(1.27, .infinity, 0.096, (0, m))
        check(1.27, 0.096, .infinity, (m, 0))
        // A target that is itself infinite: the denser side takes everything.
        check(.infinity, .infinity, 0.096, (m, 0))
        check(.infinity, 3.73, 0.096, (m, 0))
        // Below an infinite side and a finite one: the sparser one.
        check(0.01, .infinity, 0.096, (0, m))
        // NaN anywhere: everything to the left, never NaN.
        check(.nan, 3.73, 0.096, (m, 0))
        check(1.27, .nan, 0.096, (m, 0))
    }

    func testPartitionOfNoMemoryIsEmpty() {
        for m in [0.0, -5, .nan, -.infinity] {
            let split = DualScanner.partition(memory: m, rootDensity: 1.27, leftDensity: 3.73, rightDensity: 0.096)
            XCTAssertEqual(split.left, 0)
            XCTAssertEqual(split.right, 0)
        }
    }

    func testPartitionIsAlwaysWithinBoundsOnRandomDensities() {
        let seed: UInt64 = 0xD0A1_5CA9
        var rng = SeededGenerator(seed: seed)
        let specials: [Double] = [0, .infinity, 1, 0.096, 3.73]
        func density() -> Double {
            Int.random(in: 0 ..< 5, using: &rng) == 0
                ? specials.randomElement(using: &rng)! : Double.random(in: 0 ... 100, using: &rng)
        }
        for trial in 0 ..< 5000 {
            let m = Double.random(in: 0 ... 1e11, using: &rng)
            let (t, l, r) = (density(), density(), density())
            let split = DualScanner.partition(memory: m, rootDensity: t, leftDensity: l, rightDensity: r)
            let context = "seed \(seed) trial \(trial): M=\(m) ρrt=\(t) ρL=\(l) ρR=\(r) -> \(split)"
            XCTAssertFalse(split.left.isNaN || split.right.isNaN, context)
            XCTAssert(split.left >= 0 && split.left <= m, context)
            XCTAssert(split.right >= 0 && split.right <= m, context)
            XCTAssertEqual(split.left + split.right, m, accuracy: m * 1e-12, context)
            if l != r, min(l, r) < t, t < max(l, r), l.isFinite, r.isFinite {
                XCTAssertEqual(split.left * l + split.right * r, m * t, accuracy: m * max(l, r) * 1e-9, context)
            }
        }
    }

    // MARK: - Algorithm 3 budgets

    func testBudgetsOfOneUnitByHand() {
        // 4 requests with 120-token prompts sharing a 60-token header: unique prompt tokens
        // 120 + 3·60 = 300, so p = 300/4 = 75; outputs 50 each, so d = 50.
        let unit: [TestRequest] = [(120, 50, 120), (120, 50, 60), (120, 50, 60), (120, 50, 60)]
        let order = makeOrder([unit])
        XCTAssertEqual(order.units[0].meanPrefillTokens, 75)
        XCTAssertEqual(order.units[0].meanOutputLength, 50)
        XCTAssertEqual(ModelSpec.llama31_8B.kvBytesPerToken, 131_072)

        let scanner = DualScanner(scanOrder: order, costModel: llamaOnA100, memory: gib)
        let b = scanner.budgets()
        // Both cursors in unit 0: equal densities, all memory to the left.
        // N = 2^30 / ((120 + 50/2)·131072) = 8192/145 (the full prompt is read every step)
        // C = N·p_u/d = (8192/145)·75/50 (only the unique 75 tokens are prefilled)
        XCTAssertEqual(b.left.unit, 0)
        XCTAssertEqual(b.right.unit, 0)
        XCTAssertEqual(b.left.memory, gib)
        XCTAssertEqual(b.left.decodeRequests, 8192.0 / 145, accuracy: 1e-9)
        XCTAssertEqual(b.left.prefillTokens, 8192.0 / 145 * 75 / 50, accuracy: 1e-9)
        XCTAssertEqual(b.right.memory, 0)
        XCTAssertEqual(b.right.decodeRequests, 0)
        XCTAssertEqual(b.right.prefillTokens, 0)
        XCTAssertEqual(b.generation, scanner.partitionGeneration)
    }

    func testBudgetsOfTwoUnitsByHand() {
        // Left unit: p = 1000, d = 10 (dense). Right unit: p = 100, d = 4000 (sparse).
        let order = makeOrder([same(3, prompt: 1000, output: 10), same(5, prompt: 100, output: 4000)])
        let rhoL = order.units[0].density, rhoR = order.units[1].density
        XCTAssertGreaterThan(rhoL, rhoR)
        // A target a quarter of the way from ρR to ρL gives the left side a quarter of the memory:
        // M_L = 2^30/4 = 2^28, M_R = 3·2^28.
        let target = rhoR + 0.25 * (rhoL - rhoR)
        let scanner = DualScanner(scanOrder: order, costModel: llamaOnA100, memory: gib, rootDensity: target)
        let b = scanner.budgets()
        XCTAssertEqual(b.left.unit, 0)
        XCTAssertEqual(b.right.unit, 1)
        XCTAssertEqual(b.left.density, rhoL)
        XCTAssertEqual(b.right.density, rhoR)
        XCTAssertEqual(b.left.memory, gib / 4, accuracy: 1)
        XCTAssertEqual(b.right.memory, 3 * gib / 4, accuracy: 1)
        // N_L = 2^28 / ((1000 + 5)·2^17) = 2048/1005;  C_L = N_L·1000/10
        XCTAssertEqual(b.left.decodeRequests, 2048.0 / 1005, accuracy: 1e-6)
        XCTAssertEqual(b.left.prefillTokens, 2048.0 / 1005 * 100, accuracy: 1e-4)
        // N_R = 3·2^28 / ((100 + 2000)·2^17) = 6144/2100;  C_R = N_R·100/4000
        XCTAssertEqual(b.right.decodeRequests, 6144.0 / 2100, accuracy: 1e-6)
        XCTAssertEqual(b.right.prefillTokens, 6144.0 / 2100 / 40, accuracy: 1e-6)
    }

    func testBudgetsOfPrefillOnlyUnitUseTheSideMemoryInTokens() {
        // d = 0: density is infinite, and so is the root's; both cursors in one unit.
        let order = makeOrder([same(2, prompt: 200, output: 0)])
        XCTAssertEqual(order.units[0].density, .infinity)
        let scanner = DualScanner(scanOrder: order, costModel: llamaOnA100, memory: gib)
        XCTAssertEqual(scanner.rootDensity, .infinity)
        let b = scanner.budgets()
        // N = 2^30/(200·2^17) = 8192/200 = 40.96;  C = N·p_u = 40.96·200 = 8192 tokens
        XCTAssertEqual(b.left.memory, gib)
        XCTAssertEqual(b.left.decodeRequests, 40.96, accuracy: 1e-9)
        XCTAssertEqual(b.left.prefillTokens, 8192)
        XCTAssertEqual(b.right.prefillTokens, 0)
    }

    func testInfinitelyDenseLeftUnitGetsNoMemoryAgainstAFiniteTarget() {
        let order = makeOrder([same(2, prompt: 200, output: 0), same(2, prompt: 100, output: 1000)])
        let scanner = DualScanner(scanOrder: order, costModel: llamaOnA100, memory: gib, rootDensity: 1)
        let b = scanner.budgets()
        XCTAssertEqual(b.left.memory, 0)
        XCTAssertEqual(b.left.prefillTokens, 0)
        XCTAssertEqual(b.right.memory, gib)
        XCTAssertFalse(b.right.prefillTokens.isNaN || b.right.decodeRequests.isNaN)
    }

    func testDefaultRootDensityIsTheDensityOfAllUnitsCombined() {
        let order = makeOrder([same(3, prompt: 1000, output: 10), same(5, prompt: 100, output: 4000)])
        var all = ResourceTotals()
        for unit in order.units { all += unit.totals }
        let scanner = DualScanner(scanOrder: order, costModel: llamaOnA100, memory: gib)
        XCTAssertEqual(scanner.rootDensity, llamaOnA100.density(all))
        XCTAssertEqual(scanner.kvBytesPerToken, 131_072)
    }

    func testSettingRootDensityOrMemoryInvalidatesBudgets() {
        let order = makeOrder([same(3, prompt: 1000, output: 10), same(5, prompt: 100, output: 4000)])
        var scanner = DualScanner(scanOrder: order, costModel: llamaOnA100, memory: gib)
        let first = scanner.budgets()
        scanner.rootDensity = order.units[0].density  // target = the left side's density
        XCTAssertNotEqual(scanner.partitionGeneration, first.generation)
        let second = scanner.budgets()
        XCTAssertEqual(second.left.memory, gib)
        XCTAssertEqual(second.right.memory, 0)
        scanner.memory = 2 * gib
        XCTAssertNotEqual(scanner.partitionGeneration, second.generation)
        XCTAssertEqual(scanner.budgets().left.memory, 2 * gib)
    }

    // MARK: - Cursors

    func testEmptyOrderIsExhaustedAtOnce() {
        var scanner = DualScanner(scanOrder: ScanOrder(requests: [], units: []), costModel: llamaOnA100, memory: gib)
        XCTAssertTrue(scanner.isExhausted)
        XCTAssertEqual(scanner.remaining, 0)
        XCTAssertNil(scanner.leftUnit)
        XCTAssertNil(scanner.rightUnit)
        XCTAssertNil(scanner.popLeft())
        XCTAssertNil(scanner.popRight())
        XCTAssertEqual(scanner.rootDensity, 0)
        let b = scanner.budgets()
        XCTAssertNil(b.left.unit)
        XCTAssertEqual(b.left.memory + b.right.memory, 0)
    }

    func testOneRequest() {
        for fromLeft in [true, false] {
            let order = makeOrder([[(50, 20, 50)]], ids: [7])
            var scanner = DualScanner(scanOrder: order, costModel: llamaOnA100, memory: gib)
            XCTAssertEqual(scanner.leftUnit, 0)
            XCTAssertEqual(scanner.rightUnit, 0)
            XCTAssertEqual(scanner.remaining, 1)
            XCTAssertEqual(scanner.peekLeft(), 7)
            XCTAssertEqual(scanner.peekRight(), 7)
            let generation = scanner.partitionGeneration
            XCTAssertEqual(fromLeft ? scanner.popLeft() : scanner.popRight(), 7)
            XCTAssertTrue(scanner.isExhausted)
            XCTAssertNotEqual(scanner.partitionGeneration, generation)
            XCTAssertNil(scanner.leftUnit)
            XCTAssertNil(scanner.rightUnit)
            XCTAssertNil(scanner.popLeft())
            XCTAssertNil(scanner.popRight())
            XCTAssertNil(scanner.peekLeft())
            XCTAssertEqual(scanner.budgets().left.prefillTokens, 0)
        }
    }

    func testIdenticalRequestsFormOneUnitAndAllMemoryGoesLeft() {
        let order = makeOrder([same(10, prompt: 300, output: 300)])
        var scanner = DualScanner(scanOrder: order, costModel: llamaOnA100, memory: gib)
        // The root is the unit itself, so both densities and the target coincide.
        XCTAssertEqual(scanner.rootDensity, order.units[0].density, accuracy: 1e-12)
        let b = scanner.budgets()
        XCTAssertEqual(b.left.memory, gib)
        XCTAssertEqual(b.right.memory, 0)
        let generation = scanner.partitionGeneration
        var popped: [Int32] = []
        for i in 0 ..< 9 {
            popped.append((i.isMultiple(of: 2) ? scanner.popLeft() : scanner.popRight())!)
            XCTAssertEqual(scanner.partitionGeneration, generation, "no unit change inside one unit")
        }
        popped.append(scanner.popLeft()!)
        XCTAssertNotEqual(scanner.partitionGeneration, generation, "meeting counts as a change")
        XCTAssertEqual(popped.sorted(), (0 ..< 10).map { Int32($0) })
    }

    func testCursorsMeetInTheMiddleOfAUnit() {
        // Units: [0, 2), [2, 7), [7, 9).
        let order = makeOrder([
            same(2, prompt: 1000, output: 5), same(5, prompt: 400, output: 400), same(2, prompt: 50, output: 8000),
        ])
        var scanner = DualScanner(scanOrder: order, costModel: llamaOnA100, memory: gib)
        XCTAssertEqual(scanner.leftUnit, 0)
        XCTAssertEqual(scanner.rightUnit, 2)
        var generation = scanner.partitionGeneration

        XCTAssertEqual(scanner.popLeft(), 0)
        XCTAssertEqual(scanner.partitionGeneration, generation)
        XCTAssertEqual(scanner.popLeft(), 1)  // left enters unit 1
        XCTAssertEqual(scanner.leftUnit, 1)
        XCTAssertNotEqual(scanner.partitionGeneration, generation)
        generation = scanner.partitionGeneration

        XCTAssertEqual(scanner.popRight(), 8)
        XCTAssertEqual(scanner.popRight(), 7)  // right enters unit 1
        XCTAssertEqual(scanner.rightUnit, 1)
        XCTAssertNotEqual(scanner.partitionGeneration, generation)
        generation = scanner.partitionGeneration

        // Both in unit 1: equal densities, so the left side takes all memory.
        let b = scanner.budgets()
        XCTAssertEqual(b.left.unit, 1)
        XCTAssertEqual(b.right.unit, 1)
        XCTAssertEqual(b.left.memory, gib)
        XCTAssertEqual(b.right.memory, 0)

        XCTAssertEqual(scanner.popLeft(), 2)
        XCTAssertEqual(scanner.popRight(), 6)
        XCTAssertEqual(scanner.popLeft(), 3)
        XCTAssertEqual(scanner.popRight(), 5)
        XCTAssertEqual(scanner.partitionGeneration, generation)
        XCTAssertEqual(scanner.remaining, 1)
        XCTAssertEqual(scanner.leftCursor, 4)
        XCTAssertEqual(scanner.rightCursor, 5)
        XCTAssertEqual(scanner.popRight(), 4)  // the cursors meet at position 4
        XCTAssertTrue(scanner.isExhausted)
        XCTAssertEqual(scanner.leftCursor, scanner.rightCursor)
        XCTAssertNotEqual(scanner.partitionGeneration, generation)
        XCTAssertNil(scanner.popLeft())
    }

    /// Random scan orders and random interleavings of pops, against a reference model.
    func testRandomInterleavingsReturnEveryRequestOnce() {
        let seed: UInt64 = 0x5EED_B1E4_D5E7
        var rng = SeededGenerator(seed: seed)
        for trial in 0 ..< 400 {
            let failure = runTrial(&rng)
            if let failure {
                XCTFail("seed \(seed) trial \(trial): \(failure)")
                return
            }
        }
    }

    /// One random trial; returns a description of the first violation, or nil.
    private func runTrial(_ rng: inout SeededGenerator) -> String? {
        // Unit sizes: one request; one big unit; many one-request units; or random sizes
        // (including empty units, which the scanner must skip).
        let sizes: [Int]
        switch Int.random(in: 0 ..< 4, using: &rng) {
        case 0: sizes = [1]
        case 1: sizes = [Int.random(in: 1 ... 60, using: &rng)]
        case 2: sizes = Array(repeating: 1, count: Int.random(in: 1 ... 60, using: &rng))
        default:
            sizes = (0 ..< Int.random(in: 1 ... 12, using: &rng)).map { _ in
                Int.random(in: 0 ..< 6, using: &rng) == 0 ? 0 : Int.random(in: 1 ... 9, using: &rng)
            }
        }
        let units: [[TestRequest]] = sizes.map { size in
            (0 ..< size).map { _ in
                let prompt = Int.random(in: 1 ... 2000, using: &rng)
                return (prompt, Int.random(in: 0 ... 3000, using: &rng), Int.random(in: 0 ... prompt, using: &rng))
            }
        }
        let count = sizes.reduce(0, +)
        let ids = (0 ..< count).map { Int32($0) }.shuffled(using: &rng)
        let order = makeOrder(units, ids: ids)
        var scanner = DualScanner(scanOrder: order, costModel: llamaOnA100, memory: gib)

        // Reference: the unit of a position by linear search, skipping empty units.
        func unit(at position: Int) -> Int? {
            order.units.firstIndex { $0.range.contains(position) }
        }
        var lo = 0, hi = count
        var returned: [Int32] = []
        let leftBias = Double.random(in: 0 ... 1, using: &rng)
        for step in 0 ..< count + 3 {
            let expectedLeftUnit = lo < hi ? unit(at: lo) : nil
            let expectedRightUnit = lo < hi ? unit(at: hi - 1) : nil
            if scanner.leftUnit != expectedLeftUnit || scanner.rightUnit != expectedRightUnit {
                return "step \(step): units (\(String(describing: scanner.leftUnit)), \(String(describing: scanner.rightUnit))), expected (\(String(describing: expectedLeftUnit)), \(String(describing: expectedRightUnit)))"
            }
            if scanner.leftCursor != lo || scanner.rightCursor != hi || scanner.leftCursor > scanner.rightCursor {
                return "step \(step): cursors \(scanner.leftCursor)..<\(scanner.rightCursor), expected \(lo)..<\(hi)"
            }
            if scanner.remaining != hi - lo || scanner.isExhausted != (returned.count == count) {
                return "step \(step): remaining \(scanner.remaining), exhausted \(scanner.isExhausted) after \(returned.count) of \(count)"
            }
            let budgets = scanner.budgets()
            if budgets.left.unit != expectedLeftUnit || budgets.right.unit != expectedRightUnit
                || abs(budgets.left.memory + budgets.right.memory - (lo < hi ? gib : 0)) > 1e-3
                || budgets.left.prefillTokens.isNaN || budgets.right.prefillTokens.isNaN
            {
                return "step \(step): budgets \(budgets)"
            }

            let generation = scanner.partitionGeneration
            let fromLeft = Double.random(in: 0 ..< 1, using: &rng) < leftBias
            let got = fromLeft ? scanner.popLeft() : scanner.popRight()
            let expected: Int32?
            if lo < hi {
                if fromLeft {
                    expected = order.requests[lo]
                    lo += 1
                } else {
                    hi -= 1
                    expected = order.requests[hi]
                }
            } else {
                expected = nil
            }
            if got != expected {
                return "step \(step): \(fromLeft ? "popLeft" : "popRight") returned \(String(describing: got)), expected \(String(describing: expected))"
            }
            if let got { returned.append(got) }
            let newLeft = lo < hi ? unit(at: lo) : nil
            let newRight = lo < hi ? unit(at: hi - 1) : nil
            let changed = newLeft != expectedLeftUnit || newRight != expectedRightUnit
            if changed != (scanner.partitionGeneration != generation) {
                return "step \(step): unit change \(changed) but generation \(generation) -> \(scanner.partitionGeneration)"
            }
        }
        if returned.sorted() != (0 ..< count).map({ Int32($0) }) {
            return "returned \(returned.sorted()) is not every request exactly once (\(count))"
        }
        if !scanner.isExhausted { return "not exhausted after every request" }
        return nil
    }
}
