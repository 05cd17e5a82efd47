import Analysis
import Foundation
import Market
import MarketModel
import Results
import Scenario
import Studies

/// One point of a sweep as its database records it (`sweep_points`).
public struct StoredSweepPoint: Codable, Sendable, Equatable {
    /// The point's index in the sweep (`p<index>` in run variants).
    public var index: Int
    /// The swept parameters' values at this point, in sweep-file order: `[path, value]`.
    public var values: [[String]]
    public var scenarioSHA256: String

    /// `p<index>`, as run variants name the point.
    public var label: String { "p\(index)" }

    /// `p1 (market.cohorts[0].count=3, ...)`.
    public var caption: String {
        label + " (" + values.map { "\($0[0])=\($0[1])" }.joined(separator: ", ") + ")"
    }
}

/// The finished market runs of a sweep database, by point and design.
public struct StoredSweep: Sendable {
    public var database: String
    /// The sweep's name and the SHA-256 of its file text (`study_settings`).
    public var name: String
    public var sweepSHA256: String
    public var seed: UInt64
    /// The base scenario's name (every point's runs carry it).
    public var scenario: String
    public var horizonTicks: Int64
    public var warmupTicks: Int64
    public var currency: Currency
    /// Every point of the sweep, in index order (also those without finished runs).
    public var points: [StoredSweepPoint]
    /// Designs with finished runs, in the scenario's order.
    public var designs: [String]
    /// Finished market runs, ordered by (point, design, replication); each run's `design` is its variant
    /// `p<i>/<design>`.
    public var runs: [StoredMarketRun]
    /// Runs of the sweep that did not finish.
    public var unfinishedRuns: Int

    /// `p<point>/<design>`: a run's variant.
    public static func variant(point: Int, design: String) -> String { "p\(point)/\(design)" }

    /// The runs of one (point, design).
    public func runs(point: Int, design: String) -> [StoredMarketRun] {
        let v = Self.variant(point: point, design: design)
        return runs.filter { $0.design == v }
    }

    /// Points with at least one finished run, in index order.
    public var pointsWithRuns: [StoredSweepPoint] {
        let present = Set(runs.compactMap { SweepComparison.split($0.design)?.point })
        return points.filter { present.contains($0.index) }
    }
}

/// Paired comparisons across the points of a sweep (`readchain compare --from SWEEP --by point`).
///
/// Every point of a sweep runs replication r of every design with the same seed (the sweep's, r), and each named
/// random source draws from its own stream keyed by (seed, replication, name), so point k and the baseline point
/// see the same arrivals, latent findings and radiologists: `(p<k>/<design>)_r − (p<base>/<design>)_r` is a paired
/// difference per replication, as between designs of one scenario. The statistics are ``Comparison``'s.
public enum SweepComparison {
    /// Whether `store` was written by `readchain sweep` (its study settings say so, and it records points).
    public static func isSweep(_ store: ResultsStore) throws -> Bool {
        guard try store.studySettings()?.kind == "sweep" else { return false }
        return !(try store.sweepPoints().isEmpty)
    }

    /// `p<i>/<design>` split into (i, design); nil for another variant.
    static func split(_ variant: String) -> (point: Int, design: String)? {
        guard variant.hasPrefix("p"), let slash = variant.firstIndex(of: "/") else { return nil }
        guard let point = Int(variant[variant.index(after: variant.startIndex)..<slash]), point >= 0 else {
            return nil
        }
        return (point, String(variant[variant.index(after: slash)...]))
    }

