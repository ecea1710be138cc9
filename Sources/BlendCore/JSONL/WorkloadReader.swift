#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A problem with one input line; the reader records it and goes on with the next line.
public struct LineError: Error, Sendable, Hashable, CustomStringConvertible {
    /// 1-based line number in the input (blank lines count).
    public var line: Int
    /// What is wrong, naming the field (`"prompt" must be an array of token ids, got string`).
    public var message: String
    /// The line's `custom_id` or `id` when it was read before the problem, so that a results file
    /// can still answer the request.
    public var id: String?

    /// Creates a line error.
    /// - Complexity: O(1).
    public init(line: Int, message: String, id: String? = nil) {
        self.line = line
        self.message = message
        self.id = id
    }

    /// `line 12: <message>`.
    public var description: String { "line \(line): \(message)" }
}

/// What ``WorkloadReader`` read: the accepted requests in input order and one error per rejected line.
public struct WorkloadReadResult: Sendable {
    /// The requests of every accepted line, in line order.
    public var workload: Workload
    /// One error per rejected line, in line order.
    public var errors: [LineError]
    /// Number of non-blank lines seen (`workload.count + errors.count`).
    public var lines: Int
    /// The endpoint, model and sampling parameters of each request, indexed like ``workload``
    /// (trace lines get the defaults).
    public var requestOptions: [BatchRequestOptions]

    /// Creates a result; `requestOptions` must hold one entry per request of `workload`.
    /// - Complexity: O(1).
    public init(workload: Workload, errors: [LineError], lines: Int, requestOptions: [BatchRequestOptions]) {
        precondition(requestOptions.count == workload.count, "one BatchRequestOptions per request")
        self.workload = workload
        self.errors = errors
        self.lines = lines
        self.requestOptions = requestOptions
    }
}

/// Reads a JSONL workload, one request per line, in either of two formats detected line by line
/// (see `Docs/formats.md`):
///
/// - trace lines: `{"id": "r1", "prompt": [1, 2, 3], "output_len": 17, "max_tokens": 64}`, or the
///   compact form `{"id": "r1", "prompt_len": 300, "prefix_group": "g", "prefix_len": 200}` whose
///   tokens are made up by ``SyntheticPrompt``;
/// - OpenAI batch lines: `{"custom_id": "r1", "method": "POST", "url": "/v1/completions",
///   "body": {"prompt": [1, 2, 3], "max_tokens": 64}}`; text and chat prompts need a
///   ``PromptTokenizer``. Their endpoint, `model` and sampling fields (`temperature`, `top_p`,
///   `top_k`, `seed`, `stop`) come back in ``WorkloadReadResult/requestOptions``.
///
/// The reader never stops at a bad line: it records a ``LineError`` and goes on. Blank lines are
/// skipped. Input is read in chunks of ``Options/chunkSize`` bytes, so memory beyond the workload
/// itself is one chunk plus the longest line. ``ReaderBenchmark`` measures its speed.
public struct WorkloadReader: Sendable {
    /// Limits and tuning.
    public struct Options: Sendable, Hashable {
        /// The default ``chunkSize``: 8 MiB.
        public static let defaultChunkSize = 8 << 20

        /// When set, token ids must be below it (and compact-form ids are drawn below it; otherwise
        /// below ``SyntheticPrompt/defaultVocabSize``).
        public var vocabSize: Int?
        /// When set, longer prompts are rejected.
        public var maxPromptLength: Int?
        /// Bytes per read; a line longer than this is carried over whole. Only tests need another value.
        public var chunkSize: Int

        /// Creates options; `vocabSize` and `chunkSize` must be positive.
        /// - Complexity: O(1).
        public init(vocabSize: Int? = nil, maxPromptLength: Int? = nil, chunkSize: Int = defaultChunkSize) {
            precondition(vocabSize.map { $0 > 0 && $0 <= Int(Int32.max) + 1 } ?? true, "vocabSize out of range")
            precondition(chunkSize > 0, "chunkSize must be positive")
            self.vocabSize = vocabSize
            self.maxPromptLength = maxPromptLength
            self.chunkSize = chunkSize
        }
    }

    /// Limits and tuning.
    public var options: Options
    /// Encodes text and chat prompts; without one, such lines are errors.
    public var tokenizer: (any PromptTokenizer)?

    /// Creates a reader.
    /// - Complexity: O(1).
    public init(options: Options = Options(), tokenizer: (any PromptTokenizer)? = nil) {
        self.options = options
        self.tokenizer = tokenizer
    }

