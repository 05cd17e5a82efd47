// N chain nodes on one scheduler: network, CPUs, client workload, fault schedule, oracle and metrics.

import Consensus
import DequeModule
import DiscreteEvent
import Ledger
import Network
import Stochastic

/// The events of a `ChainCluster`'s scheduler; `External` is the type of the driving code's own events.
enum ClusterEvent<External> {
    case deliver(to: Int, from: Int, NetMessage)
    case input(node: Int, epoch: Int, NodeInput)
    case cpuDone(node: Int, epoch: Int)
    case rebroadcast(node: Int, epoch: Int)
    case fault(Int)
    case arrival
    case resubmit(Int)
    /// An event of the code driving the cluster (`scheduleExternal`), handed to `onExternal`.
    case external(External)
}

/// N `ChainNode`s on one `Scheduler`: a simulated network, a simulated CPU per node, a client workload, a fault
/// schedule, the `Oracle` after every decision, and metrics.
///
/// Pure and deterministic: time only from the scheduler, randomness only from named streams of
/// `RandomStreams(seed:replication:)` (`net.*`, `workload.*`), no decision taken in Dictionary or Set order.
///
/// `External` is the type of the events of the code driving the cluster (``scheduleExternal(_:at:)``, handed
/// back to ``onExternal`` at their time); `Never` for a cluster nothing drives from outside.
public final class ChainCluster<App: ChainApplication, External> {
    /// Not nested in the class: the scheduler's event type depends on the driver's `External` only, not on `App`.
    typealias Event = ClusterEvent<External>

    struct TxRecord {
        var tx: Transaction
        var client: Int
        var submitted: SimTime
        var committed: SimTime?
    }

    public let config: ClusterConfig
    public let nodes: [ChainNode<App>]
    public let oracle: Oracle
    /// The cache the oracle uses (and, in `.shared` mode, every node).
    public let cache: SignatureCache
    /// Each node's cache (all the same object in `.shared` mode).
    public let nodeCaches: [SignatureCache]
    /// Real Ed25519 verifications performed by the nodes and the oracle (cache misses, each cache once).
    public var realVerifications: Int {
        var seen: [ObjectIdentifier] = []
        var total = 0
        for c in [cache] + nodeCaches where !seen.contains(ObjectIdentifier(c)) {
            seen.append(ObjectIdentifier(c))
            total += c.verifications
        }
        return total
    }
    public private(set) var metrics = ClusterMetrics()
    public private(set) var network: SimNetwork
    /// Called with each external event, at its time (`scheduleExternal`): lets agents act on the cluster's clock,
    /// in the cluster's one total event order.
    public var onExternal: ((External) -> Void)?
    /// Called once per height, when a correct node first commits it, with that node's index (its `app` is then the
    /// committed state of exactly that height).
    public var onCommit: ((CommitRecord, Int) -> Void)?
    /// Called when a node answers a submitted transaction's admission (`.ok`, or why it was refused).
    public var onTxResult: ((Hash, TxCheck, Int) -> Void)?
    /// Whether each node's re-broadcast timer is running (it stops while the node waits for transactions).
    private var rebroadcastArmed: [Bool]
    private var scheduler = Scheduler<Event>()
    private let invariant: ((App) -> String?)?
    private let streams: RandomStreams
    private let arrivalStream: RandomStream
    private let targetStream: RandomStream
    private var up: [Bool]
    private var epoch: [Int]
    private var inbox: [Deque<NodeInput>]
    private var busy: [Bool]
    private var pending: [[NodeAction]]
    private var cpu: [SimCPU]
    private var nodeOfAddress: [Address: Int] = [:]
    /// Each node's own address (a SHA-256 of its public key: computed once, not per input).
    private var ownAddress: [Address?] = []
    /// Whether node i is correct (not in `config.byzantine`).
    public private(set) var correct: [Bool] = []
    // Workload.
    private var clientKeys: [SigningKey] = []
    private var clientNonce: [UInt64] = []
    private var clientBusy: [Bool] = []
    /// How many entries of `clientBusy` are true (above saturation every client waits: no scan per arrival).
    private var busyClients = 0
    private var nextClient = 0
    private var txs: [TxRecord] = []
    private var txIndex: [Hash: Int] = [:]
    // Liveness bookkeeping.
    private var lastDisruption: SimTime = .zero
    private var isolated: Int?
    private var commitsPerNode: [Int]
    private var trace: UInt64 = 0xcbf2_9ce4_8422_2325

