/// The per-line engine of ``WorkloadReader``: parses one JSONL line (trace or OpenAI batch format),
/// validates it, and either appends one request to the workload or records one ``LineError``.
struct WorkloadLineParser {
    /// The largest `prompt_len` a compact trace line may ask for when no `maxPromptLength` is set
    /// (keeps a corrupt line from requesting gigabytes of synthetic tokens).
    static let maxCompactPromptLength = 1 << 24

    private let options: WorkloadReader.Options
    private let tokenizer: (any PromptTokenizer)?
    /// Exclusive upper bound of token ids: the vocabulary size, else `Int32.max + 1`.
    private let tokenBound: Int64

    /// The requests accepted so far.
    private(set) var workload = Workload()
    /// The endpoint, model and sampling parameters of each accepted request, indexed like ``workload``.
    private(set) var requestOptions: [BatchRequestOptions] = []
    /// One error per rejected line, in line order.
    private(set) var errors: [LineError] = []
    /// Number of non-blank lines seen.
    private(set) var nonBlankLines = 0

    private var lineOfID: [String: Int] = [:]
    private var fields = LineFields()

    /// Creates a parser with an empty workload.
    /// - Complexity: O(1).
    init(options: WorkloadReader.Options, tokenizer: (any PromptTokenizer)?) {
        self.options = options
        self.tokenizer = tokenizer
        tokenBound = Int64(options.vocabSize ?? Int(Int32.max) + 1)
    }

    /// Parses line `lineNumber` (without its newline): skips it when blank, else appends its request
    /// or records its error.
    /// - Complexity: O(line length) plus tokenizer time for text and chat prompts.
    mutating func consume(_ line: UnsafeBufferPointer<UInt8>, lineNumber: Int) {
        var scanner = JSONScanner(line)
        if lineNumber == 1, line.starts(with: [0xEF, 0xBB, 0xBF]) {
            scanner = JSONScanner(UnsafeBufferPointer(rebasing: line[3...]))
        }
        scanner.skipWhitespace()
        if scanner.isAtEnd { return }
        nonBlankLines += 1
        fields.reset()
        do {
            try parseObject(&scanner)
            try accept(lineNumber: lineNumber)
        } catch let error as LineProblem {
            errors.append(LineError(line: lineNumber, message: error.message, id: fields.customID ?? fields.id))
        } catch {
            errors.append(LineError(line: lineNumber, message: "\(error)", id: fields.customID ?? fields.id))
        }
    }

    // MARK: Parsing

    private mutating func parseObject(_ scanner: inout JSONScanner) throws {
        let kind = try scanner.peekKind()
        guard kind == .object else { throw LineProblem("line is not a JSON object (got \(kind))") }
        try scanner.beginObject()
        var first = true
        while let key = try scanner.nextObjectKey(first: first) {
            first = false
            guard let field = TopField.match(key, in: scanner) else {
                try scanner.skipValue()
                continue
            }
            try fields.markSeen(field.rawValue, name: field.name)
            switch field {
            case .id: fields.id = try parseID(&scanner, "id")
            case .customID: fields.customID = try parseID(&scanner, "custom_id")
            case .prompt: try parsePrompt(&scanner)
            case .promptLength: fields.promptLength = try parseCount(&scanner, "prompt_len")
            case .prefixGroup: fields.prefixGroup = try parseText(&scanner, "prefix_group")
            case .prefixLength: fields.prefixLength = try parseCount(&scanner, "prefix_len")
            case .outputLength: fields.outputLength = try parseCount(&scanner, "output_len")
            case .maxTokens: fields.maxTokens = try parseCount(&scanner, "max_tokens")
            case .method: fields.method = try parseText(&scanner, "method")
            case .url: fields.url = try parseText(&scanner, "url")
            case .body: try parseBody(&scanner)
            }
        }
        scanner.skipWhitespace()
        guard scanner.isAtEnd else {
            throw JSONScanError(.malformed, "unexpected characters after the object", column: scanner.column)
        }
    }

