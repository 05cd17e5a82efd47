// Scenarios that return a `Verdict` instead of recording issues, so that NC-2 can run each against every
// mutant in-process (mutants injected through `ConsensusConfig.mutations`, not the environment; a test build only:
// `mutated` in Fixtures.swift).

import Foundation
import Ledger
import Stochastic
import Synchronization
import Testing

@testable import Consensus

enum Catalogue {
    typealias Scenario = (name: String, run: (ConsensusMutations) -> Verdict)

    static var all: [Scenario] {
        [
            ("A01 HappyPath_DecideRound0", a01),
            ("A02 L22_LockedRejectsFreshProposal", a02),
            ("A05 L36_ValidValueOnDelayedPrevotes", a05),
            ("A07 L44_NilPolka_PrecommitNil", a07),
            ("A10 L55_RoundSkipOnFPlus1", a10),
            ("A11 Timeouts_IncreasePerRound", a11),
            ("A12 EquivocationCountedOnce", a12),
            ("A14 NoDoubleSignAcrossRestart", a14),
            ("A15 WeightedThresholds", a15),
            ("L29 POLFromLockRound_AfterRecovery", l29EqualRound),
            ("B08 ByzantineConflictingProposals", { b08(mutations: $0) }),
            ("B10 HiddenLock_LivenessViaGossip", { b10(mutations: $0, gossip: true) }),
            ("B11 Twins_Sample(100)", { twinsSweep(seeds: 0..<100, mutations: $0).verdict }),
        ]
    }

    static func a01(_ m: ConsensusMutations) -> Verdict {
        var v = Verdict()
        let f = Fixture(powers: [1, 1, 1, 1])
        var cluster = Cluster(fixture: f, maxHeight: 3, mutations: m)
        cluster.run()
        for h: Height in 1...3 {
            let proposer = f.index(of: cluster.selector(h).proposer.address)
            let expected = Cluster.blockValue(height: h, round: 0, proposer: proposer)
            for i in 0..<f.n {
                let d = cluster.decisions[i].first { $0.height == h }
                v.check(d?.round == 0 && d?.value == expected, "node \(i) decides the proposer's value at \(h)")
            }
        }
        var c = cluster.cores[0]
        _ = c.handle(.startHeight(height: 4, proposers: cluster.selector(4)))
        v.check(c.lockedRound == -1 && c.validRound == -1, "lock and valid value reset at a new height")
        return v
    }

    static func a02(_ m: ConsensusMutations) -> Verdict {
        var verdict = Verdict()
        let f = Fixture(powers: [1, 1, 1, 1])
        let x = f.nonProposer(rounds: 2)
        let v = value("v")
        var c = lockedAtRound0(f, x, v, mutations: m)
        _ = c.handle(.timeout(Timeout(height: 1, round: 0, step: .precommit)))
        let out = c.handle(f.propose(r: 1, value("v'")))
        verdict.check(out.prevotes.map(\.valueID) == [nil], "L22: a locked node prevotes nil on a fresh v'")
        return verdict
    }

    static func a05(_ m: ConsensusMutations) -> Verdict {
        var verdict = Verdict()
        let f = Fixture(powers: [1, 1, 1, 1])
        let x = f.nonProposer(rounds: 1)
        let v = value("v")
        let others = (0..<f.n).filter { $0 != x }
        var (c, _) = f.core(x, mutations: m)
        _ = c.handle(f.propose(r: 0, v))
        _ = c.handle(.timeout(Timeout(height: 1, round: 0, step: .prevote)))
        _ = c.feed(f.prevote(r: 0, v, by: others[0]), f.prevote(r: 0, v, by: others[1]))
        verdict.check(c.validValue == v && c.validRound == 0, "L42–43 after step precommit")
        verdict.check(c.lockedRound == -1, "lock unchanged")
        return verdict
    }

