import Analysis
import Foundation
import Results
import Scenario

/// Sequential stopping: replications are added in batches until every watched metric's 95% interval is narrow
/// enough relative to its mean, for every variant, or a cap is reached.
public struct StoppingRule: Sendable, Equatable {
    /// The target half-width of the 95% t interval divided by |mean| (e.g. 0.05).
    public var targetHalfWidth: Double
    /// The metrics watched; nil watches every headline metric.
    public var metrics: [String]?
    /// Never run more replications than this per variant.
    public var maxReplications: Int
    /// Replications added per round.
    public var batch: Int
    /// Paired stopping (market only): the design the others are compared with. The target then applies to each
    /// other design's paired difference `design − baseline` over the replications both define: its 95% t
    /// interval's half-width divided by |the baseline's mean| over those replications, so 0.02 means the
    /// difference is known within ±2% of the baseline's level. Under common random numbers that interval is
    /// usually much narrower than either design's own, so a comparison stops sooner than on each mean. Nil: the
    /// target applies to each design's own mean.
    public var pairedBaseline: String?

    public init(
        targetHalfWidth: Double, metrics: [String]?, maxReplications: Int, batch: Int, pairedBaseline: String? = nil
    ) throws {
        guard targetHalfWidth > 0, targetHalfWidth.isFinite else {
            throw StudyOptionError("--target-half-width must be a positive number, got \(targetHalfWidth)")
        }
        guard maxReplications >= 2 else {
            throw StudyOptionError("--max-replications must be at least 2, got \(maxReplications)")
        }
        guard batch >= 1 else { throw StudyOptionError("--batch must be at least 1, got \(batch)") }
        self.targetHalfWidth = targetHalfWidth
        self.metrics = metrics
        self.maxReplications = maxReplications
        self.batch = batch
        self.pairedBaseline = pairedBaseline
    }
}

/// How a sequential study ended: the `stopping` rows written, per variant.
public struct StoppingSummary: Codable, Sendable, Equatable {
    public struct Variant: Codable, Sendable, Equatable {
        /// The design (market), or nil (queue).
        public var variant: String?
        public var replications: Int
        /// `target_met` or `max_replications` (`baseline` for the baseline of paired stopping, which is not
        /// watched itself).
        public var reason: String
        public var worstMetric: String?
        public var worstRelativeHalfWidth: Double?
    }
    public var targetHalfWidth: Double
    public var metrics: [String]
    public var maxReplications: Int
    public var batch: Int
    /// The baseline of paired stopping (``StoppingRule/pairedBaseline``), or nil.
    public var pairedBaseline: String?
    /// Replications run per variant when the study stopped.
    public var replications: Int
    /// `target_met` when every variant met the target, else `max_replications`.
    public var reason: String
    public var variants: [Variant]
}

/// Runs a scenario's replications in batches under a ``StoppingRule``.
///
/// Built on resume: each round continues the same database and runs only the new replications (replication r
/// always uses seed (scenario seed, r), so the runs are the ones a fixed-count study of that size would have).
/// Every variant (market design) gets the same replications, keeping the designs paired under common random
/// numbers; the study stops when every variant meets the target. A metric no replication defines (e.g. a
/// turnaround for an urgency the scenario never produces) is not watched; one with fewer than two defined values,
/// or a zero mean and a non-zero half-width, has not met the target; a zero half-width (every replication equal)
/// has.
public enum SequentialStudy {
    /// Runs a queue scenario under `rule`; returns its summary and how it stopped.
    public static func runQueue(_ scenario: ScenarioFile, rule: StoppingRule, options: StudyOptions) throws
        -> (StudySummary, StoppingSummary)
    {
        try checkMetrics(rule, kind: "queue")  // before the database is opened (and, without --resume, replaced)
        if rule.pairedBaseline != nil {
            throw StudyOptionError("--paired needs a market scenario with designs to pair; a queue scenario has one")
        }
        let store = try ResumableRuns.open(
            path: options.databasePath, settings: QueueStudy.settings(scenario, options), resume: options.resume)
        defer { try? store.close() }
        let stopping = try loop(scenario, rule: rule, store: store, variants: [nil], kind: "queue") { n in
            try QueueStudy.execute(scenario, replications: 0..<n, store: store, options: options)
        }
        return (try QueueStudy.summary(scenario, store: store, options: options), stopping)
    }

