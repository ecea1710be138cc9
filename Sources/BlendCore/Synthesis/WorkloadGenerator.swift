/// Generates the papers' synthetic workloads in memory.
public enum WorkloadGenerator {
    /// The largest relative error in density or sharing a mixed preset may have; a target that
    /// cannot be met within it is reported as ``WorkloadSynthesisError/infeasibleTarget(_:)``.
    public static let targetTolerance = 0.03

    /// The first header token of MMLU subject `g` is `firstHeaderToken + g`; system prompts start
    /// with the component's number (below 16), so 121 ids are reserved in all.
    static let firstHeaderToken = 64

    /// Generates `requests` requests of `preset` from `seed`.
    ///
    /// Lengths are drawn per component from fixed sub-streams of `seed` (a component's `k`-th
    /// request is the same whatever else is generated); for the mixed presets the component
    /// counts are solved so that density and sharing, measured with `model` and `hardware` by the
    /// exact unique-token accounting, meet the target within ``targetTolerance``. Tokens are then
    /// written straight into the workload's flat buffer in a seeded random order. The same
    /// arguments give a byte-identical workload. Lengths follow the traces, not `model`'s context;
    /// `model` sets the vocabulary and, with `hardware`, the cost model.
    ///
    /// - Throws: ``WorkloadSynthesisError`` for a count below 1, a parameter out of range, a
    ///   vocabulary too small, or a target no mix of `requests` requests reaches.
    /// - Complexity: O(requests + total prompt tokens).
    public static func generate(
        _ preset: WorkloadPreset, requests: Int, seed: UInt64,
        model: ModelSpec = .llama31_8B, hardware: HardwareSpec = .a100_80GB
    ) throws -> GeneratedWorkload {
        guard requests >= 1 else { throw WorkloadSynthesisError.invalidRequestCount(requests) }
        let vocabSize = model.vocabSize
        guard vocabSize > firstHeaderToken + TraceComponent.mmlu.groupCount,
              vocabSize.multipliedReportingOverflow(by: vocabSize).overflow || vocabSize * vocabSize > requests
        else { throw WorkloadSynthesisError.vocabularyTooSmall(vocabSize: vocabSize, requests: requests) }
        let cost = CostModel(model: model, hardware: hardware)

        let plan: [(stream: ComponentStream, used: Int)]
        switch preset {
        case .shortLong(let shortShare):
            guard (0 ... 1).contains(shortShare) else {
                throw WorkloadSynthesisError.invalidParameter("short share must be in 0...1, got \(shortShare)")
            }
            let shortCount = Int((shortShare * Double(requests)).rounded())
            let longCount = requests - shortCount
            plan = [
                (.init(component: .short, count: shortCount, seed: seed, vocabSize: vocabSize), shortCount),
                (.init(component: .long, count: longCount, seed: seed, vocabSize: vocabSize), longCount),
            ]
        default:
            if let component = preset.singleComponent {
                plan = [(.init(component: component, count: requests, seed: seed, vocabSize: vocabSize), requests)]
            } else {
                plan = try solveMix(preset.mixTarget!, preset: preset, requests: requests, seed: seed, vocabSize: vocabSize, cost: cost)
            }
        }

        var totals = ResourceTotals()
        var counts: [TraceComponent: Int] = [:]
        for (stream, used) in plan {
            totals += stream.prefix[used]
            counts[stream.component] = used
        }
        let workload = materialise(plan, totals: totals, seed: seed, vocabSize: vocabSize)
        let report = SynthesisReport(
            preset: preset, seed: seed, componentCounts: counts, totals: totals,
            density: cost.density(totals), sharing: totals.sharingRatio)
        return GeneratedWorkload(workload: workload, report: report)
    }

    /// Draws BurstGPT, MMLU and OpenVid streams of `requests` each and keeps the prefixes the
    /// solver picks.
    /// - Complexity: O(requests).
    private static func solveMix(
        _ target: (density: Double, sharing: Double), preset: WorkloadPreset, requests: Int,
        seed: UInt64, vocabSize: Int, cost: CostModel
    ) throws -> [(stream: ComponentStream, used: Int)] {
        guard target.density > 0, target.density.isFinite else {
            throw WorkloadSynthesisError.invalidParameter("target density must be a positive finite number, got \(target.density)")
        }
        guard target.sharing > 0, target.sharing < 1 else {
            throw WorkloadSynthesisError.invalidParameter("target sharing must be in (0, 1), got \(target.sharing)")
        }
        let solver = MixSolver(
            heavy: ComponentStream(component: .burstgpt, count: requests, seed: seed, vocabSize: vocabSize),
            shared: ComponentStream(component: .mmlu, count: requests, seed: seed, vocabSize: vocabSize),
            light: ComponentStream(component: .openvid, count: requests, seed: seed, vocabSize: vocabSize),
            total: requests, cost: cost)
        let solution = solver.solve(density: target.density, sharing: target.sharing)
        let counts = solution.counts
        guard solution.error <= targetTolerance else {
            let density = cost.density(solution.totals), sharing = solution.totals.sharingRatio
            var cause = "more requests make the mix finer (the paper's mixes have 40,000 or more)"
            if counts.light == 0, density < target.density {
                cause = "BurstGPT and MMLU alone do not reach density \(target.density) at this sharing"
            } else if counts.heavy == 0 {
                cause = "the target needs more compute-heavy requests than the mix has"
            } else if counts.shared == 0, sharing > target.sharing {
                cause = "BurstGPT's own system prompt already shares more than \(target.sharing)"
            }
            let mix = "BurstGPT \(counts.heavy), MMLU \(counts.shared), OpenVid \(counts.light)"
            throw WorkloadSynthesisError.infeasibleTarget(
                "\(preset) with \(requests) requests: the closest mix (\(mix)) reaches density \(format(density)) "
                    + "and sharing \(format(sharing)), more than \(Int(targetTolerance * 100))% from the target "
                    + "(\(target.density), \(target.sharing)); \(cause)")
        }
        return [(solver.heavy, counts.heavy), (solver.shared, counts.shared), (solver.light, counts.light)]
    }

