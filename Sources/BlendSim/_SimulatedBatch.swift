import BlendCore

/// The running batch of ``SimulatedGPU`` under incremental plans: the sequences it decodes
/// implicitly, and the aggregates the step-time model needs over them, kept as sequences join and
/// leave so that a plan costs O(changes) whatever the batch size.
///
/// A sequence that joins at step `E` (the engine's step count before the plan) with KV length
/// `end` after its entry is stored by its *base* `b = end − 1 − E`: at a later plan starting at
/// step `E'` it computes position `b + E'` and attends to `b + E' + 1` tokens. Its finish is
/// fixed when it joins, as the absolute step `F` at which it ends (by true length or remaining
/// tokens), so nothing changes while it decodes.
struct SimulatedBatch {
    /// Steps run by incremental plans so far (`E`).
    var stepsRun = 0
    /// Sequences in the batch.
    private(set) var count = 0
    /// `Σ b` over the batch.
    private(set) var baseSum = 0
    private var isActive: [Bool]
    private var base: [Int]
    private var finishAt: [Int]
    private var stops: [Bool]
    /// Max-heap of bases (keys negated), lazily deleted.
    private var longest = _EventHeap()
    /// Min-heap of finish steps, lazily deleted.
    private var finishes = _EventHeap()
    /// The split-KV chunk `C`, or `nil`.
    let chunk: Int?
    /// Per residue `b mod C`: sequences of the batch.
    private var residues: [Int]
    /// `Σ ⌊b / C⌋` over the batch.
    private var chunkFloorSum = 0

    /// An empty batch for `requests` requests.
    /// - Complexity: O(requests + C).
    init(requests: Int, chunk: Int?) {
        isActive = [Bool](repeating: false, count: requests)
        base = [Int](repeating: 0, count: requests)
        finishAt = [Int](repeating: 0, count: requests)
        stops = [Bool](repeating: false, count: requests)
        self.chunk = chunk
        residues = [Int](repeating: 0, count: chunk ?? 0)
    }

    /// Whether `request` is in the batch.
    /// - Complexity: O(1).
    func contains(_ request: Int32) -> Bool { isActive[Int(request)] }

    /// Adds `request` with base `b`, finishing at absolute step `finish` (by its true length when
    /// `stop`).
    /// - Complexity: O(log batch) amortized.
    mutating func insert(_ request: Int32, base b: Int, finishAt finish: Int, stop: Bool) {
        let index = Int(request)
        isActive[index] = true
        base[index] = b
        finishAt[index] = finish
        stops[index] = stop
        count += 1
        baseSum += b
        if let chunk {
            residues[((b % chunk) + chunk) % chunk] += 1
            chunkFloorSum += Self.floorDivide(b, chunk)
        }
        longest.push(-b, request)
        finishes.push(finish, request)
        if longest.count > 2 * count + 1024 { longest.compact { isActive[Int($1)] && base[Int($1)] == -$0 } }
        if finishes.count > 2 * count + 1024 { finishes.compact { isActive[Int($1)] && finishAt[Int($1)] == $0 } }
    }

    /// Takes `request` out of the batch; its heap entries go stale.
    /// - Complexity: O(1).
    mutating func remove(_ request: Int32) {
        let index = Int(request)
        guard isActive[index] else { return }
        isActive[index] = false
        count -= 1
        let b = base[index]
        baseSum -= b
        if let chunk {
            residues[((b % chunk) + chunk) % chunk] -= 1
            chunkFloorSum -= Self.floorDivide(b, chunk)
        }
    }

    /// Empties the batch (a full plan replaces it).
    /// - Complexity: O(requests).
    mutating func removeAll() {
        for index in isActive.indices where isActive[index] { remove(Int32(index)) }
        longest.removeAll()
        finishes.removeAll()
    }

    /// The largest base in the batch, or `nil` when it is empty.
    /// - Complexity: O(log batch) amortized (stale entries are dropped).
    mutating func largestBase() -> Int? {
        while let top = longest.top {
            if isActive[Int(top.sequence)] && base[Int(top.sequence)] == -top.key { return -top.key }
            longest.pop()
        }
        return nil
    }

    /// The earliest finish step in the batch, or `nil` when it is empty.
    /// - Complexity: O(log batch) amortized.
    mutating func earliestFinish() -> Int? {
        while let top = finishes.top {
            if isActive[Int(top.sequence)] && finishAt[Int(top.sequence)] == top.key { return top.key }
            finishes.pop()
        }
        return nil
    }

    /// Removes and returns the sequences that finish at step `step` (the earliest finish), with
    /// whether each stops by its true length, in increasing request order.
    /// - Complexity: O((finishing + stale) log batch).
    mutating func removeFinishing(at step: Int) -> [(request: Int32, stop: Bool)] {
        var finished: [(request: Int32, stop: Bool)] = []
        while let top = finishes.top, top.key <= step {
            finishes.pop()
            let request = top.sequence
            guard isActive[Int(request)], finishAt[Int(request)] == top.key else { continue }
            finished.append((request, stops[Int(request)]))
            remove(request)
        }
        return finished
    }

    /// `Σ ceil(L / C)` over the batch at a plan starting at step `E`, where `L = b + E + 1`.
    /// - Complexity: O(C).
    func chunkSum(at step: Int) -> Int {
        guard let chunk else { return 0 }
        let x = step + 1
        let xResidue = ((x % chunk) + chunk) % chunk
        var sum = chunkFloorSum + count * Self.floorDivide(x, chunk)
        for residue in 0 ..< chunk where residues[residue] > 0 {
            let spill = residue + xResidue
            sum += residues[residue] * (spill == 0 ? 0 : spill <= chunk ? 1 : 2)
        }
        return sum
    }

    /// Adds to `counts` (one counter per residue modulo `C`) the batch's KV lengths `b + E + 1`
    /// at a plan starting at step `E`.
    /// - Complexity: O(C).
    func addResidues(at step: Int, to counts: UnsafeMutableBufferPointer<Int>) {
        guard let chunk else { return }
        let shift = (((step + 1) % chunk) + chunk) % chunk
        for residue in 0 ..< chunk where residues[residue] > 0 {
            counts[(residue + shift) % chunk] += residues[residue]
        }
    }

    private static func floorDivide(_ a: Int, _ b: Int) -> Int {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }
}
