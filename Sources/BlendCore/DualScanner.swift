// The dual scanner of BlendServe (§5.3, Figure 6, Algorithm 3).
//
// After the prefix tree is sorted by density and split, its leaves are flattened into a
// ``ScanOrder``: units (subtrees) sorted by density, densest first, each unit a contiguous run of
// request indices in DFS order. The dual scanner walks that sequence from both ends at once. The
// left cursor starts at the densest (compute-heavy) unit and moves right; the right cursor starts at
// the sparsest (memory-heavy) unit and moves left. By choosing how much of the KV-cache memory each
// side may occupy, the scheduler blends the two ends into batches whose density equals the density
// of the whole workload (the root of the tree), which is what keeps compute and memory bandwidth
// busy at the same time. Because each cursor walks the tree in DFS order, requests that share a
// prefix are still admitted next to each other, so prefix sharing stays close to the DFS optimum.
//
// Memory partition, eq. (10): the two sides' KV memory must add up to the pool and their
// memory-weighted densities must average to the target,
//
//     M_L + M_R = M                       M_L·ρ(L) + M_R·ρ(R) = M·ρ(rt)
//     M_L = M·(ρ(rt) − ρ(R)) / (ρ(L) − ρ(R)),   M_R = M − M_L.
//
// Figure 6 (Llama-3-8B on an 80 GB A100, 20 GB reserved for weights and buffers): M = 60 GB, the
// left cursor sits in a unit of density ρ(L) = 3.73, the right cursor in a unit of density
// ρ(R) = 0.096 (an OpenVid-like 16K-token generation), and the workload's root density is
// ρ(rt) = 1.27. Then M_L = 60·(1.27 − 0.096)/(3.73 − 0.096) ≈ 19.38 GB and M_R ≈ 40.62 GB
// (the paper rounds to 19.3 / 40.7), and indeed 3.73·19.38 + 0.096·40.62 = 1.27·60.
//
// Prefill budgets, Algorithm 3: in steady state a side with memory M_s holds
// N = M_s / ((p + d/2)·kvBytesPerToken) decoding requests (a request's KV grows from p to p + d
// tokens, p + d/2 on average), and to replace the N/d requests that finish each step it must
// prefill C = N·p/d tokens per step. `C_L` and `C_R` are what a policy admits from each end.
//
// The type is a plain value: it owns no requests and runs nothing. A policy (BlendServe's, or a
// user's own) pops request indices from either end, calls ``DualScanner/budgets()`` when
// ``DualScanner/partitionGeneration`` says a cursor entered a new unit, and admits accordingly.
// The partition itself is in `DualScanner+Partition.swift`.

/// Two cursors over a density-sorted ``ScanOrder``, with BlendServe's memory partition (eq. 10) and
/// per-side prefill budgets (Algorithm 3) for the units the cursors are in.
///
/// The left cursor returns requests from the front of ``ScanOrder/requests`` (the densest units)
/// in scan order; the right cursor returns them from the back (the sparsest units) in reverse scan
/// order. Over any interleaving of ``popLeft()`` and ``popRight()`` every request is returned
/// exactly once; once the cursors meet both return `nil`.
///
/// ```swift
/// var scanner = DualScanner(scanOrder: order, costModel: cost, memory: kvPoolBytes)
/// var seen = -1
/// while !scanner.isExhausted {
///     if scanner.partitionGeneration != seen {
///         let b = scanner.budgets()   // re-partition only when a cursor changed units
///         seen = b.generation
///         // admit up to b.left.prefillTokens tokens from the left, b.right.prefillTokens from the right
///     }
///     // ... scanner.popLeft() / scanner.popRight() as the budgets allow ...
/// }
/// ```
public struct DualScanner: Sendable {
    /// The sequence being scanned: units sorted by density (descending), requests in DFS order.
    public let scanOrder: ScanOrder
    /// The cost model whose ``ModelSpec/kvBytesPerToken`` sizes a request's KV cache; it also gives
    /// the default ``rootDensity``.
    public let costModel: CostModel

