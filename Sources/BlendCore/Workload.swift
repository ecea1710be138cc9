/// A set of requests with compact prompt storage: one flat `Int32` token buffer plus offsets.
///
/// Request `i`'s prompt is `tokens[promptOffsets[i] ..< promptOffsets[i + 1]]`. A 400K-request
/// workload with a few hundred tokens per prompt costs 4 bytes per token plus a few words per
/// request, instead of one array allocation per prompt.
public struct Workload: Sendable {
    /// All prompt tokens, request after request.
    public private(set) var tokens: [Int32]
    /// `count + 1` offsets into ``tokens``; the last one equals `tokens.count`.
    public private(set) var promptOffsets: [Int]
    /// Request identifiers, in input order.
    public private(set) var ids: [String]
    /// `max_tokens` per request, or -1 when the input gave none.
    public private(set) var maxNewTokens: [Int32]
    /// True output length per request, or -1 when unknown.
    public private(set) var outputLengths: [Int32]

    /// Creates an empty workload.
    /// - Complexity: O(1).
    public init() {
        tokens = []
        promptOffsets = [0]
        ids = []
        maxNewTokens = []
        outputLengths = []
    }

    /// Number of requests.
    public var count: Int { ids.count }

    /// Whether the workload holds no request.
    public var isEmpty: Bool { ids.isEmpty }

    /// Total prompt tokens over all requests.
    /// - Complexity: O(1).
    public var totalPromptTokens: Int { tokens.count }

    /// Reserves storage for `requests` requests and `tokens` prompt tokens in total.
    /// - Complexity: O(1) amortised.
    public mutating func reserve(requests: Int, tokens tokenCount: Int) {
        tokens.reserveCapacity(tokenCount)
        promptOffsets.reserveCapacity(requests + 1)
        ids.reserveCapacity(requests)
        maxNewTokens.reserveCapacity(requests)
        outputLengths.reserveCapacity(requests)
    }

    /// Appends a request whose prompt is `prompt`.
    /// - Complexity: O(prompt.count) amortised.
    public mutating func append<C: Collection>(
        id: String, prompt: C, maxNewTokens: Int? = nil, outputLength: Int? = nil
    ) where C.Element == Int32 {
        tokens.append(contentsOf: prompt)
        finishAppend(id: id, maxNewTokens: maxNewTokens, outputLength: outputLength)
    }

    /// Appends a request whose prompt tokens are written by `body` straight into the flat buffer,
    /// so generators and parsers need no temporary array per request.
    /// - Complexity: O(prompt length) amortised.
    public mutating func append(
        id: String, maxNewTokens: Int? = nil, outputLength: Int? = nil,
        writingPrompt body: (inout [Int32]) throws -> Void
    ) rethrows {
        let start = tokens.count
        do {
            try body(&tokens)
        } catch {
            tokens.removeSubrange(start...)
            throw error
        }
        finishAppend(id: id, maxNewTokens: maxNewTokens, outputLength: outputLength)
    }

    private mutating func finishAppend(id: String, maxNewTokens: Int?, outputLength: Int?) {
        promptOffsets.append(tokens.count)
        ids.append(id)
        self.maxNewTokens.append(Int32(clamping: maxNewTokens ?? -1))
        outputLengths.append(Int32(clamping: outputLength ?? -1))
    }

    /// The prompt tokens of request `index`.
    /// - Complexity: O(1).
    @inlinable
    public func prompt(_ index: Int) -> ArraySlice<Int32> {
        tokens[promptOffsets[index] ..< promptOffsets[index + 1]]
    }

    /// The prompt length of request `index`.
    /// - Complexity: O(1).
    @inlinable
    public func promptLength(_ index: Int) -> Int {
        promptOffsets[index + 1] - promptOffsets[index]
    }

    /// The request at `index` as a value (without copying its prompt).
    /// - Complexity: O(1).
    public subscript(index: Int) -> Request {
        Request(
            id: ids[index],
            promptLength: promptLength(index),
            maxNewTokens: maxNewTokens[index] >= 0 ? Int(maxNewTokens[index]) : nil,
            outputLength: outputLengths[index] >= 0 ? Int(outputLengths[index]) : nil
        )
    }

    /// The output length used for cost estimates: the known output length, else `max_tokens`,
    /// else `fallback`.
    /// - Complexity: O(1).
    @inlinable
    public func plannedOutputLength(_ index: Int, fallback: Int) -> Int {
        let known = outputLengths[index]
        if known >= 0 { return Int(known) }
        let limit = maxNewTokens[index]
        return limit >= 0 ? Int(limit) : fallback
    }

    /// Sets the true output length of request `index` (for example once it has run).
    /// - Complexity: O(1).
    public mutating func setOutputLength(_ index: Int, _ length: Int) {
        outputLengths[index] = Int32(clamping: length)
    }
}
