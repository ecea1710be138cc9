/// A file-level failure of ``WorkloadReader`` or ``WorkloadWriter``: the file could not be opened,
/// read or written. (Problems inside a line are ``LineError``s instead.)
public struct JSONLFileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file's path.
    public var path: String
    /// What failed, with the system's reason (`cannot open: No such file or directory`).
    public var message: String

    /// Creates an error.
    /// - Complexity: O(1).
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    /// `path: message`.
    public var description: String { "\(path): \(message)" }
}
