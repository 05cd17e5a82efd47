import Contracts
import Ledger
import Testing

/// Consults and shared clinical context (issue 18 item 1): the assigned reader asks the referrer about a read
/// (`requestConsult`, tag 23) and the client records the reply (`answerConsult`, tag 24); an order may carry a
/// clinical-summary link sealed like the access link, so no patient data reaches the chain.
@Suite struct ConsultTests {
    let c = Cast()

    /// c1 posts a CT study (with a clinical-summary link) and r1 claims it; c1 posts a second one nobody claims.
    func world() -> Harness {
        var h = Harness(c.genesis(.postedPrice), proposer: c.validator.signing)
        h.ok(at: minute, c.setup())
        h.ok(at: 2 * minute, [(c.c1, .postStudy(c.order(c.c1, deadline: 6 * hour, summary: true)))])
        h.ok(at: 3 * minute, [(c.r1, .claimStudy(studyID: 1))])
        h.ok(at: 4 * minute, [(c.c1, .postStudy(c.order(c.c1, deadline: 7 * hour)))])
        return h
    }

    @Test func theAssigneeAsksAndTheClientAnswersOnce() {
        var h = world()
        #expect(h.app.consultState(1) == nil)
        h.ok(at: 5 * minute, [(c.r1, .requestConsult(studyID: 1))])
        #expect(h.app.consultState(1) == .requested)
        h.ok(at: 15 * minute, [(c.c1, .answerConsult(studyID: 1, answered: true))])
        #expect(h.app.consultState(1) == .answered)
        // The study is still the reader's to report.
        h.ok(at: 20 * minute, [(c.r1, .submitReport(studyID: 1, report: c.report(1)))])
        #expect(h.app.study(1)?.state == .reported)
    }

    @Test func aDeclinedConsultIsRecorded() {
        var h = world()
        h.ok(at: 5 * minute, [(c.r1, .requestConsult(studyID: 1))])
        h.ok(at: 6 * minute, [(c.c1, .answerConsult(studyID: 1, answered: false))])
        #expect(h.app.consultState(1) == .declined)
    }

    /// Not the assigned reader, no such study, a study not assigned, a second request, not the study's client, no
    /// consult to answer, a second answer: each rejected, with nothing but the fee changed.
    @Test func badConsultTransactionsChangeOnlyTheFee() {
        var h = world()
        let rejections = RejectionTests()
        rejections.expectRejected(
            &h, at: 5 * minute, h.tx(c.r2, .requestConsult(studyID: 1)), .notAssignee, feeCharged: true)
        rejections.expectRejected(
            &h, at: 6 * minute, h.tx(c.r1, .requestConsult(studyID: 99)), .notFound, feeCharged: true)
        rejections.expectRejected(
            &h, at: 7 * minute, h.tx(c.r1, .requestConsult(studyID: 2)), .wrongStudyState, feeCharged: true)
        rejections.expectRejected(
            &h, at: 8 * minute, h.tx(c.c1, .answerConsult(studyID: 1, answered: true)), .notFound, feeCharged: true)
        h.ok(at: 9 * minute, [(c.r1, .requestConsult(studyID: 1))])
        rejections.expectRejected(
            &h, at: 10 * minute, h.tx(c.r1, .requestConsult(studyID: 1)), .alreadyExists, feeCharged: true)
        rejections.expectRejected(
            &h, at: 11 * minute, h.tx(c.c2, .answerConsult(studyID: 1, answered: true)), .unauthorized,
            feeCharged: true)
        rejections.expectRejected(
            &h, at: 12 * minute, h.tx(c.r1, .answerConsult(studyID: 1, answered: true)), .unauthorized,
            feeCharged: true)
        rejections.expectRejected(
            &h, at: 13 * minute, h.tx(c.c1, .answerConsult(studyID: 99, answered: true)), .notFound,
            feeCharged: true)
        h.ok(at: 14 * minute, [(c.c1, .answerConsult(studyID: 1, answered: true))])
        rejections.expectRejected(
            &h, at: 15 * minute, h.tx(c.c1, .answerConsult(studyID: 1, answered: false)), .alreadyExists,
            feeCharged: true)
        #expect(h.app.consultState(1) == .answered)
    }

    /// The order's clinical-summary link is stored sealed to the client's own key: only the client opens it, and
    /// neither link's plaintext appears in the state.
    @Test func theSummaryLinkIsSealed() throws {
        let h = world()
        let study = try #require(h.app.study(1))
        let box = try #require(study.order.clinicalSummaryLink)
        let info = Message.accessInfo(studyID: 0, recipient: c.c1.sealing.publicKey)
        #expect(try Sealing.open(box, with: c.c1.sealing, info: info) == Cast.summaryLink)
        #expect(throws: (any Error).self) { try Sealing.open(box, with: c.r1.sealing, info: info) }
        #expect(h.app.study(2)?.order.clinicalSummaryLink == nil)
        // An order with a summary link is its order without one, flag bit 1 set, and the box appended; both
        // round-trip, and a flag byte above 3 is not canonical.
        let plain = c.order(c.c1, deadline: 7 * hour)
        let shared = c.order(c.c1, deadline: 7 * hour, summary: true)
        let flagAt = plain.canonicalBytes.count - plain.clientSealedLink.canonicalBytes.count - 32 - 8 - 8 - 1
        var expected = plain.canonicalBytes
        expected[flagAt] |= 2
        #expect(shared.canonicalBytes == expected + (shared.clinicalSummaryLink?.canonicalBytes ?? []))
        #expect(try StudyOrder.decode(canonical: shared.canonicalBytes) == shared)
        var bad = plain.canonicalBytes
        bad[flagAt] = 4
        #expect(throws: (any Error).self) { try StudyOrder.decode(canonical: bad) }
        #expect(try StudyOrder.decode(canonical: plain.canonicalBytes) == plain)
    }
}
