// Multi-node scenarios (B04, B08–B11, B16), the negative controls NC-1 and NC-2, and unit tests of the pieces
// added for them (proposal evidence, POL re-broadcast, vote requests, round window, WAL).

import Foundation
import Ledger
import Stochastic
import Testing

@testable import Consensus

@Suite("B: Byzantine, twins and recovery scenarios")
struct ScenariosB {
    // MARK: - Pieces

    @Test("Equivocating proposal: rejected, and both signed proposals are evidence, once")
    func proposalEvidence() throws {
        let f = Fixture(powers: [1, 1, 1, 1])
        let x = f.nonProposer(rounds: 1)
        var (c, _) = f.core(x)
        let p = f.proposal(r: 0, value("a"))
        let q = f.proposal(r: 0, value("b"))
        _ = c.handle(.proposal(p))
        let out = c.feed(.proposal(q), .proposal(q), .proposal(p))
        let evidence = out.compactMap { if case .proposalEvidence(let e) = $0 { e } else { nil } }
        #expect(evidence == [ProposalEvidence(first: p, second: q)])
        #expect(c.proposals[0] == p, "the first proposal stands")
        #expect(
            c.proposalEvidencePool.first?.verify(validatorSet: f.validatorSet, chainID: testChainID, cache: f.cache)
                == true)
        #expect(try ProposalEvidence.decode(canonical: evidence[0].canonicalBytes) == evidence[0])
    }

    @Test("rebroadcastTick re-sends the proof of lock change of a re-proposal; votesRequested is answered")
    func polRebroadcastAndVoteRequests() {
        let f = Fixture(powers: [1, 1, 1, 1])
        let x = f.proposer(round: 1)
        let v = value("v")
        let others = (0..<f.n).filter { $0 != x }
        var (c, _) = f.core(x)
        _ = c.handle(f.propose(r: 0, v))
        _ = c.feed(f.prevote(r: 0, v, by: others[0]), f.prevote(r: 0, v, by: others[1]))
        let out = c.handle(.timeout(Timeout(height: 1, round: 0, step: .precommit)))  // re-proposes v, vr = 0
        #expect(out.proposals.first?.validRound == 0)
        let again = c.handle(.rebroadcastTick)
        let pol = again.votes.filter { $0.type == .prevote && $0.round == 0 && $0.valueID == v.id }
        #expect(Set(pol.map(\.validator)) == Set([x, others[0], others[1]].map { f.address($0) }), "POL re-sent")
        let answer = c.handle(.votesRequested(height: 1, round: 0, from: f.address(others[2])))
        let sent = answer.compactMap { if case .sendVote(let v, let to) = $0 { (v, to) } else { nil } }
        #expect(sent.count == 4 && sent.allSatisfy { $0.1 == f.address(others[2]) }, "3 prevotes + own precommit")
        // A node seeing the re-proposal without the POL asks for it.
        var (d, _) = f.core(others[2])
        _ = d.feed(f.precommit(r: 1, nil, by: others[0]), f.precommit(r: 1, nil, by: others[1]))
        let asked = d.handle(.proposal(out.proposals[0]))
        #expect(asked.contains(.requestVotes(height: 1, round: 0)))
    }

    @Test("Late precommits of the previous height extend lastCommit")
    func lastCommitExtension() {
        let f = Fixture(powers: [1, 1, 1, 1])
        let x = f.nonProposer(rounds: 1)
        let v = value("v")
        let others = (0..<f.n).filter { $0 != x }
        var (c, _) = f.core(x)
        _ = c.handle(f.propose(r: 0, v))
        _ = c.feed(f.prevote(r: 0, v, by: others[0]), f.prevote(r: 0, v, by: others[1]))  // precommit v
        let out = c.feed(f.precommit(r: 0, v, by: others[0]), f.precommit(r: 0, v, by: others[1]))
        #expect(out.decisions.count == 1)
        _ = c.handle(.startHeight(height: 2, proposers: f.selector(at: 2)))
        #expect(c.lastCommit?.signatures.count == 3)
        let late = c.handle(f.precommit(r: 0, v, by: others[2]))
        #expect(late.rejections.isEmpty)
        #expect(c.lastCommit?.signatures.count == 4)
        #expect(c.lastCommit?.verify(validatorSet: f.validatorSet, chainID: testChainID, cache: f.cache) == true)
        #expect(c.handle(f.precommit(r: 0, value("w"), by: others[2])).rejections == [.wrongHeight])
    }

    @Test("Round window: far rounds are not stored; f+1 far senders still move the round; f do not")
    func roundWindow() {
        let f = Fixture(powers: [1, 1, 1, 1, 1, 1, 1])  // f = 2
        let x = f.nonProposer(rounds: 1)
        let others = (0..<f.n).filter { $0 != x }
        var (c, _) = f.core(x)
        let far: Round = 10_000
        var out: [ConsensusOutput] = []
        for k in 0..<50 {
            out += c.handle(f.prevote(r: far + Round(k), nil, by: others[0]))
            out += c.handle(f.precommit(r: far + Round(k), nil, by: others[1]))
        }
        #expect(out.rejections.allSatisfy { $0 == .roundTooFar } && out.rejections.count == 100)
        #expect(c.round == 0, "f far senders do not move the round")
        #expect(c.votes?.storedVotes == 0 && c.farRounds.count == 2)
        _ = c.handle(f.prevote(r: far + 5, nil, by: others[2]))
        #expect(c.round == far + 5, "f+1 far senders: StartRound at the largest round f+1 reached")
    }

    @Test("Next-height buffer: per-sender quota, duplicates and forged senders dropped")
    func bufferQuota() {
        let f = Fixture(powers: [1, 1, 1, 1])
        let x = f.nonProposer(rounds: 1)
        let a = (0..<f.n).first { $0 != x }!
        var (c, _) = f.core(x)
        var out: [ConsensusOutput] = []
        for r in 0..<400 { out += c.handle(f.prevote(r: Round(r), nil, by: a, h: 2)) }
        out += c.handle(f.prevote(r: 0, nil, by: a, h: 2))
        #expect(c.bufferedCount == c.config.maxBufferedPerSender)
        #expect(out.rejections.filter { $0 == .senderQuotaFull }.count == 400 - c.config.maxBufferedPerSender)
        var forged = f.vote(.prevote, h: 2, r: 0, nil, by: a)
        forged.round = 7
        #expect(c.handle(.vote(forged)).rejections == [.badSignature])
    }

    @Test("ConsensusWAL: round trip; a torn or corrupt tail is dropped")
    func walFraming() {
        var wal = ConsensusWAL()
        let a = WALRecord(height: 1, round: 0, lockedValue: nil, lockedRound: -1, validValue: nil, validRound: -1)
        let b = WALRecord(
            height: 1, round: 2, lockedValue: value("v"), lockedRound: 1, validValue: value("v"), validRound: 1)
        wal.append(a)
        wal.append(b)
        #expect(ConsensusWAL.recover(from: wal.bytes).wal == wal)
        #expect(ConsensusWAL.recover(from: wal.bytes).truncated == false)
        for cut in 1..<wal.bytes.count {
            let (r, truncated) = ConsensusWAL.recover(from: Array(wal.bytes.dropLast(cut)))
            #expect(truncated || r.records.count < 2)
            #expect(r.records == Array(wal.records.prefix(r.records.count)), "an intact prefix")
        }
        var corrupt = wal.bytes
        corrupt[corrupt.count - 6] ^= 1
        #expect(ConsensusWAL.recover(from: corrupt).wal.latest == a)
    }

    // MARK: - B04

    /// B04 at the core level: node x runs a scripted height in which it locks v in round 0 and then sees a fresh
    /// v' in round 1. It is crashed after every input (every step boundary), with the last WAL record torn or
    /// intact, restarted from what it persisted, and fed the rest of the script. It never signs two different
    /// messages for one (height, round, step), keeps its lock, and decides the same value as without a crash.
    @Test("B04 CrashRestart_AtEveryStep_WAL", arguments: [false, true])
    func B04_CrashRestart_AtEveryStep_WAL(tornLastRecord: Bool) {
        let f = Fixture(powers: [1, 1, 1, 1])
        let x = f.nonProposer(rounds: 3)
        let v = value("v")
        let w = value("v'")
        let o = (0..<f.n).filter { $0 != x }
        let script: [ConsensusInput] = [
            f.propose(r: 0, v), f.prevote(r: 0, v, by: o[0]), f.prevote(r: 0, v, by: o[1]),
            .timeout(Timeout(height: 1, round: 0, step: .precommit)),
            f.propose(r: 1, w), f.prevote(r: 1, nil, by: o[0]), f.prevote(r: 1, nil, by: o[1]),
            .timeout(Timeout(height: 1, round: 1, step: .prevote)), f.precommit(r: 1, nil, by: o[0]),
            f.precommit(r: 1, nil, by: o[1]), .timeout(Timeout(height: 1, round: 1, step: .precommit)),
            f.propose(r: 2, v, vr: 0), f.prevote(r: 2, v, by: o[0]), f.prevote(r: 2, v, by: o[1]),
            f.precommit(r: 2, v, by: o[0]), f.precommit(r: 2, v, by: o[1]),
        ]
        func config() -> ConsensusConfig { mutated(ConsensusConfig(chainID: testChainID), []) }
        // Reference run.
        var (ref, _) = f.core(x)
        let refOut = script.flatMap { ref.handle($0) }
        let refDecision = refOut.decisions.first?.value
        #expect(refDecision == v)
        for crashAfter in 0..<script.count {
            var (c, first) = f.core(x)
            var wal = ConsensusWAL()
            var walBytes: Bytes = []
            var signer = SignerState.initial
            var sent: [Vote] = []
            var torn = false
            // The driver: each output carried out in order; a WAL record is durable before anything after it.
            func carry(_ out: [ConsensusOutput], tearLastRecord: Bool) {
                let lastRecord = out.lastIndex { if case .persistWAL = $0 { true } else { false } }
                for (k, o) in out.enumerated() {
                    if tearLastRecord, k == lastRecord, case .persistWAL(let r) = o {
                        var one = ConsensusWAL()
                        one.append(r)
                        walBytes += one.bytes.prefix(3)  // the crash tears this write; nothing after it happens
                        torn = true
                        return
                    }
                    switch o {
                    case .persistWAL(let r):
                        wal.append(r)
                        walBytes = wal.bytes
                    case .persistSignerState(let s): signer = s
                    case .broadcastVote(let v): sent.append(v)
                    default: break
                    }
                }
            }
            carry(first, tearLastRecord: false)
            for (k, input) in script[...crashAfter].enumerated() {
                carry(c.handle(input), tearLastRecord: tornLastRecord && k == crashAfter)
            }
            let lockBefore = c.lockedValue
            let recovered = ConsensusWAL.recover(from: walBytes)
            #expect(recovered.truncated == torn)
            var d = ConsensusCore(
                config: config(), key: f.keys[x], signerState: signer, recovering: recovered.wal.latest,
                cache: f.cache, validity: { _, _ in true })
            var after = d.handle(.startHeight(height: 1, proposers: f.selector))
            // Peers hand back the node's own earlier votes (gossip), which its guard will not sign again.
            for v in sent { after += d.handle(.vote(v)) }
            // Peers re-send what the node may have missed (gossip): the whole script so far, then the rest.
            for input in script { after += d.handle(input) }
            sent += after.votes
            // Never two different signatures for one (round, type).
            var byStep: [String: Hash?] = [:]
            for v in sent {
                let k = "\(v.round)/\(v.type)"
                if let prior = byStep[k] {
                    #expect(prior == v.valueID, "crash after \(crashAfter): double sign at \(k)")
                }
                byStep[k] = v.valueID
            }
            if !torn, lockBefore != nil {
                #expect(after.prevotes.filter { $0.round == 1 }.allSatisfy { $0.valueID != w.id }, "lock kept")
            }
            let decided = after.decisions.first?.value
            #expect(decided == refDecision, "crash after input \(crashAfter): rejoins and decides the same value")
        }
    }

    // MARK: - Byzantine scenarios

    @Test("B08 ByzantineConflictingProposals_WithPartition")
    func B08_ByzantineConflictingProposals_WithPartition() {
        Catalogue.b08(mutations: []).expectOK()
    }

    enum ByzantineKind: String, CaseIterable {
        case doubleVotesSplit, doubleVotesAll, amnesia, withholding, lunatic, equivocatingProposer
    }

    /// B09 and the other adversaries: one Byzantine node of four (f = 1); the three correct nodes agree and
    /// decide every height; equivocation yields evidence against the Byzantine node only.
    @Test("B09 ByzantineVoteEquivocation_And_Amnesia (and every adversary)", arguments: ByzantineKind.allCases)
    func B09_ByzantineVoteEquivocation_And_Amnesia(_ kind: ByzantineKind) {
        let f = Fixture(powers: [1, 1, 1, 1])
        // Amnesia needs a lock and a later round with another proposal. The amnesiac node proposes neither round 0
        // nor 1; at h=1 r=0 the round-1 proposer gets neither the round-0 proposal nor its proposer's prevote, and
        // the third correct node's precommit is lost: r=0 fails after the amnesiac core locked, and r=1 brings a
        // fresh block.
        let byz = kind == .amnesia ? f.nonProposer(rounds: 2) : f.proposer(round: 0)
        let honest = (0..<f.n).filter { $0 != byz }
        var net = SimNet(fixture: f, maxHeight: 4)
        let behaviour: any ByzantineBehaviour
        switch kind {
        case .doubleVotesSplit: behaviour = DoubleVoter(split: true)
        case .doubleVotesAll: behaviour = DoubleVoter(split: false)
        case .amnesia:
            behaviour = CombinedBehaviour([Amnesia(), DoubleVoter(prevotes: false, precommits: true)])
            let (p0, p1) = (f.address(f.proposer(round: 0)), f.proposer(round: 1))
            let y = f.address((0..<f.n).first { ![byz, p1, f.proposer(round: 0)].contains($0) }!)
            net.drops = { _, _, to, input in
                switch input {
                case .proposal(let p): return to == p1 && p.proposer == p0 && p.height == 1 && p.round == 0
                case .vote(let v) where v.height == 1 && v.round == 0:
                    return v.type == .prevote ? to == p1 && v.validator == p0 : v.validator == y
                default: return false
                }
            }
        case .withholding: behaviour = Withholding()
        case .lunatic: behaviour = LunaticProposer()
        case .equivocatingProposer: behaviour = EquivocatingProposer(groupA: [f.address(honest[0])])
        }
        net.makeByzantine(byz, behaviour)
        net.relay = true
        net.rebroadcastEvery = 200_000
        net.start()
        net.run(until: 10_000_000)
        let agreement = net.agreement(among: honest)
        #expect(agreement.ok, "\(agreement.detail)")
        #expect(net.decidedHeight(honest) == 4, "every correct node decides heights 1–4")
        for i in honest {
            for d in net.decisions[i] {
                #expect(d.value.payload.first != UInt8(ascii: "!"), "no invalid block is decided")
                #expect(d.certificate.verify(validatorSet: f.validatorSet, chainID: testChainID, cache: f.cache))
            }
        }
        let against = Set(
            honest.flatMap {
                net.core($0).evidencePool.map(\.validator) + net.core($0).proposalEvidencePool.map(\.validator)
            })
        #expect(against.isSubset(of: [f.address(byz)]), "evidence only against the Byzantine node")
        switch kind {
        case .doubleVotesSplit, .doubleVotesAll, .amnesia:
            #expect(against == [f.address(byz)], "equivocation produces evidence")
            if kind == .amnesia {
                let parts = (net.byzantine[byz]?.behaviour as? CombinedBehaviour)?.parts ?? []
                let fired = parts.compactMap { ($0 as? Amnesia)?.fired }.reduce(0, +)
                print(
                    "B09 (core): amnesia fired \(fired) times; h=1 decided in rounds \(honest.map { i in net.decisions[i].first?.round ?? -1 })"
                )
                #expect(fired > 0, "the amnesia rewrite fired")
            }
        case .equivocatingProposer:
            #expect(honest.contains { !net.core($0).proposalEvidencePool.isEmpty })
        case .withholding, .lunatic:
            break
        }
    }

    @Test("B10 HiddenLock_LivenessViaGossip", arguments: [true, false])
    func B10_HiddenLock_LivenessViaGossip(gossip: Bool) {
        Catalogue.b10(mutations: [], gossip: gossip).expectOK()
    }

    @Test("B16 FutureMessageFlood_BoundedMemory")
    func B16_FutureMessageFlood_BoundedMemory() {
        let f = Fixture(powers: [1, 1, 1, 1])
        let spammer = f.nonProposer(rounds: 1)
        let honest = (0..<f.n).filter { $0 != spammer }
        var net = SimNet(fixture: f, maxHeight: 5)
        net.makeByzantine(spammer, FarFutureSpammer(perInput: 12))
        net.trackRejections = true
        net.start()
        net.run(until: 5_000_000, trackFootprint: true)
        #expect(net.agreement(among: honest).ok)
        #expect(net.decidedHeight(honest) == 5, "honest progress")
        let spam = (net.byzantine[spammer]?.behaviour as? FarFutureSpammer)?.sent ?? 0
        #expect(spam > 300, "the spammer sent \(spam) messages")
        for i in honest {
            #expect(net.decisions[i].allSatisfy { $0.round == 0 }, "no L55 abuse by one sender")
            // One height's log: ≤ 2 votes per validator per round for the few rounds used, plus the spammer's
            // next-height quota and one far-round entry.
            #expect(net.maxFootprint[i] < 400, "node \(i) footprint \(net.maxFootprint[i])")
            #expect(net.core(i).bufferedCount <= net.core(i).config.maxBufferedPerSender)
            #expect(net.rejections[i].contains(.roundTooFar) && net.rejections[i].contains(.badSignature))
        }
    }

    // MARK: - Twins and negative controls

    @Test("B11 Twins_Enumerated")
    func B11_Twins_Enumerated() {
        // 10,000 scenarios in CI; 200,000 under `make soak` (READCHAIN_SOAK=1).
        let count: UInt64 = ProcessInfo.processInfo.environment["READCHAIN_SOAK"] != nil ? 200_000 : 10_000
        let start = ContinuousClock.now
        let outcome = Catalogue.twinsSweep(seeds: 0..<count)
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        print(
            "B11 twins: \(outcome.scenarios) scenarios in \(String(format: "%.1f", seconds)) s "
                + "(\(Int(Double(outcome.scenarios) / seconds))/s), \(outcome.deliveries) core inputs, "
                + "\(outcome.newCommitInSync) with a new commit in the synchronous tail")
        #expect(outcome.scenarios == Int(count))
        #expect(outcome.unsafe.isEmpty, "safety: \(outcome.unsafe.prefix(3).map { "\($0)" })")
        // Liveness: every non-twin node decides every height after the heal (the tail is ≥ 3 synchronous rounds).
        // The ~2% of scenarios that used to stall here (first seed 147) were a VoteKeeper bug: a twin's
        // conflicting precommit that arrived before the first votes completing the quorum was never counted.
        #expect(
            outcome.notLive.isEmpty, "liveness: \(outcome.notLive.count) scenarios, first \(outcome.notLive.prefix(5))")
    }

    @Test("NC-1 TwinsBeyondF_ForksDetected")
    func NC1_TwinsBeyondF_ForksDetected() {
        // n = 4 with validators 0 and 1 doubled: Byzantine power 1/2 ≥ 1/3. One height, so that the correct nodes
        // stay at it and collect the conflicting votes after the heal.
        var cfg = Catalogue.TwinsConfig()
        cfg.twins = [0, 1]
        cfg.maxHeight = 1
        let outcome = Catalogue.twinsSweep(seeds: 0..<200, config: cfg)
        #expect(!outcome.unsafe.isEmpty, "the search must find a fork beyond f")
        let f = 1
        let accountable = outcome.unsafe.filter { (outcome.evidenceValidators[$0.seed] ?? 0) >= f + 1 }
        print(
            "NC-1: \(outcome.unsafe.count) of \(outcome.scenarios) scenarios fork; first seed \(outcome.unsafe.first?.seed ?? 0): "
                + "\(outcome.unsafe.first?.detail ?? ""); \(accountable.count) with evidence against ≥ f+1 validators")
        #expect(!accountable.isEmpty, "evidence against ≥ f+1 validators")
        #expect(accountable.count == outcome.unsafe.count, "every fork is accountable")
    }

    #if CONSENSUS_MUTATIONS
        @Test("NC-2 MutationKill")
        func NC2_MutationKill() {
            // Baseline: every scenario passes without a mutant (else a kill would mean nothing).
            for s in Catalogue.all {
                let v = s.run([])
                #expect(v.ok, "baseline \(s.name): \(v)")
            }
            var table: [(mutant: String, killedBy: [String])] = []
            // The single-node scenarios run against every mutant; the costly multi-node ones (B08, B10, the twins
            // sample) only against mutants nothing cheaper killed.
            let costly: Set<String> = Set(Catalogue.all.suffix(3).map(\.name))
            for (name, m) in ConsensusMutations.all {
                var killers: [String] = []
                for s in Catalogue.all where killers.isEmpty || !costly.contains(s.name) {
                    if !s.run(m).ok { killers.append(s.name) }
                }
                table.append((name, killers))
                #expect(!killers.isEmpty, "mutant \(name) survives every scenario")
            }
            print("NC-2 kill table:")
            for row in table {
                let mutant = row.mutant.padding(toLength: 32, withPad: " ", startingAt: 0)
                print("  \(mutant) killed by: \(row.killedBy.joined(separator: ", "))")
            }
        }
    #endif
}

