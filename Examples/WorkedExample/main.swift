// The worked example of Docs/concepts.md: a dozen requests of three kinds go through
// BlendServe's preprocessing (prefix tree, densities, layer sort, node splitting) and the dual
// scanner's memory partition. Run it with `swift run worked-example`.
import BlendCore
import Foundation

let cost = CostModel(model: .llama31_8B, hardware: .a100_80GB)
var workload = Workload()
let quizHeader = (0 ..< 600).map { Int32(1000 + $0) }
for index in 0 ..< 6 {
    workload.append(id: "quiz\(index)", prompt: [1] + quizHeader + (0 ..< 99).map { Int32(5000 + 100 * index + $0) }, outputLength: 2)
}
let chatSystem = (0 ..< 20).map { Int32(2000 + $0) }
for index in 0 ..< 4 {
    workload.append(id: "chat\(index)", prompt: [2] + chatSystem + (0 ..< 229).map { Int32(9000 + 300 * index + $0) }, outputLength: 300)
}
for index in 0 ..< 2 {
    workload.append(id: "video\(index)", prompt: [3] + (0 ..< 119).map { Int32(20000 + 200 * index + $0) }, outputLength: 2048)
}

func show(_ label: String, _ totals: ResourceTotals) {
    print(String(format: "%@ requests %2d  prompt %5d  unique %5d  output %6d  T_comp %7.2f ms  (1-s)T_comp %7.2f ms  T_mem %9.2f ms  density %8.3f",
                 label.padding(toLength: 8, withPad: " ", startingAt: 0), totals.requests, totals.promptTokens,
                 totals.uniquePromptTokens, totals.outputTokens, cost.computeSeconds(totals) * 1e3,
                 cost.sharedComputeSeconds(totals) * 1e3, cost.memorySeconds(totals) * 1e3, cost.density(totals)))
}

var tree = PrefixTree(workload: workload)
let outputs = (0 ..< workload.count).map { Int32(workload.plannedOutputLength($0, fallback: 1)) }
let aggregates = TreeAggregates(tree: tree, outputLengths: outputs, costModel: cost)
print("1. Prefix tree: \(tree.nodeCount) nodes, \(tree.uniquePromptTokens) unique prompt tokens of \(workload.totalPromptTokens)")
show("root", aggregates.totals[Int(PrefixTree.root)])
for (child, name) in zip(tree.children(of: PrefixTree.root), ["quiz", "chat", "video"]) {
    show(name, aggregates.totals[Int(child)])
}

let plan = ScanPlanner.plan(tree: &tree, aggregates: aggregates)
print("\n2. Scan order after layer sort and node splitting (splits: \(plan.splits), loop iterations: \(plan.iterations), stop: \(plan.stop.rawValue)):")
for unit in plan.order.units {
    let ids = plan.order.requests[unit.range].map { workload.ids[Int($0)] }.joined(separator: " ")
    print(String(format: "   density %8.3f  %@", unit.density, ids))
}

let kvPool = 60e9
var scanner = DualScanner(scanOrder: plan.order, costModel: cost, memory: kvPool,
                          rootDensity: cost.density(aggregates.totals[Int(PrefixTree.root)]))
let budgets = scanner.budgets()
print(String(format: "\n3. Dual scanner over a 60 GB KV pool, target density %.3f:", scanner.rootDensity))
for (side, budget) in [("left ", budgets.left), ("right", budgets.right)] {
    print(String(format: "   %@ unit density %8.3f  memory %6.2f GB  decode requests %8.1f  prefill tokens/step %8.1f",
                 side, budget.density, budget.memory / 1e9, budget.decodeRequests, budget.prefillTokens))
}
let first = [scanner.popLeft(), scanner.popRight()].compactMap { $0 }.map { workload.ids[Int($0)] }
print("   first admissions: \(first.joined(separator: ", "))")

let figure6 = DualScanner.partition(memory: 60, rootDensity: 1.27, leftDensity: 3.73, rightDensity: 0.096)
print(String(format: "\n4. Figure 6 of the paper: M_L = %.2f GB, M_R = %.2f GB", figure6.left, figure6.right))
