import Analysis
import DiscreteEvent
import Foundation
import MarketModel

/// The headline metrics of a market run, computed from its records (studies that arrived after the warm-up,
/// days after the warm-up). Money in major units (e.g. USD), times in hours or seconds as the unit says.
///
/// Turnaround quantiles count every measured study, reported or not (``turnaroundEstimate(_:horizonTicks:)``): a
/// quantile the reported studies do not reach is `+∞`, so a market that never reports a tenth of its STAT studies
/// shows an infinite STAT p90 rather than the p90 of those it did report.
public enum MarketMetrics {
    /// (name, unit, label) in print order.
    public static let headline: [(name: String, unit: String, label: String)] =
        [
            ("turnaround_p50_stat", "h", "turnaround p50, STAT"),
            ("turnaround_p90_stat", "h", "turnaround p90, STAT"),
            ("turnaround_p50_urgent", "h", "turnaround p50, urgent"),
            ("turnaround_p90_urgent", "h", "turnaround p90, urgent"),
            ("turnaround_p50_routine", "h", "turnaround p50, routine"),
            ("turnaround_p90_routine", "h", "turnaround p90, routine"),
            ("late_share", "fraction", "reported late or never"),
            ("expired_share", "fraction", "not reported by the end (expired or still open)"),
            ("never_reported_stat", "fraction", "never reported (expired), STAT"),
            ("never_reported_urgent", "fraction", "never reported (expired), urgent"),
            ("never_reported_routine", "fraction", "never reported (expired), routine"),
            ("unsettled_holdback_share", "fraction", "reported studies whose hold-back is unsettled at the end"),
            ("cost_per_study", "money", "client cost per study (price + fees)"),
            ("intermediary_fees_per_study", "money", "intermediary margin per study"),
            ("errors_per_1000", "per 1000 reads", "reading errors (FN + FP)"),
            ("errors_per_study", "fraction", "reading errors (FN + FP) per study read"),
            ("misses_per_finding", "fraction", "misses (FN) per study read with a finding"),
            ("major_discrepancies_per_study", "fraction", "major discrepancies per study read"),
            ("major_misses_per_1000", "per 1000 reads", "major misses"),
            ("radpeer_discrepancy_rate", "fraction", "peer-review discrepancy rate (score >= 2)"),
            ("income_per_hour", "money", "radiologist income per shift hour"),
            ("income_gini", "ratio", "Gini of income per hour across radiologists"),
            ("burnout_prevalence", "fraction", "radiologists burned out (day mean)"),
            ("attrition_annual", "per year", "exits per radiologist-year"),
            ("utilisation", "fraction", "reading share of shift time"),
            ("chain_bytes_per_study", "bytes", "block bytes per reported study"),
            ("commit_latency_p50", "s", "commit latency, every agent tx (submit -> commit), p50"),
            ("commit_latency_p90", "s", "commit latency, every agent tx (submit -> commit), p90"),
            ("referrer_satisfaction", "score 1-5", "referrer satisfaction: mean feedback score"),
            ("follow_up_appropriate_share", "fraction", "follow-up recommendations meeting the guideline"),
            ("structured_share", "fraction", "structured reports per study read"),
            ("expected_errors_per_1000", "per 1000 reads", "expected reading errors (the error model's probability)"),
            ("context_share", "fraction", "reads with a clinical question (requisition or shared summary)"),
            ("consults_per_1000", "per 1000 reads", "consults with the referrer"),
            ("consult_answered_share", "fraction", "consults the referrer answered"),
            ("consult_delay_mean", "min", "consult request to the referrer's reply, mean"),
            ("consult_hold_mean", "min", "time a consult held the read (wait + talk), mean"),
        ]
        + ClientGroup.ClientType.allCases.flatMap { t in
            [
                ("price_paid_\(t.rawValue)", "money", "price paid per reported study, \(t.rawValue)"),
                ("turnaround_mean_\(t.rawValue)", "h", "mean turnaround of reported studies, \(t.rawValue)"),
            ]
        }

    public static var headlineNames: [String] { headline.map(\.name) }