    private mutating func parseBody(_ scanner: inout JSONScanner) throws {
        let kind = try scanner.peekKind()
        guard kind == .object else { throw LineProblem("\"body\" must be an object, got \(kind)") }
        try scanner.beginObject()
        var first = true
        var sawLimit = false
        while let key = try scanner.nextObjectKey(first: first) {
            first = false
            guard let field = BodyField.match(key, in: scanner) else {
                try scanner.skipValue()
                continue
            }
            try fields.markSeen(TopField.allCases.count + field.rawValue, name: field.name)
            switch field {
            case .prompt, .messages:
                if fields.hasSeen(TopField.prompt) {
                    throw LineProblem("in an OpenAI batch line \"prompt\" belongs inside \"body\"")
                }
                if fields.prompt != .absent {
                    throw LineProblem("\"body\" has both \"prompt\" and \"messages\"; give one")
                }
                if field == .prompt {
                    try parsePrompt(&scanner)
                } else {
                    fields.prompt = .chat(try parseMessages(&scanner))
                }
            case .maxTokens, .maxCompletionTokens:
                if sawLimit {
                    throw LineProblem("\"body\" has both \"max_tokens\" and \"max_completion_tokens\"; give one")
                }
                fields.maxTokens = try parseCount(&scanner, field.name)
                sawLimit = true
            case .frequencyPenalty, .presencePenalty:
                try checkNumber(&scanner, field.name)
            case .temperature:
                if case let (value, text)? = try parseNumber(&scanner, field.name) {
                    guard SamplingParameters.temperatureRange.contains(value) else {
                        throw LineProblem("\"temperature\" must be between 0 and 2, got \(text)")
                    }
                    fields.temperature = value
                }
            case .topP:
                if case let (value, text)? = try parseNumber(&scanner, field.name) {
                    guard value > 0, value <= 1 else {
                        throw LineProblem("\"top_p\" must be greater than 0 and at most 1, got \(text)")
                    }
                    fields.topP = value
                }
            case .topK:
                fields.topK = try parseCount(&scanner, field.name)
            case .seed:
                fields.seed = try parseSeed(&scanner)
            case .stop:
                try parseStop(&scanner)
            case .n:
                if let count = try parseCount(&scanner, field.name), count != 1 {
                    throw LineProblem("\"n\" must be 1: one completion per line (got \(count))")
                }
            case .model:
                if try scanner.peekKind() == .null {
                    try scanner.parseNull()
                } else {
                    fields.model = try parseText(&scanner, field.name)
                }
            }
        }
    }

    /// Reads a prompt value: a token array (fast path into the scratch buffer) or a text string.
    private mutating func parsePrompt(_ scanner: inout JSONScanner) throws {
        let kind = try scanner.peekKind()
        switch kind {
        case .array:
            fields.tokens.removeAll(keepingCapacity: true)
            do throws(JSONScanError) {
                try scanner.appendIntegers(to: &fields.tokens, below: tokenBound)
            } catch {
                throw promptProblem(error)
            }
            fields.prompt = .tokens
        case .string:
            fields.prompt = .text(try scanner.parseString())
        default:
            throw LineProblem("\"prompt\" must be an array of token ids, got \(kind)")
        }
    }

    /// Turns a scanner error inside a token array into a message about the prompt.
    private func promptProblem(_ error: JSONScanError) -> any Error {
        switch error.reason {
        case .unexpectedKind(.array):
            return LineProblem("\"prompt\" is a list of token lists (batched prompts); give one prompt per line")
        case .unexpectedKind(.string):
            return LineProblem("\"prompt\" is a list of strings (batched prompts); give one prompt per line")
        case .unexpectedKind(let kind):
            return LineProblem("\"prompt\" must be an array of token ids, found \(kind) at column \(error.column)")
        case .outOfRange(let value?) where value < 0:
            return LineProblem("\"prompt\" has a negative token id (\(value)) at column \(error.column)")
        case .outOfRange(let value?) where options.vocabSize.map({ value >= $0 }) ?? false:
            return LineProblem(
                "\"prompt\" has token id \(value) at column \(error.column), "
                    + "outside the vocabulary (vocabSize \(options.vocabSize ?? 0))")
        case .outOfRange:
            return LineProblem("\"prompt\" has a token id out of range at column \(error.column)")
        case .malformed, .tooDeep:
            return error
        }
    }