    static func a07(_ m: ConsensusMutations) -> Verdict {
        var verdict = Verdict()
        let f = Fixture(powers: [1, 1, 1, 1])
        let x = f.nonProposer(rounds: 1)
        let others = (0..<f.n).filter { $0 != x }
        var (c, _) = f.core(x, mutations: m)
        _ = c.handle(f.propose(r: 0, value("v")))
        let out = c.feed(f.prevote(r: 0, nil, by: others[0]), f.prevote(r: 0, nil, by: others[1]))
        verdict.check(out.precommits.isEmpty, "2 of 4 nil prevotes are not 2f+1")
        let more = c.handle(f.prevote(r: 0, nil, by: others[2]))
        verdict.check(more.precommits.map(\.valueID) == [nil], "3 of 4: precommit nil")
        return verdict
    }

    static func a10(_ m: ConsensusMutations) -> Verdict {
        var verdict = Verdict()
        let f = Fixture(powers: [1, 1, 1, 1, 1, 1, 1])
        let x = f.nonProposer(rounds: 4)
        let others = (0..<f.n).filter { $0 != x }
        var (c, _) = f.core(x, mutations: m)
        _ = c.feed(f.prevote(r: 3, nil, by: others[0]), f.prevote(r: 3, nil, by: others[1]))
        verdict.check(c.round == 0, "f senders do not trigger L55")
        _ = c.handle(f.precommit(r: 3, nil, by: others[2]))
        verdict.check(c.round == 3, "f+1 senders trigger L55")
        return verdict
    }

    static func a11(_ m: ConsensusMutations) -> Verdict {
        var verdict = Verdict()
        let f = Fixture(powers: [1, 1, 1, 1])
        let x = f.nonProposer(rounds: 1)
        let cfg = TimeoutConfig.test
        var (c, out) = f.core(x, mutations: m)
        for r: Round in 0...3 {
            verdict.check(out.timeouts.map(\.1) == [cfg.proposeInit + r * cfg.proposeDelta], "propose timeout r=\(r)")
            out = c.handle(.timeout(Timeout(height: 1, round: r, step: .precommit)))  // StartRound(r + 1)
        }
        return verdict
    }

    static func a12(_ m: ConsensusMutations) -> Verdict {
        var verdict = Verdict()
        let f = Fixture(powers: [1, 1, 1, 1])
        let x = f.nonProposer(rounds: 1)
        let a = (0..<f.n).first { $0 != x }!
        var (c, _) = f.core(x, mutations: m)
        let first = f.vote(.prevote, r: 0, value("v").id, by: a)
        let second = f.vote(.prevote, r: 0, nil, by: a)
        let out = c.feed(.vote(first), .vote(second), .vote(second), .vote(first))
        verdict.check(out.evidence.count == 1, "evidence once")
        verdict.check(c.votes?.totalPower(.prevote, round: 0) == 1, "the first vote counts, once")
        return verdict
    }

    static func a14(_ m: ConsensusMutations) -> Verdict {
        var verdict = Verdict()
        let f = Fixture(powers: [1, 1, 1, 1])
        let x = f.nonProposer(rounds: 1)
        var (c, _) = f.core(x, mutations: m)
        let out = c.handle(f.propose(r: 0, value("v")))
        let signed = out.prevotes.first
        var (d, _) = f.core(x, mutations: m, signerState: out.persisted.last ?? .initial)
        let again = d.handle(f.propose(r: 0, value("v'")))
        verdict.check(signed != nil && again.prevotes.allSatisfy { $0 == signed }, "no conflicting vote after restart")
        return verdict
    }

    static func a15(_ m: ConsensusMutations) -> Verdict {
        var verdict = Verdict()
        let f = Fixture(powers: [30, 30, 20, 10])
        let v = value("v")
        var (c, _) = f.core(2, mutations: m)
        _ = c.handle(f.propose(r: 0, v))
        var out = c.feed(f.precommit(r: 0, v, by: 0), f.precommit(r: 0, v, by: 1))
        verdict.check(out.decisions.isEmpty, "exactly 2/3 does not commit")
        out = c.handle(f.precommit(r: 0, v, by: 3))
        verdict.check(out.decisions.first?.value == v, "> 2/3 commits")
        return verdict
    }

