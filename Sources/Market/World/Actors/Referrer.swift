// A client's referring clinicians as a state machine: when a report commits they may score it (a noisy function
// of its quality and turnaround, from the client's `feedback.<client>` stream); the client signs the score a
// couple of hours later.

import DiscreteEvent
import Foundation
import MarketModel
import Stochastic

/// The referring clinicians of one client.
struct Referrer {
    /// What happens to the referrers.
    enum Event: Equatable {
        /// A report of the client's study committed at `time`, with the read's discrepancy.
        case reported(StudyID, discrepancy: Discrepancy, at: Int64)
    }

    /// What the world does for the referrers, in order.
    enum Action: Equatable {
        /// The referrers scored the study: record it, and the client sends it at `time`. `confirmed`: the score
        /// reports a discrepancy the clinical course confirmed (the feedback adjudicates the read).
        case feedback(StudyID, score: Int, confirmed: Bool, at: Int64)
    }

    /// How long after the report the client sends the referrers' score.
    static let delayTicks = 2 * SimTime.ticksPerHour

    let model: ReferrerFeedback
    let stream: RandomStream

    /// The referrers' step on `event`, seeing `market`.
    func handle(_ event: Event, in market: MarketView) -> [Action] {
        switch event {
        case .reported(let s, let discrepancy, let t):
            let record = market.records[s]
            // A structured report raises the referrers' expected score (the `quality` section).
            let gain = record.structuredReport == true ? market.terms.model.quality?.structuredSatisfactionGain ?? 0 : 0
            guard
                let (score, confirmed) = model.assess(
                    discrepancy: discrepancy, turnaroundTicks: t - record.arrival,
                    requiredTicks: record.requiredTurnaround, gain: gain, stream: stream)
            else { return [] }
            return [.feedback(s, score: score, confirmed: confirmed, at: t + Self.delayTicks)]
        }
    }
}

/// A referrer's reply to a consult (issue 18 item 1): whether it answers, after how long, and how long the
/// conversation then takes.
struct ConsultReply: Equatable {
    /// The referrer discussed the case (false: it declined, too busy).
    var answered: Bool
    /// The request to the reply, ticks (at least ``Referrer/minimumReplyTicks``).
    var delayTicks: Int64
    /// The conversation after an answer, ticks (0 when declined).
    var talkTicks: Int64
    /// How long the consult holds the read: the wait plus any conversation.
    var holdTicks: Int64 { delayTicks + talkTicks }
}

extension Referrer {
    /// The shortest reply: a call-back takes at least half a minute **[assumption]** (and the request commits
    /// on chain within seconds, so the reply always follows it).
    static let minimumReplyTicks = 30 * SimTime.ticksPerSecond

    /// The referrers' reply to a consult on read `attempt` of `study`, with `pending` consults of their client
    /// awaiting a reply (their load: the busier, the less likely they answer). Three uniforms keyed by the study
    /// and attempt (`consult.<client>/<source>/<sequence>.<attempt>`, a stream no other draw uses), so a design
    /// without consults draws nothing and the same read under two designs gets the same reply delay.
    static func consultReply(
        _ c: MarketDesignSpec.Consults, study: StudyKey, attempt: Int, pending: Int, keyed: KeyedDraws
    ) -> ConsultReply {
        var g = keyed.generator("consult.\(study).\(attempt)")
        let uDelay = g.uniformPositive()
        let uAnswer = g.uniformPositive()
        let uTalk = g.uniformPositive()
        func logNormalTicks(median: Double, sigma: Double, _ u: Double) -> Int64 {
            guard median > 0, sigma > 0, let d = try? LogNormal(mu: log(median), sigma: sigma) else {
                return Int64((median * Double(SimTime.ticksPerSecond)).rounded())
            }
            return Int64((d.quantile(u) * Double(SimTime.ticksPerSecond)).rounded())
        }
        let delay = max(minimumReplyTicks, logNormalTicks(median: c.replyMedianSeconds, sigma: c.replySigma, uDelay))
        let answered = uAnswer < c.answerProbability(pending: pending)
        let talk = answered ? max(1, logNormalTicks(median: c.talkMedianSeconds, sigma: c.talkSigma, uTalk)) : 0
        return ConsultReply(answered: answered, delayTicks: delay, talkTicks: talk)
    }
}
