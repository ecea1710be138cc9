/// Finds where a completion must be cut because it produced one of the request's stop strings
/// (OpenAI's `stop`): the text ends just before the earliest stop string, which is not returned.
///
/// Matching works on UTF-8 bytes, so a stop string is found whatever tokens produced it, also
/// across token boundaries and inside a multi-byte character's token split. A stop string that is
/// valid UTF-8 starts on a character boundary of valid UTF-8 text, so cutting decoded text at the
/// returned offset never splits a character.
///
/// ## Checking after every token
///
/// A generating engine calls ``firstMatch(in:clearPrefix:)`` after each new token with the whole
/// byte string generated so far and, as `clearPrefix`, the length the string had at the previous
/// call (which found nothing). Any match found now must end in the new bytes, or the previous call
/// would have found it, so it starts at or after `clearPrefix − (longestStop − 1)`: only the
/// new bytes plus the `longestStop − 1` bytes before them are searched, and a whole completion
/// costs O(length × stops) instead of O(length² × stops).
public struct StopStringMatcher: Sendable {
    /// The stop strings as UTF-8 bytes, none empty.
    public let stops: [[UInt8]]
    /// The length in bytes of the longest stop string (0 without stop strings).
    public let longestStop: Int
    /// `startsStop[b]` tells whether some stop string starts with byte `b`.
    private let startsStop: [Bool]

    /// Creates a matcher for the UTF-8 bytes of `stops`; empty strings are ignored (they would cut
    /// every completion to nothing).
    /// - Complexity: O(total length of the stop strings).
    public init(_ stops: [String]) {
        self.init(stopBytes: stops.map { Array($0.utf8) })
    }

    /// Creates a matcher for byte strings; empty ones are ignored.
    /// - Complexity: O(total length of the stop strings).
    public init(stopBytes: [[UInt8]]) {
        stops = stopBytes.filter { !$0.isEmpty }
        longestStop = stops.map(\.count).max() ?? 0
        var startsStop = [Bool](repeating: false, count: 256)
        for stop in stops { startsStop[Int(stop[0])] = true }
        self.startsStop = startsStop
    }

    /// Whether the matcher has no stop string (then it never matches).
    public var isEmpty: Bool { stops.isEmpty }

    /// The byte offset in `generated` where the earliest stop string starts, or `nil` when none
    /// occurs. With `clearPrefix` > 0 the caller promises that `generated[..<clearPrefix]` holds no
    /// complete stop string (an earlier call on that prefix returned `nil`); the search then
    /// starts at `clearPrefix − (longestStop − 1)`, which still finds every match that ends later.
    /// - Complexity: O(generated.count − clearPrefix + longestStop) positions, each costing O(1)
    ///   unless a stop string starts with its byte, and then at most the stop strings' total length.
    public func firstMatch(in generated: [UInt8], clearPrefix: Int = 0) -> Int? {
        guard longestStop > 0 else { return nil }
        let count = generated.count
        let lowest = max(0, min(clearPrefix, count) - (longestStop - 1))
        return generated.withUnsafeBufferPointer { bytes -> Int? in
            var start = lowest
            while start < count {
                if startsStop[Int(bytes[start])] {
                    for stop in stops where start + stop.count <= count && matches(stop, in: bytes, at: start) {
                        return start
                    }
                }
                start += 1
            }
            return nil
        }
    }

    /// Whether `stop` occurs in `bytes` at `start` (which leaves room for all of it).
    private func matches(_ stop: [UInt8], in bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> Bool {
        for offset in stop.indices where bytes[start + offset] != stop[offset] { return false }
        return true
    }
}
