import Foundation

/// The progress of a batch job on standard error: when standard error is a terminal, one line
/// redrawn in place, `123/256 requests · 812 tokens/s · ETA 0:42`, at most ``interval`` apart, and
/// a newline at the end; otherwise nothing (logs get the final summary only).
final class ProgressLine {
    /// Fewest seconds between two redraws.
    static let interval = 0.25

    private let total: Int
    private let enabled: Bool
    private let start = Date()
    private var lastDraw: Date?
    private var done = 0
    private var completionTokens = 0

    /// A progress line for `total` requests, drawn only when `enabled` (pass
    /// ``standardErrorIsTerminal`` unless told to be quiet).
    /// - Complexity: O(1).
    init(total: Int, enabled: Bool) {
        self.total = total
        self.enabled = enabled
    }

    /// Whether standard error is a terminal.
    static var standardErrorIsTerminal: Bool { isatty(STDERR_FILENO) != 0 }

    /// Records one more ended request that generated `tokens` tokens and redraws the line when the
    /// last redraw is at least ``interval`` old.
    /// - Complexity: O(1).
    func requestEnded(tokens: Int) {
        done += 1
        completionTokens += tokens
        guard enabled else { return }
        let now = Date()
        if let lastDraw, now.timeIntervalSince(lastDraw) < Self.interval { return }
        lastDraw = now
        draw(at: now)
    }

    /// Draws the final state and ends the line (when enabled and anything was drawn or done).
    /// - Complexity: O(1).
    func finish() {
        guard enabled, total > 0 else { return }
        draw(at: Date())
        FileHandle.standardError.write(Data("\n".utf8))
    }

    /// Erases the line (when enabled), so that other output can be printed on the terminal; the
    /// next redraw brings it back.
    /// - Complexity: O(1).
    func clear() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        lastDraw = nil
    }

    private func draw(at now: Date) {
        let elapsed = now.timeIntervalSince(start)
        let text = Self.text(done: done, total: total, completionTokens: completionTokens, elapsedSeconds: elapsed)
        FileHandle.standardError.write(Data("\r\(text)\u{1B}[K".utf8))
    }

    /// The line's text: requests ended of the total, generated tokens per second so far, and the
    /// time left at the rate so far (`ETA -:--` before the first request ends).
    /// - Complexity: O(1).
    static func text(done: Int, total: Int, completionTokens: Int, elapsedSeconds: Double) -> String {
        let rate = elapsedSeconds > 0 ? Double(completionTokens) / elapsedSeconds : 0
        var eta = "-:--"
        if done > 0, elapsedSeconds > 0 {
            eta = clock(seconds: elapsedSeconds / Double(done) * Double(total - done))
        }
        return "\(done)/\(total) requests · \(Output.count(Int(rate.rounded()))) tokens/s · ETA \(eta)"
    }

    /// `m:ss` below an hour, `h:mm:ss` above.
    /// - Complexity: O(1).
    static func clock(seconds: Double) -> String {
        let whole = Int(min(seconds, 1e9).rounded())
        let (hours, minutes, rest) = (whole / 3600, whole / 60 % 60, whole % 60)
        return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, rest) : String(format: "%d:%02d", minutes, rest)
    }
}
