// Byzantine scenarios of consensus-tests.md §5.4 (B08, B09, B16) and the negative control NC-1 (§5.3) at the
// cluster level: ChainNodes with Byzantine behaviours, the full Oracle on the correct nodes.

import Consensus
import DiscreteEvent
import Foundation
import Ledger
import Testing

@testable import Cluster
@testable import Network

/// The seeds of a scenario: one in CI, `soakSeedCount` under `make soak` (READCHAIN_SOAK=1).
let scenarioSeeds: [UInt64] =
    ProcessInfo.processInfo.environment["READCHAIN_SOAK"] != nil ? Array(1...soakSeedCount) : [1]
let soakSeedCount: UInt64 = 40

private func address(_ i: Int, seed: UInt64) -> Address { ClusterConfig.nodeKey(i, seed: seed).publicKey.address }

private func byzantineConfig(
    seed: UInt64 = 1, powers: [UInt64] = [1, 1, 1, 1], byzantine: [Int: any ByzantineBehaviour],
    faults: [ScheduledFault] = [], trackFootprint: Bool = false
) -> ClusterConfig {
    ClusterConfig(
        seed: seed, chainID: simChainID, powers: powers, node: testNode, faults: faults, workload: logWorkload(),
        termination: bound(n: powers.count), byzantine: byzantine, trackFootprint: trackFootprint)
}

/// Cuts every link between the two groups, both ways, at `at`.
private func split(_ a: [Int], _ b: [Int], at: SimTime) -> [ScheduledFault] {
    a.flatMap { i in
        b.flatMap { j in [ScheduledFault(at: at, .cut(from: i, to: j)), ScheduledFault(at: at, .cut(from: j, to: i))] }
    }
}