    /// L29 with vr = lockedRound and a value other than the lock. Within one height and one vote keeper this
    /// cannot happen (two > 2/3 prevote quorums in one round need a validator counted twice), which is why the
    /// `lockedRoundLessThanInsteadOfLE` mutant survives every single-keeper scenario. After a restart the lock
    /// comes from the write-ahead log while the vote keeper starts empty, so with more than f equivocators the
    /// keeper can hold a proof of lock change for v' from the lock's own round; the paper's rule
    /// (lockedRound ≤ vr) then prevotes v'.
    static func l29EqualRound(_ m: ConsensusMutations) -> Verdict {
        var verdict = Verdict()
        let f = Fixture(powers: [1, 1, 1, 1])
        let x = f.nonProposer(rounds: 2)
        let v = value("v")
        let w = value("v'")
        let others = (0..<f.n).filter { $0 != x }
        var (c, first) = f.core(x, mutations: m)
        var wal = ConsensusWAL()
        var signer = SignerState.initial
        func persist(_ out: [ConsensusOutput]) {
            for o in out {
                if case .persistWAL(let r) = o { wal.append(r) }
                if case .persistSignerState(let s) = o { signer = s }
            }
        }
        persist(first)
        persist(c.handle(f.propose(r: 0, v)))
        persist(c.feed(f.prevote(r: 0, v, by: others[0]), f.prevote(r: 0, v, by: others[1])))
        verdict.check(c.lockedValue == v && c.lockedRound == 0, "locked on v at round 0")
        // Crash; restart from the WAL's bytes and the signer state.
        let recovered = ConsensusWAL.recover(from: wal.bytes).wal
        var d = ConsensusCore(
            config: mutated(ConsensusConfig(chainID: testChainID), m), key: f.keys[x],
            signerState: signer, recovering: recovered.latest, cache: f.cache, validity: { _, _ in true })
        _ = d.handle(.startHeight(height: 1, proposers: f.selector))
        verdict.check(d.lockedValue == v && d.lockedRound == 0, "lock recovered from the WAL")
        // More than f equivocators: a round-0 polka for v' in the fresh keeper.
        _ = d.feed(
            f.prevote(r: 0, w, by: others[0]), f.prevote(r: 0, w, by: others[1]), f.prevote(r: 0, w, by: others[2]))
        _ = d.feed(f.precommit(r: 1, nil, by: others[0]), f.precommit(r: 1, nil, by: others[1]))
        verdict.check(d.round == 1, "round 1 by L55")
        let out = d.handle(f.propose(r: 1, w, vr: 0))
        verdict.check(out.prevotes.map(\.valueID) == [w.id], "L29: lockedRound (0) ≤ vr (0): prevote v'")
        return verdict
    }

    // MARK: - Multi-node

    /// B08: the round-0 proposer sends v_A to A = {one node} and v_B to B = {two nodes}, and votes both; A is cut
    /// off from B until `heal`. B commits v_B; after the heal A commits the same block; evidence is recorded.
    static func b08(mutations m: ConsensusMutations) -> Verdict {
        var verdict = Verdict()
        let f = Fixture(powers: [1, 1, 1, 1])
        let byz = f.proposer(round: 0)
        let honest = (0..<f.n).filter { $0 != byz }
        let a = honest[0]
        let b = Array(honest.dropFirst())
        var net = SimNet(fixture: f, maxHeight: 2, mutations: m)
        net.makeByzantine(byz, EquivocatingProposer(groupA: [f.address(a)]))
        let heal: Int64 = 300_000
        net.connected = { t, from, to in
            t >= heal || !((from == a && b.contains(to)) || (to == a && b.contains(from)))
        }
        net.healAt(heal)
        net.relay = true
        net.rebroadcastEvery = 100_000
        net.start()
        net.run(until: heal - 1)
        let bDecided = b.map { net.decisions[$0].first { $0.height == 1 } }
        verdict.check(bDecided.allSatisfy { $0 != nil }, "B commits during the partition")
        verdict.check(net.decisions[a].isEmpty, "A does not commit alone")
        net.run(until: 3_000_000)
        verdict.check(net.agreement(among: honest).ok, "agreement \(net.agreement(among: honest).detail)")
        verdict.check(net.decidedHeight(honest) >= 1, "A commits after the heal")
        let evidenceAgainst = Set(
            honest.flatMap { i in
                net.core(i).evidencePool.map(\.validator) + net.core(i).proposalEvidencePool.map(\.validator)
            })
        verdict.check(evidenceAgainst == [f.address(byz)], "evidence against the equivocator only")
        verdict.check(
            honest.contains { !net.core($0).proposalEvidencePool.isEmpty }, "the conflicting proposals are evidence")
        return verdict
    }

