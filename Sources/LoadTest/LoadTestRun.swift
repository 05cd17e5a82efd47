// One load-test replication: a `ChainCluster` under an open-loop client workload, measured as CometBFT QA,
// Caliper and tm-load-test report it (consensus-tests.md §3).
//
// Simulated-time results come from the chain itself: a transaction's latency is the first decision time of the
// height that holds it minus its first submission (CometBFT loadtime: block time − tx timestamp); block times are
// the gaps between first decisions. Warm-up and cool-down are trimmed: latency, submitted and committed count
// transactions first submitted inside the window; committed tx/s counts commits inside it; block statistics use
// heights decided inside it. The simulator's own speed (wall seconds, events/s) is kept apart, under `wall`.

import Cluster
import Consensus
import Contracts
import DiscreteEvent
import Foundation
import Ledger
import Network

/// Submit → commit latency statistics in seconds (HdrHistogram, 3 significant digits).
public struct LatencySummary: Codable, Sendable, Equatable {
    public var count: Int
    public var min: Double
    public var avg: Double
    /// Sample standard deviation (n − 1), as CometBFT's `loadtime report` gives it; nan below two commits.
    public var sd: Double
    public var p50: Double
    public var p90: Double
    public var p95: Double
    public var p99: Double
    public var max: Double
}

/// Block interval statistics in seconds.
public struct BlockTimeSummary: Codable, Sendable, Equatable {
    public var count: Int
    public var avg: Double
    public var sd: Double
    public var min: Double
    public var max: Double
}

/// The simulator's own speed in one run: wall-clock figures only, never mixed with simulated ones.
public struct WallClock: Codable, Sendable, Equatable {
    public var seconds: Double
    public var eventsPerSecond: Double
    public var blocksPerSecond: Double
    /// Real Ed25519 verifications (signature-cache misses) per wall second.
    public var verificationsPerSecond: Double
    /// CPU time of the simulating thread over the same interval as `seconds` (equal to it on an idle machine; the
    /// part of the wall time another process did not take, on a shared one).
    public var cpuSeconds: Double
}

/// CPU time consumed so far by the calling thread, seconds.
public func threadCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// One decided height, for per-height observations and window checks.
public struct HeightRecord: Sendable, Equatable {
    public var height: Int
    /// First decision anywhere, simulated time.
    public var decidedAt: SimTime
    /// Decision round (the lowest among nodes that decided it in consensus; −1 if only block-synced).
    public var round: Int
    public var transactions: Int
    /// Node index of the round-0 proposer.
    public var proposer: Int
}

/// What one replication of one load-test point measured.
public struct LoadTestResult: Codable, Sendable {
    public var validators: Int
    public var offeredRate: Double
    public var replication: Int
    public var clients: Int
    public var windowSeconds: Double
    // Counts of the transactions first submitted inside the window: `submitted = committed + rejected + pending`,
    // each transaction counted once however often it was sent.
    public var submitted: Int
    /// In a block by the end of the run.
    public var committed: Int
    /// Not in a block by the end of the run, and refused by some node's check (not as a duplicate) at least once.
    public var rejected: Int
    /// Not in a block by the end of the run, and never refused: still waiting in a mempool or in transit.
    public var pending: Int
    /// Offered arrivals not sent because every client had a transaction outstanding (whole run).
    public var clientsBusy: Int
    /// Sends of a transaction again after `resubmitAfter` without a commit (whole run; not new transactions).
    public var resubmissions: Int
    // Rates (simulated time).
    public var sendRate: Double
    public var committedTPS: Double
    public var latency: LatencySummary
    public var blocks: Int
    public var blockTime: BlockTimeSummary
    public var blocksPerMinute: Double
    /// `roundsHistogram[r]`: heights decided in the window in round r.
    public var roundsHistogram: [Int]
    /// Per height, summed over nodes (messages and bytes received; signature checks including cache hits).
    public var messagesPerHeight: Double
    public var bytesPerHeight: Double
    public var messagesPerHeightPerNode: Double
    public var bytesPerHeightPerNode: Double
    public var verificationsPerHeight: Double
    /// Simulated CPU (all nodes) per committed transaction, µs: verifications × cost + inputs × cost + execution.
    public var cpuPerCommittedTxMicroseconds: Double
    public var peakMempool: Int
    public var finalHeight: Int
    /// Real Ed25519 verifications the run performed (shared signature cache misses).
    public var realVerifications: Int
    public var events: UInt64
    public var chainDigest: String
    public var oracleViolations: [String]
    public var wall: WallClock

