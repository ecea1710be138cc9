/// A private, page-aligned copy of some bytes, freed when the object goes away; it gives an
/// in-memory ``GGUFFile`` the same stable, aligned storage a memory map gives a file on disk.
final class _OwnedBytes: @unchecked Sendable {
    /// Alignment of the copy, the same as a memory map's.
    private static let alignment = 4096

    /// The copy, valid while this object lives.
    let bytes: UnsafeRawBufferPointer

    /// Copies `source`.
    /// - Complexity: O(source.count).
    init(copying source: [UInt8]) {
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: source.count, alignment: Self.alignment)
        source.withUnsafeBytes { storage.copyMemory(from: $0) }
        bytes = UnsafeRawBufferPointer(storage)
    }

    deinit {
        bytes.deallocate()
    }
}