    /// B10 (Malachite `hiddenLockRun`): the Byzantine round-0 proposer sends v to {c1, c2} and v' to c3, prevotes
    /// v, withholds its precommit and then crashes; c1's round-0 prevote never reaches c3 by broadcast. c1 and c2
    /// lock v; c3 cannot see the lock. With POL re-broadcast and vote requests c3 gets the proof of lock change
    /// when v is re-proposed and everyone decides; without (`gossip: false`) c3 prevotes nil for ever.
    static func b10(mutations m: ConsensusMutations, gossip: Bool) -> Verdict {
        var verdict = Verdict()
        let f = Fixture(powers: [1, 1, 1, 1])
        let byz = f.proposer(round: 0)
        let honest = (0..<f.n).filter { $0 != byz }
        // c3: the node that misses the lock; pick one that is not the round-1 proposer, so a locked node re-proposes
        // early.
        let c3 = honest.first { $0 != f.proposer(round: 1) }!
        let lockers = honest.filter { $0 != c3 }
        let c1 = lockers[0]
        var net = SimNet(fixture: f, maxHeight: 1, mutations: m)
        net.makeByzantine(
            byz,
            CombinedBehaviour([
                EquivocatingProposer(groupA: lockers.map { f.address($0) }, alsoVotes: false),
                Withholding(proposals: false, prevotes: false, precommits: true),
            ]))
        net.crashAt[byz] = 5_000
        net.drops = { _, from, to, input in
            if case .vote(let v) = input, from == c1, to == c3, v.type == .prevote, v.round == 0 { return true }
            return false
        }
        net.rebroadcastEvery = gossip ? 50_000 : nil
        net.answerVoteRequests = gossip
        net.start()
        net.run(until: 20_000_000)
        let decided = honest.filter { !net.decisions[$0].isEmpty }
        if gossip {
            verdict.check(decided == honest, "all correct nodes decide (decided: \(decided))")
            verdict.check(net.agreement(among: honest).ok, "agreement")
            let rounds = honest.compactMap { net.decisions[$0].first?.round }
            verdict.check(rounds.allSatisfy { $0 <= 8 }, "within a bounded number of rounds: \(rounds)")
        } else {
            verdict.check(decided.isEmpty, "without re-gossip nobody decides (decided: \(decided))")
            verdict.check(net.core(c3).lockedRound == -1, "c3 never sees the lock")
        }
        return verdict
    }

    // MARK: - Twins

    struct TwinsOutcome {
        var scenarios = 0
        var unsafe: [(seed: UInt64, detail: String)] = []
        var notLive: [UInt64] = []
        var newCommitInSync = 0
        var evidenceValidators: [UInt64: Int] = [:]
        var deliveries = 0

        var verdict: Verdict {
            var v = Verdict()
            v.check(
                unsafe.isEmpty,
                "safety violated in \(unsafe.count) scenarios, first \(unsafe.first.map { "\($0)" } ?? "")")
            v.check(
                notLive.isEmpty, "liveness violated in \(notLive.count) scenarios, first seeds \(notLive.prefix(5))")
            return v
        }

        mutating func merge(_ o: TwinsOutcome) {
            scenarios += o.scenarios
            unsafe += o.unsafe
            notLive += o.notLive
            newCommitInSync += o.newCommitInSync
            deliveries += o.deliveries
            evidenceValidators.merge(o.evidenceValidators) { a, _ in a }
        }
    }

