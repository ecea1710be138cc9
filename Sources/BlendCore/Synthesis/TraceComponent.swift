/// One single trace whose request lengths synthetic workloads draw from, together with the
/// layout of its prompts.
///
/// Every prompt is `[system prompt] + [MMLU only: the subject's few-shot header] + [2 index
/// tokens] + [random tail]`. The system prompt is the component's own and starts with a token no
/// other component's system prompt starts with, so two components never share a prefix (the
/// paper's appendix A.3: "a unique system prompt is added per trace"). The index tokens encode
/// the request's index within its prefix group (the component, or the MMLU subject), so unique
/// tails never collide by chance. The length statistics and their sources are on each case; the
/// exact distributions are in ``lengthModel``.
public enum TraceComponent: String, CaseIterable, Sendable, Hashable, Codable {
    /// BurstGPT (Azure OpenAI ChatGPT/GPT-4 logs): mean prompt 244, mean output 27, compute
    /// density 17.78 and prefix sharing 0.02 (BlendServe Fig. 2 and Table 4). Heavy-tailed output
    /// (log-normal, clamped to 1...2048) whose spread is derived so that the density of a large
    /// sample is 17.78 with Llama-3.1-8B on A100-80GB; 5-token system prompt for sharing ≈ 0.0185.
    case burstgpt
    /// MMLU 5-shot: 57 subjects weighted by their test-split sizes (14,042 questions), each with a
    /// shared 692-token few-shot header after an 8-token system prompt; mean prompt 804, output
    /// 1–3 tokens with mean 2; sharing 0.8650 at 14,042 requests (paper: 0.8646, Table 4) and
    /// density 54.1 (paper: 54.91, Fig. 2).
    case mmlu
    /// OpenVid video generation: mean prompt 121, output `256 × frames` with the mean normalised
    /// to 16,384 tokens (BlendServe A.3), frames log-normal with CV 0.10 so that density is 0.096
    /// (Fig. 6's OpenVid node); no meaningful sharing (8-token system prompt only).
    case openvid
    /// ShareGPT as in vLLM's benchmark: mean prompt 161, mean output 338 (Kwon et al., SOSP'23);
    /// sharing 0.02 (Table 4) from a 10-token system prompt; output CV 0.4946 so that density is
    /// 3.12 (Table 4).
    case sharegpt
    /// WildChat: mean prompt 496, mean output 510 (BlendServe Fig. 2), sharing 0.19 (Table 4)
    /// from a 191-token system prompt; output CV 0.93 (WildChat paper, Table 1: 441 ± 411).
    case wildchat
    /// Azure LLM inference 2023, conversation: median prompt ≈ 1020, median output ≈ 129
    /// (Splitwise, ISCA'24, §III); sharing 0.01 as Azure-Trace in Table 4 (19-token system prompt).
    case azureConv = "azure-conv"
    /// Azure LLM inference 2023, code: median prompt ≈ 1500, median output ≈ 13 (Splitwise); the
    /// spreads make the means 2,476 and 23 (BlendServe Fig. 2's Azure-Trace: 2508 and 23); sharing
    /// 0.01 (Table 4, 25-token system prompt).
    case azureCode = "azure-code"
    /// LIMO math reasoning: mean prompt 109, mean output 7617 (BlendServe Fig. 2), output CV 0.75
    /// so that density is 0.14 (Fig. 2); 8-token system prompt.
    case limo
    /// AlignedServe's short requests: prompt + output uniform in 64...1023 tokens, the prompt
    /// taking a uniform 10–50 % of it (decode-heavy).
    case short
    /// AlignedServe's long requests: prompt + output uniform in 1024...8192 tokens, the prompt
    /// taking a uniform 10–50 % of it (decode-heavy).
    case long

    /// The component's name in reports and on the command line: `burstgpt`, `mmlu`, `openvid`,
    /// `sharegpt`, `wildchat`, `azure-conv`, `azure-code`, `limo`, `short`, `long` (the raw value).
    /// - Complexity: O(1).
    public var name: String { rawValue }

    /// Length of the component's system prompt, the prefix all its requests share.
    /// - Complexity: O(1).
    public var systemPromptLength: Int {
        switch self {
        case .burstgpt: 5
        case .mmlu, .openvid, .limo, .short, .long: 8
        case .sharegpt: 10
        case .wildchat: 191
        case .azureConv: 19
        case .azureCode: 25
        }
    }

    /// Prefix groups within the component: the 57 MMLU subjects, otherwise 1.
    /// - Complexity: O(1).
    public var groupCount: Int { self == .mmlu ? Self.mmluSubjectSizes.count : 1 }

    /// Length of the few-shot header every request of a group shares after the system prompt
    /// (692 for MMLU, 0 otherwise).
    /// - Complexity: O(1).
    public var groupHeaderLength: Int { self == .mmlu ? 692 : 0 }

    /// Tokens every prompt starts with before its random tail: system prompt, group header and
    /// the 2 index tokens.
    /// - Complexity: O(1).
    public var fixedPromptLength: Int { systemPromptLength + groupHeaderLength + 2 }

    /// Draws one request's lengths and prefix group.
    /// - Complexity: O(log groupCount).
    public func sample<G: RandomNumberGenerator>(using generator: inout G) -> ComponentSample {
        let group = self == .mmlu ? Self.mmluSubjects.sample(using: &generator) : 0
        switch lengthModel {
        case let .independent(tail, output, outputScale):
            let tailLength = tail.sample(using: &generator)
            return ComponentSample(
                promptLength: fixedPromptLength + tailLength,
                outputLength: outputScale * output.sample(using: &generator), group: group)
        case let .split(total, promptShare):
            let length = total.sample(using: &generator)
            let share = promptShare.lowerBound + (promptShare.upperBound - promptShare.lowerBound) * generator.nextUnitInterval()
            let prompt = max(fixedPromptLength, Int((Double(length) * share).rounded()))
            return ComponentSample(promptLength: prompt, outputLength: length - prompt, group: group)
        }
    }

    /// A fixed small number per component (its position among the cases): the first token of its
    /// system prompt and part of its sub-stream keys.
    var number: Int { Self.allCases.firstIndex(of: self)! }
}

/// One drawn request of a ``TraceComponent``: lengths and prefix group, no tokens yet.
public struct ComponentSample: Sendable, Hashable {
    /// Prompt length, including the system prompt, group header and index tokens.
    public var promptLength: Int
    /// True output length (at least 1).
    public var outputLength: Int
    /// Prefix group (MMLU subject index), 0 for components without groups.
    public var group: Int
}
