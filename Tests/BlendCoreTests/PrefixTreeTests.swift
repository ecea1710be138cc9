import BlendCore
import XCTest

final class PrefixTreeTests: XCTestCase {
    func testSmallTreeShape() {
        var workload = Workload()
        workload.append(id: "a", prompt: [1, 2, 3, 4], outputLength: 1)
        workload.append(id: "b", prompt: [1, 2, 5], outputLength: 1)
        workload.append(id: "c", prompt: [1, 2], outputLength: 1)
        workload.append(id: "d", prompt: [1, 2, 3, 4], outputLength: 1)
        workload.append(id: "e", prompt: [7], outputLength: 1)
        let tree = PrefixTree(workload: workload)
        // [1,2] then {[3,4], [5]} and [7]: 2 + 2 + 1 + 1 distinct prefixes.
        XCTAssertEqual(tree.uniquePromptTokens, 6)
        XCTAssertEqual(tree.requestCount, 5)
        XCTAssertEqual(tree.depth(of: tree.leaf(of: 0)), 4)
        XCTAssertEqual(tree.parent(of: tree.leaf(of: 0)), tree.parent(of: tree.leaf(of: 3)), "identical prompts are sibling leaves")
        XCTAssertEqual(tree.depth(of: tree.parent(of: tree.leaf(of: 2))), 2, "a prompt that is a prefix of others ends at the shared node")
        XCTAssertEqual(tree.dfsRequestOrder().sorted(), [0, 1, 2, 3, 4])
    }

    func testEveryLeafSpellsItsPromptAndUniqueCountMatchesNaiveTrie() {
        for seed in 1 ... 40 as ClosedRange<UInt64> {
            var random = SeededGenerator(seed: seed)
            let workload = randomWorkload(requests: Int.random(in: 1 ... 120, using: &random), using: &random)
            let tree = PrefixTree(workload: workload)
            let prompts = (0 ..< workload.count).map { Array(workload.prompt($0)) }
            XCTAssertEqual(tree.uniquePromptTokens, naiveUniquePrefixes(prompts), "seed \(seed)")
            for request in 0 ..< workload.count {
                var spelled: [Int32] = []
                var node = tree.leaf(of: request)
                XCTAssertEqual(tree.request(at: node), request, "seed \(seed)")
                while node != PrefixTree.root {
                    let start = tree.edgeStart(of: node)
                    spelled.insert(contentsOf: workload.tokens[start ..< start + tree.edgeLength(of: node)], at: 0)
                    node = tree.parent(of: node)
                }
                XCTAssertEqual(spelled, prompts[request], "seed \(seed) request \(request)")
            }
        }
    }

    func testDFSOrderHasMaximalSharingLikeLexicographicSort() {
        for seed in 100 ... 140 as ClosedRange<UInt64> {
            var random = SeededGenerator(seed: seed)
            let workload = randomWorkload(requests: Int.random(in: 1 ... 150, using: &random), using: &random)
            let tree = PrefixTree(workload: workload)
            let dfs = tree.dfsRequestOrder()
            XCTAssertEqual(dfs.sorted(), (0 ..< Int32(workload.count)).map { $0 }, "seed \(seed): every request once")
            let lexicographic = (0 ..< workload.count).sorted {
                workload.prompt($0).lexicographicallyPrecedes(workload.prompt($1))
            }.map(Int32.init)
            let best = PromptSharing.computedPromptTokens(lexicographic, in: workload)
            XCTAssertEqual(best, tree.uniquePromptTokens, "seed \(seed): sorted prompts compute each prefix once")
            XCTAssertEqual(PromptSharing.computedPromptTokens(dfs, in: workload), best, "seed \(seed)")
        }
    }

    func testLayerSortOrdersSiblingsAndPreservesSharing() {
        let cost = CostModel(model: .llama31_8B, hardware: .a100_80GB)
        for seed in 200 ... 240 as ClosedRange<UInt64> {
            var random = SeededGenerator(seed: seed)
            let workload = randomWorkload(requests: Int.random(in: 2 ... 150, using: &random), using: &random)
            var tree = PrefixTree(workload: workload)
            let aggregates = TreeAggregates(tree: tree, outputLengths: outputLengths(of: workload), costModel: cost)
            tree.sortChildren(by: aggregates.density)
            for node in tree.preorder() {
                let densities = tree.children(of: node).map { aggregates.density[Int($0)] }
                XCTAssertEqual(densities, densities.sorted(by: >), "seed \(seed) node \(node)")
            }
            let dfs = tree.dfsRequestOrder()
            XCTAssertEqual(Set(dfs).count, workload.count, "seed \(seed)")
            XCTAssertEqual(PromptSharing.computedPromptTokens(dfs, in: workload), tree.uniquePromptTokens, "seed \(seed)")
        }
    }

    func testAggregatesMatchNaiveSubtreeSums() {
        let cost = CostModel(model: .llama31_8B, hardware: .a100_80GB)
        for seed in 300 ... 330 as ClosedRange<UInt64> {
            var random = SeededGenerator(seed: seed)
            let workload = randomWorkload(requests: Int.random(in: 1 ... 80, using: &random), using: &random)
            let tree = PrefixTree(workload: workload)
            let aggregates = TreeAggregates(tree: tree, outputLengths: outputLengths(of: workload), costModel: cost)
            for node in tree.preorder() {
                var members: [Int32] = []
                tree.appendRequests(under: node, to: &members)
                let prompts = members.map { Array(workload.prompt(Int($0))) }
                let outputs = members.map { workload.plannedOutputLength(Int($0), fallback: 1) }
                let totals = aggregates.totals[Int(node)]
                XCTAssertEqual(totals.requests, members.count, "seed \(seed)")
                XCTAssertEqual(totals.promptTokens, prompts.map(\.count).reduce(0, +), "seed \(seed)")
                XCTAssertEqual(totals.outputTokens, outputs.reduce(0, +), "seed \(seed)")
                XCTAssertEqual(totals.uniquePromptTokens, naiveUniquePrefixes(prompts), "seed \(seed) node \(node)")
                let reads = zip(prompts, outputs).map { Double($0.count * $1) + Double($1 * $1) / 2 }.reduce(0, +)
                XCTAssertEqual(totals.kvTokenReads, reads, accuracy: 1e-6 * max(reads, 1), "seed \(seed)")
                XCTAssertEqual(aggregates.density[Int(node)], cost.density(totals), "seed \(seed)")
            }
        }
    }

    func testNodeSplitReachesLeavesWithAGenerousBudget() {
        var random = SeededGenerator(seed: 7)
        let workload = randomWorkload(requests: 60, using: &random)
        let tree = PrefixTree(workload: workload)
        var budget = Double.infinity
        var units: [Int32] = []
        tree.splitUnits(of: PrefixTree.root, threshold: .infinity, budget: &budget, into: &units)
        XCTAssertEqual(units.count, workload.count, "every request becomes its own unit")
        XCTAssertEqual(Set(units.compactMap { tree.request(at: $0) }).count, workload.count)
    }

    func testNodeSplitWithNoBudgetKeepsTopLevelSubtrees() {
        var random = SeededGenerator(seed: 8)
        let workload = randomWorkload(requests: 60, using: &random)
        let tree = PrefixTree(workload: workload)
        var budget = 0.0
        var units: [Int32] = []
        tree.splitUnits(of: PrefixTree.root, threshold: 0, budget: &budget, into: &units)
        XCTAssertEqual(units, Array(tree.children(of: PrefixTree.root)), "only the free root split happens")
    }
}
