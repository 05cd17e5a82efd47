import Analysis
import Foundation
import Market
import MarketModel
import Results
import Scenario
import Studies

/// Why a comparison or a report cannot be made from a results database or the names asked for.
public struct ComparisonError: Error, CustomStringConvertible, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A design name (baseline or --designs) that the scenario or database does not have.
        case unknownDesign
        /// Nothing to compare: no finished market runs, one design only, runs of several scenarios.
        case noStudy
        /// Fewer than two replications both designs finished: no interval can be computed.
        case tooFewReplications
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// One finished market run read back from a results database.
public struct StoredMarketRun: Sendable, Equatable {
    public var record: RunRecord
    public var design: String { record.provenance.variant ?? "" }
    public var replication: Int { record.provenance.replication }
    /// Headline values by metric name; NaN for NULL.
    public var metrics: [String: Double]
    public var units: [String: String]
    public var chain: ChainRunRow?
}

/// The finished market runs of one scenario in a results database, with what the report needs about them.
public struct StoredMarketStudy: Sendable {
    public var database: String
    public var scenario: String
    public var scenarioSHA256: String
    public var scenarioText: String
    /// The scenario reparsed from the text stored with its runs (nil if this build cannot parse it).
    public var scenarioFile: ScenarioFile?
    public var seed: UInt64
    public var horizonTicks: Int64
    public var warmupTicks: Int64
    /// Designs with finished runs, in the scenario's order (the order their runs were registered).
    public var designs: [String]
    /// In (design, replication) order.
    public var runs: [StoredMarketRun]
    /// Runs of the scenario that did not finish (failed, interrupted, incomplete, still running).
    public var unfinishedRuns: Int
    public var currency: Currency

    /// The largest number of replications any design finished.
    public var replications: Int {
        designs.map { d in runs.filter { $0.design == d }.count }.max() ?? 0
    }

    public func runs(of design: String) -> [StoredMarketRun] { runs.filter { $0.design == design } }
}

/// Comparisons and warm-up detection over a results database: what `readchain compare` and `readchain report`
/// compute. Reads the database; writes only the `comparisons` and `warmup` tables, through the callers.
public enum ComparisonStudy {
    /// The series MSER-5 is applied to: `MarketSample.workInSystem`, every study from its posting until it is
    /// reported or given up on, sampled hourly.
    public static let warmupSeries = "work_in_system"
    public static let warmupMethod = "mser-5"

    /// Reads the finished market runs of the one scenario in `store`.
    ///
    /// - Throws: ``ComparisonError`` (`noStudy`) when there is no finished market run or the finished runs
    ///   belong to more than one scenario; ``ResultsError`` on a database error.
    public static func load(_ store: ResultsStore) throws -> StoredMarketStudy {
        let all = try store.runs().filter { $0.provenance.scenarioKind == "market" }
        let finished = all.filter { $0.status == .finished }
        guard let first = finished.first else {
            let others = try store.runs()
            throw ComparisonError(
                .noStudy,
                "\(store.path) has no finished market runs (\(others.count) runs: "
                    + (others.isEmpty
                        ? "none"
                        : Set(others.map { "\($0.provenance.scenarioKind) \($0.status.rawValue)" })
                            .sorted().joined(separator: ", ")) + ")")
        }
        let hashes = Set(finished.map(\.provenance.scenarioSHA256))
        if hashes.count > 1, try SweepComparison.isSweep(store) {
            throw ComparisonError(
                .noStudy,
                "\(store.path) is a sweep database (\(hashes.count) points); compare its points with "
                    + "`readchain compare --from \(store.path) --by point`")
        }
        guard hashes.count == 1 else {
            throw ComparisonError(
                .noStudy,
                "\(store.path) holds finished market runs of \(hashes.count) scenarios "
                    + "(\(Set(finished.map(\.provenance.scenarioName)).sorted().joined(separator: ", "))); "
                    + "compare needs the runs of one")
        }
        let p = first.provenance
        let file = try? ScenarioLoader.parse(text: p.scenarioText, path: "\(store.path):runs.scenario_text")
        var order: [String] = []
        if case .market(let model)? = file?.model { order = model.designs.map(\.name) }
        // Designs the scenario text does not list (it could not be parsed) follow in registration order.
        for r in finished {
            let v = r.provenance.variant ?? ""
            if !order.contains(v) { order.append(v) }
        }
        var runs = try finished.map { try storedRun(store, $0) }
        runs.sort { a, b in
            let da = order.firstIndex(of: a.design)!
            let db = order.firstIndex(of: b.design)!
            return da != db ? da < db : a.replication < b.replication
        }
        let present = Set(runs.map(\.design))
        let currency: Currency
        if case .market(let model)? = file?.model {
            currency = model.currency
        } else {
            currency = Currency(code: runs.first?.units["cost_per_study"] ?? "money", minorDigits: 2)
        }
        return StoredMarketStudy(
            database: store.path, scenario: p.scenarioName, scenarioSHA256: p.scenarioSHA256,
            scenarioText: p.scenarioText, scenarioFile: file, seed: p.masterSeed, horizonTicks: p.horizonTicks,
            warmupTicks: p.warmupTicks, designs: order.filter { present.contains($0) }, runs: runs,
            unfinishedRuns: all.filter { $0.status != .finished && $0.provenance.scenarioSHA256 == p.scenarioSHA256 }
                .count,
            currency: currency)
    }

