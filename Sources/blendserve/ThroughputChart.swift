/// The bar chart `compare --plot` writes: throughput per run, each bar annotated with the
/// fraction of the optimal time T_o it reached, bars coloured by execution mode.
enum ThroughputChart {
    /// One bar.
    struct Bar {
        /// The run's label under the bar (`dfs`, `dfs/sequential`).
        var label: String
        /// Throughput in tokens per second: (prompt + output tokens) / makespan.
        var throughput: Double
        /// `T_o / makespan`, when known.
        var fractionOfOptimal: Double?
        /// The execution mode, which picks the bar's colour and legend entry.
        var mode: String
    }

    /// The chart as an SVG document.
    /// - Parameters:
    ///   - title: the heading (the workload, model and GPU).
    ///   - bars: the runs, left to right.
    /// - Complexity: O(bars).
    static func svg(title: String, bars: [Bar]) -> String {
        let modes = bars.map(\.mode).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let colors = Dictionary(uniqueKeysWithValues: modes.enumerated().map { ($1, SVGChart.palette[$0 % SVGChart.palette.count]) })
        let legend = modes.map { ("throughput, \($0) mode", colors[$0]) } + [("label above bar: fraction of optimal time T_o", nil)]
        let left = 86.0, top = 78.0, plotHeight = 280.0
        let width = max(left + 24 + 84 * Double(bars.count), left + 24 + 360,
                        SVGChart.textWidth(title, size: 14, bold: true) + 32, SVGChart.legendWidth(legend) + 32)
        let slot = (width - left - 24) / Double(max(bars.count, 1))
        let longestLabel = bars.map { SVGChart.textWidth($0.label, size: 11) }.max() ?? 0
        let rotated = longestLabel > slot - 10
        let ticks = SVGChart.ticks(upTo: 1.12 * (bars.map(\.throughput).max() ?? 0), count: 6)
        let area = SVGChart.PlotArea(left: left, top: top, width: width - left - 24, height: plotHeight,
                                     xRange: 0 ... Double(max(bars.count, 1)), yRange: 0 ... ticks.last!)
        var chart = SVGChart(width: width, height: top + plotHeight + (rotated ? 34 + longestLabel * 0.58 : 40))
        chart.text(title, x: 16, y: 24, size: 14, bold: true)
        chart.legend(legend, x: 16, y: 48)

        chart.axes(area, xTicks: nil, yTicks: ticks, xTitle: nil, yTitle: "throughput (prompt + output tokens/s)")
        let bottom = area.top + area.height
        for (index, bar) in bars.enumerated() {
            let center = area.px(Double(index) + 0.5)
            let barTop = area.py(bar.throughput)
            let barWidth = min(0.6 * slot, 56)
            chart.rect(x: center - barWidth / 2, y: barTop, width: barWidth, height: bottom - barTop, fill: colors[bar.mode]!)
            let annotation = bar.fractionOfOptimal.map { String(format: "%.1f%%", $0 * 100) } ?? "-"
            chart.text(annotation, x: center, y: barTop - 5, size: 11, anchor: .middle, bold: true)
            if rotated {
                chart.text(bar.label, x: center + 4, y: bottom + 14, size: 11, anchor: .end, rotation: -35)
            } else {
                chart.text(bar.label, x: center, y: bottom + 16, size: 11, anchor: .middle)
            }
        }
        return chart.document
    }
}
