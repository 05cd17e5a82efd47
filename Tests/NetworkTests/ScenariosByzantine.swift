// Byzantine scenarios of consensus-tests.md §5.4 (B08, B09, B16) and the negative control NC-1 (§5.3) at the
// cluster level: ChainNodes with Byzantine behaviours, the full Oracle on the correct nodes.

import Consensus
import Foundation
import DiscreteEvent
import Ledger
@testable import Network
import Testing

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
    a.flatMap { i in b.flatMap { j in [ScheduledFault(at: at, .cut(from: i, to: j)), ScheduledFault(at: at, .cut(from: j, to: i))] } }
}

@Suite("B: Byzantine validators at the cluster level")
struct ScenariosByzantine {
    @Test("B08 ByzantineConflictingProposals_WithPartition", arguments: scenarioSeeds)
    func b08(seed: UInt64) {
        // Node 0 proposes v_A to node 1 (group A) and a different valid block v_B to nodes 2 and 3 (group B), and
        // votes both ways; A is cut off from B until the heal.
        let byz = EquivocatingProposer(groupA: [address(1, seed: seed)], conflict: ChainNode<LogApplication>.conflictingBlockValue)
        let cfg = byzantineConfig(
            seed: seed, byzantine: [0: byz], faults: split([1], [2, 3], at: .zero) + [ScheduledFault(at: .milliseconds(600), .heal)])
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
        #expect(c.nodes[1].store.blocks.prefix(Int(a) + 3).map(\.hash) == c.nodes[2].store.blocks.prefix(Int(a) + 3).map(\.hash))
        #expect(c.nodes[1].proposalEvidenceCount + c.metrics.evidence > 0, "evidence recorded")
        #expect(c.oracle.accountable == [address(0, seed: seed)], "evidence against the Byzantine node only")
    }

    @Test("B09 ByzantineVoteEquivocation_And_Amnesia", arguments: scenarioSeeds)
    func b09(seed: UInt64) {
        // f = 1 of 4: node 3 double-prevotes and double-precommits (nil ↔ value, to everyone) and prevotes against
        // its own lock.
        let byz = CombinedBehaviour([Amnesia(), DoubleVoter()])
        let c = logCluster(byzantineConfig(seed: seed, byzantine: [3: byz]))
        c.run(until: .seconds(1))
        expectClean(c)
        #expect(c.height > 20, "progress with an equivocating validator")
        #expect(c.metrics.evidence > 0)
        #expect(c.oracle.accountable == [address(3, seed: seed)], "equivocation evidence against the Byzantine node only")
        #expect(c.metrics.committed > 100)
    }

    @Test("B16 FutureMessageFlood_BoundedMemory", arguments: scenarioSeeds)
    func b16(seed: UInt64) {
        // Node 2 floods far-future heights and rounds, next-height votes for ever-new rounds and junk.
        let c = logCluster(byzantineConfig(seed: seed, byzantine: [2: FarFutureSpammer(perInput: 8)], trackFootprint: true))
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
        let genesis = ValidatorSet((0..<4).map { Validator(publicKey: ClusterConfig.nodeKey($0, seed: seed).publicKey, power: 1) })
        let keys = (0..<4).map { ClusterConfig.nodeKey($0, seed: seed).publicKey.address }
        let p = keys.firstIndex(of: ProposerSelector(validatorSet: genesis).proposer.address)!
        let q = (p + 1) % 4
        let (a, b) = ((p + 2) % 4, (p + 3) % 4)
        let conflict = ChainNode<LogApplication>.conflictingBlockValue
        let byz: [Int: any ByzantineBehaviour] = [
            p: EquivocatingProposer(groupA: [address(a, seed: seed), address(q, seed: seed)], followOthers: true, conflict: conflict),
            q: EquivocatingProposer(groupA: [address(a, seed: seed), address(p, seed: seed)], followOthers: true, conflict: conflict),
        ]
        var cfg = byzantineConfig(seed: seed, byzantine: byz, faults: split([a], [b], at: .zero))
        cfg.termination = nil
        let c = logCluster(cfg)
        c.run(until: .milliseconds(300))
        c.finish()
        let forks = c.oracle.violations.filter { $0.hasPrefix("agreement") }
        print("NC-1 (cluster): \(c.oracle.violations.count) violations, first \(c.oracle.violations.first ?? "-"); accountable \(c.oracle.accountable.count)")
        #expect(!forks.isEmpty, "the oracle detects the fork")
        #expect(c.oracle.accountable.count >= 2, "evidence against ≥ f+1 validators")
        #expect(Set(c.oracle.accountable).isSubset(of: [address(p, seed: seed), address(q, seed: seed)]), "no correct validator is blamed")
    }
}
