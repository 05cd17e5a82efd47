// Unit tests of the pieces under the A-scenarios: encodings, certificates, signer, re-broadcast, buffering.

import Consensus
import Ledger
import Testing

@Suite("Consensus core units")
struct CoreUnits {
    @Test("Messages round-trip through the canonical encoding")
    func canonicalRoundTrips() throws {
        let f = Fixture(powers: [1, 1, 1, 1])
        let p = f.proposal(r: 2, value("v"), vr: 1)
        let v = f.vote(.precommit, r: 3, nil, by: 1)
        let w = f.vote(.prevote, r: 3, value("v").id, by: 1)
        #expect(try Proposal.decode(canonical: p.canonicalBytes) == p)
        #expect(try Vote.decode(canonical: v.canonicalBytes) == v)
        #expect(try Vote.decode(canonical: w.canonicalBytes) == w)
        let e = Evidence(first: v, second: w)
        #expect(try Evidence.decode(canonical: e.canonicalBytes) == e)
        #expect(try ValidatorSet.decode(canonical: f.validatorSet.canonicalBytes) == f.validatorSet)
        let s = SignerState(height: 4, round: 2, step: .precommit, signBytes: [1, 2, 3], signature: v.signature)
        #expect(try SignerState.decode(canonical: s.canonicalBytes) == s)
        // Sign-bytes separate types, rounds and chains.
        let a = Vote.signBytes(chainID: "c", type: .prevote, height: 1, round: 0, valueID: nil)
        #expect(a != Vote.signBytes(chainID: "c", type: .precommit, height: 1, round: 0, valueID: nil))
        #expect(a != Vote.signBytes(chainID: "d", type: .prevote, height: 1, round: 0, valueID: nil))
        #expect(a != Vote.signBytes(chainID: "c", type: .prevote, height: 1, round: 1, valueID: nil))
    }

    @Test("CommitCertificate.verify needs > 2/3 valid precommits of the right set, chain and block")
    func certificateVerify() throws {
        let f = Fixture(powers: [1, 1, 1, 1])
        let v = value("v")
        var (c, _) = f.core(0)
        var out = c.handle(f.propose(r: 0, v))
        for i in 1...3 { out += c.handle(f.precommit(r: 0, v, by: i)) }
        let cert = try #require(out.decisions.first?.certificate)
        #expect(cert.verify(validatorSet: f.validatorSet, chainID: testChainID, cache: f.cache))
        #expect(try CommitCertificate.decode(canonical: cert.canonicalBytes) == cert)
        #expect(!cert.verify(validatorSet: f.validatorSet, chainID: "other", cache: f.cache))
        var short = cert
        short.signatures = Array(short.signatures.prefix(2))
        #expect(!short.verify(validatorSet: f.validatorSet, chainID: testChainID, cache: f.cache))
        var repeated = cert
        repeated.signatures = [cert.signatures[0], cert.signatures[0], cert.signatures[1]]
        #expect(!repeated.verify(validatorSet: f.validatorSet, chainID: testChainID, cache: f.cache))
        var otherBlock = cert
        otherBlock.blockID = value("w").id
        #expect(!otherBlock.verify(validatorSet: f.validatorSet, chainID: testChainID, cache: f.cache))
        let otherSet = Fixture(powers: [1, 1, 1, 1], seed: 2).validatorSet
        #expect(!cert.verify(validatorSet: otherSet, chainID: testChainID, cache: f.cache))
    }

    @Test("Signer: same message repeats its signature; conflicting or earlier messages are refused")
    func signerGuard() {
        var s = Signer(key: SigningKey.derive(label: "s", seed: 1))
        let m1: Bytes = [1]
        let m2: Bytes = [2]
        guard case .signed(let sig) = s.sign(height: 1, round: 0, step: .prevote, signBytes: m1) else {
            Issue.record("first signature refused")
            return
        }
        #expect(s.sign(height: 1, round: 0, step: .prevote, signBytes: m1) == .repeated(sig))
        #expect(s.sign(height: 1, round: 0, step: .prevote, signBytes: m2) == .refused)
        #expect(s.sign(height: 1, round: 0, step: .proposal, signBytes: m2) == .refused)
        #expect(s.sign(height: 0, round: 9, step: .precommit, signBytes: m2) == .refused)
        if case .signed = s.sign(height: 1, round: 0, step: .precommit, signBytes: m2) {
        } else {
            Issue.record("a later step must be signable")
        }
    }

