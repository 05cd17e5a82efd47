// The message layer of the simulated chain: who can reach whom, when a message arrives, what is lost.
//
// `SimNetwork` does not hold messages (they are opaque to it): the driver asks `route(from:to:bytes:now:)` for the
// arrival times of one message and schedules the deliveries on its own `Scheduler`. Every random choice draws
// from a named stream (`net.latency`, `net.loss`, `net.dup`), so a run is a function of (seed, replication).

import DiscreteEvent
import Ledger
import Stochastic

/// How long a message takes on a link (one way), before bandwidth.
public enum LatencyModel: Sendable, Equatable {
    /// The same delay on every link.
    case constant(SimTime)
    /// Lognormal with the given mean (seconds) and coefficient of variation, independently per message.
    case lognormal(meanSeconds: Double, cv: Double)
    /// Nodes assigned to regions (`region[i]`); one-way mean per region pair in seconds (`meanSeconds[a][b]`),
    /// lognormal jitter with coefficient of variation `jitterCV` (0: constant).
    case regions(region: [Int], meanSeconds: [[Double]], jitterCV: Double)

    /// A LAN: lognormal, mean 0.5 ms, CV 0.2.
    public static let lan = LatencyModel.lognormal(meanSeconds: 0.000_5, cv: 0.2)

    /// A three-region WAN (us-east, eu-west, ap-south) with one-way means of roughly half the public RTTs.
    public static func wan(nodes: Int) -> LatencyModel {
        .regions(
            region: (0..<nodes).map { $0 % 3 },
            meanSeconds: [[0.001, 0.040, 0.110], [0.040, 0.001, 0.075], [0.110, 0.075, 0.001]], jitterCV: 0.1)
    }
}

/// Message duplication before GST: with `probability`, a message is delivered 2…`maxCopies` times.
public struct Duplication: Sendable, Equatable {
    public var probability: Double
    public var maxCopies: Int
    public init(probability: Double, maxCopies: Int = 3) {
        precondition(probability >= 0 && probability <= 1 && maxCopies >= 1)
        self.probability = probability
        self.maxCopies = maxCopies
    }
}

/// Static parameters of the simulated network.
public struct NetworkConfig: Sendable {
    public var latency: LatencyModel
    /// Uplink bandwidth per node in bytes per second (nil: unlimited). A node's sends are serialised.
    public var bandwidthBytesPerSecond: [Double]?
    /// Probability that a message is lost (before `gst` only).
    public var lossProbability: Double
    /// Duplication (before `gst` only).
    public var duplication: Duplication?
    /// Global stabilisation time: from here on, no loss and no duplication (partitions are scheduled faults and
    /// still apply until healed).
    public var gst: SimTime

    public init(
        latency: LatencyModel = .lan, bandwidthBytesPerSecond: [Double]? = nil, lossProbability: Double = 0,
        duplication: Duplication? = nil, gst: SimTime = .zero
    ) {
        precondition(lossProbability >= 0 && lossProbability < 1)
        self.latency = latency
        self.bandwidthBytesPerSecond = bandwidthBytesPerSecond
        self.lossProbability = lossProbability
        self.duplication = duplication
        self.gst = gst
    }
}

/// Who can send to whom: groups (a message passes only within a group) plus one-way cuts.
public struct Connectivity: Sendable, Equatable {
    /// `group[i]` of each node; all 0 when fully connected.
    public private(set) var group: [Int]
    /// Directed links that are down (from, to), sorted.
    public private(set) var cuts: [Pair] = []

    public struct Pair: Hashable, Comparable, Sendable {
        public var from: Int
        public var to: Int
        public init(_ from: Int, _ to: Int) {
            self.from = from
            self.to = to
        }
        public static func < (a: Pair, b: Pair) -> Bool { (a.from, a.to) < (b.from, b.to) }
    }

    public init(nodes: Int) { group = Array(repeating: 0, count: nodes) }

    /// Whether every link is up.
    public var isFullyConnected: Bool { cuts.isEmpty && group.allSatisfy { $0 == group.first } }

    public func canSend(from a: Int, to b: Int) -> Bool {
        guard group[a] == group[b] else { return false }
        return cuts.isEmpty || !cuts.contains(Pair(a, b))
    }

    /// Splits the nodes into `groups`; nodes in no group form one further group together.
    public mutating func partition(_ groups: [[Int]]) {
        for i in group.indices { group[i] = groups.count }
        for (g, members) in groups.enumerated() { for i in members { group[i] = g } }
    }

    /// Cuts the directed link from → to.
    public mutating func cut(from a: Int, to b: Int) {
        let p = Pair(a, b)
        if !cuts.contains(p) {
            cuts.append(p)
            cuts.sort()
        }
    }

