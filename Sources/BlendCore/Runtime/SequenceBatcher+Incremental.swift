/// The incremental-plan machinery of ``SequenceBatcher``: the decoding sequences the engine runs
/// implicitly, the heaps of steps at which they need attention (a KV block, a prefix-cache commit,
/// a notified count), the sequences every step lists (pending), and the outcome's implicit part.
extension SequenceBatcher {
    /// Asks ``observe(_:)`` to report `request` in ``observed`` after every outcome of a step that
    /// ran it once it has generated at least `tokens` tokens (as it reports every sequence of a
    /// full plan); `Int.max` cancels. A policy that reacts to a sequence's generated count
    /// (BlendServe's estimate correction) hears of it without reading every sequence each step.
    /// - Complexity: O(log batch).
    public mutating func notify(_ request: Int32, whenGenerated tokens: Int) {
        state[Int(request)].watchCount = tokens
        if state[Int(request)].decoding { scheduleWatch(request) }
    }

    /// Moves the decoding sequences whose block or commit is due at this step into ``touched``,
    /// in admission order.
    mutating func takeDueEvents() {
        touched.removeAll(keepingCapacity: true)
        var sorted = true, lastTicket = -1
        dueEvents.takeDue(through: stepsRun) { key, sequence in
            let index = Int(sequence)
            guard state[index].decoding, state[index].dueAt == key else { return }
            state[index].dueAt = .max
            touched.append(sequence)
            let ticket = key & 0xFFFF_FFFF
            if ticket < lastTicket { sorted = false }
            lastTicket = ticket
        }
        if !sorted { sortByTicket(&touched) }
    }

    /// The step when every running sequence gets all the tokens it wants: schedules the pending
    /// and touched sequences in admission order; the other decoding sequences decode implicitly.
    mutating func scheduleTouched() {
        var candidates = pending
        candidates.append(contentsOf: touched)
        if !pending.isEmpty, !touched.isEmpty { sortByTicket(&candidates) }
        let implicitDecodes = decodingCount
        tokenBudget -= implicitDecodes
        var listedDecodeKV = 0
        candidates: for request in candidates {
            let index = Int(request)
            guard state[index].pendingSlot >= 0 || state[index].decoding else { continue }
            if state[index].decoding { sync(index) }
            let count = runningCount(index, budget: .max)
            if count == 0 { continue }
            let needed = kv.blocksNeeded(request, toCover: state[index].computed + count)
            while needed > kv.availableDeviceBlocks {
                if preemptLast() == request { break candidates }
            }
            if state[index].decoding {
                tokenBudget += 1
                listedDecodeKV += state[index].computed + 1
            }
            scheduleRunning(request, count: count, newBlocks: needed)
        }
        // Decoding victims of preemptions were counted as implicit decodes.
        tokenBudget += implicitDecodes - decodingCount
        // The touched decodes added their KV in `schedule`; the implicit ones read theirs too.
        stepDecodeKVTokens += decodingKVSum + decodingCount - listedDecodeKV
    }

    /// Σ over the decoding sequences of the KV positions they hold at ``stepsRun``
    /// (`computed + lag`), kept from two running sums so that it costs O(1).
    var decodingKVSum: Int { decodingComputed + decodingCount * stepsRun - decodingSyncedAt }

    /// Adds (`sign` 1) or removes (`sign` -1) decoding sequence `index`'s `computed` and
    /// `syncedAt` from the running sums behind ``decodingKVSum``; call it around every change of
    /// either while the sequence decodes.
    /// - Complexity: O(1).
    mutating func countDecoding(_ index: Int, _ sign: Int) {
        decodingComputed += sign * state[index].computed
        decodingSyncedAt += sign * state[index].syncedAt
    }

    /// Takes a decoding sequence out of the engine's batch (it computes nothing this step): it is
    /// synced, named in the plan's removals, and pending again.
    mutating func stopDecoding(_ request: Int32) {
        leaveDecoding(Int(request))
        removals.append(request)
        addPending(request)
    }

    /// Syncs decoding sequence `index` and takes it out of the decoding count and sums.
    mutating func leaveDecoding(_ index: Int) {
        sync(index)
        countDecoding(index, -1)
        state[index].decoding = false
        decodingCount -= 1
    }

    mutating func addPending(_ request: Int32) {
        guard state[Int(request)].pendingSlot < 0 else { return }
        state[Int(request)].pendingSlot = Int32(pending.count)
        pending.append(request)
    }

    mutating func removePending(_ request: Int32) {
        let slot = Int(state[Int(request)].pendingSlot)
        guard slot >= 0 else { return }
        let moved = pending.removeLast()
        if moved != request {
            pending[slot] = moved
            state[Int(moved)].pendingSlot = Int32(slot)
        }
        state[Int(request)].pendingSlot = -1
    }