    /// The KV-cache memory `M`, in bytes, that ``budgets()`` partitions between the two sides
    /// (the KV pool only: weights and activation buffers are reserved before). Setting it bumps
    /// ``partitionGeneration``.
    public var memory: Double {
        didSet { partitionGeneration &+= 1 }
    }

    /// The target density `ρ(rt)` the blend of the two sides should reach. Defaults to the density
    /// of the whole scan order (ratio of sums over all units, eq. 9); the paper keeps it constant,
    /// but a policy may re-target it, e.g. after correcting output-length estimates online (§5.4).
    /// Setting it bumps ``partitionGeneration``.
    public var rootDensity: Double {
        didSet { partitionGeneration &+= 1 }
    }

    /// Position in ``ScanOrder/requests`` of the request ``popLeft()`` returns next. Only grows.
    public private(set) var leftCursor: Int
    /// One past the position in ``ScanOrder/requests`` of the request ``popRight()`` returns next.
    /// Only shrinks. The unreturned requests are exactly `scanOrder.requests[leftCursor ..< rightCursor]`,
    /// so the cursors never cross: `leftCursor <= rightCursor` always.
    public private(set) var rightCursor: Int

    /// A counter that changes whenever the result of ``budgets()`` may change: when either cursor
    /// enters a different unit (including when the cursors meet and both become `nil`), and when
    /// ``memory`` or ``rootDensity`` is set. A policy re-partitions only when it differs from the
    /// ``Budgets/generation`` of the budgets it holds, as the paper suggests (a side's density is
    /// constant while its cursor stays in one unit).
    public private(set) var partitionGeneration: Int = 0

    /// Index into ``ScanOrder/units`` of the unit containing `leftCursor` (valid while not exhausted).
    private var leftUnitIndex: Int
    /// Index into ``ScanOrder/units`` of the unit containing `rightCursor − 1` (valid while not exhausted).
    private var rightUnitIndex: Int

    /// Creates a scanner with both cursors at the ends of `scanOrder`.
    ///
    /// - Parameters:
    ///   - scanOrder: units whose ranges are consecutive and cover `scanOrder.requests` from left to
    ///     right (empty units are allowed and skipped); a violation is a programming error.
    ///   - costModel: gives `kvBytesPerToken` (must be positive) and the default root density.
    ///   - memory: the KV-cache bytes `M` to partition.
    ///   - rootDensity: the target `ρ(rt)`; `nil` uses `costModel.density` of the sum of all units'
    ///     totals (0 for an empty order).
    /// - Complexity: O(number of units).
    public init(scanOrder: ScanOrder, costModel: CostModel, memory: Double, rootDensity: Double? = nil) {
        precondition(costModel.model.kvBytesPerToken > 0, "DualScanner: kvBytesPerToken must be positive")
        var expected = 0
        var all = ResourceTotals()
        for unit in scanOrder.units {
            precondition(
                unit.range.lowerBound == expected,
                "DualScanner: units must be consecutive from position 0 (unit at \(unit.range), expected \(expected))")
            expected = unit.range.upperBound
            all += unit.totals
        }
        precondition(
            expected == scanOrder.requests.count,
            "DualScanner: units cover \(expected) positions but the order has \(scanOrder.requests.count) requests")

        self.scanOrder = scanOrder
        self.costModel = costModel
        self.memory = memory
        self.rootDensity = rootDensity ?? costModel.density(all)
        self.leftCursor = 0
        self.rightCursor = scanOrder.requests.count
        self.leftUnitIndex = 0
        self.rightUnitIndex = scanOrder.units.count - 1
        settleLeftUnit()
        settleRightUnit()
        _checkInvariants()
    }

    /// Bytes of KV cache one token occupies (from ``costModel``).
    public var kvBytesPerToken: Int { costModel.model.kvBytesPerToken }

