import BlendCore
import XCTest
import BlendCPU
import CBlendCPU

/// bs_dequantize_row against the float64 reference, and the block geometry.
final class DequantizeTests: XCTestCase {
    func testBlockGeometryMatchesGGMLType() {
        for type in GGMLType.allCases {
            XCTAssertEqual(bs_type_supported(type.rawValue) != 0, type.isSupported, "\(type)")
            XCTAssertEqual(bs_block_elements(type.rawValue), type.isSupported ? Int64(type.blockElements) : 0, "\(type)")
            XCTAssertEqual(bs_block_bytes(type.rawValue), type.isSupported ? Int64(type.blockBytes) : 0, "\(type)")
        }
        XCTAssertEqual(bs_type_supported(99), 0)
    }

    /// Every value is the reference value rounded to float: exact (0 ulp). The formats' products
    /// are exact in float, so the kernels round once, as the conversion of the exact value does.
    func testRowsEqualTheRoundedReference() {
        for type in Kernels.types {
            let seed = UInt64(0xD0_0000) + UInt64(type.rawValue)
            var rng = SeededGenerator(seed: seed)
            let count = 4 * 256
            let bytes = RandomBlocks.make(type, count: count, using: &rng)
            let expected = ReferenceDequantizer.dequantize(type, bytes, count: count)
            var got = [Float](repeating: .nan, count: count)
            bytes.withUnsafeBytes { bs_dequantize_row(type.rawValue, $0.baseAddress, Int64(count), &got) }
            let mismatches = (0..<count).filter { got[$0] != Float(expected[$0]) }
            XCTAssertTrue(mismatches.isEmpty, "\(type) seed \(seed): \(mismatches.count) values differ, first at "
                + "\(mismatches.first ?? -1): \(mismatches.first.map { "\(got[$0]) vs \(expected[$0])" } ?? "")")
        }
    }
}
