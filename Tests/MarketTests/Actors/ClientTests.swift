// The client's transitions, without a chain: arrivals, posts and reposts, auctions, grants, feedback.

import Contracts
import Ledger
import MarketModel
import Stochastic
import Testing

@testable import Market

@Suite("Client transitions")
struct ClientTests {
    func hospital(_ bench: ActorBench) throws -> Client {
        let generator = try StudyGenerator(group: ActorBench.hospital, clientNumber: 1)
        return Client(
            id: ClientID(0), name: generator.clientName, group: ActorBench.hospital,
            address: ActorBench.address("client-hospital"), sealingKey: ActorBench.sealing("client-hospital"),
            cursor: generator.cursor(RandomStreams(seed: 7, replication: 0)))
    }

    /// Arrivals come one at a time from its own streams: each sets the next one's timer, then opens the study.
    @Test func eachArrivalSetsTheNextOne() throws {
        let bench = ActorBench(.postedPrice)
        var c = try hospital(bench)
        guard case .schedule(.arrival, let first) = c.handle(.planArrivals, in: bench.view).first else {
            Issue.record("no first arrival")
            return
        }
        let actions = c.handle(.timer(.arrival), in: bench.view)
        guard actions.count == 2, case .schedule(.arrival, let second) = actions[0], case .open(let g) = actions[1]
        else {
            Issue.record("arrival: \(actions)")
            return
        }
        #expect(g.study.arrivalTicks == first && second >= first)
    }

    /// Posted price: the order's cap is the routing software's (the dearest of the best three candidates), or
    /// what the client would pay when no one qualifies; the deadline is the urgency's turnaround from now.
    @Test func postsAtTheRoutedCap() throws {
        var bench = ActorBench(.postedPrice)
        var c = try hospital(bench)
        bench.now = hourTicks
        let s = bench.addStudy(client: 0, phase: .arrived, chainID: 1, deadline: 0)
        let alone = c.handle(.post(s, deadline: nil, candidates: []), in: bench.view)
        guard case .posting(s, let deadline, let willingness) = alone.first else {
            Issue.record("no posting: \(alone)")
            return
        }
        let urgency = bench.studies[s].generated.study.urgency
        #expect(deadline == hourTicks + ActorBench.hospital.turnaroundTicks[urgency])
        guard case .submit(.postStudy(let order), .post(s)) = alone.last else {
            Issue.record("no post: \(alone)")
            return
        }
        #expect(order.maxPrice == willingness && order.deadlineTicks == deadline)
        let candidates = [400, 100, 300, 200].enumerated().map { RoutingCandidate(id: $0, price: UInt64($1)) }
        let routed = c.handle(.post(s, deadline: nil, candidates: candidates), in: bench.view)
        #expect(routed.first == .posting(s, deadline: deadline, maxPrice: min(willingness, 300)))
    }

    /// A missed deadline takes the study off the book and reposts it, twice at most; a reported study is left.
    @Test func repostsAMissedDeadlineTwiceThenGivesUp() throws {
        var bench = ActorBench(.postedPrice)
        var c = try hospital(bench)
        let s = bench.addStudy(client: 0, phase: .open, chainID: 1, deadline: hourTicks)
        bench.now = hourTicks + 1_000_000
        #expect(c.handle(.timer(.deadline(s)), in: bench.view) == [.withdraw(s), .repost(s, deadline: nil)])
        bench.studies[s].deadlineReposts = Client.maxReposts
        #expect(c.handle(.timer(.deadline(s)), in: bench.view) == [.withdraw(s), .expire(s)])
        bench.studies[s].phase = .reported
        #expect(c.handle(.timer(.deadline(s)), in: bench.view).isEmpty)
    }

    /// An unsold auction goes to auction again after a back-off while the deadline leaves room; then, as when a
    /// posted order misses its deadline, the client posts it again with a fresh deadline (twice at most), then
    /// gives up. The rebid keeps the deadline, and rebids do not use up the reposts.
    @Test func rebidsAnUnsoldAuctionWhileThereIsRoom() throws {
        var bench = ActorBench(.sealedBidAuction(MarketDesignSpec.Auction()))
        var c = try hospital(bench)
        let s = bench.addStudy(client: 0, phase: .bidding, chainID: 1, deadline: dayTicks)
        let actions = c.handle(.unsold(s), in: bench.view)
        #expect(actions == [.awaitRebid(s), .schedule(.repost(s), at: 2 * hourTicks)])
        #expect(c.handle(.timer(.repost(s)), in: bench.view) == [.repost(s, deadline: dayTicks)])
        bench.records[s].reposts = 5  // rebids so far
        bench.now = dayTicks - 8 * 60_000_000
        #expect(c.handle(.unsold(s), in: bench.view) == [.repost(s, deadline: nil)])
        bench.studies[s].deadlineReposts = Client.maxReposts
        #expect(c.handle(.unsold(s), in: bench.view) == [.expire(s)])
    }

    /// Grants seal the access link to the assignee's key; feedback after the horizon is not sent.
    @Test func grantsAccessAndSendsFeedbackWithinTheRun() throws {
        var bench = ActorBench(.postedPrice, horizon: dayTicks)
        var c = try hospital(bench)
        let s = bench.addStudy(client: 0, phase: .assigned, chainID: 5, deadline: dayTicks)
        let key = ActorBench.sealing("rad-1")
        let grant = c.handle(.grant(s, to: RadiologistID(1), key: key), in: bench.view)
        guard case .submit(.grantAccess(5, key, _), .grant(s)) = grant.first else {
            Issue.record("no grant: \(grant)")
            return
        }
        #expect(
            c.handle(.timer(.feedback(s, score: 4)), in: bench.view) == [
                .submit(.submitFeedback(studyID: 5, score: 4), .feedback(s))
            ])
        bench.now = dayTicks
        #expect(c.handle(.timer(.feedback(s, score: 4)), in: bench.view).isEmpty)
    }

    /// Adjudications carry the study's label (finding code, the read's outcome) when the market shares labels:
    /// feedback confirming a discrepancy and the follow-up do, other feedback does not; with sharing off none do.
    @Test func adjudicationsCarryTheStudysLabelWhenShared() throws {
        for sharing in [true, false] {
            var bench = ActorBench(.postedPrice, ai: AISecondReader(datasetSharing: sharing))
            var c = try hospital(bench)
            let s = bench.addStudy(client: 0, phase: .reported, chainID: 5, deadline: dayTicks)
            bench.studies[s].outcome = ReadResult(classification: .falsePositive, discrepancy: .minor)
            let truth = bench.studies[s].generated.study.truth
            let label = FindingLabel(findingCode: truth.hasFinding ? truth.findingCode : 0, outcome: .falsePositive)
            let shared = sharing ? [label] : []
            #expect(
                c.handle(.timer(.feedback(s, score: 2, confirmed: true)), in: bench.view) == [
                    .submit(.submitFeedback(studyID: 5, score: 2, labels: shared), .feedback(s))
                ])
            #expect(
                c.handle(.timer(.feedback(s, score: 4)), in: bench.view) == [
                    .submit(.submitFeedback(studyID: 5, score: 4, labels: []), .feedback(s))
                ])
            #expect(
                c.handle(.timer(.followUp(s)), in: bench.view) == [
                    .submit(.completeFollowUp(studyID: 5, labels: shared), .followUp(s))
                ])
        }
    }
}
