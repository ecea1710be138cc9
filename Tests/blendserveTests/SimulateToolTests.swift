import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest

/// End-to-end tests of `blendserve simulate` and `blendserve compare` on a small generated
/// workload: the report's keys, that every request finishes, the comparison table, the SVG charts
/// (parsed as XML) and the usage errors.
final class SimulateToolTests: XCTestCase {
    /// Generates a 300-request ShareGPT-like workload and returns its path.
    private func smallWorkload(_ name: String) throws -> String {
        let path = temporaryFile(name)
        let result = try run(["workload", "--preset", "sharegpt", "--requests", "300", "--seed", "5", "-o", path])
        XCTAssertEqual(result.status, 0, result.stderr)
        return path
    }

    /// Parses `path` as XML and returns how many elements of each name it holds.
    private func elementCounts(ofXMLAt path: String) throws -> [String: Int] {
        final class Counter: NSObject, XMLParserDelegate {
            var counts: [String: Int] = [:]
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
                        qualifiedName: String?, attributes: [String: String] = [:]) {
                counts[name, default: 0] += 1
            }
        }
        let parser = try XCTUnwrap(XMLParser(contentsOf: URL(fileURLWithPath: path)))
        let counter = Counter()
        parser.delegate = counter
        XCTAssertTrue(parser.parse(), "\(path): \(parser.parserError.map { "\($0)" } ?? "parse failed")")
        return counter.counts
    }

    func testSimulateJSONHasTheReportKeysAndEveryRequestFinishes() throws {
        let path = try smallWorkload("simulate.jsonl")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try run(["simulate", path, "--policy", "dfs", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let required: Set = ["policy", "requests", "requests_finished", "throughput_tokens_per_s", "output_tokens_per_s",
                             "makespan_seconds", "optimal_seconds", "fraction_of_optimal", "prefix_hit_ratio",
                             "p99_tpot_seconds", "scheduler_seconds_per_step"]
        XCTAssertTrue(required.isSubset(of: object.keys), "missing \(required.subtracting(object.keys))")
        XCTAssertEqual(object["policy"] as? String, "dfs")
        XCTAssertEqual(object["requests"] as? Int, 300)
        XCTAssertEqual(object["requests_finished"] as? Int, 300)
        let makespan = try XCTUnwrap(object["makespan_seconds"] as? Double)
        let tokens = try XCTUnwrap(object["prompt_tokens"] as? Int) + XCTUnwrap(object["output_tokens"] as? Int)
        XCTAssertGreaterThan(makespan, 0)
        XCTAssertEqual(try XCTUnwrap(object["throughput_tokens_per_s"] as? Double), Double(tokens) / makespan, accuracy: 1e-6)
        let optimal = try XCTUnwrap(object["optimal_seconds"] as? Double)
        XCTAssertEqual(try XCTUnwrap(object["fraction_of_optimal"] as? Double), optimal / makespan, accuracy: 1e-9)
    }

    func testSimulateWritesATimelineChartForAnSVGPath() throws {
        let path = try smallWorkload("simulate-timeline.jsonl"), chart = temporaryFile("timeline.svg")
        defer { for file in [path, chart] { try? FileManager.default.removeItem(atPath: file) } }
        let result = try run(["simulate", path, "--policy", "fcfs", "--timeline", chart, "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let counts = try elementCounts(ofXMLAt: chart)
        XCTAssertEqual(counts["svg"], 1)
        XCTAssertEqual(counts["polyline"], 2, "one compute and one memory line")
    }

    func testComparePrintsOneRowPerPolicyAndWritesWellFormedCharts() throws {
        let path = try smallWorkload("compare.jsonl"), plot = temporaryFile("plot.svg"), timeline = temporaryFile("compare-timeline.svg")
        defer { for file in [path, plot, timeline] { try? FileManager.default.removeItem(atPath: file) } }
        let policies = ["fcfs", "dfs", "lpm"]
        let result = try run(["compare", path, "--policies", policies.joined(separator: ","), "--plot", plot,
                              "--timeline", timeline, "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let rows = lines.filter { line in policies.contains { line.hasPrefix($0 + " ") } }
        XCTAssertEqual(rows.map { String($0.prefix { $0 != " " }) }, policies, result.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("policy ") && $0.contains("tokens/s") }, result.stdout)
        XCTAssertEqual(rows[0].split(separator: " ")[2], "1.000", "the first row's ratio to itself")

        let plotCounts = try elementCounts(ofXMLAt: plot)
        XCTAssertEqual(plotCounts["svg"], 1)
        XCTAssertGreaterThanOrEqual(plotCounts["rect", default: 0], policies.count + 1, "a bar per policy and the background")
        let svg = try String(contentsOfFile: plot, encoding: .utf8)
        for policy in policies { XCTAssertTrue(svg.contains(">\(policy)</text>"), policy) }
        XCTAssertEqual(try elementCounts(ofXMLAt: timeline)["polyline"], 2 * policies.count)
    }

    func testCompareJSONRunsEveryPolicyInEveryMode() throws {
        let path = try smallWorkload("compare-modes.jsonl")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try run(["compare", path, "--policies", "dfs,fcfs", "--modes", "sequential,overlapped", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let runs = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(runs.compactMap { $0["label"] as? String },
                       ["dfs/sequential", "dfs/overlapped", "fcfs/sequential", "fcfs/overlapped"])
        XCTAssertEqual(runs.compactMap { $0["mode"] as? String }, ["sequential", "overlapped", "sequential", "overlapped"])
        XCTAssertEqual(runs[0]["ratio_to_first"] as? Double, 1)
        let first = try XCTUnwrap(runs[0]["throughput_tokens_per_s"] as? Double)
        for run in runs {
            XCTAssertEqual(run["requests_finished"] as? Int, 300)
            let throughput = try XCTUnwrap(run["throughput_tokens_per_s"] as? Double)
            XCTAssertEqual(try XCTUnwrap(run["ratio_to_first"] as? Double), throughput / first, accuracy: 1e-12)
        }
        // Overlapping compute and memory can only help: the sequential run of a policy is slower.
        XCTAssertGreaterThan(try XCTUnwrap(runs[1]["throughput_tokens_per_s"] as? Double), first)
        for run in runs {
            let weightAware = try XCTUnwrap(run["weight_aware_optimal_seconds"] as? Double)
            let makespan = try XCTUnwrap(run["makespan_seconds"] as? Double)
            XCTAssertEqual(try XCTUnwrap(run["fraction_of_weight_aware_optimal"] as? Double), weightAware / makespan, accuracy: 1e-12)
        }
    }

    /// A workload whose every line is rejected runs nothing: the fractions of the optima are null,
    /// not a division by a zero makespan that JSON cannot hold.
    func testCompareJSONOfAWorkloadThatRunsNothing() throws {
        let path = temporaryFile("compare-nothing.jsonl")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try #"{"id": "long", "prompt": [\#((1 ... 100).map(String.init).joined(separator: ", "))], "output_len": 5}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        let result = try run(["compare", path, "--policies", "fcfs", "--context", "50", "--json"])
        XCTAssertEqual(result.status, 1, "a rejected line: \(result.stderr)")
        XCTAssertTrue(result.stderr.contains("line 1: prompt has 100 tokens"), result.stderr)
        let runs = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(runs.count, 1)
        XCTAssertTrue(runs[0]["fraction_of_weight_aware_optimal"] is NSNull, "\(runs[0])")
        XCTAssertTrue(runs[0]["fraction_of_optimal"] is NSNull, "\(runs[0])")
    }

    func testBadPoliciesAndModesAreUsageErrors() throws {
        let cases: [[String]] = [
            ["simulate", "x.jsonl", "--policy", "nope"],
            ["compare", "x.jsonl", "--policies", "fcfs,nope,zzz"],
            ["compare", "x.jsonl", "--policies", "fcfs,,dfs"],
            ["compare", "x.jsonl", "--policies", "dfs,dfs"],
            ["compare", "x.jsonl", "--modes", "sequential,warp"],
            ["compare", "x.jsonl", "--mode", "sequential", "--modes", "overlapped"],
            ["compare"],
        ]
        for arguments in cases {
            let result = try run(arguments)
            XCTAssertEqual(result.status, 2, "\(arguments): \(result.stderr)")
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.hasPrefix("error: "), "\(arguments)")
        }
        let unknown = try run(["compare", "x.jsonl", "--policies", "fcfs,nope,zzz"])
        XCTAssertTrue(unknown.stderr.contains("'nope', 'zzz'") && unknown.stderr.contains("policies: fcfs, dfs"), unknown.stderr)
    }

    func testSweepReportsTheGainPerGridPointAndWritesAHeatMap() throws {
        let heatmap = temporaryFile("sweep.svg")
        defer { try? FileManager.default.removeItem(atPath: heatmap) }
        let sweep = try run(["sweep", "--requests", "10000", "--densities", "1.2", "--sharings", "0.25",
                             "--policies", "fcfs,dfs", "--json", "--heatmap", heatmap])
        XCTAssertEqual(sweep.status, 0, sweep.stderr)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(sweep.stdout.utf8)) as? [String: Any])
        let points = try XCTUnwrap(object["points"] as? [[String: Any]])
        XCTAssertEqual(points.count, 1)
        let point = points[0]
        let baseline = try XCTUnwrap(point["baseline_throughput_tokens_per_s"] as? Double)
        let candidate = try XCTUnwrap(point["candidate_throughput_tokens_per_s"] as? Double)
        XCTAssertEqual(try XCTUnwrap(point["gain"] as? Double), candidate / baseline - 1, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(object["average_gain"] as? Double), candidate / baseline - 1, accuracy: 1e-12)
        XCTAssertEqual(try elementCounts(ofXMLAt: heatmap)["rect"], 2, "the background and one grid cell")

        let infeasible = try run(["sweep", "--requests", "2000", "--densities", "1.2", "--sharings", "0.25"])
        XCTAssertEqual(infeasible.status, 1)
        XCTAssertTrue(infeasible.stderr.contains("more than 3% from the target"), infeasible.stderr)
        XCTAssertEqual(try run(["sweep", "--policies", "dfs"]).status, 2)
    }
}
