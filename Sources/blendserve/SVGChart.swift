import Foundation

/// A hand-written SVG document: the few shapes the tool's charts draw (text, lines, rectangles,
/// polylines), plot areas with ticked axes, and a legend. No dependencies; the output is
/// standalone SVG 1.1 that browsers and `rsvg-convert` render.
struct SVGChart {
    /// Width of the canvas in pixels.
    let width: Double
    /// Height of the canvas in pixels.
    let height: Double
    private var elements: [String] = []

    /// Colours the charts pick series and groups from, in order (colour-blind-safe Okabe–Ito).
    static let palette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]

    /// An empty canvas of `width × height` pixels on a white background.
    /// - Complexity: O(1).
    init(width: Double, height: Double) {
        self.width = width
        self.height = height
        rect(x: 0, y: 0, width: width, height: height, fill: "#ffffff")
    }

    /// The document's text.
    /// - Complexity: O(total size of the elements).
    var document: String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Self.number(width))" height="\(Self.number(height))" \
        viewBox="0 0 \(Self.number(width)) \(Self.number(height))" font-family="Helvetica, Arial, sans-serif">
        \(elements.joined(separator: "\n"))
        </svg>

        """
    }

    // MARK: Shapes

    /// Where a text's `x` sits relative to the text.
    enum Anchor: String {
        /// `x` is the text's left edge.
        case start
        /// `x` is the text's centre.
        case middle
        /// `x` is the text's right edge.
        case end
    }

    /// Draws `text` with its baseline at `y`, rotated by `rotation` degrees about `(x, y)`.
    /// - Complexity: O(text length).
    mutating func text(_ text: String, x: Double, y: Double, size: Double = 11, anchor: Anchor = .start,
                       bold: Bool = false, rotation: Double = 0) {
        var attributes = "x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" font-size=\"\(Self.number(size))\""
        if anchor != .start { attributes += " text-anchor=\"\(anchor.rawValue)\"" }
        if bold { attributes += " font-weight=\"bold\"" }
        if rotation != 0 { attributes += " transform=\"rotate(\(Self.number(rotation)) \(Self.number(x)) \(Self.number(y)))\"" }
        elements.append("<text \(attributes) fill=\"#222222\">\(Self.escape(text))</text>")
    }

    /// Draws a one-pixel line segment.
    /// - Complexity: O(1).
    mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String = "#222222") {
        elements.append("<line x1=\"\(Self.number(x1))\" y1=\"\(Self.number(y1))\" x2=\"\(Self.number(x2))\" "
            + "y2=\"\(Self.number(y2))\" stroke=\"\(stroke)\" stroke-width=\"1\"/>")
    }

    /// Draws a filled rectangle.
    /// - Complexity: O(1).
    mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String) {
        elements.append("<rect x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" width=\"\(Self.number(width))\" "
            + "height=\"\(Self.number(height))\" fill=\"\(fill)\"/>")
    }

    /// Draws an open polyline through `points` (pixel coordinates).
    /// - Complexity: O(points).
    mutating func polyline(_ points: [(x: Double, y: Double)], stroke: String) {
        guard !points.isEmpty else { return }
        let coordinates = points.map { "\(Self.number($0.x, decimals: 1)),\(Self.number($0.y, decimals: 1))" }.joined(separator: " ")
        elements.append("<polyline points=\"\(coordinates)\" fill=\"none\" stroke=\"\(stroke)\" "
            + "stroke-width=\"1.2\" stroke-linejoin=\"round\"/>")
    }

    /// Draws a row of legend entries (a colour swatch, then the label) starting at `(x, y)`.
    /// An entry without a colour is a plain note.
    /// - Complexity: O(total label length).
    mutating func legend(_ entries: [(label: String, color: String?)], x: Double, y: Double) {
        var cursor = x
        for entry in entries {
            if let color = entry.color {
                rect(x: cursor, y: y - 9, width: 14, height: 10, fill: color)
                cursor += 19
            }
            text(entry.label, x: cursor, y: y, size: 11)
            cursor += Self.textWidth(entry.label, size: 11) + 18
        }
    }

    /// The width ``legend(_:x:y:)`` takes for `entries`.
    /// - Complexity: O(total label length).
    static func legendWidth(_ entries: [(label: String, color: String?)]) -> Double {
        entries.reduce(0) { $0 + ($1.color == nil ? 0 : 19) + textWidth($1.label, size: 11) + 18 } - 18
    }

    // MARK: Plot areas and axes

    /// A rectangle of the canvas mapped to data ranges: `x` grows right, `y` grows up.
    struct PlotArea {
        /// Left edge in pixels.
        var left: Double
        /// Top edge in pixels.
        var top: Double
        /// Width in pixels.
        var width: Double
        /// Height in pixels.
        var height: Double
        /// The data range along x.
        var xRange: ClosedRange<Double>
        /// The data range along y.
        var yRange: ClosedRange<Double>

        /// The pixel column of data value `x`.
        /// - Complexity: O(1).
        func px(_ x: Double) -> Double {
            left + (x - xRange.lowerBound) / max(xRange.upperBound - xRange.lowerBound, .leastNonzeroMagnitude) * width
        }

        /// The pixel row of data value `y`.
        /// - Complexity: O(1).
        func py(_ y: Double) -> Double {
            top + height - (y - yRange.lowerBound) / max(yRange.upperBound - yRange.lowerBound, .leastNonzeroMagnitude) * height
        }
    }

    /// Draws the frame of `area`: light grid lines and labels at `yTicks` (and at `xTicks` when
    /// given), the axis lines, and the axis titles. Tick labels divide values by the scale's
    /// divisor.
    /// - Complexity: O(ticks).
    mutating func axes(_ area: PlotArea, xTicks: [Double]?, yTicks: [Double], xScale: Scale = .plain,
                       yScale: Scale = .plain, xTitle: String?, yTitle: String) {
        let bottom = area.top + area.height
        let yStep = yTicks.count > 1 ? (yTicks[1] - yTicks[0]) / yScale.divisor : 1
        for tick in yTicks {
            let y = area.py(tick)
            line(x1: area.left, y1: y, x2: area.left + area.width, y2: y, stroke: "#e4e4e4")
            text(Self.tickLabel(tick / yScale.divisor, step: yStep), x: area.left - 6, y: y + 4, size: 10, anchor: .end)
        }
        if let xTicks {
            let xStep = xTicks.count > 1 ? (xTicks[1] - xTicks[0]) / xScale.divisor : 1
            for tick in xTicks {
                let x = area.px(tick)
                line(x1: x, y1: bottom, x2: x, y2: bottom + 4)
                text(Self.tickLabel(tick / xScale.divisor, step: xStep), x: x, y: bottom + 15, size: 10, anchor: .middle)
            }
        }
        line(x1: area.left, y1: area.top, x2: area.left, y2: bottom)
        line(x1: area.left, y1: bottom, x2: area.left + area.width, y2: bottom)
        if let xTitle {
            text(xTitle, x: area.left + area.width / 2, y: bottom + 32, size: 11, anchor: .middle)
        }
        let middle = area.top + area.height / 2
        text(yTitle, x: area.left - 48, y: middle, size: 11, anchor: .middle, rotation: -90)
    }

    /// A unit for tick labels: values are divided by `divisor` and the axis title names `unit`.
    struct Scale {
        /// What values are divided by before printing.
        var divisor: Double
        /// The unit's name for the axis title.
        var unit: String

        /// No scaling.
        static let plain = Scale(divisor: 1, unit: "")

        /// The time unit (µs, ms, s or h) that prints `largest` seconds with one to four digits.
        /// - Complexity: O(1).
        static func seconds(upTo largest: Double) -> Scale {
            switch largest {
            case ..<1e-3: Scale(divisor: 1e-6, unit: "µs")
            case ..<1: Scale(divisor: 1e-3, unit: "ms")
            case ..<10_000: Scale(divisor: 1, unit: "s")
            default: Scale(divisor: 3600, unit: "h")
            }
        }
    }

    /// About `count` evenly spaced round values (steps of 1, 2 or 5 times a power of ten) from 0
    /// to at least `largest`.
    /// - Complexity: O(count).
    static func ticks(upTo largest: Double, count: Int = 5) -> [Double] {
        guard largest > 0, largest.isFinite else { return [0, 1] }
        let rough = largest / Double(max(count, 1))
        let magnitude = pow(10, (log10(rough)).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
        let last = (largest / step).rounded(.up)
        return (0 ... Int(last)).map { Double($0) * step }
    }

    /// A tick label with as many decimals as the tick spacing `step` needs, and thousands
    /// separators for large whole numbers.
    /// - Complexity: O(digits).
    static func tickLabel(_ value: Double, step: Double) -> String {
        let decimals = step > 0 ? max(0, Int((-log10(step)).rounded(.up))) : 0
        if decimals == 0 { return Output.count(Int(value.rounded())) }
        return String(format: "%.\(decimals)f", value)
    }

    // MARK: Helpers

    /// An approximate rendered width of `text` at font `size` (for layout; sans-serif averages
    /// about 0.56 em per character, 0.62 in bold).
    /// - Complexity: O(text length).
    static func textWidth(_ text: String, size: Double, bold: Bool = false) -> Double {
        Double(text.count) * size * (bold ? 0.62 : 0.56)
    }

    /// `text` with the five XML special characters escaped.
    /// - Complexity: O(text length).
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// A coordinate with at most `decimals` decimals and no trailing zeros.
    /// - Complexity: O(1).
    static func number(_ value: Double, decimals: Int = 2) -> String {
        let scale = pow(10, Double(decimals))
        let rounded = (value * scale).rounded() / scale
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        var text = String(format: "%.\(decimals)f", rounded)
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }
}