    /// Cuts every link to and from `node`.
    public mutating func isolate(_ node: Int) {
        for j in group.indices where j != node {
            cut(from: node, to: j)
            cut(from: j, to: node)
        }
    }

    /// Restores every link.
    public mutating func heal() {
        for i in group.indices { group[i] = 0 }
        cuts = []
    }
}

/// Delivery times on the simulated clock: latency, bandwidth, loss, duplication, connectivity.
///
/// Reordering is not a feature but a consequence: every message draws its own latency, so two messages on one
/// link may arrive in either order. Nothing here (or in the nodes) assumes FIFO links.
public struct SimNetwork {
    public let config: NetworkConfig
    public let nodes: Int
    public var connectivity: Connectivity
    private let latencyStream: RandomStream
    private let lossStream: RandomStream
    private let dupStream: RandomStream
    private let lognormal: LogNormal?
    private let regionDistributions: [[LogNormal?]]
    /// When each node's uplink is next free (bandwidth serialisation).
    private var uplinkFreeAt: [SimTime]
    /// Messages handed to `route`, dropped by loss, dropped by connectivity, and extra copies delivered.
    public private(set) var sent = 0
    public private(set) var lost = 0
    public private(set) var blocked = 0
    public private(set) var duplicated = 0

    public init(config: NetworkConfig, nodes: Int, streams: RandomStreams) {
        self.config = config
        self.nodes = nodes
        self.connectivity = Connectivity(nodes: nodes)
        latencyStream = streams.stream("net.latency")
        lossStream = streams.stream("net.loss")
        dupStream = streams.stream("net.dup")
        uplinkFreeAt = Array(repeating: .zero, count: nodes)
        switch config.latency {
        case .constant:
            lognormal = nil
            regionDistributions = []
        case .lognormal(let mean, let cv):
            lognormal = try! LogNormal(mean: mean, coefficientOfVariation: cv)
            regionDistributions = []
        case .regions(let region, let means, let cv):
            precondition(region.count >= nodes, "every node needs a region")
            lognormal = nil
            regionDistributions = means.map { row in
                row.map { m in cv > 0 ? try! LogNormal(mean: m, coefficientOfVariation: cv) : nil }
            }
        }
    }

    /// One-way latency of a message from `a` to `b` (a fresh draw).
    public func latency(from a: Int, to b: Int) -> SimTime {
        switch config.latency {
        case .constant(let d): return d
        case .lognormal: return SimTime(seconds: lognormal!.sample(latencyStream))
        case .regions(let region, let means, _):
            let (ra, rb) = (region[a], region[b])
            if let d = regionDistributions[ra][rb] { return SimTime(seconds: d.sample(latencyStream)) }
            return SimTime(seconds: means[ra][rb])
        }
    }

    /// The arrival times of one message of `bytes` bytes from `a` to `b` sent at `now`: empty if it is lost or the
    /// link is down, several entries if it is duplicated.
    ///
    /// - Complexity: O(copies) draws.
    public mutating func route(from a: Int, to b: Int, bytes: Int, now: SimTime) -> [SimTime] {
        sent += 1
        guard connectivity.canSend(from: a, to: b) else {
            blocked += 1
            return []
        }
        // The uplink is used even if the message is then lost on the way.
        var departure = now
        if let bw = config.bandwidthBytesPerSecond?[a] {
            let start = max(now, uplinkFreeAt[a])
            departure = start + SimTime(seconds: Double(bytes) / bw)
            uplinkFreeAt[a] = departure
        }
        let beforeGST = now < config.gst
        if beforeGST, config.lossProbability > 0, lossStream.uniform() < config.lossProbability {
            lost += 1
            return []
        }
        var copies = 1
        if beforeGST, let d = config.duplication, d.maxCopies > 1, dupStream.uniform() < d.probability {
            copies = 2 + Int(dupStream.uniformInt(below: UInt64(d.maxCopies - 1)))
            duplicated += copies - 1
        }
        return (0..<copies).map { _ in departure + latency(from: a, to: b) }
    }
}

/// A node's simulated CPU: a FIFO server. Work submitted at `now` starts when the CPU is free and its effects are
/// released when it finishes.
public struct SimCPU: Sendable {
    public private(set) var busyUntil: SimTime = .zero
    /// Total busy time charged.
    public private(set) var busyTicks: Int64 = 0

    public init() {}

    /// Charges `ticks` of work arriving at `now`; returns the completion time.
    public mutating func run(_ ticks: Int64, at now: SimTime) -> SimTime {
        let start = max(now, busyUntil)
        busyUntil = start + SimTime(ticks: max(0, ticks))
        busyTicks += max(0, ticks)
        return busyUntil
    }

    /// Forgets queued work (a crash).
    public mutating func reset(at now: SimTime) { busyUntil = now }
}
