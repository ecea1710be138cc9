import Foundation

/// A distribution of integer lengths (prompt tails, output lengths, video frame counts).
public enum LengthDistribution: Sendable, Hashable {
    /// Every integer of the range equally likely (the range's width must fit in `Int`).
    case uniform(ClosedRange<Int>)
    /// A log-normal variable with mean `mean` and coefficient of variation `cv` (standard
    /// deviation over mean), rounded to the nearest integer and clamped to `range`. `mean` and
    /// `cv` describe the continuous variable before rounding and clamping: with `σ² = ln(1 + cv²)`
    /// and `μ = ln(mean) − σ²/2` the variable is `exp(μ + σ·Z)`, `Z` standard normal (Box–Muller).
    /// The transform uses the C library's `log`, `exp` and `cos`, so draws agree across platforms
    /// wherever those agree to the last bit (a last-bit difference changes a rounded length only
    /// when the value lies within an ulp of a half-integer).
    case logNormal(mean: Double, cv: Double, range: ClosedRange<Int>)

    /// Draws one length.
    /// - Complexity: O(1); the log-normal case consumes two draws of `generator`, the uniform
    ///   case one.
    public func sample<G: RandomNumberGenerator>(using generator: inout G) -> Int {
        switch self {
        case .uniform(let range):
            let width = UInt64(range.upperBound - range.lowerBound) + 1
            return range.lowerBound + Int(generator.nextBelow(width))
        case .logNormal(let mean, let cv, let range):
            let sigmaSquared = Foundation.log(1 + cv * cv)
            let mu = Foundation.log(mean) - sigmaSquared / 2
            let value = Foundation.exp(mu + sigmaSquared.squareRoot() * generator.nextStandardNormal())
            guard value < Double(range.upperBound) else { return range.upperBound }
            return max(range.lowerBound, Int(value.rounded()))
        }
    }
}
