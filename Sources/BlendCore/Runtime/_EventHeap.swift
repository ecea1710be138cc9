/// A binary min-heap of (key, sequence) pairs with lazy deletion: an entry is pushed whenever a
/// sequence's key changes, and its owner skips entries that no longer match when they surface.
/// The incremental step machinery keeps the step at which each sequence next needs attention here
/// (a KV block, a prefix-cache commit, a finish), so that a step touches only the sequences due.
/// Entries with equal keys come out in increasing sequence order.
package struct _EventHeap: Sendable {
    private var keys: [Int] = []
    private var sequences: [Int32] = []

    /// Creates an empty heap.
    /// - Complexity: O(1).
    package init() {}

    /// Entries held, stale ones included.
    /// - Complexity: O(1).
    package var count: Int { keys.count }

    /// The smallest entry, or `nil` when empty.
    /// - Complexity: O(1).
    package var top: (key: Int, sequence: Int32)? {
        keys.isEmpty ? nil : (keys[0], sequences[0])
    }

    /// Adds an entry.
    /// - Complexity: O(log count).
    package mutating func push(_ key: Int, _ sequence: Int32) {
        keys.append(key)
        sequences.append(sequence)
        var child = keys.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard precedes(child, parent) else { break }
            swapAt(child, parent)
            child = parent
        }
    }

    /// Removes the smallest entry.
    /// - Precondition: the heap is not empty.
    /// - Complexity: O(log count).
    package mutating func pop() {
        let last = keys.count - 1
        swapAt(0, last)
        keys.removeLast()
        sequences.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < last, precedes(left, smallest) { smallest = left }
            if right < last, precedes(right, smallest) { smallest = right }
            guard smallest != parent else { return }
            swapAt(parent, smallest)
            parent = smallest
        }
    }

    /// Keeps only the entries `isLive` accepts and restores the heap order: call it when stale
    /// entries outnumber live ones.
    /// - Complexity: O(count).
    package mutating func compact(keeping isLive: (Int, Int32) -> Bool) {
        var kept = 0
        for index in keys.indices where isLive(keys[index], sequences[index]) {
            keys[kept] = keys[index]
            sequences[kept] = sequences[index]
            kept += 1
        }
        keys.removeLast(keys.count - kept)
        sequences.removeLast(sequences.count - kept)
        var parent = keys.count / 2 - 1
        while parent >= 0 {
            var node = parent
            while true {
                let left = 2 * node + 1, right = left + 1
                var smallest = node
                if left < keys.count, precedes(left, smallest) { smallest = left }
                if right < keys.count, precedes(right, smallest) { smallest = right }
                guard smallest != node else { break }
                swapAt(node, smallest)
                node = smallest
            }
            parent -= 1
        }
    }

    /// Removes every entry.
    /// - Complexity: O(count).
    package mutating func removeAll() {
        keys.removeAll(keepingCapacity: true)
        sequences.removeAll(keepingCapacity: true)
    }

    private func precedes(_ a: Int, _ b: Int) -> Bool {
        keys[a] < keys[b] || (keys[a] == keys[b] && sequences[a] < sequences[b])
    }

    private mutating func swapAt(_ a: Int, _ b: Int) {
        keys.swapAt(a, b)
        sequences.swapAt(a, b)
    }
}
