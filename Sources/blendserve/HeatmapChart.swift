/// The sensitivity-grid heat map: one cell per (sharing, density) point, coloured by the gain
/// of one policy over another, with the value written in the cell.
enum HeatmapChart {
    /// One grid point.
    struct Cell {
        /// Target compute density of the workload.
        var density: Double
        /// Target prefix sharing ratio.
        var sharing: Double
        /// Throughput gain, `candidate / baseline − 1`.
        var gain: Double
    }

    /// The SVG document: densities down the rows (highest on top), sharing ratios across the
    /// columns; white at no gain, blue for gains and red for losses, saturating at ±50%.
    /// - Complexity: O(cells).
    static func svg(title: String, cells: [Cell]) -> String {
        let densities = Array(Set(cells.map(\.density))).sorted(by: >)
        let sharings = Array(Set(cells.map(\.sharing))).sorted()
        let cellWidth = 90.0, cellHeight = 30.0, left = 110.0, top = 60.0
        let width = max(left + cellWidth * Double(sharings.count) + 30, SVGChart.textWidth(title, size: 14, bold: true) + 24)
        let height = top + cellHeight * Double(densities.count) + 60
        var chart = SVGChart(width: width, height: height)
        chart.text(title, x: 12, y: 24, size: 14, bold: true)
        for cell in cells {
            guard let row = densities.firstIndex(of: cell.density), let column = sharings.firstIndex(of: cell.sharing) else { continue }
            let x = left + cellWidth * Double(column), y = top + cellHeight * Double(row)
            chart.rect(x: x, y: y, width: cellWidth - 2, height: cellHeight - 2, fill: color(cell.gain))
            chart.text(String(format: "%+.1f%%", cell.gain * 100), x: x + cellWidth / 2 - 1, y: y + cellHeight / 2 + 4,
                       size: 11, anchor: .middle)
        }
        for (row, density) in densities.enumerated() {
            chart.text(String(format: "%.2f", density), x: left - 8, y: top + cellHeight * (Double(row) + 0.5) + 4, anchor: .end)
        }
        for (column, sharing) in sharings.enumerated() {
            chart.text(String(format: "%.2f", sharing), x: left + cellWidth * (Double(column) + 0.5) - 1,
                       y: top + cellHeight * Double(densities.count) + 18, anchor: .middle)
        }
        chart.text("compute density", x: 18, y: top + cellHeight * Double(densities.count) / 2, size: 12, anchor: .middle, rotation: -90)
        chart.text("prefix sharing ratio", x: left + cellWidth * Double(sharings.count) / 2, y: height - 14, size: 12, anchor: .middle)
        return chart.document
    }

    /// Blue for gains, red for losses, white at zero; full colour at ±50%.
    static func color(_ gain: Double) -> String {
        let strength = min(abs(gain) / 0.5, 1)
        let fade = Int((1 - strength) * 255)
        let full = gain >= 0 ? (r: 0, g: 114, b: 178) : (r: 213, g: 94, b: 0)
        func mix(_ channel: Int) -> Int { channel + (255 - channel) * fade / 255 }
        return String(format: "#%02x%02x%02x", mix(full.r), mix(full.g), mix(full.b))
    }
}
