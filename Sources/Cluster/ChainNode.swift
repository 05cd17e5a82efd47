// A chain node: consensus core + application + mempool + block store, as a state machine over node inputs.

import Consensus
import DiscreteEvent
import Ledger
import Network

/// What nodes send each other. Opaque to `SimNetwork`.
public enum NetMessage: Sendable {
    case proposal(Proposal)
    case vote(Vote)
    /// Mempool gossip (one hop: a node forwards the transactions its clients gave it).
    case tx(Transaction)
    /// Block sync: "send me blocks from this height on".
    case blockRequest(from: Height)
    case blocks([CommittedBlock])
    /// "Who has the value with this id" (after `needValue`, L49 without the proposal).
    case valueRequest(height: Height, valueID: Hash)
    case value(height: Height, ProposedValue)
    /// "Send me the votes you hold for (height, round)" (gossip catch-up: the proof of lock change, L28).
    case voteRequest(height: Height, round: Round)

    /// Approximate wire size in bytes (payloads exactly, fixed overheads estimated).
    public var bytes: Int {
        switch self {
        case .proposal(let p): p.value.payload.count + 180
        case .vote: 170
        case .tx(let t): t.encodedSize
        case .blockRequest: 24
        case .blocks(let bs): bs.reduce(0) { $0 + $1.block.encodedSize + 60 + 68 * $1.certificate.signatures.count }
        case .valueRequest: 56
        case .value(_, let v): v.payload.count + 48
        case .voteRequest: 32
        }
    }

    /// A small tag for the event trace.
    var tag: UInt8 {
        switch self {
        case .proposal: 1
        case .vote: 2
        case .tx: 3
        case .blockRequest: 4
        case .blocks: 5
        case .valueRequest: 6
        case .value: 7
        case .voteRequest: 8
        }
    }
}

/// Inputs of a node, each processed in turn on its simulated CPU.
public enum NodeInput: Sendable {
    /// Power on (first start or restart): rebuild the consensus core from the disk and start the next height.
    case boot
    case message(from: Int, NetMessage)
    case timeout(Timeout)
    case rebroadcastTick
    /// A client hands the node a transaction.
    case submit(Transaction)
    /// The commit timeout has passed: start `height` (CometBFT's `timeout_commit`).
    case startHeight(Height)
}

/// What a node asks its driver to do, released when the CPU work of the input finishes.
public enum NodeAction: Sendable {
    case send(to: Int, NetMessage)
    case broadcast(NetMessage)
    case scheduleTimeout(Timeout, after: Int64)
    /// Feed `.startHeight(h)` back after `after` ticks (the commit timeout).
    case scheduleStart(Height, after: Int64)
    case committed(CommitRecord)
    case evidence(Evidence)
    /// Two signed proposals of one proposer for one (height, round).
    case proposalEvidence(ProposalEvidence)
    case txResult(Hash, TxCheck)
}

/// A committed block as the driver and the oracle see it.
public struct CommitRecord: Sendable {
    public var height: Height
    /// The decision round (−1 when the block came by block sync).
    public var round: Round
    public var block: Block
    public var certificate: CommitCertificate
    public var receipts: [Receipt]
    public var stateRoot: Hash
    public var bySync: Bool
}

/// The result of one input: actions to release and the CPU it cost.
public struct NodeStep: Sendable {
    public var actions: [NodeAction] = []
    /// Simulated CPU time of the input in ticks.
    public var cpuTicks: Int64 = 0
    public var verifications: Int = 0
}

