// Eq. (10) memory partition and Algorithm 3 prefill budgets for ``DualScanner``.

extension DualScanner {
    /// What one side of the scan may use, from Algorithm 3.
    public struct SideBudget: Sendable, Hashable {
        /// Index into ``ScanOrder/units`` of the unit the side's cursor is in; `nil` when exhausted.
        public var unit: Int?
        /// Density `ρ` of that unit (``ScanUnit/density``); 0 when exhausted.
        public var density: Double
        /// KV-cache bytes `M_side` the side may occupy (eq. 10).
        public var memory: Double
        /// Steady-state number of decoding requests that fit in ``memory``:
        /// `N = M_side / ((p + d/2)·kvBytesPerToken)`. Fractional; round as the policy sees fit.
        public var decodeRequests: Double
        /// Prefill tokens to admit from this side per engine step: `C = N·p/d`. Fractional; may be
        /// `+infinity` only when ``memory`` is.
        public var prefillTokens: Double

        /// Creates a side budget.
        /// - Complexity: O(1).
        public init(unit: Int?, density: Double, memory: Double, decodeRequests: Double, prefillTokens: Double) {
            self.unit = unit
            self.density = density
            self.memory = memory
            self.decodeRequests = decodeRequests
            self.prefillTokens = prefillTokens
        }

        /// The budget of a side that may admit nothing.
        static func empty(unit: Int?, density: Double) -> SideBudget {
            SideBudget(unit: unit, density: density, memory: 0, decodeRequests: 0, prefillTokens: 0)
        }
    }

    /// The outcome of Algorithm 3 for the units the cursors are in.
    public struct Budgets: Sendable, Hashable {
        /// The left (dense) side.
        public var left: SideBudget
        /// The right (sparse) side.
        public var right: SideBudget
        /// ``DualScanner/partitionGeneration`` when these budgets were computed; they are stale
        /// once the scanner's generation differs.
        public var generation: Int

        /// Creates budgets.
        /// - Complexity: O(1).
        public init(left: SideBudget, right: SideBudget, generation: Int) {
            self.left = left
            self.right = right
            self.generation = generation
        }
    }

    /// Splits `M` bytes between the two sides so that their memory-weighted density hits the
    /// target (eq. 10): `M_L = M·(ρrt − ρR)/(ρL − ρR)`, `M_R = M − M_L`.
    ///
    /// The result is never NaN, both parts lie in `[0, M]`, and they sum to `M` (up to one rounding
    /// in `M − M_L`). Cases, checked in this order:
    /// 1. `M` is NaN or `M <= 0`: `(0, 0)`.
    /// 2. Any density is NaN, or `ρL == ρR` (for example both cursors in the same unit, or both
    ///    sides infinite): everything to the left side, `(M, 0)` — the partition is undefined and the
    ///    left cursor is the scan's natural DFS direction.
    /// 3. `ρrt >= max(ρL, ρR)` (the target is above both sides, or equals the denser one): all
    ///    memory to the denser side.
    /// 4. `ρrt <= min(ρL, ρR)` (the target is below both, or equals the sparser one): all memory to
    ///    the sparser side.
    /// 5. The sides bracket the target and the denser side is `+infinity` (a unit with no output
    ///    tokens has no memory time): eq. (10) tends to 0 for the infinite side as its density grows,
    ///    since any memory given to it would make the blend infinitely dense, so all memory goes to
    ///    the finite side. (A sparser side of `-infinity`, which no cost model produces, likewise
    ///    gets nothing.)
    /// 6. Otherwise eq. (10) itself, with the denser side's share `(ρrt − ρlo)/(ρhi − ρlo)` in
    ///    `(0, 1)`. The left side is normally the denser one, but the formula does not rely on it:
    ///    an out-of-order pair (right denser than left) is handled by the same bracket.
    ///
    /// An infinite `M` is split as `(M, 0)`, `(0, M)` or `(M, M)` in the same cases.
    ///
    /// - Parameters:
    ///   - M: the KV-cache bytes (any unit: the result is in the same unit).
    ///   - rootDensity: the target `ρ(rt)`.
    ///   - leftDensity: `ρ(L)`, the density of the left cursor's unit.
    ///   - rightDensity: `ρ(R)`, the density of the right cursor's unit.
    /// - Returns: `(left: M_L, right: M_R)`.
    /// - Complexity: O(1).
    public static func partition(
        memory M: Double, rootDensity: Double, leftDensity: Double, rightDensity: Double
    ) -> (left: Double, right: Double) {
        guard M > 0 else { return (0, 0) }  // also rejects NaN
        let target = rootDensity, l = leftDensity, r = rightDensity
        if target.isNaN || l.isNaN || r.isNaN || l == r { return (M, 0) }

        let leftIsDenser = l > r
        let high = leftIsDenser ? l : r
        let low = leftIsDenser ? r : l
        let denserShare: Double
        if target >= high {
            denserShare = 1
        } else if target <= low {
            denserShare = 0
        } else if high == .infinity {
            denserShare = 0
        } else if low == -.infinity {
            denserShare = 1
        } else {
            // low < target < high, both finite: the ratio lies in [0, 1] (rounding is monotone);
            // clamp anyway in case `high − low` overflows.
            denserShare = min(max((target - low) / (high - low), 0), 1)
        }

        let leftShare = leftIsDenser ? denserShare : 1 - denserShare
        if leftShare <= 0 { return (0, M) }
        if leftShare >= 1 { return (M, 0) }
        let left = M * leftShare  // < M exactly, so <= M after rounding
        let right = M.isFinite ? M - left : M
        return (left, right)
    }

