/// Working memory for merging the bytes of one piece into tokens, reused from piece to piece.
///
/// The piece starts as one symbol per byte (the byte's token), in a doubly linked list. Each symbol
/// keeps the rule that would join it with its right neighbour (`rank << 32 | merged`, or `noRule`).
/// The lowest-ranked rule is applied first and, among equal ranks, the leftmost pair: the same
/// order as repeatedly merging the lowest-ranked adjacent pair of the whole piece. Short pieces
/// find that pair by scanning the symbols; long ones keep a min-heap of `rank << 32 | position`
/// and skip entries whose pair has changed since they were pushed.
struct BPEWorkspace {
    private struct Symbol {
        var id: Int32
        var previous: Int32
        var next: Int32
        var rule: UInt64
    }

    private var symbols: [Symbol] = []
    private var heap: [UInt64] = []

    /// Pieces up to this many bytes are merged by scanning, longer ones with the heap.
    static let scanLimit = 24
    private static let noRule = UInt64.max
    private static let rankMask: UInt64 = 0xFFFF_FFFF_0000_0000

    /// Appends to `output` the tokens of one piece's bytes. Bytes whose token is -1 (absent from the
    /// vocabulary) take part in no merge and are left out, as llama.cpp does.
    /// - Complexity: O(n²) with small constants for n ≤ ``scanLimit`` bytes, O(n log n) above.
    mutating func encode(_ bytes: UnsafeBufferPointer<UInt8>, byteTokens: UnsafeBufferPointer<Int32>,
                         merges: MergeTable, into output: inout [Int32]) {
        let count = bytes.count
        if count == 1 {
            let id = byteTokens[Int(bytes[0])]
            if id >= 0 { output.append(id) }
            return
        }
        if symbols.count > count {
            symbols.removeLast(symbols.count - count)
        } else {
            symbols.append(contentsOf: repeatElement(Symbol(id: 0, previous: 0, next: 0, rule: 0), count: count - symbols.count))
        }
        var heap: [UInt64] = []
        swap(&heap, &self.heap)
        defer { swap(&heap, &self.heap) }
        symbols.withUnsafeMutableBufferPointer { symbols in
            for position in 0..<count {
                symbols[position] = Symbol(id: byteTokens[Int(bytes[position])], previous: Int32(position - 1),
                                           next: position + 1 < count ? Int32(position + 1) : -1, rule: Self.noRule)
            }
            for position in 0..<(count - 1) {
                symbols[position].rule = merges.rule(symbols[position].id, symbols[position + 1].id) ?? Self.noRule
            }
            if count <= Self.scanLimit {
                Self.mergeByScanning(symbols, merges)
            } else {
                heap.removeAll(keepingCapacity: true)
                Self.mergeWithHeap(symbols, merges, &heap)
            }
            var position = 0
            while position >= 0 {
                if symbols[position].id >= 0 { output.append(symbols[position].id) }
                position = Int(symbols[position].next)
            }
        }
    }

    /// Applies the rule of the pair that starts at `left` and refreshes the rules of the pairs that
    /// now start at its left neighbour and at `left`; returns that neighbour (or -1).
    @inline(__always)
    @discardableResult
    private static func merge(at left: Int, _ symbols: UnsafeMutableBufferPointer<Symbol>, _ merges: MergeTable) -> Int {
        let right = Int(symbols[left].next)
        let after = symbols[right].next
        symbols[left].id = Int32(truncatingIfNeeded: symbols[left].rule)
        symbols[left].next = after
        symbols[right].rule = noRule
        if after >= 0 {
            symbols[Int(after)].previous = Int32(left)
            symbols[left].rule = merges.rule(symbols[left].id, symbols[Int(after)].id) ?? noRule
        } else {
            symbols[left].rule = noRule
        }
        let before = Int(symbols[left].previous)
        if before >= 0 {
            symbols[before].rule = merges.rule(symbols[before].id, symbols[left].id) ?? noRule
        }
        return before
    }

    private static func mergeByScanning(_ symbols: UnsafeMutableBufferPointer<Symbol>, _ merges: MergeTable) {
        while true {
            var best = noRule
            var left = -1
            for position in symbols.indices where symbols[position].rule < best {
                best = symbols[position].rule
                left = position
            }
            guard left >= 0 else { return }
            merge(at: left, symbols, merges)
        }
    }

    private static func mergeWithHeap(_ symbols: UnsafeMutableBufferPointer<Symbol>, _ merges: MergeTable,
                                      _ heap: inout [UInt64]) {
        for position in symbols.indices where symbols[position].rule != Self.noRule {
            push(symbols[position].rule & Self.rankMask | UInt64(position), &heap)
        }
        while let entry = popMin(&heap) {
            let left = Int(entry & 0xFFFF_FFFF)
            let rule = symbols[left].rule
            guard rule != Self.noRule, rule & Self.rankMask == entry & Self.rankMask else { continue }
            let before = Self.merge(at: left, symbols, merges)
            if before >= 0, symbols[before].rule != Self.noRule {
                push(symbols[before].rule & Self.rankMask | UInt64(before), &heap)
            }
            if symbols[left].rule != Self.noRule {
                push(symbols[left].rule & Self.rankMask | UInt64(left), &heap)
            }
        }
    }

    private static func push(_ entry: UInt64, _ heap: inout [UInt64]) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[parent] > heap[child] else { break }
            heap.swapAt(parent, child)
            child = parent
        }
    }

    private static func popMin(_ heap: inout [UInt64]) -> UInt64? {
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
