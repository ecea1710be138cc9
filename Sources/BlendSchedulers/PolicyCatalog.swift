import BlendCore

/// The policies selectable by name (`--policy`, `--policies`), and how each is built.
public enum PolicyCatalog {
    /// An unknown policy name.
    public struct UnknownPolicy: Error, CustomStringConvertible {
        /// The name that was asked for.
        public var name: String
        /// A one-line message listing the known names.
        public var description: String {
            "unknown policy '\(name)' (policies: \(PolicyCatalog.names.joined(separator: ", ")))"
        }
    }

    /// Every policy name, in the order help texts list them.
    public static let names = ["fcfs", "dfs", "balance", "lpm", "dfs-weight", "lof", "blendserve", "alignedserve"]

    /// BlendServe with one stage changed, for the paper's ablation: no density sorting, no node
    /// splitting, no dual scan, true output lengths instead of sampling, a 10% sample, no
    /// per-step balance and no warm-up fill (our additions,
    /// ``BlendServeScheduler/Options/balancesSteps`` and ``BlendServeScheduler/Options/fillsWarmUp``); and
    /// AlignedServe without prefetching (its paper's ablation).
    /// Accepted wherever a policy is named; not part of ``names``.
    public static let ablations = [
        "blendserve-no-sort", "blendserve-no-split", "blendserve-no-dual-scan", "blendserve-oracle", "blendserve-sample-10",
        "blendserve-no-step-balance", "blendserve-no-warm-up-fill", "alignedserve-no-prefetch",
    ]

    /// ``names`` followed by ``ablations``: every name ``make(_:options:seed:costModel:alignment:)`` accepts.
    public static var allNames: [String] { names + ablations }

    /// One line per policy for help texts.
    public static let summaries: [String: String] = [
        "fcfs": "input order (vLLM/SGLang default): continuous batching, chunked prefill, token budget",
        "dfs": "the trace pre-sorted in prefix-tree DFS order, with prefix caching (vLLM-/SGLang-/NanoFlow-DFS)",
        "balance": "a seeded random order (NanoFlow-Balance): mixes resources, loses sharing",
        "lpm": "SGLang's longest prefix match (FCFS while more than 128 requests wait)",
        "dfs-weight": "SGLang's dfs-weight: DFS with the most-populated branches first",
        "lof": "longest output first by max_tokens (SGLang's lof)",
        "blendserve": "BlendServe: 1% sampled warm-up, density-sorted prefix tree, dual scan with memory partition",
        "alignedserve": "AlignedServe: KV-length-aligned decode batches from a host-memory pool, staged batch switching",
        "blendserve-no-sort": "BlendServe ablation: no density sorting (DFS order, dual scan kept)",
        "blendserve-no-split": "BlendServe ablation: no node splitting (all prefix sharing kept)",
        "blendserve-no-dual-scan": "BlendServe ablation: admit from the dense end only, no memory partition",
        "blendserve-oracle": "BlendServe ablation: true output lengths instead of the 1% sample",
        "blendserve-sample-10": "BlendServe ablation: a 10% sample instead of 1%",
        "blendserve-no-step-balance": "BlendServe ablation: steps may be compute-bound while long decodes run",
        "blendserve-no-warm-up-fill": "BlendServe ablation: the warm-up runs the sample alone, its idle compute unused",
        "alignedserve-no-prefetch": "AlignedServe ablation: pool swaps on the critical path instead of prefetched",
    ]

    /// Builds the policy called `name`.
    /// - Parameters:
    ///   - options: the batching options (token budget, chunking, 128-token rounding, ...).
    ///   - seed: the seed of randomised policies (and of BlendServe's sample).
    ///   - costModel: the engine's model and hardware, for the policies that weigh compute
    ///     against memory.
    ///   - alignment: AlignedServe's knobs (minimum batch, memory cap, ...); its batching options
    ///     are replaced by `options`.
    /// - Throws: ``UnknownPolicy``.
    /// - Complexity: O(1); preprocessing happens in `prepare`.
    public static func make(_ name: String, options: SequenceBatcher.Options = .init(), seed: UInt64 = 1,
                            costModel: CostModel = CostModel(model: .llama31_8B, hardware: .a100_80GB),
                            alignment: AlignedServeScheduler.Options = .init()) throws -> any BatchScheduler {
        switch name {
        case "fcfs": return OrderedScheduler(name: name, options: options, order: AdmissionOrder.fcfs)
        case "dfs": return OrderedScheduler(name: name, options: options, order: AdmissionOrder.dfs)
        case "balance": return OrderedScheduler(name: name, options: options, order: AdmissionOrder.balance(seed: seed))
        case "lpm":
            return OrderedScheduler(name: name, options: options, order: AdmissionOrder.fcfs,
                                    refine: AdmissionOrder.longestPrefixMatch)
        case "dfs-weight": return OrderedScheduler(name: name, options: options, order: AdmissionOrder.dfsWeight)
        case "lof": return OrderedScheduler(name: name, options: options, order: AdmissionOrder.longestOutputFirst)
        case "blendserve":
            return BlendServeScheduler(costModel: costModel, options: .init(seed: seed, batching: options))
        case "blendserve-no-sort":
            return BlendServeScheduler(costModel: costModel, options: .init(seed: seed, batching: options, sortsByDensity: false))
        case "blendserve-no-split":
            return BlendServeScheduler(costModel: costModel, options: .init(keepSharing: 1, seed: seed, batching: options))
        case "blendserve-no-dual-scan":
            return BlendServeScheduler(costModel: costModel, options: .init(seed: seed, batching: options, dualScan: false))
        case "blendserve-oracle":
            return BlendServeScheduler(costModel: costModel, options: .init(seed: seed, batching: options, oracleOutputLengths: true))
        case "blendserve-sample-10":
            return BlendServeScheduler(costModel: costModel, options: .init(sampleFraction: 0.1, seed: seed, batching: options))
        case "blendserve-no-step-balance":
            return BlendServeScheduler(costModel: costModel, options: .init(seed: seed, batching: options, balancesSteps: false))
        case "blendserve-no-warm-up-fill":
            return BlendServeScheduler(costModel: costModel, options: .init(seed: seed, batching: options, fillsWarmUp: false))
        case "alignedserve":
            var alignment = alignment
            alignment.batching = options
            return AlignedServeScheduler(options: alignment)
        case "alignedserve-no-prefetch":
            var alignment = alignment
            alignment.batching = options
            alignment.prefetches = false
            return AlignedServeScheduler(options: alignment)
        default: throw UnknownPolicy(name: name)
        }
    }
}