    /// - Parameters:
    ///   - makeApp: the genesis application (called once per node).
    ///   - invariant: an application invariant (nil when it holds), e.g. conservation of value.
    public init(config: ClusterConfig, makeApp: () -> App, invariant: ((App) -> String?)? = nil) {
        self.config = config
        let n = config.powers.count
        let scheme = config.signatures
        let cache = SignatureCache(capacity: 1 << 20, scheme: scheme)
        self.cache = cache
        let nodeCaches: [SignatureCache] =
            config.signatureCaches == .shared
            ? Array(repeating: cache, count: n) : (0..<n).map { _ in SignatureCache(capacity: 1 << 20, scheme: scheme) }
        self.nodeCaches = nodeCaches
        let keys = (0..<n).map { ClusterConfig.nodeKey($0, seed: config.seed).signing(with: scheme) }
        let genesis = ValidatorSet(
            zip(keys, config.powers).filter { $0.1 > 0 }.map { Validator(publicKey: $0.0.publicKey, power: $0.1) })
        var table: [Address: Int] = [:]
        for (i, k) in keys.enumerated() { table[k.publicKey.address] = i }
        let sharedMemo = DecodedBlockMemo()
        let sharedExecutions = ExecutionMemo<App>()
        nodes = (0..<n).map { i in
            var nc = config.node
            if let f = config.cpuFactors { nc.cpuFactor = f[i] }
            if let o = config.clockOffset { nc.clockOffset = o[i].ticks }
            let node = ChainNode(
                index: i, key: keys[i], config: nc, peers: n, app: makeApp(), validators: genesis, cache: nodeCaches[i],
                behaviour: config.byzantine[i] ?? config.mutants[i], nodeOfAddress: table,
                decodedBlocks: config.signatureCaches == .shared ? sharedMemo : DecodedBlockMemo(),
                executions: config.sharedExecution && App.self is any ExecutionShareable.Type
                    ? sharedExecutions : ExecutionMemo())
            node.trackFootprint = config.trackFootprint
            return node
        }
        nodeOfAddress = table
        ownAddress = nodes.map { $0.key?.publicKey.address }
        correct = (0..<n).map { config.byzantine[$0] == nil }
        streams = RandomStreams(seed: config.seed, replication: config.replication)
        network = SimNetwork(config: config.network, nodes: n, streams: streams)
        arrivalStream = streams.stream("workload.arrivals")
        targetStream = streams.stream("workload.target")
        oracle = Oracle(
            chainID: config.chainID, cache: cache, trackSubmissions: config.workload != nil,
            retainHeights: config.node.retainBlocks)
        self.invariant = invariant
        up = Array(repeating: false, count: n)
        epoch = Array(repeating: 0, count: n)
        inbox = Array(repeating: [], count: n)
        busy = Array(repeating: false, count: n)
        pending = Array(repeating: [], count: n)
        cpu = Array(repeating: SimCPU(), count: n)
        commitsPerNode = Array(repeating: 0, count: n)
        rebroadcastArmed = Array(repeating: false, count: n)
        for i in 0..<n where !config.offlineAtStart.contains(i) { powerOn(i) }
        for (k, f) in config.faults.enumerated() { scheduler.schedule(.fault(k), at: f.at) }
        if let w = config.workload {
            clientKeys = (0..<w.clients).map { Workload.clientKey($0, seed: config.seed).signing(with: scheme) }
            clientNonce = Array(repeating: 0, count: w.clients)
            clientBusy = Array(repeating: false, count: w.clients)
            scheduler.schedule(.arrival, at: w.start)
        }
    }

    // MARK: - Running

    public var now: SimTime { scheduler.now }

    /// Set by a driving simulation (from an event handler) to end ``run(until:)`` after the current event.
    public var stopRequested = false

    /// Runs until simulated time `end`, or until ``stopRequested``.
    public func run(until end: SimTime) {
        while !stopRequested, let t = scheduler.peekTime(), t <= end { handle(scheduler.next()!) }
        if stopRequested {
            metrics.eventsHandled = scheduler.eventsHandled
            return
        }
        if end > scheduler.now {
            _ = scheduler.schedule(.fault(-1), at: end)
            _ = scheduler.next()
        }
        metrics.eventsHandled = scheduler.eventsHandled
    }

    /// Runs until some node has committed `height` and every running node has reached it, or until `limit`.
    /// Returns whether the height was reached.
    @discardableResult
    public func run(untilHeight height: Height, limit: SimTime) -> Bool {
        while let t = scheduler.peekTime(), t <= limit {
            handle(scheduler.next()!)
            if oracle.chain.count >= Int(height),
                nodes.indices.allSatisfy({ !up[$0] || nodes[$0].store.height >= height })
            {
                metrics.eventsHandled = scheduler.eventsHandled
                return true
            }
        }
        metrics.eventsHandled = scheduler.eventsHandled
        return false
    }

