#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a ``Workload`` as JSONL, one request per line, in a format that ``WorkloadReader`` reads
/// back to the same workload (ids, prompts, `max_tokens`, output lengths, order):
///
/// - ``Format/trace``: `{"id":"r1","prompt":[1,2,3],"output_len":17,"max_tokens":64}`, where
///   `output_len` and `max_tokens` appear only when known;
/// - ``Format/openAIBatch``: `{"custom_id":"r1","method":"POST","url":"/v1/completions",
///   "body":{"prompt":[1,2,3],"max_tokens":64}}`; this format has no place for output lengths, so
///   they are not written.
///
/// Integers are formatted straight into a byte buffer that is flushed in large writes.
/// Requests with an empty prompt are written as `"prompt":[]`, which the reader rejects.
public struct WorkloadWriter: Sendable {
    /// A JSONL line format.
    public enum Format: Sendable, Hashable {
        /// Trace lines (`id`, `prompt`, `output_len`, `max_tokens`).
        case trace
        /// OpenAI batch lines for `/v1/completions` with token-array prompts.
        case openAIBatch
    }

    /// The line format.
    public var format: Format
    /// Bytes buffered before each write to a file (default 8 MiB).
    public var flushSize: Int

    /// Creates a writer.
    /// - Complexity: O(1).
    public init(format: Format = .trace, flushSize: Int = 8 << 20) {
        self.format = format
        self.flushSize = max(1, flushSize)
    }

    /// The JSONL bytes of `workload`.
    /// - Complexity: O(total prompt tokens + total id length).
    public func encode(_ workload: Workload) -> [UInt8] {
        let sink = ByteSink(capacity: workload.totalPromptTokens * 7 + workload.count * 64 + 16)
        encode(workload, into: sink) {}
        return sink.bytes
    }

    /// Writes `workload` to the file at `path`, creating or truncating it.
    /// - Complexity: O(total prompt tokens + total id length).
    public func write(_ workload: Workload, toFile path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else {
            throw JSONLFileError(path: path, message: "cannot open for writing: \(String(cString: strerror(errno)))")
        }
        do {
            try write(workload, toFileDescriptor: descriptor)
        } catch let error as JSONLFileError {
            close(descriptor)
            throw JSONLFileError(path: path, message: error.message)
        }
        guard close(descriptor) == 0 else {
            throw JSONLFileError(path: path, message: "cannot close: \(String(cString: strerror(errno)))")
        }
    }

    /// Writes `workload` to an open file descriptor (left open), in writes of about ``flushSize`` bytes.
    /// - Complexity: O(total prompt tokens + total id length).
    public func write(_ workload: Workload, toFileDescriptor descriptor: Int32) throws {
        let sink = ByteSink(capacity: flushSize + 4096)
        var failure: JSONLFileError?
        encode(workload, into: sink) {
            if failure == nil, sink.count >= flushSize {
                failure = sink.flush(to: descriptor)
            }
        }
        if failure == nil { failure = sink.flush(to: descriptor) }
        if let failure { throw failure }
    }

    /// Appends every line to `sink`, calling `afterLine` after each one.
    private func encode(_ workload: Workload, into sink: ByteSink, afterLine: () -> Void) {
        workload.tokens.withUnsafeBufferPointer { tokens in
            for index in 0 ..< workload.count {
                let start = workload.promptOffsets[index]
                let prompt = UnsafeBufferPointer(rebasing: tokens[start ..< workload.promptOffsets[index + 1]])
                let id = workload.ids[index]
                sink.reserve(prompt.count * 12 + id.utf8.count * 6 + 160)
                switch format {
                case .trace:
                    sink.put("{\"id\":")
                    sink.putJSONString(id)
                    sink.put(",\"prompt\":")
                    sink.putTokens(prompt)
                    if workload.outputLengths[index] >= 0 {
                        sink.put(",\"output_len\":")
                        sink.putDecimal(Int(workload.outputLengths[index]))
                    }
                    if workload.maxNewTokens[index] >= 0 {
                        sink.put(",\"max_tokens\":")
                        sink.putDecimal(Int(workload.maxNewTokens[index]))
                    }
                    sink.put("}\n")
                case .openAIBatch:
                    sink.put("{\"custom_id\":")
                    sink.putJSONString(id)
                    sink.put(",\"method\":\"POST\",\"url\":\"/v1/completions\",\"body\":{\"prompt\":")
                    sink.putTokens(prompt)
                    if workload.maxNewTokens[index] >= 0 {
                        sink.put(",\"max_tokens\":")
                        sink.putDecimal(Int(workload.maxNewTokens[index]))
                    }
                    sink.put("}}\n")
                }
                afterLine()
            }
        }
    }
}

/// A growable byte buffer written through a raw pointer: callers ``reserve(_:)`` room for a whole
/// line, then the `put` methods write without capacity checks.
private final class ByteSink {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// Bytes written and not yet flushed.
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// A copy of the bytes written.
    var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

    /// Makes room for `extra` more bytes.
    func reserve(_ extra: Int) {
        guard count + extra > capacity else { return }
        let newCapacity = max(capacity * 2, count + extra)
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.update(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    @inline(__always)
    func put(_ byte: UInt8) {
        base[count] = byte
        count += 1
    }

    func put(_ literal: StaticString) {
        (base + count).update(from: literal.utf8Start, count: literal.utf8CodeUnitCount)
        count += literal.utf8CodeUnitCount
    }

    /// Writes `value` in decimal (at most 20 bytes).
    @inline(__always)
    func putDecimal(_ value: Int) {
        if value < 0 { put(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits = 1
        var bound: UInt = 10
        while magnitude >= bound, digits < 19 {
            digits += 1
            bound &*= 10
        }
        if digits == 19, magnitude >= bound { digits = 20 }
        var cursor = base + count + digits
        repeat {
            cursor -= 1
            cursor.pointee = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10)
            magnitude /= 10
        } while magnitude > 0
        count += digits
    }

    /// Writes `[t0,t1,...]`; the caller reserved 12 bytes per token.
    func putTokens(_ tokens: UnsafeBufferPointer<Int32>) {
        put(UInt8(ascii: "["))
        for (position, token) in tokens.enumerated() {
            if position > 0 { put(UInt8(ascii: ",")) }
            putDecimal(Int(token))
        }
        put(UInt8(ascii: "]"))
    }

    /// Writes `string` as a JSON string literal; the caller reserved `6 * utf8.count + 2` bytes.
    func putJSONString(_ string: String) {
        put(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                put(UInt8(ascii: "\\"))
                put(byte)
            case 0x0A: put("\\n")
            case 0x0D: put("\\r")
            case 0x09: put("\\t")
            case 0x08: put("\\b")
            case 0x0C: put("\\f")
            case 0 ..< 0x20:
                put("\\u00")
                put(hexDigit(byte >> 4))
                put(hexDigit(byte & 0xF))
            default:
                put(byte)
            }
        }
        put(UInt8(ascii: "\""))
    }

    private func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }

    /// Writes the buffered bytes to `descriptor` and empties the buffer; returns the failure, if any.
    func flush(to descriptor: Int32) -> JSONLFileError? {
        var written = 0
        while written < count {
            let result = write(descriptor, base + written, count - written)
            if result < 0 {
                if errno == EINTR { continue }
                return JSONLFileError(
                    path: "file descriptor \(descriptor)", message: "cannot write: \(String(cString: strerror(errno)))")
            }
            written += result
        }
        count = 0
        return nil
    }
}
