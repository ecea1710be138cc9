import BlendCore

/// The per-step chart `simulate --timeline FILE.svg` and `compare --timeline FILE.svg` write, the
/// papers' Figure 3/10 view: for each run a small panel with the compute time and the memory
/// time of one engine step over simulated time, all panels on the same axes.
enum TimelineChart {
    /// Most points drawn per series; longer timelines are averaged into this many time buckets.
    static let maxPoints = 2000

    /// One run's timeline.
    struct Run {
        /// The panel's heading (`dfs`, `dfs/sequential`).
        var label: String
        /// One entry per plan, as the runner recorded it.
        var timeline: [TimelineEntry]
    }

    /// Per-step compute and memory seconds of `timeline`, averaged over `buckets` equal slices of
    /// simulated time: in each slice, the seconds of the plans overlapping it (in proportion to
    /// the overlap) divided by their steps. Slices no plan covers are left out; so are entries
    /// whose engine did not report that part. Points sit at the slices' centres.
    /// - Complexity: O(entries + buckets).
    static func perStepSeries(_ timeline: [TimelineEntry], buckets: Int = maxPoints)
        -> (compute: [(x: Double, y: Double)], memory: [(x: Double, y: Double)]) {
        let end = timeline.map { $0.start + $0.seconds }.max() ?? 0
        guard end > 0, buckets > 0 else { return ([], []) }
        let width = end / Double(buckets)
        var steps = (compute: [Double](repeating: 0, count: buckets), memory: [Double](repeating: 0, count: buckets))
        var seconds = steps
        for entry in timeline where entry.steps > 0 {
            let first = min(buckets - 1, Int(entry.start / width))
            let last = min(buckets - 1, Int((entry.start + entry.seconds) / width))
            for bucket in first ... last {
                let overlap = entry.seconds > 0
                    ? (min(entry.start + entry.seconds, Double(bucket + 1) * width) - max(entry.start, Double(bucket) * width)) / entry.seconds
                    : 1
                guard overlap > 0 else { continue }
                if let compute = entry.computeSeconds {
                    steps.compute[bucket] += overlap * Double(entry.steps)
                    seconds.compute[bucket] += overlap * compute
                }
                if let memory = entry.memorySeconds {
                    steps.memory[bucket] += overlap * Double(entry.steps)
                    seconds.memory[bucket] += overlap * memory
                }
            }
        }
        func points(_ steps: [Double], _ seconds: [Double]) -> [(x: Double, y: Double)] {
            steps.indices.compactMap { bucket in
                steps[bucket] > 0 ? ((Double(bucket) + 0.5) * width, seconds[bucket] / steps[bucket]) : nil
            }
        }
        return (points(steps.compute, seconds.compute), points(steps.memory, seconds.memory))
    }

    /// The chart as an SVG document: a title, a legend, and one panel per run stacked top to
    /// bottom with a shared time axis and a shared seconds-per-step axis.
    /// - Complexity: O(entries + runs × ``maxPoints``).
    static func svg(title: String, runs: [Run]) -> String {
        let series = runs.map { perStepSeries($0.timeline) }
        let makespans = runs.map { run in run.timeline.map { $0.start + $0.seconds }.max() ?? 0 }
        let largestX = makespans.max() ?? 0
        let largestY = series.flatMap { $0.compute.map(\.y) + $0.memory.map(\.y) }.max() ?? 0
        let xScale = SVGChart.Scale.seconds(upTo: largestX), yScale = SVGChart.Scale.seconds(upTo: largestY)
        let xTicks = SVGChart.ticks(upTo: largestX / xScale.divisor, count: 8).map { $0 * xScale.divisor }
        let yTicks = SVGChart.ticks(upTo: largestY / yScale.divisor, count: 4).map { $0 * yScale.divisor }
        let panelHeight = 130.0, panelGap = 64.0, top = 70.0
        let width = max(820, SVGChart.textWidth(title, size: 14, bold: true) + 32)
        var chart = SVGChart(width: width, height: top + Double(runs.count) * (panelHeight + panelGap) + 10)
        chart.text(title, x: 16, y: 24, size: 14, bold: true)
        let colors = (compute: SVGChart.palette[0], memory: SVGChart.palette[1])
        chart.legend([("compute time per step (GEMMs, prefill attention)", colors.compute),
                      ("memory time per step (weight and KV reads)", colors.memory)], x: 16, y: 46)
        for (index, run) in runs.enumerated() {
            let area = SVGChart.PlotArea(left: 86, top: top + 18 + Double(index) * (panelHeight + panelGap), width: 700,
                                         height: panelHeight, xRange: 0 ... xTicks.last!, yRange: 0 ... yTicks.last!)
            chart.text("\(run.label): makespan \(Output.duration(makespans[index])), \(Output.count(run.timeline.count)) plans",
                       x: area.left, y: area.top - 7, size: 12, bold: true)
            chart.axes(area, xTicks: xTicks, yTicks: yTicks, xScale: xScale, yScale: yScale,
                       xTitle: "simulated time (\(xScale.unit))", yTitle: "\(yScale.unit) per step")
            chart.polyline(series[index].memory.map { (area.px($0.x), area.py($0.y)) }, stroke: colors.memory)
            chart.polyline(series[index].compute.map { (area.px($0.x), area.py($0.y)) }, stroke: colors.compute)
        }
        return chart.document
    }
}