    /// End-of-run checks: the final oracle pass and the termination bound up to now.
    public func finish() {
        checkTermination(at: now, newHeight: Height(oracle.chain.count + 1), final: true)
        oracle.finalCheck(
            stores: nodes.indices.filter { correct[$0] }.map { nodes[$0].store }, acknowledged: acknowledged)
    }

    /// Transactions acknowledged as committed, in submission order.
    public var acknowledged: [Hash] { txs.filter { $0.committed != nil }.map { $0.tx.hash } }

    /// Hands `tx` to node `node` at `time` (outside the workload; not tracked as a client transaction).
    public func inject(_ tx: Transaction, to node: Int, at time: SimTime) {
        oracle.noteSubmitted(tx.hash)
        scheduler.schedule(.input(node: node, epoch: epoch[node], .submit(tx)), at: time)
    }

    /// Whether node `i` is running.
    public func isUp(_ i: Int) -> Bool { up[i] }

    /// Highest height first decided anywhere.
    public var height: Height { Height(oracle.chain.count) }

    /// Sum over nodes of each height's counters (`[h-1]`).
    public var perHeight: [HeightCounters] {
        var out: [HeightCounters] = []
        for node in nodes {
            for (i, c) in node.counters.enumerated() {
                while out.count <= i { out.append(HeightCounters()) }
                out[i].messagesIn += c.messagesIn
                out[i].bytesIn += c.bytesIn
                out[i].messagesOut += c.messagesOut
                out[i].bytesOut += c.bytesOut
                out[i].verifications += c.verifications
            }
        }
        return out
    }

    public var peakMempool: Int { nodes.map(\.peakMempool).max() ?? 0 }

    /// SHA-256 over every node's chain (block hashes and state roots) and the event trace.
    public var digest: Hash {
        var parts: [Bytes] = []
        for node in nodes {
            parts.append(UInt64(node.index).bigEndianBytes)
            for (b, r) in zip(node.store.blockHashes, node.store.stateRoots) {
                parts.append(b.bytes)
                parts.append(r.bytes)
            }
        }
        parts.append(trace.bigEndianBytes)
        return Hash.sha256(domain: "readchain/run-digest/v1", parts: parts)
    }

    // MARK: - Events

    private func mix(_ values: UInt64...) {
        for v in values {
            trace ^= v
            trace &*= 0x100_0000_01b3
        }
    }

    private func handle(_ e: Event) {
        switch e {
        case .deliver(let to, let from, let m):
            mix(UInt64(scheduler.now.ticks), 1, UInt64(to), UInt64(from), UInt64(m.tag))
            if up[to] { enqueue(to, .message(from: from, m)) }
        case .input(let i, let ep, let input):
            mix(UInt64(scheduler.now.ticks), 2, UInt64(i))
            if up[i], epoch[i] == ep { enqueue(i, input) }
        case .cpuDone(let i, let ep):
            mix(UInt64(scheduler.now.ticks), 3, UInt64(i))
            guard up[i], epoch[i] == ep else { return }
            let actions = pending[i]
            pending[i] = []
            busy[i] = false
            release(i, actions)
            if !busy[i], !inbox[i].isEmpty { startNext(i) }
        case .rebroadcast(let i, let ep):
            guard up[i], epoch[i] == ep else { return }
            if nodes[i].isWaitingForTransactions {
                rebroadcastArmed[i] = false  // re-armed when the node works on a height again (`startNext`)
                return
            }
            scheduler.schedule(.rebroadcast(node: i, epoch: ep), at: now + scaled(config.rebroadcastInterval.ticks, i))
            enqueue(i, .rebroadcastTick)
        case .fault(let k):
            guard k >= 0 else { return }
            mix(UInt64(scheduler.now.ticks), 4, UInt64(k))
            apply(config.faults[k].fault)
        case .arrival:
            arrival()
        case .resubmit(let k):
            resubmit(k)
        case .external(let event):
            onExternal?(event)
        }
    }

    /// Schedules an external event: `onExternal(event)` runs at `time` (not before `now`); events at the same time
    /// run in the order they were scheduled (with every other event of the cluster).
    public func scheduleExternal(_ event: External, at time: SimTime) {
        scheduler.schedule(.external(event), at: max(time, now))
    }

    private func scaled(_ ticks: Int64, _ i: Int) -> SimTime {
        guard let d = config.drift else { return SimTime(ticks: ticks) }
        return SimTime(ticks: Int64((Double(ticks) * d[i]).rounded()))
    }

