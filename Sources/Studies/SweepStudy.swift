import Foundation
import Results
import Scenario

/// Which share of a sweep's runs this process runs: shard K of N takes the runs whose index in the sweep's full
/// (point, design, replication) list is K−1 modulo N.
public struct SweepShard: Sendable, Equatable, CustomStringConvertible {
    /// 1-based, as Slurm's `SLURM_ARRAY_TASK_ID` with `--array=1-N`.
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) throws {
        guard count >= 1, (1...count).contains(index) else {
            throw SweepError("--shard must be K/N with 1 <= K <= N, got \(index)/\(count)")
        }
        self.index = index
        self.count = count
    }

    /// `K/N`.
    public static func parse(_ text: String) throws -> SweepShard {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]) else {
            throw SweepError("--shard must be K/N (e.g. 2/4), got '\(text)'")
        }
        return try SweepShard(index: k, count: n)
    }

    public static let whole = try! SweepShard(index: 1, count: 1)

    public func contains(_ i: Int) -> Bool { i % count == index - 1 }

    public var description: String { "\(index)/\(count)" }
}

/// A point's results in a sweep database.
public struct SweepPointSummary: Codable, Sendable, Equatable {
    public var point: Int
    /// (parameter path, value), in sweep-file order.
    public var values: [[String]]
    public var variants: [SweepVariantSummary]
}

/// One variant of one point: its finished replications and headline metrics.
public struct SweepVariantSummary: Codable, Sendable, Equatable {
    /// `p<i>/<design>` (market) or `p<i>` (queue).
    public var variant: String
    public var replications: Int
    public var metrics: [MetricSummary]
}

/// What `readchain sweep` reports.
public struct SweepSummary: Codable, Sendable, Equatable {
    public var sweep: String
    public var sweepSHA256: String
    public var kind: String
    public var method: String
    public var shard: String
    public var database: String
    /// Runs in the sweep's full list, in this shard, and finished in the database.
    public var runsInSweep: Int
    public var runsInShard: Int
    public var runsFinished: Int
    public var points: [SweepPointSummary]
    public var wallSeconds: Double
}

/// Runs a sweep (or one shard of it) into one results database, resumably.
public enum SweepStudy {
    /// The sweep's full run list, in order: point, then design (market), then replication.
    static func plan(_ sweep: SweepFile) -> [PlannedRun] {
        sweep.points.flatMap { point -> [PlannedRun] in
            let s = point.scenario
            switch s.model {
            case .market:
                return MarketStudy.plan([(s, point.label)], replications: 0..<s.replications)
            case .queue:
                return (0..<s.replications).map {
                    PlannedRun(scenario: s, variant: point.label, replication: $0, design: nil)
                }
            }
        }
    }

    static func settings(_ sweep: SweepFile, _ options: StudyOptions) -> StudySettings {
        StudySettings(
            kind: "sweep", name: sweep.name, sourceSHA256: sweep.sha256, sourceText: sweep.text,
            masterSeed: sweep.base.seed, recordObservations: options.recordObservations,
            recordChain: sweep.base.kind == .market ? options.recordChain : nil,
            signatures: options.signatures(of: sweep.base)?.rawValue)
    }

