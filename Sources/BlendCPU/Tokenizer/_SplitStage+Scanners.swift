/// The scanners of the GPT-2 and Llama-3 patterns. Each loop tries the pattern's alternatives in
/// the pattern's order at the current scalar, as a backtracking regex engine would, and emits the
/// first that matches.
extension SplitStage {
    private static let apostrophe: UInt32 = 0x27
    private static let space: UInt32 = 0x20
    private static let carriageReturn: UInt32 = 0x0D
    private static let lineFeed: UInt32 = 0x0A
    private static let wordClasses = ScalarClass.letter | ScalarClass.number | ScalarClass.whitespace

    /// The length of the contraction (`'s`, `'t`, `'re`, `'ve`, `'m`, `'ll`, `'d`) at `index`, which
    /// holds an apostrophe, or nil; `ignoringCase` also accepts ASCII capitals.
    private static func contractionLength(_ values: UnsafeBufferPointer<UInt32>, _ index: Int, _ hi: Int,
                                          ignoringCase: Bool) -> Int? {
        func letter(_ at: Int) -> UInt32 {
            let value = values[at]
            return ignoringCase && (0x41...0x5A).contains(value) ? value + 0x20 : value
        }
        guard index + 1 < hi else { return nil }
        let first = letter(index + 1)
        switch first {
        case 0x73, 0x74, 0x6D, 0x64: return 2  // s t m d
        default: break
        }
        guard index + 2 < hi else { return nil }
        switch (first, letter(index + 2)) {
        case (0x72, 0x65), (0x76, 0x65), (0x6C, 0x6C): return 3  // re ve ll
        default: return nil
        }
    }

    /// The end of the whitespace run that starts at `index`.
    @inline(__always)
    private static func whitespaceEnd(_ classes: UnsafeBufferPointer<UInt8>, _ index: Int, _ hi: Int) -> Int {
        var end = index
        while end < hi, classes[end] & ScalarClass.whitespace != 0 { end += 1 }
        return end
    }

    /// The end of the run of scalars that are neither letters, numbers nor whitespace, from `index`.
    @inline(__always)
    private static func otherEnd(_ classes: UnsafeBufferPointer<UInt8>, _ index: Int, _ hi: Int) -> Int {
        var end = index
        while end < hi, classes[end] & wordClasses == 0 { end += 1 }
        return end
    }

    /// The end of the run of scalars that have `flag`, from `index`.
    @inline(__always)
    private static func runEnd(_ classes: UnsafeBufferPointer<UInt8>, _ flag: UInt8, _ index: Int, _ hi: Int) -> Int {
        var end = index
        while end < hi, classes[end] & flag != 0 { end += 1 }
        return end
    }

    /// `\s+(?!\S)` then `\s+` on the whitespace run `start..<end`: all of it when it reaches the
    /// piece's end, else all but its last scalar, which joins the next word (or stands alone when
    /// the run has one scalar).
    @inline(__always)
    private static func whitespaceMatchEnd(_ start: Int, _ end: Int, _ hi: Int) -> Int {
        end - start > 1 && end < hi ? end - 1 : end
    }

    static func splitGPT2(_ values: UnsafeBufferPointer<UInt32>, _ classes: UnsafeBufferPointer<UInt8>,
                          _ lo: Int, _ hi: Int, _ ends: inout [Int]) {
        var index = lo
        while index < hi {
            let first = values[index]
            if first == apostrophe, let length = contractionLength(values, index, hi, ignoringCase: false) {
                index += length
                ends.append(index)
                continue
            }
            // ` ?X`: an optional leading space before a letter, number or other run.
            let body = first == space && index + 1 < hi ? index + 1 : index
            let bodyClass = classes[body]
            if bodyClass & ScalarClass.letter != 0 {
                index = runEnd(classes, ScalarClass.letter, body, hi)
            } else if bodyClass & ScalarClass.number != 0 {
                index = runEnd(classes, ScalarClass.number, body, hi)
            } else if bodyClass & wordClasses == 0 {
                index = otherEnd(classes, body, hi)
            } else {
                index = whitespaceMatchEnd(index, whitespaceEnd(classes, index, hi), hi)
            }
            ends.append(index)
        }
    }

    static func splitLlama3(_ values: UnsafeBufferPointer<UInt32>, _ classes: UnsafeBufferPointer<UInt8>,
                            _ lo: Int, _ hi: Int, _ ends: inout [Int]) {
        var index = lo
        while index < hi {
            let first = values[index]
            let firstClass = classes[index]
            if first == apostrophe, let length = contractionLength(values, index, hi, ignoringCase: true) {
                index += length
                ends.append(index)
                continue
            }
            let isNewline = first == carriageReturn || first == lineFeed
            // `[^\r\n\p{L}\p{N}]?\p{L}+`
            if !isNewline, firstClass & ScalarClass.number == 0,
               firstClass & ScalarClass.letter != 0 || (index + 1 < hi && classes[index + 1] & ScalarClass.letter != 0) {
                index = runEnd(classes, ScalarClass.letter, index + 1, hi)
                ends.append(index)
                continue
            }
            // `\p{N}{1,3}`
            if firstClass & ScalarClass.number != 0 {
                index = min(runEnd(classes, ScalarClass.number, index, hi), index + 3)
                ends.append(index)
                continue
            }
            // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
            let body = first == space && index + 1 < hi ? index + 1 : index
            if classes[body] & wordClasses == 0 {
                index = otherEnd(classes, body, hi)
                while index < hi, values[index] == carriageReturn || values[index] == lineFeed { index += 1 }
                ends.append(index)
                continue
            }
            // `\s*[\r\n]+`, then `\s+(?!\S)` and `\s+`.
            let end = whitespaceEnd(classes, index, hi)
            var afterLastNewline = index
            for position in index..<end where values[position] == carriageReturn || values[position] == lineFeed {
                afterLastNewline = position + 1
            }
            index = afterLastNewline > index ? afterLastNewline : whitespaceMatchEnd(index, end, hi)
            ends.append(index)
        }
    }
}