    /// Reads the JSONL file at `path`. Throws only when the file cannot be opened or read; problems
    /// inside lines are returned in ``WorkloadReadResult/errors``.
    /// - Complexity: O(file size) plus tokenizer time.
    public func read(contentsOfFile path: String) throws -> WorkloadReadResult {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw JSONLFileError(path: path, message: "cannot open: \(systemError())") }
        defer { close(descriptor) }
        return try readChunks { destination in
            while true {
                let received = readBytes(descriptor, destination)
                if received >= 0 { return received }
                if errno != EINTR { throw JSONLFileError(path: path, message: "cannot read: \(systemError())") }
            }
        }
    }

    /// Reads JSONL from bytes in memory.
    /// - Complexity: O(bytes.count) plus tokenizer time.
    public func read(_ bytes: [UInt8]) -> WorkloadReadResult {
        bytes.withUnsafeBytes { read(buffer: $0) }
    }

    /// Reads JSONL from data in memory.
    /// - Complexity: O(data.count) plus tokenizer time.
    public func read(_ data: Data) -> WorkloadReadResult {
        data.withUnsafeBytes { read(buffer: $0) }
    }

    private func read(buffer source: UnsafeRawBufferPointer) -> WorkloadReadResult {
        var offset = 0
        return readChunks { destination in
            let count = min(destination.count, source.count - offset)
            if count > 0 {
                destination.baseAddress!.copyMemory(from: source.baseAddress! + offset, byteCount: count)
            }
            offset += count
            return count
        }
    }

    /// The chunk loop: `fill` writes up to `destination.count` bytes and returns how many (0 at the
    /// end). Complete lines are parsed in place; the partial last line moves to the buffer's front.
    private func readChunks(
        _ fill: (UnsafeMutableRawBufferPointer) throws -> Int
    ) rethrows -> WorkloadReadResult {
        var parser = WorkloadLineParser(options: options, tokenizer: tokenizer)
        let chunkSize = options.chunkSize
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        var carried = 0
        var lineNumber = 1
        while true {
            if buffer.count < carried + chunkSize {
                buffer.append(contentsOf: repeatElement(0, count: carried + chunkSize - buffer.count))
            }
            let received = try buffer.withUnsafeMutableBytes { raw in
                try fill(UnsafeMutableRawBufferPointer(rebasing: raw[carried ..< carried + chunkSize]))
            }
            if received == 0 { break }
            let end = carried + received
            let consumed = buffer.withUnsafeBufferPointer { bytes in
                Self.parseLines(in: bytes, upTo: end, searchingFrom: carried, lineNumber: &lineNumber, into: &parser)
            }
            carried = end - consumed
            if consumed > 0, carried > 0 {
                buffer.withUnsafeMutableBytes { raw in
                    _ = memmove(raw.baseAddress!, raw.baseAddress! + consumed, carried)
                }
            }
        }
        if carried > 0 {
            buffer.withUnsafeBufferPointer { bytes in
                parser.consume(UnsafeBufferPointer(rebasing: bytes[0 ..< carried]), lineNumber: lineNumber)
            }
        }
        return WorkloadReadResult(workload: parser.workload, errors: parser.errors, lines: parser.nonBlankLines,
                                  requestOptions: parser.requestOptions)
    }

    /// Parses every complete line of `bytes[0 ..< end]` (no newline lies before `searchingFrom`)
    /// and returns the offset just past the last newline.
    private static func parseLines(
        in bytes: UnsafeBufferPointer<UInt8>, upTo end: Int, searchingFrom start: Int, lineNumber: inout Int,
        into parser: inout WorkloadLineParser
    ) -> Int {
        let base = UnsafeRawPointer(bytes.baseAddress!)
        var lineStart = 0
        var searchFrom = start
        while searchFrom < end, let newline = memchr(base + searchFrom, 0x0A, end - searchFrom) {
            let newlineOffset = base.distance(to: UnsafeRawPointer(newline))
            parser.consume(UnsafeBufferPointer(rebasing: bytes[lineStart ..< newlineOffset]), lineNumber: lineNumber)
            lineNumber += 1
            lineStart = newlineOffset + 1
            searchFrom = lineStart
        }
        return lineStart
    }

    private func systemError() -> String {
        String(cString: strerror(errno))
    }
}

/// POSIX `read(2)` into `destination` (a free function so that the name is not shadowed by
/// the reader's `read` methods).
private func readBytes(_ descriptor: Int32, _ destination: UnsafeMutableRawBufferPointer) -> Int {
    read(descriptor, destination.baseAddress, destination.count)
}
