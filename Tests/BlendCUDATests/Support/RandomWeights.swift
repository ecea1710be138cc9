import BlendCore
import BlendCPU
import CBlendCPU

/// Random weight rows in every supported GGML layout: random quants and bytes, with every scale
/// field a finite half, so that each row dequantises to finite values.
enum RandomWeights {
    /// Byte offsets of the f16 scale fields within one block of each quantised type.
    static let scaleOffsets: [GGMLType: [Int]] = [.q4_0: [0], .q4_1: [0, 2], .q8_0: [0], .q4_K: [0, 2], .q6_K: [208]]

    /// `rows × columns` values of `type` (columns a multiple of the type's block size).
    static func matrix(_ type: GGMLType, rows: Int, columns: Int, using random: inout SeededGenerator) -> [UInt8] {
        let rowBytes = type.rowBytes(elements: columns)!
        var bytes = (0..<rows * rowBytes).map { _ in UInt8.random(in: 0...255, using: &random) }
        func half(_ value: Float) -> UInt16 {
            var value = value, bits: UInt16 = 0
            bs_f32_to_f16(Int32(BS_ISA_PORTABLE), &value, &bits, 1)
            return bits
        }
        func store(_ bits: UInt16, at offset: Int) {
            bytes[offset] = UInt8(bits & 0xFF)
            bytes[offset + 1] = UInt8(bits >> 8)
        }
        switch type {
        case .f32:
            for i in 0..<rows * columns {
                withUnsafeBytes(of: Float.random(in: -1...1, using: &random).bitPattern.littleEndian) {
                    for b in 0..<4 { bytes[4 * i + b] = $0[b] }
                }
            }
        case .f16:
            for i in 0..<rows * columns { store(half(Float.random(in: -1...1, using: &random)), at: 2 * i) }
        case .bf16:
            for i in 0..<rows * columns { store(UInt16(Float.random(in: -1...1, using: &random).bitPattern >> 16), at: 2 * i) }
        default:
            for block in stride(from: 0, to: bytes.count, by: type.blockBytes) {
                for offset in scaleOffsets[type]! {
                    store(half(Float.random(in: -0.05...0.05, using: &random)), at: block + offset)
                }
            }
        }
        return bytes
    }

    /// Row `row` of a matrix from ``matrix(_:rows:columns:using:)``, dequantised by the CPU kernels.
    static func dequantize(_ bytes: [UInt8], _ type: GGMLType, row: Int, columns: Int) -> [Float] {
        let rowBytes = type.rowBytes(elements: columns)!
        var values = [Float](repeating: 0, count: columns)
        bytes.withUnsafeBytes { raw in
            values.withUnsafeMutableBufferPointer {
                bs_dequantize_row(type.rawValue, raw.baseAddress! + row * rowBytes, Int64(columns), $0.baseAddress!)
            }
        }
        return values
    }

    /// `count` uniform floats in `range`.
    static func floats(_ count: Int, in range: ClosedRange<Float> = -1...1, using random: inout SeededGenerator) -> [Float] {
        (0..<count).map { _ in Float.random(in: range, using: &random) }
    }
}
