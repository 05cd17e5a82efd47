import Consensus
import Contracts
import DiscreteEvent
import Ledger
import Testing

@testable import Cluster
@testable import Network

/// B21: a Byzantine proposer that lies about time (issue 17 item 1). With proposer-based timestamps the chain stays
/// live, every block time stays within the PBTS bound of simulated time, and no deadline expires early; without
/// them (the negative control) the lie is decided: block time jumps a day (a study expires at once) or reaches
/// `Int64.max`, after which no block is valid and the chain stops (without a trap: time arithmetic saturates).
@Suite("B21: Byzantine timestamps")
struct ScenariosTime {
    /// Tight enough that a lie of a few block intervals is caught, loose enough for the test LAN (5 ms links).
    static let sync = SynchronyParams(precision: 10_000, messageDelay: 30_000)

    static func cluster<App: ChainApplication>(
        _ lie: TimestampLiar.Lie, pbts: Bool, app: @escaping () -> App, workload: Workload? = logWorkload()
    ) -> ChainCluster<App, Int> {
        var node = testNode
        node.synchrony = pbts ? sync : nil
        var cfg = ClusterConfig(
            seed: 21, chainID: simChainID, powers: [1, 1, 1, 1], node: node, workload: workload,
            termination: bound(n: 4))
        cfg.byzantine[0] = TimestampLiar(lie)
        return ChainCluster(config: cfg, makeApp: app)
    }

    /// The lies node 0 told, by value id.
    static func lies<App>(_ c: ChainCluster<App, Int>) -> [Hash: (honest: Int64, told: Int64)] {
        (c.nodes[0].behaviour as? TimestampLiar)?.lies ?? [:]
    }

    @Test("B21 ByzantineTimestamps_LiveAndBounded", arguments: TimestampLiar.Lie.allCases)
    func liveAndBounded(_ lie: TimestampLiar.Lie) {
        let c = Self.cluster(lie, pbts: true, app: { LogApplication() })
        c.run(until: .seconds(1))
        expectClean(c)
        #expect(c.height > 20, "live: \(c.height) heights")
        let lies = Self.lies(c)
        #expect(!lies.isEmpty, "the liar had proposer turns")
        let store = c.nodes[1].store
        let decided = c.oracle.firstDecisionTimes
        let p = Self.sync.precision
        for h in 1...store.height {
            let t = store.block(at: h).header.timeTicks
            // Upper: a correct validator found the block timely before the first decision (clocks without offset).
            #expect(t <= decided[Int(h) - 1].ticks + p, "h=\(h): \(t) is ahead of the bound")
            // Lower: it received the proposal after height h - 1 was first decided, within messageDelay(r) + P.
            let r = max(c.nodes[1].decisionRounds[Int(h) - 1], 0)
            let since = h == 1 ? 0 : decided[Int(h) - 2].ticks
            #expect(t >= since - Self.sync.messageDelay(round: r) - p, "h=\(h): \(t) is behind the bound")
        }
        if lie != .farPast {
            let committed = Set((1...store.height).map { store.block(at: $0).hash })
            let told = lies.keys.filter { id in (1...store.height).contains { store.block(at: $0).hash == id } }
            #expect(told.isEmpty && !committed.isEmpty, "no lie was decided")
            #expect(c.nodes[1].decisionRounds.contains { $0 > 0 }, "the liar's rounds ended without a decision")
        }
    }

    @Test(
        "B21 ByzantineTimestamps: negative control, without PBTS the lie is decided",
        arguments: [
            TimestampLiar.Lie.farFuture, .int64Max,
        ])
    func withoutPBTS(_ lie: TimestampLiar.Lie) {
        let c = Self.cluster(lie, pbts: false, app: { LogApplication() })
        c.run(until: .seconds(1))
        c.finish()
        let store = c.nodes[1].store
        let times = (1...store.height).map { store.block(at: $0).header.timeTicks }
        switch lie {
        case .int64Max:
            #expect(times.last == .max, "the Int64.max block is decided, and nothing can follow it")
            #expect(store.height < 20, "the chain stopped at height \(store.height), without a trap")
        default:
            #expect(times.contains { $0 >= Int64(86_400_000_000) }, "block time jumped a day")
        }
    }

