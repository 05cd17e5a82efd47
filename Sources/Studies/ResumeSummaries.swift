import DiscreteEvent
import Foundation
import Market
import Results

/// Cross-replication summaries recomputed from the database: over every finished run of each (scenario,
/// variant), in replication order, from the stored run metrics.
///
/// Every study (fresh, resumed, extended, merged) writes its summaries this way, so equal finished runs give
/// bit-identical summaries however and in however many processes they were produced.
enum ResumeSummaries {
    /// The headline metric names and labels of a kind of scenario, in print order.
    static func headline(kind: String) -> [(name: String, label: String)] {
        if kind == "market" { return MarketMetrics.headline.map { ($0.name, $0.label) } }
        return QueueStudy.headlineNames.map { ($0, QueueStudy.labels[$0] ?? $0) }
    }

    /// One (scenario, variant) group's metrics.
    struct Group {
        var scenarioSHA256: String
        var variant: String?
        var replications: [Int]
        var metrics: [MetricSummary]
    }

    /// Recomputes and replaces every summary row.
    ///
    /// Market metrics skip the replications where a metric is NaN (`n` counts the rest); queue metrics use every
    /// replication, as the queue study always has.
    @discardableResult
    static func recompute(_ store: ResultsStore, kindOf: (String) -> String) throws -> [Group] {
        var groups: [Group] = []
        var rows: [SummaryRow] = []
        for g in try store.finishedRunMetrics() {
            let kind = kindOf(g.scenarioSHA256)
            var metrics: [MetricSummary] = []
            for h in headline(kind: kind) {
                var values = g.runs.compactMap { $0.values[h.name]?.value }
                if kind == "market" { values = values.filter { !$0.isNaN } }
                let unit = g.runs.lazy.compactMap { $0.values[h.name]?.unit }.first ?? ""
                let m = summary(name: h.name, label: h.label, unit: unit, values: values, market: kind == "market")
                metrics.append(m)
                rows.append(
                    SummaryRow(
                        scenarioSHA256: g.scenarioSHA256, variant: g.variant, metric: m.name, n: m.n, mean: m.mean,
                        stddev: m.standardDeviation, ciLow: m.ciLow, ciHigh: m.ciHigh,
                        confidence: MarketStudy.confidence,
                        unit: m.unit))
            }
            groups.append(
                Group(
                    scenarioSHA256: g.scenarioSHA256, variant: g.variant, replications: g.runs.map(\.replication),
                    metrics: metrics))
        }
        try store.replaceSummaries(rows)
        return groups
    }

    /// Mean, standard deviation and 95% t interval of `values`.
    static func summary(name: String, label: String, unit: String, values: [Double], market: Bool) -> MetricSummary {
        let tally = Tally(values)
        if market {
            let ci = tally.count >= 2 ? tally.confidenceInterval(level: MarketStudy.confidence) : nil
            return MetricSummary(
                name: name, label: label, unit: unit, n: tally.count, mean: tally.count > 0 ? tally.mean : .nan,
                standardDeviation: tally.count >= 2 ? tally.standardDeviation : .nan, ciLow: ci?.lower ?? .nan,
                ciHigh: ci?.upper ?? .nan, halfWidth: ci?.halfWidth ?? .nan, analytic: nil, analyticInInterval: nil)
        }
        let ci = tally.confidenceInterval(level: QueueStudy.confidence)
        return MetricSummary(
            name: name, label: label, unit: unit, n: tally.count, mean: tally.mean,
            standardDeviation: tally.standardDeviation, ciLow: ci?.lower ?? .nan, ciHigh: ci?.upper ?? .nan,
            halfWidth: ci?.halfWidth ?? .nan, analytic: nil, analyticInInterval: nil)
    }
}
