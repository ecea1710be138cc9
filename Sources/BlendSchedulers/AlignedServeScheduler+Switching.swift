import BlendCore

/// Batch-level scheduling: forming and staging the candidate batch C, topping up the running
/// batch R from the candidate requests Q, switching from R to C, evicting misaligned leftovers,
/// and keeping every batch within the memory cap.
extension AlignedServeScheduler {
    /// Sets up the running batch for the plan being composed: the candidate requests staged in
    /// the last plan join it; the old batch's leftovers are resolved after a switch iteration;
    /// and the candidate batch starts (an idle engine) or joins it (a switch, when R has
    /// decayed: the plan is the switch iteration).
    mutating func arrangeRunningBatch(_ draft: inout AlignedPlanDraft) {
        joinCandidateRequests()
        resolveLeftovers()
        guard !candidates.isEmpty else { return }
        if running.isEmpty {
            adoptCandidateBatch()
        } else if switchIsDue {
            makeRoomInStep(for: candidates.count)
            adoptCandidateBatch()
            draft.switching = true
            statistics.switches += 1
        }
    }

    /// Before a switch, sends back to the pool the members of R farthest from C's window until
    /// R and C fit one step's sequences and tokens.
    private mutating func makeRoomInStep(for incoming: Int) {
        let excess = running.count + incoming - batchLimit
        guard excess > 0 else { return }
        func distance(_ request: Int32) -> Int {
            let length = ledger.knownLength(request)
            return max(candidateWindow.lowerBound - length, length - candidateWindow.upperBound, 0)
        }
        let farthest = running.sorted { distance($0) > distance($1) }.prefix(excess)
        parking += farthest
        statistics.evictions += farthest.count
        let leaving = Set(farthest)
        running.removeAll { leaving.contains($0) }
    }

    /// Whether R has decayed enough to switch to the staged C: it has fewer members than
    /// ``Options/minimumBatch`` and than ``Options/switchFraction`` of the most it had. (Counted
    /// in members, not blocks: members grow as they decode, so R's blocks lag its decay.)
    private var switchIsDue: Bool {
        Double(running.count) < min(Double(options.minimumBatch), options.switchFraction * Double(runningPeak))
    }

    /// Makes C (part of) the running batch: its window becomes R's.
    private mutating func adoptCandidateBatch() {
        for request in candidates { ledger.phase[Int(request)] = .running }
        running += candidates
        runningWindow = candidateWindow
        runningBatch = candidateBatch
        runningPeak = running.count
        candidates.removeAll()
    }

    /// The candidate requests staged in the last plan join R while it has members to spare and
    /// blocks within the cap (one block of growth per member kept free); the others return to
    /// the pool.
    private mutating func joinCandidateRequests() {
        guard !joining.isEmpty else { return }
        let topUps = statistics.topUps
        var blocks = running.reduce(0) { $0 + decodeBlocks($1) }
        for request in joining {
            if joinRunningBatch(request, blocks: &blocks) {
                statistics.topUps += 1
            } else {
                parking.append(request)
            }
        }
        if statistics.topUps > topUps { recordBatchBlocks(blocks, members: running.count) }
        joining.removeAll()
    }

    /// After a switch iteration, the old batch's leftovers whose lengths lie within one window
    /// width of R's window join the new batch while it stays within the cap (shortest first);
    /// the others go back to the pool while it has room for them, and otherwise run on beside
    /// the new batch (each such step is a batch-switch iteration) until the pool can take them
    /// or they finish: evicting into a full pool would only stall prefill.
    private mutating func resolveLeftovers() {
        guard running.contains(where: { ledger.batch[Int($0)] != runningBatch }) else { return }
        let width = runningWindow.count
        let tolerated = runningWindow.lowerBound - width ... runningWindow.upperBound + width
        var kept: [Int32] = [], leftovers: [Int32] = []
        var poolRoom = poolBlocks - poolOccupancy
        for request in running {
            if ledger.batch[Int(request)] == runningBatch {
                kept.append(request)
            } else if tolerated.contains(ledger.knownLength(request)) {
                leftovers.append(request)
            } else if decodeBlocks(request) <= poolRoom {
                poolRoom -= decodeBlocks(request)
                parking.append(request)
                statistics.evictions += 1
            } else {
                kept.append(request)
            }
        }
        var total = kept.reduce(0) { $0 + decodeBlocks($1) }
        let adopted = kept.count
        for request in leftovers.sorted(by: { ledger.knownLength($0) < ledger.knownLength($1) }) {
            let blocks = decodeBlocks(request)
            if total + blocks <= batchCapBlocks {
                ledger.batch[Int(request)] = runningBatch
                kept.append(request)
                total += blocks
            } else {
                parking.append(request)
                statistics.evictions += 1
            }
        }
        running = kept
        if kept.count > adopted { recordBatchBlocks(total, members: kept.count) }
    }

