import Contracts
import Ledger
import Testing

/// Escalating posted-price offers (issue 18 item 2): the ceiling a claim must list under rises with the block time
/// since posting, up to the escrowed cap; the claimer is paid the current bid (its listed price is at most that) and
/// the client gets the rest back.
@Suite struct EscalationTests {
    let c = Cast()

    /// r1 and r2 list CT at 3 000. c3's CT order opens at 2 000 and rises 500 an hour up to 3 500.
    func world() -> Harness {
        var h = Harness(c.genesis(.postedPrice), proposer: c.validator.signing)
        h.ok(at: minute, c.setup())
        h.ok(
            at: 2 * minute,
            [(c.c3, .postEscalatingStudy(c.order(c.c3, maxPrice: 2_000, deadline: 6 * hour), perHour: 500, cap: 3_500))]
        )
        return h
    }

    @Test func theCeilingRisesWithTheWaitUpToTheCap() {
        var h = world()
        // The cap is escrowed at posting.
        #expect(h.app.study(1)?.escrow == 3_500)
        #expect(h.app.balance(of: c.c3.address) == Cast.clientBalance - 3_500 - fee * h.app.nonce(of: c.c3.address))
        let posted = 2 * minute
        #expect(h.app.offerCeiling(1, at: posted) == 2_000)
        #expect(h.app.offerCeiling(1, at: posted + 30 * minute) == 2_250)
        #expect(h.app.offerCeiling(1, at: posted + hour + 1) == 2_500)  // rounded down
        #expect(h.app.offerCeiling(1, at: posted + 2 * hour) == 3_000)
        #expect(h.app.offerCeiling(1, at: posted + 100 * hour) == 3_500)
        #expect(h.app.offerCeiling(1, at: .max) == 3_500)  // 128-bit: no trap at the top of the clock
        #expect(h.app.offerCeiling(1, at: .min) == 2_000)  // a time before posting: the opening offer

        // Too early for a 3 000 listing; two and a half hours after posting it fits.
        let early = h.one(at: posted + hour, c.r2, .claimStudy(studyID: 1))
        #expect(early.code == .priceTooHigh, "\(early.log)")
        let before = h.app.balance(of: c.c3.address)
        let claim = h.one(at: posted + 2 * hour + 30 * minute, c.r2, .claimStudy(studyID: 1))
        #expect(claim.code == .ok, "\(claim.log)")
        // Paid the bid at the claim's block time (3 250), not the 3 000 it lists.
        #expect(h.app.study(1)?.price == 3_250 && h.app.study(1)?.escrow == 3_250)
        #expect(h.app.study(1)?.radiologistPay == 3_250)
        #expect(h.app.balance(of: c.c3.address) == before + 250, "the cap's excess over the bid is refunded")
        #expect(h.app.escalatingOffer(1) == nil, "the offer's terms go with the claim")
        #expect(h.app.totalValue == h.genesisApp.totalValue)
    }

    @Test func aFixedOfferDoesNotRise() {
        var h = Harness(c.genesis(.postedPrice), proposer: c.validator.signing)
        h.ok(at: minute, c.setup())
        h.ok(at: 2 * minute, [(c.c3, .postStudy(c.order(c.c3, maxPrice: 2_000, deadline: 6 * hour)))])
        #expect(h.app.offerCeiling(1, at: 5 * hour) == 2_000)
        #expect(h.one(at: 5 * hour, c.r2, .claimStudy(studyID: 1)).code == .priceTooHigh)
    }

    @Test func cancelAndExpiryRefundTheCap() {
        var h = world()
        h.ok(at: 3 * minute, [(c.c3, .cancelStudy(studyID: 1))])
        #expect(h.app.escalatingOffer(1) == nil)
        #expect(h.app.balance(of: c.c3.address) == Cast.clientBalance - fee * h.app.nonce(of: c.c3.address))
        h.ok(
            at: 4 * minute,
            [(c.c3, .postEscalatingStudy(c.order(c.c3, maxPrice: 2_000, deadline: hour), perHour: 1, cap: 2_001))])
        h.block(at: 2 * hour, [])  // past the deadline: expired, cap refunded
        #expect(h.app.study(2)?.state == .expired && h.app.escalatingOffer(2) == nil)
        #expect(h.app.balance(of: c.c3.address) == Cast.clientBalance - fee * h.app.nonce(of: c.c3.address))
    }

    @Test func badTermsAreRejectedWithNoStateChangeButTheFee() {
        var h = world()
        let order = c.order(c.c1, maxPrice: 2_000, deadline: 6 * hour)
        let rejections = RejectionTests()
        rejections.expectRejected(
            &h, at: 3 * minute, h.tx(c.c1, .postEscalatingStudy(order, perHour: 0, cap: 3_000)), .invalidArgument,
            feeCharged: true)
        rejections.expectRejected(
            &h, at: 4 * minute, h.tx(c.c1, .postEscalatingStudy(order, perHour: 10, cap: 2_000)), .invalidArgument,
            feeCharged: true)
        rejections.expectRejected(
            &h, at: 5 * minute,
            h.tx(c.c1, .postEscalatingStudy(order, perHour: 10, cap: Cast.clientBalance * 2)), .insufficientFunds,
            feeCharged: true)
        // Not on an auction chain (its orders are bid for, not claimed).
        var auction = Harness(
            c.genesis(
                .sealedBidAuction(
                    AuctionParameters(
                        biddingWindowTicks: minute, revealWindowTicks: minute, pricing: .firstPrice,
                        weights: ScoreWeights(price: 1, quality: 0, turnaround: 0)))),
            proposer: c.validator.signing)
        auction.ok(at: minute, c.setup())
        rejections.expectRejected(
            &auction, at: 2 * minute, auction.tx(c.c1, .postEscalatingStudy(order, perHour: 10, cap: 3_000)),
            .wrongMarketDesign, feeCharged: true)
    }
}
