import Foundation
import MarketModel
import Stochastic

/// Referrer feedback on 1...5: a noisy function of report quality and turnaround (`Referrers` in MarketParameters).
///
///     quality    = 5 (no discrepancy), 3 (minor), 1 (major)  — the referrer sees what the report got wrong only
///                  when it matters to the patient; a discrepancy is noticed with `noticeProbability`
///     turnaround = 5 at or under half the required turnaround, falling linearly to 1 at twice it
///     score      = round((1 − w) · quality + w · turnaround + N(0, noise²)), clamped to 1...5
///
/// w = `turnaroundWeight` (0.3 **[assumption]**), noise = `feedbackNoise` (0.8 **[derived]** from
/// domain-parameters.md §4 "RADPEER inter-rater reliability", κ = 0.11–0.20), `noticeProbability` 0.5
/// **[assumption]** (§4 "US ED telerad vs final read": only a quarter of major discrepancies were attributed to the
/// reader at all).
public struct ReferrerFeedback: Sendable, Equatable {
    public var parameters: Referrers
    public var noticeProbability: Double
    private let noise: Normal?

    public init(parameters: Referrers = Referrers(), noticeProbability: Double = 0.5) {
        self.parameters = parameters
        self.noticeProbability = noticeProbability
        self.noise =
            parameters.feedbackNoise > 0
            ? try? Normal(mean: 0, standardDeviation: parameters.feedbackNoise)
            : nil
    }

    /// The expected score before noise.
    public func meanScore(discrepancy: Discrepancy, noticed: Bool, turnaroundTicks: Int64, requiredTicks: Int64)
        -> Double
    {
        let quality: Double =
            noticed ? (discrepancy == .major ? 1 : discrepancy == .minor ? 3 : 5) : 5
        let ratio = Double(turnaroundTicks) / Double(max(1, requiredTicks))
        let tat = ratio <= 0.5 ? 5 : ratio >= 2 ? 1 : 5 - 4 * (ratio - 0.5) / 1.5
        let w = parameters.turnaroundWeight
        return (1 - w) * quality + w * tat
    }

    /// Feedback for one report, or `nil` when the referrer gives none (probability 1 − `feedbackProbability`).
    /// Draws three numbers from `stream` whatever happens (give/notice/noise), so one report never shifts the next.
    public func feedback(
        discrepancy: Discrepancy, turnaroundTicks: Int64, requiredTicks: Int64,
        stream: RandomStream
    ) -> Int? {
        assess(
            discrepancy: discrepancy, turnaroundTicks: turnaroundTicks, requiredTicks: requiredTicks, stream: stream)?
            .score
    }

    /// Feedback for one report, as ``feedback(discrepancy:turnaroundTicks:requiredTicks:stream:)``, and whether it
    /// confirms a discrepancy: the report had one and the referrer noticed it (the clinical course showed the report
    /// wrong), so the feedback adjudicates the read. `nil` when the referrer gives none. Draws the same three numbers.
    /// `gain` is added to the expected score before noise (a structured report's satisfaction gain,
    /// ``ReportQuality/structuredSatisfactionGain``; 0 otherwise).
    public func assess(
        discrepancy: Discrepancy, turnaroundTicks: Int64, requiredTicks: Int64, gain: Double = 0,
        stream: RandomStream
    ) -> (score: Int, confirmed: Bool)? {
        let gives = stream.uniform() < parameters.feedbackProbability
        let noticed = stream.uniform() < noticeProbability
        let e = noise?.sample(stream) ?? 0
        guard gives else { return nil }
        let mean =
            meanScore(
                discrepancy: discrepancy, noticed: noticed, turnaroundTicks: turnaroundTicks,
                requiredTicks: requiredTicks) + gain
        return (Int(min(5, max(1, (mean + e).rounded()))), noticed && discrepancy != .none)
    }
}

/// A peer reviewer's RADPEER score for a read, given its true outcome.
///
/// - A correct read (TP/TN) is scored 2a with `falseDiscrepancyProbability` (0.029: domain-parameters.md §4
///   "Peer review (RADPEER pilot)", 2.9% score-2 disagreements), else 1.
/// - A read in error is detected with `detectionProbability` (0.6 **[derived]** from §4 "RADPEER inter-rater
///   reliability", κ = 0.20 dichotomised), else scored 1. A detected error's level is itself noisy (κ = 0.11 on the
///   4-point scale): a major discrepancy is scored 3 with probability `majorScoredThree` (0.75) and 2 otherwise; a
///   minor one is scored 3 with `minorScoredThree` (0.3) **[assumption]**, both calibrated so that, with default
///   accuracy and the default burned-out share, level 3 lands between the pilot's 0.8% misinterpretations and the
///   pediatric overnight series' 3.0% (score 3 + 4); b (clinically significant) follows the true severity.
public struct PeerReviewModel: Sendable, Equatable {
    public var parameters: PeerReview
    public var majorScoredThree: Double
    public var minorScoredThree: Double

    public init(parameters: PeerReview = PeerReview(), majorScoredThree: Double = 0.75, minorScoredThree: Double = 0.3)
    {
        self.parameters = parameters
        self.majorScoredThree = majorScoredThree
        self.minorScoredThree = minorScoredThree
    }

    /// Whether a report is sampled for review (`rateBasisPoints`). One uniform from `stream`.
    public func isSampled(stream: RandomStream) -> Bool {
        stream.uniform() < Double(parameters.rateBasisPoints) / 10_000
    }

    /// The score. Draws two uniforms from `stream` whatever the outcome.
    public func score(_ outcome: ReadResult, stream: RandomStream) -> ReviewScore {
        let u1 = stream.uniform()
        let u2 = stream.uniform()
        guard outcome.classification.isError else {
            return u1 < parameters.falseDiscrepancyProbability ? .score2a : .concur
        }
        guard u1 < parameters.detectionProbability else { return .concur }
        let major = outcome.discrepancy == .major
        let three = u2 < (major ? majorScoredThree : minorScoredThree)
        switch (three, major) {
        case (true, true): return .score3b
        case (true, false): return .score3a
        case (false, true): return .score2b
        case (false, false): return .score2a
        }
    }
}
