/// The end of one request in a run: its output or its error. Every request of the workload gets
/// exactly one.
public struct RequestResult: Sendable, Hashable {
    /// The request's index in the workload.
    public var request: Int
    /// The request's id from the input.
    public var id: String
    /// Tokens generated.
    public var generatedTokens: Int
    /// The generated token ids (empty when the engine samples none, as simulators do).
    public var tokens: [Int32]
    /// Why generation stopped; `nil` when the request ended with an error.
    public var finish: FinishReason?
    /// What went wrong, when the request could not be served.
    public var error: String?
    /// Whether the scheduler rejected the request (it cannot run on this engine, for example a
    /// prompt longer than the context); `false` for a request that finished, and for one left
    /// unfinished by a run that stopped early (then ``error`` is the run's failure).
    public var rejected: Bool
    /// Run time (seconds since the start) at which the request was first scheduled.
    public var scheduledAt: Double?
    /// Run time at which its first token was produced.
    public var firstTokenAt: Double?
    /// Run time at which it finished.
    public var finishedAt: Double?
    /// Times the sequence restarted from scratch after being preempted.
    public var preemptions: Int

    /// Creates a result.
    /// - Complexity: O(1).
    public init(request: Int, id: String, generatedTokens: Int = 0, tokens: [Int32] = [], finish: FinishReason? = nil,
                error: String? = nil, rejected: Bool = false, scheduledAt: Double? = nil, firstTokenAt: Double? = nil,
                finishedAt: Double? = nil, preemptions: Int = 0) {
        self.request = request
        self.id = id
        self.generatedTokens = generatedTokens
        self.tokens = tokens
        self.finish = finish
        self.error = error
        self.rejected = rejected
        self.scheduledAt = scheduledAt
        self.firstTokenAt = firstTokenAt
        self.finishedAt = finishedAt
        self.preemptions = preemptions
    }

    /// Time to first token, measured from the request's first scheduling (in an offline batch
    /// every request is available at time 0, so queueing time would dominate otherwise).
    public var timeToFirstToken: Double? {
        guard let scheduledAt, let firstTokenAt else { return nil }
        return firstTokenAt - scheduledAt
    }

    /// Time per output token after the first: `(finish − first token) / (generated − 1)`;
    /// `nil` for fewer than two tokens.
    public var timePerOutputToken: Double? {
        guard generatedTokens >= 2, let firstTokenAt, let finishedAt else { return nil }
        return (finishedAt - firstTokenAt) / Double(generatedTokens - 1)
    }
}
