import BlendCPU

/// The engine's kernels, compiled (or taken from the cache) for the device and loaded: the CUBIN
/// for the device's own architecture first, the PTX when the driver refuses the CUBIN.
final class KernelSet {
    let matmul: [GGMLType: CUDAFunction]
    let embed: [GGMLType: CUDAFunction]
    let rmsNorm: CUDAFunction
    let ropeTable: CUDAFunction
    let ropeApply: CUDAFunction
    let kvWrite: CUDAFunction
    let attentionPartial: CUDAFunction
    let attentionCombine: CUDAFunction
    let siluGate: CUDAFunction
    let addBias: CUDAFunction
    let addResidual: CUDAFunction
    let sampleTokens: CUDAFunction
    /// How each file was obtained (compile time, cache), in ``KernelSource/files`` order.
    let compiled: [KernelCompiler.Compiled]

    /// The name suffix of each weight type's kernels (`matmul_q4_1`, `embed_q4_1`).
    static let typeSuffixes: [GGMLType: String] = [
        .f32: "f32", .f16: "f16", .bf16: "bf16", .q4_0: "q4_0", .q4_1: "q4_1", .q8_0: "q8_0", .q4_K: "q4_k", .q6_K: "q6_k",
    ]

    /// Compiles and loads every kernel file for `context`'s device.
    /// - Throws: ``NVRTC/CompileError``, or ``CUDAError`` when neither image loads.
    /// - Complexity: NVRTC's compile time per file not in the cache.
    init(context: CUDAContext, compiler: KernelCompiler) throws {
        var modules: [String: CUDAModule] = [:]
        var compiled: [KernelCompiler.Compiled] = []
        for source in KernelSource.files {
            let output = try compiler.compile(source, architecture: context.device.architecture)
            modules[source.name] = try Self.load(output, into: context)
            compiled.append(output)
        }
        func function(_ file: String, _ name: String) throws -> CUDAFunction { try modules[file]!.function(name) }
        matmul = try Self.typeSuffixes.mapValues { try function("matmul.cu", "matmul_\($0)") }
        embed = try Self.typeSuffixes.mapValues { try function("embedding.cu", "embed_\($0)") }
        rmsNorm = try function("norm.cu", "rms_norm")
        ropeTable = try function("rope.cu", "rope_table")
        ropeApply = try function("rope.cu", "rope_apply")
        kvWrite = try function("kv_cache.cu", "kv_write")
        attentionPartial = try function("attention.cu", "attention_partial")
        attentionCombine = try function("attention.cu", "attention_combine")
        siluGate = try function("ffn.cu", "silu_gate")
        addBias = try function("elementwise.cu", "add_bias")
        addResidual = try function("elementwise.cu", "add_residual")
        sampleTokens = try function("sampling.cu", "sample_tokens")
        self.compiled = compiled
    }

    /// The module of one compiled file: its CUBIN, else its PTX.
    private static func load(_ output: KernelCompiler.Compiled, into context: CUDAContext) throws -> CUDAModule {
        var cubinError: CUDAError?
        if let cubin = output.cubin {
            do { return try CUDAModule(context: context, image: cubin) } catch let error as CUDAError { cubinError = error }
        }
        do {
            return try CUDAModule(context: context, image: output.ptx)
        } catch let error as CUDAError {
            let first = cubinError.map { "the CUBIN: \($0); " } ?? ""
            throw CUDAError(call: error.call, code: error.code,
                            message: "\(output.name) does not load for \(context.device.architecture) (\(first)the PTX: \(error.message))")
        }
    }
}
