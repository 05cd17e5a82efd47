// A client's referring clinicians as a state machine: when a report commits they may score it (a noisy function
// of its quality and turnaround, from the client's `feedback.<client>` stream); the client signs the score a
// couple of hours later.

import DiscreteEvent
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
