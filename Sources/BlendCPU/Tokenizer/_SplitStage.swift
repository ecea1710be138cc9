/// One splitting pass of a pre-tokenizer, written as a scanner over Unicode scalars instead of a
/// regular expression.
///
/// A pass cuts a piece of text into consecutive, non-empty sub-pieces: the pattern's matches and the
/// text between them, as llama.cpp applies each pattern of a pre-tokenizer's list in turn to every
/// piece that the previous pattern left.
enum SplitStage: Sendable {
    /// `\p{N}`: every number scalar on its own.
    case isolateNumbers
    /// `\p{N}+`: runs of number scalars.
    case numberRuns
    /// `[\p{P}\$\+<=>\^~\|]+`: runs of punctuation and of those ASCII symbols.
    case punctuationRuns
    /// `[0-9][0-9][0-9]`: groups of three ASCII digits, from the left.
    case asciiDigitTriples
    /// GPT-2's `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)`
    /// (a lone whitespace scalar before a non-space, which that pattern leaves out, is a piece).
    case gpt2
    /// Llama-3's `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
    /// ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`, with the case-insensitive part limited
    /// to ASCII as llama.cpp does.
    case llama3

    /// Appends to `ends` the end index of each sub-piece of the scalars `lo..<hi`.
    /// - Complexity: O(hi − lo).
    func split(_ values: UnsafeBufferPointer<UInt32>, _ classes: UnsafeBufferPointer<UInt8>,
               _ lo: Int, _ hi: Int, into ends: inout [Int]) {
        switch self {
        case .isolateNumbers:
            Self.isolateNumbers(classes, lo, hi, &ends)
        case .numberRuns:
            Self.splitRuns(lo, hi, &ends) { classes[$0] & ScalarClass.number != 0 }
        case .punctuationRuns:
            Self.splitRuns(lo, hi, &ends) { index in
                if classes[index] & ScalarClass.punctuation != 0 { return true }
                switch values[index] {
                case 0x24, 0x2B, 0x3C, 0x3D, 0x3E, 0x5E, 0x7E, 0x7C: return true
                default: return false
                }
            }
        case .asciiDigitTriples:
            Self.asciiDigitTriples(values, lo, hi, &ends)
        case .gpt2:
            Self.splitGPT2(values, classes, lo, hi, &ends)
        case .llama3:
            Self.splitLlama3(values, classes, lo, hi, &ends)
        }
    }

    private static func isolateNumbers(_ classes: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int,
                                       _ ends: inout [Int]) {
        var gapStart = lo
        for index in lo..<hi where classes[index] & ScalarClass.number != 0 {
            if gapStart < index { ends.append(index) }
            ends.append(index + 1)
            gapStart = index + 1
        }
        if gapStart < hi { ends.append(hi) }
    }

    /// Cuts wherever `isMember` changes, so that member runs and the runs between them alternate.
    private static func splitRuns(_ lo: Int, _ hi: Int, _ ends: inout [Int], _ isMember: (Int) -> Bool) {
        guard lo < hi else { return }
        var previous = isMember(lo)
        for index in (lo + 1)..<hi {
            let current = isMember(index)
            if current != previous {
                ends.append(index)
                previous = current
            }
        }
        ends.append(hi)
    }

    private static func asciiDigitTriples(_ values: UnsafeBufferPointer<UInt32>, _ lo: Int, _ hi: Int,
                                          _ ends: inout [Int]) {
        func isDigit(_ index: Int) -> Bool { (0x30...0x39).contains(values[index]) }
        var gapStart = lo
        var index = lo
        while index + 2 < hi {
            if isDigit(index), isDigit(index + 1), isDigit(index + 2) {
                if gapStart < index { ends.append(index) }
                index += 3
                ends.append(index)
                gapStart = index
            } else {
                index += 1
            }
        }
        if gapStart < hi { ends.append(hi) }
    }
}
