import BlendCore
import BlendSchedulers
import BlendSim

/// Runs `policy` on `workload` on the small simulated GPU the policy tests share: an A100 in
/// overlapped mode with 2,000 KV blocks (32,000 tokens) and 2,048 tokens per step, so that a few
/// thousand requests already contend for memory and for the step budget.
/// - Complexity: one whole simulated run.
func runOnSmallGPU(_ policy: String, _ workload: Workload) async throws -> RunResult {
    await runOnSmallGPU(try PolicyCatalog.make(policy, costModel: CostModel(model: .llama31_8B, hardware: .a100_80GB)), workload)
}

/// Runs `scheduler` on `workload` on the same small simulated GPU.
/// - Complexity: one whole simulated run.
func runOnSmallGPU(_ scheduler: any BatchScheduler, _ workload: Workload) async -> RunResult {
    await runOffline(scheduler, on: smallGPU(for: workload), workload: workload, idlePlanLimit: 1000)
}

/// The small simulated GPU of ``runOnSmallGPU(_:_:)``, for tests that drive the runner themselves.
/// - Complexity: O(requests).
func smallGPU(for workload: Workload) -> SimulatedGPU {
    var options = SimulationOptions(mode: .overlapped)
    options.deviceBlocks = 2000
    options.maxTokensPerStep = 2048
    return SimulatedGPU(workload: workload, model: .llama31_8B, hardware: .a100_80GB, options: options)
}
