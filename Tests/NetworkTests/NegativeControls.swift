// Negative controls of the oracle (consensus-tests.md §5.3, issue 17 item 3): for each check of §4.1, a
// deliberately broken correct node, application or acknowledger, and the test that the check fires.

import Consensus
import DiscreteEvent
import Ledger
import Testing

@testable import Cluster
@testable import Network

/// A proposer that adds a transaction no client submitted to each block it proposes (otherwise a valid block),
/// and votes for the block it sent instead of its own.
struct InventingProposer: ByzantineBehaviour {
    private let key = SigningKey.derive(label: "inventor", seed: 7)
    private var replaced: [Hash: Hash] = [:]
    private(set) var invented = 0

    mutating func outputs(for outputs: [ConsensusOutput], _ c: ByzantineContext) -> [ConsensusOutput] {
        outputs.map { o in
            switch o {
            case .broadcastProposal(let p):
                guard let b = try? Block.decode(canonical: p.value.payload) else { return o }
                let tx = Transaction.signed(
                    by: key, chainID: c.chainID, nonce: UInt64(invented), fee: Amount(minorUnits: 0),
                    message: Array("invented \(p.height)/\(p.round)".utf8))
                invented += 1
                var header = b.header
                let txs = b.transactions + [tx]
                header.txRoot = Block.txRoot(txs)
                let value = ProposedValue(
                    block: Block(header: header, transactions: txs, evidence: b.evidence, lastCommit: b.lastCommit))
                replaced[p.value.id] = value.id
                return .broadcastProposal(
                    c.forgeProposal(height: p.height, round: p.round, value: value, validRound: p.validRound))
            case .broadcastVote(let v):
                guard let id = v.valueID, let new = replaced[id] else { return o }
                return .broadcastVote(c.forgeVote(v.type, height: v.height, round: v.round, valueID: new))
            default:
                return o
            }
        }
    }
}

/// The log application, whose state root after a block diverges (salted) when `diverges` (a non-deterministic or
/// buggy application on one node).
struct DivergentLogApp: ChainApplication {
    var inner = LogApplication()
    let diverges: Bool
    private var blocks = 0

    init(diverges: Bool) { self.diverges = diverges }

    var stateRoot: Hash {
        diverges && blocks > 0 ? Hash.sha256(domain: "readchain/test/salt", inner.stateRoot.bytes) : inner.stateRoot
    }
    mutating func checkTx(_ tx: Transaction) -> TxCheck { inner.checkTx(tx) }
    mutating func beginBlock(_ header: BlockHeader, misbehaviour: [Misbehaviour]) {
        inner.beginBlock(header, misbehaviour: misbehaviour)
    }
    mutating func deliverTx(_ tx: Transaction) -> Receipt { inner.deliverTx(tx) }
    mutating func endBlock() -> BlockOutcome { inner.endBlock() }
    mutating func commit() -> Hash {
        _ = inner.commit()
        blocks += 1
        return stateRoot
    }
}

/// The log application with a toy bank beside it: every transaction moves one unit from account 0 to account 1.
/// With `leaks`, the transfer credits without debiting (money is created). The state root is the log's only, so
/// only the conservation invariant can see the bug.
struct LeakyBankApp: ChainApplication {
    static let supply: UInt64 = 1_000_000
    var inner = LogApplication()
    let leaks: Bool
    private(set) var balances: [UInt64] = [LeakyBankApp.supply, 0]

    init(leaks: Bool) { self.leaks = leaks }

    var total: UInt64 { balances.reduce(0, +) }
    var stateRoot: Hash { inner.stateRoot }
    mutating func checkTx(_ tx: Transaction) -> TxCheck { inner.checkTx(tx) }
    mutating func beginBlock(_ header: BlockHeader, misbehaviour: [Misbehaviour]) {
        inner.beginBlock(header, misbehaviour: misbehaviour)
    }
    mutating func deliverTx(_ tx: Transaction) -> Receipt {
        balances[1] += 1
        if !leaks { balances[0] -= 1 }
        return inner.deliverTx(tx)
    }
    mutating func endBlock() -> BlockOutcome { inner.endBlock() }
    mutating func commit() -> Hash { inner.commit() }
}