/// Static parameters of a node.
public struct NodeConfig: Sendable {
    public var chainID: String
    public var timeouts: TimeoutConfig
    public var mempool: MempoolLimits
    public var maxBlockTxs: Int
    public var maxBlockBytes: Int
    /// Simulated cost of one Ed25519 verification, ticks (77 µs: this machine's release-build measurement).
    public var verifyCost: Int64
    /// Simulated cost of executing one transaction (beyond its signature), ticks.
    public var execCostPerTx: Int64
    /// Fixed cost of handling any input, ticks.
    public var inputCost: Int64
    /// Multiplier on every CPU cost (a slow machine: 5).
    public var cpuFactor: Double
    /// Blocks per block-sync response.
    public var syncBatch: Int
    /// A node may re-request block sync after this long without an answer, ticks.
    public var syncRetry: Int64
    #if CONSENSUS_MUTATIONS
        /// Deliberate consensus bugs (NC-2; test builds only: `ConsensusMutations`).
        public var mutations: ConsensusMutations = []
    #endif
    /// Wait after a decision before starting the next height, ticks (CometBFT's `timeout_commit`; 0: none).
    public var commitTimeout: Int64
    /// Whether a height starts with an empty mempool (CometBFT's `create_empty_blocks`). When false, a node with
    /// nothing to propose waits, without timers, until a transaction is admitted or a peer's proposal or vote for
    /// the height arrives: an idle market chain makes no blocks and no events.
    public var createEmptyBlocks: Bool = true
    /// The node's clock offset, ticks: its clock reads simulated time + `clockOffset` (Jepsen's `clocks` nemesis). It
    /// dates the blocks the node proposes (never earlier than one tick after the last block: block times are
    /// monotone, `BlockStore.isValidNext`). Timeouts are durations on the same clock, so an offset leaves them as
    /// they are (a drift, `ClusterConfig.drift`, stretches them).
    public var clockOffset: Int64 = 0
    /// How many of the newest blocks each node keeps (nil: all; `BlockStore.retainBlocks`). A long run (a simulated
    /// year of a market) sets it so memory does not grow with every block; the oracle prunes alike.
    public var retainBlocks: Int? = nil

    public init(
        chainID: String, timeouts: TimeoutConfig = .test, mempool: MempoolLimits = MempoolLimits(),
        maxBlockTxs: Int = 2_000, maxBlockBytes: Int = 1 << 21, verifyCost: Int64 = 77, execCostPerTx: Int64 = 20,
        inputCost: Int64 = 5, cpuFactor: Double = 1, syncBatch: Int = 100, syncRetry: Int64 = 50_000,
        commitTimeout: Int64 = 0
    ) {
        self.commitTimeout = commitTimeout
        self.chainID = chainID
        self.timeouts = timeouts
        self.mempool = mempool
        self.maxBlockTxs = maxBlockTxs
        self.maxBlockBytes = maxBlockBytes
        self.verifyCost = verifyCost
        self.execCostPerTx = execCostPerTx
        self.inputCost = inputCost
        self.cpuFactor = cpuFactor
        self.syncBatch = syncBatch
        self.syncRetry = syncRetry
    }
}

/// The last block payload decoded and its block. One per node, or one shared by the in-process nodes of a
/// cluster (`SignatureCacheMode.shared`): then the nodes decode each proposal once and store the same block
/// value (its arrays shared), instead of one decoded copy per node. Decoding is deterministic, so sharing
/// changes memory and wall time only.
public final class DecodedBlockMemo {
    var last: (payload: Bytes, block: Block)?
    public init() {}
}

/// Messages, bytes and verifications of one node at one height.
public struct HeightCounters: Sendable, Equatable {
    public var messagesIn = 0
    public var bytesIn = 0
    public var messagesOut = 0
    public var bytesOut = 0
    public var verifications = 0
    public init() {}
}

