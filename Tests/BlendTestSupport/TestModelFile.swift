import Foundation
import XCTest

/// Where the tests find the default model (SmolLM2-135M-Instruct Q4_1): `$BLENDSERVE_TEST_MODEL`, or
/// `Models/SmolLM2-135M-Instruct.Q4_1.gguf` at the package root, which `Scripts/fetch-model.sh`
/// fills (CI runs it first). Tests that need the model are skipped, with this reason, without it.
public enum TestModelFile {
    /// The default model's file name.
    public static let fileName = "SmolLM2-135M-Instruct.Q4_1.gguf"

    /// The model's path, or an `XCTSkip` that says how to get it.
    public static func path() throws -> String {
        if let given = ProcessInfo.processInfo.environment["BLENDSERVE_TEST_MODEL"], !given.isEmpty {
            return given
        }
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent("Models").appendingPathComponent(fileName).path
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("the default model is not at \(path); run Scripts/fetch-model.sh to fetch it")
        }
        return path
    }
}