/// n = 4, test timeouts, the log workload; no termination bound (a broken node may slow the others).
func controlConfig(seed: UInt64 = 1) -> ClusterConfig {
    ClusterConfig(seed: seed, chainID: simChainID, powers: [1, 1, 1, 1], node: testNode, workload: logWorkload())
}

/// A round that fails after a lock (B09, NC-8): n = 4; the round-0 proposer p0 cannot reach the round-1 proposer
/// p1 until 200 ms. The amnesiac node `m` (neither) prevotes and precommits its value to its first peer and nil to
/// the others (`DoubleVoter(split:)`), so at h=1 r=0 its core locks p0's block while no correct node decides it,
/// and p1, which saw no polka, proposes a fresh block in round 1: `m` prevotes for it against its lock.
/// Returns the configuration without the amnesiac behaviour, and `m`.
func amnesiaScenario(seed: UInt64 = 1) -> (config: ClusterConfig, node: Int) {
    let genesis = ValidatorSet(
        (0..<4).map { Validator(publicKey: ClusterConfig.nodeKey($0, seed: seed).publicKey, power: 1) })
    let addresses = (0..<4).map { ClusterConfig.nodeKey($0, seed: seed).publicKey.address }
    let selector = ProposerSelector(validatorSet: genesis)
    let p0 = addresses.firstIndex(of: selector.proposer(round: 0).address)!
    let p1 = addresses.firstIndex(of: selector.proposer(round: 1).address)!
    let m = (0..<4).last { $0 != p0 && $0 != p1 }!
    var cfg = controlConfig(seed: seed)
    cfg.faults = [
        ScheduledFault(at: .zero, .cut(from: p0, to: p1)), ScheduledFault(at: .milliseconds(200), .heal),
    ]
    cfg.termination = bound(n: 4)
    return (cfg, m)
}

/// The behaviour of B09's Byzantine node and of NC-8's mutant.
func amnesiac() -> CombinedBehaviour { CombinedBehaviour([Amnesia(), DoubleVoter(split: true)]) }

/// The Amnesia behaviour inside a node's (possibly combined) behaviour.
func amnesia(of node: ChainNode<some ChainApplication>) -> Amnesia? {
    if let a = node.behaviour as? Amnesia { return a }
    return (node.behaviour as? CombinedBehaviour)?.parts.lazy.compactMap { $0 as? Amnesia }.first
}

