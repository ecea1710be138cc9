import BlendCore
import XCTest

/// A capacity with `device` device blocks and `host` host blocks of `blockSize` tokens; the
/// step limits play no part in block accounting.
private func capacity(blockSize: Int = 4, device: Int, host: Int = 0) -> EngineCapacity {
    EngineCapacity(
        blockSize: blockSize, deviceBlocks: device, hostBlocks: host, bytesPerBlock: 1,
        maxTokensPerStep: 1 << 20, maxSequencesPerStep: 1 << 10, maxContext: 1 << 20)
}

/// Admits `tokens` reserving all of them, then commits them as computed (a whole prompt
/// prefilled in one step).
private func prefill(
    _ manager: inout KVBlockManager, _ sequence: Int32, _ tokens: [Int32]
) -> (cachedTokens: Int, blocks: [Int32])? {
    guard let admitted = manager.admit(sequence, tokens: tokens[...], reserving: tokens.count) else { return nil }
    manager.commit(sequence, tokens: tokens[...], computed: tokens.count)
    return admitted
}

/// Takes every available device block with fresh tokens, so `evictions` afterwards tells how many
/// blocks were cached.
private func fillPool(_ manager: inout KVBlockManager, as sequence: Int32) {
    let tokens = [Int32](repeating: 99, count: manager.availableDeviceBlocks * manager.capacity.blockSize)
    XCTAssertNotNil(manager.admit(sequence, tokens: tokens[...], reserving: tokens.count))
    XCTAssertEqual(manager.availableDeviceBlocks, 0)
}

final class KVBlockManagerTests: XCTestCase {
    // MARK: - Hand examples

    func testSequencesSharingAPrefixShareItsBlocks() {
        var manager = KVBlockManager(capacity: capacity(device: 16))
        // Token slices of a flat buffer, as a workload stores prompts.
        let buffer: [Int32] = [7, 7, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] + [1, 2, 3, 4, 5, 6, 7, 8, 20, 21, 22, 23, 24]
        let a = buffer[2 ..< 13], b = buffer[13 ..< 26]

        let first = manager.admit(0, tokens: a, reserving: a.count)!
        XCTAssertEqual(first.cachedTokens, 0)
        XCTAssertEqual(first.blocks, [0, 1, 2])
        manager.commit(0, tokens: a, computed: a.count)
        // Admitted in the same step: it hits the two full blocks `a` is computing.
        let second = manager.admit(1, tokens: b, reserving: b.count)!
        XCTAssertEqual(second.cachedTokens, 8)
        XCTAssertEqual(second.blocks, [0, 1, 3, 4])
        XCTAssertEqual(manager.blockTable(1), [0, 1, 3, 4])
        XCTAssertEqual(manager.deviceBlocksInUse, 5)
        manager.checkInvariants()

        manager.release(0)
        XCTAssertEqual(manager.deviceBlocksInUse, 4, "blocks 0 and 1 are still held by sequence 1")
        XCTAssertEqual(manager.availableDeviceBlocks, 12)
        manager.checkInvariants()
        manager.release(1)
        XCTAssertEqual(manager.deviceBlocksInUse, 0)
        XCTAssertEqual(manager.availableDeviceBlocks, 16)
        XCTAssertEqual(manager.cachedTokensMatched, 8)
        XCTAssertEqual(manager.tokensAdmitted, 24)
        manager.checkInvariants()
    }

    func testTheLastTokenIsAlwaysComputed() {
        var manager = KVBlockManager(capacity: capacity(device: 16))
        let prompt: [Int32] = [1, 2, 3, 4, 5, 6, 7, 8]
        XCTAssertEqual(prefill(&manager, 0, prompt)?.blocks, [0, 1])

        // The whole prompt is cached, but its last block is computed again for the logits.
        let same = manager.admit(1, tokens: prompt[...], reserving: prompt.count)!
        XCTAssertEqual(same.cachedTokens, 4)
        XCTAssertEqual(same.blocks, [0, 2])
        // One more token: both blocks are reused.
        let longer = prompt + [9]
        let extended = manager.admit(2, tokens: longer[...], reserving: longer.count)!
        XCTAssertEqual(extended.cachedTokens, 8)
        XCTAssertEqual(extended.blocks, [0, 1, 3])
        XCTAssertEqual(manager.admit(3, tokens: prompt[..<5], reserving: 5)?.cachedTokens, 4)
        XCTAssertEqual(manager.admit(4, tokens: prompt[..<4], reserving: 4)?.cachedTokens, 0)
        XCTAssertEqual(manager.admit(5, tokens: [], reserving: 1)?.cachedTokens, 0)
        manager.checkInvariants()
    }