    /// - Parameters:
    ///   - commitLatencies: submit → commit of every agent transaction submitted after the warm-up, ticks.
    ///   - horizonTicks: the run's end: a study still open then is censored there in the turnaround estimates.
    ///   - minorPerMajor: minor units per major unit of the currency (100 for USD).
    public static func compute(
        studies: [StudyRecord], days: [RadiologistDayRecord], blocks: [ChainBlockRecord], commitLatencies: [Int64],
        warmupTicks: Int64, horizonTicks: Int64, minorPerMajor: UInt64
    ) -> [RunMetric] {
        let hour = Double(SimTime.ticksPerHour)
        let money = Double(minorPerMajor)
        let measured = studies.filter(\.measured)
        let reported = measured.filter { $0.reportCommitted != nil }
        var values: [String: Double] = [:]
        for urgency in [Urgency.stat, .urgent, .routine] {
            let ofUrgency = measured.filter { $0.urgency == urgency }
            let estimate = turnaroundEstimate(ofUrgency, horizonTicks: horizonTicks)
            values["turnaround_p50_\(urgency.name)"] = estimate.quantile(0.5)
            values["turnaround_p90_\(urgency.name)"] = estimate.quantile(0.9)
            values["never_reported_\(urgency.name)"] = ratio(
                ofUrgency.filter { $0.status == .expired }.count, ofUrgency.count)
        }
        let late = measured.filter { s in s.turnaround.map { $0 > s.requiredTurnaround } ?? true }.count
        values["late_share"] = ratio(late, measured.count)
        values["expired_share"] = ratio(measured.count - reported.count, measured.count)
        // Value-based hold-backs still waiting for peer review, feedback or their time-out when the run ends (a
        // report with nothing held back is settled at once).
        values["unsettled_holdback_share"] = ratio(reported.filter { $0.settled == nil }.count, reported.count)
        let cost = reported.reduce(0.0) { $0 + Double($1.pricePaid + $1.clientFees) }
        values["cost_per_study"] = reported.isEmpty ? .nan : cost / Double(reported.count) / money
        let margin = reported.reduce(0.0) { $0 + Double($1.intermediaryMargin) }
        values["intermediary_fees_per_study"] = reported.isEmpty ? .nan : margin / Double(reported.count) / money
        values.merge(errorRates(measured), uniquingKeysWith: { $1 })
        values.merge(contextAndConsults(measured), uniquingKeysWith: { $1 })
        let reviewed = measured.filter(\.peerReviewed)
        let discrepant = reviewed.filter { $0.reviewScore?.isDiscrepancy ?? true }.count
        values["radpeer_discrepancy_rate"] = ratio(discrepant, reviewed.count)
        // Quality metrics (issue 18 item 3): satisfaction from every measured study's feedback; follow-up
        // appropriateness and structured share over the reads the `quality` section judged (NaN when it is off).
        let scores = measured.compactMap(\.feedback)
        values["referrer_satisfaction"] =
            scores.isEmpty ? .nan : Double(scores.reduce(0, +)) / Double(scores.count)
        let judged = measured.compactMap(\.followUpAppropriate)
        values["follow_up_appropriate_share"] = ratio(judged.filter { $0 }.count, judged.count)
        let structured = measured.compactMap(\.structuredReport)
        values["structured_share"] = ratio(structured.filter { $0 }.count, structured.count)

        let warmupDay = Int((Double(warmupTicks) / (24 * hour)).rounded(.up))
        let mdays = days.filter { $0.day >= warmupDay }
        let hours = mdays.reduce(0.0) { $0 + $1.hoursOnShift }
        let income = mdays.reduce(0.0) { $0 + Double($1.income) }
        values["income_per_hour"] = hours > 0 ? income / hours / money : .nan
        var perRad: [Int: (income: Double, hours: Double)] = [:]
        for d in mdays {
            perRad[d.radiologist, default: (0, 0)].income += Double(d.income)
            perRad[d.radiologist, default: (0, 0)].hours += d.hoursOnShift
        }
        let rates = perRad.keys.sorted().compactMap { k -> Double? in
            let v = perRad[k]!
            return v.hours > 0 ? v.income / v.hours : nil
        }
        values["income_gini"] = gini(rates)
        let activeDays = mdays.filter { $0.active || $0.exited }
        values["burnout_prevalence"] = ratio(activeDays.filter(\.burnedOut).count, activeDays.count)
        let exits = mdays.filter(\.exited).count
        let radYears = Double(activeDays.count) / 365
        values["attrition_annual"] = radYears > 0 ? Double(exits) / radYears : .nan
        let reading = mdays.reduce(0.0) { $0 + $1.hoursReading }
        values["utilisation"] = hours > 0 ? reading / hours : .nan
        let bytes = blocks.filter { $0.time >= warmupTicks }.reduce(0) { $0 + $1.bytes }
        values["chain_bytes_per_study"] = reported.isEmpty ? .nan : Double(bytes) / Double(reported.count)
        let lat = commitLatencies.map { Double($0) / Double(SimTime.ticksPerSecond) }
        values["commit_latency_p50"] = quantile(lat, 0.5)
        values["commit_latency_p90"] = quantile(lat, 0.9)
        // Price paid against turnaround by client type (issue 18 item 2: "clients who need faster reads would need
        // to pay more").
        for t in ClientGroup.ClientType.allCases {
            let of = reported.filter { $0.clientType == t.rawValue }
            values["price_paid_\(t.rawValue)"] =
                of.isEmpty ? .nan : of.reduce(0.0) { $0 + Double($1.pricePaid) } / Double(of.count) / money
            let hours = of.compactMap { $0.turnaround.map { Double($0) / hour } }
            values["turnaround_mean_\(t.rawValue)"] =
                hours.isEmpty ? .nan : hours.reduce(0, +) / Double(hours.count)
        }
        return headline.map { RunMetric(name: $0.name, value: values[$0.name] ?? .nan, unit: $0.unit) }
    }