    @Test("rebroadcastTick re-emits the latest own proposal and votes of the round, unsigned anew")
    func rebroadcast() {
        let f = Fixture(powers: [1, 1, 1, 1])
        let x = f.proposer(round: 0)
        var (c, out) = f.core(x)
        #expect(out.contains(.requestValue(height: 1, round: 0)))
        out = c.handle(.proposeValue(height: 1, round: 0, value: value("v")))
        let p = out.proposals
        let votes = out.votes
        #expect(p.count == 1 && votes.count == 1)
        let again = c.handle(.rebroadcastTick)
        #expect(again.proposals == p && again.votes == votes)
        #expect(again.persisted.isEmpty)
    }

    @Test("Messages for the next height are buffered and replayed at startHeight")
    func nextHeightBuffering() {
        let f = Fixture(powers: [1, 1, 1, 1])
        var next = f.selector
        next.advanceHeight()
        let x = f.index(of: next.proposer(round: 1).address)  // not the height-2 round-0 proposer
        var (c, _) = f.core(x)
        let proposer2 = f.index(of: next.proposer.address)
        let v = value("h2")
        let bytes = Proposal.signBytes(chainID: testChainID, height: 2, round: 0, valueID: v.id, validRound: -1)
        let p = Proposal(
            chainID: testChainID, height: 2, round: 0, value: v, validRound: -1, proposer: f.address(proposer2),
            signature: f.keys[proposer2].sign(bytes))
        #expect(c.handle(.proposal(p)).isEmpty, "buffered, not rejected")
        let out = c.handle(.startHeight(height: 2, proposers: next))
        #expect(out.prevotes.map(\.valueID) == [v.id])
        #expect(c.proposals[0] == p)
    }

    @Test(
        "VoteKeeper: an equivocator's conflicting precommit counts towards a quorum completed after it (B11 seed 147)")
    func conflictingVoteBeforeQuorum() {
        let f = Fixture(powers: [1, 1, 1, 1])
        let v = value("decided")
        var k = VoteKeeper(validatorSet: f.validatorSet)
        // Validator 0 (twins) precommits nil to this node first, then v; validators 1 and 2 precommit v after.
        #expect(k.add(f.vote(.precommit, r: 0, nil, by: 0)) == .counted)
        if case .conflicting = k.add(f.vote(.precommit, r: 0, v.id, by: 0)) {} else { Issue.record("not conflicting") }
        #expect(k.precommitQuorums.isEmpty)
        #expect(k.add(f.vote(.precommit, r: 0, v.id, by: 1)) == .counted)
        #expect(k.precommitQuorums.isEmpty)
        #expect(k.add(f.vote(.precommit, r: 0, v.id, by: 2)) == .counted)
        #expect(k.precommitQuorums.map(\.valueID) == [v.id], "the quorum {0', 1, 2} is seen")
        #expect(k.votes(.precommit, round: 0, valueID: v.id).count == 3)
        #expect(k.quorumValues(.precommit, round: 0) == [v.id])
        // A second conflicting vote never makes a quorum of a value that lacks one.
        #expect(!k.hasQuorum(.precommit, round: 0, valueID: nil))
    }

    @Test("ProposerSelector.advanceHeight(to:) carries priorities across a validator-set change (CometBFT)")
    func selectorCarriesPriorities() {
        let f = Fixture(powers: [1, 2, 3, 4, 5])
        let old = ValidatorSet(Array(f.validatorSet.validators.prefix(4)))
        var s = ProposerSelector(validatorSet: old)
        for _ in 0..<7 { s.advanceHeight() }
        // Unchanged set: the same as advanceHeight().
        var same = s
        same.advanceHeight(to: old)
        var plain = s
        plain.advanceHeight()
        #expect(same == plain)
        // Add the fifth validator: it starts at −1.125 × total power, so it does not propose at once and is last.
        let grown = f.validatorSet
        var g = s
        g.advanceHeight(to: grown)
        let newcomer = grown.index(of: f.validatorSet.validators[4].address)!
        #expect(g.proposer.address != grown.validators[newcomer].address)
        #expect(g.priorities[newcomer] == g.priorities.min())
        #expect(
            g.priorities.reduce(0, +) <= Int64(grown.count) && g.priorities.reduce(0, +) >= -Int64(grown.totalPower))
        // The remaining validators keep their relative order of priority (a fresh selector would reset it).
        let kept = old.validators.map { grown.index(of: $0.address)! }
        var before = s
        before.advanceHeight()
        let orderBefore = kept.indices.sorted { before.priorities[$0] > before.priorities[$1] }
        let orderAfter = kept.indices.sorted { g.priorities[kept[$0]] > g.priorities[kept[$1]] }
        #expect(orderBefore == orderAfter)
        // Over windows of total power the frequencies are ∝ power (within ±1), newcomer included.
        var counts = Array(repeating: 0, count: grown.count)
        for _ in 0..<(10 * Int(grown.totalPower)) {
            g.advanceHeight(to: grown)
            counts[g.proposerIndex] += 1
        }
        for (i, v) in grown.validators.enumerated() { #expect(abs(counts[i] - 10 * Int(v.power)) <= 1) }
        // Removing a validator keeps the others' priorities (shifted by the re-centring only).
        var r = g
        r.advanceHeight(to: old)
        #expect(r.validatorSet == old)
        #expect(old.validators.contains { $0.address == r.proposer.address })
    }

