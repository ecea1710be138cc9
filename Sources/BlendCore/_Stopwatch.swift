/// Measures elapsed wall time in seconds with the monotonic clock.
package struct Stopwatch {
    private let clock = ContinuousClock()
    private var start: ContinuousClock.Instant

    /// Starts measuring now.
    package init() { start = clock.now }

    /// Seconds since the start or the previous lap, and restarts.
    package mutating func lap() -> Double {
        let now = clock.now
        let elapsed = now - start
        start = now
        return elapsed.seconds
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    /// - Complexity: O(1).
    package var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}