    private func parseMessages(_ scanner: inout JSONScanner) throws -> [ChatMessage] {
        let kind = try scanner.peekKind()
        guard kind == .array else { throw LineProblem("\"messages\" must be an array, got \(kind)") }
        try scanner.beginArray()
        var messages: [ChatMessage] = []
        var first = true
        while try scanner.nextArrayElement(first: first) {
            first = false
            let elementKind = try scanner.peekKind()
            guard elementKind == .object else {
                throw LineProblem("each of \"messages\" must be an object, got \(elementKind)")
            }
            try scanner.beginObject()
            var role: String?
            var content: String?
            var firstKey = true
            while let key = try scanner.nextObjectKey(first: firstKey) {
                firstKey = false
                if scanner.matches(key, "role") {
                    role = try parseText(&scanner, "role")
                } else if scanner.matches(key, "content") {
                    content = try parseContent(&scanner)
                } else {
                    try scanner.skipValue()
                }
            }
            guard let role, let content else {
                throw LineProblem("each of \"messages\" needs a \"role\" and a \"content\"")
            }
            messages.append(ChatMessage(role: role, content: content))
        }
        guard !messages.isEmpty else { throw LineProblem("\"messages\" is empty") }
        return messages
    }

    /// A message content: a string, null (empty), or an array of `{"type": "text", "text": ...}` parts
    /// joined by newlines.
    private func parseContent(_ scanner: inout JSONScanner) throws -> String {
        switch try scanner.peekKind() {
        case .string:
            return try scanner.parseString()
        case .null:
            try scanner.parseNull()
            return ""
        case .array:
            try scanner.beginArray()
            var parts: [String] = []
            var first = true
            while try scanner.nextArrayElement(first: first) {
                first = false
                guard try scanner.peekKind() == .object else {
                    throw LineProblem("\"content\" parts must be objects")
                }
                try scanner.beginObject()
                var type: String?
                var text: String?
                var firstKey = true
                while let key = try scanner.nextObjectKey(first: firstKey) {
                    firstKey = false
                    if scanner.matches(key, "type") {
                        type = try parseText(&scanner, "type")
                    } else if scanner.matches(key, "text") {
                        text = try parseText(&scanner, "text")
                    } else {
                        try scanner.skipValue()
                    }
                }
                guard type == "text", let text else {
                    throw LineProblem("only \"text\" content parts are supported, got \"\(type ?? "")\"")
                }
                parts.append(text)
            }
            return parts.joined(separator: "\n")
        case let kind:
            throw LineProblem("\"content\" must be a string or an array of parts, got \(kind)")
        }
    }

    /// An `id`/`custom_id`: a non-empty string, or an integer kept as its decimal text.
    private func parseID(_ scanner: inout JSONScanner, _ name: String) throws -> String {
        switch try scanner.peekKind() {
        case .string:
            let id = try scanner.parseString()
            guard !id.isEmpty else { throw LineProblem("\"\(name)\" is empty") }
            return id
        case .number:
            let (range, isInteger) = try scanner.scanNumber()
            guard isInteger else { throw LineProblem("\"\(name)\" must be a string or an integer, got number") }
            return scanner.text(range)
        case let kind:
            throw LineProblem("\"\(name)\" must be a string or an integer, got \(kind)")
        }
    }

    private func parseText(_ scanner: inout JSONScanner, _ name: String) throws -> String {
        let kind = try scanner.peekKind()
        guard kind == .string else { throw LineProblem("\"\(name)\" must be a string, got \(kind)") }
        return try scanner.parseString()
    }

    /// A non-negative integer that fits in `Int32`, or nil for `null`.
    private func parseCount(_ scanner: inout JSONScanner, _ name: String) throws -> Int? {
        let kind = try scanner.peekKind()
        if kind == .null {
            try scanner.parseNull()
            return nil
        }
        let mustBe = "\"\(name)\" must be a non-negative integer"
        guard kind == .number else { throw LineProblem("\(mustBe), got \(kind)") }
        let value: Int64
        do throws(JSONScanError) {
            value = try scanner.parseInteger()
        } catch {
            switch error.reason {
            case .unexpectedKind(let found): throw LineProblem("\(mustBe), got \(found)")
            case .outOfRange: throw LineProblem("\"\(name)\" is out of range (at most \(Int32.max))")
            case .malformed, .tooDeep: throw error
            }
        }
        guard value >= 0 else { throw LineProblem("\(mustBe), got \(value)") }
        guard value <= Int64(Int32.max) else { throw LineProblem("\"\(name)\" is out of range (at most \(Int32.max))") }
        return Int(value)
    }

    /// A number or null, checked and skipped.
    private func checkNumber(_ scanner: inout JSONScanner, _ name: String) throws {
        _ = try parseNumber(&scanner, name)
    }