    private func enqueue(_ i: Int, _ input: NodeInput) {
        inbox[i].append(input)
        if !busy[i] { startNext(i) }
    }

    private func startNext(_ i: Int) {
        guard let input = inbox[i].popFirst() else { return }
        let step = nodes[i].handle(input, now: now)
        if !rebroadcastArmed[i], !nodes[i].isWaitingForTransactions {
            rebroadcastArmed[i] = true
            scheduler.schedule(
                .rebroadcast(node: i, epoch: epoch[i]), at: now + scaled(config.rebroadcastInterval.ticks, i))
        }
        if let me = ownAddress[i] { noteOwnVotes(i, me, step.actions) }
        let done = cpu[i].run(step.cpuTicks, at: now)
        pending[i] = step.actions
        busy[i] = true
        scheduler.schedule(.cpuDone(node: i, epoch: epoch[i]), at: done)
    }

    /// Hands node `i`'s own signed messages to the oracle: every node's prevotes (the polkas that justify correct
    /// votes), then a correct node's votes and proposals (no double-signing, the lock invariants). Relayed votes of
    /// others are not the node's own.
    private func noteOwnVotes(_ i: Int, _ me: Address, _ actions: [NodeAction]) {
        let key = correct[i] ? nil : nodes[i].key?.publicKey
        for a in actions {
            switch a {
            case .broadcast(.vote(let v)) where v.validator == me && v.type == .prevote,
                .send(_, .vote(let v)) where v.validator == me && v.type == .prevote:
                oracle.notePrevote(v, key: key)
            default: break
            }
        }
        guard correct[i] else { return }
        for a in actions {
            let m: NetMessage
            switch a {
            case .broadcast(let b), .send(_, let b): m = b
            default: continue
            }
            switch m {
            case .vote(let v) where v.validator == me:
                oracle.noteSigned(m, node: i, validators: nodes[i].store.validatorSet(at: v.height))
            case .proposal(let p) where p.proposer == me:
                oracle.noteSigned(m, node: i, validators: nodes[i].store.validatorSet(at: p.height))
            default: break
            }
        }
    }

    private func release(_ i: Int, _ actions: [NodeAction]) {
        for a in actions {
            switch a {
            case .send(let to, let m):
                transmit(i, to, m)
            case .broadcast(let m):
                for j in nodes.indices where j != i { transmit(i, j, m) }
            case .scheduleTimeout(let t, let after):
                scheduler.schedule(.input(node: i, epoch: epoch[i], .timeout(t)), at: now + scaled(after, i))
            case .scheduleStart(let h, let after):
                scheduler.schedule(.input(node: i, epoch: epoch[i], .startHeight(h)), at: now + scaled(after, i))
            case .committed(let c):
                committed(c, node: i)
            case .evidence(let e):
                metrics.evidence += 1
                if correct[i] { oracle.noteEvidence(e.validator) }
            case .proposalEvidence(let e):
                if correct[i] { oracle.noteEvidence(e.validator) }
            case .txResult(let h, let r):
                if !r.isOK && r.code != .duplicate { metrics.rejected += 1 }
                onTxResult?(h, r, i)
            }
        }
    }

    private func transmit(_ from: Int, _ to: Int, _ m: NetMessage) {
        for t in network.route(from: from, to: to, bytes: m.bytes, now: now) {
            scheduler.schedule(.deliver(to: to, from: from, m), at: t)
        }
    }

    // MARK: - Commits

    private func committed(_ c: CommitRecord, node i: Int) {
        guard correct[i] else { return }  // a Byzantine node's chain is not checked (nor does it acknowledge)
        let first = oracle.noteCommit(c, node: i, store: nodes[i].store, now: now)
        commitsPerNode[i] += 1
        if let inv = invariant, config.invariantEvery > 0, commitsPerNode[i] % config.invariantEvery == 0,
            let problem = inv(nodes[i].app)
        {
            oracle.noteInvariant("node \(i) h=\(c.height): \(problem)")
        }
        guard first else { return }
        onCommit?(c, i)
        let times = oracle.firstDecisionTimes
        if times.count >= 2 { metrics.blockTimes.record((times[times.count - 1] - times[times.count - 2]).seconds) }
        if c.round >= 0 {
            while metrics.roundsPerHeight.count <= Int(c.round) { metrics.roundsPerHeight.append(0) }
            metrics.roundsPerHeight[Int(c.round)] += 1
        }
        checkTermination(at: now, newHeight: c.height, final: false)
        for (tx, r) in zip(c.block.transactions, c.receipts) {
            guard let k = txIndex[tx.hash], txs[k].committed == nil else { continue }
            txs[k].committed = now
            metrics.committed += 1
            metrics.latency.record(now - txs[k].submitted)
            let client = txs[k].client
            if r.code == .ok { clientNonce[client] += 1 } else { metrics.rejected += 1 }
            if clientBusy[client] {
                clientBusy[client] = false
                busyClients -= 1
            }
        }
        if config.isolateNextProposer {
            if isolated != nil { network.connectivity.heal() }
            let next = c.height + 1
            let p = nodes[i].store.selector(at: next).proposer.address
            if let j = nodeOfAddress[p] {
                network.connectivity.isolate(j)
                isolated = j
            }
        }
    }