@Suite("Negative controls: each oracle check fires on a broken node")
struct NegativeControls {
    @Test("NC-3 CorrectNodeDoubleSigns_Flagged")
    func nc3() {
        // Node 2 is counted as correct but prevotes and precommits two values per round.
        var cfg = controlConfig()
        cfg.mutants = [2: DoubleVoter()]
        let c = logCluster(cfg)
        c.run(until: .milliseconds(200))
        c.finish()
        #expect(
            c.oracle.violations.contains { $0.hasPrefix("double-sign: node 2 ") }, "\(c.oracle.violations.prefix(3))")
        #expect(!c.oracle.violations.contains { $0.hasPrefix("double-sign: node 0 ") }, "only the broken node")
    }

    @Test("NC-4 LostTransaction_Flagged")
    func nc4() {
        // A broken acknowledger tells clients "committed" when a node admits the transaction to its mempool: the
        // transactions still in mempools when the run stops are lost. Also a node whose chain lost a transaction
        // (its chain is another run's).
        var admitted: [Hash] = []
        let c = logCluster(controlConfig())
        c.onTxResult = { h, r, _ in if r.isOK { admitted.append(h) } }
        c.run(until: .milliseconds(200))
        expectClean(c)  // control: the true acknowledgements are all on every chain
        let uncommitted = admitted.filter { !c.nodes[0].store.isCommitted(tx: $0) }
        #expect(!uncommitted.isEmpty)
        c.oracle.finalCheck(stores: c.nodes.map(\.store), acknowledged: admitted)
        #expect(c.oracle.violations.contains { $0.hasPrefix("lost tx ") }, "\(c.oracle.violations.prefix(3))")
        let other = logCluster(controlConfig(seed: 2))
        other.run(until: .milliseconds(200))
        c.oracle.finalCheck(stores: [c.nodes[0].store, other.nodes[0].store], acknowledged: c.acknowledged)
        #expect(c.oracle.violations.contains { $0.hasSuffix(" missing on node 1") })
        #expect(!c.oracle.violations.contains { $0.hasSuffix(" missing on node 0") })
    }

    @Test("NC-5 InventedTransaction_Flagged")
    func nc5() {
        // Node 1 is counted as correct but adds a transaction no client submitted to every block it proposes.
        var cfg = controlConfig()
        cfg.mutants = [1: InventingProposer()]
        let c = logCluster(cfg)
        c.run(until: .milliseconds(300))
        c.finish()
        #expect(((c.nodes[1].behaviour as? InventingProposer)?.invented ?? 0) > 0)
        #expect(c.oracle.violations.contains { $0.hasPrefix("invented tx ") }, "\(c.oracle.violations.prefix(3))")
    }

    @Test("NC-6 StateRootDivergence_Flagged")
    func nc6() {
        // Node 3's application salts its state root after the first block (a non-deterministic application).
        var k = 0
        let c = ChainCluster<DivergentLogApp, Int>(
            config: controlConfig(),
            makeApp: {
                defer { k += 1 }
                return DivergentLogApp(diverges: k == 3)
            })
        c.run(until: .milliseconds(200))
        c.finish()
        #expect(
            c.oracle.violations.contains { $0.hasPrefix("state root differs: ") }, "\(c.oracle.violations.prefix(3))")
    }

    @Test("NC-7 ConservationBroken_Flagged")
    func nc7() {
        // Node 0's application creates money on every transfer; the invariant (total = supply) runs per commit.
        var k = 0
        let c = ChainCluster<LeakyBankApp, Int>(
            config: controlConfig(),
            makeApp: {
                defer { k += 1 }
                return LeakyBankApp(leaks: k == 0)
            },
            invariant: { $0.total == LeakyBankApp.supply ? nil : "total \($0.total) ≠ supply \(LeakyBankApp.supply)" })
        c.run(until: .milliseconds(200))
        c.finish()
        let problems = c.oracle.violations.filter { $0.contains("≠ supply") }
        #expect(!problems.isEmpty, "\(c.oracle.violations.prefix(3))")
        #expect(problems.allSatisfy { $0.hasPrefix("node 0 ") }, "only the broken node")
    }

    @Test("NC-8 CorrectNodeAmnesia_LockViolationFlagged")
    func nc8() {
        // The amnesiac node is counted as correct: the oracle must flag its prevote against its lock.
        var (cfg, m) = amnesiaScenario()
        cfg.mutants = [m: amnesiac()]
        let c = logCluster(cfg)
        c.run(until: .milliseconds(500))
        c.finish()
        let fired = amnesia(of: c.nodes[m])?.fired ?? 0
        let locks = c.oracle.violations.filter { $0.hasPrefix("lock: ") }
        print("NC-8: node \(m): amnesia fired \(fired) times; \(locks.count) lock violations: \(locks)")
        #expect(fired > 0, "the amnesia rewrite fired")
        #expect(locks.contains { $0.hasPrefix("lock: prevote against the lock") && $0.contains("node \(m) ") })
        #expect(locks.allSatisfy { $0.contains("node \(m) ") }, "correct nodes keep their locks")
    }

    @Test("NC-8 control: the same run with the node correct keeps every lock invariant")
    func nc8Control() {
        let c = logCluster(amnesiaScenario().config)
        c.run(until: .milliseconds(500))
        expectClean(c)
        #expect(c.height > 5)
    }
}

