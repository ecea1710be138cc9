import BlendTestSupport
import XCTest
@testable import BlendCPU

/// The default model's tokenizer metadata and tokenizer, read once for all tests (or the reason
/// the tests that need them are skipped).
enum SmolLM2Vocabulary {
    private static let loaded: Result<[String: GGUFValue], any Error> = Result {
        try GGUFFile(path: TestModelFile.path()).metadata
    }
    private static let built: Result<Tokenizer, any Error> = Result { try Tokenizer(metadata: loaded.get()) }

    /// The model's metadata.
    static func metadata() throws -> [String: GGUFValue] { try loaded.get() }

    /// The model's tokenizer.
    static func tokenizer() throws -> Tokenizer { try built.get() }

    /// A tokenizer over the same vocabulary with another `tokenizer.ggml.pre`.
    static func tokenizer(pre: String) throws -> Tokenizer {
        var metadata = try loaded.get()
        metadata[TokenizerMetadataKey.preTokenizer] = .string(pre)
        return try Tokenizer(metadata: metadata)
    }
}
