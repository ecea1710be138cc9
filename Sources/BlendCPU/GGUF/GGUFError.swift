/// A GGUF file that cannot be read or written, with where and why.
///
/// The description reads like a compiler diagnostic:
/// `model.gguf: at byte 1234: tensor "blk.3.attn_q.weight" has type id 99, which is not a ggml type`.
public struct GGUFError: Error, CustomStringConvertible, Sendable, Hashable {
    /// The file's path, or the name given to an in-memory file.
    public var file: String
    /// The byte offset in the file where the faulty field starts, when the problem has one.
    public var offset: Int?
    /// What is wrong, naming the key, tensor or field.
    public var message: String

    /// Creates an error.
    /// - Complexity: O(1).
    public init(file: String, offset: Int? = nil, message: String) {
        self.file = file
        self.offset = offset
        self.message = message
    }

    /// `file: at byte N: message`, or `file: message` without an offset.
    /// - Complexity: O(length of the message).
    public var description: String {
        if let offset {
            return "\(file): at byte \(offset): \(message)"
        }
        return "\(file): \(message)"
    }
}
