/// How an engine picks each generated token, and where it stops: the sampling fields of an
/// OpenAI request body (`temperature`, `top_p`, `top_k`, `seed`, `stop`).
///
/// The defaults are OpenAI's: temperature 1, nucleus sampling off (`topP` 1), no top-k cut-off,
/// no seed, no stop strings. A temperature of 0 means greedy decoding.
public struct SamplingParameters: Sendable, Hashable {
    /// The most stop strings one request may give (OpenAI's limit).
    public static let maxStopStrings = 4
    /// The accepted temperatures.
    public static let temperatureRange: ClosedRange<Double> = 0 ... 2

    /// Softmax temperature in `0 ... 2`; 0 is greedy (always the most likely token).
    public var temperature: Double
    /// Nucleus sampling: sample from the smallest set of tokens whose probabilities add up to at
    /// least `topP`, in `(0, 1]`; 1 keeps every token.
    public var topP: Double
    /// Sample only from the `topK` most likely tokens; `nil` keeps every token.
    public var topK: Int?
    /// Seed of the request's random generator, so that a sampled completion can be reproduced;
    /// `nil` lets the engine choose.
    public var seed: UInt64?
    /// Strings that end the completion when generated (at most ``maxStopStrings``, none empty);
    /// the completion is cut where the earliest one starts, and the stop string is not returned.
    public var stop: [String]

    /// Creates sampling parameters; a `topK` of 0 is the same as `nil`.
    /// - Complexity: O(stop.count).
    public init(temperature: Double = 1, topP: Double = 1, topK: Int? = nil, seed: UInt64? = nil, stop: [String] = []) {
        self.temperature = temperature
        self.topP = topP
        self.topK = topK == 0 ? nil : topK
        self.seed = seed
        self.stop = stop
    }

    /// Whether decoding is greedy: a temperature of 0 or a top-k of 1.
    /// - Complexity: O(1).
    public var isGreedy: Bool { temperature == 0 || topK == 1 }
}

/// What an OpenAI batch line asks for besides its prompt: the endpoint (and so the shape of the
/// answer), the model name to echo, and the sampling parameters. ``WorkloadReader`` returns one
/// per request in ``WorkloadReadResult/requestOptions``, indexed like the workload.
public struct BatchRequestOptions: Sendable, Hashable {
    /// The OpenAI endpoint a batch line is addressed to.
    public enum Endpoint: String, Sendable, Hashable, CaseIterable {
        /// `/v1/completions`: the answer is a `text_completion`.
        case completions = "/v1/completions"
        /// `/v1/chat/completions`: the answer is a `chat.completion`.
        case chatCompletions = "/v1/chat/completions"
    }

    /// The endpoint: the line's `url`, or chat completions when the line has no `url` and its
    /// prompt is a `messages` list; completions for trace lines.
    public var endpoint: Endpoint
    /// `body.model`, echoed in the answer; `nil` when the line names none.
    public var model: String?
    /// The sampling parameters of the body (the defaults for trace lines).
    public var sampling: SamplingParameters
    /// The 1-based line number of the request in its input file.
    public var line: Int

    /// Creates request options.
    /// - Complexity: O(1).
    public init(endpoint: Endpoint = .completions, model: String? = nil, sampling: SamplingParameters = .init(), line: Int) {
        self.endpoint = endpoint
        self.model = model
        self.sampling = sampling
        self.line = line
    }
}