    /// Per-height records and per-transaction latencies (database observations; not in the JSON).
    public var heights: [HeightRecord] = []
    public var latencies: [(submitted: SimTime, seconds: Double)] = []

    enum CodingKeys: String, CodingKey {
        case validators, offeredRate, replication, clients, windowSeconds, submitted, committed, rejected, pending
        case clientsBusy, resubmissions, sendRate, committedTPS, latency, blocks, blockTime, blocksPerMinute
        case roundsHistogram, messagesPerHeight, bytesPerHeight, messagesPerHeightPerNode, bytesPerHeightPerNode
        case verificationsPerHeight, cpuPerCommittedTxMicroseconds, peakMempool, finalHeight, realVerifications
        case events, chainDigest, oracleViolations, wall
    }
}

/// Records each client transaction's first submission at the simulated time it is built.
final class SubmissionLog: @unchecked Sendable {
    var clock: () -> SimTime = { .zero }
    var first: [Hash: SimTime] = [:]
    /// Transactions some node's check refused (not as a duplicate); membership only, never iterated.
    var refused: Set<Hash> = []

    func note(_ tx: Transaction) {
        let h = tx.hash
        if first[h] == nil { first[h] = clock() }
    }
}

/// Runs load-test replications.
public enum LoadTestRunner {
    /// The chain id of load-test clusters.
    public static let chainID = "readchain-loadtest"

    /// Runs replication `replication` of `point`.
    public static func run(_ spec: LoadTestSpec, point: LoadTestPoint, replication: Int) -> LoadTestResult {
        switch spec.app {
        case .log:
            return run(spec, point: point, replication: replication, makeApp: { LogApplication() }, genesis: nil)
        case .market:
            let clients = spec.clientCount(rate: point.rate)
            let keys = (0..<clients).map { Workload.clientKey($0, seed: spec.seed) }
            let genesis = Genesis(
                chainID: chainID,
                accounts: keys.map { GenesisAccount(address: $0.publicKey.address, balance: 1_000_000_000) },
                authorities: [], market: .postedPrice, feeCollector: keys[0].publicKey.address)
            return run(
                spec, point: point, replication: replication, makeApp: { ReadChainApp(genesis: genesis) },
                genesis: genesis)
        }
    }

    /// The log message of `client`'s transaction `nonce` (unique), before padding.
    static func logMessage(client: Int, nonce: UInt64) -> Bytes {
        var w = CanonicalWriter()
        w.write(UInt8(0x01))
        w.write(UInt64(client))
        w.write(nonce)
        return w.bytes
    }

    /// Bytes a signed transaction adds around its message (measured once; the encoding is fixed-width).
    static func logOverhead(key: SigningKey) -> Int {
        let m = logMessage(client: 0, nonce: 0)
        return Transaction.signed(by: key, chainID: chainID, nonce: 0, fee: Amount(minorUnits: 0), message: m)
            .encodedSize - m.count
    }