    func testReleasedBlocksServeLaterAdmissions() {
        var manager = KVBlockManager(capacity: capacity(device: 16))
        let prompt: [Int32] = Array(1 ... 12)
        XCTAssertEqual(prefill(&manager, 0, prompt)?.blocks, [0, 1, 2])
        manager.release(0)
        XCTAssertEqual(manager.availableDeviceBlocks, 16)
        XCTAssertEqual(manager.deviceBlocksInUse, 0)

        // A preempted sequence comes back with its generated token and finds its blocks.
        let resumed = prompt + [13]
        let again = manager.admit(0, tokens: resumed[...], reserving: resumed.count)!
        XCTAssertEqual(again.cachedTokens, 12)
        XCTAssertEqual(again.blocks, [0, 1, 2, 3])
        XCTAssertEqual(manager.evictions, 0)
        manager.checkInvariants()
    }

    func testEvictionTakesFreeBlocksFirstThenTheOldestDeepestFirst() {
        var manager = KVBlockManager(capacity: capacity(device: 8))
        let x: [Int32] = [1, 1, 1, 1, 2, 2, 2, 2]
        let y: [Int32] = [3, 3, 3, 3, 4, 4, 4, 4]
        XCTAssertEqual(prefill(&manager, 0, x)?.blocks, [0, 1])
        XCTAssertEqual(prefill(&manager, 1, y)?.blocks, [2, 3])
        manager.release(1)
        manager.release(0)
        // Eviction order now: 3, 2 (y, deepest first), then 1, 0 (x, released later).

        let z = [Int32](repeating: 5, count: 20)
        let third = manager.admit(2, tokens: z[...], reserving: z.count)!
        XCTAssertEqual(third.blocks, [4, 5, 6, 7, 3], "never-cached blocks first, then y's deepest block")
        XCTAssertEqual(manager.evictions, 1)

        // y's first block is still cached; the block after it comes from evicting x's deepest.
        let fourth = manager.admit(3, tokens: y[...], reserving: y.count)!
        XCTAssertEqual(fourth.cachedTokens, 4)
        XCTAssertEqual(fourth.blocks, [2, 1])
        XCTAssertEqual(manager.evictions, 2)

        // x's first block is cached but is the last available block: it cannot also be the new one.
        let before = manager
        XCTAssertNil(manager.admit(4, tokens: (x + [9])[...], reserving: 9))
        XCTAssertEqual(manager, before)
        let fifth = manager.admit(4, tokens: (x + [9])[...], reserving: 4)!
        XCTAssertEqual(fifth.cachedTokens, 4)
        XCTAssertEqual(fifth.blocks, [0])
        XCTAssertEqual(manager.availableDeviceBlocks, 0)
        manager.checkInvariants()
    }