    /// Reads a sweep database's points and finished market runs.
    ///
    /// - Throws: ``ComparisonError`` (`noStudy`) when the database is not a sweep's, or the sweep has no finished
    ///   market run (a queue sweep, or nothing finished yet); ``ResultsError`` on a database error.
    public static func load(_ store: ResultsStore) throws -> StoredSweep {
        guard let settings = try store.studySettings(), settings.kind == "sweep" else {
            throw ComparisonError(
                .noStudy,
                "\(store.path) is not a sweep database (it was not written by `readchain sweep`); --by point compares "
                    + "the points of a sweep (`readchain sweep FILE --out DB`, then `readchain compare --from DB "
                    + "--by point`)")
        }
        let rows = try store.sweepPoints()
        var points: [StoredSweepPoint] = []
        for row in rows {
            if points.last?.index != row.point {
                points.append(StoredSweepPoint(index: row.point, values: [], scenarioSHA256: row.scenarioSHA256))
            }
            points[points.count - 1].values.append([row.parameter, row.value])
        }
        guard !points.isEmpty else {
            throw ComparisonError(.noStudy, "\(store.path) is a sweep database without points: nothing to compare")
        }
        let all = try store.runs()
        let market = all.filter { $0.provenance.scenarioKind == "market" }
        let finished = market.filter { $0.status == .finished && split($0.provenance.variant ?? "") != nil }
        guard let first = finished.first else {
            let kinds = Set(all.map(\.provenance.scenarioKind)).sorted()
            throw ComparisonError(
                .noStudy,
                "\(store.path): sweep '\(settings.name)' has no finished market runs ("
                    + (market.isEmpty && !all.isEmpty
                        ? "its runs are \(kinds.joined(separator: ", ")) runs; comparing points needs a market sweep"
                        : "\(all.count) runs, none finished") + ")")
        }
        let p = first.provenance
        let file = try? ScenarioLoader.parse(text: p.scenarioText, path: "\(store.path):runs.scenario_text")
        var order: [String] = []
        var currency = Currency(code: "money", minorDigits: 2)
        if case .market(let model)? = file?.model {
            order = model.designs.map(\.name)
            currency = model.currency
        }
        for r in finished {
            let d = split(r.provenance.variant ?? "")!.design
            if !order.contains(d) { order.append(d) }
        }
        var runs = try finished.map { try ComparisonStudy.storedRun(store, $0) }
        runs.sort { a, b in
            let sa = split(a.design)!
            let sb = split(b.design)!
            if sa.point != sb.point { return sa.point < sb.point }
            let da = order.firstIndex(of: sa.design)!
            let db = order.firstIndex(of: sb.design)!
            return da != db ? da < db : a.replication < b.replication
        }
        if file == nil, let code = runs.first?.units["cost_per_study"] {
            currency = Currency(code: code, minorDigits: 2)
        }
        let present = Set(runs.map { split($0.design)!.design })
        return StoredSweep(
            database: store.path, name: settings.name, sweepSHA256: settings.sourceSHA256, seed: settings.masterSeed,
            scenario: p.scenarioName, horizonTicks: p.horizonTicks, warmupTicks: p.warmupTicks, currency: currency,
            points: points, designs: order.filter { present.contains($0) }, runs: runs,
            unfinishedRuns: market.filter { $0.status != .finished }.count)
    }

    /// The point `--baseline` names: `p<i>` or `<i>`; the first point with finished runs when nil.
    ///
    /// - Throws: ``ComparisonError`` (`unknownDesign`, a command-line error) for a name that is not a point with
    ///   finished runs.
    public static func baselinePoint(_ s: StoredSweep, _ name: String?) throws -> StoredSweepPoint {
        let candidates = s.pointsWithRuns
        guard let name else { return candidates[0] }
        let digits = name.hasPrefix("p") ? String(name.dropFirst()) : name
        if let i = Int(digits), let point = candidates.first(where: { $0.index == i }) { return point }
        throw ComparisonError(
            .unknownDesign,
            "--baseline '\(name)' is not a point of sweep '\(s.name)' with finished runs in \(s.database) (points: "
                + candidates.map(\.label).joined(separator: ", ") + ")")
    }

    /// Paired differences of every point against the baseline point, design by design, for every headline metric.
    ///
    /// - Returns: Metric-major: for each headline metric, each design (scenario order), each other point (index
    ///   order); `baseline` is `p<b>/<design>` and `variant` `p<k>/<design>`. Not yet adjusted
    ///   (``Comparison/adjust(_:method:)`` takes the whole table as one family).
    /// - Throws: ``ComparisonError``: an unknown baseline; fewer than two points with finished runs; no pair of
    ///   points sharing two finished replications.
    public static func compareByPoint(
        _ s: StoredSweep, baseline: String? = nil, confidence: Double = MarketStudy.confidence
    ) throws -> (baseline: StoredSweepPoint, comparisons: [PairedDifference]) {
        let base = try baselinePoint(s, baseline)
        let points = s.pointsWithRuns
        guard points.count >= 2 else {
            throw ComparisonError(
                .noStudy,
                "nothing to compare: only point \(base.label) of sweep '\(s.name)' has finished runs in \(s.database)")
        }
        let groups = s.designs.map { d in
            (
                variants: points.map { StoredSweep.variant(point: $0.index, design: d) },
                baseline: StoredSweep.variant(point: base.index, design: d)
            )
        }
        let shared = mostSharedReplications(s, groups)
        guard shared >= 2 else {
            throw ComparisonError(
                .tooFewReplications,
                "paired intervals need at least 2 replications finished at both points; in \(s.database) the points "
                    + "share at most \(shared) with baseline \(base.label) (sweep with --replications 2 or more)")
        }
        return (base, compare(s, groups, confidence: confidence))  // metric, design, point
    }

