/// A compressed radix trie over the prompt token ids of a ``Workload`` whose leaves are requests.
///
/// Storage is an arena: nodes live in parallel arrays and are named by `Int32` handles; handle 0
/// is the root. Internal nodes carry the token segment (an edge) shared by every request below
/// them; each request is a leaf with an empty edge hanging under the node where its prompt ends,
/// so identical prompts give sibling leaves and a prompt that is a prefix of another still has a
/// leaf of its own. Edges are not copied: a node records where its tokens sit in the workload's
/// flat token buffer.
///
/// Children are kept in one contiguous array, each node owning a slice; ``sortChildren(by:)``
/// reorders those slices in place (Algorithm 1 of the paper).
public struct PrefixTree: Sendable {
    /// The handle of the root node.
    public static let root: Int32 = 0

    @usableFromInline var parents: [Int32]
    @usableFromInline var edgeStarts: [Int]
    @usableFromInline var edgeLengths: [Int32]
    @usableFromInline var depths: [Int32]
    @usableFromInline var requests: [Int32]
    @usableFromInline var childStarts: [Int32]
    @usableFromInline var childList: [Int32]
    @usableFromInline var leaves: [Int32]

    /// Number of nodes, root and leaves included.
    public var nodeCount: Int { parents.count }

    /// Number of requests (leaves).
    public var requestCount: Int { leaves.count }

    /// Distinct prompt prefixes over all requests: the sum of all edge lengths, which equals the
    /// node count of an uncompressed trie over the prompts (the root excluded).
    public private(set) var uniquePromptTokens: Int

    /// Builds the tree of `workload`'s prompts.
    /// - Complexity: O(total prompt tokens) expected: each request walks down its shared prefix
    ///   with one hash lookup per node on the way and one token comparison per shared token.
    public init(workload: Workload) {
        var builder = PrefixTreeBuilder(expectedRequests: workload.count)
        workload.tokens.withUnsafeBufferPointer { tokens in
            for request in 0 ..< workload.count {
                builder.insert(
                    request: Int32(request), tokens: tokens,
                    start: workload.promptOffsets[request], end: workload.promptOffsets[request + 1])
            }
        }
        parents = builder.parents
        edgeStarts = builder.edgeStarts
        edgeLengths = builder.edgeLengths
        depths = builder.depths
        requests = builder.requests
        leaves = builder.leaves
        uniquePromptTokens = builder.uniqueTokens
        (childStarts, childList) = Self.childArrays(parents: builder.parents)
    }

    /// Groups nodes under their parents, each parent's children in creation order.
    private static func childArrays(parents: [Int32]) -> (starts: [Int32], list: [Int32]) {
        var starts = [Int32](repeating: 0, count: parents.count + 1)
        for node in 1 ..< parents.count { starts[Int(parents[node]) + 1] += 1 }
        for node in 0 ..< parents.count { starts[node + 1] += starts[node] }
        var fill = starts
        var list = [Int32](repeating: 0, count: max(parents.count - 1, 0))
        for node in 1 ..< parents.count {
            let parent = Int(parents[node])
            list[Int(fill[parent])] = Int32(node)
            fill[parent] += 1
        }
        return (starts, list)
    }

    /// The parent of `node`, or -1 for the root.
    /// - Complexity: O(1).
    @inlinable public func parent(of node: Int32) -> Int32 { parents[Int(node)] }

    /// The children of `node`, in the current order (creation order until sorted).
    /// - Complexity: O(1).
    @inlinable public func children(of node: Int32) -> ArraySlice<Int32> {
        childList[Int(childStarts[Int(node)]) ..< Int(childStarts[Int(node) + 1])]
    }

    /// Number of children of `node`.
    /// - Complexity: O(1).
    @inlinable public func childCount(of node: Int32) -> Int {
        Int(childStarts[Int(node) + 1] - childStarts[Int(node)])
    }

    /// Tokens on the edge into `node` (0 for the root and for request leaves).
    /// - Complexity: O(1).
    @inlinable public func edgeLength(of node: Int32) -> Int { Int(edgeLengths[Int(node)]) }

    /// Where the edge into `node` starts in the workload's flat token buffer.
    /// - Complexity: O(1).
    @inlinable public func edgeStart(of node: Int32) -> Int { edgeStarts[Int(node)] }

    /// Prompt tokens from the root to the end of `node` (the paper's `len_prefix`).
    /// - Complexity: O(1).
    @inlinable public func depth(of node: Int32) -> Int { Int(depths[Int(node)]) }

    /// The request a leaf stands for, or `nil` for an internal node.
    /// - Complexity: O(1).
    @inlinable public func request(at node: Int32) -> Int? {
        let value = requests[Int(node)]
        return value >= 0 ? Int(value) : nil
    }

    /// The leaf of request `request`.
    /// - Complexity: O(1).
    @inlinable public func leaf(of request: Int) -> Int32 { leaves[request] }
}