    func testBlocksWithNegativeTokensAreNeverCached() {
        var manager = KVBlockManager(capacity: capacity(device: 16))
        let tokens: [Int32] = [1, 2, 3, 4, 5, -1, 7, 8, 9, 10, 11, 12, 13]
        XCTAssertNotNil(prefill(&manager, 0, tokens))
        XCTAssertEqual(manager.admit(1, tokens: tokens[...], reserving: tokens.count)?.cachedTokens, 4)
        let unknownReplaced: [Int32] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]
        XCTAssertEqual(manager.admit(2, tokens: unknownReplaced[...], reserving: 13)?.cachedTokens, 4)
        manager.release(0)
        manager.release(1)
        manager.release(2)
        manager.checkInvariants()
        // Only the first block was cached: neither the block holding -1 nor the one after it.
        fillPool(&manager, as: 3)
        XCTAssertEqual(manager.evictions, 1)
        manager.checkInvariants()
    }

    func testIdenticalBlocksComputedTwiceAreCachedOnce() {
        var manager = KVBlockManager(capacity: capacity(device: 12))
        let prompt: [Int32] = Array(1 ... 9)
        // Both admitted before either commits: no sharing, each computes its own copy.
        XCTAssertEqual(manager.admit(0, tokens: prompt[...], reserving: 9)?.blocks, [0, 1, 2])
        XCTAssertEqual(manager.admit(1, tokens: prompt[...], reserving: 9)?.blocks, [3, 4, 5])
        manager.commit(0, tokens: prompt[...], computed: 9)
        manager.commit(1, tokens: prompt[...], computed: 9)
        XCTAssertEqual(manager.blockTable(1), [3, 4, 5], "a duplicate keeps its table")
        XCTAssertEqual(manager.admit(2, tokens: prompt[...], reserving: 9)?.blocks, [0, 1, 6])
        for sequence: Int32 in 0 ... 2 { manager.release(sequence) }
        fillPool(&manager, as: 3)
        XCTAssertEqual(manager.evictions, 2, "only the first copies were cached")
        manager.checkInvariants()
    }

    func testPrefixCachingOffNeverMatches() {
        var manager = KVBlockManager(capacity: capacity(device: 8), prefixCaching: false)
        let prompt: [Int32] = Array(1 ... 9)
        XCTAssertNotNil(prefill(&manager, 0, prompt))
        XCTAssertEqual(manager.admit(1, tokens: prompt[...], reserving: 9)?.cachedTokens, 0)
        manager.release(0)
        manager.release(1)
        XCTAssertEqual(manager.admit(2, tokens: prompt[...], reserving: 9)?.cachedTokens, 0)
        manager.release(2)
        fillPool(&manager, as: 3)
        XCTAssertEqual(manager.evictions, 0)
        XCTAssertEqual(manager.cachedTokensMatched, 0)
        XCTAssertEqual(manager.tokensAdmitted, 27 + 32)
        manager.checkInvariants()
    }

    func testShrinkFreesTheBlocksASpanDidNotUse() {
        var manager = KVBlockManager(capacity: capacity(device: 6))
        XCTAssertEqual(manager.admit(0, tokens: [1, 2, 3], reserving: 3)?.blocks, [0])
        XCTAssertEqual(manager.grow(0, toCover: 20), [1, 2, 3, 4])
        XCTAssertEqual(manager.shrink(0, toCover: 9), 2)
        XCTAssertEqual(manager.blockTable(0), [0, 1, 2])
        XCTAssertEqual(manager.deviceBlocksInUse, 3)
        XCTAssertEqual(manager.shrink(0, toCover: 12), 0, "nothing past the covering blocks")
        XCTAssertEqual(manager.grow(0, toCover: 24), [3, 4, 5], "freed blocks serve later growth")
        manager.checkInvariants()
    }

    func testGrowAndBlocksNeeded() {
        var manager = KVBlockManager(capacity: capacity(device: 4))
        XCTAssertEqual(manager.admit(0, tokens: [1, 2, 3], reserving: 3)?.blocks, [0])
        XCTAssertEqual(manager.blocksNeeded(0, toCover: 4), 0)
        XCTAssertEqual(manager.blocksNeeded(0, toCover: 5), 1)
        XCTAssertEqual(manager.blocksNeeded(0, toCover: 16), 3)
        XCTAssertEqual(manager.blocksNeeded(7, toCover: 5), 2, "a sequence without a table counts from zero")
        XCTAssertEqual(manager.grow(0, toCover: 4), [])
        XCTAssertEqual(manager.grow(0, toCover: 9), [1, 2])
        let before = manager
        XCTAssertNil(manager.grow(0, toCover: 20))
        XCTAssertEqual(manager, before)
        XCTAssertEqual(manager.grow(0, toCover: 16), [3])
        XCTAssertEqual(manager.blockTable(0), [0, 1, 2, 3])
        XCTAssertEqual(manager.deviceBlocksInUse, 4)
        manager.checkInvariants()
    }

    func testSwapOutAndInMoveTablesThroughTheHostTier() {
        var manager = KVBlockManager(capacity: capacity(device: 10, host: 3))
        let prompt: [Int32] = Array(1 ... 12)
        XCTAssertEqual(prefill(&manager, 0, prompt)?.blocks, [0, 1, 2])

        let out = manager.swapOut(0)!
        XCTAssertEqual(out, [
            BlockTransfer(.deviceToHost, source: 0, destination: 0),
            BlockTransfer(.deviceToHost, source: 1, destination: 1),
            BlockTransfer(.deviceToHost, source: 2, destination: 2),
        ])
        XCTAssertTrue(manager.isSwappedOut(0))
        XCTAssertFalse(manager.hasTable(0))
        XCTAssertEqual(manager.blockTable(0), [])
        XCTAssertEqual(manager.availableHostBlocks, 0)
        XCTAssertEqual(manager.deviceBlocksInUse, 0)
        manager.checkInvariants()

        XCTAssertEqual(manager.admit(1, tokens: [50, 51, 52, 53, 54], reserving: 5)?.blocks, [3, 4])
        let before = manager
        XCTAssertNil(manager.swapOut(1), "the host tier is full")
        XCTAssertEqual(manager, before)

        let back = manager.swapIn(0)!
        XCTAssertEqual(back.blocks, [5, 6, 7])
        XCTAssertEqual(back.transfers, [
            BlockTransfer(.hostToDevice, source: 0, destination: 5),
            BlockTransfer(.hostToDevice, source: 1, destination: 6),
            BlockTransfer(.hostToDevice, source: 2, destination: 7),
        ])
        XCTAssertTrue(manager.hasTable(0))
        XCTAssertEqual(manager.blockTable(0), [5, 6, 7])
        XCTAssertEqual(manager.availableHostBlocks, 3)
        // The blocks it left behind are still cached.
        let resumed = prompt + [13]
        XCTAssertEqual(manager.admit(2, tokens: resumed[...], reserving: 13)?.blocks, [0, 1, 2, 8])
        manager.checkInvariants()

        XCTAssertEqual(manager.swapOut(1)?.count, 2)
        manager.release(1)
        XCTAssertFalse(manager.isSwappedOut(1))
        XCTAssertEqual(manager.availableHostBlocks, 3)

        XCTAssertEqual(manager.swapOut(0)?.count, 3)
        let other: [Int32] = Array(60 ..< 73)
        XCTAssertEqual(manager.admit(3, tokens: other[...], reserving: other.count)?.blocks.count, 4)
        let crowded = manager
        XCTAssertNil(manager.swapIn(0), "only two device blocks are available")
        XCTAssertEqual(manager, crowded)
        manager.checkInvariants()
    }

    /// A manager that releases sequences keeping their unique-token blocks unkeyed makes the same
    /// allocations, evictions and hits as one that commits those blocks and then releases them.
    func testUnkeyedReleaseBehavesLikeCommittingUniqueBlocks() {
        for seed in UInt64(1) ... 6 {
            var random = SeededGenerator(seed: seed)
            var committing = KVBlockManager(capacity: capacity(blockSize: 4, device: 40))
            var unkeyed = committing
            let stems: [[Int32]] = (0 ..< 3).map { stem in (0 ..< 8).map { Int32(stem * 100 + $0) } }
            var running: [(sequence: Int32, tokens: [Int32], shared: Int)] = []
            var next: Int32 = 0
            for _ in 0 ..< 300 {
                if running.count < 5 || (running.count < 9 && Bool.random(using: &random)) {
                    let stem = stems[Int.random(in: 0 ..< stems.count, using: &random)]
                    let shared = 4 * Int.random(in: 0 ... 2, using: &random)
                    let unique = (0 ..< Int.random(in: 1 ... 13, using: &random)).map { Int32(10_000 + Int(next) * 100 + $0) }
                    let tokens = Array(stem[..<shared]) + unique
                    let a = committing.admit(next, tokens: tokens[...], reserving: tokens.count)
                    let b = unkeyed.admit(next, tokens: tokens[...], reserving: tokens.count)
                    XCTAssertEqual(a?.cachedTokens, b?.cachedTokens, "seed \(seed)")
                    XCTAssertEqual(a?.blocks, b?.blocks, "seed \(seed)")
                    if a != nil {
                        committing.commit(next, tokens: tokens[...], computed: tokens.count)
                        unkeyed.commit(next, tokens: tokens[..<shared], computed: shared)
                        running.append((next, tokens, shared))
                    }
                    next += 1
                } else {
                    let (sequence, tokens, _) = running.remove(at: Int.random(in: 0 ..< running.count, using: &random))
                    committing.release(sequence)
                    unkeyed.release(sequence, keepingUnkeyed: tokens.count / 4)
                }
                XCTAssertEqual(committing.availableDeviceBlocks, unkeyed.availableDeviceBlocks, "seed \(seed)")
                XCTAssertEqual(committing.evictions, unkeyed.evictions, "seed \(seed)")
                unkeyed.checkInvariants()
            }
            XCTAssertGreaterThan(committing.evictions, 20, "seed \(seed): the pool must turn over")
            XCTAssertGreaterThan(committing.cachedTokensMatched, 0, "seed \(seed): stems must be hit")
        }
    }

    // MARK: - Random operations against a naive model

    func testRandomOperationsAgreeWithANaiveModel() {
        let configurations: [(blockSize: Int, device: Int, host: Int, prefixCaching: Bool)] = [
            (1, 6, 3, true), (2, 10, 6, true), (3, 16, 0, true), (4, 24, 12, true), (2, 12, 4, false),
        ]
        var totals = RandomRun.Counters()
        for (index, configuration) in configurations.enumerated() {
            for seed in UInt64(index * 100) ..< UInt64(index * 100 + 4) {
                let run = RandomRun(
                    seed: seed,
                    capacity: capacity(
                        blockSize: configuration.blockSize, device: configuration.device, host: configuration.host),
                    prefixCaching: configuration.prefixCaching)
                run.run(operations: 1500)
                if let failure = run.failure {
                    XCTFail("seed \(seed), \(configuration): \(failure)")
                    return
                }
                if configuration.prefixCaching { totals.add(run.counters) }
            }
        }
        // The runs exercised what they are meant to.
        XCTAssertGreaterThan(totals.hits, 1000)
        XCTAssertGreaterThan(totals.evictions, 500)
        XCTAssertGreaterThan(totals.failedOperations, 500)
        XCTAssertGreaterThan(totals.swaps, 500)
    }
}

