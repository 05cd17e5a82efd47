import Contracts
import Ledger
import Testing

/// Quality metrics on chain (issue 18 items 3 and 4): the report's structured flag and AI verdict, the follow-up
/// guideline in the genesis's quality section, the radiologist's report-quality counts, and the value-based
/// weights for them.
@Suite struct QualityTests {
    let c = Cast()
    static let day: Int64 = 24 * hour

    /// The guideline the tests use: a normal read needs no follow-up, finding 101 one within 90 days, any other
    /// finding one within 30 days.
    static let guideline = [
        FollowUpRule(findingCode: 0, followUpRequired: false),
        FollowUpRule(findingCode: 101, followUpRequired: true, maxWithinTicks: 90 * day),
        FollowUpRule(findingCode: FollowUpRule.anyFinding, followUpRequired: true, maxWithinTicks: 30 * day),
    ]

    func report(_ id: UInt64, findings: [UInt16], within: Int64?, structured: Bool = false, ai: Bool? = nil)
        -> ReportSubmission
    {
        ReportSubmission(
            reportHash: Hash.sha256(Array("report-\(id)".utf8)), findings: findings,
            followUp: within.map { FollowUp(code: 1, withinTicks: $0) }, structured: structured, aiFinding: ai)
    }

    /// A report without the new fields encodes exactly as before they existed (hash, findings, then the follow-up
    /// as an optional: 0, or 1 and the follow-up); each combination of the new fields round-trips; a flag byte
    /// with unknown bits, or "AI said finding" without "AI read", is refused.
    @Test func reportEncoding() throws {
        // The old layout: the 32-byte hash, a 4-byte count and the codes, then `putOptional(followUp)`.
        for within in [nil, Int64(30 * Self.day)] {
            let r = report(1, findings: [101, 230], within: within)
            let head: [UInt8] = [0, 0, 0, 2, 0, 101, 0, 230]
            let tail: [UInt8] = r.followUp.map { [1] + $0.canonicalBytes } ?? [0]
            #expect(r.canonicalBytes == r.reportHash.canonicalBytes + head + tail)
        }
        for within in [nil, Int64(7 * Self.day)] {
            for structured in [false, true] {
                for ai in [nil, false, true] {
                    let r = report(2, findings: [101], within: within, structured: structured, ai: ai)
                    #expect(try ReportSubmission.decode(canonical: r.canonicalBytes) == r)
                }
            }
        }
        let base = report(3, findings: [], within: nil).canonicalBytes
        for bad: UInt8 in [0x10, 0x04, 0x05, 0x80] {
            var bytes = base
            bytes[bytes.count - 1] = bad
            #expect(throws: Ledger.DecodingError.self) { _ = try ReportSubmission.decode(canonical: bytes) }
        }
    }

    /// Appropriateness by the guideline: a normal read with no follow-up is appropriate, with one it is not (MIPS
    /// #405/#406: follow-up of a benign incidental finding); a finding needs one within its rule's time frame (its
    /// own rule, else the any-finding rule); with no applicable rule nothing is judged.
    @Test func guidelineJudgesRecommendations() {
        let q = QualityParameters(guideline: Self.guideline)
        #expect(q.judge(report(1, findings: [], within: nil)) == true)
        #expect(q.judge(report(1, findings: [], within: 30 * Self.day)) == false)
        #expect(q.judge(report(1, findings: [101], within: 90 * Self.day)) == true)
        #expect(q.judge(report(1, findings: [101], within: 91 * Self.day)) == false)
        #expect(q.judge(report(1, findings: [101], within: nil)) == false)
        #expect(q.judge(report(1, findings: [230], within: 30 * Self.day)) == true)
        #expect(q.judge(report(1, findings: [230], within: 60 * Self.day)) == false)
        #expect(q.judge(report(1, findings: [230], within: 0)) == false)
        let partial = QualityParameters(guideline: [
            FollowUpRule(findingCode: 101, followUpRequired: true, maxWithinTicks: 1)
        ])
        #expect(partial.judge(report(1, findings: [], within: nil)) == nil)
        #expect(partial.judge(report(1, findings: [230], within: 1)) == nil)
    }