    /// Forms and stages C when none is staged, swapped in as prefetches. It starts from the
    /// densest eligible range (or the range holding a starving request, or, when no range is
    /// eligible and the pool cannot grow, the densest range for the largest batch the pool
    /// allows), widens it to the lowest enclosing range whose members overflow the cap
    /// (``LengthIntervalTree/batchRange(from:capBlocks:maxMembers:)``) and takes the window of
    /// that range with the most members within the cap. Waits while the device lacks room and R
    /// still runs.
    mutating func stageCandidateBatch(_ draft: inout AlignedPlanDraft) {
        guard candidates.isEmpty, !tree.isEmpty else { return }
        let seed = starvingRequest()
        var fallback = false
        let node: LengthIntervalTree.Node?
        if let seed {
            node = tree.seedRange(for: seed, minimumBatch: options.minimumBatch, capBlocks: batchCapBlocks)
        } else if let dense = tree.densestRange(minimumBatch: options.minimumBatch, capBlocks: batchCapBlocks) {
            node = dense
        } else if draft.sequences.isEmpty || (prefilling.isEmpty && parking.isEmpty) {
            let largest = tree.largestBatch(capBlocks: batchCapBlocks)
            node = largest > 0 ? tree.densestRange(minimumBatch: largest, capBlocks: batchCapBlocks)
                : tree.densestRange(minimumBatch: 1, capBlocks: .max)
            fallback = true
        } else {
            return
        }
        guard let node else { return }
        let range = tree.batchRange(from: node, capBlocks: batchCapBlocks, maxMembers: batchLimit)
        let members = tree.batch(in: range, capBlocks: batchCapBlocks, maxMembers: batchLimit, including: seed)
        guard !members.isEmpty else { return }
        let incoming = members.reduce(0) { kv.isSwappedOut($1.id) ? $0 + $1.blocks : $0 }
        if incoming + running.count > kv.availableDeviceBlocks {
            guard running.isEmpty else { return }
            makeRoom(incoming, keeping: Set(members.map(\.id)), &draft)
            guard incoming <= kv.availableDeviceBlocks else { return }
        }
        let batch = nextBatchID
        nextBatchID += 1
        let staged = members.filter { stage($0.id, batch: batch, &draft) }
        guard !staged.isEmpty else { return }
        candidates = staged.map(\.id)
        recordBatchBlocks(staged.reduce(0) { $0 + $1.blocks }, members: staged.count)
        candidateWindow = window(of: staged)
        candidateBatch = batch
        statistics.batchesFormed += 1
        if fallback { statistics.fallbackBatches += 1 }
        if seed != nil { statistics.starvationBatches += 1 }
    }

    /// Stages pooled requests inside R's window (as it will be after this plan's `steps`) as Q,
    /// those nearest the window's middle first, while R keeps members to spare and room within
    /// the cap; they are swapped in as prefetches and join R in the next plan.
    mutating func stageCandidateRequests(_ draft: inout AlignedPlanDraft, steps: Int) {
        guard !running.isEmpty, running.count < batchLimit, !tree.isEmpty else { return }
        let window = runningWindow.lowerBound + steps ... runningWindow.upperBound + steps
        let nextBlocks = running.reduce(0) {
            $0 + max(kv.blockTable($1).count, capacity.blocks(forTokens: ledger.computed[Int($1)] + steps + 1))
        }
        var room = batchCapBlocks - nextBlocks - running.count
        var members = running.count
        let middle = (window.lowerBound + window.upperBound) / 2
        let nearest = tree.members(in: window).sorted { abs($0.length - middle) < abs($1.length - middle) }
        for member in nearest where members < batchLimit && member.blocks <= room {
            if kv.isSwappedOut(member.id), kv.availableDeviceBlocks - member.blocks < running.count { continue }
            guard stage(member.id, batch: runningBatch, &draft) else { continue }
            joining.append(member.id)
            room -= member.blocks
            members += 1
        }
    }

    /// Takes `request` out of the pool onto the device for batch `batch`: a swap-in as
    /// prefetches when it is on the host tier (as transfers before the steps when
    /// ``Options/prefetches`` is off). Returns `false`, leaving it pooled, when the device lacks
    /// the blocks.
    private mutating func stage(_ request: Int32, batch: Int32, _ draft: inout AlignedPlanDraft) -> Bool {
        if kv.isSwappedOut(request) {
            guard let swapped = kv.swapIn(request) else { return false }
            if options.prefetches { draft.prefetches += swapped.transfers } else { draft.transfers += swapped.transfers }
            ledger.resetsTable[Int(request)] = true
        }
        tree.remove(request)
        ledger.phase[Int(request)] = .staged
        ledger.batch[Int(request)] = batch
        return true
    }

    /// The lengths a batch covers: its members' span, widened to at least the tree's leaf width.
    private func window(of members: [LengthIntervalTree.Member]) -> ClosedRange<Int> {
        let low = members.map(\.length).min()!, high = members.map(\.length).max()!
        let pad = max(0, tree.leafWidth - (high - low + 1))
        let start = max(1, low - pad / 2)
        return start ... max(high, start + tree.leafWidth - 1)
    }

    /// The request pooled longest, when the starvation guard is on and it has waited more than
    /// ``Options/starvationSteps`` engine steps.
    private mutating func starvingRequest() -> Int32? {
        guard let threshold = options.starvationSteps else { return nil }
        while poolQueueHead < poolQueue.count {
            let (request, since) = poolQueue[poolQueueHead]
            if ledger.phase[Int(request)] == .pooled && ledger.pooledAt[Int(request)] == since {
                return engineSteps - since > threshold ? request : nil
            }
            poolQueueHead += 1
            if poolQueueHead > 1024, poolQueueHead * 2 > poolQueue.count {
                poolQueue.removeFirst(poolQueueHead)
                poolQueueHead = 0
            }
        }
        return nil
    }
}