    /// Files the next events of decoding `request`, whose `computed` is synced at ``stepsRun``:
    /// the step at which it needs a block (its table is full), the step at which its next block is
    /// full for the prefix cache, and the step at which it runs out of tokens.
    mutating func scheduleEvents(_ request: Int32) {
        let index = Int(request)
        let size = capacity.blockSize
        let growAt = stepsRun + kv.tableLength(request) * size - state[index].computed
        var due = growAt
        // Blocks holding placeholders wait for a preemption or the finish (`commitFullBlocks`).
        if options.prefixCaching, outputs[index].count >= state[index].generated, let chained = kv.chainedPositions(request) {
            due = min(due, stepsRun + chained + size - 1 - state[index].computed)
        }
        due = due << 32 | running.tickets[index]
        if state[index].dueAt != due {
            state[index].dueAt = due
            dueEvents.push(due, request)
        }
        let spanEnd = min(growAt, stepsRun + state[index].limit - state[index].generated)
        if state[index].spanEndAt != spanEnd {
            state[index].spanEndAt = spanEnd
            spanEvents.push(spanEnd, request)
        }
        compactEvents()
    }

    /// Files the step at which decoding `request` reaches its notification count (the next step
    /// if it already has).
    mutating func scheduleWatch(_ request: Int32) {
        let index = Int(request)
        guard state[index].watchCount != .max else {
            state[index].watchAt = .max
            return
        }
        let at = stepsRun + max(1, state[index].watchCount - state[index].generated - lag(index))
        if state[index].watchAt != at {
            state[index].watchAt = at
            watchEvents.push(at << 32, request)
        }
    }

    /// Drops stale heap entries once they outnumber the live ones.
    mutating func compactEvents() {
        let limit = 2 * decodingCount + 1024
        if dueEvents.countOutsideRing > limit {
            dueEvents.compact { [state] key, request in state[Int(request)].decoding && state[Int(request)].dueAt == key }
        }
        if spanEvents.count > limit {
            spanEvents.compact { [state] key, request in state[Int(request)].decoding && state[Int(request)].spanEndAt == key }
        }
        if watchEvents.countOutsideRing > limit {
            watchEvents.compact { [state] key, request in state[Int(request)].decoding && state[Int(request)].watchAt == key >> 32 }
        }
    }

    /// The implicit part of an incremental outcome: the reported finishes, and the decoding
    /// sequences that reached their notification count; ``observed`` is put back in admission
    /// order.
    mutating func observeImplicit(_ outcome: StepOutcome, from listed: Int, finished: inout [Int32]) {
        let reported = observed.count
        // By index: iterating the results by value would copy each one's token array.
        for position in listed ..< outcome.sequences.count {
            let request = outcome.sequences[position].request
            let index = Int(request)
            if !outcome.sequences[position].tokens.isEmpty {
                sync(index)
                outputs[index].append(contentsOf: outcome.sequences[position].tokens)
            }
            let finishes = outcome.sequences[position].finish != nil
            if finishes { finished.append(request) }
            if finishes || generatedTokens(request) >= state[index].watchCount {
                report(request, finished: finishes)
            }
        }
        var due: [(at: Int, sequence: Int32)] = []
        watchEvents.takeDue(through: stepsRun) { key, sequence in due.append((key >> 32, sequence)) }
        for (at, sequence) in due {
            let index = Int(sequence)
            guard state[index].decoding, state[index].watchAt == at else { continue }
            state[index].watchAt = .max
            observed.append(ObservedSequence(request: sequence, finished: false))
            scheduleWatch(sequence)
        }
        guard observed.count > reported else { return }
        let tickets = running.tickets
        observed[reported...].sort { tickets[Int($0.request)] < tickets[Int($1.request)] }
        guard reported > 0, tickets[Int(observed[reported].request)] < tickets[Int(observed[reported - 1].request)] else { return }
        var merged: [ObservedSequence] = []
        merged.reserveCapacity(observed.count)
        var left = 0, right = reported
        while left < reported || right < observed.count {
            if right == observed.count || (left < reported && tickets[Int(observed[left].request)] < tickets[Int(observed[right].request)]) {
                merged.append(observed[left])
                left += 1
            } else {
                merged.append(observed[right])
                right += 1
            }
        }
        observed = merged
    }

    /// Adds `request` to ``observed`` and settles its notification, so that the notifications
    /// due at this step report only the sequences not reported yet: a finishing sequence needs
    /// none any more, and one due at this step moves to the next (as if reported by it).
    /// - Complexity: O(1) amortised.
    mutating func report(_ request: Int32, finished: Bool) {
        observed.append(ObservedSequence(request: request, finished: finished))
        let index = Int(request)
        if finished {
            state[index].watchAt = .max
        } else if state[index].decoding, state[index].watchAt <= stepsRun {
            scheduleWatch(request)
        }
    }

    /// Sorts `requests` by admission ticket.
    func sortByTicket(_ requests: inout [Int32]) {
        var keys = requests.map { UInt64(running.tickets[Int($0)]) << 32 | UInt64(UInt32(bitPattern: $0)) }
        keys.sort()
        for position in keys.indices { requests[position] = Int32(bitPattern: UInt32(truncatingIfNeeded: keys[position])) }
    }
}