    /// The quality section round-trips in the genesis; a genesis without it has the bytes it had before (it ends
    /// where the section would start); bad sections are reported.
    @Test func genesisSection() throws {
        var g = c.genesis(.postedPrice)
        let plain = g.canonicalBytes
        g.quality = QualityParameters(
            guideline: Self.guideline, weights: QualityWeights(followUpAppropriate: 2_000, structured: 1_000))
        let with = g.canonicalBytes
        #expect(Array(with.prefix(plain.count)) == plain && with[plain.count] == 0x51)
        #expect(try Genesis.decode(canonical: with) == g)
        #expect(g.problems().isEmpty)
        g.quality = QualityParameters(
            guideline: Self.guideline + [FollowUpRule(findingCode: 0, followUpRequired: false)])
        #expect(g.problems().contains { $0.contains("duplicate follow-up rule") })
        g.quality = QualityParameters(guideline: [FollowUpRule(findingCode: 5, followUpRequired: true)])
        #expect(g.problems().contains { $0.contains("non-positive time") })
        g.quality = QualityParameters(
            guideline: [], weights: QualityWeights(satisfaction: QualityWeights.maxWeight + 1))
        #expect(g.problems().contains { $0.contains("quality weight satisfaction") })
    }

    /// A chain with the guideline: two reports (one appropriate and structured with the AI saying "finding", one
    /// without the follow-up its finding needs and the AI saying "no finding") are counted per radiologist.
    @Test func reportsAreJudgedOnChain() {
        var g = c.genesis(.postedPrice, sampling: 0)
        g.quality = QualityParameters(guideline: Self.guideline)
        var h = Harness(g, proposer: c.validator.signing)
        h.ok(at: minute, c.setup())
        h.ok(
            at: 2 * minute,
            [
                (c.c1, .postStudy(c.order(c.c1, deadline: 3 * hour))),
                (c.c2, .postStudy(c.order(c.c2, deadline: 3 * hour))),
                (c.c3, .postStudy(c.order(c.c3, deadline: 3 * hour))),
            ])
        h.ok(
            at: 3 * minute,
            [(c.r1, .claimStudy(studyID: 1)), (c.r2, .claimStudy(studyID: 2)), (c.r1, .claimStudy(studyID: 3))])
        h.ok(
            at: 30 * minute,
            [
                (
                    c.r1,
                    .submitReport(
                        studyID: 1,
                        report: report(1, findings: [101], within: 30 * Self.day, structured: true, ai: true))
                ),
                (c.r2, .submitReport(studyID: 2, report: report(2, findings: [230], within: nil, ai: false))),
                (c.r1, .submitReport(studyID: 3, report: report(3, findings: [], within: nil))),
            ])
        var r1 = ReportQualityRecord()
        r1.reports = 2
        r1.judged = 2
        r1.appropriate = 2
        r1.structured = 1
        r1.aiRead = 1
        r1.aiFinding = 1
        var r2 = ReportQualityRecord()
        r2.reports = 1
        r2.judged = 1
        r2.aiRead = 1
        #expect(h.app.reportQuality(of: c.r1.address) == r1)
        #expect(h.app.reportQuality(of: c.r2.address) == r2)
        #expect(h.app.study(1)?.report?.aiFinding == true && h.app.study(1)?.report?.structured == true)
        // Without the section nothing is counted.
        var plain = Harness(c.genesis(.postedPrice, sampling: 0), proposer: c.validator.signing)
        plain.ok(at: minute, c.setup())
        plain.ok(at: 2 * minute, [(c.c1, .postStudy(c.order(c.c1, deadline: 3 * hour)))])
        plain.ok(at: 3 * minute, [(c.r1, .claimStudy(studyID: 1))])
        plain.ok(
            at: 30 * minute,
            [(c.r1, .submitReport(studyID: 1, report: report(1, findings: [], within: nil, structured: true)))])
        #expect(plain.app.reportQuality(of: c.r1.address) == ReportQualityRecord())
    }

