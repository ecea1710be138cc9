import BlendCore

/// The ids of the OpenAI batch output, derived from the request's `custom_id` alone, so that
/// running the same input again writes the same ids (only `created` differs).
enum BatchIdentifiers {
    /// `batch_req_` and 32 hex digits, the line's `id` in the output and error files.
    /// - Complexity: O(customID length).
    static func batchRequestID(customID: String) -> String {
        "batch_req_" + hex(customID, salt: "batch_req")
    }

    /// 32 hex digits, the `request_id` of a response.
    /// - Complexity: O(customID length).
    static func requestID(customID: String) -> String {
        hex(customID, salt: "request")
    }

    /// `chatcmpl-` (chat completions) or `cmpl-` (completions) and 32 hex digits, the id of a
    /// response body.
    /// - Complexity: O(customID length).
    static func completionID(customID: String, endpoint: BatchRequestOptions.Endpoint) -> String {
        switch endpoint {
        case .chatCompletions: "chatcmpl-" + hex(customID, salt: "chatcmpl")
        case .completions: "cmpl-" + hex(customID, salt: "cmpl")
        }
    }

    /// The sampling seed of a request that gives none: a hash of its custom id, so that the same
    /// input samples the same text on every run, resumed or not.
    /// - Complexity: O(customID length).
    static func seed(customID: String) -> UInt64 {
        hash(customID, salt: "seed", separator: UInt8(ascii: "|"))
    }

    /// Two 64-bit FNV-1a hashes of `salt`, a separator and `text` (with different separators),
    /// each passed through MurmurHash3's finaliser so that ids of similar custom ids look unrelated,
    /// as 32 lowercase hex digits.
    private static func hex(_ text: String, salt: String) -> String {
        [UInt8(ascii: "|"), UInt8(ascii: "#")].map { separator in
            let digits = String(hash(text, salt: salt, separator: separator), radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }.joined()
    }

    /// FNV-1a of `salt`, `separator` and `text`, through MurmurHash3's finaliser.
    private static func hash(_ text: String, salt: String, separator: UInt8) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in salt.utf8 + [separator] + text.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        hash = (hash ^ hash >> 33) &* 0xFF51_AFD7_ED55_8CCD
        hash = (hash ^ hash >> 33) &* 0xC4CE_B9FE_1A85_EC53
        return hash ^ hash >> 33
    }
}
