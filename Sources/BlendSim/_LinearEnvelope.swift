/// A line `intercept + slope · k` over the step index `k`.
struct _Line: Sendable, Hashable {
    var intercept: Double
    var slope: Double

    @inline(__always)
    func value(at k: Double) -> Double { intercept + slope * k }

    /// `Σ_{k=lo}^{hi−1} (intercept + slope·k)`.
    @inline(__always)
    func sum(from lo: Int, to hi: Int) -> Double {
        let count = Double(hi - lo)
        return count * intercept + slope * Double(lo + hi - 1) * count / 2
    }
}

/// Closed-form sums of the upper envelope of a few lines over integer steps.
enum _LinearEnvelope {
    /// `Σ_{k=0}^{n−1} max_j lines[j](k)`.
    ///
    /// Each pair of lines changes order at most once; cutting `0 ..< n` after the last integer
    /// at or before each crossing leaves ranges on which one line is the maximum throughout,
    /// and each range sums in closed form.
    /// - Complexity: O(m² log m) for `m` lines (m ≤ 3 here), independent of `n`.
    static func sumOfMaximum(_ lines: [_Line], count n: Int) -> Double {
        guard n > 0, !lines.isEmpty else { return 0 }
        if lines.count == 1 { return lines[0].sum(from: 0, to: n) }
        var cuts = [0, n]
        for i in lines.indices {
            for j in lines.indices where j > i {
                let dSlope = lines[i].slope - lines[j].slope
                guard dSlope != 0 else { continue }
                let x = (lines[j].intercept - lines[i].intercept) / dSlope
                guard x.isFinite, x > -1, x < Double(n) else { continue }
                let cut = Int(x.rounded(.down)) + 1
                if cut > 0 && cut < n { cuts.append(cut) }
            }
        }
        cuts.sort()
        var total = 0.0
        for index in 0 ..< cuts.count - 1 {
            let lo = cuts[index], hi = cuts[index + 1]
            guard hi > lo else { continue }
            // No two lines cross strictly inside the range, so the line highest at its middle
            // is highest (or tied) at every integer of it.
            let middle = Double(lo + hi - 1) / 2
            var best = lines[0]
            for line in lines.dropFirst() where line.value(at: middle) > best.value(at: middle) {
                best = line
            }
            total += best.sum(from: lo, to: hi)
        }
        return total
    }
}
