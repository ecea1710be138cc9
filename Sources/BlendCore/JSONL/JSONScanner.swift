/// The kind of a JSON value, as told by its first byte.
public enum JSONValueKind: Sendable, Hashable, CustomStringConvertible {
    /// `{...}`
    case object
    /// `[...]`
    case array
    /// `"..."`
    case string
    /// An integer or a number with a fraction or exponent.
    case number
    /// `true` or `false`.
    case boolean
    /// `null`.
    case null

    /// The JSON name of the kind ("object", "array", "string", "number", "boolean", "null").
    public var description: String {
        switch self {
        case .object: "object"
        case .array: "array"
        case .string: "string"
        case .number: "number"
        case .boolean: "boolean"
        case .null: "null"
        }
    }
}

/// Why a ``JSONScanner`` stopped: a reason, a message and the 1-based byte column where it happened.
///
/// The ``description`` reads like `expected ':' at column 17`.
public struct JSONScanError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The class of problem, for callers that turn scanner errors into field-specific messages.
    public enum Reason: Sendable, Hashable {
        /// The bytes are not valid JSON.
        case malformed
        /// A well-formed value of another kind stood where a specific kind was expected
        /// (`.number` also when an integer was expected and a fraction or exponent was found).
        case unexpectedKind(JSONValueKind)
        /// An integer outside the accepted range; carries the value when it fits in `Int64`.
        case outOfRange(Int64?)
        /// Containers nested deeper than ``JSONScanner/maxDepth``.
        case tooDeep
    }

    /// The class of problem.
    public var reason: Reason
    /// What went wrong, without the column (`expected ':'`).
    public var message: String
    /// 1-based byte column in the scanned line.
    public var column: Int

    /// Creates an error.
    /// - Complexity: O(1).
    public init(_ reason: Reason, _ message: String, column: Int) {
        self.reason = reason
        self.message = message
        self.column = column
    }

    /// The message followed by ` at column N`.
    public var description: String { "\(message) at column \(column)" }
}

/// The raw characters of a JSON string between its quotes, located by byte offsets in the scanned line.
public struct JSONStringToken: Sendable, Hashable {
    /// Byte offsets of the characters between the quotes.
    public var contents: Range<Int>
    /// Whether the characters contain a backslash escape (and so need decoding).
    public var hasEscapes: Bool

    /// Creates a token.
    /// - Complexity: O(1).
    public init(contents: Range<Int>, hasEscapes: Bool) {
        self.contents = contents
        self.hasEscapes = hasEscapes
    }
}

/// A byte-level JSON scanner over one line of input.
///
/// The scanner reads values in place: strings come back as ``JSONStringToken`` ranges and are turned
/// into `String` only on request, integers are accumulated straight from the digits, and
/// ``appendIntegers(to:below:)`` parses a whole array of integers into an `[Int32]` without any
/// intermediate value. Every method throws a ``JSONScanError`` (never traps) on any input, including
/// invalid UTF-8 and arbitrarily deep nesting (capped at ``maxDepth``).
///
/// The caller keeps the buffer alive for the scanner's lifetime.
///
/// Reading an object:
/// ```swift
/// try scanner.beginObject()
/// var first = true
/// while let key = try scanner.nextObjectKey(first: first) {
///     first = false
///     if scanner.matches(key, "id") { id = try scanner.parseString() } else { try scanner.skipValue() }
/// }
/// ```
public struct JSONScanner {
    /// The deepest nesting of objects and arrays accepted.
    public static let maxDepth = 64

    /// The scanned bytes.
    public let bytes: UnsafeBufferPointer<UInt8>
    /// Offset of the next unread byte.
    public private(set) var position: Int
    /// Number of objects and arrays currently open.
    public private(set) var depth: Int

