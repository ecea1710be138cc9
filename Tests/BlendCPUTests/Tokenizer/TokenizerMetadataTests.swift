import XCTest
@testable import BlendCPU

/// Building a tokenizer from metadata names what is missing or wrong.
final class TokenizerMetadataTests: XCTestCase {
    private func metadata() -> [String: GGUFValue] {
        var vocabulary = SyntheticVocabulary()
        vocabulary.addMerge("a", "b")
        vocabulary.add("<eos>", type: .control)
        vocabulary.add("<|eot_id|>", type: .control)
        return vocabulary.metadata()
    }

    private func assertThrows(_ metadata: [String: GGUFValue], _ expected: TokenizerError,
                              file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try Tokenizer(metadata: metadata), file: file, line: line) { error in
            XCTAssertEqual(error as? TokenizerError, expected, file: file, line: line)
        }
    }

    func testReadsAWellFormedVocabulary() throws {
        var metadata = metadata()
        metadata[TokenizerMetadataKey.eosID] = .uint32(257)
        let tokenizer = try Tokenizer(metadata: metadata)
        XCTAssertEqual(tokenizer.vocabularySize, 259)
        XCTAssertEqual(tokenizer.eosID, 257)
        XCTAssertNil(tokenizer.bosID)
        XCTAssertEqual(tokenizer.endOfGenerationIDs, [257, 258])
        XCTAssertEqual(tokenizer.encode("ab").map(tokenizer.tokenText), ["ab"])
        XCTAssertEqual(tokenizer.preTokenizer, .gpt2)
    }

    func testMissingKeysAreNamed() {
        for key in [TokenizerMetadataKey.model, TokenizerMetadataKey.tokens, TokenizerMetadataKey.merges] {
            var metadata = metadata()
            metadata[key] = nil
            assertThrows(metadata, .missingKey(key))
        }
        var metadata = metadata()
        metadata[TokenizerMetadataKey.addBOS] = .bool(true)
        assertThrows(metadata, .missingKey(TokenizerMetadataKey.bosID))
    }

    func testUnsupportedModelsAndPreTokenizersListTheSupportedOnes() {
        var metadata = metadata()
        metadata[TokenizerMetadataKey.model] = .string("llama")
        assertThrows(metadata, .unsupportedModel("llama", supported: ["gpt2"]))
        XCTAssertTrue(TokenizerError.unsupportedModel("llama", supported: ["gpt2"]).description.contains("gpt2"))

        metadata = self.metadata()
        metadata[TokenizerMetadataKey.preTokenizer] = .string("qwen2")
        assertThrows(metadata, .unsupportedPreTokenizer("qwen2", supported: PreTokenizer.supportedNames))
        let message = TokenizerError.unsupportedPreTokenizer("qwen2", supported: PreTokenizer.supportedNames).description
        XCTAssertTrue(message.contains("qwen2") && message.contains("smollm") && message.contains("llama-bpe"))
    }

    func testMalformedValuesNameTheirKey() {
        let cases: [(String, GGUFValue)] = [
            (TokenizerMetadataKey.model, .uint32(2)),
            (TokenizerMetadataKey.preTokenizer, .array([])),
            (TokenizerMetadataKey.tokens, .array([.string("a"), .int32(1)])),
            (TokenizerMetadataKey.merges, .string("a b")),
            (TokenizerMetadataKey.merges, .array([.string("ab")])),
            (TokenizerMetadataKey.tokenTypes, .array([.int32(1)])),
            (TokenizerMetadataKey.tokenTypes, .array(Array(repeating: .int32(9), count: 259))),
            (TokenizerMetadataKey.tokenTypes, .string("normal")),
            (TokenizerMetadataKey.bosID, .uint32(259)),
            (TokenizerMetadataKey.eosID, .string("2")),
            (TokenizerMetadataKey.eomID, .int64(1 << 40)),
            (TokenizerMetadataKey.eotID, .uint32(300)),
            (TokenizerMetadataKey.addBOS, .string("yes")),
        ]
        for (key, value) in cases {
            var metadata = metadata()
            metadata[key] = value
            XCTAssertThrowsError(try Tokenizer(metadata: metadata), key) { error in
                guard case .badValue(let named, _)? = error as? TokenizerError else {
                    return XCTFail("\(key): \(error)")
                }
                XCTAssertEqual(named, key)
                XCTAssertTrue("\(error)".contains(key))
            }
        }
    }

    func testOptionalKeysHaveDefaults() throws {
        var metadata = metadata()
        metadata[TokenizerMetadataKey.preTokenizer] = nil
        metadata[TokenizerMetadataKey.tokenTypes] = nil
        let tokenizer = try Tokenizer(metadata: metadata)
        XCTAssertEqual(tokenizer.preTokenizer, .llamaCppDefault)
        XCTAssertEqual(tokenizer.tokenType(257), .normal)
        XCTAssertFalse(tokenizer.addsBOS)

        metadata = self.metadata()
        metadata[TokenizerMetadataKey.preTokenizer] = .string("llama-bpe")
        metadata[TokenizerMetadataKey.bosID] = .int32(257)
        metadata[TokenizerMetadataKey.eotID] = .int32(256)
        metadata[TokenizerMetadataKey.eomID] = .int32(-1)
        let llama = try Tokenizer(metadata: metadata)
        XCTAssertTrue(llama.addsBOS)
        XCTAssertEqual(llama.endOfGenerationIDs, [256, 258])
        metadata[TokenizerMetadataKey.addBOS] = .bool(false)
        XCTAssertFalse(try Tokenizer(metadata: metadata).addsBOS)
    }
}
