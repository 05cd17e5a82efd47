import Contracts
import Ledger
import Testing

/// The randomness beacon and the delayed peer-review draw (issue 17 item 2): reveals and their rejections,
/// exclusion on a missed epoch, rejoining, the beacon's independence of signatures and transaction order, the
/// draw's hold-back handling, and the grinding adversary.
@Suite struct RandomnessTests {
    let c = Cast()
    /// The four validators' operators, the randomness participants.
    let ops = (0..<4).map { Party("operator-\($0)") }
    static let epochHeights: UInt64 = 10

    static func secret(_ v: Int, _ epoch: UInt64) -> Hash {
        Hash.sha256(domain: "test/randomness", UInt64(v).bigEndianBytes, epoch.bigEndianBytes)
    }
    static func reveal(_ v: Int, _ epoch: UInt64) -> Message {
        .revealRandomness(
            epoch: epoch, secret: secret(v, epoch), nextCommitment: Randomness.commitment(secret(v, epoch + 1)))
    }

    func genesis(
        sampling: UInt64 = 2_000, valueBased: ValueBasedParameters? = nil, rejoinDelay: UInt64 = 3,
        ops: [Party]? = nil
    ) -> Genesis {
        let ops = ops ?? self.ops
        var g = c.genesis(.postedPrice, valueBased: valueBased, sampling: sampling)
        g.accounts += ops.map { GenesisAccount(address: $0.address, balance: Cast.clientBalance) }
        g.randomness = RandomnessParameters(
            epochHeights: Self.epochHeights, rejoinDelayEpochs: rejoinDelay,
            participants: ops.enumerated().map {
                RandomnessParticipant(
                    address: $0.element.address, commitment: Randomness.commitment(Self.secret($0.offset, 0)))
            })
        return g
    }

    /// Empty blocks, one second apart, until the next block is at `height`.
    func advance(_ h: inout Harness, to height: UInt64) {
        while UInt64(h.blocks.count + 1) < height { h.block(at: h.time + 1_000_000, []) }
    }

    /// Runs `tx` alone in the next block and checks its code and that the state is the state of an empty block
    /// plus only the fee rule.
    func expectRejected(
        _ h: inout Harness, _ tx: Transaction, _ code: TxCode, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let t = h.time + 1_000_000
        var control = h
        control.block(at: t, [])
        let r = h.block(at: t, [tx]).receipts[0]
        #expect(r.code == code, "log: \(r.log)", sourceLocation: sourceLocation)
        let expected = applyingFeeRule(
            to: control.app.state, sender: tx.sender.address, collector: c.validator.address, fee: tx.fee.minorUnits)
        #expect(h.app.stateRoot == expected.rootHash, sourceLocation: sourceLocation)
    }

    @Test func genesisRoundTripsAndValidates() throws {
        let g = genesis()
        #expect(try Genesis.decode(canonical: g.canonicalBytes) == g)
        #expect(g.problems().isEmpty)
        var unfunded = g
        unfunded.accounts.removeLast()
        #expect(unfunded.problems().contains { $0.contains("no genesis balance") })
        var duplicate = g
        duplicate.randomness.participants.append(g.randomness.participants[0])
        #expect(duplicate.problems().contains("duplicate randomness participant"))
        var short = g
        short.randomness.epochHeights = 1
        #expect(!short.problems().isEmpty)
    }

    /// A wrong preimage, a wrong epoch, a non-participant and a second reveal are rejected and change nothing but
    /// the fee; so is the reveal of an excluded participant.
    @Test func rejectedRevealsChangeOnlyTheFee() {
        var h = Harness(genesis(), proposer: c.validator.signing)
        h.block(at: 1_000_000, [])  // height 1, epoch 0
        let wrongSecret = Message.revealRandomness(
            epoch: 0, secret: Self.secret(0, 1), nextCommitment: Randomness.commitment(Self.secret(0, 1)))
        expectRejected(&h, h.tx(ops[0], wrongSecret), .invalidArgument)
        expectRejected(&h, h.tx(ops[0], Self.reveal(0, 1)), .windowClosed)  // epoch 1's reveal in epoch 0
        expectRejected(&h, h.tx(c.c1, Self.reveal(0, 0)), .unauthorized)
        #expect(h.one(at: h.time + 1_000_000, ops[0], Self.reveal(0, 0)).code == .ok)
        expectRejected(&h, h.tx(ops[0], Self.reveal(0, 0)), .alreadyExists)
        // Operator 3 never reveals in epoch 0: excluded, and its later reveals are refused.
        h.ok(at: h.time + 1_000_000, [(ops[1], Self.reveal(1, 0)), (ops[2], Self.reveal(2, 0))])
        advance(&h, to: Self.epochHeights - 1)
        let end = h.block(at: h.time + 1_000_000, []).outcome.contract
        #expect(end.contains(.randomnessExcluded(participant: ops[3].address, epoch: 0)))
        #expect(end.count { if case .randomnessExcluded = $0 { true } else { false } } == 1)
        #expect(end.contains { if case .randomnessBeacon(0, _, 3) = $0 { true } else { false } })
        #expect(h.app.isRandomnessExcluded(ops[3].address) && !h.app.isRandomnessExcluded(ops[0].address))
        expectRejected(&h, h.tx(ops[3], Self.reveal(3, 0)), .notEligible)
        #expect(h.one(at: h.time + 1_000_000, ops[0], Self.reveal(0, 1)).code == .ok)
    }

