/// The running sequences of a ``SequenceBatcher`` in admission order: a doubly linked list over
/// request indices, so that a sequence leaves from anywhere in O(1) and the newest is found in
/// O(1). Each admission draws an increasing *ticket*; plans list sequences in ticket order.
public struct RunningOrder: Collection, Sendable {
    /// A position in the list: a request and its ticket (the end position has ticket `Int.max`).
    public struct Index: Comparable, Sendable {
        @usableFromInline let node: Int32
        @usableFromInline let ticket: Int

        /// Positions compare by ticket, which is admission order.
        /// - Complexity: O(1).
        @inlinable public static func < (lhs: Index, rhs: Index) -> Bool { lhs.ticket < rhs.ticket }
    }

    private var next: [Int32]
    private var previous: [Int32]
    /// Per request: the ticket of its latest admission.
    private(set) var tickets: [Int]
    private var head: Int32 = -1
    private var tail: Int32 = -1
    private var nextTicket = 0
    /// Requests in the list.
    /// - Complexity: O(1).
    public private(set) var count = 0

    /// An empty list for `requests` requests.
    /// - Complexity: O(requests).
    init(requests: Int) {
        next = [Int32](repeating: -1, count: requests)
        previous = [Int32](repeating: -1, count: requests)
        tickets = [Int](repeating: -1, count: requests)
    }

    /// The first (oldest) position.
    /// - Complexity: O(1).
    public var startIndex: Index { head < 0 ? endIndex : Index(node: head, ticket: tickets[Int(head)]) }

    /// The position past the newest request.
    /// - Complexity: O(1).
    public var endIndex: Index { Index(node: -1, ticket: .max) }

    /// The request at `position`.
    /// - Complexity: O(1).
    public subscript(position: Index) -> Int32 { position.node }

    /// The position after `position`.
    /// - Complexity: O(1).
    public func index(after position: Index) -> Index {
        let following = next[Int(position.node)]
        return following < 0 ? endIndex : Index(node: following, ticket: tickets[Int(following)])
    }

    /// Whether the list is empty.
    /// - Complexity: O(1).
    public var isEmpty: Bool { count == 0 }

    /// The newest request, or `nil`.
    /// - Complexity: O(1).
    public var last: Int32? { tail < 0 ? nil : tail }

    /// The request after `request` in admission order, or -1.
    /// - Complexity: O(1).
    func successor(of request: Int32) -> Int32 { next[Int(request)] }

    /// The oldest request, or -1.
    /// - Complexity: O(1).
    var oldest: Int32 { head }

    /// Appends `request` (not in the list) with a new ticket.
    /// - Complexity: O(1).
    mutating func append(_ request: Int32) {
        let index = Int(request)
        tickets[index] = nextTicket
        nextTicket += 1
        previous[index] = tail
        next[index] = -1
        if tail >= 0 { next[Int(tail)] = request } else { head = request }
        tail = request
        count += 1
    }

    /// Removes `request`, which is in the list.
    /// - Complexity: O(1).
    mutating func remove(_ request: Int32) {
        let index = Int(request)
        let before = previous[index], after = next[index]
        if before >= 0 { next[Int(before)] = after } else { head = after }
        if after >= 0 { previous[Int(after)] = before } else { tail = before }
        next[index] = -1
        previous[index] = -1
        count -= 1
    }
}