    /// Whether the live validators of the working height hold more than 2/3 of its power and can all talk.
    private var livenessExpected: Bool {
        guard network.connectivity.isFullyConnected, !config.isolateNextProposer else { return false }
        let h = Height(oracle.chain.count + 1)
        guard
            let set = nodes.indices.first(where: { up[$0] && nodes[$0].store.height + 2 >= h }).map({
                nodes[$0].store.validatorSet(at: min(h, nodes[$0].store.height + 2))
            })
        else { return false }
        var online: UInt64 = 0
        for v in set.validators {
            if let j = nodeOfAddress[v.address], up[j], correct[j] { online += v.power }
        }
        return set.isQuorum(online)
    }

    private func checkTermination(at t: SimTime, newHeight h: Height, final: Bool) {
        guard let bound = config.termination, livenessExpected else { return }
        let times = oracle.firstDecisionTimes
        let previous = final ? times.last ?? .zero : (times.count >= 2 ? times[times.count - 2] : .zero)
        let since = max(previous, lastDisruption, config.network.gst)
        oracle.noteTermination(height: h, gapTicks: (t - since).ticks, boundTicks: bound.ticks(config.node.timeouts))
    }

    // MARK: - Faults

    private func powerOn(_ i: Int) {
        up[i] = true
        epoch[i] += 1
        rebroadcastArmed[i] = true
        enqueue(i, .boot)
        scheduler.schedule(
            .rebroadcast(node: i, epoch: epoch[i]), at: now + scaled(config.rebroadcastInterval.ticks, i))
    }

    private func apply(_ f: Fault) {
        lastDisruption = now
        switch f {
        case .crash(let i):
            guard up[i] else { return }
            up[i] = false
            epoch[i] += 1
            inbox[i] = []
            busy[i] = false
            pending[i] = []
            cpu[i].reset(at: now)
            nodes[i].crash()
        case .restart(let i):
            guard !up[i] else { return }
            powerOn(i)
        case .partition(let groups): network.connectivity.partition(groups)
        case .cut(let a, let b): network.connectivity.cut(from: a, to: b)
        case .isolate(let i): network.connectivity.isolate(i)
        case .heal: network.connectivity.heal()
        }
    }

    // MARK: - Workload

    private func arrival() {
        guard let w = config.workload, now < w.stop else { return }
        defer {
            let gap = try! Exponential(rate: w.ratePerSecond).sample(arrivalStream)
            scheduler.schedule(.arrival, at: now + SimTime(ticks: max(1, SimTime(seconds: gap).ticks)))
        }
        var c: Int? = nil
        for k in 0..<w.clients where busyClients < w.clients {
            let j = (nextClient + k) % w.clients
            if !clientBusy[j] {
                c = j
                break
            }
        }
        guard let client = c else {
            metrics.clientsBusy += 1
            return
        }
        nextClient = (client + 1) % w.clients
        let tx = w.makeTx(client, clientKeys[client], clientNonce[client])
        clientBusy[client] = true
        busyClients += 1
        let k = txs.count
        txs.append(TxRecord(tx: tx, client: client, submitted: now, committed: nil))
        txIndex[tx.hash] = k
        oracle.noteSubmitted(tx.hash)
        metrics.submitted += 1
        send(k)
    }

    private func send(_ k: Int) {
        guard let w = config.workload else { return }
        let targets = w.targets ?? Array(nodes.indices)
        let target = targets[Int(targetStream.uniformInt(below: UInt64(targets.count)))]
        scheduler.schedule(
            .input(node: target, epoch: epoch[target], .submit(txs[k].tx)), at: now + config.clientLatency)
        scheduler.schedule(.resubmit(k), at: now + w.resubmitAfter)
    }

    private func resubmit(_ k: Int) {
        guard txs[k].committed == nil else { return }
        metrics.resubmissions += 1
        send(k)
    }
}

extension UInt64 {
    var bigEndianBytes: Bytes { withUnsafeBytes(of: self.bigEndian) { Array($0) } }
}