/// A fork by amnesia across rounds at `height` (NC-9), for each of two Byzantine nodes: it ignores the round-0
/// votes of the correct node other than `victim` (so that its core neither locks nor decides in round 0); in round 0
/// its proposal skips the victim, the victim gets nil votes, and the others get a prevote and a precommit for the
/// round's proposal, both sent with the prevote. From round 1 its core runs unlocked and proposes and votes for a fresh block: against
/// the lock its round-0 precommit signed.
struct AmnesiaForker: ByzantineBehaviour {
    let height: Height
    let victim: Address
    let ally: Address
    /// Prevotes for another value than the one precommitted in round 0, in later rounds.
    private(set) var fired = 0
    private var precommitted: Hash?

    init(height: Height = 1, victim: Address, ally: Address) {
        self.height = height
        self.victim = victim
        self.ally = ally
    }

    func inputs(for input: ConsensusInput, _ c: ByzantineContext) -> [ConsensusInput] {
        guard case .vote(let v) = input, v.height == height, v.round == 0, v.validator != victim,
            v.validator != ally, v.validator != c.address
        else { return [input] }
        return []
    }

    mutating func outputs(for outputs: [ConsensusOutput], _ c: ByzantineContext) -> [ConsensusOutput] {
        var out: [ConsensusOutput] = []
        for o in outputs {
            switch o {
            case .broadcastProposal(let p) where p.height == height && p.round == 0:
                for peer in c.peers where peer != victim { out.append(.sendProposal(p, to: peer)) }
            case .broadcastVote(let v) where v.height == height && v.round == 0:
                // Both votes at once, with the prevote (the core's own precommit, nil after a timeout, is dropped):
                // the precommit must reach the other correct node before it is cut off.
                guard v.type == .prevote, let value = c.core.proposals[0]?.value.id else { continue }
                precommitted = value
                for type in [VoteType.prevote, .precommit] {
                    let real = c.forgeVote(type, height: v.height, round: 0, valueID: value)
                    let other = c.forgeVote(type, height: v.height, round: 0, valueID: nil)
                    for peer in c.peers { out.append(.sendVote(peer == victim ? other : real, to: peer)) }
                }
            case .broadcastVote(let v) where v.height == height:
                if v.type == .prevote, let id = v.valueID, let locked = precommitted, id != locked { fired += 1 }
                out.append(o)
            default:
                out.append(o)
            }
        }
        return out
    }
}

