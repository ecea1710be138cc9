/// Deterministic token ids for the compact trace form
/// `{"id": ..., "prompt_len": N, "prefix_group": "g", "prefix_len": K, ...}`.
///
/// A compact line stands for a prompt of `N` tokens whose first `K` are the shared prefix of group
/// `g` and whose last `N - K` are unique to the request:
/// - prefix token `p` (`0 <= p < K`) is `mix(hash(g) + p) % vocabSize`, so every request of a group
///   starts with the same tokens, and two requests of one group with prefix lengths `K1 <= K2` share
///   their first `K1` tokens;
/// - the unique tail starts with `index % vocabSize` and `(index / vocabSize) % vocabSize`, where
///   `index` is the request's position in the workload, so tails of at least two tokens never
///   collide while fewer than `vocabSize²` requests are read; the rest of the tail is a `mix` hash
///   of `index` and the position, modulo `vocabSize`.
///
/// `mix(x)` is SplitMix64's output function applied to `x` plus the golden-ratio increment, and
/// `hash(g)` is `mix` of the 64-bit FNV-1a of the name's UTF-8 bytes.
/// All ids are in `0 ..< vocabSize`.
public enum SyntheticPrompt {
    /// The vocabulary size used when the reader was given none.
    public static let defaultVocabSize = 32_000

    /// Appends the `length` tokens of a compact prompt to `tokens`.
    ///
    /// - Parameters:
    ///   - group: the prefix group name; ignored when `prefixLength` is 0.
    ///   - prefixLength: how many leading tokens come from the group (`0 ... length`).
    ///   - length: the prompt length.
    ///   - requestIndex: the request's index in its workload (makes the tail unique).
    ///   - vocabSize: exclusive upper bound of the ids (at least 1).
    /// - Complexity: O(length + group name length).
    public static func append(
        group: String, prefixLength: Int, length: Int, requestIndex: Int, vocabSize: Int,
        to tokens: inout [Int32]
    ) {
        precondition(0 <= prefixLength && prefixLength <= length && vocabSize > 0)
        let vocab = UInt64(vocabSize)
        tokens.reserveCapacity(tokens.count + length)
        let groupSeed = groupHash(group)
        for position in 0 ..< prefixLength {
            tokens.append(Int32(truncatingIfNeeded: mix(groupSeed &+ UInt64(position)) % vocab))
        }
        let index = UInt64(requestIndex)
        let tailSeed = mix(index ^ 0x5851_F42D_4C95_7F2D)
        for position in 0 ..< length - prefixLength {
            let token: UInt64
            switch position {
            case 0: token = index % vocab
            case 1: token = (index / vocab) % vocab
            default: token = mix(tailSeed &+ UInt64(position)) % vocab
            }
            tokens.append(Int32(truncatingIfNeeded: token))
        }
    }

    /// `mix` of the 64-bit FNV-1a of the name's UTF-8 bytes.
    private static func groupHash(_ group: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in group.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return mix(hash)
    }

    /// The SplitMix64 output function applied to `x` advanced by one golden-ratio step.
    private static func mix(_ x: UInt64) -> UInt64 {
        SeededGenerator.mix(x &+ 0x9E37_79B9_7F4A_7C15)
    }
}
