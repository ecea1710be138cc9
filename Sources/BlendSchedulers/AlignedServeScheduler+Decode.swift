import BlendCore

/// The running batch's decode steps, multi-step spans within the cap, and making room on the
/// device when it runs out.
extension AlignedServeScheduler {
    /// Schedules one decode token for every member of the running batch, growing their tables.
    /// When the device lacks the blocks, parked, staged and prefilling requests leave it first
    /// (``makeRoom(_:keeping:_:)``), then the longest members of the batch.
    mutating func scheduleDecodes(_ draft: inout AlignedPlanDraft) {
        guard !running.isEmpty else { return }
        while running.count > min(draft.slots, draft.tokenBudget) { evictLongest(&draft) }
        var needed = growthNeeded(steps: 1)
        if needed > kv.availableDeviceBlocks {
            makeRoom(needed, keeping: Set(running), &draft)
            needed = growthNeeded(steps: 1)
        }
        while needed > kv.availableDeviceBlocks, running.count > 1 {
            evictLongest(&draft)
            needed = growthNeeded(steps: 1)
        }
        for request in running {
            let start = ledger.computed[Int(request)]
            _ = kv.grow(request, toCover: start + 1)
            schedule(request, start: start, count: 1, &draft)
        }
    }

    /// Blocks the running batch must gain to decode `steps` more tokens.
    private func growthNeeded(steps: Int) -> Int {
        running.reduce(0) { $0 + kv.blocksNeeded($1, toCover: ledger.computed[Int($1)] + steps) }
    }

    /// Sends the running batch's longest member to the host tier at once (before the step, so
    /// its blocks serve this step), or preempts it by recomputation without host room.
    private mutating func evictLongest(_ draft: inout AlignedPlanDraft) {
        guard let longest = running.max(by: { ledger.knownLength($0) < ledger.knownLength($1) }) else { return }
        statistics.evictions += 1
        vacate(longest, &draft)
    }

    /// Steps the plan may run: 1 when it prefills or switches; otherwise the longest decode span
    /// (at most the batching's `maxSpan` and the batch's remaining tokens) whose growth fits the
    /// free blocks.
    /// - Complexity: O(running × log(span)).
    func spanLength(_ draft: AlignedPlanDraft) -> Int {
        guard !draft.prefilling, !draft.switching, !running.isEmpty, draft.sequences.count == running.count,
              options.batching.maxSpan > 1 else { return 1 }
        var limit = options.batching.maxSpan
        for request in running { limit = min(limit, ledger.limits[Int(request)] - ledger.generated[Int(request)]) }
        guard limit > 1 else { return 1 }
        let available = kv.availableDeviceBlocks
        func fits(_ steps: Int) -> Bool { growthNeeded(steps: steps) <= available }
        var low = 1, high = limit
        while low < high {
            let middle = (low + high + 1) / 2
            if fits(middle) { low = middle } else { high = middle - 1 }
        }
        return low
    }

    /// Grows the tables of a multi-step plan's sequences to cover its `steps` tokens.
    mutating func extendSpan(_ draft: inout AlignedPlanDraft, steps: Int) {
        guard steps > 1 else { return }
        for slot in draft.sequences.indices {
            let request = draft.sequences[slot].request
            let appended = kv.grow(request, toCover: draft.sequences[slot].end + steps - 1) ?? []
            draft.sequences[slot].newBlocks += appended
            ledger.sentBlocks[Int(request)] += appended.count
        }
    }

    /// Frees device blocks until `needed` are available, taking requests off the device in
    /// this order: those about to be parked, pooled requests parked on the device, staged
    /// candidate requests, the staged candidate batch, then prompts being prefilled (newest
    /// first); never one in `keeping` or already in the plan. Each goes to the host tier before
    /// the step (a transfer), or is preempted by recomputation when the host tier is full.
    mutating func makeRoom(_ needed: Int, keeping: Set<Int32>, _ draft: inout AlignedPlanDraft) {
        var protected = keeping
        for sequence in draft.sequences { protected.insert(sequence.request) }
        var seen: Set<Int32> = []
        parkedOnDevice.removeAll { ledger.phase[Int($0)] != .pooled || !kv.hasTable($0) || !seen.insert($0).inserted }
        let victims = parking + parkedOnDevice + joining + candidates.reversed() + prefilling.reversed()
        for request in victims where kv.availableDeviceBlocks < needed && !protected.contains(request) && kv.hasTable(request) {
            vacate(request, &draft)
            protected.insert(request)
        }
    }

    /// Takes `request` off the device: to the host tier and the pool (a transfer before the
    /// step), or, for a prompt still being prefilled or without host room, back to the waiting
    /// requests to be recomputed (its blocks stay in the prefix cache while nothing reuses them).
    mutating func vacate(_ request: Int32, _ draft: inout AlignedPlanDraft) {
        let index = Int(request)
        let blocks = decodeBlocks(request)
        let wasPooled = tree.contains(request)
        running.removeAll { $0 == request }
        parking.removeAll { $0 == request }
        joining.removeAll { $0 == request }
        candidates.removeAll { $0 == request }
        prefilling.removeAll { $0 == request }
        if ledger.phase[index] != .prefilling, capacity.hostBlocks > 0, let copies = kv.swapOut(request) {
            draft.transfers += copies
            if !wasPooled { enterPool(request, blocks: blocks) }
            return
        }
        kv.release(request)
        if wasPooled { tree.remove(request) }
        ledger.computed[index] = 0
        ledger.phase[index] = .waiting
        ledger.resetsTable[index] = true
        requeued.append(request)
        statistics.recomputations += 1
    }
}