    /// A refused report (not the assignee; after the deadline) changes nothing but the fee: no quality counts,
    /// no score.
    @Test func refusedReportChangesOnlyTheFee() {
        var g = c.genesis(
            .postedPrice,
            valueBased: ValueBasedParameters(
                holdbackBasisPoints: 1_000, levyBasisPoints: 500, bonusPeriodTicks: 24 * hour,
                payout: .proportionalToQualityPoints, holdbackTimeoutTicks: 12 * hour), sampling: 0)
        g.quality = QualityParameters(guideline: Self.guideline, weights: QualityWeights(structured: 10_000))
        var h = Harness(g, proposer: c.validator.signing)
        h.ok(at: minute, c.setup())
        h.ok(at: 2 * minute, [(c.c1, .postStudy(c.order(c.c1, deadline: hour)))])
        h.ok(at: 3 * minute, [(c.r1, .claimStudy(studyID: 1))])
        let good = report(1, findings: [], within: nil, structured: true, ai: false)
        for (sender, t, code) in [(c.r2, 10 * minute, TxCode.notAssignee), (c.r1, 2 * hour, .deadlinePassed)] {
            var control = h
            control.block(at: t, [])
            var tried = h
            let tx = tried.tx(sender, .submitReport(studyID: 1, report: good))
            let r = tried.block(at: t, [tx]).receipts[0]
            #expect(r.code == code, "\(r.log)")
            let expected = applyingFeeRule(
                to: control.app.state, sender: sender.address, collector: c.validator.address, fee: fee)
            #expect(tried.app.stateRoot == expected.rootHash)
            #expect(tried.app.reportQuality(of: sender.address) == ReportQualityRecord())
            #expect(tried.app.qualityScore(of: sender.address) == 0)
        }
    }

    /// Value-based weights: with structured reports weighted 1 beside the discrepancy point's 1, two readers each
    /// with a released hold-back's point share the pool 2:1 when only one wrote a structured report; with the
    /// default weights (section present, nothing scored) they share it 1:1 as before.
    @Test func weightedBonusPool() {
        func run(_ weights: QualityWeights) -> (UInt64, UInt64) {
            var g = c.genesis(
                .postedPrice,
                valueBased: ValueBasedParameters(
                    holdbackBasisPoints: 1_000, levyBasisPoints: 500, bonusPeriodTicks: 24 * hour,
                    payout: .proportionalToQualityPoints, holdbackTimeoutTicks: 12 * hour))
            g.quality = QualityParameters(guideline: Self.guideline, weights: weights)
            var h = Harness(g, proposer: c.validator.signing)
            h.ok(at: minute, c.setup())
            h.ok(
                at: 2 * minute,
                [
                    (c.c1, .postStudy(c.order(c.c1, deadline: 3 * hour))),
                    (c.c2, .postStudy(c.order(c.c2, deadline: 3 * hour))),
                ])
            h.ok(at: 3 * minute, [(c.r1, .claimStudy(studyID: 1)), (c.r2, .claimStudy(studyID: 2))])
            h.ok(
                at: 30 * minute,
                [
                    (c.r1, .submitReport(studyID: 1, report: report(1, findings: [], within: nil, structured: true))),
                    (c.r2, .submitReport(studyID: 2, report: report(2, findings: [], within: nil))),
                ])
            h.ok(
                at: hour,
                [
                    (c.r2, .submitPeerReview(studyID: 1, score: .concur, labels: [])),
                    (c.r1, .submitPeerReview(studyID: 2, score: .concur, labels: [])),
                ])
            let end = h.block(at: 24 * hour, [])
            #expect(h.app.totalValue == h.app.genesis.supply)
            func paid(_ p: Party) -> UInt64 {
                end.outcome.contract.compactMap {
                    if case .bonusPaid(let r, let a) = $0, r == p.address { a } else { nil }
                }.reduce(0, +)
            }
            return (paid(c.r1), paid(c.r2))
        }
        let weighted = run(QualityWeights(structured: 10_000))
        #expect(weighted.0 == 200 && weighted.1 == 100, "\(weighted)")
        let plain = run(QualityWeights())
        #expect(plain.0 == 150 && plain.1 == 150, "\(plain)")
    }
}
