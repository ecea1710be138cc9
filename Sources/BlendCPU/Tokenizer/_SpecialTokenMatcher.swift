/// Finds special tokens (control, unknown and user-defined tokens) in UTF-8 text so that they are
/// cut out before BPE: a byte trie of the tokens' texts, queried for the longest token starting at a
/// position.
struct SpecialTokenMatcher: Sendable {
    /// The outgoing edges of each node, as (byte, child node).
    private var edges: [[(byte: UInt8, node: Int32)]] = [[]]
    /// The token that ends at each node, or -1.
    private var tokenAtNode: [Int32] = [-1]
    /// Whether some token starts with each byte value.
    private var startsToken = [Bool](repeating: false, count: 256)

    /// Whether there is no token to find.
    private(set) var isEmpty = true

    /// Builds the trie. When two tokens have the same text, the first one listed is found.
    /// - Complexity: O(total length of the texts × fan-out).
    init(_ tokens: [(text: [UInt8], id: Int32)]) {
        for (text, id) in tokens where !text.isEmpty {
            var node = 0
            for byte in text {
                if let child = edges[node].first(where: { $0.byte == byte }) {
                    node = Int(child.node)
                } else {
                    edges.append([])
                    tokenAtNode.append(-1)
                    edges[node].append((byte, Int32(edges.count - 1)))
                    node = edges.count - 1
                }
            }
            if tokenAtNode[node] < 0 { tokenAtNode[node] = id }
            startsToken[Int(text[0])] = true
            isEmpty = false
        }
    }

    /// The first position from `start` whose byte starts some token, or `bytes.count`.
    /// - Complexity: O(distance).
    @inline(__always)
    func nextCandidate(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        startsToken.withUnsafeBufferPointer { startsToken in
            var index = start
            while index < bytes.count, !startsToken[Int(bytes[index])] { index += 1 }
            return index
        }
    }

    /// The longest token whose text starts at `start`, or nil.
    /// - Complexity: O(L × fan-out) where L is the longest token's length.
    @inline(__always)
    func longestMatch(in bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> (length: Int, id: Int32)? {
        guard startsToken[Int(bytes[start])] else { return nil }
        var node = 0
        var best: (length: Int, id: Int32)?
        var index = start
        while index < bytes.count, let child = edges[node].first(where: { $0.byte == bytes[index] }) {
            node = Int(child.node)
            index += 1
            if tokenAtNode[node] >= 0 { best = (index - start, tokenAtNode[node]) }
        }
        return best
    }
}
