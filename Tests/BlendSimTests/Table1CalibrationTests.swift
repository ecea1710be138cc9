import BlendCore
import BlendSim
import Foundation
import XCTest

/// Table 1 of the BlendServe paper: ONE decoder layer of Llama-3-8B on an A100-80GB, decode
/// batches of 512/768/1024 sequences at KV length 1024, GEMM and attention in milliseconds.
/// Each cell of the model must be within 10% of the REAL (measured) value.
final class Table1CalibrationTests: XCTestCase {
    let cost = StepCostModel(model: .llama31_8B, hardware: .a100_80GB)

    /// The real columns of Table 1 (ms).
    static let realGEMM: [Int: Double] = [512: 1.087, 768: 1.537, 1024: 2.005]
    static let realAttention: [Int: Double] = [512: 1.317, 768: 1.913, 1024: 2.515]
    /// The paper's own estimates (ms), for the printed comparison only.
    static let paperGEMM: [Int: Double] = [512: 1.038, 768: 1.494, 1024: 1.916]
    static let paperAttention: [Int: Double] = [512: 1.239, 768: 1.859, 1024: 2.478]

    func gemmMilliseconds(_ batch: Int) -> Double { cost.layerGEMMSeconds(tokens: batch) * 1e3 }
    func attentionMilliseconds(_ batch: Int) -> Double {
        cost.layerAttentionSeconds(sequences: batch, kvLength: 1024) * 1e3
    }

    func assertCell(_ model: Double, real: Double, _ name: String, file: StaticString = #filePath, line: UInt = #line) {
        let error = (model - real) / real
        XCTAssertLessThan(abs(error), 0.10, "\(name): model \(model) ms vs real \(real) ms", file: file, line: line)
    }

    func testLayerParametersOfLlama3_8B() {
        XCTAssertEqual(cost.layerParameters, 218_103_808)
        XCTAssertEqual(cost.lmHeadParameters, 128_256 * 4096)
    }

    func testGEMMBatch512() { assertCell(gemmMilliseconds(512), real: 1.087, "GEMM 512") }
    func testGEMMBatch768() { assertCell(gemmMilliseconds(768), real: 1.537, "GEMM 768") }
    func testGEMMBatch1024() { assertCell(gemmMilliseconds(1024), real: 2.005, "GEMM 1024") }
    func testAttentionBatch512() { assertCell(attentionMilliseconds(512), real: 1.317, "attention 512") }
    func testAttentionBatch768() { assertCell(attentionMilliseconds(768), real: 1.913, "attention 768") }
    func testAttentionBatch1024() { assertCell(attentionMilliseconds(1024), real: 2.515, "attention 1024") }

    /// The paper's estimate column is `batch × 1024 × 4096 B / (0.85 × 2.039 TB/s)`: check that
    /// reading, with our kernel model at the paper's efficiency.
    func testPaperAttentionEstimateIsKVBytesOverBandwidthAt85Percent() {
        var options = SimulationOptions()
        options.bandwidthEfficiency = 0.85
        let paper = StepCostModel(model: .llama31_8B, hardware: .a100_80GB, options: options)
        for (batch, estimate) in Self.paperAttention {
            let ms = paper.layerAttentionSeconds(sequences: batch, kvLength: 1024) * 1e3
            XCTAssertEqual(ms, estimate, accuracy: 0.001, "batch \(batch)")
        }
    }

    /// Every Table 1 cell within 10% under every kernel model (all sequences are equal, so the
    /// kernels agree up to split-KV's wave rounding).
    func testAttentionCellsHoldForEveryKernel() {
        for kernel in [AttentionKernel.unsplit, .splitKV(chunkTokens: 256), .splitKV(chunkTokens: 512)] {
            var options = SimulationOptions()
            options.attention = kernel
            let model = StepCostModel(model: .llama31_8B, hardware: .a100_80GB, options: options)
            for (batch, real) in Self.realAttention {
                let ms = model.layerAttentionSeconds(sequences: batch, kvLength: 1024) * 1e3
                assertCell(ms, real: real, "\(kernel) attention \(batch)")
            }
        }
    }

    /// Prints the calibration table of `Docs/simulator.md`.
    func testPrintCalibrationTable() {
        print("| Cell | Model (ms) | Real (ms) | Error | Paper's estimate (ms) | Its error |")
        print("|---|---|---|---|---|---|")
        for batch in [512, 768, 1024] {
            for (name, model, real, paper) in [
                ("GEMM", gemmMilliseconds(batch), Self.realGEMM[batch]!, Self.paperGEMM[batch]!),
                ("Attention", attentionMilliseconds(batch), Self.realAttention[batch]!, Self.paperAttention[batch]!),
            ] {
                let error = (model - real) / real * 100, paperError = (paper - real) / real * 100
                print("| \(name) \(batch) | \(format(model)) | \(real) | \(format(error, 1))% | \(paper) | \(format(paperError, 1))% |")
            }
        }
    }

    private func format(_ value: Double, _ digits: Int = 3) -> String {
        let scale = pow(10, Double(digits))
        let rounded = (value * scale).rounded() / scale
        return rounded >= 0 && digits == 1 ? "+\(rounded)" : "\(rounded)"
    }
}
