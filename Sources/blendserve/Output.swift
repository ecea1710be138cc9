import Foundation

/// Writing to standard output and standard error without buffering surprises.
enum Output {
    /// Writes `text` and a newline to standard error.
    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Serialises `object` (a dictionary or an array of them) as pretty JSON with sorted keys on
    /// standard output.
    static func json(_ object: Any) throws {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        print(String(decoding: data, as: UTF8.self))
    }

    /// Writes `text` to the file at `path`, replacing it.
    /// - Throws: ``CommandFailure`` naming the path when the file cannot be written.
    /// - Complexity: O(text length).
    static func write(_ text: String, to path: String) throws {
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw CommandFailure(description: "cannot write \(path): \(error.localizedDescription)")
        }
    }

    /// Formats seconds for people: `812 µs`, `41.3 ms`, `7.20 s`, `3.1 h`.
    static func duration(_ seconds: Double) -> String {
        switch seconds {
        case ..<1e-3: return String(format: "%.0f µs", seconds * 1e6)
        case ..<1: return String(format: "%.1f ms", seconds * 1e3)
        case ..<3600: return String(format: "%.2f s", seconds)
        default: return String(format: "%.2f h", seconds / 3600)
        }
    }

    /// Formats an integer with thousands separators: `1,234,567`.
    static func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        return (value < 0 ? "-" : "") + grouped
    }

    /// Prints a table: the header, then the rows, each column padded to its widest cell; the
    /// first column is aligned left, the others right.
    /// - Complexity: O(total cell length).
    static func columns(header: [String], rows: [[String]]) {
        let table = [header] + rows
        let widths = header.indices.map { column in table.map { $0[column].count }.max()! }
        for row in table {
            let cells = row.indices.map { column in
                let padding = String(repeating: " ", count: widths[column] - row[column].count)
                return column == 0 ? row[column] + padding : padding + row[column]
            }
            print(cells.joined(separator: "  "))
        }
    }

    /// Prints rows of `label: value` with the labels padded to one width.
    static func table(_ rows: [(String, String)]) {
        let width = rows.map(\.0.count).max() ?? 0
        for (label, value) in rows {
            print(label.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value)
        }
    }
}