    /// A study posted with a deadline 10 s after genesis stays open for the whole second the chain runs while a
    /// Byzantine proposer dates its blocks a day ahead; without PBTS a lie is decided and the study is gone.
    @Test("B21 ByzantineTimestamps: no study expires early", arguments: [true, false])
    func noStudyExpiresEarly(pbts: Bool) {
        let client = SigningKey.derive(label: "client", seed: 21)
        let seal = SealingKey.derive(label: "client-seal", seed: 21)
        let genesis = Genesis(
            chainID: simChainID, accounts: [GenesisAccount(address: client.publicKey.address, balance: 1_000_000)],
            authorities: [], market: .postedPrice, fees: FeeParameters(minFee: 0, perByte: 0),
            feeCollector: client.publicKey.address)
        let order = StudyOrder(
            modality: .ct, bodyPart: 3, urgency: .routine, jurisdiction: "US-CA", maxPrice: 1_000,
            deadlineTicks: 10_000_000, requisitionHash: Hash.sha256([1]),
            clientSealedLink: Sealing.seal(
                Array("link".utf8), to: seal.publicKey, ephemeral: SealingKey.derive(label: "eph", seed: 21),
                info: Message.accessInfo(studyID: 0, recipient: seal.publicKey)))
        let post = Transaction.signed(
            by: client, chainID: simChainID, nonce: 0, fee: Amount(minorUnits: 0),
            message: Message.postStudy(order).canonicalBytes)
        let c = Self.cluster(.farFuture, pbts: pbts, app: { ReadChainApp(genesis: genesis) }, workload: nil)
        c.inject(post, to: 1, at: .milliseconds(20))
        c.run(until: .seconds(1))
        c.finish()
        #expect(c.height > 20)
        for node in c.nodes.dropFirst() {
            let state = node.app.study(1)?.state
            if pbts {
                #expect(state == .open, "node \(node.index): the study is \(String(describing: state))")
            } else {
                // The control: a lie a day ahead is decided; the study expires at it (or, when the lie came first,
                // cannot even be posted: its deadline is already past at block time).
                #expect(
                    state == .expired || state == nil, "node \(node.index): the study is \(String(describing: state))")
                #expect(node.store.lastBlockTime >= order.deadlineTicks)
            }
        }
    }

    /// B13 with PBTS's bound stated in offsets: a correct clock 1 s fast (beyond the default 505 ms precision) makes
    /// that node's fresh blocks untimely for the others, so none is decided; the chain stays live on the other
    /// proposers, and every block time stays within first decision + max offset of the timely clocks + precision.
    @Test("B13 ClockOffset_BeyondPrecision: the fast node's blocks are refused, the chain stays live")
    func clockBeyondPrecision() {
        var cfg = ClusterConfig(
            seed: 13, chainID: simChainID, powers: [1, 1, 1, 1], node: testNode, workload: logWorkload(),
            termination: bound(n: 4))
        cfg.clockOffset = [.zero, .milliseconds(20), .milliseconds(-20), .seconds(1)]
        let c = logCluster(cfg)
        c.run(until: .seconds(1))
        c.finish()
        #expect(c.height > 20)
        let fast = ClusterConfig.nodeKey(3, seed: 13).publicKey.address
        let store = c.nodes[0].store
        let decided = c.oracle.firstDecisionTimes
        let p = SynchronyParams.cometBFT.precision
        for h in 1...store.height {
            let b = store.block(at: h)
            #expect(b.header.proposer != fast, "h=\(h): a block dated 1 s ahead was decided")
            #expect(b.header.timeTicks <= decided[Int(h) - 1].ticks + 20_000 + p)
        }
        #expect(c.nodes[0].decisionRounds.contains { $0 > 0 }, "the fast node's rounds fail")
    }
}