/// One seeded run of random operations on a ``KVBlockManager``, each checked against a naive model
/// kept by brute force from what the public API returns:
/// - `cache` maps each cached full-block token prefix to its block, so the expected hit of an
///   admission is found by looking up the prompt's prefixes one by one;
/// - `evictionOrder` lists unheld cached blocks, least recently released first, so every allocation
///   can be checked to take a free uncached block if one exists, else the oldest evictable one;
/// - `deviceContent`/`hostContent` record which token each sequence wrote to which block slot (and
///   what transfers copied), so every table can be checked to hold its sequence's tokens.
private final class RandomRun {
    struct Counters {
        var hits = 0, evictions = 0, failedOperations = 0, swaps = 0

        mutating func add(_ other: Counters) {
            hits += other.hits
            evictions += other.evictions
            failedOperations += other.failedOperations
            swaps += other.swaps
        }
    }

    struct Sequence {
        var tokens: [Int32]
        var computed: Int
        var table: [Int32]
        var onHost = false
        var chained: Int
        var chainIsOpen = true
    }

    let seed: UInt64
    let blockSize: Int
    let deviceBlocks: Int
    let hostBlocks: Int
    let prefixCaching: Bool
    var random: SeededGenerator
    var manager: KVBlockManager
    var failure: String?
    var counters = Counters()
    var operation = 0