    /// Runs shard `shard` of `sweep` into `options.databasePath`.
    ///
    /// An existing database of the same sweep is continued (finished runs skipped, unfinished ones redone); one of
    /// another sweep, or of the same sweep file over a changed base scenario, is refused. Every shard records the
    /// sweep's points and full run list, so `readchain merge` can check nothing is missing or doubled.
    public static func run(_ sweep: SweepFile, shard: SweepShard, options: StudyOptions) throws -> SweepSummary {
        let clock = ContinuousClock()
        let started = clock.now
        let all = plan(sweep)
        let mine = all.indices.filter(shard.contains).map { all[$0] }
        var resume = options
        resume.resume = true
        let store = try ResumableRuns.open(path: options.databasePath, settings: settings(sweep, options), resume: true)
        defer { try? store.close() }

        let pointRows = sweep.points.flatMap { p in
            p.values.enumerated().map { k, v in
                SweepPointRow(
                    point: p.index, parameter: v.parameter, position: k, value: v.value,
                    scenarioSHA256: p.scenario.sha256)
            }
        }
        let pointOf = Dictionary(uniqueKeysWithValues: sweep.points.map { ($0.label, $0.index) })
        let runRows = all.map { r in
            SweepRunRow(
                point: pointOf[String(r.variant!.split(separator: "/").first!)]!, variant: r.variant!,
                replication: r.replication, scenarioSHA256: r.scenario.sha256)
        }
        let recorded = try store.sweepPoints()
        if recorded.isEmpty {
            try store.recordSweep(points: pointRows, runs: runRows)
        } else {
            guard recorded == pointRows else {
                throw ResumeError(
                    "\(store.path) holds sweep '\(sweep.name)' with other points (the base scenario or a value changed "
                        + "since it was written); write to another --out")
            }
            try store.extendSweepRuns(runRows)
        }

        let kind = sweep.base.kind.rawValue
        if kind == "market" {
            try MarketStudy.execute(mine, store: store, options: resume)
        } else {
            try QueueStudy.execute(mine, store: store, options: resume)
        }
        let summary = try summarise(sweep, store: store)
        let elapsed = (clock.now - started).components
        return SweepSummary(
            sweep: sweep.name, sweepSHA256: sweep.sha256, kind: kind, method: sweep.method, shard: shard.description,
            database: options.databasePath, runsInSweep: all.count, runsInShard: mine.count,
            runsFinished: summary.finished, points: summary.points,
            wallSeconds: Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18)
    }

    /// Recomputes a sweep database's summaries and reports them per point.
    static func summarise(_ sweep: SweepFile, store: ResultsStore) throws -> (
        points: [SweepPointSummary], finished: Int
    ) {
        let kind = sweep.base.kind.rawValue
        let groups = try ResumeSummaries.recompute(store) { _ in kind }
        var points: [SweepPointSummary] = []
        for p in sweep.points {
            let variants = groups.filter {
                $0.scenarioSHA256 == p.scenario.sha256
                    && ($0.variant == p.label || ($0.variant ?? "").hasPrefix(p.label + "/"))
            }.map {
                SweepVariantSummary(variant: $0.variant ?? "", replications: $0.replications.count, metrics: $0.metrics)
            }
            points.append(
                SweepPointSummary(
                    point: p.index, values: p.values.map { [$0.parameter, $0.value] }, variants: variants))
        }
        let finished = groups.reduce(0) { $0 + $1.replications.count }
        return (points, finished)
    }

    /// Merges sweep shard databases into `output` (replaced only once the merge is complete) and recomputes its
    /// summaries.
    ///
    /// - Throws: ``MergeError`` (inputs of different sweeps, a run doubled with different results, a run not in
    ///   the sweep, runs missing without `allowPartial`), ``ResultsError``.
    public static func merge(inputs: [String], output: String, allowPartial: Bool) throws -> MergeReport {
        let partial = output + ".partial"
        try QueueStudy.removeDatabase(at: partial)
        let store = try ResultsStore(path: partial)
        let report: MergeReport
        do {
            report = try store.mergeSweepShards(inputs, allowPartial: allowPartial)
            let kinds = Dictionary(
                try store.runs().map { ($0.provenance.scenarioSHA256, $0.provenance.scenarioKind) },
                uniquingKeysWith: { a, _ in a })
            try ResumeSummaries.recompute(store) { kinds[$0] ?? "market" }
            try store.close()
        } catch {
            try? store.close()
            try? QueueStudy.removeDatabase(at: partial)
            throw error
        }
        try QueueStudy.removeDatabase(at: output)
        do {
            try FileManager.default.moveItem(atPath: partial, toPath: output)
        } catch {
            throw StudyError("cannot move the merged database \(partial) to \(output): \(error.localizedDescription)")
        }
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: partial + suffix) }
        return report
    }
}