    @Test("After a decision, rebroadcastTick re-emits the decision's precommits (then the last commit at h+1)")
    func rebroadcastLastCommit() {
        let f = Fixture(powers: [1, 1, 1, 1])
        let x = f.nonProposer(rounds: 1)
        var (c, _) = f.core(x)
        let v = value("v")
        let others = (0..<f.n).filter { $0 != x }
        _ = c.handle(f.propose(r: 0, v))
        _ = c.feed(f.prevote(r: 0, v, by: others[0]), f.prevote(r: 0, v, by: others[1]))
        let out = c.feed(f.precommit(r: 0, v, by: others[0]), f.precommit(r: 0, v, by: others[1]))
        #expect(out.decisions.count == 1)
        let waiting = c.handle(.rebroadcastTick).votes.filter { $0.type == .precommit && $0.valueID == v.id }
        #expect(waiting.count == 3)
        var next = f.selector
        next.advanceHeight()
        _ = c.handle(.startHeight(height: 2, proposers: next))
        let late = c.handle(f.precommit(r: 0, v, by: others[2]))
        #expect(late.rejections.isEmpty)
        let tick = c.handle(.rebroadcastTick).votes.filter { $0.height == 1 }
        #expect(tick.count == 4 && tick.allSatisfy { $0.type == .precommit && $0.valueID == v.id })
        // A node still at height 1 that missed the precommits decides from the re-broadcast ones.
        var (lagging, _) = f.core(others[2])
        _ = lagging.handle(f.propose(r: 0, v))
        let decided = tick.flatMap { lagging.handle(.vote($0)) }.decisions
        #expect(decided.map(\.value) == [v])
        #expect(c.value(id: v.id) == nil, "values are per height")
        #expect(lagging.value(id: v.id) == v)
    }

    /// Issue 17 item 5: while at height h, messages of h+1 are checked against set(h+1), which the driver passes
    /// with `startHeight`. Validator 4 joins and validator 0 leaves at h+1 = 2: 4's vote is buffered and counted
    /// at height 2; 0's is refused (checked against set(h), it would be the other way round).
    @Test("B14 ValidatorSetChange: next-height messages are checked against set(h+1)")
    func nextHeightMessagesCheckedAgainstNextSet() {
        let f = Fixture(powers: [1, 1, 1, 1, 1])
        let joiner = f.address(4)
        let leaver = f.address(0)
        let setH = ValidatorSet(f.validatorSet.validators.filter { $0.address != joiner })
        let setNext = ValidatorSet(f.validatorSet.validators.filter { $0.address != leaver })
        var c = ConsensusCore(
            config: mutated(ConsensusConfig(chainID: testChainID), []), key: f.keys[1], cache: f.cache,
            validity: { _, _ in true })
        _ = c.handle(.startHeight(height: 1, proposers: ProposerSelector(validatorSet: setH), nextValidators: setNext))
        let v = value("v")
        #expect(c.handle(.vote(f.vote(.prevote, h: 2, r: 0, v.id, by: 4))).rejections.isEmpty, "joiner buffered")
        #expect(c.handle(.vote(f.vote(.prevote, h: 2, r: 0, v.id, by: 0))) == [.rejected(.nonValidator)])
        #expect(c.bufferedCount == 1)
        var next = ProposerSelector(validatorSet: setH)
        next.advanceHeight(to: setNext)
        _ = c.handle(.startHeight(height: 2, proposers: next))
        #expect(c.votes?.power(.prevote, round: 0, valueID: v.id) == 1, "the joiner's buffered vote counts at h+1")
    }
}