    var stems: [[Int32]] = []
    var sequences: [Int32: Sequence] = [:]
    /// The known tokens of released sequences, for re-admission after a preemption.
    var retired: [Int32: [Int32]] = [:]
    var cache: [[Int32]: Int32] = [:]
    var evictionOrder: [Int32] = []
    var deviceContent: [[Int32?]]
    var hostContent: [[Int32?]]
    var cachedTokensMatched = 0
    var tokensAdmitted = 0
    var evictions = 0

    static let sequenceIDs: Range<Int32> = 0 ..< 6

    init(seed: UInt64, capacity: EngineCapacity, prefixCaching: Bool) {
        self.seed = seed
        blockSize = capacity.blockSize
        deviceBlocks = capacity.deviceBlocks
        hostBlocks = capacity.hostBlocks
        self.prefixCaching = prefixCaching
        random = SeededGenerator(seed: seed)
        manager = KVBlockManager(capacity: capacity, prefixCaching: prefixCaching)
        deviceContent = Array(repeating: Array(repeating: nil, count: blockSize), count: deviceBlocks)
        hostContent = Array(repeating: Array(repeating: nil, count: blockSize), count: hostBlocks)
        for _ in 0 ..< 3 {
            stems.append(randomTokens(count: Int.random(in: blockSize ... 4 * blockSize, using: &random)))
        }
    }

    func expect(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition && failure == nil { failure = "operation \(operation): \(message())" }
    }

