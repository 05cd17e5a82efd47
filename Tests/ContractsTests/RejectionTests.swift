import Contracts
import Ledger
import Testing

/// One test per rejection code. Each asserts the code and the state root: unchanged for Ledger-level and ante
/// failures; for message failures, equal to the state of the same block without the transaction plus exactly
/// the fee rule (fee moved to the collector, nonce incremented).
@Suite struct RejectionTests {
    let c = Cast()

    /// A chain after setup with: study 1 (US-CA CT, c1) claimed by r1; study 2 open (c2, credentialing); study 3
    /// open (c1, neuro); study 4 open (c3, US-CA, deadline at 2 hours).
    func world(_ market: MarketDesign = .postedPrice) -> Harness {
        var h = Harness(c.genesis(market), proposer: c.validator.signing)
        h.ok(at: minute, c.setup())
        h.ok(
            at: 2 * minute,
            [
                (c.c1, .postStudy(c.order(c.c1, deadline: 3 * hour))),
                (c.c2, .postStudy(c.order(c.c2, deadline: 3 * hour, credentialing: true))),
                (c.c1, .postStudy(c.order(c.c1, deadline: 3 * hour, subspecialty: "neuro"))),
                (c.c3, .postStudy(c.order(c.c3, deadline: 2 * hour))),
            ])
        h.ok(at: 3 * minute, [(c.r1, .claimStudy(studyID: 1))])
        return h
    }

    /// Runs `tx` alone in a block at `t` and checks its code and the resulting root against a control run of an
    /// empty block at the same time.
    func expectRejected(
        _ h: inout Harness, at t: Int64, _ tx: Transaction, _ code: TxCode, feeCharged: Bool,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        var control = h
        control.block(at: t, [])
        let before = h.app.stateRoot
        let r = h.block(at: t, [tx]).receipts[0]
        #expect(r.code == code, "log: \(r.log)", sourceLocation: sourceLocation)
        let expected =
            feeCharged
            ? applyingFeeRule(
                to: control.app.state, sender: tx.sender.address, collector: c.validator.address,
                fee: tx.fee.minorUnits
            ).rootHash
            : control.app.stateRoot
        #expect(h.app.stateRoot == expected, sourceLocation: sourceLocation)
        #expect(r.events.isEmpty == !feeCharged, sourceLocation: sourceLocation)
        if !feeCharged && control.app.stateRoot == control.genesisApp.stateRoot {
            #expect(h.app.stateRoot == before, sourceLocation: sourceLocation)
        }
    }

    @Test func wrongChainID() {
        var h = world()
        let tx = h.tx(c.c1, .transfer(to: c.c2.address, amount: 1), chainID: "another-chain")
        expectRejected(&h, at: 4 * minute, tx, .wrongChainID, feeCharged: false)
    }

    @Test func badSignature() {
        var h = world()
        var tx = h.tx(c.c1, .transfer(to: c.c2.address, amount: 1))
        tx.signature = c.c2.signing.sign(tx.signBytes)
        expectRejected(&h, at: 4 * minute, tx, .badSignature, feeCharged: false)
    }

    @Test func badNonce() {
        var h = world()
        let tx = h.tx(c.c1, .transfer(to: c.c2.address, amount: 1), nonce: 99)
        expectRejected(&h, at: 4 * minute, tx, .badNonce, feeCharged: false)
        let replay = h.blocks[1].transactions[0]  // c1's first post, replayed
        expectRejected(&h, at: 5 * minute, replay, .badNonce, feeCharged: false)
    }

    @Test func insufficientFunds() {
        var h = world()
        expectRejected(
            &h, at: 4 * minute, h.tx(c.poor, .transfer(to: c.c2.address, amount: 1)), .insufficientFunds,
            feeCharged: false)
        expectRejected(
            &h, at: 5 * minute, h.tx(c.r3, .transfer(to: c.c2.address, amount: 1_000_000)), .insufficientFunds,
            feeCharged: true)
        expectRejected(
            &h, at: 6 * minute, h.tx(c.r3, .postStudy(c.order(c.r3, maxPrice: 50_000, deadline: hour))),
            .insufficientFunds, feeCharged: true)
    }

    @Test func insufficientFee() {
        var h = world()
        expectRejected(
            &h, at: 4 * minute, h.tx(c.c1, .transfer(to: c.c2.address, amount: 1), fee: 9), .insufficientFee,
            feeCharged: false)
    }

    @Test func notEligible() {
        var h = world()
        h.ok(at: 4 * minute, [(c.c3, .postStudy(c.order(c.c3, deadline: 3 * hour)))])  // study 5
        // No licence for the jurisdiction.
        expectRejected(&h, at: 5 * minute, h.tx(c.r3, .claimStudy(studyID: 5)), .notEligible, feeCharged: true)
        // Not credentialed with a client that requires it.
        expectRejected(&h, at: 6 * minute, h.tx(c.r2, .claimStudy(studyID: 2)), .notEligible, feeCharged: true)
        // Missing subspecialty.
        expectRejected(&h, at: 7 * minute, h.tx(c.r1, .claimStudy(studyID: 3)), .notEligible, feeCharged: true)
        // Not registered.
        expectRejected(&h, at: 8 * minute, h.tx(c.c2, .claimStudy(studyID: 5)), .notEligible, feeCharged: true)
        // Revoked licence.
        h.ok(
            at: 9 * minute,
            [(c.authority, .revokeAttestation(subject: c.r2.address, claim: .licence(jurisdiction: "US-CA")))])
        expectRejected(&h, at: 10 * minute, h.tx(c.r2, .claimStudy(studyID: 5)), .notEligible, feeCharged: true)
    }

