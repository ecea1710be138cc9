/// A deterministic pseudo-random generator: xoshiro256** (Blackman and Vigna, 2018) whose state is
/// filled by SplitMix64, so every 64-bit seed, 0 included, starts from a well-mixed state.
///
/// Only wrapping integer arithmetic is involved, so a seed yields the same sequence on every
/// platform and with every compiler. Workload synthesis uses it everywhere instead of
/// `SystemRandomNumberGenerator`; the same seed therefore gives a byte-identical workload.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Hashable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// Creates a generator from a seed.
    /// - Complexity: O(1).
    public init(seed: UInt64) {
        var state = seed
        s0 = Self.splitMix(&state)
        s1 = Self.splitMix(&state)
        s2 = Self.splitMix(&state)
        s3 = Self.splitMix(&state)
    }

    /// Creates the generator of an independent sub-stream: `stream` names a purpose (for example
    /// one trace component's lengths) and `index` an item within it (for example one request).
    /// Sub-streams with different `(stream, index)` pairs are statistically independent, and a
    /// sub-stream does not depend on how many other sub-streams are used.
    /// - Complexity: O(1).
    public init(seed: UInt64, stream: UInt64, index: UInt64) {
        self.init(seed: Self.mix(Self.mix(seed ^ Self.mix(stream &+ 0x9E37_79B9_7F4A_7C15)) &+ index))
    }

    /// The next 64 random bits.
    /// - Complexity: O(1).
    public mutating func next() -> UInt64 {
        let result = Self.rotateLeft(s1 &* 5, by: 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = Self.rotateLeft(s3, by: 45)
        return result
    }

    private static func rotateLeft(_ x: UInt64, by k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }

    /// One SplitMix64 step: advances `state` by the golden-ratio increment and returns its mix.
    private static func splitMix(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return mix(state)
    }

    /// The SplitMix64 finaliser (a bijective 64-bit mix); also the hash behind the compact
    /// trace form's synthetic tokens.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