    /// An excluded participant may rejoin `rejoinDelayEpochs` after its exclusion, and reveals from the next epoch.
    @Test func excludedParticipantRejoinsAfterTheDelay() {
        var h = Harness(genesis(rejoinDelay: 2), proposer: c.validator.signing)
        h.ok(at: 1_000_000, (0..<3).map { (ops[$0], Self.reveal($0, 0)) })
        advance(&h, to: Self.epochHeights)  // epoch 0 closed: operator 3 excluded in epoch 0
        let fresh = Hash.sha256(Array("fresh".utf8))
        expectRejected(&h, h.tx(ops[3], .rejoinRandomness(commitment: Randomness.commitment(fresh))), .windowClosed)
        expectRejected(&h, h.tx(ops[0], .rejoinRandomness(commitment: fresh)), .alreadyExists)
        h.ok(at: h.time + 1_000_000, (0..<3).map { (ops[$0], Self.reveal($0, 1)) })
        advance(&h, to: 2 * Self.epochHeights)  // epoch 2: two epochs after the exclusion
        let r = h.one(at: h.time + 1_000_000, ops[3], .rejoinRandomness(commitment: Randomness.commitment(fresh)))
        #expect(r.code == .ok && r.contract.contains(.randomnessRejoined(participant: ops[3].address, epoch: 3)))
        expectRejected(
            &h, h.tx(ops[3], .revealRandomness(epoch: 2, secret: fresh, nextCommitment: fresh)), .notEligible)
        h.ok(at: h.time + 1_000_000, (0..<3).map { (ops[$0], Self.reveal($0, 2)) })
        advance(&h, to: 3 * Self.epochHeights - 1)
        let end2 = h.block(at: h.time + 1_000_000, []).outcome.contract
        #expect(!end2.contains { if case .randomnessExcluded = $0 { true } else { false } })
        h.ok(
            at: h.time + 1_000_000,
            (0..<3).map { (ops[$0], Self.reveal($0, 3)) } + [
                (ops[3], .revealRandomness(epoch: 3, secret: fresh, nextCommitment: fresh))
            ])
        advance(&h, to: 4 * Self.epochHeights - 1)
        let end3 = h.block(at: h.time + 1_000_000, []).outcome.contract
        #expect(end3.contains { if case .randomnessBeacon(3, _, 4) = $0 { true } else { false } })
        #expect(!end3.contains { if case .randomnessExcluded = $0 { true } else { false } })
    }