    /// Creates a scanner positioned at the first byte of `bytes`.
    /// - Complexity: O(1).
    public init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        position = 0
        depth = 0
    }

    /// The 1-based byte column of the next unread byte.
    public var column: Int { position + 1 }

    /// Whether every byte has been read.
    public var isAtEnd: Bool { position >= bytes.count }

    // MARK: Whitespace and kinds

    /// Skips spaces, tabs, carriage returns and newlines.
    /// - Complexity: O(whitespace skipped).
    @inline(__always)
    public mutating func skipWhitespace() {
        while position < bytes.count, Self.isWhitespace(bytes[position]) { position += 1 }
    }

    /// Skips whitespace and returns the kind of the value that starts there, without consuming it.
    /// Throws `.malformed` at the end of the line or at a byte that starts no JSON value.
    /// - Complexity: O(whitespace skipped).
    public mutating func peekKind() throws(JSONScanError) -> JSONValueKind {
        skipWhitespace()
        guard position < bytes.count else { throw malformed("unexpected end of line, expected a value") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "-"), UInt8(ascii: "0") ... UInt8(ascii: "9"): return .number
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .boolean
        case UInt8(ascii: "n"): return .null
        default: throw malformed("unexpected \(Self.describe(bytes[position]))")
        }
    }

    // MARK: Containers

    /// Consumes the `{` that opens an object (after whitespace).
    /// - Complexity: O(whitespace skipped).
    public mutating func beginObject() throws(JSONScanError) {
        try open(.object, UInt8(ascii: "{"))
    }

    /// Reads the next member key of the current object and the `:` after it, or consumes the
    /// closing `}` and returns nil. Pass `first: true` for the first call after ``beginObject()``.
    /// - Complexity: O(key length + whitespace skipped).
    public mutating func nextObjectKey(first: Bool) throws(JSONScanError) -> JSONStringToken? {
        skipWhitespace()
        guard position < bytes.count else { throw malformed("unexpected end of line inside an object") }
        if bytes[position] == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return nil
        }
        if !first {
            guard bytes[position] == UInt8(ascii: ",") else { throw malformed("expected ',' or '}'") }
            position += 1
            skipWhitespace()
        }
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
            throw malformed(first ? "expected a string key or '}'" : "expected a string key")
        }
        let key = try scanString()
        skipWhitespace()
        guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw malformed("expected ':'") }
        position += 1
        return key
    }

    /// Consumes the `[` that opens an array (after whitespace).
    /// - Complexity: O(whitespace skipped).
    public mutating func beginArray() throws(JSONScanError) {
        try open(.array, UInt8(ascii: "["))
    }

    /// Returns true when another element of the current array follows (consuming the `,` before it),
    /// or consumes the closing `]` and returns false. Pass `first: true` for the first call after
    /// ``beginArray()``. The caller then reads or skips the element.
    /// - Complexity: O(whitespace skipped).
    public mutating func nextArrayElement(first: Bool) throws(JSONScanError) -> Bool {
        skipWhitespace()
        guard position < bytes.count else { throw malformed("unexpected end of line inside an array") }
        if bytes[position] == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return false
        }
        if !first {
            guard bytes[position] == UInt8(ascii: ",") else { throw malformed("expected ',' or ']'") }
            position += 1
        }
        return true
    }

    private mutating func open(_ kind: JSONValueKind, _ byte: UInt8) throws(JSONScanError) {
        let found = try peekKind()
        guard found == kind else { throw unexpected(found, expected: "\(kind)") }
        guard depth < Self.maxDepth else {
            throw JSONScanError(.tooDeep, "nesting deeper than \(Self.maxDepth) levels", column: column)
        }
        position += 1
        depth += 1
    }

    // MARK: Strings

    /// Reads a string (after whitespace) and returns the location of its characters.
    /// Checks escape syntax and rejects unescaped control characters; UTF-8 and surrogate pairs are
    /// checked when the token is decoded.
    /// - Complexity: O(string length).
    public mutating func scanString() throws(JSONScanError) -> JSONStringToken {
        let kind = try peekKind()
        guard kind == .string else { throw unexpected(kind, expected: "string") }
        let quote = position
        position += 1
        let start = position
        var hasEscapes = false
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                position += 1
                return JSONStringToken(contents: start ..< position - 1, hasEscapes: hasEscapes)
            }
            if byte == UInt8(ascii: "\\") {
                hasEscapes = true
                try skipEscape()
            } else if byte < 0x20 {
                throw malformed("unescaped control character in string")
            } else {
                position += 1
            }
        }
        throw JSONScanError(.malformed, "unterminated string", column: quote + 1)
    }

    private mutating func skipEscape() throws(JSONScanError) {
        guard position + 1 < bytes.count else { throw malformed("unterminated escape in string") }
        switch bytes[position + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
             UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            position += 2
        case UInt8(ascii: "u"):
            guard hexValue(at: position + 2) != nil else { throw malformed("invalid \\u escape") }
            position += 6
        default:
            throw malformed("invalid escape: backslash followed by \(Self.describe(bytes[position + 1]))")
        }
    }

    /// The value of the four hex digits at `offset`, or nil when they are not four hex digits.
    private func hexValue(at offset: Int) -> UInt32? {
        guard offset + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for index in offset ..< offset + 4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0") ... UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a") ... UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A") ... UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// Decodes a string token returned by this scanner into a `String`: resolves every escape
    /// (`\uXXXX` surrogate pairs included) and checks that the result is valid UTF-8.
    /// - Complexity: O(token length).
    public func decode(_ token: JSONStringToken) throws(JSONScanError) -> String {
        let raw = UnsafeBufferPointer(rebasing: bytes[token.contents])
        if !token.hasEscapes {
            guard let string = String(validating: raw, as: UTF8.self) else {
                throw JSONScanError(.malformed, "invalid UTF-8 in string", column: token.contents.lowerBound)
            }
            return string
        }
        var decoded: [UInt8] = []
        decoded.reserveCapacity(raw.count)
        var index = token.contents.lowerBound
        while index < token.contents.upperBound {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "\\") else {
                decoded.append(byte)
                index += 1
                continue
            }
            let escape = bytes[index + 1]
            index += 2
            switch escape {
            case UInt8(ascii: "b"): decoded.append(0x08)
            case UInt8(ascii: "f"): decoded.append(0x0C)
            case UInt8(ascii: "n"): decoded.append(0x0A)
            case UInt8(ascii: "r"): decoded.append(0x0D)
            case UInt8(ascii: "t"): decoded.append(0x09)
            case UInt8(ascii: "u"):
                let escapeColumn = index - 1
                var scalar = hexValue(at: index) ?? 0
                index += 4
                if (0xD800 ..< 0xDC00).contains(scalar) {
                    guard index + 6 <= token.contents.upperBound, bytes[index] == UInt8(ascii: "\\"),
                          bytes[index + 1] == UInt8(ascii: "u"), let low = hexValue(at: index + 2),
                          (0xDC00 ..< 0xE000).contains(low)
                    else {
                        throw JSONScanError(.malformed, "unpaired surrogate in \\u escape", column: escapeColumn)
                    }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    index += 6
                } else if (0xDC00 ..< 0xE000).contains(scalar) {
                    throw JSONScanError(.malformed, "unpaired surrogate in \\u escape", column: escapeColumn)
                }
                if let unicodeScalar = Unicode.Scalar(scalar) {
                    decoded.append(contentsOf: UTF8.encode(unicodeScalar)!)
                }
            default: decoded.append(escape)
            }
        }
        guard let string = String(validating: decoded, as: UTF8.self) else {
            throw JSONScanError(.malformed, "invalid UTF-8 in string", column: token.contents.lowerBound)
        }
        return string
    }

    /// Whether the decoded characters of a string token returned by this scanner equal `literal`.
    /// - Complexity: O(literal length); O(token length) when the token has escapes.
    public func matches(_ token: JSONStringToken, _ literal: StaticString) -> Bool {
        if token.hasEscapes {
            return (try? decode(token)) == literal.description
        }
        guard token.contents.count == literal.utf8CodeUnitCount else { return false }
        let expected = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        return bytes[token.contents].elementsEqual(expected)
    }

    /// Reads a string (after whitespace) and decodes it.
    /// - Complexity: O(string length).
    public mutating func parseString() throws(JSONScanError) -> String {
        try decode(scanString())
    }

    /// The bytes at `range` as a `String` (for text already checked to be ASCII, like number tokens).
    /// - Complexity: O(range.count).
    public func text(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    // MARK: Numbers

    /// Reads a number (after whitespace) and returns its byte range and whether it is an integer
    /// (no fraction and no exponent).
    /// - Complexity: O(number length).
    public mutating func scanNumber() throws(JSONScanError) -> (range: Range<Int>, isInteger: Bool) {
        let kind = try peekKind()
        guard kind == .number else { throw unexpected(kind, expected: "number") }
        let start = position
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        let digitsStart = position
        skipDigits()
        try checkIntegerDigits(from: digitsStart, numberStart: start)
        let isInteger = !atFractionOrExponent
        if !isInteger { try skipFractionAndExponent() }
        return (start ..< position, isInteger)
    }

    /// Reads a number (after whitespace) as a `Double`.
    /// - Complexity: O(number length).
    public mutating func parseNumber() throws(JSONScanError) -> Double {
        let start = position
        let (range, _) = try scanNumber()
        guard let value = Double(text(range)) else { throw JSONScanError(.malformed, "invalid number", column: start + 1) }
        return value
    }

    /// Reads an integer (after whitespace). Throws `.unexpectedKind` for another kind of value
    /// (`.number` for a fraction or exponent) and `.outOfRange(nil)` when it does not fit in `Int64`.
    /// - Complexity: O(number length).
    public mutating func parseInteger() throws(JSONScanError) -> Int64 {
        skipWhitespace()
        return try scanIntegerLiteral()
    }

    /// Parses an array of integers (after whitespace) and appends each one to `output`, stopping at
    /// the first element that is not an integer in `0 ..< upperBound` (`upperBound` at most
    /// `Int64(Int32.max) + 1`). Elements appended before an error stay in `output`.
    ///
    /// This is the hot path of prompt parsing: one pass over the digits, no intermediate values.
    /// - Complexity: O(array length in bytes).
    public mutating func appendIntegers(to output: inout [Int32], below upperBound: Int64) throws(JSONScanError) {
        try beginArray()
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return
        }
        let count = bytes.count
        var index = position
        while true {
            let elementStart = index
            var value: Int64 = 0
            while index < count {
                let digit = bytes[index] &- UInt8(ascii: "0")
                if digit > 9 { break }
                value = value &* 10 &+ Int64(digit)
                index &+= 1
            }
            let digitCount = index &- elementStart
            if digitCount == 0 || digitCount > 18 || (digitCount > 1 && bytes[elementStart] == UInt8(ascii: "0"))
                || (index < count && (bytes[index] == UInt8(ascii: ".") || bytes[index] | 0x20 == UInt8(ascii: "e")))
            {
                position = elementStart
                value = try scanIntegerLiteral()
                index = position
            }
            guard value >= 0, value < upperBound else {
                position = elementStart
                throw JSONScanError(.outOfRange(value), "integer out of range", column: elementStart + 1)
            }
            output.append(Int32(truncatingIfNeeded: value))
            if index < count {
                let byte = bytes[index]
                if byte == UInt8(ascii: ",") {
                    index &+= 1
                    while index < count, Self.isWhitespace(bytes[index]) { index &+= 1 }
                    continue
                }
                if byte == UInt8(ascii: "]") {
                    position = index &+ 1
                    depth -= 1
                    return
                }
            }
            position = index
            guard try nextArrayElement(first: false) else { return }
            skipWhitespace()
            index = position
        }
    }

    @inline(__always)
    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A
    }

    /// Reads an integer at the current position (no whitespace skipping).
    @inline(__always)
    private mutating func scanIntegerLiteral() throws(JSONScanError) -> Int64 {
        let start = position
        let negative = position < bytes.count && bytes[position] == UInt8(ascii: "-")
        if negative { position += 1 }
        let digitsStart = position
        var value: Int64 = 0
        while position < bytes.count {
            let digit = bytes[position] &- UInt8(ascii: "0")
            if digit > 9 { break }
            value = value &* 10 &+ Int64(digit)
            position += 1
        }
        let digitCount = position - digitsStart
        if digitCount == 0 {
            position = start
            if negative { throw malformed("invalid number") }
            let kind = try peekKind()
            throw unexpected(kind, expected: "integer")
        }
        try checkIntegerDigits(from: digitsStart, numberStart: start)
        if atFractionOrExponent {
            try skipFractionAndExponent()
            throw JSONScanError(.unexpectedKind(.number), "expected an integer, got a fractional number", column: start + 1)
        }
        if digitCount > 18 {
            value = 0
            for index in digitsStart ..< position {
                let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times10.addingReportingOverflow(Int64(bytes[index] - UInt8(ascii: "0")))
                guard !overflow1, !overflow2 else {
                    throw JSONScanError(.outOfRange(nil), "integer out of range", column: start + 1)
                }
                value = sum
            }
        }
        return negative ? -value : value
    }

    private mutating func skipDigits() {
        while position < bytes.count, bytes[position] &- UInt8(ascii: "0") <= 9 { position += 1 }
    }

    /// Rejects an empty digit run and a leading zero.
    private func checkIntegerDigits(from digitsStart: Int, numberStart: Int) throws(JSONScanError) {
        if position == digitsStart { throw JSONScanError(.malformed, "invalid number", column: numberStart + 1) }
        if position - digitsStart > 1, bytes[digitsStart] == UInt8(ascii: "0") {
            throw JSONScanError(.malformed, "leading zero in number", column: numberStart + 1)
        }
    }

    private var atFractionOrExponent: Bool {
        guard position < bytes.count else { return false }
        let byte = bytes[position]
        return byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
    }

    private mutating func skipFractionAndExponent() throws(JSONScanError) {
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            let start = position
            skipDigits()
            if position == start { throw malformed("invalid number") }
        }
        if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            let start = position
            skipDigits()
            if position == start { throw malformed("invalid number") }
        }
    }

    // MARK: Literals and skipping

    /// Reads `true` or `false` (after whitespace).
    /// - Complexity: O(1).
    public mutating func parseBool() throws(JSONScanError) -> Bool {
        let kind = try peekKind()
        guard kind == .boolean else { throw unexpected(kind, expected: "boolean") }
        if consumeLiteral("true") { return true }
        if consumeLiteral("false") { return false }
        throw malformed("invalid literal")
    }

    /// Reads `null` (after whitespace).
    /// - Complexity: O(1).
    public mutating func parseNull() throws(JSONScanError) {
        let kind = try peekKind()
        guard kind == .null else { throw unexpected(kind, expected: "null") }
        guard consumeLiteral("null") else { throw malformed("invalid literal") }
    }

    private mutating func consumeLiteral(_ literal: StaticString) -> Bool {
        let length = literal.utf8CodeUnitCount
        guard position + length <= bytes.count else { return false }
        let expected = UnsafeBufferPointer(start: literal.utf8Start, count: length)
        guard bytes[position ..< position + length].elementsEqual(expected) else { return false }
        position += length
        return true
    }

    /// Reads and discards one value of any kind (after whitespace), checking its syntax.
    /// - Complexity: O(value length); recursion is bounded by ``maxDepth``.
    public mutating func skipValue() throws(JSONScanError) {
        switch try peekKind() {
        case .object:
            try beginObject()
            var first = true
            while try nextObjectKey(first: first) != nil {
                first = false
                try skipValue()
            }
        case .array:
            try beginArray()
            var first = true
            while try nextArrayElement(first: first) {
                first = false
                try skipValue()
            }
        case .string: _ = try scanString()
        case .number: _ = try scanNumber()
        case .boolean: _ = try parseBool()
        case .null: try parseNull()
        }
    }

    // MARK: Errors

    private func malformed(_ message: String) -> JSONScanError {
        JSONScanError(.malformed, message, column: column)
    }

    private func unexpected(_ kind: JSONValueKind, expected: String) -> JSONScanError {
        JSONScanError(.unexpectedKind(kind), "expected \(expected), got \(kind)", column: column)
    }

    /// `character 'x'` for a printable ASCII byte, `byte 0xNN` otherwise.
    private static func describe(_ byte: UInt8) -> String {
        if (0x21 ..< 0x7F).contains(byte) { return "character '\(Character(Unicode.Scalar(byte)))'" }
        let hex = String(byte, radix: 16, uppercase: true)
        return "byte 0x" + (hex.count == 1 ? "0" + hex : hex)
    }
}