@Suite("Twins debugging")
struct TwinsDebug {
    @Test(
        "Twins scenario dump (TWINS_DEBUG_SEED)",
        .enabled(if: ProcessInfo.processInfo.environment["TWINS_DEBUG_SEED"] != nil, "a debugging aid, not a check"))
    func dump() {
        guard let s = ProcessInfo.processInfo.environment["TWINS_DEBUG_SEED"], let seed = UInt64(s) else { return }
        let f = Fixture(powers: [1, 1, 1, 1])
        var rng = SplitMix64(seed: seed)
        let doubled = [Int(rng.next() % 4)]
        let cfg = Catalogue.TwinsConfig()
        let r = Catalogue.twinsScenario(seed: seed, config: cfg, fixture: f, memo: SigningMemo(), mutations: [])
        print("seed \(seed) twin \(doubled) safe \(r.safe) live \(r.live)")
        var sides: [[UInt8]] = []
        for _ in 0..<cfg.rounds {
            if rng.next() % 4 == 0 {
                sides.append(Array(repeating: 0, count: 5))
            } else {
                var x = (0..<5).map { _ in UInt8(rng.next() & 1) }
                if x.allSatisfy({ $0 == x[0] }) { x[Int(rng.next() % 5)] ^= 1 }
                sides.append(x)
            }
        }
        print("sides \(sides)")
        var net = SimNet(fixture: f, maxHeight: cfg.maxHeight, twins: doubled)
        net.latency = cfg.latency
        let phase = cfg.phase
        let partitioned = sides
        net.connected = { t, a, b in
            let p = Int(t / phase)
            return p >= partitioned.count || partitioned[p][a] == partitioned[p][b]
        }
        for p in 1...cfg.rounds { net.healAt(Int64(p) * phase) }
        net.trackRejections = true
        net.start()
        net.run(until: Int64(cfg.rounds) * phase + cfg.tail)
        for i in 0..<net.count {
            let k = net.core(i).votes
            for r: Round in 0...1 {
                print(
                    "node \(i) r\(r) precommits \(k?.allVotes(.precommit, round: r).map(\.description) ?? []) prevotes \(k?.allVotes(.prevote, round: r).map(\.description) ?? [])"
                )
            }
            print(
                "node \(i) quorums \(k?.precommitQuorums.map { "\($0.round):\($0.valueID?.hex.prefix(8) ?? "nil")" } ?? []) rejections \(net.rejections[i]) decisions \(net.decisions[i].map(\.value))"
            )
        }
        for i in 0..<net.count {
            let c = net.core(i)
            print(
                "node \(i) id \(net.identity[i]) decisions \(net.decisions[i].map { "\($0.height)@\($0.round)" }) state \(c.roundState) held \(net.held.filter { $0.to == i }.count)"
            )
        }
    }
}