    /// A number and its text as written, or nil for `null`.
    private func parseNumber(_ scanner: inout JSONScanner, _ name: String) throws -> (value: Double, text: String)? {
        let kind = try scanner.peekKind()
        if kind == .null {
            try scanner.parseNull()
            return nil
        }
        guard kind == .number else { throw LineProblem("\"\(name)\" must be a number, got \(kind)") }
        let text = scanner.text(try scanner.scanNumber().range)
        guard let value = Double(text) else { throw LineProblem("\"\(name)\" is not a representable number: \(text)") }
        return (value, text)
    }

    /// `seed`: a non-negative integer that fits in `UInt64`, or nil for `null`.
    private func parseSeed(_ scanner: inout JSONScanner) throws -> UInt64? {
        let kind = try scanner.peekKind()
        if kind == .null {
            try scanner.parseNull()
            return nil
        }
        guard kind == .number else { throw LineProblem("\"seed\" must be an integer, got \(kind)") }
        let (range, isInteger) = try scanner.scanNumber()
        guard isInteger else { throw LineProblem("\"seed\" must be an integer, got number") }
        let text = scanner.text(range)
        if text.hasPrefix("-") { throw LineProblem("\"seed\" must be a non-negative integer, got \(text)") }
        guard let seed = UInt64(text) else { throw LineProblem("\"seed\" is out of range (at most \(UInt64.max))") }
        return seed
    }

    /// `stop`: null, a string, or an array of at most ``SamplingParameters/maxStopStrings``
    /// non-empty strings.
    private mutating func parseStop(_ scanner: inout JSONScanner) throws {
        let problem = LineProblem("\"stop\" must be a string or an array of strings")
        switch try scanner.peekKind() {
        case .null:
            try scanner.parseNull()
        case .string:
            fields.stop.append(try scanner.parseString())
        case .array:
            try scanner.beginArray()
            var first = true
            while try scanner.nextArrayElement(first: first) {
                first = false
                guard try scanner.peekKind() == .string else { throw problem }
                fields.stop.append(try scanner.parseString())
            }
            guard fields.stop.count <= SamplingParameters.maxStopStrings else {
                throw LineProblem("\"stop\" has \(fields.stop.count) strings; at most \(SamplingParameters.maxStopStrings) are allowed")
            }
        default:
            throw problem
        }
        if fields.stop.contains("") { throw LineProblem("\"stop\" has an empty string") }
    }

    // MARK: Validation and appending

    private mutating func accept(lineNumber: Int) throws {
        let isBatch = fields.hasSeen(TopField.customID, .body, .method, .url)
        let id: String
        if isBatch {
            guard let customID = fields.customID else { throw LineProblem("missing \"custom_id\"") }
            id = customID
            if let method = fields.method, method != "POST" {
                throw LineProblem("\"method\" must be \"POST\", got \"\(method)\"")
            }
            if let url = fields.url, url != "/v1/completions", url != "/v1/chat/completions" {
                throw LineProblem("\"url\" must be \"/v1/completions\" or \"/v1/chat/completions\", got \"\(url)\"")
            }
            for field in [TopField.prompt, .promptLength, .prefixGroup, .prefixLength, .maxTokens]
            where fields.hasSeen(field) {
                throw LineProblem("in an OpenAI batch line \"\(field.name)\" belongs inside \"body\"")
            }
            guard fields.hasSeen(TopField.body) else { throw LineProblem("missing \"body\"") }
            if fields.prompt == .absent { throw LineProblem("missing \"prompt\" or \"messages\" in \"body\"") }
            if case .chat = fields.prompt, fields.url == BatchRequestOptions.Endpoint.completions.rawValue {
                throw LineProblem("a \"messages\" prompt needs the url \"/v1/chat/completions\", got \"/v1/completions\"")
            }
        } else {
            guard let traceID = fields.id else { throw LineProblem("missing \"id\"") }
            id = traceID
            if fields.prompt != .absent, fields.promptLength != nil {
                throw LineProblem("give either \"prompt\" or \"prompt_len\", not both")
            }
            if fields.prompt == .absent, fields.promptLength == nil {
                throw LineProblem("missing \"prompt\" (or \"prompt_len\")")
            }
            if fields.promptLength == nil, fields.prefixGroup != nil || fields.prefixLength != nil {
                throw LineProblem("\"prefix_group\" and \"prefix_len\" go with \"prompt_len\", not \"prompt\"")
            }
        }
        if let firstLine = lineOfID[id] {
            throw LineProblem("duplicate id \"\(id)\" (first used on line \(firstLine))")
        }
        let options = requestOptions(lineNumber: lineNumber, isBatch: isBatch)
        switch fields.prompt {
        case .tokens:
            try checkPromptLength(fields.tokens.count)
            workload.append(
                id: id, prompt: fields.tokens, maxNewTokens: fields.maxTokens, outputLength: fields.outputLength)
        case .text(let text):
            try appendTokenized(id: id, kind: "a text prompt") { try $0.encode(text: text) }
        case .chat(let messages):
            try appendTokenized(id: id, kind: "a chat (\"messages\") prompt") { try $0.encode(chat: messages) }
        case .absent:
            try appendCompact(id: id)
        }
        requestOptions.append(options)
        lineOfID[id] = lineNumber
    }

