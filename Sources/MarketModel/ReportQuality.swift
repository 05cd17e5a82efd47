/// Report quality (issue 18 item 3, a scenario's `market.quality:` section): follow-up recommendations judged
/// against the clients' guideline, structured reports, and how radiologists respond to the value-based weights
/// for them. Absent (nil in ``MarketParameters/quality``): reports carry no structured flag, recommendations
/// follow the read (a follow-up for every reported finding, none otherwise) and the chain judges nothing, so a
/// scenario without the section runs exactly as before it existed.
///
/// The guideline (domain-parameters.md §7 "Radiology MIPS measures": #405 appropriate follow-up imaging for
/// incidental abdominal lesions, #406 for incidental thyroid nodules) is one ACR-style rule per finding type: a
/// reported finding needs a follow-up recommended within ``guidelineWithinTicks``; a normal read needs none (as
/// #405/#406 count follow-up recommended for a benign incidental finding as inappropriate). **[assumption]**: the
/// simulator's findings are not typed by organ, so one rule covers every finding.
public struct ReportQuality: Sendable, Equatable {
    /// Probability a read's follow-up recommendation departs from the guideline: a reported finding without
    /// one, or a normal read with one (default 0.1 **[assumption]**: no published per-report rate; #405/#406
    /// performance is reported as compliance rates, not given in §7).
    public var inappropriateFollowUp: Double
    /// Probability a report is structured when nothing rewards it (default 0.3 **[assumption]**).
    public var structuredShare: Double
    /// Extra reading time of a structured report, basis points of the read (default 10 % **[assumption]**: no
    /// row in domain-parameters.md gives a structured report's time cost).
    public var structuredTimeCostBasisPoints: Int
    /// How much a structured report raises the referrer's expected feedback score, points on the 1–5 scale
    /// (default 0.5 **[assumption]**).
    public var structuredSatisfactionGain: Double
    /// How strongly radiologists respond to a value-based weight `w` for a behaviour (default 1
    /// **[assumption]**): the structured share becomes `p + (1 − p) · min(1, r · w)` and the inappropriate
    /// follow-up probability `p · max(0, 1 − r · w)`, with `r` this response.
    public var incentiveResponse: Double
    /// The follow-up time frame a radiologist recommends for a finding (default 30 d **[assumption]**).
    public var recommendedWithinTicks: Int64
    /// The longest follow-up time frame the guideline accepts for a finding (default 90 d **[assumption]**).
    public var guidelineWithinTicks: Int64

    public init(
        inappropriateFollowUp: Double = 0.1, structuredShare: Double = 0.3, structuredTimeCostBasisPoints: Int = 1000,
        structuredSatisfactionGain: Double = 0.5, incentiveResponse: Double = 1,
        recommendedWithinTicks: Int64 = 30 * 86_400_000_000, guidelineWithinTicks: Int64 = 90 * 86_400_000_000
    ) {
        self.inappropriateFollowUp = inappropriateFollowUp
        self.structuredShare = structuredShare
        self.structuredTimeCostBasisPoints = structuredTimeCostBasisPoints
        self.structuredSatisfactionGain = structuredSatisfactionGain
        self.incentiveResponse = incentiveResponse
        self.recommendedWithinTicks = recommendedWithinTicks
        self.guidelineWithinTicks = guidelineWithinTicks
    }

    /// The probability of a structured report under a value-based weight `weight` for structured reports (0: none).
    public func structuredProbability(weight: Double) -> Double {
        structuredShare + (1 - structuredShare) * min(1, max(0, incentiveResponse * weight))
    }

    /// The probability of an inappropriate follow-up recommendation under a value-based weight `weight` for
    /// appropriate ones (0: none).
    public func inappropriateProbability(weight: Double) -> Double {
        inappropriateFollowUp * max(0, 1 - incentiveResponse * weight)
    }
}

/// The value-based design's weights for its quality score (`value_based: { weights: ... }`): a released
/// hold-back's quality point counts `discrepancy`, an appropriate follow-up recommendation `followUpAppropriate`, a
/// structured report `structured`, a feedback score `satisfaction · (score − 1) / 4`. The defaults (1, 0, 0, 0)
/// score exactly as before the weights existed. Each in 0...10; written to the chain in basis points.
public struct QualityScoreWeights: Sendable, Equatable {
    public var discrepancy: Double
    public var followUpAppropriate: Double
    public var satisfaction: Double
    public var structured: Double

    public init(
        discrepancy: Double = 1, followUpAppropriate: Double = 0, satisfaction: Double = 0, structured: Double = 0
    ) {
        self.discrepancy = discrepancy
        self.followUpAppropriate = followUpAppropriate
        self.satisfaction = satisfaction
        self.structured = structured
    }

    /// Whether the weights are the defaults.
    public var isDefault: Bool { self == QualityScoreWeights() }

    /// The largest weight a scenario may give.
    public static let maxWeight = 10.0
}
