// The intermediary's, the peer-review programme's and the referrers' transitions, without a chain.

import Contracts
import Ledger
import MarketModel
import Stochastic
import Testing

@testable import Market

@Suite("Intermediary, peer review and referrer transitions")
struct MarketRolesTests {
    /// Asked twice, the intermediary sets one dispatch timer; after dispatching it can be asked again. Outside
    /// the intermediary design it does nothing.
    @Test func theIntermediaryBatchesRequests() {
        var bench = ActorBench(.intermediary(MarketDesignSpec.Intermediary()))
        bench.now = hourTicks
        var i = Intermediary()
        #expect(i.handle(.wake, in: bench.view, radiologists: []) == [.schedule(at: hourTicks + 10_000_000)])
        #expect(i.handle(.wake, in: bench.view, radiologists: []).isEmpty)
        #expect(i.handle(.dispatch, in: bench.view, radiologists: []).isEmpty)
        #expect(i.handle(.wake, in: bench.view, radiologists: []).count == 1)
        var other = Intermediary()
        #expect(other.handle(.wake, in: ActorBench(.postedPrice).view, radiologists: []).isEmpty)
    }

    /// The worklist is earliest deadline first: a STAT study posted after a routine one is dispatched before it.
    @Test func theIntermediaryDispatchesEarliestDeadlineFirst() {
        var bench = ActorBench(.intermediary(MarketDesignSpec.Intermediary()))
        let rads = [bench.credentialed(id: 0)]
        let routine = bench.addStudy(client: 0, phase: .open, chainID: 50, deadline: dayTicks)
        let stat = bench.addStudy(client: 0, phase: .open, chainID: 51, deadline: hourTicks)
        var i = Intermediary()
        let order = i.handle(.dispatch, in: bench.view, radiologists: rads).compactMap { a -> StudyID? in
            if case .dispatched(let s, _) = a { s } else { nil }
        }
        #expect(order == [stat, routine])
    }