/// One node: `ConsensusCore` + a `ChainApplication` + `Mempool` + `BlockStore` + the persisted signer state.
///
/// Carries out the core's outputs: broadcasts and timeouts become `NodeAction`s; `decide` executes the block and
/// starts the next height; `requestValue` builds a block from the mempool; `needValue` asks peers for the value;
/// `persistSignerState` writes the disk at once (before the broadcasts of the same input leave). A node that
/// sees a message from a height above its own asks the sender for blocks and certificates, verifies each
/// certificate against that height's validator set, executes, and rejoins consensus at the next height.
///
/// A class: a node has identity, and its store is shared with the core's validity closure.
public final class ChainNode<App: ChainApplication> {
    public let index: Int
    public let key: SigningKey?
    public let config: NodeConfig
    public let peers: Int
    public let cache: SignatureCache
    /// The disk: committed chain, application state and signer state survive a crash.
    public let store: BlockStore
    public private(set) var app: App
    public private(set) var signerState: SignerState = .initial
    /// The consensus WAL's last record (lock, valid value, round): on the disk, so a restart keeps its lock.
    public private(set) var walRecord: WALRecord?
    public private(set) var core: ConsensusCore?
    /// The peer whose message is being handled: answers addressed to a peer (`sendVote(_:to:)`) go back to it.
    private var replyTo: Int?
    /// The last payload `decodeBlock` decoded, and its block.
    private let decoded: DecodedBlockMemo
    public private(set) var mempool: Mempool
    /// Per-height counters, `counters[h-1]` for the height the node was working on.
    public private(set) var counters: [HeightCounters] = []
    public private(set) var peakMempool = 0
    private var syncRequestedAt: SimTime?
    private var syncTarget: Height = 0
    /// Conflicting proposals this node has proof of (equivocating proposers).
    public private(set) var proposalEvidenceCount = 0
    /// Blocks this node obtained by block sync.
    public private(set) var syncedBlocks = 0
    /// Decision round per committed height (−1 if synced).
    public private(set) var decisionRounds: [Round] = []
    /// A Byzantine node's behaviour: the core is driven through a `ByzantineNode` (nil: a correct node).
    public private(set) var behaviour: (any ByzantineBehaviour)?
    /// Validator address → node index, for the addressed outputs `sendProposal(_:to:)` / `sendVote(_:to:)`.
    public let nodeOfAddress: [Address: Int]
    /// Largest `ConsensusCore.footprint` seen after an input, when `trackFootprint` is on (B16: bounded memory).
    public private(set) var maxFootprint = 0
    public var trackFootprint = false
    /// The working height waits for a transaction before it starts (`NodeConfig.createEmptyBlocks == false`).
    public private(set) var isWaitingForTransactions = false
    /// Equivocation evidence this node holds and no committed block has yet, oldest first, one per offence (at most
    /// `maxPendingEvidence`; volatile, like the mempool). The node puts it into the blocks it proposes.
    public private(set) var pendingEvidence: [Evidence] = []
    public static var maxPendingEvidence: Int { 256 }

    /// - Parameters:
    ///   - behaviour: makes the node Byzantine (its correct core wrapped in a `ByzantineNode`).
    ///   - nodeOfAddress: validator address → node index (where addressed outputs go).
    public init(
        index: Int, key: SigningKey?, config: NodeConfig, peers: Int, app: App, validators: ValidatorSet,
        cache: SignatureCache, behaviour: (any ByzantineBehaviour)? = nil, nodeOfAddress: [Address: Int] = [:],
        decodedBlocks: DecodedBlockMemo = DecodedBlockMemo()
    ) {
        self.decoded = decodedBlocks
        precondition(behaviour == nil || key != nil, "a Byzantine node needs a key")
        self.behaviour = behaviour
        self.nodeOfAddress = nodeOfAddress
        self.index = index
        self.key = key
        self.config = config
        self.peers = peers
        self.cache = cache
        self.app = app
        self.mempool = Mempool(limits: config.mempool)
        // A synced batch is appended whole before the oracle sees it: the batch must fit the retained window.
        precondition(config.retainBlocks.map { $0 >= config.syncBatch } ?? true, "retainBlocks must cover syncBatch")
        self.store = BlockStore(
            chainID: config.chainID, genesisStateRoot: app.stateRoot, validators: validators,
            maxBlockTxs: config.maxBlockTxs, retainBlocks: config.retainBlocks)
    }

    /// The height the node is working on (committed + 1).
    public var workingHeight: Height { store.height + 1 }

    /// Drops everything volatile (a crash): the core, the mempool, block-sync state.
    public func crash() {
        core = nil
        mempool = Mempool(limits: config.mempool)
        syncRequestedAt = nil
        isWaitingForTransactions = false
        pendingEvidence = []
    }

    /// Keeps `e` for a later block unless its offence is already pending or committed.
    private func keepEvidence(_ e: Evidence) {
        let o = Offence(e)
        guard !store.isCommitted(o), !pendingEvidence.contains(where: { Offence($0) == o }) else { return }
        if pendingEvidence.count >= Self.maxPendingEvidence { pendingEvidence.removeFirst() }
        pendingEvidence.append(e)
    }

