import Foundation

extension RandomNumberGenerator {
    /// A uniform double in `[0, 1)` from the top 53 bits of one draw.
    /// - Complexity: O(1).
    mutating func nextUnitInterval() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A uniform integer in `0 ..< bound` (`bound > 0`) by the multiply-high method: the high word
    /// of `draw × bound`. Its bias is below `bound / 2^64`, and unlike the standard library's
    /// `random(in:using:)` its result is fixed by this code, not by the library version.
    /// - Complexity: O(1).
    mutating func nextBelow(_ bound: UInt64) -> UInt64 {
        next().multipliedFullWidth(by: bound).high
    }

    /// A standard normal variate by the Box–Muller transform (the cosine branch only, so each
    /// call consumes exactly two draws and a stream stays aligned however it is used).
    /// - Complexity: O(1).
    mutating func nextStandardNormal() -> Double {
        let radius = (-2 * Foundation.log(1 - nextUnitInterval())).squareRoot()
        return radius * Foundation.cos(2 * Double.pi * nextUnitInterval())
    }
}