    /// The same reveals give the same beacon under either signature scheme and in any order within the block.
    @Test func beaconIgnoresSignaturesAndTransactionOrder() {
        func run(scheme: SignatureScheme, reversed: Bool) -> [Hash] {
            var keyed = ops
            for i in keyed.indices {
                keyed[i].signing = SigningKey.derive(label: "operator-\(i)", seed: 7, scheme: scheme)
            }
            var h = Harness(genesis(ops: keyed), proposer: c.validator.signing)
            h.scheme = scheme
            var beacons: [Hash] = []
            for e: UInt64 in 0..<3 {
                let reveals = (0..<4).map { (keyed[$0], Self.reveal($0, e)) }
                h.ok(at: h.time + 1_000_000, reversed ? reveals.reversed() : reveals)
                advance(&h, to: (e + 1) * Self.epochHeights)
                if let b = h.app.randomnessBeacon { beacons.append(b) }
            }
            return beacons
        }
        let reference = run(scheme: .ed25519, reversed: false)
        #expect(reference.count == 3 && Set(reference).count == 3)
        #expect(run(scheme: .simulated, reversed: false) == reference)
        #expect(run(scheme: .ed25519, reversed: true) == reference)
        #expect(
            reference[0]
                == Randomness.beacon(
                    epoch: 0, reveals: (0..<4).map { Optional(Self.secret($0, 0)) },
                    previous: Hash.sha256(Array("x".utf8))))
    }

    /// Reports of epoch E are pending until the end of E + 1: a peer review before the draw is refused; feedback
    /// given while pending is kept and resolves the hold-back of a study the draw leaves unsampled; a sampled one
    /// keeps its hold-back for the review.
    @Test func pendingDrawKeepsFeedbackForTheHoldback() {
        let vb = ValueBasedParameters(
            holdbackBasisPoints: 1_000, levyBasisPoints: 0, bonusPeriodTicks: 1_000 * hour,
            payout: .proportionalToQualityPoints, holdbackTimeoutTicks: 500 * hour)
        var h = Harness(genesis(sampling: 5_000, valueBased: vb), proposer: c.validator.signing)
        h.ok(at: minute, c.setup(licenceR3InCA: true) + (0..<4).map { (ops[$0], Self.reveal($0, 0)) })
        let n: UInt64 = 8
        h.ok(at: 2 * minute, (0..<n).map { _ in (c.c1, .postStudy(c.order(c.c1, deadline: 30 * hour))) })
        h.ok(at: 3 * minute, (1...n).map { (c.r1, .claimStudy(studyID: $0)) })
        h.ok(at: 4 * minute, (1...n).map { (c.r1, .submitReport(studyID: $0, report: c.report($0))) })
        #expect((1...n).allSatisfy { h.app.study($0)?.sampling == .pending })
        let early = h.one(at: 5 * minute, c.r2, .submitPeerReview(studyID: 1, score: .concur, labels: []))
        #expect(early.code == .wrongStudyState)
        h.ok(at: 6 * minute, (1...n).map { (c.c1, .submitFeedback(studyID: $0, score: 5, labels: [])) })
        #expect((1...n).allSatisfy { (h.app.study($0)?.holdback ?? 0) > 0 })
        advance(&h, to: Self.epochHeights + 1)
        h.ok(at: h.time + 1_000_000, (0..<4).map { (ops[$0], Self.reveal($0, 1)) })
        advance(&h, to: 2 * Self.epochHeights - 1)
        let end = h.block(at: h.time + 1_000_000, []).outcome.contract
        guard case .randomnessBeacon(1, let beacon, 4)? = end.first(where: { $0.kind == .randomnessBeacon }) else {
            Issue.record("no beacon of epoch 1")
            return
        }
        var sampled = 0
        for id in 1...n {
            let s = h.app.study(id)
            if Randomness.sampleDraw(beacon: beacon, study: id) < 5_000 {
                sampled += 1
                #expect(s?.sampling == .sampled && (s?.holdback ?? 0) > 0)
                #expect(end.contains(.studySampled(study: id)))
            } else {
                #expect(s?.sampling == .notSampled && s?.holdback == 0)
                #expect(end.contains { if case .holdbackReleased(id, _) = $0 { true } else { false } })
            }
        }
        #expect(sampled > 0 && sampled < Int(n))  // both branches seen with these secrets
        let sampledID = (1...n).first { h.app.study($0)?.sampling == .sampled } ?? 1
        #expect(
            h.one(at: h.time + 1_000_000, c.r2, .submitPeerReview(studyID: sampledID, score: .concur, labels: [])).code
                == .ok)
    }

    /// A hold-back whose time-out passes while the draw is pending waits for the draw: an unsampled study is then
    /// released (without a quality point), a sampled one keeps it no longer than its time-out either.
    @Test func holdbackTimeOutWaitsForThePendingDraw() {
        let vb = ValueBasedParameters(
            holdbackBasisPoints: 1_000, levyBasisPoints: 0, bonusPeriodTicks: 1_000 * hour,
            payout: .proportionalToQualityPoints, holdbackTimeoutTicks: minute)
        var h = Harness(genesis(sampling: 5_000, valueBased: vb), proposer: c.validator.signing)
        h.ok(at: minute, c.setup() + (0..<4).map { (ops[$0], Self.reveal($0, 0)) })
        let n: UInt64 = 6
        h.ok(at: 2 * minute, (0..<n).map { _ in (c.c1, .postStudy(c.order(c.c1, deadline: 30 * hour))) })
        h.ok(at: 3 * minute, (1...n).map { (c.r1, .claimStudy(studyID: $0)) })
        h.ok(at: 4 * minute, (1...n).map { (c.r1, .submitReport(studyID: $0, report: c.report($0))) })
        h.block(at: 10 * minute, [])  // past every time-out, draws pending
        #expect((1...n).allSatisfy { h.app.study($0)?.sampling == .pending && (h.app.study($0)?.holdback ?? 0) > 0 })
        advance(&h, to: Self.epochHeights + 1)
        h.ok(at: h.time + 1_000_000, (0..<4).map { (ops[$0], Self.reveal($0, 1)) })
        advance(&h, to: 2 * Self.epochHeights - 1)
        let end = h.block(at: h.time + 1_000_000, []).outcome.contract
        for id in 1...n {
            #expect(h.app.study(id)?.sampling != .pending && h.app.study(id)?.holdback == 0)
            #expect(end.contains { if case .holdbackReleased(id, _) = $0 { true } else { false } })
        }
        #expect(h.app.bonusPoints(of: c.r1.address) == 0)
    }
}
