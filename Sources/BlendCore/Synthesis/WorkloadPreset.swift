/// The synthetic workloads of the BlendServe and AlignedServe evaluations.
public enum WorkloadPreset: Sendable, Hashable {
    /// BlendServe Trace#1: BurstGPT + MMLU + OpenVid at density 1.4 and sharing 0.35 (Table 2).
    case trace1
    /// BlendServe Trace#2: density 0.9, sharing 0.35 (memory-intensive, high sharing).
    case trace2
    /// BlendServe Trace#3: density 1.4, sharing 0.05 (compute-intensive, low sharing).
    case trace3
    /// BlendServe Trace#4: density 0.9, sharing 0.05 (memory-intensive, low sharing).
    case trace4
    /// The same BurstGPT + MMLU + OpenVid mix at any target; the paper's sensitivity grid (Fig. 11)
    /// takes density 0.80...1.40 in steps of 0.05 and sharing 0.05...0.45 in steps of 0.10.
    case grid(density: Double, sharing: Double)
    /// ShareGPT alone.
    case sharegpt
    /// WildChat alone.
    case wildchat
    /// Azure LLM inference 2023 conversation trace alone.
    case azureConv
    /// Azure LLM inference 2023 code trace alone.
    case azureCode
    /// BurstGPT alone.
    case burstgpt
    /// MMLU 5-shot alone.
    case mmlu
    /// OpenVid alone.
    case openvid
    /// LIMO alone.
    case limo
    /// AlignedServe's bimodal mix: a share `shortShare` (0...1, rounded to whole requests) of
    /// short requests (under 1K tokens), the rest long (1K–8K tokens). The paper sweeps 0.70–0.95.
    case shortLong(shortShare: Double)

    /// The request count the papers use: 400,000 for Trace#1–#4 (BlendServe A.3: "≥ 400,000"),
    /// 40,000 for the grid (A.3), 10,000 otherwise (our choice).
    /// - Complexity: O(1).
    public var defaultRequestCount: Int {
        switch self {
        case .trace1, .trace2, .trace3, .trace4: 400_000
        case .grid: 40_000
        default: 10_000
        }
    }

    /// The density and sharing a BurstGPT + MMLU + OpenVid preset targets, `nil` for the others.
    /// - Complexity: O(1).
    public var mixTarget: (density: Double, sharing: Double)? {
        switch self {
        case .trace1: (1.4, 0.35)
        case .trace2: (0.9, 0.35)
        case .trace3: (1.4, 0.05)
        case .trace4: (0.9, 0.05)
        case .grid(let density, let sharing): (density, sharing)
        default: nil
        }
    }

    /// The component a single-trace preset draws from, `nil` for the mixes.
    var singleComponent: TraceComponent? {
        switch self {
        case .trace1, .trace2, .trace3, .trace4, .grid, .shortLong: nil
        case .sharegpt: .sharegpt
        case .wildchat: .wildchat
        case .azureConv: .azureConv
        case .azureCode: .azureCode
        case .burstgpt: .burstgpt
        case .mmlu: .mmlu
        case .openvid: .openvid
        case .limo: .limo
        }
    }
}
