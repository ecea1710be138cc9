/// Working memory for merging the bytes of one piece into tokens, reused from piece to piece.
///
/// The piece starts as one symbol per byte (the byte's token). A min-heap holds candidate pairs of
/// adjacent symbols keyed by `rank << 32 | left position`, so the lowest-ranked rule is applied
/// first and, among equal ranks, the leftmost pair: the same order as repeatedly merging the
/// lowest-ranked adjacent pair of the whole piece. Symbols form a doubly linked list; a heap entry
/// whose pair has changed since it was pushed is skipped when popped.
struct BPEWorkspace {
    private var ids: [Int32] = []
    private var previous: [Int32] = []
    private var next: [Int32] = []
    private var heap: [UInt64] = []

    /// Appends to `output` the tokens of one piece's bytes. Bytes whose token is -1 (absent from the
    /// vocabulary) take part in no merge and are left out, as llama.cpp does.
    /// - Complexity: O(n log n) in the number of bytes.
    mutating func encode(_ bytes: UnsafeBufferPointer<UInt8>, byteTokens: UnsafeBufferPointer<Int32>,
                         merges: MergeTable, into output: inout [Int32]) {
        let count = bytes.count
        if count == 1 {
            let id = byteTokens[Int(bytes[0])]
            if id >= 0 { output.append(id) }
            return
        }
        ids.removeAll(keepingCapacity: true)
        previous.removeAll(keepingCapacity: true)
        next.removeAll(keepingCapacity: true)
        heap.removeAll(keepingCapacity: true)
        for (position, byte) in bytes.enumerated() {
            ids.append(byteTokens[Int(byte)])
            previous.append(Int32(position - 1))
            next.append(position + 1 < count ? Int32(position + 1) : -1)
        }
        for position in 0..<(count - 1) {
            if let rule = merges.rule(ids[position], ids[position + 1]) {
                push(rule & Self.rankMask | UInt64(position))
            }
        }
        while let entry = popMin() {
            let left = Int(entry & 0xFFFF_FFFF)
            let right = Int(next[left])
            guard right >= 0, ids[left] != Self.removed,
                  let rule = merges.rule(ids[left], ids[right]), rule & Self.rankMask == entry & Self.rankMask else { continue }
            ids[left] = Int32(truncatingIfNeeded: rule)
            ids[right] = Self.removed
            let after = next[right]
            next[left] = after
            if after >= 0 { previous[Int(after)] = Int32(left) }
            let before = previous[left]
            if before >= 0, let rule = merges.rule(ids[Int(before)], ids[left]) {
                push(rule & Self.rankMask | UInt64(before))
            }
            if after >= 0, let rule = merges.rule(ids[left], ids[Int(after)]) {
                push(rule & Self.rankMask | UInt64(left))
            }
        }
        var position = 0
        while position >= 0 {
            if ids[position] >= 0 { output.append(ids[position]) }
            position = Int(next[position])
        }
    }

    /// Keeps the rank half of a rule (or of a heap entry).
    private static let rankMask: UInt64 = 0xFFFF_FFFF_0000_0000

    /// Marks a symbol merged into its left neighbour (distinct from -1, a byte without a token).
    private static let removed = Int32.min

    private mutating func push(_ entry: UInt64) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[parent] > heap[child] else { break }
            heap.swapAt(parent, child)
            child = parent
        }
    }

    private mutating func popMin() -> UInt64? {
        guard let last = heap.popLast() else { return nil }
        guard !heap.isEmpty else { return last }
        let top = heap[0]
        heap[0] = last
        var parent = 0
        let count = heap.count
        while true {
            let left = 2 * parent + 1
            guard left < count else { break }
            let right = left + 1
            let smaller = right < count && heap[right] < heap[left] ? right : left
            guard heap[smaller] < heap[parent] else { break }
            heap.swapAt(parent, smaller)
            parent = smaller
        }
        return top
    }
}