@Suite("Negative controls: accountability across rounds")
struct AmnesiaForkControls {
    @Test("NC-9 AmnesiaBeyondF_ForkAttributed")
    func nc9() {
        // Byzantine power 1/2: the round-0 proposer q and the round-1 proposer p fork h=1 across rounds by amnesia.
        // The correct node a decides q's block in round 0 (p and q prevote and precommit it to a); the correct
        // node b (a and b cannot talk) sees only nil in round 0 and decides p's fresh block in round 1, which p and
        // q prevote and precommit against the lock of their round-0 precommits.
        let seed: UInt64 = 1
        let genesis = ValidatorSet(
            (0..<4).map { Validator(publicKey: ClusterConfig.nodeKey($0, seed: seed).publicKey, power: 1) })
        let addresses = (0..<4).map { ClusterConfig.nodeKey($0, seed: seed).publicKey.address }
        let selector = ProposerSelector(validatorSet: genesis)
        let q = addresses.firstIndex(of: selector.proposer(round: 0).address)!
        let p = addresses.firstIndex(of: selector.proposer(round: 1).address)!
        let rest = (0..<4).filter { $0 != p && $0 != q }
        let (a, b) = (rest[0], rest[1])
        var cfg = controlConfig(seed: seed)
        cfg.byzantine = [
            p: AmnesiaForker(victim: addresses[b], ally: addresses[q]),
            q: AmnesiaForker(victim: addresses[b], ally: addresses[p]),
        ]
        // a and b never talk; once a has decided (a few ms), a is cut off from p and q too, so that they never see
        // its certificate (a's re-broadcast runs every 40 ms).
        func cut(_ x: Int, _ y: Int, at: SimTime) -> [ScheduledFault] {
            [ScheduledFault(at: at, .cut(from: x, to: y)), ScheduledFault(at: at, .cut(from: y, to: x))]
        }
        cfg.faults = cut(a, b, at: .zero) + cut(a, p, at: .milliseconds(10)) + cut(a, q, at: .milliseconds(10))
        let c = logCluster(cfg)
        c.run(until: .milliseconds(150))
        c.finish()
        let forks = c.oracle.violations.filter { $0.hasPrefix("agreement") }
        let fired = [p, q].map { (c.nodes[$0].behaviour as? AmnesiaForker)?.fired ?? 0 }
        print(
            "NC-9: p=\(p) q=\(q) a=\(a) b=\(b) fired \(fired); heights \(c.nodes.map(\.store.height)) "
                + "forks \(forks.prefix(2)); accountable "
                + "\(c.oracle.accountable.compactMap { addresses.firstIndex(of: $0) })")
        let rounds = [a, b].map { c.nodes[$0].store.height >= 1 ? c.nodes[$0].store.certificate(at: 1).round : -1 }
        print("NC-9: rounds of the h=1 certificates of a and b: \(rounds)")
        #expect(!forks.isEmpty, "the oracle detects the fork")
        #expect(
            rounds[0] >= 0 && rounds[1] >= 0 && rounds[0] != rounds[1],
            "a and b decided h=1 in different rounds: \(rounds)")
        #expect(fired.allSatisfy { $0 > 0 }, "both prevoted against their round-0 precommit")
        #expect(c.oracle.accountable.count >= 2, "evidence against ≥ f+1 validators")
        #expect(Set(c.oracle.accountable).isSubset(of: [addresses[p], addresses[q]]), "no correct validator blamed")
    }
}

/// A broken node that precommits the value it prevotes at once, with its prevote, instead of waiting for a polka
/// (Algorithm 1 L36 needs 2f+1 prevotes first). Its later correct precommit for the same value has the same signed
/// bytes (Ed25519 signatures are deterministic), so only the missing polka is wrong.
struct EagerPrecommitter: ByzantineBehaviour {
    private(set) var fired = 0

    mutating func outputs(for outputs: [ConsensusOutput], _ c: ByzantineContext) -> [ConsensusOutput] {
        var out: [ConsensusOutput] = []
        for o in outputs {
            out.append(o)
            guard case .broadcastVote(let v) = o, v.type == .prevote, let id = v.valueID else { continue }
            fired += 1
            out.append(.broadcastVote(c.forgeVote(.precommit, height: v.height, round: v.round, valueID: id)))
        }
        return out
    }
}

extension NegativeControls {
    @Test("NC-10 CorrectNodePrecommitsWithoutPolka_Flagged")
    func nc10() {
        // Node 2 is counted as correct but precommits with its prevote: the oracle must flag the missing polka.
        var cfg = controlConfig()
        cfg.mutants = [2: EagerPrecommitter()]
        let c = logCluster(cfg)
        c.run(until: .milliseconds(200))
        c.finish()
        let fired = (c.nodes[2].behaviour as? EagerPrecommitter)?.fired ?? 0
        let flagged = c.oracle.violations.filter { $0.hasPrefix("lock: precommit without a polka") }
        #expect(fired > 0, "the broken node precommitted early")
        #expect(flagged.contains { $0.contains("node 2 ") }, "\(c.oracle.violations.prefix(3))")
        #expect(flagged.allSatisfy { $0.contains("node 2 ") }, "only the broken node: \(flagged.prefix(3))")
    }
}
