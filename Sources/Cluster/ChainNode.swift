// A chain node: consensus core + application + mempool + block store, as a state machine over node inputs.

import Consensus
import DiscreteEvent
import Ledger
import Network

/// What nodes send each other. Opaque to `SimNetwork`.
///
/// The large payloads (proposals, votes, transactions, values: 100-200 bytes each) are boxed (`indirect`): a
/// broadcast's deliveries then share one box, and the scheduler's heap, the node inboxes and the actions move a few
/// words per message instead of copying the payload at every step (issue 16 item 2).
public enum NetMessage: Sendable {
    indirect case proposal(Proposal)
    indirect case vote(Vote)
    /// Mempool gossip (one hop: a node forwards the transactions its clients gave it).
    indirect case tx(Transaction)
    /// Block sync: "send me blocks from this height on".
    case blockRequest(from: Height)
    case blocks([CommittedBlock])
    /// "Who has the value with this id" (after `needValue`, L49 without the proposal).
    case valueRequest(height: Height, valueID: Hash)
    indirect case value(height: Height, ProposedValue)
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
    /// A client hands the node a transaction (boxed, like `NetMessage.tx`).
    indirect case submit(Transaction)
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
    /// The events of the application's `endBlock` (deadlines, randomness epochs, peer-review draws, ...).
    public var endBlockEvents: [Event]
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
    /// Proposer-based timestamps (`SynchronyParams`): a fresh proposal whose block time is not timely by this
    /// node's clock when first seen gets a nil prevote. nil: no timeliness check (block times are bounded only by
    /// `> last block time`, which a Byzantine proposer can abuse: issue 17, B21).
    public var synchrony: SynchronyParams? = .cometBFT

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
    public internal(set) var app: App
    public internal(set) var signerState: SignerState = .initial
    /// The consensus WAL's last record (lock, valid value, round): on the disk, so a restart keeps its lock.
    public internal(set) var walRecord: WALRecord?
    public internal(set) var core: ConsensusCore?
    /// The peer whose message is being handled: answers addressed to a peer (`sendVote(_:to:)`) go back to it.
    var replyTo: Int?
    /// The last payload `decodeBlock` decoded, and its block.
    let decoded: DecodedBlockMemo
    /// Executed blocks: this node's own, or shared by the cluster's nodes (`ClusterConfig.sharedExecution`).
    public let executions: ExecutionMemo<App>
    public internal(set) var mempool: Mempool
    /// Per-height counters, `counters[h-1]` for the height the node was working on.
    public internal(set) var counters: [HeightCounters] = []
    public internal(set) var peakMempool = 0
    var syncRequestedAt: SimTime?
    /// This node's clock (simulated time + `clockOffset`, saturating) at the input being handled: the receive time
    /// of a proposal for the PBTS check.
    var localClock: Int64 = 0
    var syncTarget: Height = 0
    /// The peer the block request in flight went to.
    var syncPeer: Int?
    /// The highest height each peer (by node index) has claimed by a message since this node's last boot.
    var claimedHeights: [Height]
    /// Block requests that went unanswered for `syncRetry` (each moved the next request to another peer).
    public internal(set) var syncTimeouts = 0
    /// Conflicting proposals this node has proof of (equivocating proposers).
    public internal(set) var proposalEvidenceCount = 0
    /// Blocks this node obtained by block sync.
    public internal(set) var syncedBlocks = 0
    /// Decision round per committed height (−1 if synced).
    public internal(set) var decisionRounds: [Round] = []
    /// A Byzantine node's behaviour: the core is driven through a `ByzantineNode` (nil: a correct node).
    public internal(set) var behaviour: (any ByzantineBehaviour)?
    /// Validator address → node index, for the addressed outputs `sendProposal(_:to:)` / `sendVote(_:to:)`.
    public let nodeOfAddress: [Address: Int]
    /// Largest `ConsensusCore.footprint` seen after an input, when `trackFootprint` is on (B16: bounded memory).
    public internal(set) var maxFootprint = 0
    public var trackFootprint = false
    /// The working height waits for a transaction before it starts (`NodeConfig.createEmptyBlocks == false`).
    public internal(set) var isWaitingForTransactions = false
    /// Equivocation evidence this node holds and no committed block has yet, oldest first, one per offence (at most
    /// `maxPendingEvidence`; volatile, like the mempool). The node puts it into the blocks it proposes.
    public internal(set) var pendingEvidence: [Evidence] = []
    public static var maxPendingEvidence: Int { 256 }

    /// - Parameters:
    ///   - behaviour: makes the node Byzantine (its correct core wrapped in a `ByzantineNode`).
    ///   - nodeOfAddress: validator address → node index (where addressed outputs go).
    public init(
        index: Int, key: SigningKey?, config: NodeConfig, peers: Int, app: App, validators: ValidatorSet,
        cache: SignatureCache, behaviour: (any ByzantineBehaviour)? = nil, nodeOfAddress: [Address: Int] = [:],
        decodedBlocks: DecodedBlockMemo = DecodedBlockMemo(), executions: ExecutionMemo<App>? = nil
    ) {
        self.decoded = decodedBlocks
        self.executions = executions ?? ExecutionMemo()
        precondition(behaviour == nil || key != nil, "a Byzantine node needs a key")
        self.behaviour = behaviour
        self.nodeOfAddress = nodeOfAddress
        self.index = index
        self.key = key
        self.config = config
        self.peers = peers
        self.claimedHeights = Array(repeating: 0, count: peers)
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
        syncPeer = nil
        claimedHeights = Array(repeating: 0, count: peers)
        isWaitingForTransactions = false
        pendingEvidence = []
    }

    /// Keeps `e` for a later block unless its offence is already pending or committed.
    func keepEvidence(_ e: Evidence) {
        let o = Offence(e)
        guard !store.isCommitted(o), !pendingEvidence.contains(where: { Offence($0) == o }) else { return }
        if pendingEvidence.count >= Self.maxPendingEvidence { pendingEvidence.removeFirst() }
        pendingEvidence.append(e)
    }

    /// Handles one input at `now`.
    public func handle(_ input: NodeInput, now: SimTime) -> NodeStep {
        var step = NodeStep()
        localClock = now.ticks.saturatingAdd(config.clockOffset)
        let before = cache.hits + cache.misses
        var executedTxVerifications = 0
        var cacheCallsInExecution = 0
        switch input {
        case .boot:
            boot(now: now, &step)
        case .message(let from, let m):
            count {
                $0.messagesIn += 1
                $0.bytesIn += m.bytes
            }
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
            case .send(_, let m):
                count {
                    $0.messagesOut += 1
                    $0.bytesOut += m.bytes
                }
            case .broadcast(let m):
                count {
                    $0.messagesOut += peers - 1
                    $0.bytesOut += (peers - 1) * m.bytes
                }
            default: break
            }
        }
        let raw = config.inputCost + Int64(verifications) * config.verifyCost + step.cpuTicks
        step.cpuTicks = Int64((Double(raw) * config.cpuFactor).rounded())
        peakMempool = max(peakMempool, mempool.count)
        return step
    }

    func count(_ f: (inout HeightCounters) -> Void) {
        let i = Int(workingHeight) - 1
        while counters.count <= i { counters.append(HeightCounters()) }
        f(&counters[i])
    }
}
