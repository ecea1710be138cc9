@testable import BlendCUDA
import Foundation
import XCTest

/// NVRTC for the tests that compile kernels: found as the engine finds it (`$BLENDSERVE_NVRTC`,
/// then `libnvrtc.so.13` / `.12` on the loader's path). Without it those tests are skipped with the
/// reason, unless `BLENDSERVE_REQUIRE_NVRTC=1` (CI sets it after installing the pip wheel), which
/// turns the skip into a failure.
enum NVRTCTestSupport {
    static func nvrtc() throws -> NVRTC {
        do {
            return try NVRTC()
        } catch {
            let reason = "NVRTC is not available (\(error)); install it with `python3 -m pip install nvidia-cuda-nvrtc-cu12` and set BLENDSERVE_NVRTC to its libnvrtc.so.12"
            if ProcessInfo.processInfo.environment["BLENDSERVE_REQUIRE_NVRTC"] == "1" {
                XCTFail("BLENDSERVE_REQUIRE_NVRTC=1 but " + reason)
                throw error
            }
            throw XCTSkip(reason)
        }
    }
}
