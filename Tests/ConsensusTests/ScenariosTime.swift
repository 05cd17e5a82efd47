import Ledger
import Testing

@testable import Consensus

/// The local clock a test's PBTS check reads (a reference, so the test can move it between inputs).
final class TestClock {
    var now: Int64
    init(_ now: Int64) { self.now = now }
}

/// Proposer-based timestamps in the core (issue 17 item 1; CometBFT PBTS): the timeliness bounds, the nil prevote
/// for an untimely fresh proposal, no check for a re-proposal, and the receive time of a buffered proposal.
@Suite("A17: proposer-based timestamps")
struct ScenariosTime {
    static let sync = SynchronyParams(precision: 10, messageDelay: 100)
    /// Every test value is dated 1,000 ticks.
    static let blockTime: Int64 = 1_000

    static func timely(_ clock: TestClock) -> ProposalTimeliness {
        { _, r, _ in sync.isTimely(time: blockTime, received: clock.now, round: r) }
    }

    @Test("A17 PBTS: timely means time - precision <= received <= time + messageDelay(r) + precision")
    func timelinessBounds() {
        let s = Self.sync
        #expect(s.isTimely(time: 1_000, received: 990, round: 0))
        #expect(!s.isTimely(time: 1_000, received: 989, round: 0), "dated in the future beyond precision")
        #expect(s.isTimely(time: 1_000, received: 1_110, round: 0))
        #expect(!s.isTimely(time: 1_000, received: 1_111, round: 0), "arrived later than the message delay allows")
        #expect(s.messageDelay(round: 1) == 110 && s.messageDelay(round: 2) == 121, "+10 % per round")
        #expect(s.isTimely(time: 1_000, received: 1_120, round: 1))
        // Saturating at the ends of Int64: no trap, and the extreme dates are untimely at any sane clock.
        #expect(!s.isTimely(time: .max, received: 0, round: 0))
        #expect(!s.isTimely(time: .min + 1, received: 0, round: 0))
        #expect(!s.isTimely(time: 0, received: .max, round: 0))
        #expect(s.isTimely(time: 0, received: .max, round: 500), "the delay saturates after enough rounds")
        #expect(s.isTimely(time: .max, received: .max, round: 0))
        #expect(SynchronyParams.cometBFT.messageDelay(round: 10_000) == .max)
    }

    @Test("A17 PBTS_UntimelyFreshProposalPrevotesNil", arguments: [Int64(1_000), 985, 1_111, 5_000])
    func untimelyFreshProposalPrevotesNil(receivedAt: Int64) {
        let f = Fixture(powers: [1, 1, 1, 1])
        let x = f.nonProposer(rounds: 1)
        let clock = TestClock(receivedAt)
        var (c, _) = f.core(x, timely: Self.timely(clock))
        let v = value("v")
        let out = c.handle(f.propose(r: 0, v))
        let timely = Self.sync.isTimely(time: Self.blockTime, received: receivedAt, round: 0)
        #expect(out.prevotes.map(\.valueID) == [timely ? v.id : nil])
        #expect(c.timelyRounds[0] == timely)
        #expect(receivedAt != 1_000 || timely, "the control: on time")
    }

    /// L28: a re-proposal (vr >= 0) with its proof of lock change is prevoted however late it arrives: the polka
    /// shows that 2f+1 validators found it valid (and, when fresh, timely).
    @Test("A17 PBTS: a re-proposal (L28) is not checked for timeliness")
    func reproposalNotChecked() {
        let f = Fixture(powers: [1, 1, 1, 1])
        let x = f.nonProposer(rounds: 2)
        let clock = TestClock(1_000_000)  // far later than any bound: every fresh proposal is untimely
        var (c, _) = f.core(x, timely: Self.timely(clock))
        let v = value("v")
        let others = (0..<f.n).filter { $0 != x }
        _ = c.handle(.timeout(Timeout(height: 1, round: 0, step: .propose)))  // L57: prevote nil
        for i in others { _ = c.handle(f.prevote(r: 0, v, by: i)) }  // a polka for v, its proposal unseen
        for i in others { _ = c.handle(f.precommit(r: 0, nil, by: i)) }
        _ = c.handle(.timeout(Timeout(height: 1, round: 0, step: .precommit)))  // L65: StartRound(1)
        #expect(c.round == 1)
        let out = c.handle(f.propose(r: 1, v, vr: 0))
        #expect(out.prevotes.map(\.valueID) == [v.id], "L28: prevote v though it arrived late")
        #expect(c.timelyRounds[1] == false)
    }

    /// A proposal of h+1 that arrives while the node is still at h is judged when it arrives, not when the node
    /// starts h+1 (a commit timeout later), as CometBFT records the receive time.
    @Test("A17 PBTS: a buffered next-height proposal is judged at its arrival")
    func bufferedProposalJudgedAtArrival() {
        let f = Fixture(powers: [1, 1, 1, 1])
        var next = f.selector
        next.advanceHeight()
        let p2 = f.index(of: next.proposer(round: 0).address)
        let x = (0..<f.n).first { $0 != p2 && $0 != f.proposer(round: 0) }!
        let clock = TestClock(1_000)
        var (c, _) = f.core(x, timely: Self.timely(clock))
        let v = value("h2")
        _ = c.handle(.proposal(f.proposal(h: 2, r: 0, v, by: p2)))
        #expect(c.bufferedCount == 1)
        clock.now = 1_000_000  // the node starts height 2 much later
        let out = c.handle(.startHeight(height: 2, proposers: next))
        #expect(out.prevotes.map(\.valueID) == [v.id])
    }
}