    static func run<App: ChainApplication>(
        _ spec: LoadTestSpec, point: LoadTestPoint, replication: Int, makeApp: () -> App, genesis: Genesis?
    ) -> LoadTestResult {
        let n = point.validators
        let clients = spec.clientCount(rate: point.rate)
        let log = SubmissionLog()
        let makeTx: @Sendable (Int, SigningKey, UInt64) -> Transaction
        switch spec.app {
        case .log:
            let pad = max(0, (spec.txSize ?? 1024) - logOverhead(key: Workload.clientKey(0, seed: spec.seed)) - 17)
            makeTx = { c, key, nonce in
                let message = logMessage(client: c, nonce: nonce) + Bytes(repeating: 0x5A, count: pad)
                let tx = Transaction.signed(
                    by: key, chainID: chainID, nonce: nonce, fee: Amount(minorUnits: 0), message: message)
                log.note(tx)
                return tx
            }
        case .market:
            let addresses = (genesis?.accounts ?? []).map(\.address)
            makeTx = { c, key, nonce in
                let to = addresses[(c + 1 + Int(nonce % 7)) % addresses.count]
                let m = Message.transfer(to: to, amount: 1 + nonce % 100)
                let tx = Transaction.signed(
                    by: key, chainID: chainID, nonce: nonce, fee: Amount(minorUnits: 10), message: m.canonicalBytes)
                log.note(tx)
                return tx
            }
        }
        let resubmit = spec.resubmitAfter ?? (spec.timeouts == .cometbft ? .seconds(5) : .milliseconds(500))
        let workload = Workload(
            clients: clients, ratePerSecond: point.rate, start: .zero, stop: spec.duration, resubmitAfter: resubmit,
            makeTx: makeTx)
        var node = NodeConfig(
            chainID: chainID, timeouts: spec.timeouts.timeouts, commitTimeout: spec.timeouts.commitTimeout.ticks)
        node.verifyCost = spec.verifyCost.ticks
        let config = ClusterConfig(
            seed: spec.seed, replication: replication, chainID: chainID, powers: Array(repeating: 1, count: n),
            network: NetworkConfig(latency: spec.latency.model(nodes: n)), node: node,
            faults: spec.faults.map(\.fault), workload: workload, rebroadcastInterval: spec.rebroadcast,
            termination: nil, invariantEvery: 0)
        var clusterConfig = config
        clusterConfig.signatureCaches = spec.signatureCaches
        let cluster = ChainCluster<App, Never>(config: clusterConfig, makeApp: makeApp)
        // Wall time of the run itself (not of building genesis states and client keys).
        let clock = ContinuousClock()
        let started = clock.now
        let cpuStarted = threadCPUSeconds()
        log.clock = { [unowned cluster] in cluster.now }
        cluster.onTxResult = { hash, check, _ in
            if !check.isOK && check.code != .duplicate { log.refused.insert(hash) }
        }
        cluster.run(until: spec.duration)
        let wallDuration = clock.now - started
        let cpuSeconds = threadCPUSeconds() - cpuStarted
        // The oracle's end-of-run pass (exactly-once transactions on every correct node), outside the timed run.
        cluster.finish()
        let wallSeconds = Double(wallDuration.components.seconds) + Double(wallDuration.components.attoseconds) * 1e-18
        return measure(
            cluster, spec: spec, point: point, replication: replication, clients: clients, log: log,
            wallSeconds: wallSeconds, cpuSeconds: cpuSeconds)
    }

