import Contracts
import Ledger
import Testing

/// Speed premiums on posted-price orders (issue 18 item 2, "a client paying for speed can offer a premium for a
/// shorter promised turnaround"): the premium is escrowed beside the offer, kept past the claim, and at the report
/// paid on top of the price when the report's block time is within the promise, refunded to the client otherwise.
@Suite struct SpeedPremiumTests {
    let c = Cast()
    let posted = 2 * minute

    /// r1 and r2 list CT at 3 000. c3's CT order offers `maxPrice` (3 000) and a premium (500) for a report within
    /// `within` (an hour).
    func world(maxPrice: UInt64 = 3_000, premium: UInt64 = 500, within: Int64 = hour) -> Harness {
        var h = Harness(c.genesis(.postedPrice), proposer: c.validator.signing)
        h.ok(at: minute, c.setup())
        let order = c.order(c.c3, maxPrice: maxPrice, deadline: 6 * hour)
        h.ok(at: posted, [(c.c3, .postPremiumStudy(order, premium: premium, withinTicks: within))])
        return h
    }

    func paidToClient(_ h: Harness) -> UInt64 {
        Cast.clientBalance - h.app.balance(of: c.c3.address) - fee * h.app.nonce(of: c.c3.address)
    }

    @Test func aReportWithinThePromiseEarnsThePremium() {
        var h = world()
        #expect(h.app.study(1)?.escrow == 3_500, "the premium is escrowed beside the offer")
        #expect(h.app.speedPremium(1)?.amount == 500 && h.app.speedPremium(1)?.promisedBy == posted + hour)
        h.ok(at: posted + 10 * minute, [(c.r2, .claimStudy(studyID: 1))])
        #expect(h.app.study(1)?.price == 3_000 && h.app.study(1)?.escrow == 3_500, "kept past the claim")
        #expect(paidToClient(h) == 3_500)
        let radBefore = h.app.balance(of: c.r2.address)
        // Exactly at the promise still counts.
        let r = h.one(at: posted + hour, c.r2, .submitReport(studyID: 1, report: c.report(1)))
        #expect(r.code == .ok, "\(r.log)")
        #expect(r.contract.contains(.premiumEarned(study: 1, amount: 500)))
        #expect(h.app.study(1)?.price == 3_500 && h.app.study(1)?.radiologistPay == 3_500)
        #expect(h.app.balance(of: c.r2.address) == radBefore + 3_500 - fee)
        #expect(paidToClient(h) == 3_500)
        #expect(h.app.speedPremium(1) == nil)
        #expect(h.app.totalValue == h.genesisApp.totalValue)
    }

    @Test func aLateReportRefundsThePremium() {
        var h = world()
        h.ok(at: posted + 10 * minute, [(c.r2, .claimStudy(studyID: 1))])
        let radBefore = h.app.balance(of: c.r2.address)
        let r = h.one(at: posted + hour + 1, c.r2, .submitReport(studyID: 1, report: c.report(1)))
        #expect(r.code == .ok, "\(r.log)")
        #expect(r.contract.contains(.premiumRefunded(study: 1, amount: 500)))
        #expect(!r.contract.contains { if case .premiumEarned = $0 { true } else { false } })
        #expect(h.app.study(1)?.price == 3_000 && h.app.study(1)?.radiologistPay == 3_000)
        #expect(h.app.balance(of: c.r2.address) == radBefore + 3_000 - fee)
        #expect(paidToClient(h) == 3_000, "the premium came back")
        #expect(h.app.totalValue == h.genesisApp.totalValue)
    }

    @Test func aCheaperClaimerIsPaidItsListedPriceAndThePremium() {
        var h = world(maxPrice: 4_000, premium: 800)
        h.ok(at: posted + minute, [(c.r2, .claimStudy(studyID: 1))])
        // The offer's excess over the listed 3 000 is refunded at the claim; the premium stays.
        #expect(paidToClient(h) == 3_800 && h.app.study(1)?.escrow == 3_800)
        h.ok(at: posted + 30 * minute, [(c.r2, .submitReport(studyID: 1, report: c.report(1)))])
        #expect(h.app.study(1)?.price == 3_800)
        #expect(h.app.totalValue == h.genesisApp.totalValue)
    }

    @Test func thePromiseEndsAtTheDeadlineAtTheLatest() {
        let h = world(within: 100 * hour)
        #expect(h.app.speedPremium(1)?.promisedBy == 6 * hour)
    }

    @Test func cancelAndExpiryRefundThePremium() {
        var h = world()
        h.ok(at: posted + minute, [(c.c3, .cancelStudy(studyID: 1))])
        #expect(h.app.speedPremium(1) == nil && paidToClient(h) == 0)
        h.ok(
            at: posted + 2 * minute,
            [(c.c3, .postPremiumStudy(c.order(c.c3, maxPrice: 3_000, deadline: hour), premium: 1, withinTicks: minute))]
        )
        h.ok(at: posted + 3 * minute, [(c.r2, .claimStudy(studyID: 2))])
        h.block(at: 2 * hour, [])  // past the deadline, claimed and never reported: expired, all refunded
        #expect(h.app.study(2)?.state == .expired && h.app.speedPremium(2) == nil)
        #expect(paidToClient(h) == 0)
        #expect(h.app.totalValue == h.genesisApp.totalValue)
    }

    @Test func badTermsAreRejectedWithNoStateChangeButTheFee() {
        var h = world()
        let order = c.order(c.c1, maxPrice: 2_000, deadline: 6 * hour)
        let rejections = RejectionTests()
        rejections.expectRejected(
            &h, at: 3 * minute, h.tx(c.c1, .postPremiumStudy(order, premium: 0, withinTicks: hour)), .invalidArgument,
            feeCharged: true)
        rejections.expectRejected(
            &h, at: 4 * minute, h.tx(c.c1, .postPremiumStudy(order, premium: 10, withinTicks: 0)), .invalidArgument,
            feeCharged: true)
        rejections.expectRejected(
            &h, at: 5 * minute, h.tx(c.c1, .postPremiumStudy(order, premium: 10, withinTicks: -hour)),
            .invalidArgument, feeCharged: true)
        rejections.expectRejected(
            &h, at: 6 * minute, h.tx(c.c1, .postPremiumStudy(order, premium: .max, withinTicks: hour)),
            .invalidArgument, feeCharged: true)
        rejections.expectRejected(
            &h, at: 7 * minute, h.tx(c.c1, .postPremiumStudy(order, premium: Cast.clientBalance, withinTicks: hour)),
            .insufficientFunds, feeCharged: true)
        var auction = Harness(
            c.genesis(
                .sealedBidAuction(
                    AuctionParameters(
                        biddingWindowTicks: minute, revealWindowTicks: minute, pricing: .firstPrice,
                        weights: ScoreWeights(price: 1, quality: 0, turnaround: 0)))),
            proposer: c.validator.signing)
        auction.ok(at: minute, c.setup())
        rejections.expectRejected(
            &auction, at: 2 * minute, auction.tx(c.c1, .postPremiumStudy(order, premium: 10, withinTicks: hour)),
            .wrongMarketDesign, feeCharged: true)
    }
}