    /// Handles one input at `now`.
    public func handle(_ input: NodeInput, now: SimTime) -> NodeStep {
        var step = NodeStep()
        let before = cache.hits + cache.misses
        var executedTxVerifications = 0
        var cacheCallsInExecution = 0
        switch input {
        case .boot:
            boot(now: now, &step)
        case .message(let from, let m):
            count { $0.messagesIn += 1; $0.bytesIn += m.bytes }
            receive(m, from: from, now: now, &step, &executedTxVerifications, &cacheCallsInExecution)
        case .timeout(let t):
            drive(.timeout(t), now: now, &step, &executedTxVerifications, &cacheCallsInExecution)
        case .rebroadcastTick:
            if isWaitingForTransactions { break }
            drive(.rebroadcastTick, now: now, &step, &executedTxVerifications, &cacheCallsInExecution)
        case .startHeight(let h):
            if h == workingHeight, let c = core, c.height < h {
                startWorkingHeight(now: now, &step, &executedTxVerifications, &cacheCallsInExecution)
            }
        case .submit(let tx):
            let r = admit(tx)
            step.actions.append(.txResult(tx.hash, r))
            if r.isOK {
                step.actions.append(.broadcast(.tx(tx)))
                wakeIfWaiting(now: now, &step, &executedTxVerifications, &cacheCallsInExecution)
            }
        }
        let calls = cache.hits + cache.misses - before
        let verifications = calls - cacheCallsInExecution + executedTxVerifications
        step.verifications = verifications
        count { $0.verifications += verifications }
        for a in step.actions {
            switch a {
            case .send(_, let m): count { $0.messagesOut += 1; $0.bytesOut += m.bytes }
            case .broadcast(let m): count { $0.messagesOut += peers - 1; $0.bytesOut += (peers - 1) * m.bytes }
            default: break
            }
        }
        let raw = config.inputCost + Int64(verifications) * config.verifyCost + step.cpuTicks
        step.cpuTicks = Int64((Double(raw) * config.cpuFactor).rounded())
        peakMempool = max(peakMempool, mempool.count)
        return step
    }

    private func count(_ f: (inout HeightCounters) -> Void) {
        let i = Int(workingHeight) - 1
        while counters.count <= i { counters.append(HeightCounters()) }
        f(&counters[i])
    }

    // MARK: - Boot

    private func boot(now: SimTime, _ step: inout NodeStep) {
        let store = self.store
        let cache = self.cache
        let recovered = walRecord.flatMap { $0.height == workingHeight ? $0 : nil }
        var consensus = ConsensusConfig(chainID: config.chainID, timeouts: config.timeouts)
        #if CONSENSUS_MUTATIONS
            consensus.mutations = config.mutations
        #endif
        let c = ConsensusCore(
            config: consensus,
            key: key, signerState: signerState, recovering: recovered, cache: cache, signingMemo: nil,
            validity: { [unowned self] h, v in
                guard h == store.height + 1, let b = self.decodeBlock(v.payload) else { return false }
                return store.isValidNext(b, cache: cache)
            })
        core = c
        var dummy = (0, 0)
        startWorkingHeight(now: now, &step, &dummy.0, &dummy.1)
    }

    /// No empty blocks and nothing to propose: the working height waits for a transaction.
    private var hasNothingToPropose: Bool { !config.createEmptyBlocks && mempool.count == 0 }

    /// Starts the working height in the core, or (no empty blocks, nothing to propose) waits for a transaction.
    private func startWorkingHeight(now: SimTime, _ step: inout NodeStep, _ txv: inout Int, _ execCalls: inout Int) {
        if hasNothingToPropose {
            isWaitingForTransactions = core != nil
            return
        }
        beginWorkingHeight(now: now, &step, &txv, &execCalls)
    }

    /// A transaction was admitted, or a peer works on the height: start a waiting height.
    private func wakeIfWaiting(now: SimTime, _ step: inout NodeStep, _ txv: inout Int, _ execCalls: inout Int) {
        guard isWaitingForTransactions else { return }
        beginWorkingHeight(now: now, &step, &txv, &execCalls)
    }

    private func beginWorkingHeight(now: SimTime, _ step: inout NodeStep, _ txv: inout Int, _ execCalls: inout Int) {
        isWaitingForTransactions = false
        guard var c = core else { return }
        core = nil
        let h = workingHeight
        let outputs = handleCore(&c, .startHeight(height: h, proposers: store.selector(at: h)))
        core = c
        carryOut(outputs, now: now, &step, &txv, &execCalls)
    }

    // MARK: - Messages

