import Ledger

// Quality metrics on chain (issue 18 item 3): the follow-up guideline a report's recommendation is judged by, the
// structured-report flag, and the value-based design's weights for these metrics. All of it lives in the genesis's
// optional quality section (`Genesis.quality`); a chain without it judges nothing and its bytes are as before.

/// One rule of the follow-up guideline (ACR-style, one per finding code; domain-parameters.md §7, MIPS #405
/// "appropriate follow-up imaging for incidental abdominal lesions" and #406 "incidental thyroid nodules").
///
/// Finding code 0 is the normal read (no finding reported); ``FollowUpRule/anyFinding`` applies to a reported
/// finding with no rule of its own. A rule that requires a follow-up is met by a recommendation due within
/// `maxWithinTicks`; a rule that requires none is met by no recommendation.
public struct FollowUpRule: Hashable, Sendable {
    public var findingCode: UInt16
    public var followUpRequired: Bool
    /// The longest time frame the guideline accepts (ticks); 0 when no follow-up is required.
    public var maxWithinTicks: Int64
    public init(findingCode: UInt16, followUpRequired: Bool, maxWithinTicks: Int64 = 0) {
        self.findingCode = findingCode
        self.followUpRequired = followUpRequired
        self.maxWithinTicks = maxWithinTicks
    }

    /// The finding code of the rule for any finding without a rule of its own.
    public static let anyFinding: UInt16 = 0xFFFF
}

/// The value-based design's weights for the quality score (basis points: 10,000 = 1.0). A released hold-back's
/// quality point counts `discrepancy`; an appropriate follow-up recommendation `followUpAppropriate`; a structured
/// report `structured`; referrer feedback `satisfaction × (score − 1) / 4`. The defaults (1, 0, 0, 0) pay the
/// bonus pool exactly as before the quality section existed.
public struct QualityWeights: Hashable, Sendable {
    public var discrepancy: UInt32
    public var followUpAppropriate: UInt32
    public var satisfaction: UInt32
    public var structured: UInt32
    public init(
        discrepancy: UInt32 = 10_000, followUpAppropriate: UInt32 = 0, satisfaction: UInt32 = 0, structured: UInt32 = 0
    ) {
        self.discrepancy = discrepancy
        self.followUpAppropriate = followUpAppropriate
        self.satisfaction = satisfaction
        self.structured = structured
    }

    /// Whether the weights differ from the defaults: the bonus pool is then paid by the weighted score.
    public var scored: Bool { self != QualityWeights() }

    /// The largest weight accepted (10.0).
    public static let maxWeight: UInt32 = 100_000
}

/// The genesis's quality section: the clients' follow-up guideline and the value-based weights.
public struct QualityParameters: Hashable, Sendable {
    public var guideline: [FollowUpRule]
    public var weights: QualityWeights
    public init(guideline: [FollowUpRule], weights: QualityWeights = QualityWeights()) {
        self.guideline = guideline
        self.weights = weights
    }

    /// Whether `report`'s follow-up recommendation is appropriate by the guideline; nil when no rule applies (its
    /// first finding code, or 0 for a normal read, then ``FollowUpRule/anyFinding`` for a finding).
    public func judge(_ report: ReportSubmission) -> Bool? {
        let code = report.findings.first ?? 0
        guard
            let rule = guideline.first(where: { $0.findingCode == code })
                ?? (code == 0 ? nil : guideline.first { $0.findingCode == FollowUpRule.anyFinding })
        else { return nil }
        guard rule.followUpRequired else { return report.followUp == nil }
        guard let f = report.followUp else { return false }
        return f.withinTicks > 0 && f.withinTicks <= rule.maxWithinTicks
    }

    /// Problems that make the section unusable, empty when valid.
    public func problems() -> [String] {
        var out: [String] = []
        let codes = guideline.map(\.findingCode)
        if Set(codes).count != codes.count { out.append("duplicate follow-up rule for a finding code") }
        for r in guideline {
            if r.followUpRequired && r.maxWithinTicks <= 0 {
                out.append("follow-up rule \(r.findingCode) requires a follow-up within a non-positive time")
            }
            if !r.followUpRequired && r.maxWithinTicks != 0 {
                out.append("follow-up rule \(r.findingCode) requires none but names a time frame")
            }
        }
        let w = weights
        for (name, v) in [
            ("discrepancy", w.discrepancy), ("follow-up", w.followUpAppropriate), ("satisfaction", w.satisfaction),
            ("structured", w.structured),
        ] where v > QualityWeights.maxWeight {
            out.append("quality weight \(name) above \(QualityWeights.maxWeight) basis points")
        }
        return out
    }
}