    /// The endpoint, model and sampling parameters of the line just parsed (defaults for trace lines).
    private func requestOptions(lineNumber: Int, isBatch: Bool) -> BatchRequestOptions {
        guard isBatch else { return BatchRequestOptions(line: lineNumber) }
        let endpoint: BatchRequestOptions.Endpoint
        if let url = fields.url {
            endpoint = BatchRequestOptions.Endpoint(rawValue: url) ?? .completions
        } else if case .chat = fields.prompt {
            endpoint = .chatCompletions
        } else {
            endpoint = .completions
        }
        let sampling = SamplingParameters(
            temperature: fields.temperature ?? 1, topP: fields.topP ?? 1, topK: fields.topK, seed: fields.seed,
            stop: fields.stop)
        return BatchRequestOptions(endpoint: endpoint, model: fields.model, sampling: sampling, line: lineNumber)
    }

    private func checkPromptLength(_ length: Int) throws {
        if length == 0 { throw LineProblem("\"prompt\" is empty") }
        if let limit = options.maxPromptLength, length > limit {
            throw LineProblem("prompt has \(length) tokens, more than maxPromptLength \(limit)")
        }
    }

    private mutating func appendTokenized(
        id: String, kind: String, _ encode: (any PromptTokenizer) throws -> [Int32]
    ) throws {
        guard let tokenizer else {
            throw LineProblem("\(kind) needs a tokenizer (a model; use `blendserve run`)")
        }
        let tokens: [Int32]
        do {
            tokens = try encode(tokenizer)
        } catch {
            throw LineProblem("tokenizer failed: \(error)")
        }
        try checkPromptLength(tokens.count)
        if let bad = tokens.first(where: { $0 < 0 || Int64($0) >= tokenBound }) {
            throw LineProblem("tokenizer produced token id \(bad), outside the vocabulary")
        }
        workload.append(id: id, prompt: tokens, maxNewTokens: fields.maxTokens, outputLength: fields.outputLength)
    }

    private mutating func appendCompact(id: String) throws {
        guard let length = fields.promptLength else { throw LineProblem("missing \"prompt\" (or \"prompt_len\")") }
        if (fields.prefixGroup == nil) != (fields.prefixLength == nil) {
            throw LineProblem("\"prefix_group\" and \"prefix_len\" must be given together")
        }
        guard length > 0 else { throw LineProblem("\"prompt_len\" must be positive") }
        let limit = options.maxPromptLength ?? Self.maxCompactPromptLength
        if length > limit {
            throw LineProblem("\"prompt_len\" is \(length), more than the limit of \(limit)")
        }
        let prefixLength = fields.prefixLength ?? 0
        guard prefixLength <= length else {
            throw LineProblem("\"prefix_len\" (\(prefixLength)) is larger than \"prompt_len\" (\(length))")
        }
        let group = fields.prefixGroup ?? ""
        let index = workload.count
        let vocabSize = options.vocabSize ?? SyntheticPrompt.defaultVocabSize
        workload.append(id: id, maxNewTokens: fields.maxTokens, outputLength: fields.outputLength) { tokens in
            SyntheticPrompt.append(
                group: group, prefixLength: prefixLength, length: length, requestIndex: index,
                vocabSize: vocabSize, to: &tokens)
        }
    }
}