    /// Runs a market scenario under `rule`; returns its summary and how it stopped.
    public static func runMarket(_ scenario: ScenarioFile, rule: StoppingRule, options: StudyOptions) throws
        -> (MarketStudySummary, StoppingSummary)
    {
        guard case .market(let model) = scenario.model else { throw StudyError("not a market scenario") }
        let clock = ContinuousClock()
        let started = clock.now
        try checkMetrics(rule, kind: "market")  // before the database is opened (and, without --resume, replaced)
        if let b = rule.pairedBaseline, !model.designs.contains(where: { $0.name == b }) {
            let names = model.designs.map(\.name)
            let hint = closestMatch(to: b, among: names).map { "did you mean '\($0)'? " } ?? ""
            throw StudyOptionError(
                "--baseline: the scenario has no design '\(b)'; \(hint)(designs: \(names.joined(separator: ", ")))")
        }
        let store = try ResumableRuns.open(
            path: options.databasePath, settings: QueueStudy.settings(scenario, options), resume: options.resume)
        defer { try? store.close() }
        let stopping = try loop(scenario, rule: rule, store: store, variants: model.designs.map(\.name), kind: "market")
        { n in
            try MarketStudy.execute([(scenario, nil)], replications: 0..<n, store: store, options: options)
        }
        let elapsed = (clock.now - started).components
        let summary = try MarketStudy.summary(
            scenario, store: store, options: options,
            wallSeconds: Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18)
        return (summary, stopping)
    }

    /// The watched metrics must be headline metrics of this kind of scenario (a typo is a command-line error,
    /// ``StudyOptionError``, exit 64), with the closest name suggested.
    static func checkMetrics(_ rule: StoppingRule, kind: String) throws {
        let names = ResumeSummaries.headline(kind: kind).map(\.name)
        for m in rule.metrics ?? [] where !names.contains(m) {
            let hint = closestMatch(to: m, among: names).map { "did you mean '\($0)'? " } ?? ""
            throw StudyOptionError(
                "--metrics: no headline metric '\(m)' for a \(kind) scenario; \(hint)(known: "
                    + "\(names.joined(separator: ", ")); `readchain metrics` lists them)")
        }
    }

    static func loop(
        _ scenario: ScenarioFile, rule: StoppingRule, store: ResultsStore, variants: [String?], kind: String,
        run: (Int) throws -> Void
    ) throws -> StoppingSummary {
        let names = ResumeSummaries.headline(kind: kind).map(\.name)
        let watched = rule.metrics ?? names
        try checkMetrics(rule, kind: kind)
        var n = min(rule.maxReplications, max(2, scenario.replications))
        while true {
            try run(n)
            let groups = try ResumeSummaries.recompute(store) { _ in kind }
            var outcome: [StoppingSummary.Variant] = []
            if let baseline = rule.pairedBaseline {
                outcome = try pairedOutcome(
                    store, scenario: scenario, variants: variants, baseline: baseline, watched: watched, rule: rule)
            }
            for v in variants where rule.pairedBaseline == nil {
                let group = groups.first { $0.scenarioSHA256 == scenario.sha256 && $0.variant == v }
                var worst: (String, Double)?
                for name in watched {
                    guard let m = group?.metrics.first(where: { $0.name == name }) else {
                        worst = (name, .infinity)
                        break
                    }
                    guard m.n > 0 else { continue }
                    let rel = relativeHalfWidth(m)
                    if worst == nil || rel > worst!.1 { worst = (name, rel) }
                }
                let met = worst.map { $0.1 < rule.targetHalfWidth } ?? true
                outcome.append(
                    StoppingSummary.Variant(
                        variant: v, replications: group?.replications.count ?? 0,
                        reason: met ? "target_met" : "max_replications", worstMetric: worst?.0,
                        worstRelativeHalfWidth: worst?.1))
            }
            let allMet = outcome.allSatisfy { $0.reason != "max_replications" }
            if allMet || n >= rule.maxReplications {
                let rows = outcome.filter { $0.reason != "baseline" }.map { o in
                    StoppingRow(
                        scenarioSHA256: scenario.sha256, variant: o.variant, targetHalfWidth: rule.targetHalfWidth,
                        metrics: watched.joined(separator: ","), replications: o.replications,
                        maxReplications: rule.maxReplications, reason: o.reason, worstMetric: o.worstMetric,
                        worstRelativeHalfWidth: o.worstRelativeHalfWidth.flatMap { $0.isFinite ? $0 : nil },
                        pairedBaseline: rule.pairedBaseline)
                }
                try store.recordStopping(rows)
                return StoppingSummary(
                    targetHalfWidth: rule.targetHalfWidth, metrics: watched, maxReplications: rule.maxReplications,
                    batch: rule.batch, pairedBaseline: rule.pairedBaseline, replications: n,
                    reason: allMet ? "target_met" : "max_replications", variants: outcome)
            }
            n = min(rule.maxReplications, n + rule.batch)
        }
    }

