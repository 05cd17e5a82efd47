import Consensus
import DiscreteEvent
import Ledger
import Stochastic
import Testing

@testable import Cluster
@testable import Network

@Suite("SimNetwork and the oracle's teeth")
struct SimNetworkTests {
    @Test("Loss and duplication only before GST; copies 1…3; latency varies (no FIFO)")
    func chaosBeforeGST() {
        var net = SimNetwork(
            config: NetworkConfig(
                latency: .lognormal(meanSeconds: 0.002, cv: 1), lossProbability: 0.3,
                duplication: Duplication(probability: 0.5, maxCopies: 3), gst: .seconds(1)),
            nodes: 2, streams: RandomStreams(seed: 1, replication: 0))
        var counts = [0, 0, 0, 0]
        var arrivals: [SimTime] = []
        for k in 0..<2_000 {
            let r = net.route(from: 0, to: 1, bytes: 100, now: SimTime(ticks: Int64(k)))
            counts[r.count] += 1
            arrivals += r
        }
        #expect(counts[0] > 450 && counts[0] < 750)
        #expect(counts[2] > 0 && counts[3] > 0)
        #expect(arrivals != arrivals.sorted(), "later sends may arrive earlier")
        for k in 0..<500 {
            #expect(net.route(from: 0, to: 1, bytes: 100, now: .seconds(1) + SimTime(ticks: Int64(k))).count == 1)
        }
    }

    @Test("Partitions, one-way cuts, heal; bandwidth serialises a sender")
    func connectivityAndBandwidth() {
        var net = SimNetwork(
            config: NetworkConfig(latency: .constant(.milliseconds(1)), bandwidthBytesPerSecond: [1e6, 1e6, 1e6]),
            nodes: 3, streams: RandomStreams(seed: 1, replication: 0))
        net.connectivity.partition([[0], [1, 2]])
        #expect(net.route(from: 0, to: 1, bytes: 1, now: .zero).isEmpty)
        #expect(net.route(from: 1, to: 2, bytes: 1, now: .zero).count == 1)
        net.connectivity.heal()
        net.connectivity.cut(from: 0, to: 2)
        #expect(net.route(from: 0, to: 2, bytes: 1, now: .zero).isEmpty)
        #expect(net.route(from: 2, to: 0, bytes: 1, now: .zero).count == 1)
        net.connectivity.heal()
        // 1 MB at 1 MB/s: 1 s on the wire, then 1 ms latency; the second copy waits for the first.
        let a = net.route(from: 1, to: 0, bytes: 1_000_000, now: .seconds(10))
        let b = net.route(from: 1, to: 2, bytes: 1_000_000, now: .seconds(10))
        #expect(a == [.seconds(11) + .milliseconds(1)])
        #expect(b == [.seconds(12) + .milliseconds(1)])
    }

    @Test("Region matrix: intra-region fast, inter-region slow")
    func regions() {
        let net = SimNetwork(
            config: NetworkConfig(latency: .wan(nodes: 3)), nodes: 3, streams: RandomStreams(seed: 1, replication: 0))
        #expect(net.latency(from: 0, to: 2) > .milliseconds(80))
        #expect(net.latency(from: 0, to: 0) < .milliseconds(3))
    }

    #if CONSENSUS_MUTATIONS
        @Test("Negative control: the oracle flags the thresholdTwoF mutant (2f commits) in a 50/50 split")
        func oracleCatchesFork() {
            var node = testNode
            node.mutations = .thresholdTwoF
            let cfg = ClusterConfig(
                seed: 1, chainID: simChainID, powers: [1, 1, 1, 1], node: node,
                faults: [ScheduledFault(at: .milliseconds(100), .partition([[0, 1], [2, 3]]))])
            let c = logCluster(cfg)
            c.run(until: .milliseconds(600))
            c.finish()
            #expect(
                c.oracle.violations.contains { $0.hasPrefix("agreement") || $0.hasPrefix("unsound certificate") },
                "\(c.oracle.violations.prefix(3)) h=\(c.nodes.map(\.store.height)) rounds=\(c.metrics.roundsPerHeight)")
        }
    #endif

    @Test("Negative control: the termination bound fires when it is too tight")
    func oracleCatchesSlowness() {
        var cfg = ClusterConfig(
            seed: 1, chainID: simChainID, powers: [1, 1, 1, 1], node: testNode,
            faults: [ScheduledFault(at: .milliseconds(100), .crash(0))])
        cfg.termination = TerminationBound(delta: .microseconds(10), slackRounds: 0)
        let c = logCluster(cfg)
        c.run(until: .milliseconds(600))
        c.finish()
        #expect(c.oracle.violations.contains { $0.hasPrefix("termination") })
    }

    @Test("Figures: 4 validators, LAN, 200 tx/s for 5 simulated seconds")
    func figures() {
        let c = logCluster(
            ClusterConfig(
                seed: 1, chainID: simChainID, powers: [1, 1, 1, 1], node: testNode, workload: logWorkload(rate: 200),
                termination: bound(n: 4)))
        let clock = ContinuousClock()
        let start = clock.now
        c.run(until: .seconds(5))
        let wall = clock.now - start
        expectClean(c)
        let seconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) * 1e-18
        let ph = c.perHeight.prefix(Int(c.height))
        print(
            """
            figures: heights=\(c.height) blocks/s(sim)=\(Double(c.height) / 5) committed=\(c.metrics.committed) \
            latency p50=\(c.metrics.latency.value(atPercentile: 50)) p99=\(c.metrics.latency.value(atPercentile: 99)) \
            blockTime=\(c.metrics.blockTimes.mean)s rounds=\(c.metrics.roundsPerHeight) \
            msgs/height=\(ph.map(\.messagesOut).reduce(0, +) / max(1, ph.count)) \
            bytes/height=\(ph.map(\.bytesOut).reduce(0, +) / max(1, ph.count)) \
            verif/height=\(ph.map(\.verifications).reduce(0, +) / max(1, ph.count)) \
            events=\(c.metrics.eventsHandled) wall=\(seconds)s events/s(wall)=\(Double(c.metrics.eventsHandled) / seconds) \
            blocks/s(wall)=\(Double(c.height) / seconds) verifications=\(c.cache.verifications)
            """)
        #expect(c.height > 100)
    }
}