    /// One finished run with its stored metrics (by name; NaN for NULL), their units and its chain facts.
    static func storedRun(_ store: ResultsStore, _ r: RunRecord) throws -> StoredMarketRun {
        let metrics = try store.metrics(run: r.id)
        return StoredMarketRun(
            record: r, metrics: Dictionary(metrics.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a }),
            units: Dictionary(
                metrics.compactMap { m in m.unit.map { (m.name, $0) } }, uniquingKeysWith: { a, _ in a }),
            chain: try store.chainRun(run: r.id))
    }

    /// The per-design summary `readchain simulate` prints, rebuilt from the stored run metrics: the same means
    /// and intervals (same values, same order, same code), with the wall time taken from the runs' timestamps.
    public static func summary(_ s: StoredMarketStudy) -> MarketStudySummary {
        var designs: [MarketDesignSummary] = []
        for d in s.designs {
            let headlines = s.runs(of: d).map { run in
                MarketMetrics.headline.map { h in
                    RunMetric(name: h.name, value: run.metrics[h.name] ?? .nan, unit: h.unit)
                }
            }
            var type = "?"
            if case .market(let model)? = s.scenarioFile?.model, let spec = model.designs.first(where: { $0.name == d })
            {
                type = MarketStudy.typeName(spec)
            }
            designs.append(
                MarketDesignSummary(
                    name: d, type: type, metrics: MarketStudy.summarise(headlines, currency: s.currency)))
        }
        let runs = s.runs.map { r in
            let c = r.chain
            return MarketRunSummary(
                design: r.design, replication: r.replication, runID: r.record.id.rawValue, studies: c?.studies ?? 0,
                measuredStudies: 0, reportedStudies: c?.studiesReported ?? 0, transactionsSubmitted: c?.submitted ?? 0,
                transactionsCommitted: c?.committed ?? 0, transactionsFailed: c?.failed ?? 0,
                transactionsRefused: c?.refused ?? 0, blocks: c?.blocks ?? 0,
                signatureVerifications: c?.signatureVerifications ?? 0, events: UInt64(max(0, c?.events ?? 0)),
                chainDigest: c?.chainDigest ?? "", stateRoot: c?.stateRoot ?? "",
                oracleViolations: c?.oracleViolations ?? [])
        }
        return MarketStudySummary(
            scenario: s.scenario, kind: "market", scenarioSHA256: s.scenarioSHA256, seed: s.seed,
            replications: s.replications, horizonTicks: s.horizonTicks, warmupTicks: s.warmupTicks,
            currency: s.currency.code, confidence: MarketStudy.confidence, database: s.database,
            detailRecorded: true, designs: designs, runs: runs, studies: runs.reduce(0) { $0 + $1.studies },
            transactionsCommitted: runs.reduce(0) { $0 + $1.transactionsCommitted }, wallSeconds: wallSeconds(s.runs))
    }

    /// From the earliest start to the latest end recorded in the runs; 0 if a timestamp cannot be read.
    static func wallSeconds(_ runs: [StoredMarketRun]) -> Double {
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        let starts = runs.compactMap { try? style.parse($0.record.startedAt) }
        let ends = runs.compactMap { $0.record.endedAt.flatMap { try? style.parse($0) } }
        guard let a = starts.min(), let b = ends.max() else { return 0 }
        return max(0, b.timeIntervalSince(a))
    }

    /// The headline metrics with the units stored for them (money as the currency code).
    public static func metrics(_ s: StoredMarketStudy) -> [Comparison.Metric] {
        metrics(runs: s.runs, currency: s.currency)
    }

    /// The headline metrics with the first unit `runs` store for each (else the headline's, money as `currency`).
    static func metrics(runs: [StoredMarketRun], currency: Currency) -> [Comparison.Metric] {
        MarketMetrics.headline.map { h in
            Comparison.Metric(
                name: h.name, label: h.label,
                unit: runs.lazy.compactMap { $0.units[h.name] }.first ?? MarketStudy.unit(h.unit, currency))
        }
    }

    /// Resolves the baseline and the designs to compare (in the scenario's order, the baseline always included).
    ///
    /// - Throws: ``ComparisonError`` (`unknownDesign`) for a name the study does not have; (`noStudy`) when
    ///   fewer than two designs remain.
    public static func select(_ s: StoredMarketStudy, baseline: String?, designs: [String]?) throws
        -> (baseline: String, designs: [String])
    {
        let known = s.designs
        func check(_ name: String, _ what: String) throws {
            guard known.contains(name) else {
                throw ComparisonError(
                    .unknownDesign,
                    "\(what) '\(name)' is not a design with finished runs in \(s.database) (designs: "
                        + known.joined(separator: ", ") + ")")
            }
        }
        if let designs { for d in designs { try check(d, "design") } }
        if let baseline { try check(baseline, "baseline") }
        var chosen = known.filter { d in designs.map { $0.contains(d) } ?? true || d == baseline }
        let base = baseline ?? chosen.first!
        if !chosen.contains(base) { chosen.insert(base, at: 0) }
        guard chosen.count >= 2 else {
            throw ComparisonError(
                .noStudy,
                "nothing to compare: only design '\(base)' is selected (designs: \(known.joined(separator: ", ")))")
        }
        return (base, chosen)
    }

    /// Paired differences of every selected design against the baseline, for every headline metric.
    ///
    /// - Throws: ``ComparisonError`` for unknown names, fewer than two designs, or no design that shares at least
    ///   two finished replications with the baseline (no interval can be computed).
    public static func compare(
        _ s: StoredMarketStudy, baseline: String? = nil, designs: [String]? = nil,
        confidence: Double = MarketStudy.confidence
    ) throws -> (baseline: String, designs: [String], comparisons: [PairedDifference]) {
        let (base, chosen) = try select(s, baseline: baseline, designs: designs)
        let baseReplications = Set(s.runs(of: base).map(\.replication))
        let shared = chosen.filter { $0 != base }.map { d in
            Set(s.runs(of: d).map(\.replication)).intersection(baseReplications).count
        }
        guard (shared.max() ?? 0) >= 2 else {
            throw ComparisonError(
                .tooFewReplications,
                "paired intervals need at least 2 replications finished by both designs; in \(s.database) the "
                    + "designs share at most \(shared.max() ?? 0) with baseline '\(base)' "
                    + "(run with --replications 2 or more)")
        }
        let values = s.runs.filter { chosen.contains($0.design) }.map {
            Comparison.RunValues(design: $0.design, replication: $0.replication, values: $0.metrics)
        }
        let result = Comparison.compare(
            runs: values, designs: chosen, baseline: base, metrics: metrics(s), confidence: confidence)
        return (base, chosen, result)
    }

    /// The label of a headline metric (its name when it is not one): what stored comparisons are read with.
    public static func label(_ metric: String) -> String {
        MarketMetrics.headline.first { $0.name == metric }?.label ?? metric
    }

    /// MSER-5 on each run's hourly work in system (every study from posting until reported or given up on), next
    /// to the configured warm-up. A run without market samples (`--no-observations`) gets no row; a run with fewer
    /// than ten samples gets a row with no detected value.
    public static func detectWarmup(_ store: ResultsStore, _ s: StoredMarketStudy) throws -> [WarmupRow] {
        var rows: [WarmupRow] = []
        for run in s.runs {
            let samples = try store.marketSamples(run: run.record.id)
            guard !samples.isEmpty else { continue }
            let series = samples.map { Double($0.workInSystem) }
            let found = MSER.detect(series)
            let detected: Int64? = found.map { f in
                f.truncatedObservations == 0 ? 0 : samples[f.truncatedObservations - 1].time
            }
            rows.append(
                WarmupRow(
                    run: run.record.id, series: warmupSeries, configuredTicks: run.record.provenance.warmupTicks,
                    detectedTicks: detected, batchSize: MSER.batchSize,
                    batches: found?.batches ?? series.count / MSER.batchSize,
                    method: warmupMethod))
        }
        return rows
    }

    /// One line per run whose detected warm-up exceeds the configured one.
    public static func warmupWarnings(_ rows: [WarmupRow], _ s: StoredMarketStudy) -> [String] {
        rows.compactMap { w in
            guard let d = w.detectedTicks, d > w.configuredTicks else { return nil }
            let run = s.runs.first { $0.record.id == w.run }
            let which = run.map { "'\($0.design)' replication \($0.replication)" } ?? "?"
            return "warm-up may be too short: run \(w.run.rawValue) (\(which)) detected \(ReportFormat.hours(d)) > "
                + "configured \(ReportFormat.hours(w.configuredTicks)) (MSER-5 on hourly work in system)"
        }
    }
}