    @Test func licenceExpired() {
        var h = world()
        // r4's US-CA licence expires at 10 minutes.
        expectRejected(&h, at: 10 * minute, h.tx(c.r4, .claimStudy(studyID: 4)), .licenceExpired, feeCharged: true)
    }

    @Test func notAssignee() {
        var h = world()
        expectRejected(
            &h, at: 10 * minute, h.tx(c.r2, .submitReport(studyID: 1, report: c.report(1))), .notAssignee,
            feeCharged: true)
        let wrongKey = Sealing.seal(
            Cast.link, to: c.r2.sealing.publicKey, ephemeral: SealingKey.derive(label: "e", seed: 1),
            info: Message.accessInfo(studyID: 1, recipient: c.r2.sealing.publicKey))
        expectRejected(
            &h, at: 11 * minute,
            h.tx(c.c1, .grantAccess(studyID: 1, recipient: c.r2.sealing.publicKey, sealedLink: wrongKey)),
            .notAssignee, feeCharged: true)
    }

    @Test func wrongStudyState() {
        var h = world()
        // Double assignment.
        expectRejected(&h, at: 4 * minute, h.tx(c.r2, .claimStudy(studyID: 1)), .wrongStudyState, feeCharged: true)
        // Report before assignment.
        expectRejected(
            &h, at: 5 * minute, h.tx(c.r1, .submitReport(studyID: 4, report: c.report(4))), .wrongStudyState,
            feeCharged: true)
        // Cancel after assignment.
        expectRejected(&h, at: 6 * minute, h.tx(c.c1, .cancelStudy(studyID: 1)), .wrongStudyState, feeCharged: true)
    }

    @Test func deadlinePassed() {
        var h = world()
        // Study 4's deadline is 2 hours: a claim in the block at the deadline is refused (and endBlock expires it,
        // which the control block does too).
        expectRejected(&h, at: 2 * hour, h.tx(c.r2, .claimStudy(studyID: 4)), .deadlinePassed, feeCharged: true)
        #expect(h.app.study(4)?.state == .expired)
        expectRejected(
            &h, at: 2 * hour + 1, h.tx(c.c1, .postStudy(c.order(c.c1, deadline: hour))), .deadlinePassed,
            feeCharged: true)
    }

    @Test func fieldTooLarge() {
        var h = world()
        let long = String(repeating: "X", count: 100)
        expectRejected(
            &h, at: 4 * minute, h.tx(c.c1, .postStudy(c.order(c.c1, deadline: hour, jurisdiction: long))),
            .fieldTooLarge,
            feeCharged: false)
        let many = ReportSubmission(reportHash: .zero, findings: Array(repeating: 1, count: 200))
        expectRejected(
            &h, at: 5 * minute, h.tx(c.r1, .submitReport(studyID: 1, report: many)), .fieldTooLarge, feeCharged: false)
    }

    @Test func unknownMessageAndMalformed() {
        var h = world()
        expectRejected(&h, at: 4 * minute, h.tx(c.c1, bytes: [200, 1, 2, 3]), .unknownMessage, feeCharged: false)
        expectRejected(&h, at: 5 * minute, h.tx(c.c1, bytes: [], nonce: 6), .unknownMessage, feeCharged: false)
        var bytes = Message.transfer(to: c.c2.address, amount: 5).canonicalBytes
        bytes.removeLast()
        expectRejected(&h, at: 6 * minute, h.tx(c.c1, bytes: bytes, nonce: 6), .malformed, feeCharged: false)
    }

    @Test func unauthorizedAndOthers() {
        var h = world()
        expectRejected(
            &h, at: 4 * minute,
            h.tx(c.r1, .issueAttestation(subject: c.r1.address, claim: .subspecialty("neuro"), expiresAtTicks: .max)),
            .unauthorized, feeCharged: true)
        expectRejected(&h, at: 5 * minute, h.tx(c.c2, .cancelStudy(studyID: 4)), .unauthorized, feeCharged: true)
        expectRejected(&h, at: 6 * minute, h.tx(c.c2, .cancelStudy(studyID: 99)), .notFound, feeCharged: true)
        expectRejected(
            &h, at: 7 * minute, h.tx(c.r1, .registerRadiologist(c.profile(c.r1))), .alreadyExists, feeCharged: true)
        expectRejected(
            &h, at: 8 * minute, h.tx(c.r1, .commitBid(studyID: 4, commitment: .zero)), .wrongMarketDesign,
            feeCharged: true)
        // A client cancels its own open study: refunded in full.
        let r = h.one(at: 9 * minute, c.c3, .cancelStudy(studyID: 4))
        #expect(r.code == .ok && h.app.balance(of: c.c3.address) == Cast.clientBalance - 2 * fee)
    }

    /// A low-order X25519 sealing key (all zeros) is refused at registration and update: access links sealed
    /// to it could be opened by anyone.
    @Test func invalidSealingKey() {
        var h = world()
        var p = c.profile(c.r1)
        p.sealingKey = SealingPublicKey(bytes: Bytes(repeating: 0, count: 32))
        expectRejected(&h, at: 4 * minute, h.tx(c.r1, .updateRadiologist(p)), .invalidArgument, feeCharged: true)
    }
}
