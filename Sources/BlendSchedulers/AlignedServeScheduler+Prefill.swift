import BlendCore

/// Admission, chunked prefill, and what happens to a request after its prefill: it joins the
/// running batch directly, or it is parked in the pool.
extension AlignedServeScheduler {
    /// KV blocks of the pool and of the requests on their way into it; prefill pauses at
    /// ``Options/poolBatches`` caps.
    var poolOccupancy: Int {
        tree.blocks + (prefilling + prefilled + parking).reduce(0) { $0 + capacity.blocks(forTokens: ledger.knownLength($1)) }
    }

    /// Blocks `request` needs for its next decode step: its table, or enough blocks for its
    /// known tokens if that is more.
    func decodeBlocks(_ request: Int32) -> Int {
        max(kv.blockTable(request).count, capacity.blocks(forTokens: ledger.knownLength(request)))
    }

    /// Adds `request` to a non-empty running batch when the batch has a member to spare and its
    /// KV blocks (`blocks` so far, plus one block of growth per member) stay within the cap;
    /// `blocks` then includes the request's.
    /// - Complexity: O(1) plus the table lookup of `decodeBlocks`.
    mutating func joinRunningBatch(_ request: Int32, blocks: inout Int) -> Bool {
        let needed = decodeBlocks(request)
        guard !running.isEmpty, running.count < batchLimit, blocks + running.count + needed <= batchCapBlocks else {
            return false
        }
        ledger.phase[Int(request)] = .running
        ledger.batch[Int(request)] = runningBatch
        running.append(request)
        blocks += needed
        return true
    }

    /// Puts each request whose prefill just completed in the running batch, when its length lies
    /// in the batch's window and the batch has room (members, and blocks within the cap with one
    /// block of growth per member); otherwise queues it for the pool.
    mutating func placePrefilled() {
        guard !prefilled.isEmpty else { return }
        let joins = statistics.directJoins
        var blocks = running.reduce(0) { $0 + decodeBlocks($1) }
        for request in prefilled {
            if runningWindow.contains(ledger.knownLength(request)), joinRunningBatch(request, blocks: &blocks) {
                statistics.directJoins += 1
            } else {
                parking.append(request)
            }
        }
        prefilled.removeAll()
        if statistics.directJoins > joins { recordBatchBlocks(blocks, members: running.count) }
    }

    /// Continues the prompts being prefilled, oldest first, then admits waiting requests
    /// (preempted ones first, then in input order) while the step has budget, the device has
    /// room and the pool is below its target.
    mutating func schedulePrefill(_ draft: inout AlignedPlanDraft) {
        for request in prefilling where draft.tokenBudget > 0 && draft.slots > 0 {
            let start = ledger.computed[Int(request)]
            let count = min(ledger.knownLength(request) - start, draft.tokenBudget)
            if kv.grow(request, toCover: start + count) == nil {
                guard draft.sequences.isEmpty else { break }
                makeRoom(kv.blocksNeeded(request, toCover: start + count), keeping: [request], &draft)
                guard kv.grow(request, toCover: start + count) != nil else { break }
            }
            schedule(request, start: start, count: count, &draft)
        }
        var occupancy = poolOccupancy
        while draft.tokenBudget > 0, draft.slots > 0, occupancy < poolBlocks {
            let request: Int32
            if let first = requeued.first {
                request = first
            } else if cursor < order.count {
                request = order[cursor]
            } else {
                break
            }
            guard admit(request, &draft) else { break }
            if requeued.first == request { requeued.removeFirst() } else { cursor += 1 }
            occupancy += capacity.blocks(forTokens: ledger.knownLength(request))
        }
    }

