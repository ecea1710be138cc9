import BlendCore

/// Random workloads with plenty of structure: shared stems, identical prompts, prompts that are
/// prefixes of others, empty prompts, over a tiny vocabulary so that chance sharing also occurs.
func randomWorkload(requests: Int, using random: inout SeededGenerator, vocabulary: Int32 = 4, maxOutput: Int = 64) -> Workload {
    var stems: [[Int32]] = []
    for _ in 0 ..< Int.random(in: 1 ... 6, using: &random) {
        stems.append((0 ..< Int.random(in: 0 ... 12, using: &random)).map { _ in Int32.random(in: 0 ..< vocabulary, using: &random) })
    }
    var workload = Workload()
    var previous: [Int32] = []
    for index in 0 ..< requests {
        var prompt: [Int32]
        switch Int.random(in: 0 ..< 10, using: &random) {
        case 0: prompt = previous
        case 1: prompt = Array(previous.prefix(Int.random(in: 0 ... previous.count, using: &random)))
        default:
            prompt = stems.randomElement(using: &random)!
            prompt += (0 ..< Int.random(in: 0 ... 10, using: &random)).map { _ in Int32.random(in: 0 ..< vocabulary, using: &random) }
        }
        workload.append(id: "r\(index)", prompt: prompt, outputLength: Int.random(in: 1 ... maxOutput, using: &random))
        previous = prompt
    }
    return workload
}

/// Output lengths of a workload as the array the tree aggregates take.
func outputLengths(of workload: Workload) -> [Int32] {
    (0 ..< workload.count).map { Int32(workload.plannedOutputLength($0, fallback: 1)) }
}

/// Counts distinct non-empty prompt prefixes the obvious way: a set of prefix arrays.
func naiveUniquePrefixes<S: Sequence>(_ prompts: S) -> Int where S.Element == [Int32] {
    var seen = Set<[Int32]>()
    for prompt in prompts {
        for length in stride(from: 1, through: prompt.count, by: 1) { seen.insert(Array(prompt[..<length])) }
    }
    return seen.count
}
