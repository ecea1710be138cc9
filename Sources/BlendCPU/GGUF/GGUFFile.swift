/// A GGUF model file (versions 2 and 3): its metadata, its tensor table and its tensor data,
/// validated on opening.
///
/// Opening a file maps it read-only and parses only the header; tensor data stays on disk until
/// read through ``bytes(of:)``. Everything is immutable after `init`, so a `GGUFFile` can be shared
/// between threads. Tensors of types the engines cannot compute (``GGMLType/isSupported``) load
/// fine; engines reject them when they build a model.
public final class GGUFFile: @unchecked Sendable {
    /// The path the file was opened from, or the name given to an in-memory file.
    public let path: String
    /// The GGUF version, 2 or 3.
    public let version: UInt32
    /// The metadata pairs by key.
    public let metadata: [String: GGUFValue]
    /// The metadata keys in file order.
    public let metadataKeys: [String]
    /// The tensors in file order, with absolute offsets.
    public let tensors: [GGUFTensorInfo]
    /// The alignment of the data section and of each tensor's data: `general.alignment`, else 32.
    public let alignment: Int
    /// The byte offset where the data section starts: the end of the header rounded up to
    /// `alignment` (it may reach past `fileSize` in a file without tensors).
    public let dataOffset: Int
    /// The file's size in bytes.
    public let fileSize: Int

    private let tensorIndex: [String: Int]
    /// Keeps `buffer` valid: a ``MappedFile`` or an ``_OwnedBytes``.
    private let owner: AnyObject
    private let buffer: UnsafeRawBufferPointer

    /// Maps the file at `path` read-only and parses its header.
    /// - Throws: ``GGUFError`` when the file cannot be mapped or breaks a rule of the format.
    /// - Complexity: O(header bytes + t log t) for t tensors; tensor data is not read.
    public convenience init(path: String) throws {
        let mapped = try MappedFile(path: path)
        try self.init(owner: mapped, buffer: mapped.bytes, name: path)
    }

    /// Parses a GGUF file held in memory (it copies `bytes`); `name` stands for the path in errors.
    /// - Throws: ``GGUFError`` when the bytes break a rule of the format.
    /// - Complexity: O(bytes.count) for the copy, plus the parse as in ``init(path:)``.
    public convenience init(bytes: [UInt8], name: String = "<memory>") throws {
        let copy = _OwnedBytes(copying: bytes)
        try self.init(owner: copy, buffer: copy.bytes, name: name)
    }

    /// Parses the file in `buffer`, which `owner` keeps valid for as long as it lives.
    /// - Complexity: O(header bytes + t log t) for t tensors.
    init(owner: AnyObject, buffer: UnsafeRawBufferPointer, name: String) throws {
        let header: _GGUFHeader
        do {
            header = try _GGUFHeader(parsing: buffer)
        } catch let error as _GGUFFormatError {
            throw GGUFError(file: name, offset: error.offset, message: error.message)
        }
        path = name
        version = header.version
        metadata = header.metadata
        metadataKeys = header.metadataKeys
        tensors = header.tensors
        tensorIndex = header.tensorIndex
        alignment = header.alignment
        dataOffset = header.dataOffset
        fileSize = buffer.count
        self.owner = owner
        self.buffer = buffer
    }

    /// The tensor called `name`, or nil.
    /// - Complexity: O(1) on average (a hash lookup of the name).
    public func tensor(named name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// The data of `tensor`, which must come from this file's ``tensors``. The buffer points into
    /// the mapped file and stays valid while this `GGUFFile` lives.
    /// - Precondition: the tensor lies inside this file.
    /// - Complexity: O(1) (pages are read from disk when touched).
    public func bytes(of tensor: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        precondition(tensor.offset >= 0 && tensor.byteCount <= fileSize - tensor.offset,
                     "tensor \"\(tensor.name)\" does not lie inside \(path)")
        return UnsafeRawBufferPointer(rebasing: buffer[tensor.offset..<tensor.offset + tensor.byteCount])
    }

    /// The model architecture, `general.architecture` (`llama`), when the file names one.
    /// - Complexity: O(1) on average.
    public var architecture: String? {
        metadata["general.architecture"]?.stringValue
    }
}
