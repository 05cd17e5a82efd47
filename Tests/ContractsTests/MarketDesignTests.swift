import Contracts
import Ledger
import Testing

/// One end-to-end scenario per market design: several clients and radiologists, signed transactions in blocks,
/// studies posted → assigned → reported → reviewed → settled.
@Suite struct MarketDesignTests {
    let cast = Cast()

    func balance(_ h: Harness, _ p: Party, start: UInt64) -> Int64 {
        Int64(h.app.balance(of: p.address)) - Int64(start) + Int64(fee * h.app.nonce(of: p.address))
    }

    @Test func postedPrice() {
        let c = cast
        var h = Harness(c.genesis(.postedPrice), proposer: c.validator.signing)
        h.ok(at: minute, c.setup())
        h.ok(
            at: 2 * minute,
            [
                (c.c1, .postStudy(c.order(c.c1, deadline: 3 * hour))),
                (
                    c.c2,
                    .postStudy(c.order(c.c2, modality: .xr, maxPrice: 1_500, deadline: 3 * hour, credentialing: true))
                ),
                (c.c3, .postStudy(c.order(c.c3, maxPrice: 2_000, deadline: 3 * hour))),
            ])
        #expect(h.app.balance(of: c.c1.address) == Cast.clientBalance - 4_000 - fee)
        // r2 is not credentialed with c2; nobody lists CT at or below 2 000.
        let r = h.block(
            at: 3 * minute,
            [
                h.tx(c.r1, .claimStudy(studyID: 1)), h.tx(c.r2, .claimStudy(studyID: 2)),
                h.tx(c.r1, .claimStudy(studyID: 2)), h.tx(c.r2, .claimStudy(studyID: 3)),
                h.tx(c.r2, .claimStudy(studyID: 1)),
            ])
        #expect(r.receipts.map(\.code) == [.ok, .notEligible, .ok, .priceTooHigh, .wrongStudyState])
        let assigned = ContractEvent.studyAssigned(study: 1, radiologist: c.r1.address, price: 3_000, pay: 3_000)
        #expect(r.receipts[0].contract.contains(assigned))
        // The excess over the listed price is refunded at assignment.
        #expect(h.app.study(1)?.escrow == 3_000)
        #expect(balance(h, c.c1, start: Cast.clientBalance) == -3_000)
        h.ok(
            at: 4 * minute,
            [
                (
                    c.c1,
                    .grantAccess(
                        studyID: 1, recipient: c.r1.sealing.publicKey,
                        sealedLink: Sealing.seal(
                            Cast.link, to: c.r1.sealing.publicKey,
                            ephemeral: SealingKey.derive(label: "g", seed: 1),
                            info: Message.accessInfo(studyID: 1, recipient: c.r1.sealing.publicKey)))
                )
            ])
        let rep = h.ok(
            at: 33 * minute,
            [
                (c.r1, .submitReport(studyID: 1, report: c.report(1, followUp: true))),
                (c.r1, .submitReport(studyID: 2, report: c.report(2))),
            ])
        #expect(
            rep.receipts[0].contract.contains {
                if case .settlement(1, c.r1.address, 3_000, _, _, _) = $0 { true } else { false }
            })
        #expect(rep.receipts[0].contract.contains(.studySampled(study: 1)))  // sampling rate 100% in this genesis
        // Labels: study 2's confirmed feedback labels it first, so its peer review adds none (one label per study).
        let confirmed = FindingLabel(findingCode: 0, outcome: .falsePositive)
        let adjudicated = h.ok(
            at: 40 * minute,
            [
                (c.c1, .submitFeedback(studyID: 1, score: 5)),
                (c.c2, .submitFeedback(studyID: 2, score: 4, labels: [confirmed])),
                (c.c1, .completeFollowUp(studyID: 1)),
                (
                    c.r2,
                    .submitPeerReview(
                        studyID: 1, score: .concur,
                        labels: [
                            FindingLabel(findingCode: 101, outcome: .truePositive),
                            FindingLabel(findingCode: 230, outcome: .falsePositive),
                        ])
                ),
                (c.r2, .submitPeerReview(studyID: 2, score: .score2a, labels: [confirmed])),
            ])
        let appended = adjudicated.receipts.map { r in
            r.contract.compactMap {
                if case .labelAppended(_, let id, _, let source) = $0 { (id, source) } else { nil }
            }
        }
        #expect(appended.map(\.count) == [0, 1, 0, 1, 0])
        #expect(appended[1].first! == (2, .referrerFeedback) && appended[3].first! == (1, .peerReview))
        // r3 holds no US-CA licence, so cannot review; the study expires for c3 after its deadline.
        let late = h.block(at: 3 * hour, [h.tx(c.r3, .submitPeerReview(studyID: 1, score: .score3b, labels: []))])
        #expect(late.receipts[0].code == .wrongStudyState)  // already reviewed
        #expect(late.outcome.contract.contains { if case .studyExpired(3, _, _) = $0 { true } else { false } })

