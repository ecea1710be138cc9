/// How a component draws a request's prompt and output lengths.
enum LengthModel: Sendable, Hashable {
    /// Prompt = fixed layout + `tail`; output = `outputScale × output`; drawn independently.
    case independent(tail: LengthDistribution, output: LengthDistribution, outputScale: Int)
    /// Prompt + output = `total`; the prompt takes a uniform share in `promptShare` (at least the
    /// fixed layout) and the output the rest.
    case split(total: LengthDistribution, promptShare: ClosedRange<Double>)
}

extension TraceComponent {
    /// The length distributions. Numbers marked "derived" were solved offline from the discretised,
    /// clamped distribution (exact sums over the integer support) with Llama-3.1-8B on A100-80GB,
    /// where `2·P/compute ÷ kvBytes/bandwidth = 800.75`, so density = 800.75·(unique prompt +
    /// output) / Σ(p·d + d²/2). Prompt spreads do not change density (prompt and output are
    /// independent) and are chosen, not published.
    var lengthModel: LengthModel {
        switch self {
        case .burstgpt:
            // Mean prompt 244 (Fig. 2): tail mean 244 − 7 = 237, CV 1.0 (chosen), prompt ≤ 4096.
            // Output mean 27 (Fig. 2). Density 17.78 with s = 5/271 needs E[d²] = 10,784, i.e. a
            // CV of 3.71. An unclamped log-normal with that CV converges far too slowly: its
            // E[d⁴]/E[d²]² is e^(4σ²) ≈ 47,000, so E[d²] over 10K requests has a relative standard
            // deviation of about 200 %. Outputs are therefore clamped to 1...2048 (BurstGPT's
            // published sample responses reach 1656), which brings it to 13 % at 10K and 2 % at
            // 400K, and the continuous parameters are derived so that the clamped variable has mean
            // 27.00 and E[d²] = 10,784: mean 28.157, CV 5.858 (median 4.7; 0.07 % of outputs hit
            // 2048).
            .independent(
                tail: .logNormal(mean: 237, cv: 1.0, range: 0 ... 4089),
                output: .logNormal(mean: 28.157, cv: 5.858, range: 1 ... 2048), outputScale: 1)
        case .mmlu:
            // Mean prompt 804 (Fig. 2) = 8 + 692 + 2 + tail mean 102 (question, CV 0.5 chosen).
            // Output 1–3 tokens, mean 2. The 692-token header gives sharing 0.8650 at 14,042
            // requests (Table 4: 0.8646; 691 would give 0.8638).
            .independent(
                tail: .logNormal(mean: 102, cv: 0.5, range: 0 ... 2048),
                output: .uniform(1 ... 3), outputScale: 1)
        case .openvid:
            // Mean prompt 121 (Fig. 2): tail mean 111, CV 0.3 (chosen). Output 256 tokens per
            // frame (A.3), frames mean 64 so the output mean is 16,384 (A.3's normalisation);
            // frame CV 0.10 derived so that density is 0.0960 (Fig. 6: 0.096; constant frames would
            // give 0.0970). Frames ≤ 511 keeps prompt + output within a 128K context.
            .independent(
                tail: .logNormal(mean: 111, cv: 0.3, range: 0 ... 1024),
                output: .logNormal(mean: 64, cv: 0.10, range: 1 ... 511), outputScale: 256)
        case .sharegpt:
            // Mean prompt 161.31, mean output 337.99 (vLLM paper, Fig. 11): tail mean 149, CV 1.0
            // (chosen). Output CV 0.4946 derived so that density is 3.12 (Table 4).
            .independent(
                tail: .logNormal(mean: 149, cv: 1.0, range: 0 ... 4096),
                output: .logNormal(mean: 338, cv: 0.4946, range: 1 ... 2048), outputScale: 1)
        case .wildchat:
            // Mean prompt 496, mean output 510 (Fig. 2): tail mean 496 − 193 = 303, CV 1.0
            // (chosen). Output CV 0.93 from the WildChat paper's Table 1 (441 ± 411). Density comes
            // out 1.32: Fig. 2's 2.13 is not reachable with sharing 0.19 at these means (even
            // constant lengths give 1.70; without sharing, 1.63).
            .independent(
                tail: .logNormal(mean: 303, cv: 1.0, range: 0 ... 8192),
                output: .logNormal(mean: 510, cv: 0.93, range: 1 ... 8192), outputScale: 1)
        case .azureConv:
            // Medians 1020 / 129 (Splitwise §III). Spreads as for azureCode (CV 1.34 prompt,
            // 1.46 output; an assumption): tail median 1020 − 21 ≈ 999 → mean 1670; output mean
            // 129 × √(1 + 1.46²) = 228.2. Density ≈ 3.27.
            .independent(
                tail: .logNormal(mean: 1670, cv: 1.34, range: 0 ... 32768),
                output: .logNormal(mean: 228.2, cv: 1.46, range: 1 ... 8192), outputScale: 1)
        case .azureCode:
            // Medians 1500 / 13 (Splitwise §III). CV 1.34 = √((2508/1500)² − 1) and
            // 1.46 = √((23/13)² − 1) make the log-normal means those of BlendServe's Azure-Trace
            // (2508 / 23, Fig. 2): tail median 1473 → mean 2463. Density ≈ 34.3 (Fig. 2: 33.2).
            .independent(
                tail: .logNormal(mean: 2463, cv: 1.34, range: 0 ... 32768),
                output: .logNormal(mean: 23, cv: 1.46, range: 1 ... 8192), outputScale: 1)
        case .limo:
            // Mean prompt 109 (Fig. 2): tail mean 99, CV 0.5 (chosen). Output mean 7617 (Fig. 2),
            // CV 0.75 derived so that density is 0.140 (Fig. 2: 0.14); clamping at 32K (a common
            // reasoning budget) lowers the realised mean to ≈ 7567.
            .independent(
                tail: .logNormal(mean: 99, cv: 0.5, range: 0 ... 2048),
                output: .logNormal(mean: 7617, cv: 0.75, range: 1 ... 32768), outputScale: 1)
        case .short:
            // AlignedServe §6: short requests under 1K tokens. Uniform lengths and prompt shares
            // are our choice (the paper gives only the bounds).
            .split(total: .uniform(64 ... 1023), promptShare: 0.1 ... 0.5)
        case .long:
            // AlignedServe §6: long requests of 1K–8K tokens.
            .split(total: .uniform(1024 ... 8192), promptShare: 0.1 ... 0.5)
        }
    }

    /// Questions per MMLU subject in the test split (Hendrycks et al., ICLR'21; 57 subjects,
    /// 14,042 questions), in the alphabetical order of the subject names, from abstract_algebra
    /// (100) to world_religions (171); professional_law is the largest (1534).
    static let mmluSubjectSizes: [Double] = [
        100, 135, 152, 100, 265, 144, 100, 100, 100, 173, 102, 100, 235, 114, 145, 378, 126, 100, 310,
        203, 100, 165, 198, 193, 390, 270, 238, 151, 545, 216, 204, 237, 223, 131, 121, 108, 163, 112,
        103, 234, 100, 783, 346, 895, 306, 311, 324, 282, 1534, 272, 612, 110, 245, 201, 100, 166, 171,
    ]

    /// Draws an MMLU subject with probability proportional to its test-split size.
    static let mmluSubjects = CategoricalSampler(weights: mmluSubjectSizes)
}
