/// Why ``SimulatedGPU`` refused a plan. Each case names a broken contract of ``StepPlan``, so it
/// points at a scheduler bug rather than at the simulated hardware.
public enum SimulationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The plan names a request index outside the workload.
    case unknownRequest(Int32)
    /// The plan breaks a rule of ``StepPlan`` (the message says which).
    case invalidPlan(String)
    /// The plan moves blocks over a link or into a tier the simulated machine does not have.
    case missingResource(String)

    /// A one-line message.
    public var description: String {
        switch self {
        case .unknownRequest(let request):
            return "the plan names request \(request), which is not in the workload"
        case .invalidPlan(let message):
            return "invalid step plan: \(message)"
        case .missingResource(let message):
            return "the simulated machine cannot do this: \(message)"
        }
    }
}