@Suite("B: Byzantine validators at the cluster level")
struct ScenariosByzantine {
    @Test("B08 ByzantineConflictingProposals_WithPartition", arguments: scenarioSeeds)
    func b08(seed: UInt64) {
        // Node 0 proposes v_A to node 1 (group A) and a different valid block v_B to nodes 2 and 3 (group B), and
        // votes both ways; A is cut off from B until the heal.
        let byz = EquivocatingProposer(
            groupA: [address(1, seed: seed)], conflict: ChainNode<LogApplication>.conflictingBlockValue)
        let cfg = byzantineConfig(
            seed: seed, byzantine: [0: byz],
            faults: split([1], [2, 3], at: .zero) + [ScheduledFault(at: .milliseconds(600), .heal)])
        let c = logCluster(cfg)
        c.run(until: .milliseconds(600))
        let a = c.nodes[1].store.height
        // A is not starved: the Byzantine node is a correct core underneath and bridges the cut (it re-broadcasts the
        // last commit and answers block sync), so A trails B; the point is that it never commits anything else.
        #expect(c.height > 8 && c.height >= a, "group B (with the Byzantine node) commits")
        let fromByzantine = c.nodes[2].store.blocks.filter { $0.header.proposer == address(0, seed: seed) }
        #expect(!fromByzantine.isEmpty, "B commits blocks of the equivocating proposer")
        c.run(until: .milliseconds(1_200))
        expectClean(c)  // agreement: A commits the same blocks as B
        #expect(c.nodes[1].store.height + 2 >= c.height, "A caught up after the heal")
        #expect(
            c.nodes[1].store.blocks.prefix(Int(a) + 3).map(\.hash)
                == c.nodes[2].store.blocks.prefix(Int(a) + 3).map(\.hash))
        #expect(c.nodes[1].proposalEvidenceCount + c.metrics.evidence > 0, "evidence recorded")
        #expect(c.oracle.accountable == [address(0, seed: seed)], "evidence against the Byzantine node only")
        // The Byzantine proposer's double precommits (one side seen live, the other in a synced certificate) reach
        // the chain as evidence (A12).
        #expect(!c.oracle.committedEvidence.isEmpty, "evidence included in committed blocks")
        #expect(c.oracle.committedEvidence.allSatisfy { $0.offence.validator == address(0, seed: seed) })
    }

    @Test("B09 ByzantineVoteEquivocation_And_Amnesia", arguments: scenarioSeeds)
    func b09(seed: UInt64) {
        // f = 1 of 4: node m double-prevotes and double-precommits (value to one peer, the other to the rest) and
        // prevotes against its own lock; a cut from the round-0 to the round-1 proposer until 200 ms makes h=1 r=0
        // fail after m locked, so that round 1 brings a fresh proposal (`amnesiaScenario`).
        var (cfg, m) = amnesiaScenario(seed: seed)
        cfg.byzantine = [m: amnesiac()]
        let c = logCluster(cfg)
        c.run(until: .seconds(1))
        expectClean(c)
        let fired = amnesia(of: c.nodes[m])?.fired ?? 0
        #expect(fired > 0, "the amnesia rewrite fired")
        #expect(c.height > 20, "progress with an equivocating validator")
        #expect(c.metrics.evidence > 0)
        #expect(
            c.oracle.accountable == [address(m, seed: seed)], "equivocation evidence against the Byzantine node only")
        #expect(c.metrics.committed > 100)
        // The evidence reaches the chain (A12): committed blocks carry it, against the Byzantine node only.
        let committed = c.oracle.committedEvidence
        #expect(!committed.isEmpty, "evidence included in committed blocks")
        #expect(committed.allSatisfy { $0.offence.validator == address(m, seed: seed) })
    }

    @Test(
        "A12 EquivocationCountedOnce_EvidenceStored (cluster): evidence included in a later block",
        arguments: scenarioSeeds)
    func a12(seed: UInt64) {
        // Node 3 prevotes and precommits both its value and nil, to everyone, at every height. The correct nodes
        // count its first vote, keep the pair as evidence, and the next proposers put it into their blocks.
        let c = logCluster(byzantineConfig(seed: seed, byzantine: [3: DoubleVoter()]))
        c.run(until: .milliseconds(600))
        expectClean(c)  // includes: every evidence item verifies against its height's set, one block per offence
        let byz = address(3, seed: seed)
        let committed = c.oracle.committedEvidence
        #expect(c.height > 10)
        #expect(committed.allSatisfy { $0.offence.validator == byz && $0.offence.height <= $0.height })
        #expect(Set(committed.map(\.offence)).count == committed.count, "each offence committed once")
        // Nearly every height's double prevote is in the chain, within a few heights of the offence.
        let prevoteHeights = Set(committed.filter { $0.offence.type == .prevote }.map(\.offence.height))
        let early = (1...(c.height - 3)).filter { prevoteHeights.contains($0) }
        #expect(early.count * 10 >= Int(c.height - 3) * 8, "\(early.count) of \(c.height - 3) heights")
        #expect(committed.allSatisfy { $0.height <= $0.offence.height + 3 }, "included promptly")
        // Every correct node's chain carries the same evidence (agreement), and no node keeps committed evidence.
        for i in [0, 1, 2] {
            let store = c.nodes[i].store
            let items = store.blocks.flatMap { BlockStore.decodeEvidence($0) ?? [] }
            #expect(items.count == committed.filter { $0.height <= store.height }.count)
            #expect(c.nodes[i].pendingEvidence.allSatisfy { !store.isCommitted(Offence($0)) })
        }
    }

    @Test("A12 evidence validity in a proposed block")
    func a12Validity() {
        let seed: UInt64 = 1
        let keys = (0..<4).map { ClusterConfig.nodeKey($0, seed: seed) }
        let set = ValidatorSet(keys.map { Validator(publicKey: $0.publicKey, power: 1) })
        let store = BlockStore(
            chainID: simChainID, genesisStateRoot: LogApplication().stateRoot, validators: set, maxBlockTxs: 10)
        let cache = SignatureCache(capacity: 100)
        func vote(_ k: SigningKey, _ t: VoteType, h: Height, r: Round, _ id: Hash?, chain: String = simChainID) -> Vote
        {
            let bytes = Vote.signBytes(chainID: chain, type: t, height: h, round: r, valueID: id)
            return Vote(
                chainID: chain, type: t, height: h, round: r, valueID: id, validator: k.publicKey.address,
                signature: k.sign(bytes))
        }
        func block(_ evidence: [Evidence], raw: [Bytes]? = nil) -> Block {
            let items = raw ?? evidence.map(\.canonicalBytes)
            let h = store.height + 1
            let header = BlockHeader(
                chainID: simChainID, height: h, timeTicks: Int64(h), previousBlockHash: store.lastBlockHash,
                txRoot: Block.txRoot([]), stateRoot: store.lastStateRoot, resultsRoot: store.lastResultsRoot,
                proposer: keys[0].publicKey.address, lastCommitHash: Hash.sha256([]), validatorsHash: set.hash,
                evidenceHash: Block.evidenceRoot(items))
            return Block(header: header, transactions: [], evidence: items, lastCommit: [])
        }
        let x = Hash.sha256([1])
        let y = Hash.sha256([2])
        let good = Evidence(
            first: vote(keys[2], .prevote, h: 1, r: 0, x), second: vote(keys[2], .prevote, h: 1, r: 0, nil))
        let good2 = Evidence(
            first: vote(keys[1], .precommit, h: 1, r: 2, x), second: vote(keys[1], .precommit, h: 1, r: 2, y))
        #expect(store.isValidNext(block([]), cache: cache))
        #expect(store.isValidNext(block([good, good2]), cache: cache))
        var forged = good
        forged.second.signature = good.first.signature
        let outsider = SigningKey.derive(label: "outsider", seed: 9)
        let bad: [(String, Evidence)] = [
            ("forged signature", forged),
            ("same value", Evidence(first: good.first, second: good.first)),
            ("two validators", Evidence(first: good.first, second: vote(keys[1], .prevote, h: 1, r: 0, nil))),
            ("two rounds", Evidence(first: good.first, second: vote(keys[2], .prevote, h: 1, r: 1, nil))),
            ("two types", Evidence(first: good.first, second: vote(keys[2], .precommit, h: 1, r: 0, nil))),
            (
                "not a validator",
                Evidence(
                    first: vote(outsider, .prevote, h: 1, r: 0, x), second: vote(outsider, .prevote, h: 1, r: 0, nil))
            ),
            (
                "future height",
                Evidence(
                    first: vote(keys[2], .prevote, h: 2, r: 0, x), second: vote(keys[2], .prevote, h: 2, r: 0, nil))
            ),
            (
                "other chain",
                Evidence(
                    first: vote(keys[2], .prevote, h: 1, r: 0, x, chain: "x"),
                    second: vote(keys[2], .prevote, h: 1, r: 0, nil, chain: "x"))
            ),
        ]
        for (why, e) in bad { #expect(!store.isValidNext(block([e]), cache: cache), "\(why)") }
        // One item per offence within a block (also the same offence with the votes swapped); canonical bytes only.
        #expect(!store.isValidNext(block([good, good]), cache: cache))
        #expect(!store.isValidNext(block([good, Evidence(first: good.second, second: good.first)]), cache: cache))
        #expect(!store.isValidNext(block([], raw: [good.canonicalBytes + [0]]), cache: cache))
        #expect(!store.isValidNext(block([], raw: [[1, 2, 3]]), cache: cache))
        // Committed once: the offence cannot be committed again at a later height, whichever pair shows it.
        let b1 = block([good])
        let cert = CommitCertificate(height: 1, round: 0, blockID: b1.hash, signatures: [])
        store.append(
            b1, certificate: cert, stateRoot: store.lastStateRoot, resultsRoot: store.lastResultsRoot, updates: [])
        #expect(store.isCommitted(Offence(good)))
        let swapped = Evidence(first: good.second, second: good.first)
        #expect(!store.isAdmissible(swapped, atHeight: 2, cache: cache))
        #expect(store.isAdmissible(good2, atHeight: 2, cache: cache))
    }

    @Test("B16 FutureMessageFlood_BoundedMemory", arguments: scenarioSeeds)
    func b16(seed: UInt64) {
        // Node 2 floods far-future heights and rounds, next-height votes for ever-new rounds and junk.
        let c = logCluster(
            byzantineConfig(seed: seed, byzantine: [2: FarFutureSpammer(perInput: 8)], trackFootprint: true))
        c.run(until: .seconds(1))
        expectClean(c)
        #expect(c.height > 20, "honest progress")
        let spammed = c.perHeight.reduce(0) { $0 + $1.messagesIn }
        #expect(spammed > 15_000, "the flood reached the nodes")
        for i in [0, 1, 3] {
            let core = c.nodes[i].core!
            #expect(c.nodes[i].maxFootprint < 1_500, "node \(i) footprint \(c.nodes[i].maxFootprint)")
            #expect(core.bufferedCount <= core.config.maxBufferedPerSender * 4)
            #expect(core.round <= 3, "no L55 round skip driven by a single (< f+1) sender")
        }
    }

    @Test("NC-1 TwinsBeyondF_ForksDetected (cluster)", arguments: scenarioSeeds)
    func nc1(seed: UInt64) {
        // Byzantine power 1/2 ≥ 1/3: the height-1 proposer p and node q follow one split (v_A to the correct node
        // a and each other, v_B to the correct node b); a and b cannot talk. The oracle must see the fork, and the
        // evidence must name ≥ f+1 = 2 validators.
        let genesis = ValidatorSet(
            (0..<4).map { Validator(publicKey: ClusterConfig.nodeKey($0, seed: seed).publicKey, power: 1) })
        let keys = (0..<4).map { ClusterConfig.nodeKey($0, seed: seed).publicKey.address }
        let p = keys.firstIndex(of: ProposerSelector(validatorSet: genesis).proposer.address)!
        let q = (p + 1) % 4
        let (a, b) = ((p + 2) % 4, (p + 3) % 4)
        let conflict = ChainNode<LogApplication>.conflictingBlockValue
        let byz: [Int: any ByzantineBehaviour] = [
            p: EquivocatingProposer(
                groupA: [address(a, seed: seed), address(q, seed: seed)], followOthers: true, conflict: conflict),
            q: EquivocatingProposer(
                groupA: [address(a, seed: seed), address(p, seed: seed)], followOthers: true, conflict: conflict),
        ]
        var cfg = byzantineConfig(seed: seed, byzantine: byz, faults: split([a], [b], at: .zero))
        cfg.termination = nil
        let c = logCluster(cfg)
        c.run(until: .milliseconds(300))
        c.finish()
        let forks = c.oracle.violations.filter { $0.hasPrefix("agreement") }
        print(
            "NC-1 (cluster): \(c.oracle.violations.count) violations, first \(c.oracle.violations.first ?? "-"); accountable \(c.oracle.accountable.count)"
        )
        #expect(!forks.isEmpty, "the oracle detects the fork")
        #expect(c.oracle.accountable.count >= 2, "evidence against ≥ f+1 validators")
        #expect(
            Set(c.oracle.accountable).isSubset(of: [address(p, seed: seed), address(q, seed: seed)]),
            "no correct validator is blamed")
    }
}
