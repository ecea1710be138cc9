import XCTest
import BlendCore
@testable import BlendCPU

/// The heap-based BPE gives the same tokens as the naive one on random words.
final class BPEReferenceTests: XCTestCase {
    private func checkSynthetic(seed: UInt64, shuffled: Bool) throws {
        var generator = SeededGenerator(seed: seed)
        let alphabet = ["a", "b", "c", "d"]
        for round in 0..<20 {
            let vocabulary = SyntheticVocabulary.random(alphabet: alphabet, rules: 80, maxLength: 8, shuffled: shuffled,
                                                        using: &generator)
            let tokenizer = try vocabulary.tokenizer()
            let naive = NaiveBPE(tokens: vocabulary.tokens, merges: vocabulary.merges)
            for _ in 0..<200 {
                let length = Int.random(in: 1...40, using: &generator)
                let word = String((0..<length).map { _ in Character(alphabet.randomElement(using: &generator)!) })
                let expected = naive.encode(Array(word.utf8))
                guard tokenizer.encode(word) == expected else {
                    XCTFail("seed \(seed), round \(round), word \(word): \(tokenizer.encode(word)) != \(expected); merges \(vocabulary.merges)")
                    return
                }
            }
        }
    }

    func testMatchesNaiveBPEWithRulesInBuildOrder() throws {
        try checkSynthetic(seed: 11, shuffled: false)
    }

    func testMatchesNaiveBPEWithRulesInRandomOrder() throws {
        try checkSynthetic(seed: 12, shuffled: true)
    }

    func testMatchesNaiveBPEWithTheRealVocabulary() throws {
        let metadata = try SmolLM2Vocabulary.metadata()
        let tokenizer = try SmolLM2Vocabulary.tokenizer()
        let naive = NaiveBPE(tokens: metadata[TokenizerMetadataKey.tokens]!.stringArray!,
                             merges: metadata[TokenizerMetadataKey.merges]!.stringArray!)
        let letters = (0x61...0x7A).map { Character(UnicodeScalar($0)!) } + Array("ETAOINSHR") + Array("éèüößñçåøαβγжщ中文日本語한국")
        let seed: UInt64 = 13
        var generator = SeededGenerator(seed: seed)
        for index in 0..<3000 {
            let length = Int.random(in: 1...(index % 10 == 0 ? 60 : 14), using: &generator)
            let word = (Bool.random(using: &generator) ? " " : "")
                + String((0..<length).map { _ in letters.randomElement(using: &generator)! })
            let expected = naive.encode(Array(word.utf8))
            guard tokenizer.encode(word, parsesSpecialTokens: false) == expected else {
                XCTFail("seed \(seed), word \(index) \(word.debugDescription): \(tokenizer.encode(word)) != \(expected)")
                return
            }
        }
    }

    func testLongRunsMergeLikeTheNaiveBPE() throws {
        var vocabulary = SyntheticVocabulary()
        vocabulary.addMerge("a", "a")
        vocabulary.addMerge("aa", "aa")
        vocabulary.addMerge("aaaa", "a")
        let tokenizer = try vocabulary.tokenizer()
        let naive = NaiveBPE(tokens: vocabulary.tokens, merges: vocabulary.merges)
        for length in [1, 2, 3, 5, 7, 8, 9, 31, 1000] {
            let word = String(repeating: "a", count: length)
            XCTAssertEqual(tokenizer.encode(word), naive.encode(Array(word.utf8)), "length \(length)")
        }
        XCTAssertEqual(tokenizer.encode("aaaaa").map(tokenizer.tokenText), ["aaaaa"])
        XCTAssertEqual(tokenizer.encode("aaaaaa").map(tokenizer.tokenText), ["aaaa", "aa"])
    }
}
