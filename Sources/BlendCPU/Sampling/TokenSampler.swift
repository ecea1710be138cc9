import BlendCore
import Foundation

/// Picks the next token from logits: greedy, or seeded temperature / top-k / top-p sampling.
///
/// The random draw is a pure function of the request's seed and the position being sampled, so a
/// request samples the same token wherever it runs, whatever it is batched with, and after a
/// preemption that recomputes it. Engines that sample elsewhere (on a GPU) use ``uniform(seed:position:)``
/// to make the same draw.
public struct TokenSampler {
    private var order: [Int32] = []
    private var weights: [Double] = []

    /// The token to emit.
    /// - Parameters:
    ///   - temperature: 0 for greedy (the highest logit, the lowest id on ties).
    ///   - topK: keep only the `topK` most likely tokens (0 for all).
    ///   - topP: keep the smallest set of most likely tokens whose probability reaches `topP`.
    ///   - seed, position: the draw's inputs.
    /// - Complexity: O(vocabulary) for greedy; O(vocabulary + c log c) otherwise, where c is the
    ///   number of tokens within 30 nats of the most likely one (tokens further down have a
    ///   probability below e⁻³⁰ of the top token's and are never drawn).
    mutating func sample(_ logits: UnsafeBufferPointer<Float>, temperature: Double, topK: Int, topP: Double,
                         seed: UInt64, position: Int) -> Int32 {
        var best = 0
        for i in 1..<logits.count where logits[i] > logits[best] { best = i }
        guard temperature > 0 else { return Int32(best) }
        let top = Double(logits[best]) / temperature
        order.removeAll(keepingCapacity: true)
        for i in 0..<logits.count where Double(logits[i]) / temperature >= top - 30 {
            order.append(Int32(i))
        }
        order.sort { logits[Int($0)] != logits[Int($1)] ? logits[Int($0)] > logits[Int($1)] : $0 < $1 }
        if topK > 0, order.count > topK { order.removeSubrange(topK...) }
        weights.removeAll(keepingCapacity: true)
        var total = 0.0
        for id in order {
            let weight = Foundation.exp(Double(logits[Int(id)]) / temperature - top)
            weights.append(weight)
            total += weight
        }
        if topP < 1 {
            var kept = 0.0, count = 0
            while count < weights.count, kept < topP * total {
                kept += weights[count]
                count += 1
            }
            order.removeSubrange(count...)
            weights.removeSubrange(count...)
            total = kept
        }
        var target = Self.uniform(seed: seed, position: position) * total
        for (i, weight) in weights.enumerated() {
            target -= weight
            if target < 0 { return order[i] }
        }
        return order[order.count - 1]
    }

    /// A uniform number in [0, 1) from the seed and the position: the first draw of the
    /// position's independent sub-stream of the seed.
    /// - Complexity: O(1).
    public static func uniform(seed: UInt64, position: Int) -> Double {
        var generator = SeededGenerator(seed: seed, stream: samplingStream, index: UInt64(truncatingIfNeeded: position))
        return Double(generator.next() >> 11) * 0x1p-53
    }

    /// The sub-stream name of token sampling ("sample" in ASCII).
    private static let samplingStream: UInt64 = 0x73_61_6D_70_6C_65
}