    /// Paired differences between designs within each point (`compare --by design`): for every point, each design
    /// minus the baseline design on the same replications (the designs of one point share the point's seeds, as the
    /// designs of one scenario do).
    ///
    /// - Returns: Metric-major: for each headline metric, each point (index order), each non-baseline design
    ///   (scenario order); `baseline` is `p<i>/<baseline>` and `variant` `p<i>/<design>`. Not yet adjusted.
    /// - Throws: ``ComparisonError``: an unknown baseline design (`unknownDesign`); fewer than two designs; no point
    ///   where two designs share two finished replications.
    public static func compareByDesign(
        _ s: StoredSweep, baseline: String? = nil, confidence: Double = MarketStudy.confidence
    ) throws -> (baseline: String, comparisons: [PairedDifference]) {
        guard s.designs.count >= 2 else {
            throw ComparisonError(
                .noStudy,
                "nothing to compare: sweep '\(s.name)' in \(s.database) has finished runs of one design only "
                    + "(\(s.designs.joined(separator: ", ")))")
        }
        let base = baseline ?? s.designs[0]
        guard s.designs.contains(base) else {
            throw ComparisonError(
                .unknownDesign,
                "--baseline '\(base)' is not a design of sweep '\(s.name)' with finished runs in \(s.database) "
                    + "(designs: \(s.designs.joined(separator: ", ")))")
        }
        let groups = s.pointsWithRuns.map { p in
            (
                variants: s.designs.map { StoredSweep.variant(point: p.index, design: $0) },
                baseline: StoredSweep.variant(point: p.index, design: base)
            )
        }
        let shared = mostSharedReplications(s, groups)
        guard shared >= 2 else {
            throw ComparisonError(
                .tooFewReplications,
                "paired intervals need at least 2 replications finished by both designs of a point; in "
                    + "\(s.database) they share at most \(shared) (sweep with --replications 2 or more)")
        }
        return (base, compare(s, groups, confidence: confidence))  // metric, point, design
    }

    /// The most finished replications a variant of any group shares with its group's baseline.
    static func mostSharedReplications(_ s: StoredSweep, _ groups: [(variants: [String], baseline: String)]) -> Int {
        func replications(_ v: String) -> Set<Int> { Set(s.runs.filter { $0.design == v }.map(\.replication)) }
        var shared = 0
        for g in groups {
            let base = replications(g.baseline)
            for v in g.variants where v != g.baseline { shared = max(shared, replications(v).intersection(base).count) }
        }
        return shared
    }

    /// ``Comparison/compare(runs:designs:baseline:metrics:confidence:)`` within each group (its variants against its
    /// baseline), interleaved metric-major: for each headline metric, each group in order, each variant in order.
    static func compare(
        _ s: StoredSweep, _ groups: [(variants: [String], baseline: String)], confidence: Double
    ) -> [PairedDifference] {
        let metrics = ComparisonStudy.metrics(runs: s.runs, currency: s.currency)
        let perGroup = groups.map { g in
            Comparison.compare(
                runs: s.runs.filter { g.variants.contains($0.design) }.map {
                    Comparison.RunValues(design: $0.design, replication: $0.replication, values: $0.metrics)
                }, designs: g.variants, baseline: g.baseline, metrics: metrics, confidence: confidence)
        }
        var result: [PairedDifference] = []
        for m in metrics.indices {
            for (g, list) in zip(groups, perGroup) {
                let others = g.variants.count - 1
                result += list[(m * others)..<((m + 1) * others)]
            }
        }
        return result
    }

    /// What `plot` and `report` show for a sweep: the comparisons `compare --by point` stored (under the sweep's
    /// SHA-256), else computed against the first point; Holm-adjusted as one family.
    public static func gather(_ store: ResultsStore) throws -> (
        sweep: StoredSweep, comparisons: [PairedDifference], stored: Bool, note: String?
    ) {
        let sweep = try load(store)
        var comparisons = try store.comparisons(scenarioSHA256: sweep.sweepSHA256, label: ComparisonStudy.label)
        let stored = !comparisons.isEmpty
        var note: String?
        if !stored {
            do {
                comparisons = try compareByPoint(sweep).comparisons
            } catch let e as ComparisonError {
                note = e.message
            }
        }
        return (sweep, Comparison.adjust(comparisons, method: .holm), stored, note)
    }

    /// Per (point, design) variant: the headline metrics' means and intervals over its finished replications, as
    /// `readchain simulate` summarises a design.
    public static func variantSummaries(_ s: StoredSweep) -> [(
        variant: String, replications: Int, metrics: [MetricSummary]
    )] {
        var result: [(variant: String, replications: Int, metrics: [MetricSummary])] = []
        for p in s.pointsWithRuns {
            for d in s.designs {
                let runs = s.runs(point: p.index, design: d)
                guard !runs.isEmpty else { continue }
                let headlines = runs.map { run in
                    MarketMetrics.headline.map { h in
                        RunMetric(name: h.name, value: run.metrics[h.name] ?? .nan, unit: h.unit)
                    }
                }
                result.append(
                    (
                        StoredSweep.variant(point: p.index, design: d), runs.count,
                        MarketStudy.summarise(headlines, currency: s.currency)
                    ))
            }
        }
        return result
    }
}
