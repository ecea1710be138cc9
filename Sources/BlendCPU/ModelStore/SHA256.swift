#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// SHA-256 (FIPS 180-4), incremental: feed bytes with ``update(_:)-(UnsafeRawBufferPointer)`` in
/// pieces of any size, then read the 32-byte digest with ``finalize()``. ``ModelStore`` uses it to
/// check downloaded models against their published checksums.
public struct SHA256: Sendable {
    /// Bytes in a digest.
    public static let digestByteCount = 32
    /// Bytes read from a file at a time by ``hexDigest(ofFile:)``.
    public static let fileChunkBytes = 1 << 20

    private static let blockBytes = 64
    private static let initialState: [UInt32] = [
        0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
    ]
    private static let roundConstants: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    private var state = Self.initialState
    /// The bytes of a block not yet complete (fewer than 64).
    private var pending: [UInt8] = []
    private var totalBytes: UInt64 = 0

    /// Starts an empty message.
    /// - Complexity: O(1).
    public init() {}

    /// Appends `bytes` to the message.
    /// - Complexity: O(bytes.count).
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        totalBytes &+= UInt64(bytes.count)
        var start = 0
        if !pending.isEmpty {
            let taken = min(Self.blockBytes - pending.count, bytes.count)
            pending.append(contentsOf: UnsafeRawBufferPointer(start: base, count: taken))
            start = taken
            guard pending.count == Self.blockBytes else { return }
            pending.withUnsafeBytes { compress($0.baseAddress!, blocks: 1) }
            pending.removeAll(keepingCapacity: true)
        }
        let blocks = (bytes.count - start) / Self.blockBytes
        compress(base + start, blocks: blocks)
        start += blocks * Self.blockBytes
        pending.append(contentsOf: UnsafeRawBufferPointer(start: base + start, count: bytes.count - start))
    }

    /// Appends `bytes` to the message.
    /// - Complexity: O(bytes.count).
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The 32-byte digest of the message so far (the hasher itself is unchanged, so more bytes may
    /// follow).
    /// - Complexity: O(1).
    public func finalize() -> [UInt8] {
        var last = self
        var padding: [UInt8] = [0x80]
        let used = (pending.count + 1) % Self.blockBytes
        padding.append(contentsOf: repeatElement(0, count: (Self.blockBytes - 8 - used + Self.blockBytes) % Self.blockBytes))
        let bits = totalBytes &* 8
        padding.append(contentsOf: (0..<8).reversed().map { UInt8(truncatingIfNeeded: bits >> (8 * $0)) })
        last.update(padding)
        return last.state.flatMap { word in (0..<4).reversed().map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } }
    }

    /// The digest of `bytes`.
    /// - Complexity: O(bytes.count).
    public static func digest(of bytes: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// The digest of `bytes` as 64 lowercase hex digits (what `sha256sum` prints).
    /// - Complexity: O(bytes.count).
    public static func hexDigest(of bytes: [UInt8]) -> String {
        hex(digest(of: bytes))
    }

    /// The digest of the file at `path` as 64 lowercase hex digits, read in 1 MiB chunks.
    /// - Throws: ``ModelStoreError/fileSystem(path:message:)`` when the file cannot be read.
    /// - Complexity: O(file size) time, O(1 MiB) memory.
    public static func hexDigest(ofFile path: String) throws -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw ModelStoreError.fileSystem(path: path, message: "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var hasher = SHA256()
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: fileChunkBytes, alignment: 64)
        defer { chunk.deallocate() }
        while true {
            let count = read(descriptor, chunk.baseAddress, chunk.count)
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw ModelStoreError.fileSystem(path: path, message: "cannot read: \(String(cString: strerror(errno)))")
            }
            hasher.update(UnsafeRawBufferPointer(rebasing: chunk[..<count]))
        }
        return hex(hasher.finalize())
    }

    /// `bytes` as lowercase hex digits, two per byte.
    /// - Complexity: O(bytes.count).
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Runs the compression function over `blocks` 64-byte blocks at `start`.
    private mutating func compress(_ start: UnsafeRawPointer, blocks: Int) {
        guard blocks > 0 else { return }
        Self.roundConstants.withUnsafeBufferPointer { constants in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { schedule in
                state.withUnsafeMutableBufferPointer { state in
                    for block in 0..<blocks {
                        Self.compressBlock(start + block * Self.blockBytes, state: state.baseAddress!,
                                           constants: constants.baseAddress!, schedule: schedule.baseAddress!)
                    }
                }
            }
        }
    }

    /// FIPS 180-4 §6.2.2 for one block.
    private static func compressBlock(_ block: UnsafeRawPointer, state: UnsafeMutablePointer<UInt32>,
                                      constants: UnsafePointer<UInt32>, schedule w: UnsafeMutablePointer<UInt32>) {
        for t in 0..<16 {
            var word: UInt32 = 0
            memcpy(&word, block + 4 * t, 4)
            w[t] = UInt32(bigEndian: word)
        }
        for t in 16..<64 {
            let x = w[t - 15]
            let y = w[t - 2]
            let s0 = (x &>> 7 | x &<< 25) ^ (x &>> 18 | x &<< 14) ^ (x &>> 3)
            let s1 = (y &>> 17 | y &<< 15) ^ (y &>> 19 | y &<< 13) ^ (y &>> 10)
            w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
        }
        var a = state[0], b = state[1], c = state[2], d = state[3]
        var e = state[4], f = state[5], g = state[6], h = state[7]
        for t in 0..<64 {
            let sum1 = (e &>> 6 | e &<< 26) ^ (e &>> 11 | e &<< 21) ^ (e &>> 25 | e &<< 7)
            let choose = (e & f) ^ (~e & g)
            let t1 = h &+ sum1 &+ choose &+ constants[t] &+ w[t]
            let sum0 = (a &>> 2 | a &<< 30) ^ (a &>> 13 | a &<< 19) ^ (a &>> 22 | a &<< 10)
            let majority = (a & b) ^ (a & c) ^ (b & c)
            let t2 = sum0 &+ majority
            h = g
            g = f
            f = e
            e = d &+ t1
            d = c
            c = b
            b = a
            a = t1 &+ t2
        }
        state[0] &+= a
        state[1] &+= b
        state[2] &+= c
        state[3] &+= d
        state[4] &+= e
        state[5] &+= f
        state[6] &+= g
        state[7] &+= h
    }
}