    private func receive(
        _ m: NetMessage, from: Int, now: SimTime, _ step: inout NodeStep, _ txv: inout Int, _ execCalls: inout Int
    ) {
        switch m {
        case .proposal(let p):
            noteHeight(p.height, from: from, now: now, &step)
            if p.height == workingHeight { wakeIfWaiting(now: now, &step, &txv, &execCalls) }
            drive(.proposal(p), now: now, &step, &txv, &execCalls)
        case .vote(let v):
            noteHeight(v.height, from: from, now: now, &step)
            if v.height == workingHeight { wakeIfWaiting(now: now, &step, &txv, &execCalls) }
            drive(.vote(v), now: now, &step, &txv, &execCalls)
        case .tx(let tx):
            if admit(tx).isOK { wakeIfWaiting(now: now, &step, &txv, &execCalls) }
        case .blockRequest(let h):
            let bs = store.range(from: h, limit: config.syncBatch)
            if !bs.isEmpty { step.actions.append(.send(to: from, .blocks(bs))) }
        case .blocks(let bs):
            applySynced(bs, from: from, now: now, &step, &txv, &execCalls)
        case .valueRequest(let h, let id):
            if h == workingHeight, let c = core {
                if let v = c.value(id: id) { step.actions.append(.send(to: from, .value(height: h, v))) }
            } else if store.isRetained(h), store.block(at: h).hash == id {
                step.actions.append(.send(to: from, .value(height: h, ProposedValue(block: store.block(at: h)))))
            }
        case .value(let h, let v):
            if h == workingHeight { drive(.valueReceived(v), now: now, &step, &txv, &execCalls) }
        case .voteRequest(let h, let r):
            // The core names the requester by address only to echo it back; the reply goes to `from`.
            replyTo = from
            defer { replyTo = nil }
            drive(
                .votesRequested(height: h, round: r, from: Address(bytes: Bytes(repeating: 0, count: 20))),
                now: now, &step, &txv, &execCalls)
        }
    }

    /// A peer works on a height above ours: it decided ours. Ask it for blocks (at most one request in flight).
    private func noteHeight(_ h: Height, from: Int, now: SimTime, _ step: inout NodeStep) {
        guard h > workingHeight else { return }
        if let at = syncRequestedAt, now.ticks - at.ticks < config.syncRetry, syncTarget >= workingHeight { return }
        syncRequestedAt = now
        syncTarget = workingHeight
        step.actions.append(.send(to: from, .blockRequest(from: workingHeight)))
    }

    private func applySynced(
        _ bs: [CommittedBlock], from: Int, now: SimTime, _ step: inout NodeStep, _ txv: inout Int,
        _ execCalls: inout Int
    ) {
        var applied = false
        for cb in bs {
            let h = cb.block.header.height
            if h <= store.height { continue }
            guard h == store.height + 1, cb.certificate.height == h, cb.certificate.blockID == cb.block.hash,
                cb.certificate.verify(validatorSet: store.validatorSet(at: h), chainID: config.chainID, cache: cache),
                store.isValidNext(cb.block, cache: cache)
            else { break }
            noteConflicts(with: cb.certificate, &step)
            commit(cb.block, cb.certificate, round: -1, bySync: true, &step, &txv, &execCalls)
            applied = true
        }
        guard applied else { return }
        syncRequestedAt = nil
        if bs.count >= config.syncBatch {  // the peer may have more
            syncRequestedAt = now
            syncTarget = workingHeight
            step.actions.append(.send(to: from, .blockRequest(from: workingHeight)))
        }
        if core != nil { startWorkingHeight(now: now, &step, &txv, &execCalls) }
    }

    /// A synced certificate of the height the core is on: a precommit in it that contradicts the precommit the
    /// core counted from the same validator in that round is equivocation evidence (B08: the node saw one side of
    /// a Byzantine split, the certificate shows the other).
    private func noteConflicts(with cert: CommitCertificate, _ step: inout NodeStep) {
        guard let c = core, c.height == cert.height, let keeper = c.votes else { return }
        let vs = keeper.validatorSet
        for sig in cert.signatures where Int(sig.validatorIndex) < vs.count {
            let who = vs.validators[Int(sig.validatorIndex)].address
            guard let mine = keeper.vote(.precommit, round: cert.round, validator: who), mine.valueID != cert.blockID
            else { continue }
            let theirs = Vote(
                chainID: config.chainID, type: .precommit, height: cert.height, round: cert.round,
                valueID: cert.blockID, validator: who, signature: sig.signature)
            let e = Evidence(first: mine, second: theirs)
            keepEvidence(e)
            step.actions.append(.evidence(e))
        }
    }

