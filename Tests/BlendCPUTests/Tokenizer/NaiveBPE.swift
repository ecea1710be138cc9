@testable import BlendCPU

/// The slow, obviously correct BPE: start from one symbol per byte and repeatedly join the adjacent
/// pair whose rule ranks lowest (the leftmost such pair on a tie) until no adjacent pair has a rule.
struct NaiveBPE {
    private var rankOfPair: [String: Int] = [:]
    private var idOfText: [String: Int32] = [:]

    init(tokens: [String], merges: [String]) {
        for (index, merge) in merges.enumerated() {
            if rankOfPair[merge] == nil { rankOfPair[merge] = index }
        }
        for (id, text) in tokens.enumerated() where idOfText[text] == nil {
            idOfText[text] = Int32(id)
        }
    }

    /// The tokens of one piece's bytes.
    func encode(_ bytes: [UInt8]) -> [Int32] {
        var symbols = bytes.map { ByteLevelAlphabet.encode([$0]) }
        while symbols.count > 1 {
            var best: (rank: Int, index: Int)?
            for index in 0..<(symbols.count - 1) {
                if let rank = rankOfPair["\(symbols[index]) \(symbols[index + 1])"], rank < best?.rank ?? .max {
                    best = (rank, index)
                }
            }
            guard let best else { break }
            symbols[best.index] += symbols.remove(at: best.index + 1)
        }
        return symbols.compactMap { idOfText[$0] }
    }
}