    /// Writes the planned requests in a seeded random order.
    /// - Complexity: O(requests + totals.promptTokens).
    private static func materialise(
        _ plan: [(stream: ComponentStream, used: Int)], totals: ResourceTotals, seed: UInt64, vocabSize: Int
    ) -> Workload {
        // Each entry is (plan slot << 32 | index in stream).
        var order: [UInt64] = []
        order.reserveCapacity(totals.requests)
        for (slot, entry) in plan.enumerated() {
            for k in 0 ..< entry.used { order.append(UInt64(slot) << 32 | UInt64(k)) }
        }
        var shuffler = SeededGenerator(seed: seed, stream: SynthesisStream.shuffle.key, index: 0)
        for i in stride(from: order.count - 1, to: 0, by: -1) {
            order.swapAt(i, Int(shuffler.nextBelow(UInt64(i + 1))))
        }

        let sharedPrompts = plan.map { SharedPrompts(component: $0.stream.component, seed: seed, vocabSize: vocabSize) }
        let vocab = UInt64(vocabSize)
        let idDigits = max(6, String(max(0, order.count - 1)).count)
        var workload = Workload()
        workload.reserve(requests: order.count, tokens: totals.promptTokens)
        for (position, entry) in order.enumerated() {
            let slot = Int(entry >> 32), k = Int(entry & 0xFFFF_FFFF)
            let stream = plan[slot].stream
            let prompts = sharedPrompts[slot]
            let group = Int(stream.groups[k])
            let indexInGroup = UInt64(stream.indicesInGroup[k])
            let fixed = stream.component.fixedPromptLength
            let tailLength = Int(stream.promptLengths[k]) - fixed
            var tail = SeededGenerator(seed: seed, stream: SynthesisStream.tailTokens.key(stream.component), index: UInt64(k))
            workload.append(id: requestID(position, digits: idDigits), outputLength: Int(stream.outputLengths[k])) { tokens in
                tokens.append(contentsOf: prompts.system)
                if !prompts.headers.isEmpty { tokens.append(contentsOf: prompts.headers[group]) }
                tokens.append(Int32(truncatingIfNeeded: indexInGroup % vocab))
                tokens.append(Int32(truncatingIfNeeded: indexInGroup / vocab))
                for _ in 0 ..< tailLength { tokens.append(Int32(truncatingIfNeeded: tail.nextBelow(vocab))) }
            }
        }
        return workload
    }

    /// `r` followed by `position` zero-padded to `digits` digits.
    private static func requestID(_ position: Int, digits: Int) -> String {
        let number = String(position)
        return "r" + String(repeating: "0", count: max(0, digits - number.count)) + number
    }

    /// `value` rounded to four decimals, for messages.
    private static func format(_ value: Double) -> String {
        String((value * 10_000).rounded() / 10_000)
    }
}

/// A component's system prompt and (MMLU) group headers: the first token is reserved (the
/// component's number, or ``WorkloadGenerator/firstHeaderToken`` plus the subject), the rest drawn
/// from the component's shared-prompt sub-stream.
struct SharedPrompts {
    /// The system prompt.
    let system: [Int32]
    /// One header per group; empty for components without headers.
    let headers: [[Int32]]

    /// Draws the shared prompts of `component` from `seed`.
    /// - Complexity: O(system prompt length + groups × header length).
    init(component: TraceComponent, seed: UInt64, vocabSize: Int) {
        var generator = SeededGenerator(seed: seed, stream: SynthesisStream.sharedPrompts.key(component), index: 0)
        func tokens(first: Int, count: Int) -> [Int32] {
            [Int32(first)] + (1 ..< count).map { _ in Int32(truncatingIfNeeded: generator.nextBelow(UInt64(vocabSize))) }
        }
        system = tokens(first: component.number, count: component.systemPromptLength)
        headers = component.groupHeaderLength == 0 ? [] :
            (0 ..< component.groupCount).map { tokens(first: WorkloadGenerator.firstHeaderToken + $0, count: component.groupHeaderLength) }
    }
}
