/// The steps at which decoding sequences next need the batcher, as entries `(key, sequence)`
/// with `key = step << 32 | tag`, with lazy deletion like ``_EventHeap``: the steps at which they
/// need a KV block or a prefix-cache commit (tag: the admission ticket), and those at which they
/// reach a notified count (tag 0).
///
/// Most entries fall due within the window the owner sizes (a block's worth of steps, an output's
/// length), so entries due within `window` steps of the last take sit in a ring of per-step
/// buckets: a push appends to one bucket, and taking the due entries empties the buckets of the
/// steps passed, with no sift through a heap of thousands of entries. Entries due later wait in an
/// ``_EventHeap``; entries due at or before the last take (a commit of tokens the engine reported
/// late) wait in a list that the next take empties.
struct DueSteps: Sendable {
    private struct Entry: Sendable {
        var key: Int
        var sequence: Int32
    }

    private var buckets: [[Entry]]
    private let mask: Int
    /// The step of the last take: ring entries are due in `(taken, taken + window)`.
    private var taken = 0
    private var later = _EventHeap()
    private var overdue: [Entry] = []

    /// An empty set whose ring covers at least `window` steps.
    /// - Complexity: O(window).
    init(window: Int) {
        var size = 2
        while size < max(window, 2) { size *= 2 }
        buckets = [[Entry]](repeating: [], count: size)
        mask = size - 1
    }

    /// Entries outside the ring, stale ones included (what ``compact(keeping:)`` can shrink).
    /// - Complexity: O(1).
    var countOutsideRing: Int { later.count + overdue.count }

    /// Adds an entry.
    /// - Complexity: O(1) within the ring, else O(log entries outside it).
    mutating func push(_ key: Int, _ sequence: Int32) {
        let step = key >> 32
        if step <= taken {
            overdue.append(Entry(key: key, sequence: sequence))
        } else if step - taken < buckets.count {
            buckets[step & mask].append(Entry(key: key, sequence: sequence))
        } else {
            later.push(key, sequence)
        }
    }

    /// Calls `body` with every entry due at or before `step` (stale ones included, in no
    /// particular order) and removes them.
    /// - Precondition: `step` is at least the step of the previous take.
    /// - Complexity: O(entries due + buckets passed + log(entries outside the ring) per entry
    ///   taken from there).
    mutating func takeDue(through step: Int, _ body: (Int, Int32) -> Void) {
        precondition(step >= taken, "due steps are taken in order")
        for entry in overdue { body(entry.key, entry.sequence) }
        overdue.removeAll(keepingCapacity: true)
        if step > taken {
            let passed = min(step - taken, buckets.count)
            for offset in 1 ... passed {
                let bucket = (taken + offset) & mask
                for entry in buckets[bucket] { body(entry.key, entry.sequence) }
                buckets[bucket].removeAll(keepingCapacity: true)
            }
            taken = step
        }
        let limit = (step + 1) << 32
        while let top = later.top, top.key < limit {
            later.pop()
            body(top.key, top.sequence)
        }
    }

    /// Keeps only the entries outside the ring that `isLive` accepts (see
    /// ``_EventHeap/compact(keeping:)``); ring entries leave when their step is taken.
    /// - Complexity: O(entries outside the ring + largest sequence id).
    mutating func compact(keeping isLive: (Int, Int32) -> Bool) {
        later.compact(keeping: isLive)
        overdue.removeAll { !isLive($0.key, $0.sequence) }
    }
}
