/// One CUDA C source of the engine's kernels: a kernel file (`*.cu`, one NVRTC program) or a
/// header the files include (`*.cuh`).
///
/// The sources live in `Sources/BlendCUDA/Kernels/cuda/`; `Scripts/embed-kernels.sh` embeds them
/// into the module (`files` and `headers`) so that the binary needs no resource bundle at run
/// time. A test checks that the embedded copy matches the files.
public struct KernelSource: Sendable, Hashable {
    /// The file name, e.g. `attention.cu`.
    public let name: String
    /// The source text.
    public let text: String
}