        #expect(balance(h, c.c1, start: Cast.clientBalance) == -3_000)
        #expect(balance(h, c.c2, start: Cast.clientBalance) == -1_000)
        #expect(balance(h, c.c3, start: Cast.clientBalance) == 0)
        #expect(balance(h, c.r1, start: Cast.radBalance) == 4_000)
        let m = h.app.metrics(of: c.r1.address)
        #expect(m.volume == 2 && m.active == 0)
        #expect(m.medianTurnaroundTicks == 30 * minute)
        #expect(m.reviewed == 2 && m.discrepancies == 1 && m.discrepancyRateBasisPoints == 5_000)
        #expect(m.meanFeedbackMilli == 4_500)
        #expect(h.app.study(1)?.followUpCompletedAtTicks == 40 * minute)
        #expect(
            h.app.labels.map(\.studyID) == [2, 1] && h.app.labels.map(\.source) == [.referrerFeedback, .peerReview])
        #expect(h.app.labels.map(\.adjudicator) == [c.c2.address, c.r2.address])
        #expect(h.app.totalValue == h.app.genesis.supply)
        #expect(h.app.balance(of: c.validator.address) == fee * UInt64(h.blocks.flatMap(\.transactions).count))
    }

    @Test func intermediary() {
        let c = cast
        var h = Harness(
            c.genesis(.intermediary(operator: c.op.address, marginBasisPoints: 2_000)), proposer: c.validator.signing)
        h.ok(at: minute, c.setup())
        h.ok(
            at: 2 * minute,
            [
                (c.c1, .postStudy(c.order(c.c1, deadline: 3 * hour))),
                (c.c2, .postStudy(c.order(c.c2, deadline: 3 * hour, subspecialty: "neuro"))),
            ])
        let r = h.block(
            at: 3 * minute,
            [
                h.tx(c.r1, .assignStudy(studyID: 1, radiologist: c.r1.address, pay: 2_000)),  // not the operator
                h.tx(c.op, .assignStudy(studyID: 1, radiologist: c.r1.address, pay: 3_500)),  // beyond 80% of 4 000
                h.tx(c.op, .assignStudy(studyID: 1, radiologist: c.r1.address, pay: 2_500)),
                h.tx(c.op, .assignStudy(studyID: 1, radiologist: c.r2.address, pay: 2_500)),  // double assignment
                h.tx(c.op, .assignStudy(studyID: 2, radiologist: c.r1.address, pay: 3_000)),  // r1 lacks neuro
                h.tx(c.op, .assignStudy(studyID: 2, radiologist: c.r2.address, pay: 3_200)),
                h.tx(c.r1, .claimStudy(studyID: 2)),
            ])
        #expect(
            r.receipts.map(\.code) == [
                .unauthorized, .invalidArgument, .ok, .wrongStudyState, .notEligible, .ok, .wrongMarketDesign,
            ])
        h.ok(
            at: 20 * minute,
            [
                (c.r1, .submitReport(studyID: 1, report: c.report(1))),
                (c.r2, .submitReport(studyID: 2, report: c.report(2))),
            ])
        h.ok(at: 30 * minute, [(c.r2, .submitPeerReview(studyID: 1, score: .concur, labels: []))])
        // A reviewer needs the study's subspecialty too: r1 has no neuro attestation.
        #expect(
            h.one(at: 31 * minute, c.r1, .submitPeerReview(studyID: 2, score: .score3b, labels: [])).code
                == .notEligible)
        #expect(balance(h, c.c1, start: Cast.clientBalance) == -4_000)
        #expect(balance(h, c.r1, start: Cast.radBalance) == 2_500)
        #expect(balance(h, c.r2, start: Cast.radBalance) == 3_200)
        #expect(balance(h, c.op, start: Cast.radBalance) == 1_500 + 800)
        #expect(h.app.metrics(of: c.r1.address).medianTurnaroundTicks == 17 * minute)
        #expect(h.app.totalValue == h.app.genesis.supply)
    }

    /// Three bidders; with turnaround in the score, r3 (2 800, 30 min) beats the cheaper r2 (2 500, 60 min).
    @Test func sealedBidFirstPrice() {
        let c = cast
        let auction = AuctionParameters(
            biddingWindowTicks: 10 * minute, revealWindowTicks: 10 * minute, pricing: .firstPrice,
            weights: ScoreWeights(price: 1, quality: 0, turnaround: 1))
        var h = Harness(c.genesis(.sealedBidAuction(auction)), proposer: c.validator.signing)
        h.ok(at: minute, c.setup(licenceR3InCA: true))
        let posted = 2 * minute
        h.ok(at: posted, [(c.c1, .postStudy(c.order(c.c1, deadline: posted + 20 * minute + 120 * minute)))])
        let bids: [(Party, UInt64, Int64)] = [
            (c.r1, 3_000, 30 * minute), (c.r2, 2_500, 60 * minute), (c.r3, 2_800, 30 * minute),
        ]
        func salt(_ p: Party) -> Hash { Hash.sha256(p.address.bytes) }
        h.ok(
            at: 5 * minute,
            bids.map { b in
                (
                    b.0,
                    .commitBid(
                        studyID: 1,
                        commitment: Message.bidCommitment(
                            studyID: 1, bidder: b.0.address, price: b.1, turnaroundTicks: b.2, salt: salt(b.0)))
                )
            })
        let early = h.one(
            at: 6 * minute, c.r1, .revealBid(studyID: 1, price: 3_000, turnaroundTicks: 30 * minute, salt: salt(c.r1)))
        #expect(early.code == .windowClosed)
        let lateCommit = h.one(at: posted + 10 * minute, c.r4, .commitBid(studyID: 1, commitment: .zero))
        #expect(lateCommit.code == .windowClosed)
        let reveal = h.block(
            at: posted + 15 * minute,
            [
                h.tx(c.r1, .revealBid(studyID: 1, price: 2_000, turnaroundTicks: 30 * minute, salt: salt(c.r1)))
            ] + bids.map { b in h.tx(b.0, .revealBid(studyID: 1, price: b.1, turnaroundTicks: b.2, salt: salt(b.0))) })
        #expect(reveal.receipts.map(\.code) == [.bidMismatch, .ok, .ok, .ok])
        let tooEarly = h.one(at: posted + 19 * minute, c.c2, .finaliseAuction(studyID: 1))
        #expect(tooEarly.code == .windowClosed)
        let fin = h.ok(at: posted + 21 * minute, [(c.c2, .finaliseAuction(studyID: 1))])
        #expect(
            fin.receipts[0].contract.contains {
                if case .auctionAwarded(1, c.r3.address, 2_800, _) = $0 { true } else { false }
            })
        h.ok(at: posted + 50 * minute, [(c.r3, .submitReport(studyID: 1, report: c.report(1)))])
        h.ok(at: posted + 60 * minute, [(c.r1, .submitPeerReview(studyID: 1, score: .score2b, labels: []))])
        #expect(balance(h, c.c1, start: Cast.clientBalance) == -2_800)
        #expect(balance(h, c.r3, start: Cast.radBalance) == 2_800)
        #expect(h.app.metrics(of: c.r3.address).significantDiscrepancies == 1)
        #expect(h.app.totalValue == h.app.genesis.supply)
    }

    /// Price-only scoring, second price: the cheapest (r2, 2 500) wins and is paid the runner-up's 2 800; a
    /// second study with a single bid pays the reserve.
    @Test func sealedBidSecondPrice() {
        let c = cast
        let auction = AuctionParameters(
            biddingWindowTicks: 10 * minute, revealWindowTicks: 10 * minute, pricing: .secondPrice,
            weights: ScoreWeights(price: 1, quality: 0, turnaround: 0))
        var h = Harness(c.genesis(.sealedBidAuction(auction)), proposer: c.validator.signing)
        h.ok(at: minute, c.setup(licenceR3InCA: true))
        h.ok(
            at: 2 * minute,
            [
                (c.c1, .postStudy(c.order(c.c1, deadline: 4 * hour))),
                (c.c2, .postStudy(c.order(c.c2, maxPrice: 3_600, deadline: 4 * hour))),
            ])
        let bids: [(Party, UInt64, UInt64)] = [(c.r1, 3_000, 1), (c.r2, 2_500, 1), (c.r3, 2_800, 1), (c.r1, 3_100, 2)]
        let salt = Hash.sha256([9])
        h.ok(
            at: 5 * minute,
            bids.map { b in
                (
                    b.0,
                    .commitBid(
                        studyID: b.2,
                        commitment: Message.bidCommitment(
                            studyID: b.2, bidder: b.0.address, price: b.1, turnaroundTicks: hour, salt: salt))
                )
            })
        h.ok(
            at: 15 * minute,
            bids.map { b in (b.0, .revealBid(studyID: b.2, price: b.1, turnaroundTicks: hour, salt: salt)) })
        let fin = h.ok(at: 23 * minute, [(c.c3, .finaliseAuction(studyID: 1)), (c.c3, .finaliseAuction(studyID: 2))])
        #expect(
            fin.receipts[0].contract.contains {
                if case .auctionAwarded(1, c.r2.address, 2_800, _) = $0 { true } else { false }
            })
        #expect(
            fin.receipts[1].contract.contains {
                if case .auctionAwarded(2, _, 3_600, _) = $0 { true } else { false }
            })
        h.ok(
            at: hour,
            [
                (c.r2, .submitReport(studyID: 1, report: c.report(1))),
                (c.r1, .submitReport(studyID: 2, report: c.report(2))),
            ])
        #expect(balance(h, c.c1, start: Cast.clientBalance) == -2_800)
        #expect(balance(h, c.r2, start: Cast.radBalance) == 2_800)
        #expect(balance(h, c.r1, start: Cast.radBalance) == 3_600)
        #expect(h.app.totalValue == h.app.genesis.supply)
    }

    /// Posted price with value-based settlement, every read sampled: 10% held back, 5% levy; a concurring review
    /// releases the hold-back and earns a quality point, a 3b forfeits it to the client; the pool (the levies) is
    /// paid by quality points at the period boundary.
    @Test func valueBasedPostedPrice() {
        let c = cast
        let vb = ValueBasedParameters(
            holdbackBasisPoints: 1_000, levyBasisPoints: 500, bonusPeriodTicks: 24 * hour,
            payout: .proportionalToQualityPoints, holdbackTimeoutTicks: 12 * hour)
        var h = Harness(c.genesis(.postedPrice, valueBased: vb), proposer: c.validator.signing)
        h.ok(at: minute, c.setup())
        h.ok(
            at: 2 * minute,
            [
                (c.c1, .postStudy(c.order(c.c1, deadline: 3 * hour))),
                (c.c2, .postStudy(c.order(c.c2, deadline: 3 * hour))),
            ])
        h.ok(at: 3 * minute, [(c.r1, .claimStudy(studyID: 1)), (c.r2, .claimStudy(studyID: 2))])
        let rep = h.ok(
            at: 30 * minute,
            [
                (c.r1, .submitReport(studyID: 1, report: c.report(1))),
                (c.r2, .submitReport(studyID: 2, report: c.report(2))),
            ])
        let settled = ContractEvent.settlement(
            study: 1, radiologist: c.r1.address, paid: 2_550, operatorShare: 0, levy: 150, holdback: 300)
        #expect(rep.receipts[0].contract.contains(settled))
        #expect(h.app.bonusPool == 300)
        h.ok(
            at: hour,
            [
                (c.r2, .submitPeerReview(studyID: 1, score: .concur, labels: [])),
                (
                    c.r1,
                    .submitPeerReview(
                        studyID: 2, score: .score3b, labels: [FindingLabel(findingCode: 101, outcome: .falseNegative)])
                ),
            ])
        #expect(balance(h, c.r1, start: Cast.radBalance) == 2_850)
        #expect(balance(h, c.r2, start: Cast.radBalance) == 2_550)
        #expect(balance(h, c.c2, start: Cast.clientBalance) == -2_700)
        #expect(h.app.bonusPoints(of: c.r1.address) == 1)
        let end = h.block(at: 24 * hour, [])
        #expect(end.outcome.contract.contains(.bonusPaid(radiologist: c.r1.address, amount: 300)))
        #expect(balance(h, c.r1, start: Cast.radBalance) == 3_150)
        #expect(h.app.bonusPool == 0)
        #expect(h.app.totalValue == h.app.genesis.supply)
    }

    /// Auction with value-based settlement, no sampling: feedback resolves hold-backs (5 releases, 2 forfeits); a
    /// study without feedback is released at the time-out; equal shares among radiologists with a point.
    @Test func valueBasedAuction() {
        let c = cast
        let vb = ValueBasedParameters(
            holdbackBasisPoints: 2_000, levyBasisPoints: 1_000, bonusPeriodTicks: 24 * hour,
            payout: .equalAmongQualified(minPoints: 1), holdbackTimeoutTicks: 6 * hour)
        let auction = AuctionParameters(
            biddingWindowTicks: 10 * minute, revealWindowTicks: 10 * minute, pricing: .firstPrice,
            weights: ScoreWeights(price: 1, quality: 1, turnaround: 0))
        var h = Harness(
            c.genesis(.sealedBidAuction(auction), valueBased: vb, sampling: 0), proposer: c.validator.signing)
        h.ok(at: minute, c.setup())
        h.ok(at: 2 * minute, [1, 2, 3].map { _ in (c.c1, Message.postStudy(c.order(c.c1, deadline: 4 * hour))) })
        let salt = Hash.sha256([1])
        let plan: [(Party, UInt64)] = [(c.r1, 1), (c.r2, 2), (c.r1, 3)]
        h.ok(
            at: 5 * minute,
            plan.map { p in
                (
                    p.0,
                    .commitBid(
                        studyID: p.1,
                        commitment: Message.bidCommitment(
                            studyID: p.1, bidder: p.0.address, price: 2_000, turnaroundTicks: hour, salt: salt))
                )
            })
        h.ok(
            at: 15 * minute,
            plan.map { p in (p.0, .revealBid(studyID: p.1, price: 2_000, turnaroundTicks: hour, salt: salt)) })
        h.ok(at: 25 * minute, [1, 2, 3].map { (c.c2, Message.finaliseAuction(studyID: $0)) })
        h.ok(at: hour, plan.map { p in (p.0, .submitReport(studyID: p.1, report: c.report(p.1))) })
        // 2 000: levy 200, hold-back 400, paid 1 400.
        #expect(balance(h, c.r1, start: Cast.radBalance) == 2_800)
        h.ok(
            at: 2 * hour,
            [(c.c1, .submitFeedback(studyID: 1, score: 5)), (c.c1, .submitFeedback(studyID: 2, score: 2))])
        #expect(balance(h, c.r1, start: Cast.radBalance) == 3_200)
        #expect(balance(h, c.r2, start: Cast.radBalance) == 1_400)
        let timeout = h.block(at: 7 * hour, [])
        #expect(timeout.outcome.contract.contains(.holdbackReleased(study: 3, amount: 400)))
        #expect(balance(h, c.r1, start: Cast.radBalance) == 3_600)
        h.block(at: 24 * hour, [])
        #expect(balance(h, c.r1, start: Cast.radBalance) == 4_200)  // the whole pool: r1 alone earned a point
        #expect(balance(h, c.c1, start: Cast.clientBalance) == -6_000 + 400)
        #expect(h.app.totalValue == h.app.genesis.supply)
    }
}