    /// The block a value's payload decodes to. The last decoding is kept: a node checks the validity of a
    /// proposed block and then executes the same payload when it is decided (the comparison is O(1) when the
    /// payload shares its buffer, as the in-process messages do, and a byte comparison otherwise).
    private func decodeBlock(_ payload: Bytes) -> Block? {
        if let d = decoded.last, d.payload == payload { return d.block }
        guard let b = try? Block.decode(canonical: payload) else { return nil }
        decoded.last = (payload, b)
        return b
    }

    // MARK: - Mempool

    private func admit(_ tx: Transaction) -> TxCheck {
        let h = tx.hash
        if mempool.contains(h) || store.isCommitted(tx: h) { return TxCheck(code: .duplicate, log: "known") }
        let envelope = Envelope.verify(
            tx, chainID: config.chainID, maxTxBytes: config.mempool.maxTxBytes, cache: cache)
        guard envelope.isOK else { return envelope }
        var pool = Mempool(limits: config.mempool)
        swap(&pool, &mempool)
        let r = pool.add(tx) { app.checkTx($0) }
        swap(&pool, &mempool)
        return r
    }

    // MARK: - Consensus outputs

    private func drive(
        _ input: ConsensusInput, now: SimTime, _ step: inout NodeStep, _ txv: inout Int, _ execCalls: inout Int
    ) {
        guard var c = core else { return }
        core = nil
        let outputs = handleCore(&c, input)
        core = c
        carryOut(outputs, now: now, &step, &txv, &execCalls)
    }

    /// One input to the core, through the Byzantine behaviour if the node has one.
    private func handleCore(_ c: inout ConsensusCore, _ input: ConsensusInput) -> [ConsensusOutput] {
        defer { if trackFootprint { maxFootprint = max(maxFootprint, c.footprint) } }
        guard let b = behaviour, let key else { return c.handle(input) }
        let me = key.publicKey.address
        let peers = store.validatorSet(at: workingHeight).validators.map(\.address).filter { $0 != me }
        var node = ByzantineNode(core: c, key: key, peers: peers, behaviour: b)
        let out = node.handle(input)
        c = node.core
        behaviour = node.behaviour
        return out
    }

    private func carryOut(
        _ outputs: [ConsensusOutput], now: SimTime, _ step: inout NodeStep, _ txv: inout Int, _ execCalls: inout Int
    ) {
        var queue = outputs[...]
        while let o = queue.popFirst() {
            switch o {
            case .persistSignerState(let s):
                signerState = s  // durable at once: before any broadcast of this input leaves
            case .broadcastProposal(let p):
                step.actions.append(.broadcast(.proposal(p)))
            case .broadcastVote(let v):
                step.actions.append(.broadcast(.vote(v)))
            case .scheduleTimeout(let t, let d):
                step.actions.append(.scheduleTimeout(t, after: d))
            case .requestValue(let h, let r):
                guard h == workingHeight, var c = core else { continue }
                let value = ProposedValue(block: buildBlock(now: now))
                core = nil
                let more = handleCore(&c, .proposeValue(height: h, round: r, value: value))
                core = c
                queue.append(contentsOf: more)
            case .decide(let d):
                guard d.height == workingHeight, let b = decodeBlock(d.value.payload) else { continue }
                commit(b, d.certificate, round: d.round, bySync: false, &step, &txv, &execCalls)
                if config.commitTimeout > 0 {
                    step.actions.append(.scheduleStart(workingHeight, after: config.commitTimeout))
                    continue
                }
                guard var c = core else { continue }
                if hasNothingToPropose {
                    isWaitingForTransactions = true
                    continue
                }
                core = nil
                let more = handleCore(&c, .startHeight(height: workingHeight, proposers: store.selector(at: workingHeight)))
                core = c
                queue.append(contentsOf: more)
            case .evidence(let e):
                keepEvidence(e)
                step.actions.append(.evidence(e))
            case .needValue(let h, _, let id):
                step.actions.append(.broadcast(.valueRequest(height: h, valueID: id)))
            case .persistWAL(let record):
                walRecord = record  // durable at once, like the signer state
            case .requestVotes(let h, let r):
                step.actions.append(.broadcast(.voteRequest(height: h, round: r)))
            case .sendVote(let v, let to):
                step.actions.append(address(to, .vote(v)))
            case .sendProposal(let p, let to):
                step.actions.append(address(to, .proposal(p)))
            case .proposalEvidence(let e):
                proposalEvidenceCount += 1
                step.actions.append(.proposalEvidence(e))
            case .rejected:
                break
            }
        }
    }