    /// The twins scenario parameters (B11): n validators, `twins` doubled, `rounds` partitioned phases of
    /// `phase` ticks each with a seeded 2-partition of the nodes (or full connectivity, one phase in four), then a
    /// fully connected tail of `tail` ticks (≥ 3 consensus rounds at the rounds reached). Messages across a
    /// partition are held and delivered when the link heals (reliable gossip).
    struct TwinsConfig {
        var powers: [UInt64] = [1, 1, 1, 1]
        var twins: [Int] = [0]
        var rounds = 7
        var phase: Int64 = 40_000
        var latency: Int64 = 5_000
        var tail: Int64 = 3_000_000
        var maxHeight: Height = 2
    }

    /// Runs one seeded twins scenario; returns (safe, live, detail, new commit in the tail, evidence count).
    static func twinsScenario(
        seed: UInt64, config: TwinsConfig, fixture f: Fixture, memo: SigningMemo, mutations m: ConsensusMutations
    ) -> (safe: Bool, live: Bool, detail: String, newInTail: Bool, evidenceAgainst: Int, deliveries: Int) {
        var rng = SplitMix64(seed: seed)
        let n = f.n
        // Rotate which validator is twinned with the seed when a single twin is configured.
        let doubled = config.twins.count == 1 ? [Int(rng.next() % UInt64(n))] : config.twins
        let nodes = n + doubled.count
        var sides: [[UInt8]] = []
        for _ in 0..<config.rounds {
            if rng.next() % 4 == 0 {
                sides.append(Array(repeating: 0, count: nodes))
            } else {
                var s = (0..<nodes).map { _ in UInt8(rng.next() & 1) }
                if s.allSatisfy({ $0 == s[0] }) { s[Int(rng.next() % UInt64(nodes))] ^= 1 }
                sides.append(s)
            }
        }
        var net = SimNet(fixture: f, maxHeight: config.maxHeight, mutations: m, twins: doubled, memo: memo)
        net.latency = config.latency
        let phase = config.phase
        let partitioned = sides
        net.connected = { t, a, b in
            let p = Int(t / phase)
            return p >= partitioned.count || partitioned[p][a] == partitioned[p][b]
        }
        for p in 1...config.rounds { net.healAt(Int64(p) * phase) }
        let end = Int64(config.rounds) * phase
        net.start()
        net.run(until: end)
        let correct = (0..<n).filter { !doubled.contains($0) }
        let atHeal = correct.map { net.decisions[$0].last?.height ?? 0 }
        net.run(until: end + config.tail)
        // Safety: the committed logs of the non-twin nodes are position-wise identical.
        let (safe, detail) = net.agreement(among: correct)
        let live = correct.allSatisfy { net.decisions[$0].last?.height == config.maxHeight }
        let after = correct.map { net.decisions[$0].last?.height ?? 0 }
        let newInTail = zip(atHeal, after).contains { $0 < $1 }
        let against = Set(
            correct.flatMap { i in
                net.core(i).evidencePool.map(\.validator) + net.core(i).proposalEvidencePool.map(\.validator)
            })
        return (safe, live, detail, newInTail, against.count, net.handled)
    }

    /// Runs the scenarios of `seeds` on two workers (each with its own fixture, signature cache and memo).
    static func twinsSweep(
        seeds: Range<UInt64>, config: TwinsConfig = TwinsConfig(), mutations m: ConsensusMutations = [],
        workers: Int = 2
    ) -> TwinsOutcome {
        let results = Mutex<[TwinsOutcome]>([])
        let cfg = config
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let f = Fixture(powers: cfg.powers)
            let memo = SigningMemo()
            var o = TwinsOutcome()
            for seed in seeds where Int(seed % UInt64(workers)) == w {
                let r = twinsScenario(seed: seed, config: cfg, fixture: f, memo: memo, mutations: m)
                o.scenarios += 1
                o.deliveries += r.deliveries
                if !r.safe { o.unsafe.append((seed, r.detail)) }
                if !r.live { o.notLive.append(seed) }
                if r.newInTail { o.newCommitInSync += 1 }
                if !r.safe { o.evidenceValidators[seed] = r.evidenceAgainst }
            }
            results.withLock { $0.append(o) }
        }
        var total = TwinsOutcome()
        for o in results.withLock({ $0 }) { total.merge(o) }
        total.unsafe.sort { $0.seed < $1.seed }
        total.notLive.sort()
        return total
    }
}