    /// Requests not yet returned by either cursor.
    /// - Complexity: O(1).
    public var remaining: Int { rightCursor - leftCursor }

    /// Whether the cursors have met: every request has been returned, both pops return `nil`.
    /// - Complexity: O(1).
    public var isExhausted: Bool { leftCursor == rightCursor }

    /// Index into ``ScanOrder/units`` of the unit the left cursor is in (the unit of the request
    /// ``popLeft()`` returns next), or `nil` when exhausted.
    /// - Complexity: O(1).
    public var leftUnit: Int? { isExhausted ? nil : leftUnitIndex }

    /// Index into ``ScanOrder/units`` of the unit the right cursor is in (the unit of the request
    /// ``popRight()`` returns next), or `nil` when exhausted. Equal to ``leftUnit`` when both
    /// cursors are in the same unit.
    /// - Complexity: O(1).
    public var rightUnit: Int? { isExhausted ? nil : rightUnitIndex }

    /// The request ``popLeft()`` would return, without moving the cursor.
    /// - Complexity: O(1).
    public func peekLeft() -> Int32? {
        isExhausted ? nil : scanOrder.requests[leftCursor]
    }

    /// The request ``popRight()`` would return, without moving the cursor.
    /// - Complexity: O(1).
    public func peekRight() -> Int32? {
        isExhausted ? nil : scanOrder.requests[rightCursor - 1]
    }

    /// Returns the next request from the left (dense) end, in scan order, and advances the left
    /// cursor; `nil` once the cursors have met. Bumps ``partitionGeneration`` when the left cursor
    /// enters a new unit or the cursors meet.
    /// - Complexity: amortized O(1) (O(number of units) over the scanner's life).
    public mutating func popLeft() -> Int32? {
        guard !isExhausted else { return nil }
        let before = (leftUnit, rightUnit)
        let request = scanOrder.requests[leftCursor]
        leftCursor += 1
        settleLeftUnit()
        noteUnitChange(from: before)
        return request
    }

    /// Returns the next request from the right (sparse) end, in reverse scan order, and moves the
    /// right cursor left; `nil` once the cursors have met. Bumps ``partitionGeneration`` when the
    /// right cursor enters a new unit or the cursors meet.
    /// - Complexity: amortized O(1) (O(number of units) over the scanner's life).
    public mutating func popRight() -> Int32? {
        guard !isExhausted else { return nil }
        let before = (leftUnit, rightUnit)
        rightCursor -= 1
        let request = scanOrder.requests[rightCursor]
        settleRightUnit()
        noteUnitChange(from: before)
        return request
    }

    /// Moves `leftUnitIndex` right past units that end at or before `leftCursor`.
    private mutating func settleLeftUnit() {
        guard !isExhausted else { return }
        while scanOrder.units[leftUnitIndex].range.upperBound <= leftCursor { leftUnitIndex += 1 }
    }

    /// Moves `rightUnitIndex` left past units that start at or after `rightCursor`.
    private mutating func settleRightUnit() {
        guard !isExhausted else { return }
        while scanOrder.units[rightUnitIndex].range.lowerBound >= rightCursor { rightUnitIndex -= 1 }
    }

    private mutating func noteUnitChange(from before: (Int?, Int?)) {
        if before.0 != leftUnit || before.1 != rightUnit { partitionGeneration &+= 1 }
        _checkInvariants()
    }

    /// Checks the cursor invariants in debug builds; compiled out of release builds.
    /// - Complexity: O(1).
    @inline(__always)
    internal func _checkInvariants() {
        #if DEBUG
        assert(0 <= leftCursor && leftCursor <= rightCursor && rightCursor <= scanOrder.requests.count)
        if !isExhausted {
            assert(scanOrder.units[leftUnitIndex].range.contains(leftCursor))
            assert(scanOrder.units[rightUnitIndex].range.contains(rightCursor - 1))
            assert(leftUnitIndex <= rightUnitIndex)
        }
        #endif
    }
}
