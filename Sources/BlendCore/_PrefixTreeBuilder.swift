/// Incremental construction of a ``PrefixTree``: nodes are appended to parallel arrays and a
/// hash map from (parent, first edge token) to child finds the branch to follow.
struct PrefixTreeBuilder {
    var parents: [Int32] = [-1]
    var edgeStarts: [Int] = [0]
    var edgeLengths: [Int32] = [0]
    var depths: [Int32] = [0]
    var requests: [Int32] = [-1]
    var leaves: [Int32] = []
    var uniqueTokens = 0
    private var branches: [UInt64: Int32] = [:]

    init(expectedRequests: Int) {
        let nodes = 2 * expectedRequests + 1
        parents.reserveCapacity(nodes)
        edgeStarts.reserveCapacity(nodes)
        edgeLengths.reserveCapacity(nodes)
        depths.reserveCapacity(nodes)
        requests.reserveCapacity(nodes)
        leaves.reserveCapacity(expectedRequests)
        branches.reserveCapacity(nodes)
    }

    private static func key(_ parent: Int32, _ token: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: parent)) << 32 | UInt64(UInt32(bitPattern: token))
    }

    private mutating func addNode(parent: Int32, edgeStart: Int, edgeLength: Int, request: Int32) -> Int32 {
        let node = Int32(parents.count)
        parents.append(parent)
        edgeStarts.append(edgeStart)
        edgeLengths.append(Int32(edgeLength))
        depths.append(depths[Int(parent)] + Int32(edgeLength))
        requests.append(request)
        return node
    }

    /// Inserts request `request` whose prompt is `tokens[start ..< end]`.
    /// - Complexity: O(shared prefix length + nodes on its path).
    mutating func insert(request: Int32, tokens: UnsafeBufferPointer<Int32>, start: Int, end: Int) {
        var node = PrefixTree.root
        var position = start
        while position < end {
            let key = Self.key(node, tokens[position])
            guard let child = branches[key] else {
                let tail = addNode(parent: node, edgeStart: position, edgeLength: end - position, request: -1)
                branches[key] = tail
                uniqueTokens += end - position
                node = tail
                position = end
                break
            }
            let edgeStart = edgeStarts[Int(child)]
            let edgeLength = Int(edgeLengths[Int(child)])
            let limit = min(edgeLength, end - position)
            var matched = 1
            while matched < limit, tokens[edgeStart + matched] == tokens[position + matched] { matched += 1 }
            if matched < edgeLength {
                splitEdge(of: child, at: matched, parent: node, key: key, tokens: tokens)
                node = parents[Int(child)]
            } else {
                node = child
            }
            position += matched
        }
        leaves.append(addNode(parent: node, edgeStart: end, edgeLength: 0, request: request))
    }

    /// Cuts the edge into `child` after `length` tokens, inserting a new internal node above it.
    private mutating func splitEdge(of child: Int32, at length: Int, parent: Int32, key: UInt64, tokens: UnsafeBufferPointer<Int32>) {
        let start = edgeStarts[Int(child)]
        let middle = addNode(parent: parent, edgeStart: start, edgeLength: length, request: -1)
        branches[key] = middle
        parents[Int(child)] = middle
        edgeStarts[Int(child)] = start + length
        edgeLengths[Int(child)] -= Int32(length)
        branches[Self.key(middle, tokens[start + length])] = child
    }
}