    /// Where an addressed output goes: the node of that validator; else the peer being answered; else everyone.
    private func address(_ to: Address, _ m: NetMessage) -> NodeAction {
        if let peer = nodeOfAddress[to], peer != index { return .send(to: peer, m) }
        if let peer = replyTo { return .send(to: peer, m) }
        return .broadcast(m)
    }

    /// A valid block that differs from the one `v` carries (its timestamp moved by one tick): what an
    /// equivocating proposer sends some peers instead (`EquivocatingProposer.conflict`). Non-blocks are returned
    /// with a byte appended.
    public static func conflictingBlockValue(_ v: ProposedValue) -> ProposedValue {
        guard let b = try? Block.decode(canonical: v.payload) else { return conflictingValue(v) }
        var header = b.header
        header.timeTicks += 1
        return ProposedValue(
            block: Block(header: header, transactions: b.transactions, evidence: b.evidence, lastCommit: b.lastCommit))
    }

    /// getValue(): the next block from the mempool, with the header the chain requires.
    private func buildBlock(now: SimTime) -> Block {
        let h = workingHeight
        let txs = mempool.reap(maxBytes: config.maxBlockBytes, maxTxs: config.maxBlockTxs).filter {
            !store.isCommitted(tx: $0.hash)
        }
        let lastCommit = h > 1 ? store.certificate(at: h - 1).canonicalBytes : []
        // Pending evidence, oldest first: its signatures were checked when it was collected (no second check, no
        // CPU charged); the validators check it against the set of its height (`BlockStore.isValidNext`).
        var evidence: [Bytes] = []
        for e in pendingEvidence where evidence.count < Block.maxEvidence {
            let eh = e.first.height
            guard eh >= 1, eh <= h, eh + BlockStore.maxEvidenceAge >= h, !store.isCommitted(Offence(e)) else { continue }
            let bytes = e.canonicalBytes
            if bytes.count <= Block.maxEvidenceBytes { evidence.append(bytes) }
        }
        let header = BlockHeader(
            chainID: config.chainID, height: h, timeTicks: max(now.ticks + config.clockOffset, store.lastBlockTime + 1),
            previousBlockHash: store.lastBlockHash,
            txRoot: Block.txRoot(txs), stateRoot: store.lastStateRoot, resultsRoot: store.lastResultsRoot,
            proposer: key?.publicKey.address ?? Address(bytes: Bytes(repeating: 0, count: 20)),
            lastCommitHash: Hash.sha256(lastCommit), validatorsHash: store.validatorSet(at: h).hash,
            evidenceHash: Block.evidenceRoot(evidence))
        return Block(header: header, transactions: txs, evidence: evidence, lastCommit: lastCommit)
    }

    /// Executes and stores a decided (or synced) block, and updates the mempool.
    private func commit(
        _ block: Block, _ cert: CommitCertificate, round: Round, bySync: Bool, _ step: inout NodeStep,
        _ txv: inout Int, _ execCalls: inout Int
    ) {
        // Transactions this node admitted were verified then; the others are verified now.
        for tx in block.transactions where !mempool.contains(tx.hash) { txv += 1 }
        let before = cache.hits + cache.misses
        let (receipts, outcome, root) = SingleNodeChain<App>.execute(
            block, app: &app, chainID: config.chainID, maxTxBytes: config.mempool.maxTxBytes, cache: cache,
            verified: { self.mempool.contains($0.hash) })
        execCalls += cache.hits + cache.misses - before
        step.cpuTicks += config.execCostPerTx * Int64(block.transactions.count)
        store.append(
            block, certificate: cert, stateRoot: root,
            resultsRoot: MerkleTree.root(leaves: receipts.map(\.canonicalBytes)), updates: outcome.validatorUpdates)
        decisionRounds.append(round)
        if bySync { syncedBlocks += 1 }
        if !block.evidence.isEmpty { pendingEvidence.removeAll { store.isCommitted(Offence($0)) } }
        var pool = Mempool(limits: config.mempool)
        swap(&pool, &mempool)
        pool.update(committed: block.transactions) { app.checkTx($0) }
        swap(&pool, &mempool)
        step.actions.append(
            .committed(
                CommitRecord(
                    height: block.header.height, round: round, block: block, certificate: cert, receipts: receipts,
                    stateRoot: root, bySync: bySync)))
    }
}