/// A radiologist's report-quality counts (`qual/<address>`), kept when the genesis has a quality section.
public struct ReportQualityRecord: Equatable, Sendable {
    /// Reports submitted.
    public var reports: UInt64 = 0
    /// Reports a guideline rule applied to, and those whose follow-up recommendation met it.
    public var judged: UInt64 = 0
    public var appropriate: UInt64 = 0
    /// Structured reports.
    public var structured: UInt64 = 0
    /// Reports the AI second reader read, and those where the AI said "finding".
    public var aiRead: UInt64 = 0
    public var aiFinding: UInt64 = 0
    public init() {}
}

extension FollowUpRule: CanonicalCodable {
    public func encode(into w: inout CanonicalWriter) {
        w.putU16(findingCode)
        w.putBool(followUpRequired)
        w.putI64(maxWithinTicks)
    }
    public init(from r: inout CanonicalReader) throws(DecodingError) {
        findingCode = try r.takeU16()
        followUpRequired = try r.takeBool()
        maxWithinTicks = try r.takeI64()
    }
}

extension QualityParameters: CanonicalCodable {
    public func encode(into w: inout CanonicalWriter) {
        w.putArray(guideline)
        w.putU32(weights.discrepancy)
        w.putU32(weights.followUpAppropriate)
        w.putU32(weights.satisfaction)
        w.putU32(weights.structured)
    }
    public init(from r: inout CanonicalReader) throws(DecodingError) {
        guideline = try r.takeArray()
        weights = QualityWeights(
            discrepancy: try r.takeU32(), followUpAppropriate: try r.takeU32(), satisfaction: try r.takeU32(),
            structured: try r.takeU32())
    }
}

extension ReportQualityRecord: CanonicalCodable {
    public func encode(into w: inout CanonicalWriter) {
        w.putU64(reports)
        w.putU64(judged)
        w.putU64(appropriate)
        w.putU64(structured)
        w.putU64(aiRead)
        w.putU64(aiFinding)
    }
    public init(from r: inout CanonicalReader) throws(DecodingError) {
        reports = try r.takeU64()
        judged = try r.takeU64()
        appropriate = try r.takeU64()
        structured = try r.takeU64()
        aiRead = try r.takeU64()
        aiFinding = try r.takeU64()
    }
}

extension Context {
    /// A report's quality, when the genesis has a quality section: the radiologist's counts (`qual/`) and, under
    /// value-based settlement with scored weights, its weighted quality score (`qscore/`, basis points).
    mutating func recordReportQuality(_ report: ReportSubmission, radiologist rad: Address) {
        guard let q = genesis.quality else { return }
        let judged = q.judge(report)
        var record = load(StateKeys.reportQuality(rad), as: ReportQualityRecord.self) ?? ReportQualityRecord()
        record.reports += 1
        if let judged {
            record.judged += 1
            if judged { record.appropriate += 1 }
        }
        if report.structured { record.structured += 1 }
        if let ai = report.aiFinding {
            record.aiRead += 1
            if ai { record.aiFinding += 1 }
        }
        save(StateKeys.reportQuality(rad), record)
        guard genesis.valueBased != nil, q.weights.scored else { return }
        let score =
            UInt64(judged == true ? q.weights.followUpAppropriate : 0)
            + UInt64(report.structured ? q.weights.structured : 0)
        addQualityScore(rad, score)
    }

    /// Feedback's share of the weighted score: `satisfaction × (score − 1) / 4`.
    mutating func recordSatisfactionScore(_ score: UInt8, radiologist rad: Address) {
        guard let q = genesis.quality, genesis.valueBased != nil, q.weights.scored else { return }
        addQualityScore(rad, UInt64(q.weights.satisfaction) * UInt64(score.saturatingSubtract(1)) / 4)
    }

    mutating func addQualityScore(_ rad: Address, _ score: UInt64) {
        guard score > 0 else { return }
        setU64(StateKeys.qualityScore(rad), u64(StateKeys.qualityScore(rad)) + score)
    }
}

extension UInt8 {
    fileprivate func saturatingSubtract(_ o: UInt8) -> UInt8 { self > o ? self - o : 0 }
}
