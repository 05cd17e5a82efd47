// What a `ChainCluster` is configured with and what it measures: the fault schedule, the client workload, the
// cluster configuration, the signature-cache mode and the metrics.

import Consensus
import DiscreteEvent
import Ledger
import Network

/// A scheduled fault.
public enum Fault: Sendable, Equatable {
    /// Power off: the node neither sends nor receives; its timers and queued work are dropped.
    case crash(Int)
    /// Power on again from the disk (committed chain, application state, signer state).
    case restart(Int)
    /// Split the nodes into groups (nodes in no group form one more group).
    case partition([[Int]])
    /// Cut one direction of one link.
    case cut(from: Int, to: Int)
    /// Cut every link of a node.
    case isolate(Int)
    /// Restore every link.
    case heal
}

public struct ScheduledFault: Sendable, Equatable {
    public var at: SimTime
    public var fault: Fault
    public init(at: SimTime, _ fault: Fault) {
        self.at = at
        self.fault = fault
    }
}

/// An open-loop client workload with one outstanding transaction per client (resubmitted, byte-identical, to
/// another node if it is not committed in time), so transactions are unique and nonces never gap.
public struct Workload: Sendable {
    public var clients: Int
    public var ratePerSecond: Double
    public var start: SimTime
    public var stop: SimTime
    public var resubmitAfter: SimTime
    /// Nodes the clients send to (nil: all).
    public var targets: [Int]?
    /// Builds the signed transaction of `client` (key given) with `nonce`.
    public var makeTx: @Sendable (_ client: Int, _ key: SigningKey, _ nonce: UInt64) -> Transaction

    public init(
        clients: Int, ratePerSecond: Double, start: SimTime = .zero, stop: SimTime = .distantFuture,
        resubmitAfter: SimTime = .milliseconds(500), targets: [Int]? = nil,
        makeTx: @escaping @Sendable (Int, SigningKey, UInt64) -> Transaction
    ) {
        self.clients = clients
        self.ratePerSecond = ratePerSecond
        self.start = start
        self.stop = stop
        self.resubmitAfter = resubmitAfter
        self.targets = targets
        self.makeTx = makeTx
    }

    /// The client keys a workload with `clients` clients uses for `seed`.
    public static func clientKey(_ c: Int, seed: UInt64) -> SigningKey {
        SigningKey.derive(label: "client-\(c)", seed: seed)
    }
}

/// Everything that defines a cluster run.
public struct ClusterConfig: Sendable {
    public var seed: UInt64
    public var replication: Int
    public var chainID: String
    /// Voting power of each node at genesis (0: a node that is not a genesis validator).
    public var powers: [UInt64]
    public var network: NetworkConfig
    public var node: NodeConfig
    /// Per-node CPU multiplier (nil: all `node.cpuFactor`).
    public var cpuFactors: [Double]?
    /// Per-node clock drift: a node's timeouts last `drift × duration` (nil: all 1).
    public var drift: [Double]?
    /// Per-node clock offset: node i's clock reads simulated time + `clockOffset[i]` (nil: all 0); see
    /// `NodeConfig.clockOffset`.
    public var clockOffset: [SimTime]?
    /// Nodes that are not started at time 0 (start them with `.restart` faults, or never).
    public var offlineAtStart: [Int]
    public var faults: [ScheduledFault]
    public var workload: Workload?
    /// Period of each node's re-broadcast of its latest proposal and votes (the gossip assumption).
    public var rebroadcastInterval: SimTime
    /// Time from a client to the node it submits to.
    public var clientLatency: SimTime
    /// Nemesis: cut off the proposer of each next height's round 0 until that height is decided (B07).
    public var isolateNextProposer: Bool
    public var termination: TerminationBound?
    /// Check the application invariant after every `invariantEvery`-th commit of each node (0: never).
    public var invariantEvery: Int
    /// Byzantine nodes and their behaviours (node index → behaviour). The oracle checks the other nodes only:
    /// their commits, their signatures, their state roots; evidence is collected from them.
    public var byzantine: [Int: any ByzantineBehaviour]
    /// Negative controls only: behaviours on nodes the oracle still treats as correct (node index → behaviour), i.e.
    /// deliberately broken correct nodes whose misbehaviour the oracle must flag (default: none).
    public var mutants: [Int: any ByzantineBehaviour] = [:]
    /// Record each node's largest consensus footprint (`ChainNode.maxFootprint`, B16).
    public var trackFootprint: Bool
    /// Whether the in-process nodes share one verified-signature cache (the default: each signature is
    /// verified for real once per run, while every node is still charged the simulated CPU), or each node
    /// keeps its own, as separate machines would (every node verifies for real).
    public var signatureCaches: SignatureCacheMode = .shared
    /// Whether the in-process nodes share executed blocks (the default: each block is executed once per distinct
    /// parent state, `ExecutionMemo`), or each node executes every block itself, as separate machines would.
    /// Results are identical either way.
    public var sharedExecution = true
    /// How the nodes, the workload's clients and the oracle sign and check signatures (`simulated`: a keyed hash
    /// of Ed25519's size, charged the same simulated CPU; see `SignatureScheme`).
    public var signatures: SignatureScheme = .ed25519

