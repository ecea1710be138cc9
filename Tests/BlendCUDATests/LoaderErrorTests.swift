@testable import BlendCUDA
import CBlendCUDA
import XCTest

/// The run-time loader's error paths, on any machine: a library that is not there, a library
/// without the functions, a NULL handle. Each failure names the step that failed.
final class LoaderErrorTests: XCTestCase {
    func testMissingDriverLibraryNamesDlopen() {
        XCTAssertThrowsError(try CUDADriver(path: "/nonexistent/libcuda.so.1")) { error in
            let error = error as! CUDAError
            XCTAssertEqual(error.call, "dlopen libcuda")
            XCTAssertEqual(error.code, -1)
            XCTAssertTrue(error.message.contains("/nonexistent/libcuda.so.1"), error.message)
        }
    }

    func testDriverLibraryWithoutTheSymbolsNamesTheFirstMissingOne() {
        XCTAssertThrowsError(try CUDADriver(path: "libm.so.6")) { error in
            let error = error as! CUDAError
            XCTAssertEqual(error.call, "dlsym")
            XCTAssertEqual(error.code, -2)
            XCTAssertEqual(error.message, "libm.so.6 has no symbol cuInit")
        }
    }

    func testMissingNVRTCLibraryNamesDlopen() {
        XCTAssertThrowsError(try NVRTC(path: "/nonexistent/libnvrtc.so.12")) { error in
            let error = error as! CUDAError
            XCTAssertEqual(error.call, "dlopen libnvrtc")
            XCTAssertEqual(error.code, -1)
        }
    }

    func testNVRTCLibraryWithoutTheSymbolsNamesTheFirstMissingOne() {
        XCTAssertThrowsError(try NVRTC(path: "libm.so.6")) { error in
            let error = error as! CUDAError
            XCTAssertEqual(error.call, "dlsym")
            XCTAssertEqual(error.message, "libm.so.6 has no symbol nvrtcGetErrorString")
        }
    }

    func testNullHandlesAreRejectedWithTheCallsName() {
        var address: bcu_device_ptr = 0
        XCTAssertEqual(bcu_mem_alloc(nil, 16, &address), Int32(BCU_ERROR_INVALID_ARGUMENT))
        XCTAssertEqual(String(cString: bcu_last_error_call()), "cuMemAlloc_v2")
        var program: OpaquePointer?
        XCTAssertEqual(bcu_nvrtc_compile(nil, "", "x.cu", 0, nil, nil, 0, nil, &program), Int32(BCU_ERROR_INVALID_ARGUMENT))
        XCTAssertEqual(String(cString: bcu_last_error_call()), "nvrtcCreateProgram")
        XCTAssertNil(program)
    }

    func testErrorsAreKeptPerThread() throws {
        XCTAssertThrowsError(try CUDADriver(path: "/nonexistent/a.so"))
        let other = Thread { _ = try? NVRTC(path: "libm.so.6") }
        other.start()
        while !other.isFinished { usleep(1000) }
        XCTAssertEqual(CUDAError.last().call, "dlopen libcuda")
    }

    func testAvailabilityWithoutADriverGivesTheReason() {
        guard case .unavailable(let reason) = CUDAEngine.availability(driverPath: "/nonexistent/libcuda.so.1") else {
            return XCTFail("a driver that does not exist cannot be available")
        }
        XCTAssertTrue(reason.contains("dlopen libcuda"), reason)
    }

    func testCommandLineEngineFailsAtOnceAndNamesTheCPUEngine() {
        let started = ContinuousClock.now
        var options = CUDAEngine.Options()
        options.driverPath = "/nonexistent/libcuda.so.1"
        XCTAssertThrowsError(try CUDAEngine.forCommandLine(modelPath: "/nonexistent/model.gguf", options: options)) { error in
            XCTAssertTrue(error is CUDAUnavailableError, "\(error)")
            let message = "\(error)"
            XCTAssertTrue(message.contains("--engine cpu"), message)
            XCTAssertTrue(message.contains("libcuda"), message)
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(1))
    }

    /// On this machine: whatever the answer, asking never crashes, and "unavailable" says why.
    func testAvailabilityOfThisMachine() {
        switch CUDAEngine.availability() {
        case .available(let version, let devices):
            XCTAssertGreaterThan(version, 0)
            XCTAssertFalse(devices.isEmpty)
        case .unavailable(let reason):
            XCTAssertFalse(reason.isEmpty)
        }
    }
}
