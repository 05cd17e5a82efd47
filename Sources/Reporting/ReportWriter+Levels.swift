// The report's "Published levels" section: the study's levels next to the published ranges of
// ../shared/domain-parameters.md, each with its row.

import Foundation
import Studies

extension ReportWriter {
    /// One published level: how to read it from a design's summary (nil when undefined), its range and its source.
    struct PublishedLevel: Sendable {
        var label: String
        var range: ClosedRange<Double>
        var source: String
        var value: @Sendable (MarketDesignSummary, ReportInput) -> Double?
    }

    static func metric(_ name: String) -> @Sendable (MarketDesignSummary, ReportInput) -> Double? {
        { d, _ in d.metric(name)?.mean }
    }

    /// The levels a health-policy reader checks first (burnout, pace, income, margin, errors, turnaround).
    static let publishedLevels: [PublishedLevel] = [
        PublishedLevel(
            label: "radiologists burned out", range: 0.36...0.54,
            source: "§5 \"Radiologist burnout prevalence (Medscape)\": 36–54%", value: metric("burnout_prevalence")),
        PublishedLevel(
            label: "mean chosen pace (1 = the pace reading times were measured at)", range: 0.9...1.1,
            source: "§4 \"Reading speed vs major misses\": pace moves misses with elasticity 1.4; no published level, "
                + "normal reading is pace 1",
            value: { d, r in r.meanPace[d.name] }),
        PublishedLevel(
            label: "income per shift hour (currency units)", range: 150...350,
            source: "§3 \"Radiologist compensation context\": $413–476k a year, about $200–240 an hour",
            value: metric("income_per_hour")),
        PublishedLevel(
            label: "intermediary margin (share of the client's cost)", range: 0.2...0.5,
            source: "§3 \"Radiologist pay per XR read and intermediary margin\": ~20–50%",
            value: { d, _ in
                guard let fees = d.metric("intermediary_fees_per_study")?.mean,
                    let cost = d.metric("cost_per_study")?.mean,
                    fees > 0, cost > 0
                else { return nil }
                return fees / cost
            }),
        PublishedLevel(
            label: "reading errors per study read", range: 0.03...0.05,
            source: "§4 \"Day-to-day (real-time) error rate\" (Brady): 3–5% of studies",
            value: metric("errors_per_study")),
        PublishedLevel(
            label: "major discrepancies per study read", range: 0.0015...0.01,
            source: "§4 \"Teleradiology major discrepancy\" (Hanna) 0.15% found; \"UK outsourced after-hours CT\" 0.8%",
            value: metric("major_discrepancies_per_study")),
        PublishedLevel(
            label: "STAT turnaround p90 (h)", range: 0...1,
            source: "§6 \"Emergent (P1) report\": at most 1 h; §6 \"Stroke CT\": 45 min",
            value: metric("turnaround_p90_stat")),
        PublishedLevel(
            label: "STAT never reported", range: 0...0.01, source: "§6 stroke and STAT benchmarks",
            value: metric("never_reported_stat")),
        PublishedLevel(
            label: "routine turnaround p50 (h)", range: 0...24, source: "§6 \"Routine outpatient\": ≤24 h target",
            value: metric("turnaround_p50_routine")),
    ]

    /// Each level per design (mean over replications), its published range and its row; "in range" per design.
    static func publishedLevelsSection(_ r: ReportInput) -> [String] {
        var out: [String] = ["## Published levels", ""]
        out.append(
            "The study's levels (means over replications, after the warm-up) next to the published ranges of "
                + "`../shared/domain-parameters.md`; ✓ inside the range, ✗ outside, - undefined. The scenario's "
                + "parameters cite their rows in Scenarios/README.md.")
        out.append("")
        var rows: [[String]] = []
        for level in publishedLevels {
            var row = [level.label, "\(format(level.range.lowerBound))–\(format(level.range.upperBound))"]
            for d in r.summary.designs {
                guard let v = level.value(d, r), v.isFinite || v == .infinity else {
                    row.append("-")
                    continue
                }
                row.append("\(format(v)) \(level.range.contains(v) ? "✓" : "✗")")
            }
            row.append(level.source)
            rows.append(row)
        }
        out.append(
            contentsOf: table(
                ["level", "published"] + r.summary.designs.map(\.name) + ["source"], rows,
                align: "ll" + String(repeating: "r", count: r.summary.designs.count) + "l"))
        out.append("")
        return out
    }

    static func format(_ x: Double) -> String {
        guard x.isFinite else { return x > 0 ? "inf" : "-" }
        return ReportFormat.significant(x, 3)
    }
}