    static func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? .nan : Double(a) / Double(b) }

    /// Reading errors of the measured studies that were read, each against its published definition
    /// (`../shared/domain-parameters.md` §4). A study counts once, with its last read.
    ///
    /// - `errors_per_study`: false negatives plus false positives over studies read. §4 "Day-to-day (real-time)
    ///   error rate": 3–5% of studies reported (Brady, *Insights Imaging* 2017). `errors_per_1000` is the same
    ///   ratio per 1,000 reads (kept for the cost-against-quality plot and earlier comparisons).
    /// - `misses_per_finding`: false negatives over studies read that have a finding. §4 "Retrospective error
    ///   rate": about 30% of abnormal studies, found in retrospect (Garland 1949, in Berlin, *Diagnosis* 2014);
    ///   the retrospective figure counts every miss a second look finds, so it bounds the real-time miss rate
    ///   from above.
    /// - `major_discrepancies_per_study`: reads with a major discrepancy against the truth (a missed major
    ///   finding, or any other error the error model grades major) over studies read. §4 "Teleradiology major
    ///   discrepancy": 0.15% of exams (Hanna et al., *Radiology* 2018, 4,294 of 2,922,377, found by secondary
    ///   review or QA). `major_misses_per_1000` counts the missed major findings alone, per 1,000 reads.
    static func errorRates(_ measured: [StudyRecord]) -> [String: Double] {
        let read = measured.filter { $0.outcome != nil }
        let errors = read.filter { $0.outcome?.isError == true }.count
        let withFinding = read.filter(\.truthFinding)
        let misses = withFinding.filter { $0.outcome == .falseNegative }.count
        let majorDiscrepancies = read.filter { $0.discrepancy == 2 }.count
        let majorMisses = read.filter { $0.outcome == .falseNegative && $0.discrepancy == 2 }.count
        return [
            "errors_per_study": ratio(errors, read.count),
            "errors_per_1000": read.isEmpty ? .nan : 1000 * Double(errors) / Double(read.count),
            "misses_per_finding": ratio(misses, withFinding.count),
            "major_discrepancies_per_study": ratio(majorDiscrepancies, read.count),
            "major_misses_per_1000": read.isEmpty ? .nan : 1000 * Double(majorMisses) / Double(read.count),
        ]
    }

    /// Shared clinical context and consults (issue 18 item 1), over the measured studies read: the share with a
    /// clinical question, consults per 1,000 reads, the share the referrer answered, the mean reply delay and
    /// hold (minutes), and the error model's expected errors per 1,000 reads (the mean of each read's error
    /// probability: the errors the conditions imply, without the draw's noise).
    static func contextAndConsults(_ measured: [StudyRecord]) -> [String: Double] {
        let read = measured.filter { $0.outcome != nil }
        let consulted = read.filter(\.consulted)
        let minute = Double(SimTime.ticksPerSecond * 60)
        let probabilities = read.compactMap(\.errorProbability)
        func mean(_ xs: [Double]) -> Double { xs.isEmpty ? .nan : xs.reduce(0, +) / Double(xs.count) }
        return [
            "expected_errors_per_1000": 1000 * mean(probabilities),
            "context_share": ratio(read.filter(\.clinicalContext).count, read.count),
            "consults_per_1000": read.isEmpty ? .nan : 1000 * Double(consulted.count) / Double(read.count),
            "consult_answered_share": ratio(consulted.filter { $0.consultAnswered == true }.count, consulted.count),
            "consult_delay_mean": mean(consulted.compactMap { $0.consultDelay.map { Double($0) / minute } }),
            "consult_hold_mean": mean(consulted.compactMap { $0.consultTicks.map { Double($0) / minute } }),
        ]
    }

    /// The Kaplan–Meier estimate of turnaround (arrival → report committed, hours) of `studies`, counting those
    /// never reported: a reported study's turnaround is an event; a study still open at the horizon is censored at
    /// `horizon − arrival` (it might yet be reported); one the client gave up on (expired) never is reported
    /// (censored at `+∞`). Its quantiles are the headline turnarounds, `+∞` where the share reported never
    /// reaches the quantile's level; its steps are the turnaround plot's curve.
    public static func turnaroundEstimate(_ studies: [StudyRecord], horizonTicks: Int64) -> KaplanMeier {
        turnaroundEstimate(
            studies.map { (arrival: $0.arrival, turnaround: $0.turnaround, status: $0.status) },
            horizonTicks: horizonTicks)
    }

    /// ``turnaroundEstimate(_:horizonTicks:)`` from each study's arrival, turnaround (nil: not reported) and status.
    public static func turnaroundEstimate(
        _ studies: [(arrival: Int64, turnaround: Int64?, status: StudyStatus)], horizonTicks: Int64
    ) -> KaplanMeier {
        let hour = Double(SimTime.ticksPerHour)
        var events: [Double] = []
        var censored: [Double] = []
        for s in studies {
            if let t = s.turnaround {
                events.append(Double(t) / hour)
            } else if s.status == .expired {
                censored.append(.infinity)
            } else {
                censored.append(Double(max(0, horizonTicks - s.arrival)) / hour)
            }
        }
        return KaplanMeier(events: events, censored: censored)
    }

    /// The p-quantile by linear interpolation between order statistics (type 7); NaN when empty.
    public static func quantile(_ xs: [Double], _ p: Double) -> Double {
        guard !xs.isEmpty else { return .nan }
        let s = xs.sorted()
        let h = Double(s.count - 1) * p
        let lo = Int(h.rounded(.down))
        let hi = min(lo + 1, s.count - 1)
        return s[lo] + (h - Double(lo)) * (s[hi] - s[lo])
    }

    /// Gini coefficient of non-negative values (0 equal, → 1 concentrated); NaN when empty or all zero.
    public static func gini(_ xs: [Double]) -> Double {
        guard xs.count > 1 else { return xs.isEmpty ? .nan : 0 }
        let s = xs.sorted()
        let total = s.reduce(0, +)
        guard total > 0 else { return .nan }
        var weighted = 0.0
        for (i, x) in s.enumerated() { weighted += Double(i + 1) * x }
        let n = Double(s.count)
        return (2 * weighted) / (n * total) - (n + 1) / n
    }
}