    static func measure<App>(
        _ cluster: ChainCluster<App, Never>, spec: LoadTestSpec, point: LoadTestPoint, replication: Int, clients: Int,
        log: SubmissionLog, wallSeconds: Double, cpuSeconds: Double
    ) -> LoadTestResult {
        let n = point.validators
        let from = spec.warmupTime
        let to = spec.duration - spec.cooldownTime
        let window = (to - from).seconds
        func inWindow(_ t: SimTime) -> Bool { t >= from && t < to }

        // Heights: first decision times, rounds, proposers.
        let (heights, commitTime) = heightRecords(cluster, spec: spec, validators: n)

        // Transactions first submitted in the window.
        let w = windowLatencies(log, commitTime: commitTime, inWindow: inWindow)
        let (submitted, committed, latency, latencyTally, latencies) =
            (w.submitted, w.committed, w.latency, w.latencyTally, w.latencies)
        let committedInWindow = commitTime.values.reduce(0) { $0 + (inWindow($1) ? 1 : 0) }

        // Blocks decided in the window.
        let counters = cluster.perHeight
        let (blockTimes, rounds, perHeight) = windowBlocks(heights, counters: counters, inWindow: inWindow)
        let blocks = heights.filter { inWindow($0.decidedAt) }.count

        // Simulated CPU over the whole run: what `ChainNode.handle` charges, rebuilt from the counters.
        let nc = cluster.config.node
        let totals = counters.reduce((0, 0)) { ($0.0 + $1.verifications, $0.1 + $1.messagesIn) }
        let executed = cluster.nodes.reduce(0) { acc, node in
            acc + node.store.blocks.reduce(0) { $0 + $1.transactions.count }
        }
        let cpuTicks =
            Double(totals.0) * Double(nc.verifyCost) + Double(totals.1 + cluster.metrics.submitted)
            * Double(nc.inputCost)
            + Double(executed) * Double(nc.execCostPerTx)
        let allCommitted = cluster.metrics.committed

        func q(_ p: Double) -> Double { latency.count > 0 ? latency.value(atPercentile: p).seconds : .nan }
        let perHeightCount = Double(Swift.max(1, perHeight.count))
        let realVerifications = cluster.realVerifications
        return LoadTestResult(
            validators: n, offeredRate: point.rate, replication: replication, clients: clients, windowSeconds: window,
            submitted: submitted, committed: committed, rejected: w.rejected,
            pending: submitted - committed - w.rejected, clientsBusy: cluster.metrics.clientsBusy,
            resubmissions: cluster.metrics.resubmissions, sendRate: Double(submitted) / window,
            committedTPS: Double(committedInWindow) / window,
            latency: LatencySummary(
                count: committed, min: latencyTally.count > 0 ? latencyTally.min : .nan,
                avg: latencyTally.count > 0 ? latencyTally.mean : .nan,
                sd: latencyTally.count > 1 ? latencyTally.standardDeviation : .nan, p50: q(50), p90: q(90), p95: q(95),
                p99: q(99),
                max: latencyTally.count > 0 ? latencyTally.max : .nan),
            blocks: blocks,
            blockTime: BlockTimeSummary(
                count: blockTimes.count, avg: blockTimes.count > 0 ? blockTimes.mean : .nan,
                sd: blockTimes.standardDeviation, min: blockTimes.count > 0 ? blockTimes.min : .nan,
                max: blockTimes.count > 0 ? blockTimes.max : .nan),
            blocksPerMinute: Double(blocks) / window * 60, roundsHistogram: rounds,
            messagesPerHeight: Double(perHeight.messages) / perHeightCount,
            bytesPerHeight: Double(perHeight.bytes) / perHeightCount,
            messagesPerHeightPerNode: Double(perHeight.messages) / perHeightCount / Double(n),
            bytesPerHeightPerNode: Double(perHeight.bytes) / perHeightCount / Double(n),
            verificationsPerHeight: Double(perHeight.verifications) / perHeightCount,
            cpuPerCommittedTxMicroseconds: allCommitted > 0 ? cpuTicks * nc.cpuFactor / Double(allCommitted) : .nan,
            peakMempool: cluster.peakMempool, finalHeight: Int(cluster.height), realVerifications: realVerifications,
            events: cluster.metrics.eventsHandled, chainDigest: cluster.digest.hex,
            oracleViolations: Array(cluster.oracle.violations.prefix(5)),
            wall: WallClock(
                seconds: wallSeconds, eventsPerSecond: Double(cluster.metrics.eventsHandled) / wallSeconds,
                blocksPerSecond: Double(cluster.height) / wallSeconds,
                verificationsPerSecond: Double(realVerifications) / wallSeconds, cpuSeconds: cpuSeconds),
            heights: heights, latencies: latencies)
    }

