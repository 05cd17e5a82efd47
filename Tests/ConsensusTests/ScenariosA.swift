// Scenarios A01–A16 of consensus-tests.md §5.4 (single-node / few-node unit scenarios). Each test is named
// after its id; line numbers refer to Algorithm 1 of Buchman, Kwon and Milosevic (2018).

import Ledger
import Testing

@testable import Consensus

/// Brings validator `x` (not proposer of round 0) to: locked on `v` at round 0, step precommit.
func lockedAtRound0(_ f: Fixture, _ x: Int, _ v: ProposedValue, mutations: ConsensusMutations = [])
    -> ConsensusCore
{
    var (c, _) = f.core(x, mutations: mutations)
    let others = (0..<f.n).filter { $0 != x }
    _ = c.handle(f.propose(r: 0, v))  // L22: prevote v
    _ = c.feed(f.prevote(r: 0, v, by: others[0]), f.prevote(r: 0, v, by: others[1]))  // L36: lock, precommit v
    return c
}

@Suite("A: single-node and few-node scenarios")
struct ScenariosA {
    @Test("A01 HappyPath_DecideRound0")
    func A01_HappyPath_DecideRound0() {
        A01(mutations: [])
    }

    func A01(mutations: ConsensusMutations) {
        let f = Fixture(powers: [1, 1, 1, 1])
        var cluster = Cluster(fixture: f, maxHeight: 3, mutations: mutations)
        cluster.run()
        for h: Height in 1...3 {
            let proposer = f.index(of: cluster.selector(h).proposer.address)
            let expected = Cluster.blockValue(height: h, round: 0, proposer: proposer)
            for i in 0..<f.n {
                let d = cluster.decisions[i].first { $0.height == h }
                #expect(d?.round == 0, "node \(i) height \(h)")
                #expect(d?.value == expected, "node \(i) height \(h) decides the proposer's value")
                #expect(
                    d?.certificate.verify(validatorSet: f.validatorSet, chainID: testChainID, cache: f.cache) == true)
                let out = cluster.outputs[i]
                #expect(out.prevotes.filter { $0.height == h }.count == 1)
                #expect(out.precommits.filter { $0.height == h }.count == 1)
            }
            let proposals = cluster.outputs.flatMap { $0.proposals.filter { $0.height == h } }
            #expect(proposals.count == 1, "exactly one PROPOSAL at height \(h)")
        }
        for c in cluster.cores {
            #expect(c.height == 3)
        }
        // Lock and valid state reset at a new height (L54 → StartRound(0) with fresh variables).
        var c = cluster.cores[0]
        let next = cluster.selector(4)
        _ = c.handle(.startHeight(height: 4, proposers: next))
        #expect(c.lockedValue == nil && c.lockedRound == -1)
        #expect(c.validValue == nil && c.validRound == -1)
        #expect(c.round == 0 && c.step == .propose)
    }

    @Test("A02 L22_LockedRejectsFreshProposal")
    func A02_L22_LockedRejectsFreshProposal() {
        let f = Fixture(powers: [1, 1, 1, 1])
        let x = f.nonProposer(rounds: 2)
        let v = value("v")
        let w = value("v'")
        var c = lockedAtRound0(f, x, v)
        #expect(c.lockedValue == v && c.lockedRound == 0)
        _ = c.handle(.timeout(Timeout(height: 1, round: 0, step: .precommit)))  // L65: StartRound(1)
        #expect(c.round == 1)
        let out = c.handle(f.propose(r: 1, w))  // L22 with lockedValue ≠ v'
        #expect(out.prevotes.map(\.valueID) == [nil])
        #expect(c.lockedValue == v && c.lockedRound == 0)
    }

    @Test("A03 L28_UnlockWithNewerPOL")
    func A03_L28_UnlockWithNewerPOL() {
        let f = Fixture(powers: [1, 1, 1, 1])
        let x = f.nonProposer(rounds: 3)
        let v = value("v")
        let w = value("v'")
        var c = lockedAtRound0(f, x, v)
        let others = (0..<f.n).filter { $0 != x }
        // 2f+1 prevotes for v' in round 1 (x missed that round's proposal); they also make x skip (L55).
        _ = c.feed(
            f.prevote(r: 1, w, by: others[0]), f.prevote(r: 1, w, by: others[1]), f.prevote(r: 1, w, by: others[2]))
        #expect(c.round == 1)
        // f+1 round-2 messages: skip to round 2; then the proposal re-proposes v' with vr = 1 ≥ lockedRound = 0.
        _ = c.feed(f.prevote(r: 2, w, by: others[0]), f.prevote(r: 2, w, by: others[1]))
        #expect(c.round == 2 && c.step == .propose)
        let out = c.handle(f.propose(r: 2, w, vr: 1))
        #expect(out.prevotes.map(\.valueID) == [w.id], "L28: prevote v'")
        #expect(out.precommits.map(\.valueID) == [w.id], "L36: precommit v'")
        #expect(c.lockedValue == w && c.lockedRound == 2, "re-locked on v'")
    }

    @Test("A04 L28_StalePOLDoesNotUnlock")
    func A04_L28_StalePOLDoesNotUnlock() {
        let f = Fixture(powers: [1, 1, 1, 1])
        let x = f.nonProposer(rounds: 3)
        let v = value("v")
        let w = value("v'")
        let others = (0..<f.n).filter { $0 != x }
        var (c, _) = f.core(x)
        // Round 0: 2f+1 prevotes for v' (x never sees the round-0 proposal).
        _ = c.feed(
            f.prevote(r: 0, w, by: others[0]), f.prevote(r: 0, w, by: others[1]), f.prevote(r: 0, w, by: others[2]))
        // Round 1: x locks v.
        _ = c.feed(f.prevote(r: 1, v, by: others[0]), f.prevote(r: 1, v, by: others[1]))
        #expect(c.round == 1)
        _ = c.handle(f.propose(r: 1, v))
        #expect(c.lockedValue == v && c.lockedRound == 1)
        // Round 2: v' with a POL from round 0 < lockedRound.
        _ = c.feed(f.precommit(r: 2, nil, by: others[0]), f.precommit(r: 2, nil, by: others[1]))
        #expect(c.round == 2)
        let out = c.handle(f.propose(r: 2, w, vr: 0))
        #expect(out.prevotes.map(\.valueID) == [nil])
        #expect(c.lockedValue == v && c.lockedRound == 1, "lock unchanged")
    }

    enum Delayed: String, CaseIterable { case prevotes, proposal }

    @Test("A05 L36_ValidValueOnDelayedPrevotes/Proposal", arguments: Delayed.allCases)
    func A05_L36_ValidValueOnDelayedPrevotesOrProposal(_ delayed: Delayed) {
        let f = Fixture(powers: [1, 1, 1, 1])
        let x = f.nonProposer(rounds: 1)
        let v = value("v")
        let others = (0..<f.n).filter { $0 != x }
        var (c, _) = f.core(x)
        var out: [ConsensusOutput] = []
        switch delayed {
        case .prevotes:
            out += c.handle(f.propose(r: 0, v))  // prevote v
            out += c.handle(.timeout(Timeout(height: 1, round: 0, step: .prevote)))  // L61: precommit nil
            #expect(c.step == .precommit)
            out += c.feed(f.prevote(r: 0, v, by: others[0]), f.prevote(r: 0, v, by: others[1]))
        case .proposal:
            out += c.handle(.timeout(Timeout(height: 1, round: 0, step: .propose)))  // L57: prevote nil
            out += c.feed(
                f.prevote(r: 0, v, by: others[0]), f.prevote(r: 0, v, by: others[1]), f.prevote(r: 0, v, by: others[2]))
            out += c.handle(.timeout(Timeout(height: 1, round: 0, step: .prevote)))  // precommit nil
            #expect(c.step == .precommit)
            out += c.handle(f.propose(r: 0, v))
        }
        #expect(c.validValue == v && c.validRound == 0, "L42–43")
        #expect(c.lockedValue == nil && c.lockedRound == -1, "lock unchanged")
        #expect(out.precommits.map(\.valueID) == [nil], "no second precommit")
    }

    enum ValidFrom: String, CaseIterable { case lockInPrevote, delayedPrevotes }

    @Test("A06 ProposerReproposesValidValue", arguments: ValidFrom.allCases)
    func A06_ProposerReproposesValidValue(_ from: ValidFrom) {
        let f = Fixture(powers: [1, 1, 1, 1])
        let x = f.proposer(round: 1)
        #expect(f.proposer(round: 0) != x)
        let v = value("v")
        let others = (0..<f.n).filter { $0 != x }
        var (c, _) = f.core(x)
        _ = c.handle(f.propose(r: 0, v))
        if from == .delayedPrevotes {
            _ = c.handle(.timeout(Timeout(height: 1, round: 0, step: .prevote)))
        }
        _ = c.feed(f.prevote(r: 0, v, by: others[0]), f.prevote(r: 0, v, by: others[1]))
        let out = c.handle(.timeout(Timeout(height: 1, round: 0, step: .precommit)))  // StartRound(1)
        #expect(out.proposals.count == 1)
        #expect(out.proposals.first?.value == v, "L16: proposal ← validValue")
        #expect(out.proposals.first?.validRound == 0)
        #expect(!out.contains(.requestValue(height: 1, round: 1)), "no getValue() when validValue ≠ nil")
    }

    @Test("A07 L44_NilPolka_PrecommitNil")
    func A07_L44_NilPolka_PrecommitNil() {
        let f = Fixture(powers: [1, 1, 1, 1])
        let x = f.nonProposer(rounds: 1)
        let v = value("v")
        let others = (0..<f.n).filter { $0 != x }
        var (c, _) = f.core(x)
        _ = c.handle(f.propose(r: 0, v))  // prevote v
        var out = c.feed(f.prevote(r: 0, nil, by: others[0]), f.prevote(r: 0, nil, by: others[1]))
        #expect(out.precommits.isEmpty, "2 of 4 nil prevotes are not 2f+1")
        out = c.handle(f.prevote(r: 0, nil, by: others[2]))
        #expect(out.precommits.map(\.valueID) == [nil])
        #expect(c.step == .precommit)
        #expect(c.lockedValue == nil && c.lockedRound == -1)
    }

    @Test("A08 L49_DecideForPastRound")
    func A08_L49_DecideForPastRound() {
        let f = Fixture(powers: [1, 1, 1, 1])
        let x = f.nonProposer(rounds: 3)
        let v = value("v")
        let others = (0..<f.n).filter { $0 != x }
        var (c, _) = f.core(x)
        _ = c.feed(f.prevote(r: 2, nil, by: others[0]), f.prevote(r: 2, nil, by: others[1]))
        #expect(c.round == 2)
        var out = c.handle(f.propose(r: 0, v))
        out += c.feed(f.precommit(r: 0, v, by: others[0]), f.precommit(r: 0, v, by: others[1]))
        #expect(out.decisions.isEmpty)
        out += c.handle(f.precommit(r: 0, v, by: others[2]))
        #expect(out.decisions.count == 1)
        let d = out.decisions.first
        #expect(d?.round == 0 && d?.value == v && d?.height == 1)
        #expect(d?.certificate.verify(validatorSet: f.validatorSet, chainID: testChainID, cache: f.cache) == true)
        #expect(c.step == .decided)
    }

    @Test("A09 L49_CommitWithoutBlockThenFetch")
    func A09_L49_CommitWithoutBlockThenFetch() {
        let f = Fixture(powers: [1, 1, 1, 1])
        let x = f.nonProposer(rounds: 1)
        let good = value("block")
        let bad = value("!invalid block")
        let others = (0..<f.n).filter { $0 != x }
        for (v, valid) in [(good, true), (bad, false)] {
            var (c, _) = f.core(x)
            var out = c.feed(
                f.precommit(r: 0, v, by: others[0]), f.precommit(r: 0, v, by: others[1]),
                f.precommit(r: 0, v, by: others[2]))
            #expect(out.decisions.isEmpty, "no decision without the block")
            #expect(out.contains(.needValue(height: 1, round: 0, valueID: v.id)))
            // A value whose payload does not match the id is refused.
            out = c.handle(.valueReceived(ProposedValue(id: v.id, payload: Array("forged".utf8))))
            #expect(out.rejections == [.malformed] && out.decisions.isEmpty)
            out = c.handle(.valueReceived(v))
            #expect(out.decisions.count == (valid ? 1 : 0), "decides iff valid(v)")
            #expect(out.decisions.first?.value == (valid ? v : nil))
        }
    }

    @Test("A10 L55_RoundSkipOnFPlus1")
    func A10_L55_RoundSkipOnFPlus1() {
        let f = Fixture(powers: [1, 1, 1, 1, 1, 1, 1])  // f = 2
        let x = f.nonProposer(rounds: 4)
        let others = (0..<f.n).filter { $0 != x }
        var (c, _) = f.core(x)
        // f = 2 validators, several messages each, from round 3: no skip.
        _ = c.feed(
            f.prevote(r: 3, nil, by: others[0]), f.precommit(r: 3, nil, by: others[0]),
            f.prevote(r: 3, nil, by: others[1]), f.precommit(r: 3, nil, by: others[1]),
            f.prevote(r: 3, nil, by: others[1]))
        #expect(c.round == 0, "f senders do not trigger L55")
        let out = c.handle(f.precommit(r: 3, nil, by: others[2]))
        #expect(c.round == 3, "f+1 senders do")
        #expect(out.timeouts.map(\.0) == [Timeout(height: 1, round: 3, step: .propose)], "StartRound(3)")
    }

    @Test("A11 Timeouts_IncreasePerRound_StaleIgnored")
    func A11_Timeouts_IncreasePerRound_StaleIgnored() {
        let f = Fixture(powers: [1, 1, 1, 1])
        let x = f.nonProposer(rounds: 1)  // as proposer, x also schedules timeoutPropose while awaiting getValue()
        let others = (0..<f.n).filter { $0 != x }
        let cfg = TimeoutConfig.test
        var (c, out) = f.core(x)
        for r: Round in 0...3 {
            #expect(out.timeouts.map(\.1) == [cfg.proposeInit + r * cfg.proposeDelta], "propose r=\(r)")
            out = c.handle(.timeout(Timeout(height: 1, round: r, step: .propose)))  // prevote nil
            out += c.feed(
                f.prevote(r: r, value("a\(r)"), by: others[0]), f.prevote(r: r, value("b\(r)"), by: others[1]))
            #expect(out.timeouts.map(\.1) == [cfg.prevoteInit + r * cfg.prevoteDelta], "prevote r=\(r)")
            out = c.handle(.timeout(Timeout(height: 1, round: r, step: .prevote)))  // precommit nil
            out += c.feed(
                f.precommit(r: r, value("a\(r)"), by: others[0]), f.precommit(r: r, value("b\(r)"), by: others[1]))
            #expect(out.timeouts.map(\.1) == [cfg.precommitInit + r * cfg.precommitDelta], "precommit r=\(r)")
            out = c.handle(.timeout(Timeout(height: 1, round: r, step: .precommit)))
            #expect(c.round == r + 1)
        }
        let before = c.roundState
        for r: Round in 0...3 {
            for s in [TimeoutStep.propose, .prevote, .precommit] {
                #expect(c.handle(.timeout(Timeout(height: 1, round: r, step: s))).isEmpty, "stale \(r) \(s)")
            }
        }
        #expect(c.handle(.timeout(Timeout(height: 2, round: 4, step: .propose))).isEmpty, "other height")
        // Wrong step in the current round: a prevote timeout while in propose.
        #expect(c.handle(.timeout(Timeout(height: 1, round: 4, step: .prevote))).isEmpty)
        #expect(c.roundState == before)
    }

    @Test("A12 EquivocationCountedOnce_EvidenceStored")
    func A12_EquivocationCountedOnce_EvidenceStored() {
        let f = Fixture(powers: [1, 1, 1, 1])
        let x = f.nonProposer(rounds: 1)
        let a = (0..<f.n).first { $0 != x }!
        let v = value("v")
        var (c, _) = f.core(x)
        let first = f.vote(.prevote, r: 0, v.id, by: a)
        let second = f.vote(.prevote, r: 0, nil, by: a)
        var out = c.handle(.vote(first))
        #expect(out.evidence.isEmpty)
        out = c.feed(.vote(first), .vote(second), .vote(second), .vote(first))
        #expect(out.evidence == [Evidence(first: first, second: second)], "evidence output once")
        #expect(c.votes?.power(.prevote, round: 0, valueID: v.id) == 1, "first vote counts once")
        #expect(c.votes?.power(.prevote, round: 0, valueID: nil) == 0, "second vote not counted")
        #expect(c.votes?.totalPower(.prevote, round: 0) == 1)
        #expect(c.evidencePool == [Evidence(first: first, second: second)], "stored for a later block")
        #expect(
            c.evidencePool.first?.verify(validatorSet: f.validatorSet, chainID: testChainID, cache: f.cache) == true)
    }

    enum BadInput: String, CaseIterable {
        case badSignature, nonValidator, wrongChainID, wrongHeight, proposalFromNonProposer, oversizeBlock
        case forgedValueID
    }

    @Test("A13 RejectInvalidInputs", arguments: BadInput.allCases)
    func A13_RejectInvalidInputs(_ bad: BadInput) {
        let f = Fixture(powers: [1, 1, 1, 1])
        let x = f.nonProposer(rounds: 1)
        let a = (0..<f.n).first { $0 != x && $0 != f.proposer(round: 0) }!
        var (c, _) = f.core(x, maxValueBytes: 64)
        let v = value("v")
        let input: ConsensusInput
        let expected: Rejection
        switch bad {
        case .badSignature:
            var vote = f.vote(.prevote, r: 0, v.id, by: a)
            vote.valueID = nil  // signature no longer matches
            input = .vote(vote)
            expected = .badSignature
        case .nonValidator:
            let outsider = SigningKey.derive(label: "outsider", seed: 9)
            let bytes = Vote.signBytes(chainID: testChainID, type: .prevote, height: 1, round: 0, valueID: v.id)
            input = .vote(
                Vote(
                    chainID: testChainID, type: .prevote, height: 1, round: 0, valueID: v.id,
                    validator: outsider.publicKey.address, signature: outsider.sign(bytes)))
            expected = .nonValidator
        case .wrongChainID:
            input = .vote(f.vote(.prevote, r: 0, v.id, by: a, chainID: "other-chain"))
            expected = .wrongChainID
        case .wrongHeight:
            input = .vote(f.vote(.prevote, h: 7, r: 0, v.id, by: a))
            expected = .wrongHeight
        case .proposalFromNonProposer:
            input = .proposal(f.proposal(r: 0, v, by: a))
            expected = .notProposer
        case .oversizeBlock:
            input = f.propose(r: 0, value(String(repeating: "x", count: 65)))
            expected = .oversizeValue
        case .forgedValueID:
            input = f.propose(r: 0, ProposedValue(id: v.id, payload: Array("other".utf8)))
            expected = .malformed
        }
        let before = c.roundState
        let out = c.handle(input)
        #expect(out == [.rejected(expected)])
        #expect(c.roundState == before)
        #expect(c.proposals.isEmpty)
        #expect(c.votes?.totalPower(.prevote, round: 0) == 0)
    }

    /// Issue 17 item 5: a vote signed for "\u{212A}-chain" (KELVIN SIGN, canonically equivalent to "K-chain") is
    /// correctly signed over its own bytes; compared as Swift strings it would count on "K-chain".
    @Test("A13 RejectInvalidInputs: a Unicode-equivalent chain id is another chain")
    func A13_RejectInvalidInputs_unicodeEquivalentChainID() {
        let f = Fixture(powers: [1, 1, 1, 1])
        let x = f.nonProposer(rounds: 1)
        let a = (0..<f.n).first { $0 != x }!
        var c = ConsensusCore(
            config: mutated(ConsensusConfig(chainID: "K-chain"), []), key: f.keys[x], cache: f.cache,
            validity: { _, _ in true })
        _ = c.handle(.startHeight(height: 1, proposers: f.selector))
        let twin = f.vote(.prevote, r: 0, value("v").id, by: a, chainID: "\u{212A}-chain")
        #expect(twin.chainID == "K-chain", "the premise: equal as Swift strings")
        #expect(c.handle(.vote(twin)) == [.rejected(.wrongChainID)])
        #expect(c.votes?.totalPower(.prevote, round: 0) == 0)
        let own = f.vote(.prevote, r: 0, value("v").id, by: a, chainID: "K-chain")
        #expect(c.handle(.vote(own)).rejections.isEmpty)
        #expect(c.votes?.totalPower(.prevote, round: 0) == 1)
    }

    @Test("A13 RejectInvalidInputs: valid(v) = false prevotes nil")
    func A13_RejectInvalidInputs_invalidValue() {
        let f = Fixture(powers: [1, 1, 1, 1])
        let x = f.nonProposer(rounds: 1)
        var (c, _) = f.core(x)
        let out = c.handle(f.propose(r: 0, value("!not valid")))
        #expect(out.prevotes.map(\.valueID) == [nil])
    }

    enum AfterRestart: String, CaseIterable { case sameProposal, conflictingProposal, proposeTimeout }

    @Test("A14 NoDoubleSignAcrossRestart", arguments: AfterRestart.allCases)
    func A14_NoDoubleSignAcrossRestart(_ after: AfterRestart) {
        A14(after, mutations: [])
    }

    func A14(_ after: AfterRestart, mutations: ConsensusMutations) {
        let f = Fixture(powers: [1, 1, 1, 1])
        let x = f.nonProposer(rounds: 1)
        let v = value("v")
        var (c, _) = f.core(x, mutations: mutations)
        let out = c.handle(f.propose(r: 0, v))
        // The signer state is persisted before the signed vote is released.
        let persistAt = out.firstIndex { if case .persistSignerState = $0 { true } else { false } }
        let sendAt = out.firstIndex { if case .broadcastVote = $0 { true } else { false } }
        #expect(persistAt != nil && sendAt != nil && persistAt! < sendAt!)
        let signed = out.prevotes.first!
        let persisted = out.persisted.last ?? .initial
        // Crash before sending; restart from the persisted signer state.
        var (d, _) = f.core(x, mutations: mutations, signerState: persisted)
        let again: [ConsensusOutput]
        switch after {
        case .sameProposal:
            again = d.handle(f.propose(r: 0, v))
            #expect(again.prevotes == [signed], "re-emits the same signed vote")
        case .conflictingProposal:
            again = d.handle(f.propose(r: 0, value("v'")))
        case .proposeTimeout:
            again = d.handle(.timeout(Timeout(height: 1, round: 0, step: .propose)))
        }
        #expect(again.prevotes.allSatisfy { $0 == signed }, "never a conflicting vote")
    }

    @Test("A15 WeightedThresholds")
    func A15_WeightedThresholds() {
        let f = Fixture(powers: [30, 30, 20, 10])  // total 90: 2/3 = 60, 1/3 = 30
        let i30a = 0
        let i30b = 1
        let i20 = 2
        let i10 = 3
        #expect(f.validatorSet.validators.map(\.power) == [30, 30, 20, 10])
        let v = value("v")
        // Decision: 60 of 90 (exactly 2/3) is not a quorum, 70 is.
        var (c, _) = f.core(i20)
        var out = c.handle(f.propose(r: 0, v))
        out = c.feed(f.precommit(r: 0, v, by: i30a), f.precommit(r: 0, v, by: i30b))
        #expect(out.decisions.isEmpty, "exactly 2/3 does not commit")
        out = c.handle(f.precommit(r: 0, v, by: i10))
        #expect(out.decisions.first?.value == v, "> 2/3 commits")
        // Prevotes: 30 + 30 = 60 for v does not lock; + own 20 does.
        (c, _) = f.core(i10)
        _ = c.handle(f.propose(r: 0, v))  // own prevote: 10
        out = c.feed(f.prevote(r: 0, v, by: i30a), f.prevote(r: 0, v, by: i20))  // 60
        #expect(out.precommits.isEmpty && c.lockedValue == nil)
        out = c.handle(f.prevote(r: 0, v, by: i30b))
        #expect(out.precommits.map(\.valueID) == [v.id] && c.lockedValue == v)
        // Round skip: 30 (exactly 1/3) from round 2 does not trigger L55; 30 + 10 does.
        (c, _) = f.core(i20)
        _ = c.handle(f.prevote(r: 2, nil, by: i30a))
        #expect(c.round == 0, "exactly 1/3 is not f+1")
        _ = c.handle(f.prevote(r: 2, nil, by: i10))
        #expect(c.round == 2, "> 1/3 is f+1")
    }

    @Test(
        "A16 ProposerSelection_WeightedRR",
        arguments: [[1, 2, 3, 4], [40, 30, 20, 10], [5, 5, 5, 1, 1]] as [[UInt64]])
    func A16_ProposerSelection_WeightedRR(_ powers: [UInt64]) {
        let f = Fixture(powers: powers)
        let total = Int(f.validatorSet.totalPower)
        let heights = 10_000
        func sequence(_ set: ValidatorSet) -> [Address] {
            var s = ProposerSelector(validatorSet: set)
            var out: [Address] = []
            out.reserveCapacity(heights)
            for _ in 0..<heights {
                out.append(s.proposer.address)
                s.advanceHeight()
            }
            return out
        }
        let seq = sequence(f.validatorSet)
        // Deterministic: another node building the set from a shuffled list gets the same sequence.
        let reordered = ValidatorSet(f.validatorSet.validators.reversed())
        #expect(sequence(reordered) == seq)
        // Frequency ∝ power, within ±1 in every window of `total` consecutive heights.
        var worst = 0
        for start in stride(from: 0, to: heights - total + 1, by: total) {
            var counts: [Address: Int] = [:]
            for a in seq[start..<(start + total)] { counts[a, default: 0] += 1 }
            for v in f.validatorSet.validators {
                worst = max(worst, abs(counts[v.address, default: 0] - Int(v.power)))
            }
        }
        #expect(worst <= 1, "max deviation per window \(worst)")
        for v in f.validatorSet.validators {
            let count = seq.filter { $0 == v.address }.count
            #expect(abs(count - heights * Int(v.power) / total) <= heights / total / 100 + 1)
        }
    }
}