    /// Admits `request` (or rejects it for good) and schedules its first prefill chunk; returns
    /// `false`, changing nothing, when the step or the device lacks room for it now.
    private mutating func admit(_ request: Int32, _ draft: inout AlignedPlanDraft) -> Bool {
        let index = Int(request)
        let known = ledger.knownLength(request)
        let prompt = ledger.workload.promptLength(index)
        if let reason = rejection(prompt: prompt, known: known, limit: ledger.limits[index]) {
            draft.rejections.append(RequestRejection(request: request, reason: reason))
            ledger.phase[index] = .done
            ledger.unfinished -= 1
            return true
        }
        let reserve = min(known, draft.tokenBudget)
        guard kv.availableDeviceBlocks - capacity.blocks(forTokens: reserve) >= running.count,
              let admitted = kv.admit(request, tokens: ledger.tokens(request, 0 ..< known)[...], reserving: reserve)
        else { return false }
        let remaining = known - admitted.cachedTokens
        let count = min(remaining, draft.tokenBudget)
        guard options.batching.chunkedPrefill || remaining <= draft.tokenBudget,
              kv.grow(request, toCover: admitted.cachedTokens + count) != nil else {
            kv.release(request)
            return false
        }
        ledger.computed[index] = admitted.cachedTokens
        ledger.phase[index] = .prefilling
        ledger.resetsTable[index] = true
        prefilling.append(request)
        draft.admitted += 1
        schedule(request, start: admitted.cachedTokens, count: count, &draft)
        return true
    }

    /// Why a request can never run on this engine, or `nil`.
    private func rejection(prompt: Int, known: Int, limit: Int) -> String? {
        if prompt == 0 { return "empty prompt" }
        if prompt + 1 > capacity.maxContext {
            return "prompt of \(prompt) tokens does not fit the engine's context of \(capacity.maxContext)"
        }
        if capacity.blocks(forTokens: prompt + 1) > capacity.deviceBlocks {
            return "prompt of \(prompt) tokens needs more KV blocks than the engine has (\(capacity.deviceBlocks))"
        }
        if limit <= 0 { return "no room left to generate a token" }
        if !options.batching.chunkedPrefill, known > stepTokens {
            return "prompt of \(known) tokens exceeds the step budget of \(stepTokens) tokens and chunked prefill is off"
        }
        return nil
    }

    /// Adds `request`'s span `start ..< start + count` to the plan: its tokens, the blocks of its
    /// table the engine lacks (the whole table after an admission or a swap-in), and its full
    /// blocks committed to the prefix cache.
    mutating func schedule(_ request: Int32, start: Int, count: Int, _ draft: inout AlignedPlanDraft) {
        let index = Int(request)
        let end = start + count
        let samples = end == ledger.knownLength(request)
        if !samples || count > 1 { draft.prefilling = true }
        if options.batching.prefixCaching, let chained = kv.chainedPositions(request),
           end / capacity.blockSize * capacity.blockSize > chained {
            kv.commit(request, tokens: ledger.tokens(request, chained ..< end)[...], startingAt: chained, computed: end)
        }
        let table = kv.blockTable(request)
        let reset = ledger.resetsTable[index]
        let newBlocks = reset ? table : Array(table[ledger.sentBlocks[index]...])
        ledger.sentBlocks[index] = table.count
        ledger.resetsTable[index] = false
        draft.sequences.append(ScheduledSequence(
            request: request, start: start, count: count, tokens: ledger.tokens(request, start ..< end),
            newBlocks: newBlocks, resetsBlockTable: reset, samples: samples,
            remainingTokens: ledger.limits[index] - ledger.generated[index]))
        draft.tokenBudget -= count
        draft.slots -= 1
    }

    /// Moves the requests queued for the pool into it, keyed by their current KV length: swapped
    /// out to the host tier as prefetches (the step does not touch their blocks, and nothing is
    /// allocated after this in the plan; transfers before the steps when ``Options/prefetches``
    /// is off), or parked on the device when the host tier is full.
    mutating func park(_ draft: inout AlignedPlanDraft) {
        for request in parking {
            let blocks = decodeBlocks(request)
            if capacity.hostBlocks > 0, let copies = kv.swapOut(request) {
                if options.prefetches { draft.prefetches += copies } else { draft.transfers += copies }
            } else {
                parkedOnDevice.append(request)
            }
            enterPool(request, blocks: blocks)
        }
        parking.removeAll()
        statistics.peakPoolRequests = max(statistics.peakPoolRequests, tree.count)
    }

    /// Inserts `request` (holding `blocks` blocks at its next decode step) into the pool.
    mutating func enterPool(_ request: Int32, blocks: Int) {
        tree.insert(request, length: ledger.knownLength(request), blocks: blocks)
        ledger.phase[Int(request)] = .pooled
        ledger.pooledAt[Int(request)] = engineSteps
        statistics.parked += 1
        if options.starvationSteps != nil { poolQueue.append((request, engineSteps)) }
    }
}
