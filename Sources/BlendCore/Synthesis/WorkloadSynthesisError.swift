/// Why a synthetic workload could not be generated.
public enum WorkloadSynthesisError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The request count is below 1.
    case invalidRequestCount(Int)
    /// A preset parameter is outside its domain; the message names it.
    case invalidParameter(String)
    /// The vocabulary cannot hold the reserved first tokens (121) or cannot encode `requests`
    /// distinct indices in two tokens (`vocabSize² > requests` is needed).
    case vocabularyTooSmall(vocabSize: Int, requests: Int)
    /// No mix of the requested size reaches the target within the tolerance; the message gives
    /// the closest mix and the likely cause.
    case infeasibleTarget(String)

    /// A one-line message.
    /// - Complexity: O(message length).
    public var description: String {
        switch self {
        case .invalidRequestCount(let count):
            "request count must be at least 1, got \(count)"
        case .invalidParameter(let message):
            message
        case let .vocabularyTooSmall(vocabSize, requests):
            "vocabulary of \(vocabSize) tokens is too small for \(requests) synthetic requests (need at least 121 ids and vocabSize² > requests)"
        case .infeasibleTarget(let message):
            message
        }
    }
}