    /// Algorithm 3 for the units the cursors are in: partitions ``memory`` with eq. (10) using the
    /// units' ``ScanUnit/density`` and ``rootDensity``, then sizes each side's steady state.
    ///
    /// For a side with memory `M_s`, whose unit has mean prompt length `p`, mean prefill tokens
    /// `p_u` (unique prompt tokens per request, ``ScanUnit/meanPrefillTokens``) and mean output
    /// length `d` (estimated):
    /// - `N = M_s / ((p + d/2)·kvBytesPerToken)`: the requests in flight. The full prompt counts,
    ///   as in the paper, because eq. (10) weighs the sides by the KV *read* each step, and
    ///   decode attention reads every sequence's whole KV even where a prefix is shared. (The
    ///   capacity those requests hold is then at most `M_s`: shared blocks are stored once.)
    /// - `C = N·p_u/d`: the prefill tokens per step that replace the `N/d` requests finishing each
    ///   step; shared prefixes are cached, so only `p_u` tokens each are computed. With this pair
    ///   a side's compute per step over its KV reads per step is the unit's density, which is what
    ///   makes the blend hit the target. The paper leaves both choices open.
    /// - `d = 0` (a prefill-only unit): `C = N·p_u`, one step's worth of the side's requests,
    ///   instead of the formula's infinity.
    /// - `p + d/2 = 0` (requests with no tokens at all): `N = 0`, `C = 0`; such requests need
    ///   neither memory nor prefill tokens, so a zero budget does not hold them back in a policy
    ///   that admits while the tokens stay within the budget.
    /// - `M_s = 0` (including every side once the scanner is exhausted): `N = 0`, `C = 0`.
    ///
    /// When both cursors are in the same unit the densities are equal and the left side gets all
    /// memory (see ``partition(memory:rootDensity:leftDensity:rightDensity:)``).
    /// - Complexity: O(1).
    public func budgets() -> Budgets {
        guard let leftIndex = leftUnit, let rightIndex = rightUnit else {
            return Budgets(
                left: .empty(unit: nil, density: 0), right: .empty(unit: nil, density: 0),
                generation: partitionGeneration)
        }
        let split = Self.partition(
            memory: memory, rootDensity: rootDensity,
            leftDensity: scanOrder.units[leftIndex].density,
            rightDensity: scanOrder.units[rightIndex].density)
        return Budgets(
            left: sideBudget(unit: leftIndex, memory: split.left),
            right: sideBudget(unit: rightIndex, memory: split.right),
            generation: partitionGeneration)
    }

    /// Steps 2 and 3 of Algorithm 3 for one side.
    private func sideBudget(unit index: Int, memory sideMemory: Double) -> SideBudget {
        let unit = scanOrder.units[index]
        let prompt = unit.meanPromptLength
        let prefill = unit.meanPrefillTokens
        let d = unit.meanOutputLength
        let kvTokensPerRequest = prompt + d / 2
        guard sideMemory > 0, kvTokensPerRequest > 0 else {
            return .empty(unit: index, density: unit.density)
        }
        let kvBytes = Double(kvBytesPerToken)
        let decodeRequests = sideMemory / (kvTokensPerRequest * kvBytes)
        let prefillTokens = d > 0 ? decodeRequests * prefill / d : decodeRequests * prefill
        return SideBudget(
            unit: index, density: unit.density, memory: sideMemory,
            decodeRequests: decodeRequests, prefillTokens: prefillTokens)
    }
}
