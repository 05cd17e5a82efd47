// The radiologist's transitions, without a chain: what it does on each event, in order.

import Contracts
import Ledger
import MarketModel
import Testing

@testable import Market

@Suite("Radiologist transitions")
struct RadiologistTests {
    /// Credentialed at the start: the authority attests its licences and each credentialing client in a licensed
    /// state (not the imaging centre, which credentials no one), then it registers its profile.
    @Test func entersWithItsCredentialsThenRegisters() {
        let bench = ActorBench(.postedPrice)
        var r = bench.radiologist()
        let actions = r.handle(.enter, in: bench.view)
        let address = r.address
        #expect(
            actions.dropLast() == [
                .attest(
                    .issueAttestation(subject: address, claim: .licence(jurisdiction: "US-MA"), expiresAtTicks: .max)),
                .attest(
                    .issueAttestation(subject: address, claim: .licence(jurisdiction: "US-NH"), expiresAtTicks: .max)),
                .attest(
                    .issueAttestation(
                        subject: address,
                        claim: .clientCredential(client: ActorBench.address("client-hospital"), ticksTaken: 0),
                        expiresAtTicks: .max)),
            ])
        #expect(actions.last == .submit(.registerRadiologist(r.profile), .register(rad: RadiologistID(0))))
        #expect(r.licences == ["US-MA", "US-NH"])
        #expect(r.credentialedClients == [ClientID(0)])
        #expect(r.registrationSent && !r.registered)
        // Its receipt registers it; a second publication is an update.
        _ = r.handle(.registered(ok: true, balance: 500), in: bench.view)
        #expect(r.registered && r.lastBalance == 500)
        var out: [Radiologist.Action] = []
        r.publish(bench.view, &out)
        #expect(out == [.submit(.updateRadiologist(r.profile), .update(rad: RadiologistID(0)))])
    }

    /// Not credentialed at the start: the authority's two steps are timers (licences, then client credentials
    /// after the hospital's own delay); it registers at once, and is eligible for nothing until then.
    @Test func credentialsTakeTheirTimeWhenNotHeldAtTheStart() {
        var bench = ActorBench(.postedPrice)
        var r = bench.radiologist(cohort: 1, id: 2)
        let c = bench.model.credentialing
        let actions = r.handle(.enter, in: bench.view)
        #expect(actions.count == 3)
        #expect(actions[0] == .schedule(.credential(step: 0), at: c.licenceTicks))
        #expect(actions[1] == .schedule(.credential(step: 1), at: c.licenceTicks + c.clientTicks))
        #expect(r.licences.isEmpty)
        _ = r.handle(.registered(ok: true, balance: 0), in: bench.view)
        let s = bench.addStudy(client: 0, phase: .open, chainID: 1, deadline: dayTicks, source: 1)
        #expect(!r.isEligible(for: bench.studies[s], bench.terms))
        let licences = r.handle(.timer(.credential(step: 0)), in: bench.view)
        #expect(licences.count == 2)  // US-MA and the neuro subspecialty
        #expect(r.subspecialtiesAttested == ["neuro"])
        #expect(!r.isEligible(for: bench.studies[s], bench.terms))  // the hospital has not credentialed it yet
        _ = r.handle(.timer(.credential(step: 1)), in: bench.view)
        #expect(r.isEligible(for: bench.studies[s], bench.terms))
    }

    /// A shift sets its end and one look at the book; asking again before that look adds nothing. Under the
    /// intermediary it asks the intermediary to dispatch instead.
    @Test func aShiftStartsWithOneLookAtTheBook() {
        var bench = ActorBench(.postedPrice)
        var r = bench.radiologist()
        bench.now = 8 * hourTicks
        let start = r.handle(.timer(.shiftStart), in: bench.view)
        // First it publishes its profile as available (the chain shows who is on shift).
        #expect(publishedAvailable(start.first) == true)
        #expect(
            Array(start.dropFirst()) == [
                .schedule(.shiftEnd, at: 18 * hourTicks), .schedule(.consider, at: 8 * hourTicks + 1_000_000),
            ])
        #expect(r.onShift && r.shiftEnd == 18 * hourTicks)
        #expect(r.handle(.reconsider, in: bench.view).isEmpty)
        _ = r.handle(.timer(.consider), in: bench.view)
        #expect(r.handle(.reconsider, in: bench.view) == [.schedule(.consider, at: 8 * hourTicks + 1_000_000)])

        var viaIntermediary = ActorBench(.intermediary(MarketDesignSpec.Intermediary()))
        viaIntermediary.now = 8 * hourTicks
        var q = viaIntermediary.radiologist()
        let qStart = q.handle(.timer(.shiftStart), in: viaIntermediary.view)
        #expect(publishedAvailable(qStart.first) == true)
        #expect(Array(qStart.dropFirst()) == [.schedule(.shiftEnd, at: 18 * hourTicks), .requestDispatch])
        // At the shift's end it publishes itself unavailable.
        viaIntermediary.now = 18 * hourTicks
        #expect(publishedAvailable(q.handle(.timer(.shiftEnd), in: viaIntermediary.view).first) == false)
        #expect(q.handle(.reconsider, in: viaIntermediary.view) == [.requestDispatch])
    }

    /// Granted studies are read earliest deadline first; the read ends with its outcome and the report, and the
    /// next granted study starts at once (not the one just read, whose outcome the world records).
    @Test func readsEarliestDeadlineFirstAndReports() throws {
        var bench = ActorBench(.postedPrice)
        var r = bench.credentialed()
        let later = bench.addStudy(client: 0, phase: .assigned, chainID: 10, deadline: 20 * hourTicks)
        let sooner = bench.addStudy(client: 0, phase: .assigned, chainID: 11, deadline: 12 * hourTicks)
        bench.assign(later, to: &r)
        bench.assign(sooner, to: &r)
        let started = r.handle(.granted, in: bench.view)
        #expect(started.first == .readStarted(sooner))
        guard case .schedule(.readDone, let done) = started.last else {
            Issue.record("no read timer: \(started)")
            return
        }
        #expect(done > bench.now && r.reading == sooner)
        bench.now = done
        let finished = r.handle(.timer(.readDone), in: bench.view)
        guard case .readFinished(sooner, let result) = finished.first else {
            Issue.record("no read result: \(finished)")
            return
        }
        #expect(result.pace == r.pace && result.hoursIntoShift > 0)
        guard case .submit(.submitReport(let id, _), .report(let author, let study)) = finished[1] else {
            Issue.record("no report: \(finished)")
            return
        }
        #expect(id == 11 && author == r.id && study == sooner)
        #expect(finished[2] == .readStarted(later))
        #expect(r.reading == later && r.dayReads == 1)
        #expect(r.held == [later, sooner])  // off its queue when the report commits (`.released`)
        _ = r.handle(.released(sooner), in: bench.view)
        #expect(r.held == [later])
    }

    /// A study reposted to someone else during the read: the read is wasted (no outcome, no report).
    @Test func aReadOfAStudyThatWentElsewhereIsWasted() {
        var bench = ActorBench(.postedPrice)
        var r = bench.credentialed()
        let s = bench.addStudy(client: 0, phase: .assigned, chainID: 10, deadline: 20 * hourTicks)
        bench.assign(s, to: &r)
        guard case .schedule(.readDone, let done) = r.handle(.granted, in: bench.view).last else {
            Issue.record("no read")
            return
        }
        bench.studies[s].chainID = 12
        bench.studies[s].assignee = RadiologistID(1)
        bench.now = done
        let actions = r.handle(.timer(.readDone), in: bench.view)
        #expect(!actions.contains { if case .readFinished = $0 { true } else { false } })
        #expect(!actions.contains { if case .submit = $0 { true } else { false } })
        #expect(r.held.isEmpty && r.reading == nil)
    }

    /// Posted price: it claims an open study it is eligible for whose cap covers its published price, and no
    /// study whose cap is below it; the claim is in flight until its receipt.
    @Test func claimsWhatItCanAfford() {
        var bench = ActorBench(.postedPrice)
        var r = bench.credentialed()
        let cheap = bench.addStudy(client: 0, phase: .open, chainID: 20, deadline: 3 * dayTicks, maxPrice: 1)
        let fair = bench.addStudy(client: 0, phase: .open, chainID: 21, deadline: 3 * dayTicks)
        let actions = r.handle(.timer(.consider), in: bench.view)
        // Queue-responsive pricing may first republish its prices as the demand on the book moved.
        let claims = actions.filter { if case .submit(.claimStudy, _) = $0 { true } else { false } }
        #expect(claims == [.submit(.claimStudy(studyID: 21), .claim(rad: r.id, study: fair))])
        #expect(
            actions.count == claims.count
                || actions.first.map { if case .submit(.updateRadiologist, _) = $0 { true } else { false } } == true)
        #expect(r.pending == [fair])
        #expect(!r.pending.contains(cheap))
        _ = r.handle(.dropped(fair), in: bench.view)
        #expect(r.pending.isEmpty)
    }

    /// Queue-responsive pricing reads the book's size and age: an open order it could read counts 1 when just
    /// posted, rising to 2 at its deadline, so the same orders raise its prices more the longer they wait.
    @Test func demandOnTheBookCountsItsAge() {
        #expect(Radiologist.demandWeight(posted: 0, deadline: 100, now: 0) == 1)
        #expect(Radiologist.demandWeight(posted: 0, deadline: 100, now: 50) == 1.5)
        #expect(Radiologist.demandWeight(posted: 0, deadline: 100, now: 400) == 2)
        func demandSeen(after wait: Int64) -> Int {
            var bench = ActorBench(.postedPrice)
            var r = bench.credentialed()
            for k in 0..<4 {
                bench.addStudy(client: 0, phase: .open, chainID: 40 + UInt64(k), deadline: bench.now + 4 * hourTicks)
            }
            bench.now += wait
            _ = r.handle(.timer(.consider), in: bench.view)
            return r.demandSeen
        }
        #expect(demandSeen(after: 0) == 4)
        #expect(demandSeen(after: 2 * hourTicks) == 6)
    }

    /// Auction: it commits a sealed bid (kept by the world for the reveal) and reveals it after the window.
    @Test func bidsSealedThenReveals() throws {
        var bench = ActorBench(.sealedBidAuction(MarketDesignSpec.Auction()))
        var r = bench.credentialed()
        let s = bench.addStudy(client: 0, phase: .bidding, chainID: 30, deadline: 3 * dayTicks)
        bench.studies[s].biddingEnds = bench.now + 5 * 60_000_000
        bench.studies[s].revealEnds = bench.now + 7 * 60_000_000
        let actions = r.handle(.timer(.consider), in: bench.view)
        try #require(actions.count == 3)
        guard case .bid(s, let price, let turnaround) = actions[0] else {
            Issue.record("no bid: \(actions)")
            return
        }
        guard case .submit(.commitBid(30, _), .commitBid(r.id, s)) = actions[1] else {
            Issue.record("no commitment: \(actions)")
            return
        }
        #expect(actions[2] == .schedule(.reveal(s), at: bench.studies[s].biddingEnds + 2_000_000))
        bench.studies[s].bids = [SealedBid(rad: r.id, price: price, turnaround: turnaround)]
        bench.now = bench.studies[s].biddingEnds + 2_000_000
        let reveal = r.handle(.timer(.reveal(s)), in: bench.view)
        guard case .submit(.revealBid(30, price, turnaround, _), .revealBid(r.id, s)) = reveal.first else {
            Issue.record("no reveal: \(reveal)")
            return
        }
    }

    /// A new study in a bidding window: it looks before the window closes.
    @Test func looksAtANewAuctionBeforeItsWindowCloses() {
        var bench = ActorBench(.sealedBidAuction(MarketDesignSpec.Auction()))
        var r = bench.credentialed()
        _ = r.handle(.timer(.consider), in: bench.view)  // the shift's first look, at an empty book
        let s = bench.addStudy(client: 0, phase: .bidding, chainID: 31, deadline: 3 * dayTicks)
        bench.studies[s].biddingEnds = bench.now + 30_000_000
        let actions = r.handle(.announced(s), in: bench.view)
        guard case .schedule(.consider, let t) = actions.first else {
            Issue.record("no look: \(actions)")
            return
        }
        #expect(t >= bench.now + 1_000_000 && t <= bench.now + 10_000_000)
    }

    /// The day's end records the hours on shift and the income (balance plus fees since the last balance), and
    /// starts the next day's tallies afresh.
    @Test func theDayEndRecordsHoursAndIncome() {
        var bench = ActorBench(.postedPrice)
        var r = bench.credentialed()
        bench.now = 18 * hourTicks
        _ = r.handle(.timer(.shiftEnd), in: bench.view)
        bench.now = dayTicks
        let actions = r.handle(.dayEnd(balance: 1_100, fees: 50, day: 0), in: bench.view)
        guard case .day(let day) = actions.first(where: { if case .day = $0 { true } else { false } }) else {
            Issue.record("no day record: \(actions)")
            return
        }
        #expect(day.hoursOnShift == 10 && day.reads == 0 && day.day == 0 && day.radiologist == 0)
        #expect(day.income == 1_050)
        #expect(r.lastBalance == 1_100 && r.dayShiftTicks == 0)
    }
}

/// The availability a registration or profile update publishes, or `nil` for any other action.
func publishedAvailable(_ action: Radiologist.Action?) -> Bool? {
    switch action {
    case .submit(.registerRadiologist(let p), _), .submit(.updateRadiologist(let p), _): p.available
    default: nil
    }
}