/// A line's problem that is not a JSON syntax error.
private struct LineProblem: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// Where a line's prompt came from.
private enum PromptSource: Equatable {
    case absent
    /// Token ids, held in ``LineFields/tokens``.
    case tokens
    case text(String)
    case chat([ChatMessage])
}

/// The fields of one line, reset for every line (the token scratch buffer keeps its capacity).
private struct LineFields {
    var id: String?
    var customID: String?
    var prompt = PromptSource.absent
    var tokens: [Int32] = []
    var promptLength: Int?
    var prefixGroup: String?
    var prefixLength: Int?
    var outputLength: Int?
    var maxTokens: Int?
    var method: String?
    var url: String?
    var model: String?
    var temperature: Double?
    var topP: Double?
    var topK: Int?
    var seed: UInt64?
    var stop: [String] = []
    /// Bit `i` is set once field `i` was read (top-level fields, then body fields).
    var seen: UInt32 = 0

    mutating func reset() {
        id = nil
        customID = nil
        prompt = .absent
        tokens.removeAll(keepingCapacity: true)
        promptLength = nil
        prefixGroup = nil
        prefixLength = nil
        outputLength = nil
        maxTokens = nil
        method = nil
        url = nil
        model = nil
        temperature = nil
        topP = nil
        topK = nil
        seed = nil
        stop.removeAll(keepingCapacity: true)
        seen = 0
    }

    mutating func markSeen(_ bit: Int, name: String) throws {
        let mask: UInt32 = 1 << UInt32(bit)
        if seen & mask != 0 { throw LineProblem("duplicate field \"\(name)\"") }
        seen |= mask
    }

    func hasSeen(_ fields: TopField...) -> Bool {
        fields.contains { seen & (1 << UInt32($0.rawValue)) != 0 }
    }
}

/// The top-level fields the reader understands; any other field is skipped.
private enum TopField: Int, CaseIterable {
    case id, customID, prompt, promptLength, prefixGroup, prefixLength, outputLength, maxTokens, method, url, body

    var name: String {
        switch self {
        case .id: "id"
        case .customID: "custom_id"
        case .prompt: "prompt"
        case .promptLength: "prompt_len"
        case .prefixGroup: "prefix_group"
        case .prefixLength: "prefix_len"
        case .outputLength: "output_len"
        case .maxTokens: "max_tokens"
        case .method: "method"
        case .url: "url"
        case .body: "body"
        }
    }

    private static let keys: [(StaticString, TopField)] = [
        ("id", .id), ("prompt", .prompt), ("output_len", .outputLength), ("max_tokens", .maxTokens),
        ("custom_id", .customID), ("method", .method), ("url", .url), ("body", .body),
        ("prompt_len", .promptLength), ("prefix_group", .prefixGroup), ("prefix_len", .prefixLength),
    ]

    static func match(_ key: JSONStringToken, in scanner: JSONScanner) -> TopField? {
        keys.first { scanner.matches(key, $0.0) }?.1
    }
}

/// The `body` fields of an OpenAI batch line that the reader reads or type-checks.
private enum BodyField: Int {
    case prompt, messages, maxTokens, maxCompletionTokens, temperature, topP, frequencyPenalty, presencePenalty
    case seed, stop, topK, n, model

    var name: String {
        switch self {
        case .prompt: "prompt"
        case .messages: "messages"
        case .maxTokens: "max_tokens"
        case .maxCompletionTokens: "max_completion_tokens"
        case .temperature: "temperature"
        case .topP: "top_p"
        case .frequencyPenalty: "frequency_penalty"
        case .presencePenalty: "presence_penalty"
        case .seed: "seed"
        case .stop: "stop"
        case .topK: "top_k"
        case .n: "n"
        case .model: "model"
        }
    }

    private static let keys: [(StaticString, BodyField)] = [
        ("prompt", .prompt), ("messages", .messages), ("max_tokens", .maxTokens),
        ("max_completion_tokens", .maxCompletionTokens), ("temperature", .temperature), ("top_p", .topP),
        ("frequency_penalty", .frequencyPenalty), ("presence_penalty", .presencePenalty), ("seed", .seed),
        ("stop", .stop), ("top_k", .topK), ("n", .n), ("model", .model),
    ]

    static func match(_ key: JSONStringToken, in scanner: JSONScanner) -> BodyField? {
        keys.first { scanner.matches(key, $0.0) }?.1
    }
}