    func run(operations: Int) {
        print("KVBlockManager random run: seed \(seed), block size \(blockSize), "
            + "\(deviceBlocks) device and \(hostBlocks) host blocks")
        for index in 0 ..< operations where failure == nil {
            operation = index
            switch Int.random(in: 0 ..< 100, using: &random) {
            case 0 ..< 25: admit()
            case 25 ..< 60: advance()
            case 60 ..< 70: grow()
            case 70 ..< 82: release()
            case 82 ..< 91: swapOut()
            default: swapIn()
            }
            manager.checkInvariants()
            compareState()
        }
        guard failure == nil else { return }
        operation = operations
        for sequence in Self.sequenceIDs { manager.release(sequence) }
        manager.checkInvariants()
        expect(manager.availableDeviceBlocks == deviceBlocks, "device blocks leaked")
        expect(manager.deviceBlocksInUse == 0, "device blocks still in use")
        expect(manager.availableHostBlocks == hostBlocks, "host blocks leaked")
        counters.evictions = manager.evictions
    }

    // MARK: Random choices

    func randomTokens(count: Int) -> [Int32] {
        (0 ..< count).map { _ in Int32.random(in: 0 ..< 2, using: &random) }
    }

    func randomPrompt() -> [Int32] {
        let stem = stems.randomElement(using: &random)!
        var prompt = Array(stem.prefix(Int.random(in: 0 ... stem.count, using: &random)))
        prompt += randomTokens(count: Int.random(in: 0 ... 2 * blockSize, using: &random))
        if prompt.isEmpty { prompt = [1] }
        if Int.random(in: 0 ..< 10, using: &random) == 0 { prompt[Int.random(in: prompt.indices, using: &random)] = -1 }
        return prompt
    }

    func pick(where condition: (Sequence) -> Bool) -> Int32? {
        sequences.filter { condition($0.value) }.keys.sorted().randomElement(using: &random)
    }

    // MARK: The model's view of block states

    func holders(of block: Int32) -> Int {
        sequences.values.reduce(0) { $0 + ($1.onHost ? 0 : $1.table.filter { $0 == block }.count) }
    }

    func isCached(_ block: Int32) -> Bool { cache.values.contains(block) }

    var blocksInUse: Int { (0 ..< Int32(deviceBlocks)).filter { holders(of: $0) > 0 }.count }

    var freeHostBlocks: Set<Int32> {
        Set(0 ..< Int32(hostBlocks)).subtracting(sequences.values.filter(\.onHost).flatMap(\.table))
    }

    func expectedHits(_ tokens: [Int32]) -> [Int32] {
        let reusable = max(tokens.count - 1, 0) / blockSize
        var hits: [Int32] = []
        while hits.count < reusable, let block = cache[Array(tokens[..<((hits.count + 1) * blockSize)])] {
            hits.append(block)
        }
        return hits
    }

    /// Checks that the manager allocated `block` as the policy says and records it as blank;
    /// `taken` holds the blocks already allocated by the same call.
    func allocated(_ block: Int32, taken: inout Set<Int32>) {
        let free = (0 ..< Int32(deviceBlocks)).filter { holders(of: $0) == 0 && !isCached($0) && !taken.contains($0) }
        if !free.isEmpty {
            expect(free.contains(block), "allocated block \(block) while free blocks \(free) exist")
        } else {
            expect(block == evictionOrder.first, "allocated block \(block), expected the oldest evictable \(evictionOrder)")
            evictionOrder.removeAll { $0 == block }
            cache = cache.filter { $0.value != block }
            evictions += 1
        }
        taken.insert(block)
        deviceContent[Int(block)] = Array(repeating: nil, count: blockSize)
    }

    /// Drops the device references of `table` (already out of `sequences`): blocks left unheld
    /// and cached join the eviction order, deepest first.
    func dropReferences(_ table: [Int32]) {
        for block in table.reversed() where holders(of: block) == 0 && isCached(block) {
            evictionOrder.append(block)
        }
    }

    // MARK: Operations

