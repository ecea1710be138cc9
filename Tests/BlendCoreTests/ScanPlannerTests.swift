import BlendCore
import XCTest

final class ScanPlannerTests: XCTestCase {
    let cost = CostModel(model: .llama31_8B, hardware: .a100_80GB)

    func testPlanCoversEveryRequestOnceKeepsSharingAndDFSLocality() {
        for seed in 400 ... 460 as ClosedRange<UInt64> {
            var random = SeededGenerator(seed: seed)
            let workload = randomWorkload(requests: Int.random(in: 1 ... 150, using: &random), using: &random, maxOutput: 3000)
            let keep = [0.0, 0.5, 0.9, 0.99, 1.0].randomElement(using: &random)!
            var tree = PrefixTree(workload: workload)
            let aggregates = TreeAggregates(tree: tree, outputLengths: outputLengths(of: workload), costModel: cost)
            let plan = ScanPlanner.plan(tree: &tree, aggregates: aggregates, options: .init(keepSharing: keep))
            let order = plan.order
            let context = "seed \(seed) keep \(keep)"

            XCTAssertEqual(order.requests.sorted(), (0 ..< Int32(workload.count)).map { $0 }, context)
            XCTAssertEqual(order.units.first?.range.lowerBound ?? 0, 0, context)
            XCTAssertEqual(order.units.last?.range.upperBound ?? 0, workload.count, context)
            for (left, right) in zip(order.units, order.units.dropFirst()) {
                XCTAssertEqual(left.range.upperBound, right.range.lowerBound, context)
                XCTAssertGreaterThanOrEqual(left.density, right.density, context)
            }
            for unit in order.units {
                var expected: [Int32] = []
                tree.appendRequests(under: unit.node, to: &expected)
                XCTAssertEqual(Array(order.requests[unit.range]), expected, "\(context): a unit runs its subtree in DFS order")
                XCTAssertEqual(PromptSharing.computedPromptTokens(expected, in: workload), unit.totals.uniquePromptTokens, context)
            }
            XCTAssertLessThanOrEqual(plan.recomputeCharged, plan.recomputeBudget + 1e-9, context)
            let computed = PromptSharing.computedPromptTokens(order.requests, in: workload)
            XCTAssertLessThanOrEqual(Double(computed), Double(tree.uniquePromptTokens) + plan.recomputeCharged + 1e-9, context)
            let kept = PromptSharing.keptFraction(order.requests, in: workload, uniquePromptTokens: tree.uniquePromptTokens)
            XCTAssertGreaterThanOrEqual(kept, keep - 1e-12, context)
        }
    }

    func testLoopSplitsOutliersAndStopsMonotoneWhenAffordable() {
        // A 4-token stem holds a group of 20 short-output requests (under a longer shared
        // sub-stem) and one very long-output outlier; a second group of long outputs sits under
        // another stem. Layer sorting leaves the outlier between the two groups, so the order
        // is not monotone until the stem is split (extra recompute: 4 tokens).
        var workload = Workload()
        for index in 0 ..< 20 {
            workload.append(id: "s\(index)", prompt: [9, 9, 9, 9, 8, 8, 8, 8, 8, 8, Int32(100 + index)], outputLength: 4 + index % 3)
        }
        workload.append(id: "long", prompt: [9, 9, 9, 9, 500, 1, 2], outputLength: 20000)
        for index in 0 ..< 5 {
            workload.append(id: "v\(index)", prompt: [7, Int32(200 + index)], outputLength: 8000 + 10 * index)
        }
        var tree = PrefixTree(workload: workload)
        let aggregates = TreeAggregates(tree: tree, outputLengths: outputLengths(of: workload), costModel: cost)
        let plan = ScanPlanner.plan(tree: &tree, aggregates: aggregates, options: .init(keepSharing: 0.5))
        XCTAssertEqual(plan.stop, .monotone)
        let densities = plan.order.requests.map { aggregates.requestDensity(Int($0), in: tree) }
        XCTAssertEqual(densities, densities.sorted(by: >), "C1: the request sequence is non-increasing")
        XCTAssertGreaterThan(plan.splits, 0)

        var strict = PrefixTree(workload: workload)
        let strictPlan = ScanPlanner.plan(tree: &strict, aggregates: aggregates, options: .init(keepSharing: 1))
        XCTAssertEqual(strictPlan.stop, .budget, "C2: no split is affordable when all sharing must be kept")
        XCTAssertEqual(strictPlan.recomputeCharged, 0)
        XCTAssertEqual(PromptSharing.computedPromptTokens(strictPlan.order.requests, in: workload), strict.uniquePromptTokens)
    }
}