    /// Paired stopping's verdict per design: for each design other than `baseline`, the widest watched metric's
    /// paired half-width / |baseline mean| (``relativePairedHalfWidth(_:)``); the baseline itself is reported as
    /// `baseline`. A metric neither design defines in any replication is not watched.
    static func pairedOutcome(
        _ store: ResultsStore, scenario: ScenarioFile, variants: [String?], baseline: String, watched: [String],
        rule: StoppingRule
    ) throws -> [StoppingSummary.Variant] {
        let groups = try store.finishedRunMetrics().filter { $0.scenarioSHA256 == scenario.sha256 }
        func column(_ v: String?, _ metric: String) -> [Int: Double] {
            var values: [Int: Double] = [:]
            for run in groups.first(where: { $0.variant == v })?.runs ?? [] {
                values[run.replication] = run.values[metric]?.value ?? .nan
            }
            return values
        }
        let replications = groups.first { $0.variant == baseline }?.runs.count ?? 0
        return variants.map { v in
            guard v != baseline else {
                return StoppingSummary.Variant(
                    variant: v, replications: replications, reason: "baseline", worstMetric: nil,
                    worstRelativeHalfWidth: nil)
            }
            var worst: (String, Double)?
            for name in watched {
                let base = column(baseline, name)
                let other = column(v, name)
                // Not defined by either design in any replication (e.g. an urgency the scenario never has).
                if !base.values.contains(where: { !$0.isNaN }) && !other.values.contains(where: { !$0.isNaN }) {
                    continue
                }
                let d = Comparison.paired(
                    baseline: base, variant: other, confidence: MarketStudy.confidence, baselineName: baseline,
                    variantName: v ?? "")
                let rel = relativePairedHalfWidth(d)
                if worst == nil || rel > worst!.1 { worst = (name, rel) }
            }
            let met = worst.map { $0.1 < rule.targetHalfWidth } ?? true
            return StoppingSummary.Variant(
                variant: v, replications: groups.first { $0.variant == v }?.runs.count ?? 0,
                reason: met ? "target_met" : "max_replications", worstMetric: worst?.0,
                worstRelativeHalfWidth: worst?.1)
        }
    }

    /// Paired half-width / |baseline mean|: 0 for a zero half-width (the designs differ by the same amount in
    /// every replication), infinity when undefined (fewer than two common replications) or the baseline's mean is
    /// zero.
    static func relativePairedHalfWidth(_ d: PairedDifference) -> Double {
        if d.halfWidthPaired == 0 { return 0 }
        guard !d.halfWidthPaired.isNaN, !d.baselineMean.isNaN, d.baselineMean != 0 else { return .infinity }
        return d.halfWidthPaired / abs(d.baselineMean)
    }

    /// Half-width / |mean|: 0 for a zero half-width, infinity when undefined (fewer than two values) or the mean
    /// is zero.
    static func relativeHalfWidth(_ m: MetricSummary) -> Double {
        if m.halfWidth == 0 { return 0 }
        guard !m.halfWidth.isNaN, !m.mean.isNaN, m.mean != 0 else { return .infinity }
        return m.halfWidth / abs(m.mean)
    }
}

/// A study option the command line passed that cannot apply (an unknown `--metrics` name, a target that is not
/// positive): a command-line error, exit 64.
public struct StudyOptionError: Error, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