    func admit() {
        guard let id = Self.sequenceIDs.filter({ sequences[$0] == nil }).randomElement(using: &random) else { return }
        let tokens = if let known = retired[id], Bool.random(using: &random) { known } else { randomPrompt() }
        let reserved = Int.random(in: 1 ... tokens.count + blockSize, using: &random)
        let hits = expectedHits(tokens)
        let newBlocks = (max(reserved, hits.count * blockSize) + blockSize - 1) / blockSize - hits.count
        let evictableHits = hits.filter { holders(of: $0) == 0 }.count
        let fits = newBlocks <= deviceBlocks - blocksInUse - evictableHits
        let before = manager
        guard let admitted = manager.admit(id, tokens: tokens[...], reserving: reserved) else {
            expect(!fits, "admission of \(tokens) reserving \(reserved) failed though \(newBlocks) new blocks fit")
            expect(manager == before, "a failed admission changed the manager")
            counters.failedOperations += 1
            return
        }
        expect(fits, "admission of \(tokens) succeeded though \(newBlocks) new blocks do not fit")
        expect(
            admitted.cachedTokens == hits.count * blockSize,
            "hit \(admitted.cachedTokens) tokens of \(tokens), expected \(hits.count) blocks")
        expect(Array(admitted.blocks.prefix(hits.count)) == hits, "hit blocks \(admitted.blocks), expected \(hits)")
        expect(admitted.blocks.count == hits.count + newBlocks, "table \(admitted.blocks) has the wrong length")
        for (index, block) in hits.enumerated() {
            let claimed = tokens[index * blockSize ..< (index + 1) * blockSize].map { Optional($0) }
            expect(
                deviceContent[Int(block)] == claimed,
                "hit block \(block) holds \(deviceContent[Int(block)]), not \(claimed)")
        }
        evictionOrder.removeAll { hits.contains($0) }
        sequences[id] = Sequence(tokens: tokens, computed: hits.count * blockSize, table: hits, chained: hits.count)
        var taken = Set<Int32>()
        for block in admitted.blocks.dropFirst(hits.count) {
            allocated(block, taken: &taken)
            sequences[id]!.table.append(block)
        }
        counters.hits += hits.count
        cachedTokensMatched += hits.count * blockSize
        tokensAdmitted += tokens.count
    }

    /// Computes a prefill chunk or a decode token of a sequence on the device, growing its table
    /// first if needed, and commits it.
    func advance() {
        guard let id = pick(where: { !$0.onHost }) else { return }
        var sequence = sequences[id]!
        let computed: Int
        if sequence.computed < sequence.tokens.count {
            computed = min(sequence.tokens.count, sequence.computed + Int.random(in: 1 ... 3 * blockSize, using: &random))
        } else {
            let token: Int32 = Int.random(in: 0 ..< 4, using: &random) == 0 ? -1 : Int32.random(in: 0 ..< 2, using: &random)
            sequence.tokens.append(token)
            sequences[id]!.tokens = sequence.tokens
            computed = sequence.computed + 1
        }
        if sequence.table.count * blockSize < computed {
            guard grow(id, toCover: computed) else { return }
            sequence.table = sequences[id]!.table
        }
        for position in sequence.computed ..< computed {
            let block = sequence.table[position / blockSize]
            expect(holders(of: block) == 1 && !isCached(block), "sequence \(id) writes to shared or cached block \(block)")
            deviceContent[Int(block)][position % blockSize] = sequence.tokens[position]
        }
        sequence.computed = computed
        manager.commit(id, tokens: sequence.tokens[...], computed: computed)
        if prefixCaching {
            while sequence.chainIsOpen && sequence.chained < computed / blockSize {
                let end = (sequence.chained + 1) * blockSize
                if sequence.tokens[end - blockSize ..< end].contains(where: { $0 < 0 }) {
                    sequence.chainIsOpen = false
                } else {
                    let prefix = Array(sequence.tokens[..<end])
                    if cache[prefix] == nil { cache[prefix] = sequence.table[sequence.chained] }
                    sequence.chained += 1
                }
            }
        }
        sequences[id] = sequence
    }

    func grow() {
        guard let id = pick(where: { !$0.onHost }) else { return }
        let tokens = Int.random(in: 0 ... (sequences[id]!.table.count + 2) * blockSize, using: &random)
        _ = grow(id, toCover: tokens)
    }

    /// Grows the table of `id` through the manager and checks the result; whether it succeeded.
    func grow(_ id: Int32, toCover tokens: Int) -> Bool {
        let needed = max(0, (tokens + blockSize - 1) / blockSize - sequences[id]!.table.count)
        expect(manager.blocksNeeded(id, toCover: tokens) == needed, "blocksNeeded(\(id), toCover: \(tokens)) != \(needed)")
        let fits = needed <= deviceBlocks - blocksInUse
        let before = manager
        guard let appended = manager.grow(id, toCover: tokens) else {
            expect(!fits, "growing \(id) by \(needed) blocks failed though they fit")
            expect(manager == before, "a failed grow changed the manager")
            counters.failedOperations += 1
            return false
        }
        expect(fits, "growing \(id) by \(needed) blocks succeeded though they do not fit")
        expect(appended.count == needed, "grew by \(appended), expected \(needed) blocks")
        var taken = Set<Int32>()
        for block in appended {
            allocated(block, taken: &taken)
            sequences[id]!.table.append(block)
        }
        return true
    }

