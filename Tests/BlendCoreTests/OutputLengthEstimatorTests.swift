import BlendCore
import XCTest

final class OutputLengthEstimatorTests: XCTestCase {
    /// The reference: for an unsampled request r, take the longest prefix L it shares with any
    /// sampled request, climb to the deepest tree node on r's path no deeper than L, and average
    /// the sampled requests that share at least that node's depth with r.
    private func naiveEstimate(_ request: Int, workload: Workload, tree: PrefixTree, samples: [Int: Int], fallback: Int) -> Int {
        if let known = samples[request] { return known }
        guard !samples.isEmpty else { return fallback }
        func lcp(_ a: Int, _ b: Int) -> Int {
            zip(workload.prompt(a), workload.prompt(b)).prefix { $0 == $1 }.count
        }
        let best = samples.keys.map { lcp(request, $0) }.max()!
        var node = tree.parent(of: tree.leaf(of: request))
        while tree.depth(of: node) > best { node = tree.parent(of: node) }
        let depth = tree.depth(of: node)
        let members = samples.filter { lcp(request, $0.key) >= depth }.map(\.value)
        return max(1, Int((Double(members.reduce(0, +)) / Double(members.count)).rounded()))
    }

    func testEstimatesMatchTheNearestSampledSubtreeReference() {
        for seed in 500 ... 540 as ClosedRange<UInt64> {
            var random = SeededGenerator(seed: seed)
            let workload = randomWorkload(requests: Int.random(in: 1 ... 100, using: &random), using: &random, maxOutput: 500)
            let tree = PrefixTree(workload: workload)
            let fraction = [0.0, 0.01, 0.1, 0.3, 1.0].randomElement(using: &random)!
            let chosen = OutputLengthEstimator.chooseSample(requestCount: workload.count, fraction: fraction, using: &random)
            XCTAssertEqual(chosen.count, Int((fraction * Double(workload.count)).rounded(.up)), "seed \(seed)")
            XCTAssertEqual(Set(chosen).count, chosen.count, "seed \(seed)")
            var estimator = OutputLengthEstimator(tree: tree, fallback: 77)
            var samples: [Int: Int] = [:]
            for request in chosen {
                let length = workload.plannedOutputLength(request, fallback: 1)
                estimator.record(request: request, length: length)
                samples[request] = length
            }
            let all = estimator.estimates()
            for request in 0 ..< workload.count {
                let expected = naiveEstimate(request, workload: workload, tree: tree, samples: samples, fallback: 77)
                XCTAssertEqual(estimator.estimate(request), expected, "seed \(seed) request \(request)")
                XCTAssertEqual(Int(all[request]), expected, "seed \(seed) request \(request)")
            }
        }
    }

    func testSiblingThenAncestorFallback() {
        var workload = Workload()
        workload.append(id: "a", prompt: [1, 2, 3], outputLength: 10)
        workload.append(id: "b", prompt: [1, 2, 4], outputLength: 20)
        workload.append(id: "c", prompt: [1, 5], outputLength: 30)
        workload.append(id: "d", prompt: [6], outputLength: 40)
        let tree = PrefixTree(workload: workload)
        var estimator = OutputLengthEstimator(tree: tree, fallback: 5)
        XCTAssertEqual(estimator.estimate(1), 5, "no sample at all: fallback")
        estimator.record(request: 0, length: 10)
        XCTAssertEqual(estimator.estimate(1), 10, "sibling under [1,2]")
        XCTAssertEqual(estimator.estimate(2), 10, "ancestor [1]")
        XCTAssertEqual(estimator.estimate(3), 10, "root")
        estimator.record(request: 3, length: 40)
        XCTAssertEqual(estimator.estimate(1), 10)
        XCTAssertEqual(estimator.estimate(2), 10, "the nearer subtree wins over the root mean")
        estimator.record(request: 0, length: 30)
        XCTAssertEqual(estimator.estimate(1), 30, "re-recording replaces the earlier length")
        XCTAssertEqual(estimator.recordedLength(of: 0), 30)
        XCTAssertNil(estimator.recordedLength(of: 1))
    }

    func testOnlineCorrectionGrowsAndRespectsTheLimit() {
        XCTAssertEqual(OutputLengthEstimator.corrected(generated: 10, maxNewTokens: nil), 20)
        XCTAssertEqual(OutputLengthEstimator.corrected(generated: 0, maxNewTokens: nil), 1)
        XCTAssertEqual(OutputLengthEstimator.corrected(generated: 10, maxNewTokens: 15), 15)
        XCTAssertEqual(OutputLengthEstimator.corrected(generated: 15, maxNewTokens: 15), 15)
    }
}
