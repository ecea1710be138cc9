/// Where one tensor of a ``GGUFFile`` lies and what it holds, as validated by the reader.
///
/// Dimensions follow ggml's order: `dimensions[0]` is the innermost, contiguous one (a row), so a
/// matrix with ne = [576, 1536] is 1536 rows of 576 values.
public struct GGUFTensorInfo: Sendable, Hashable {
    /// The tensor's name (`blk.0.attn_q.weight`).
    public let name: String
    /// Its element type.
    public let type: GGMLType
    /// ggml's ne, innermost first: 1 to 4 sizes, each at least 1.
    public let dimensions: [Int]
    /// Absolute byte offset of its data in the file (the data section's start plus the tensor's
    /// relative offset), a multiple of the file's alignment.
    public let offset: Int
    /// Bytes of its data: `rowCount` times the bytes of one row of `type`.
    public let byteCount: Int
    /// Number of values: the product of `dimensions`.
    public let elementCount: Int

    /// Creates the description of a tensor whose sizes the caller has validated.
    init(name: String, type: GGMLType, dimensions: [Int], offset: Int, byteCount: Int, elementCount: Int) {
        self.name = name
        self.type = type
        self.dimensions = dimensions
        self.offset = offset
        self.byteCount = byteCount
        self.elementCount = elementCount
    }

    /// Values per row: `dimensions[0]`.
    /// - Complexity: O(1).
    public var rowLength: Int { dimensions[0] }

    /// Number of rows: the product of the dimensions after the first (1 for a vector).
    /// - Complexity: O(1) (at most 4 dimensions).
    public var rowCount: Int { elementCount / dimensions[0] }
}
