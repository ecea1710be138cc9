import BlendCore
import Foundation
import XCTest
@testable import BlendCPU

/// The sampler against the distribution it promises: softmax of the logits over the temperature,
/// cut to the top k and to the nucleus of probability top p, drawn from a seed and a position.
final class TokenSamplerTests: XCTestCase {
    func testGreedyPicksTheHighestLogitAndTheLowestIdOnTies() {
        var sampler = TokenSampler()
        let logits: [Float] = [0.5, 2, -1, 2, 1.9]
        XCTAssertEqual(logits.withUnsafeBufferPointer { sampler.sample($0, temperature: 0, topK: 0, topP: 1, seed: 1, position: 0) }, 1)
    }

    func testDrawsFollowTheTruncatedSoftmax() {
        var generator = SeededGenerator(seed: 42)
        var sampler = TokenSampler()
        for (temperature, topK, topP) in [(1.0, 0, 1.0), (0.7, 0, 0.8), (1.3, 5, 1.0), (1.0, 4, 0.6)] {
            let logits = (0..<12).map { _ in Float.random(in: -2...2, using: &generator) }
            let expected = Self.expectedDistribution(logits, temperature: temperature, topK: topK, topP: topP)
            var counts = [Int](repeating: 0, count: logits.count)
            let draws = 20_000
            for position in 0..<draws {
                let token = logits.withUnsafeBufferPointer {
                    sampler.sample($0, temperature: temperature, topK: topK, topP: topP, seed: 9, position: position)
                }
                counts[Int(token)] += 1
            }
            for (token, probability) in expected.enumerated() {
                let observed = Double(counts[token]) / Double(draws)
                if probability == 0 {
                    XCTAssertEqual(counts[token], 0, "T \(temperature) k \(topK) p \(topP): token \(token) is outside the cut")
                } else {
                    // Five standard deviations of a binomial proportion.
                    let sigma = (probability * (1 - probability) / Double(draws)).squareRoot()
                    XCTAssertEqual(observed, probability, accuracy: 5 * sigma + 1e-9, "T \(temperature) k \(topK) p \(topP): token \(token)")
                }
            }
        }
    }

    func testADrawDependsOnlyOnSeedAndPosition() {
        var first = TokenSampler(), second = TokenSampler()
        let logits: [Float] = (0..<50).map { Float($0 % 7) * 0.3 }
        let a = (0..<200).map { p in logits.withUnsafeBufferPointer { first.sample($0, temperature: 1, topK: 0, topP: 0.9, seed: 5, position: p) } }
        let b = (0..<200).reversed().map { p in logits.withUnsafeBufferPointer { second.sample($0, temperature: 1, topK: 0, topP: 0.9, seed: 5, position: p) } }
        XCTAssertEqual(a, b.reversed())
        let other = (0..<200).map { p in logits.withUnsafeBufferPointer { first.sample($0, temperature: 1, topK: 0, topP: 0.9, seed: 6, position: p) } }
        XCTAssertNotEqual(a, other)
    }

    /// The probabilities a draw should follow, computed the slow way: sort every token by logit,
    /// keep the top k, then the smallest prefix whose softmax mass reaches p, and renormalise.
    static func expectedDistribution(_ logits: [Float], temperature: Double, topK: Int, topP: Double) -> [Double] {
        var order = logits.indices.sorted { logits[$0] != logits[$1] ? logits[$0] > logits[$1] : $0 < $1 }
        if topK > 0 { order = Array(order.prefix(topK)) }
        let weights = order.map { Foundation.exp(Double(logits[$0]) / temperature) }
        let total = weights.reduce(0, +)
        var kept = 0, mass = 0.0
        while kept < order.count, mass < topP * total {
            mass += weights[kept]
            kept += 1
        }
        var result = [Double](repeating: 0, count: logits.count)
        for i in 0..<kept { result[order[i]] = weights[i] / mass }
        return result
    }
}
