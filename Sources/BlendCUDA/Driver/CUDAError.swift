import CBlendCUDA

/// A failed CUDA driver, NVRTC or loader call: which call, its status and why.
public struct CUDAError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The call that failed, e.g. `cuMemAlloc_v2`, `dlopen libcuda` or `nvrtcCompileProgram`.
    public var call: String
    /// Its status: a `CUresult` or `nvrtcResult` (positive), or a loader code (negative:
    /// -1 library not found, -2 symbol not found, -3 invalid argument, -4 out of host memory).
    public var code: Int32
    /// What went wrong, e.g. `CUDA_ERROR_OUT_OF_MEMORY: out of memory`.
    public var message: String

    /// Creates an error.
    /// - Complexity: O(1).
    public init(call: String, code: Int32, message: String) {
        self.call = call
        self.code = code
        self.message = message
    }

    /// "`call` failed (`code`): `message`".
    public var description: String { "\(call) failed (\(code)): \(message)" }

    /// The calling thread's last CBlendCUDA error.
    static func last() -> CUDAError {
        CUDAError(call: String(cString: bcu_last_error_call()), code: bcu_last_error_code(),
                  message: String(cString: bcu_last_error_message()))
    }
}

/// Throws the calling thread's last error when `status` is not `BCU_OK`.
/// - Complexity: O(1).
@inline(__always)
func check(_ status: Int32) throws {
    if status != 0 { throw CUDAError.last() }
}