    /// Every height of the longest store: its first decision time, lowest decision round, transactions and
    /// proposer; and the first commit time of every transaction.
    static func heightRecords<App>(
        _ cluster: ChainCluster<App, Never>, spec: LoadTestSpec, validators n: Int
    ) -> ([HeightRecord], [Hash: SimTime]) {
        let times = cluster.oracle.firstDecisionTimes
        let longest = cluster.nodes.max { $0.store.height < $1.store.height }!
        // Heights are read as `blocks` offsets from 1: a load test keeps every block.
        precondition(longest.store.firstRetainedHeight == 1, "load tests keep every block (retainBlocks nil)")
        var nodeOfAddress: [Address: Int] = [:]
        for i in 0..<n { nodeOfAddress[ClusterConfig.nodeKey(i, seed: spec.seed).publicKey.address] = i }
        var heights: [HeightRecord] = []
        var commitTime: [Hash: SimTime] = [:]
        for (k, block) in longest.store.blocks.enumerated() where k < times.count {
            let h = Height(k + 1)
            var round = Int.max
            for node in cluster.nodes where node.decisionRounds.count > k && node.decisionRounds[k] >= 0 {
                round = min(round, Int(node.decisionRounds[k]))
            }
            let proposer = nodeOfAddress[longest.store.selector(at: h).proposer.address] ?? -1
            heights.append(
                HeightRecord(
                    height: k + 1, decidedAt: times[k], round: round == .max ? -1 : round,
                    transactions: block.transactions.count, proposer: proposer))
            for tx in block.transactions where commitTime[tx.hash] == nil { commitTime[tx.hash] = times[k] }
        }
        return (heights, commitTime)
    }

    /// The transactions first submitted in the measurement window and the latency of those committed.
    struct WindowLatencies {
        var submitted = 0
        var committed = 0
        /// Not committed and refused by a check at least once.
        var rejected = 0
        var latency = Percentiles(highestTrackableTicks: 3_600 * SimTime.ticksPerSecond)
        var latencyTally = Tally()
        var latencies: [(submitted: SimTime, seconds: Double)] = []
    }

    /// The transactions first submitted in the window (in submission order), with their commit latencies.
    static func windowLatencies(
        _ log: SubmissionLog, commitTime: [Hash: SimTime], inWindow: (SimTime) -> Bool
    ) -> WindowLatencies {
        var w = WindowLatencies()
        let records = log.first.map { ($0.key, $0.value) }.sorted {
            $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0
        }
        for (hash, at) in records where inWindow(at) {
            w.submitted += 1
            guard let c = commitTime[hash] else {
                if log.refused.contains(hash) { w.rejected += 1 }
                continue
            }
            w.committed += 1
            w.latency.record(c - at)
            w.latencyTally.record((c - at).seconds)
            w.latencies.append((at, (c - at).seconds))
        }
        return w
    }

    /// The blocks decided in the window: the times between them, the histogram of decision rounds and the
    /// per-height message, byte and verification counts.
    static func windowBlocks(
        _ heights: [HeightRecord], counters: [HeightCounters], inWindow: (SimTime) -> Bool
    ) -> (Tally, [Int], (messages: Int, bytes: Int, verifications: Int, count: Int)) {
        var blockTimes = Tally()
        var rounds: [Int] = []
        var perHeight = (messages: 0, bytes: 0, verifications: 0, count: 0)
        for (k, h) in heights.enumerated() where inWindow(h.decidedAt) {
            if k > 0, inWindow(heights[k - 1].decidedAt) {
                blockTimes.record((h.decidedAt - heights[k - 1].decidedAt).seconds)
            }
            if h.round >= 0 {
                while rounds.count <= h.round { rounds.append(0) }
                rounds[h.round] += 1
            }
            if k < counters.count {
                perHeight.messages += counters[k].messagesIn
                perHeight.bytes += counters[k].bytesIn
                perHeight.verifications += counters[k].verifications
                perHeight.count += 1
            }
        }
        return (blockTimes, rounds, perHeight)
    }
}
