import Contracts
import Ledger
import MarketModel
import Testing

/// Issue 17 item 1: block times are chosen by proposers, so the contracts' time arithmetic saturates instead of
/// trapping (`now + window` at `Int64.max`, `deadline - revealEnds` after a block dated `Int64.min + 1`). Each test
/// runs a whole contract flow at an extreme time; with the plain `+`/`-` of before, each traps.
@Suite struct ExtremeTimeTests {
    let c = Cast()
    let auction = AuctionParameters(
        biddingWindowTicks: 10 * minute, revealWindowTicks: 10 * minute, pricing: .firstPrice,
        weights: ScoreWeights(price: 1, quality: 0, turnaround: 1))

    func salt(_ p: Party) -> Hash { Hash.sha256(p.address.bytes) }

    @Test func anAuctionPostedNearInt64MaxIsRefusedWithoutATrap() {
        var h = Harness(c.genesis(.sealedBidAuction(auction)), proposer: c.validator.signing)
        h.ok(at: minute, c.setup())
        // now + bidding window + reveal window saturates at Int64.max: no deadline can follow the reveal window.
        let posted = h.one(at: .max - minute, c.c1, .postStudy(c.order(c.c1, deadline: .max)))
        #expect(posted.code == .invalidArgument)
        let end = h.block(at: .max, [])
        #expect(end.receipts.isEmpty)
    }

    /// After a block dated one tick after `Int64.min` (a far-past lie), an auction with a far deadline runs to its
    /// award: `deadline - revealEnds` and the turnaround score's span exceed Int64 and UInt64 products.
    @Test func anAuctionFromTheFarPastToAFarDeadlineRunsToItsAward() {
        var h = Harness(c.genesis(.sealedBidAuction(auction)), proposer: c.validator.signing)
        let t0 = Int64.min + 1
        h.ok(at: t0, c.setup())
        h.ok(at: t0 + minute, [(c.c1, .postStudy(c.order(c.c1, deadline: .max)))])
        let commitment = Message.bidCommitment(
            studyID: 1, bidder: c.r1.address, price: 3_000, turnaroundTicks: 30 * minute, salt: salt(c.r1))
        h.ok(at: t0 + 5 * minute, [(c.r1, .commitBid(studyID: 1, commitment: commitment))])
        h.ok(
            at: t0 + 15 * minute,
            [(c.r1, .revealBid(studyID: 1, price: 3_000, turnaroundTicks: 30 * minute, salt: salt(c.r1)))])
        let fin = h.ok(at: t0 + 22 * minute, [(c.c2, .finaliseAuction(studyID: 1))])
        #expect(fin.receipts[0].contract.contains { if case .studyAssigned = $0 { true } else { false } })
    }

    /// A report near Int64.max: the hold-back's time-out (`now + timeout`) saturates at Int64.max and is released
    /// by the block at Int64.max; the bonus period arithmetic at Int64.max does not trap either.
    @Test func aHoldbackReportedNearInt64MaxIsReleasedAtInt64Max() {
        let vb = ValueBasedParameters(
            holdbackBasisPoints: 1_000, levyBasisPoints: 500, bonusPeriodTicks: 24 * hour,
            payout: .proportionalToQualityPoints, holdbackTimeoutTicks: 12 * hour)
        var h = Harness(c.genesis(.postedPrice, valueBased: vb, sampling: 0), proposer: c.validator.signing)
        h.ok(at: minute, c.setup())
        h.ok(at: 2 * minute, [(c.c1, .postStudy(c.order(c.c1, deadline: .max)))])
        h.ok(at: 3 * minute, [(c.r1, .claimStudy(studyID: 1))])
        h.ok(at: .max - hour, [(c.r1, .submitReport(studyID: 1, report: c.report(1)))])
        let end = h.block(at: .max, [])
        #expect(end.outcome.contract.contains { if case .holdbackReleased = $0 { true } else { false } })
        #expect(h.app.study(1)?.holdback == 0)
    }
}
