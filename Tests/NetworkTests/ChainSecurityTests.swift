import Consensus
import DiscreteEvent
import Ledger
import Testing

@testable import Cluster
@testable import Network

/// Issue 17's smaller fixes at the node level: validator keys of small order, next-height messages against the
/// next height's set, block sync that rotates peers.
@Suite("Chain security (issue 17 item 5)")
struct ChainSecurityTests {
    /// The identity point: with R = identity, S = 0 it "signs" every message (`Ed25519VectorTests`).
    static let identity = PublicKey(bytes: [1] + Bytes(repeating: 0, count: 31))

    @Test("B14 ValidatorSetChange: a small-order validator key is refused, with no state change")
    func b14SmallOrderKeyRefused() {
        var app = LogApplication()
        let key = Workload.clientKey(7, seed: 1)
        let add = Transaction.signed(
            by: key, chainID: simChainID, nonce: 0, fee: Amount(minorUnits: 0),
            message: LogApplication.validatorUpdateMessage(Self.identity, power: 1))
        let check = app.checkTx(add)
        #expect(check.code == .malformed && check.log.contains("small order"))
        let root = app.stateRoot
        #expect(app.deliverTx(add).code == .malformed)
        #expect(app.endBlock().validatorUpdates.isEmpty)
        #expect(app.stateRoot == root && app.delivered == 0)
        // An application that forwards one anyway: the block store never adds it.
        let set = ValidatorSet([Validator(publicKey: key.publicKey, power: 1)])
        let next = BlockStore.apply([ValidatorUpdate(publicKey: Self.identity, power: 5)], to: set)
        #expect(next.validators.map(\.publicKey) == [key.publicKey])
    }

    /// A validator that follows consensus correctly but never answers a block request (a silent sync peer).
    struct WithholdsBlocks: ByzantineBehaviour {
        func outputs(for outputs: [ConsensusOutput], _ context: ByzantineContext) -> [ConsensusOutput] { outputs }
        var servesBlockSync: Bool { false }
    }

    /// The block-request destinations in `step`.
    static func requests(_ step: NodeStep) -> [Int] {
        step.actions.compactMap {
            if case .send(let to, .blockRequest) = $0 { to } else { nil }
        }
    }

    /// Issue 17 item 5: block sync asks the peer that claimed a higher height; when it stays silent for
    /// `syncRetry`, the next request goes to the next peer that claimed one, even if the silent peer is the one
    /// whose message triggers the retry; and a peer that withholds blocks answers nothing.
    @Test("B15 BlockSync: a silent peer is timed out and the next request goes to another peer")
    func blockSyncRotatesPeers() {
        let keys = (0..<4).map { ClusterConfig.nodeKey($0, seed: 1) }
        let set = ValidatorSet(keys.map { Validator(publicKey: $0.publicKey, power: 1) })
        let node = ChainNode(
            index: 3, key: keys[3], config: testNode, peers: 4, app: LogApplication(), validators: set,
            cache: SignatureCache(capacity: 1_000))
        _ = node.handle(.boot, now: .zero)
        func claim(_ peer: Int, at ms: Int64) -> [Int] {
            let bytes = Vote.signBytes(chainID: simChainID, type: .prevote, height: 9, round: 0, valueID: nil)
            let vote = Vote(
                chainID: simChainID, type: .prevote, height: 9, round: 0, valueID: nil,
                validator: keys[peer].publicKey.address, signature: keys[peer].sign(bytes))
            return Self.requests(node.handle(.message(from: peer, .vote(vote)), now: .milliseconds(ms)))
        }
        let retry = testNode.syncRetry / 1_000
        #expect(claim(0, at: 1) == [0], "the first claimant is asked")
        #expect(claim(1, at: 10) == [], "one request in flight")
        #expect(claim(0, at: 2 + retry) == [1], "0 timed out: the next peer ahead is asked, not the sender")
        #expect(node.syncTimeouts == 1)
        #expect(claim(0, at: 3 + 2 * retry) == [0], "1 timed out too: back to 0 (2 never claimed a height)")
        #expect(node.syncTimeouts == 2)
        // The other side: a peer that withholds blocks answers no request.
        let silent = ChainNode(
            index: 0, key: keys[0], config: testNode, peers: 4, app: LogApplication(), validators: set,
            cache: SignatureCache(capacity: 1_000), behaviour: WithholdsBlocks())
        _ = silent.handle(.boot, now: .zero)
        let asked = silent.handle(.message(from: 3, .blockRequest(from: 1)), now: .milliseconds(1))
        #expect(asked.actions.isEmpty)
    }

    /// A lagging node catches up although one validator (within f) never serves blocks.
    @Test("B15 BlockSync_LongLagCatchUp: with a silent sync peer")
    func blockSyncWithSilentPeer() {
        var cfg = ClusterConfig(
            seed: 5, chainID: simChainID, powers: [1, 1, 1, 1], node: testNode,
            faults: [
                ScheduledFault(at: .milliseconds(100), .crash(3)),
                ScheduledFault(at: .milliseconds(2_000), .restart(3)),
            ],
            workload: logWorkload(rate: 50), termination: bound(n: 4))
        cfg.byzantine[0] = WithholdsBlocks()
        let c = logCluster(cfg)
        c.run(until: .milliseconds(2_000))
        let lag = c.height - c.nodes[3].store.height
        #expect(lag >= 50, "lag \(lag)")
        c.run(until: .milliseconds(2_600))
        expectClean(c)
        #expect(c.nodes[3].syncedBlocks >= 50)
        #expect(c.nodes[3].store.height + 2 >= c.height, "node 3 reached the head")
    }
}