    /// Each open study goes to the eligible on-shift radiologist with the shortest queue (counting what this
    /// dispatch already sent; ties to the first), paid per wRVU within the client's price less the margin.
    @Test func theIntermediaryDispatchesToTheShortestQueue() {
        let terms = MarketDesignSpec.Intermediary()
        var bench = ActorBench(.intermediary(terms))
        let rads = [bench.credentialed(id: 0), bench.credentialed(id: 1)]
        let studies = (0..<3).map {
            bench.addStudy(client: 0, phase: .open, chainID: UInt64(40 + $0), deadline: dayTicks)
        }
        var i = Intermediary()
        let actions = i.handle(.dispatch, in: bench.view, radiologists: rads)
        let dispatched = actions.compactMap { a -> StudyID? in
            if case .dispatched(let s, _) = a { s } else { nil }
        }
        let to = actions.compactMap { a -> RadiologistID? in
            if case .dispatched(_, let r) = a { r } else { nil }
        }
        #expect(dispatched == studies)
        #expect(to == [RadiologistID(0), RadiologistID(1), RadiologistID(0)])
        // The radiologist gets the client price less the margin (no per-wRVU rate configured).
        #expect(terms.payPerWRVU == nil)
        let pay = 100_000 - 100_000 * UInt64(terms.marginBasisPoints) / 10_000
        #expect(
            actions[1]
                == .submit(
                    .assignStudy(studyID: 40, radiologist: rads[0].address, pay: max(1, pay)),
                    .assign(rad: RadiologistID(0), study: studies[0])))
    }

    /// Reviewers are chosen in rotation, never the author, and only where they may read the study; each review
    /// is due after the programme's delay, and is recorded then signed by its reviewer.
    @Test func peerReviewersRotate() {
        var bench = ActorBench(.postedPrice)
        let rads = [bench.credentialed(id: 0), bench.credentialed(id: 1), bench.credentialed(cohort: 1, id: 2)]
        let delay = bench.model.peerReview.delayTicks
        let streams = (0..<3).map { bench.streams.stream("review.\($0)") }
        var p = PeerReviewer(model: PeerReviewModel(parameters: bench.model.peerReview), streams: streams)
        let a = bench.addStudy(client: 0, phase: .reported, chainID: 1, deadline: dayTicks)
        let nh = bench.addStudy(client: 1, phase: .reported, chainID: 2, deadline: dayTicks)
        func reviewer(_ s: StudyID, author: Int) -> RadiologistID? {
            let actions = p.handle(
                .sampled(s, author: RadiologistID(author), at: hourTicks), in: bench.view, radiologists: rads)
            guard case .schedule(let r, s, hourTicks + delay) = actions.first else { return nil }
            return r
        }
        #expect(reviewer(a, author: 0) == RadiologistID(1))
        #expect(reviewer(a, author: 1) == RadiologistID(2))
        #expect(reviewer(a, author: 2) == RadiologistID(0))
        // The neuroradiologist is not licensed in New Hampshire.
        #expect(reviewer(nh, author: 1) == RadiologistID(0))
        #expect(reviewer(nh, author: 0) == RadiologistID(1))
        bench.studies[a].outcome = ReadResult(classification: .falseNegative, discrepancy: .major)
        let review = p.handle(.due(reviewer: RadiologistID(1), study: a), in: bench.view, radiologists: rads)
        guard review.count == 2, case .scored(a, _, let detected) = review[0],
            case .submit(RadiologistID(1), .submitPeerReview(1, _, _), .review(RadiologistID(1), a)) = review[1]
        else {
            Issue.record("review: \(review)")
            return
        }
        #expect(detected != nil)
        bench.now = bench.terms.horizonTicks
        #expect(p.handle(.due(reviewer: RadiologistID(1), study: a), in: bench.view, radiologists: rads).isEmpty)
    }

    /// Referrers always answering score the report and the client sends it two hours later; never answering,
    /// they still draw their three numbers, so one report never shifts the next.
    @Test func referrersScoreReportsAfterADelay() {
        var bench = ActorBench(.postedPrice)
        let s = bench.addStudy(client: 0, phase: .reported, chainID: 1, deadline: dayTicks)
        let always = Referrer(
            model: ReferrerFeedback(parameters: Referrers(feedbackProbability: 1)),
            stream: RandomStreams(seed: 1, replication: 0).stream("feedback"))
        let actions = always.handle(.reported(s, discrepancy: .none, at: hourTicks), in: bench.view)
        guard case .feedback(s, let score, let confirmed, let t) = actions.first else {
            Issue.record("no feedback: \(actions)")
            return
        }
        #expect((1...5).contains(score) && t == hourTicks + 2 * hourTicks)
        #expect(!confirmed, "a report without a discrepancy confirms none")
        let silent = RandomStreams(seed: 1, replication: 0).stream("feedback")
        let never = Referrer(model: ReferrerFeedback(parameters: Referrers(feedbackProbability: 0)), stream: silent)
        #expect(never.handle(.reported(s, discrepancy: .none, at: hourTicks), in: bench.view).isEmpty)
        let reference = RandomStreams(seed: 1, replication: 0).stream("feedback")
        for _ in 0..<3 { _ = reference.uniform() }
        #expect(silent.uniform() == reference.uniform())
    }

    /// Feedback on a report whose discrepancy the referrers noticed confirms it (so it adjudicates the read);
    /// unnoticed, it confirms nothing.
    @Test func noticedDiscrepanciesAreConfirmed() {
        var bench = ActorBench(.postedPrice)
        let s = bench.addStudy(client: 0, phase: .reported, chainID: 1, deadline: dayTicks)
        for notice in [1.0, 0.0] {
            let referrer = Referrer(
                model: ReferrerFeedback(parameters: Referrers(feedbackProbability: 1), noticeProbability: notice),
                stream: RandomStreams(seed: 1, replication: 0).stream("feedback"))
            let actions = referrer.handle(.reported(s, discrepancy: .major, at: hourTicks), in: bench.view)
            guard case .feedback(s, _, let confirmed, _) = actions.first else {
                Issue.record("no feedback: \(actions)")
                return
            }
            #expect(confirmed == (notice == 1))
        }
    }
}
