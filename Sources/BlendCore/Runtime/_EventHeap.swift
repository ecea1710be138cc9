/// A binary min-heap of (key, sequence) pairs with lazy deletion: an entry is pushed whenever a
/// sequence's key changes, and its owner skips entries that no longer match when they surface.
/// The incremental step machinery keeps the step at which each sequence next needs attention here
/// (a KV block, a prefix-cache commit, a finish), so that a step touches only the sequences due.
/// Entries with equal keys come out in increasing sequence order.
package struct _EventHeap: Sendable {
    private struct Entry: Sendable {
        var key: Int
        var sequence: Int32

        @inline(__always)
        func precedes(_ other: Entry) -> Bool {
            key < other.key || (key == other.key && sequence < other.sequence)
        }
    }

    private var entries: [Entry] = []

    /// Creates an empty heap.
    /// - Complexity: O(1).
    package init() {}

    /// Entries held, stale ones included.
    /// - Complexity: O(1).
    package var count: Int { entries.count }

    /// The smallest entry, or `nil` when empty.
    /// - Complexity: O(1).
    package var top: (key: Int, sequence: Int32)? {
        entries.isEmpty ? nil : (entries[0].key, entries[0].sequence)
    }

    /// Adds an entry.
    /// - Complexity: O(log count).
    package mutating func push(_ key: Int, _ sequence: Int32) {
        entries.append(Entry(key: key, sequence: sequence))
        entries.withUnsafeMutableBufferPointer { heap in
            var child = heap.count - 1
            let entry = heap[child]
            while child > 0 {
                let parent = (child - 1) / 2
                guard entry.precedes(heap[parent]) else { break }
                heap[child] = heap[parent]
                child = parent
            }
            heap[child] = entry
        }
    }

    /// Removes the smallest entry.
    /// - Precondition: the heap is not empty.
    /// - Complexity: O(log count).
    package mutating func pop() {
        let last = entries.removeLast()
        guard !entries.isEmpty else { return }
        entries.withUnsafeMutableBufferPointer { Self.siftDown(last, from: 0, in: $0) }
    }

    /// Keeps only the entries `isLive` accepts, one per sequence (a sequence whose key went back
    /// to an earlier value may hold two live entries), and restores the heap order: call it when
    /// stale entries outnumber live ones.
    /// - Complexity: O(count + largest sequence id).
    package mutating func compact(keeping isLive: (Int, Int32) -> Bool) {
        let largest = entries.reduce(-1) { max($0, Int($1.sequence)) }
        var seen = [Bool](repeating: false, count: largest + 1)
        entries.removeAll { entry in
            guard isLive(entry.key, entry.sequence), !seen[Int(entry.sequence)] else { return true }
            seen[Int(entry.sequence)] = true
            return false
        }
        entries.withUnsafeMutableBufferPointer { heap in
            var parent = heap.count / 2 - 1
            while parent >= 0 {
                Self.siftDown(heap[parent], from: parent, in: heap)
                parent -= 1
            }
        }
    }

    /// Removes every entry.
    /// - Complexity: O(count).
    package mutating func removeAll() {
        entries.removeAll(keepingCapacity: true)
    }

    /// Places `entry` at `start` or below it, moving smaller children up.
    private static func siftDown(_ entry: Entry, from start: Int, in heap: UnsafeMutableBufferPointer<Entry>) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { break }
            let right = left + 1
            let child = right < heap.count && heap[right].precedes(heap[left]) ? right : left
            guard heap[child].precedes(entry) else { break }
            heap[parent] = heap[child]
            parent = child
        }
        heap[parent] = entry
    }
}
