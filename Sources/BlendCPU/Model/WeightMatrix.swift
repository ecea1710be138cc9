import CBlendCPU

/// A weight matrix inside a mapped model file: `rows` rows of `columns` values in `type`.
///
/// A GGUF tensor with dimensions `[in, out]` is `out` rows of `in` contiguous values, so the
/// product `y = W x` takes one dot product per row.
struct WeightMatrix: @unchecked Sendable {
    /// The first byte of row 0 (inside the file's mapping, which outlives the model).
    var base: UnsafeRawPointer
    /// The element type.
    var type: GGMLType
    /// Output dimension.
    var rows: Int
    /// Input dimension.
    var columns: Int
    /// Bytes per row.
    var rowBytes: Int

    /// The matrix of `tensor`, checked to be `rows × columns` of a supported type.
    /// - Complexity: O(1).
    init(_ tensor: GGUFTensorInfo, in file: GGUFFile, rows: Int, columns: Int) throws {
        guard tensor.dimensions == [columns, rows] else {
            throw ModelLoadError(source: file.path, problem:
                "tensor \(tensor.name) has dimensions \(tensor.dimensions), expected [\(columns), \(rows)]")
        }
        guard tensor.type.isSupported, bs_type_supported(tensor.type.rawValue) == 1,
              let rowBytes = tensor.type.rowBytes(elements: columns) else {
            throw ModelLoadError(source: file.path, problem:
                "tensor \(tensor.name) has type \(tensor.type), which this engine cannot compute with")
        }
        base = file.bytes(of: tensor).baseAddress!
        type = tensor.type
        self.rows = rows
        self.columns = columns
        self.rowBytes = rowBytes
    }

    /// Dequantises row `row` into `output` (`columns` floats).
    /// - Complexity: O(columns).
    func dequantizeRow(_ row: Int, into output: UnsafeMutablePointer<Float>) {
        bs_dequantize_row(type.rawValue, base + row * rowBytes, Int64(columns), output)
    }
}