    public init(
        seed: UInt64, replication: Int = 0, chainID: String = "readchain-sim", powers: [UInt64],
        network: NetworkConfig = NetworkConfig(), node: NodeConfig? = nil, cpuFactors: [Double]? = nil,
        drift: [Double]? = nil, offlineAtStart: [Int] = [], faults: [ScheduledFault] = [], workload: Workload? = nil,
        rebroadcastInterval: SimTime = .milliseconds(40), clientLatency: SimTime = .microseconds(200),
        isolateNextProposer: Bool = false, termination: TerminationBound? = nil, invariantEvery: Int = 1,
        byzantine: [Int: any ByzantineBehaviour] = [:], trackFootprint: Bool = false
    ) {
        self.byzantine = byzantine
        self.trackFootprint = trackFootprint
        self.seed = seed
        self.replication = replication
        self.chainID = chainID
        self.powers = powers
        self.network = network
        self.node = node ?? NodeConfig(chainID: chainID)
        self.cpuFactors = cpuFactors
        self.drift = drift
        self.offlineAtStart = offlineAtStart
        self.faults = faults
        self.workload = workload
        self.rebroadcastInterval = rebroadcastInterval
        self.clientLatency = clientLatency
        self.isolateNextProposer = isolateNextProposer
        self.termination = termination
        self.invariantEvery = invariantEvery
    }

    /// The key of node `i` for `seed`.
    public static func nodeKey(_ i: Int, seed: UInt64) -> SigningKey {
        SigningKey.derive(label: "validator-\(i)", seed: seed)
    }
}

/// How the in-process nodes of a cluster share verified signatures.
public enum SignatureCacheMode: Sendable, Equatable {
    case shared
    case perNode
}

/// What a run measured (simulated time; the simulator's own speed is `eventsHandled` over wall time, measured by
/// the caller).
public struct ClusterMetrics: Sendable {
    public var submitted = 0
    public var committed = 0
    public var rejected = 0
    /// Arrivals that found every client busy.
    public var clientsBusy = 0
    public var resubmissions = 0
    /// Submit → first commit, ticks (HdrHistogram).
    public var latency = Percentiles(highestTrackableTicks: 3_600 * SimTime.ticksPerSecond)
    /// Seconds between first decisions of consecutive heights.
    public var blockTimes = Tally()
    /// `roundsPerHeight[r]`: heights first decided in round r (block-synced ones not counted).
    public var roundsPerHeight: [Int] = []
    public var evidence = 0
    public var eventsHandled: UInt64 = 0
    public init() {}
}
