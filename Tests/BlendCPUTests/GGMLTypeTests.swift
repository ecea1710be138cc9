import XCTest
import CBlendCPU
@testable import BlendCPU

final class GGMLTypeTests: XCTestCase {
    func testRowBytesNeedWholeBlocks() {
        XCTAssertEqual(GGMLType.q4_1.rowBytes(elements: 576), 18 * 20)
        XCTAssertEqual(GGMLType.q8_0.rowBytes(elements: 64), 2 * 34)
        XCTAssertEqual(GGMLType.q6_K.rowBytes(elements: 512), 2 * 210)
        XCTAssertEqual(GGMLType.f16.rowBytes(elements: 7), 14)
        XCTAssertNil(GGMLType.q4_0.rowBytes(elements: 48))
        XCTAssertNil(GGMLType.q4_K.rowBytes(elements: 128))
    }

    func testIntegerMetadataConvertsAcrossWidths() {
        XCTAssertEqual(GGUFValue.uint32(30).intValue, 30)
        XCTAssertEqual(GGUFValue.int64(-3).intValue, -3)
        XCTAssertNil(GGUFValue.uint64(.max).intValue)
        XCTAssertEqual(GGUFValue.float32(1e-5).doubleValue!, 1e-5, accuracy: 1e-12)
        XCTAssertEqual(GGUFValue.uint8(1).boolValue, true)
        XCTAssertNil(GGUFValue.uint8(2).boolValue)
        XCTAssertEqual(GGUFValue.array([.string("a"), .string("b")]).stringArray, ["a", "b"])
        XCTAssertNil(GGUFValue.array([.string("a"), .int32(1)]).stringArray)
    }

    func testDetectedLevelIsOneOfTheKnownLevels() {
        XCTAssertTrue([BS_ISA_PORTABLE, BS_ISA_AVX2, BS_ISA_AVX512].map(Int32.init).contains(bs_cpu_best_isa()))
    }
}