    func release() {
        guard let id = pick(where: { _ in true }) else { return }
        let sequence = sequences.removeValue(forKey: id)!
        manager.release(id)
        if !sequence.onHost { dropReferences(sequence.table) }
        retired[id] = sequence.tokens
    }

    func swapOut() {
        guard let id = pick(where: { !$0.onHost }) else { return }
        var sequence = sequences[id]!
        let free = freeHostBlocks
        let before = manager
        guard let transfers = manager.swapOut(id) else {
            expect(
                sequence.table.count > free.count,
                "swap-out of \(sequence.table.count) blocks failed with \(free.count) host blocks free")
            expect(manager == before, "a failed swap-out changed the manager")
            counters.failedOperations += 1
            return
        }
        expect(sequence.table.count <= free.count, "swap-out succeeded without room on the host")
        expect(
            transfers.map(\.source) == sequence.table,
            "swap-out sources \(transfers) are not the table \(sequence.table)")
        let destinations = transfers.map(\.destination)
        expect(
            Set(destinations).count == destinations.count && Set(destinations).isSubset(of: free),
            "swap-out destinations \(destinations) are not distinct free host blocks")
        expect(
            transfers.allSatisfy { $0.direction == .deviceToHost },
            "swap-out transfers \(transfers) go the wrong way")
        guard failure == nil else { return }
        for transfer in transfers { hostContent[Int(transfer.destination)] = deviceContent[Int(transfer.source)] }
        sequences[id] = nil
        dropReferences(sequence.table)
        sequence.table = destinations
        sequence.onHost = true
        sequences[id] = sequence
        counters.swaps += 1
    }

    func swapIn() {
        guard let id = pick(where: { $0.onHost }) else { return }
        var sequence = sequences[id]!
        let fits = sequence.table.count <= deviceBlocks - blocksInUse
        let before = manager
        guard let (blocks, transfers) = manager.swapIn(id) else {
            expect(!fits, "swap-in of \(sequence.table.count) blocks failed though they fit")
            expect(manager == before, "a failed swap-in changed the manager")
            counters.failedOperations += 1
            return
        }
        expect(fits, "swap-in succeeded without room on the device")
        expect(
            transfers.map(\.source) == sequence.table,
            "swap-in sources \(transfers) are not the host table \(sequence.table)")
        expect(transfers.map(\.destination) == blocks, "swap-in destinations \(transfers) are not the new table \(blocks)")
        expect(
            transfers.allSatisfy { $0.direction == .hostToDevice },
            "swap-in transfers \(transfers) go the wrong way")
        guard failure == nil else { return }
        var taken = Set<Int32>()
        for transfer in transfers {
            allocated(transfer.destination, taken: &taken)
            deviceContent[Int(transfer.destination)] = hostContent[Int(transfer.source)]
        }
        sequence.table = blocks
        sequence.onHost = false
        sequences[id] = sequence
        counters.swaps += 1
    }

    // MARK: Agreement

    func compareState() {
        let inUse = blocksInUse
        expect(manager.deviceBlocksInUse == inUse, "\(manager.deviceBlocksInUse) device blocks in use, expected \(inUse)")
        expect(manager.availableDeviceBlocks == deviceBlocks - inUse, "available device blocks disagree")
        expect(manager.availableHostBlocks == freeHostBlocks.count, "available host blocks disagree")
        expect(manager.evictions == evictions, "\(manager.evictions) evictions, expected \(evictions)")
        expect(
            manager.cachedTokensMatched == cachedTokensMatched && manager.tokensAdmitted == tokensAdmitted,
            "statistics disagree")
        for id in Self.sequenceIDs {
            let sequence = sequences[id]
            expect(manager.hasTable(id) == (sequence.map { !$0.onHost } ?? false), "hasTable(\(id)) disagrees")
            expect(manager.isSwappedOut(id) == (sequence?.onHost ?? false), "isSwappedOut(\(id)) disagrees")
            guard let sequence, !sequence.onHost else { continue }
            expect(
                manager.blockTable(id) == sequence.table,
                "table of \(id) is \(manager.blockTable(id)), expected \(sequence.table)")
            for position in 0 ..< sequence.computed {
                let stored = deviceContent[Int(sequence.table[position / blockSize])][position % blockSize]
                expect(
                    stored == sequence.tokens[position],
                    "sequence \(id) position \(position) holds \(String(describing: stored)), not \(sequence.tokens[position])")
            }
        }
    }
}
