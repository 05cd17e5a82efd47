import GRDB

/// What produced a results database (`study_settings`, schema v5): a resume, a re-run sweep and a merge check
/// that they continue the same study.
public struct StudySettings: Sendable, Equatable {
    /// `scenario` (`readchain simulate`) or `sweep` (`readchain sweep`).
    public var kind: String
    /// The scenario's or the sweep's name.
    public var name: String
    /// Lower-case hex SHA-256 of ``sourceText``.
    public var sourceSHA256: String
    /// The scenario or sweep file's text.
    public var sourceText: String
    public var masterSeed: UInt64
    /// Whether the runs keep their detail rows (`--no-observations` turns this off).
    public var recordObservations: Bool
    /// Whether market runs keep their chain (`--no-chain` turns this off); nil when the database was written
    /// before schema v6, which did not record it.
    public var recordChain: Bool?
    /// The market study's signature scheme (`chain.signatures` or `--signatures`); nil for a queue study and in a
    /// database written before schema v8 (which ran `ed25519` only).
    public var signatures: String?

    public init(
        kind: String, name: String, sourceSHA256: String, sourceText: String, masterSeed: UInt64,
        recordObservations: Bool, recordChain: Bool?, signatures: String? = nil
    ) {
        self.signatures = signatures
        self.kind = kind
        self.name = name
        self.sourceSHA256 = sourceSHA256
        self.sourceText = sourceText
        self.masterSeed = masterSeed
        self.recordObservations = recordObservations
        self.recordChain = recordChain
    }
}

/// The identity of a run's results, independent of its run id: a resumed or merged database may number runs
/// differently, never key them differently.
public struct RunKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var scenarioSHA256: String
    public var variant: String?
    public var replication: Int

    public init(scenarioSHA256: String, variant: String?, replication: Int) {
        self.scenarioSHA256 = scenarioSHA256
        self.variant = variant
        self.replication = replication
    }

    public static func < (a: RunKey, b: RunKey) -> Bool {
        (a.scenarioSHA256, a.variant ?? "", a.replication) < (b.scenarioSHA256, b.variant ?? "", b.replication)
    }

    public var description: String {
        (variant.map { "variant '\($0)', " } ?? "")
            + "replication \(replication) (scenario \(scenarioSHA256.prefix(12)))"
    }
}

/// A run as a resume sees it.
public struct RunEntry: Sendable, Equatable {
    public var id: RunID
    public var key: RunKey
    public var status: RunStatus
    public var masterSeed: UInt64
    public var host: String
    public var pid: Int64
}

/// One (point, variant, replication) of a sweep's full run list (`sweep_runs`).
public struct SweepRunRow: Sendable, Equatable, Hashable {
    public var point: Int
    public var variant: String
    public var replication: Int
    public var scenarioSHA256: String

    public init(point: Int, variant: String, replication: Int, scenarioSHA256: String) {
        self.point = point
        self.variant = variant
        self.replication = replication
        self.scenarioSHA256 = scenarioSHA256
    }

    public var key: RunKey { RunKey(scenarioSHA256: scenarioSHA256, variant: variant, replication: replication) }
}

/// One swept parameter's value at one point (`sweep_points`).
public struct SweepPointRow: Sendable, Equatable {
    public var point: Int
    public var parameter: String
    /// The parameter's position in the sweep file.
    public var position: Int
    /// The YAML scalar substituted.
    public var value: String
    public var scenarioSHA256: String

    public init(point: Int, parameter: String, position: Int, value: String, scenarioSHA256: String) {
        self.point = point
        self.parameter = parameter
        self.position = position
        self.value = value
        self.scenarioSHA256 = scenarioSHA256
    }
}

/// How a sequential-stopping study ended for one variant (`stopping`).
public struct StoppingRow: Sendable, Equatable {
    public var scenarioSHA256: String
    /// The design (market) or nil (queue).
    public var variant: String?
    /// The target relative half-width of the 95% interval.
    public var targetHalfWidth: Double
    /// The metrics the rule watched, comma-separated.
    public var metrics: String
    public var replications: Int
    public var maxReplications: Int
    /// `target_met` or `max_replications`.
    public var reason: String
    /// The watched metric farthest from the target, and its half-width / |mean|.
    public var worstMetric: String?
    public var worstRelativeHalfWidth: Double?
    /// Paired stopping: the design this one was paired with (its half-width is then the paired difference's over
    /// |the baseline's mean|); nil when the design's own mean was watched.
    public var pairedBaseline: String?

    public init(
        scenarioSHA256: String, variant: String?, targetHalfWidth: Double, metrics: String, replications: Int,
        maxReplications: Int, reason: String, worstMetric: String?, worstRelativeHalfWidth: Double?,
        pairedBaseline: String? = nil
    ) {
        self.pairedBaseline = pairedBaseline
        self.scenarioSHA256 = scenarioSHA256
        self.variant = variant
        self.targetHalfWidth = targetHalfWidth
        self.metrics = metrics
        self.replications = replications
        self.maxReplications = maxReplications
        self.reason = reason
        self.worstMetric = worstMetric
        self.worstRelativeHalfWidth = worstRelativeHalfWidth
    }
}

extension ResultsStore {
    /// The database's study settings, or nil if none were recorded (a fresh file, or one written before v5).
    public func studySettings() throws -> StudySettings? {
        try read("cannot read study settings") { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM study_settings WHERE id = 1") else { return nil }
            let seedText: String = row["master_seed"]
            guard let seed = UInt64(seedText) else {
                throw ResultsError("malformed study_settings: master_seed '\(seedText)'", path: path)
            }
            return StudySettings(
                kind: row["kind"], name: row["name"], sourceSHA256: row["source_sha256"],
                sourceText: row["source_text"], masterSeed: seed, recordObservations: row["record_observations"],
                recordChain: row["record_chain"], signatures: row["signatures"])
        }
    }

    /// Records the study settings; the database must have none yet.
    public func recordStudySettings(_ s: StudySettings) throws {
        try write("cannot record study settings") { db in
            try db.execute(
                sql: """
                    INSERT INTO study_settings (
                        id, kind, name, source_sha256, source_text, master_seed, record_observations, record_chain,
                        signatures)
                    VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    s.kind, s.name, s.sourceSHA256, s.sourceText, String(s.masterSeed), s.recordObservations,
                    s.recordChain, s.signatures,
                ])
        }
    }

    /// Fills in `study_settings.record_chain` when it is NULL (a database written before schema v6), so a study
    /// continued after the upgrade records, and is later checked against, its chain setting.
    public func fillRecordChainIfUnknown(_ value: Bool) throws {
        try write("cannot record the chain setting") { db in
            try db.execute(
                sql: "UPDATE study_settings SET record_chain = ? WHERE id = 1 AND record_chain IS NULL",
                arguments: [value])
        }
    }

    /// Every run with its key and status, ordered by id.
    public func runEntries() throws -> [RunEntry] {
        try read("cannot read runs") { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT id, scenario_sha256, variant, replication, status, master_seed, host, pid FROM runs ORDER BY id"
            ).map { row in
                let statusText: String = row["status"]
                let seedText: String = row["master_seed"]
                guard let status = RunStatus(rawValue: statusText), let seed = UInt64(seedText) else {
                    throw ResultsError("malformed runs row \(row["id"] as Int64)", path: path)
                }
                return RunEntry(
                    id: RunID(rawValue: row["id"]),
                    key: RunKey(
                        scenarioSHA256: row["scenario_sha256"], variant: row["variant"], replication: row["replication"]
                    ),
                    status: status, masterSeed: seed, host: row["host"], pid: row["pid"])
            }
        }
    }

    /// Deletes runs and every row that hangs off them (all detail tables cascade from `runs`), and the
    /// summaries and paired comparisons (recomputed after a resume, by `compare` for the latter), in one
    /// transaction.
    public func deleteRuns(_ ids: [RunID]) throws {
        try write("cannot delete unfinished runs") { db in
            let statement = try db.cachedStatement(sql: "DELETE FROM runs WHERE id = ?")
            for id in ids { try statement.execute(arguments: [id.rawValue]) }
            try db.execute(sql: "DELETE FROM summaries")
            try db.execute(sql: "DELETE FROM comparisons")
        }
    }

    /// Registers runs as `running`, in one transaction, and returns their ids in order. Stored paired comparisons
    /// are dropped with it: they described the runs before these (`compare` writes them again).
    public func beginRuns(_ provenances: [RunProvenance]) throws -> [RunID] {
        var ids: [RunID] = []
        ids.reserveCapacity(provenances.count)
        // One transaction per call of beginRun would be slow for a large sweep; the statement is the same.
        let startedAt = Self.wallClockNow()
        try write("cannot record the start of runs") { db in
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO runs (
                        scenario_name, scenario_kind, variant, scenario_sha256, scenario_text, master_seed,
                        replication, code_version, git_revision, gsl_generator, gsl_version, sqlite_version,
                        host, pid, started_at, status, sim_horizon_ticks, warmup_ticks)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?)
                    """)
            try db.execute(sql: "DELETE FROM comparisons")
            for p in provenances {
                try insert.execute(arguments: [
                    p.scenarioName, p.scenarioKind, p.variant, p.scenarioSHA256, p.scenarioText,
                    String(p.masterSeed), p.replication, p.codeVersion, p.gitRevision, p.gslGenerator,
                    p.gslVersion, sqliteVersion, host, pid, startedAt, p.horizonTicks, p.warmupTicks,
                ])
                ids.append(RunID(rawValue: db.lastInsertedRowID))
            }
        }
        return ids
    }

    /// Sets a registered run's `started_at` to now, when a worker begins it: ``beginRuns(_:)`` registers every run
    /// of a study at once, so until then `started_at` is the registration time. Wall-clock provenance only (no
    /// `_at` column enters the results digest).
    public func markRunStarted(_ id: RunID) throws {
        let startedAt = Self.wallClockNow()
        try write("cannot record the start of \(id)") { db in
            try db.execute(
                sql: "UPDATE runs SET started_at = ? WHERE id = ? AND status = 'running'",
                arguments: [startedAt, id.rawValue])
        }
    }

    /// Marks the given runs that are still `running` as `interrupted`, in one transaction.
    ///
    /// - Returns: The number of runs marked.
    @discardableResult
    public func markInterrupted(_ ids: [RunID], message: String) throws -> Int {
        let endedAt = Self.wallClockNow()
        return try write("cannot mark runs interrupted") { db in
            let statement = try db.cachedStatement(
                sql:
                    "UPDATE runs SET status = 'interrupted', ended_at = ?, error_message = ? WHERE id = ? AND status = 'running'"
            )
            var marked = 0
            for id in ids {
                try statement.execute(arguments: [endedAt, message, id.rawValue])
                marked += db.changesCount
            }
            return marked
        }
    }

    /// The metrics of every finished run, grouped by (scenario hash, variant), each group in replication order.
    ///
    /// - Returns: Groups in (scenario hash, variant) order; each run as (replication, name → value).
    public func finishedRunMetrics() throws -> [(
        scenarioSHA256: String, variant: String?,
        runs: [(replication: Int, values: [String: (value: Double, unit: String?)])]
    )] {
        try read("cannot read run metrics") { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT r.scenario_sha256, r.variant, r.replication, m.name, m.value, m.unit
                    FROM runs r JOIN run_metrics m ON m.run_id = r.id
                    WHERE r.status = 'finished'
                    ORDER BY r.scenario_sha256, ifnull(r.variant, ''), r.replication, m.name
                    """)
            var groups:
                [(
                    scenarioSHA256: String, variant: String?,
                    runs: [(replication: Int, values: [String: (value: Double, unit: String?)])]
                )] = []
            for row in rows {
                let sha: String = row[0]
                let variant: String? = row[1]
                let replication: Int = row[2]
                let name: String = row[3]
                let value: Double = (row[4] as Double?) ?? .nan
                let unit: String? = row[5]
                if groups.last?.scenarioSHA256 != sha || groups.last?.variant != variant {
                    groups.append((sha, variant, []))
                }
                if groups[groups.count - 1].runs.last?.replication != replication {
                    groups[groups.count - 1].runs.append((replication, [:]))
                }
                let g = groups.count - 1
                groups[g].runs[groups[g].runs.count - 1].values[name] = (value, unit)
            }
            return groups
        }
    }

    /// Replaces every summary row with `rows`, in one transaction.
    public func replaceSummaries(_ rows: [SummaryRow]) throws {
        try write("cannot write summaries") { db in
            try db.execute(sql: "DELETE FROM summaries")
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO summaries (scenario_sha256, variant, metric, n, mean, stddev, ci_low, ci_high, confidence, unit)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for row in rows {
                try insert.execute(arguments: [
                    row.scenarioSHA256, row.variant, row.metric, row.n, Self.nullIfNaN(row.mean),
                    Self.nullIfNaN(row.stddev), row.ciLow.flatMap(Self.nullIfNaN), row.ciHigh.flatMap(Self.nullIfNaN),
                    row.confidence, row.unit,
                ])
            }
        }
    }

    // MARK: Sweeps

    /// Records a sweep's points and full run list (a fresh database), in one transaction.
    public func recordSweep(points: [SweepPointRow], runs: [SweepRunRow]) throws {
        try write("cannot record the sweep's points") { db in
            let p = try db.cachedStatement(
                sql:
                    "INSERT INTO sweep_points (point, parameter, position, value, scenario_sha256) VALUES (?, ?, ?, ?, ?)"
            )
            for row in points {
                try p.execute(arguments: [row.point, row.parameter, row.position, row.value, row.scenarioSHA256])
            }
            let r = try db.cachedStatement(
                sql: "INSERT INTO sweep_runs (point, variant, replication, scenario_sha256) VALUES (?, ?, ?, ?)")
            for row in runs { try r.execute(arguments: [row.point, row.variant, row.replication, row.scenarioSHA256]) }
        }
    }

    /// Adds runs to the sweep's full list (a sweep re-run with more replications); existing ones are kept.
    public func extendSweepRuns(_ runs: [SweepRunRow]) throws {
        try write("cannot extend the sweep's run list") { db in
            let r = try db.cachedStatement(
                sql:
                    "INSERT OR IGNORE INTO sweep_runs (point, variant, replication, scenario_sha256) VALUES (?, ?, ?, ?)"
            )
            for row in runs { try r.execute(arguments: [row.point, row.variant, row.replication, row.scenarioSHA256]) }
        }
    }

    /// The sweep's points, ordered by point then position.
    public func sweepPoints() throws -> [SweepPointRow] {
        try read("cannot read sweep points") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM sweep_points ORDER BY point, position").map { row in
                SweepPointRow(
                    point: row["point"], parameter: row["parameter"], position: row["position"], value: row["value"],
                    scenarioSHA256: row["scenario_sha256"])
            }
        }
    }

    /// The sweep's full run list, ordered by (point, variant, replication).
    public func sweepRuns() throws -> [SweepRunRow] {
        try read("cannot read the sweep's run list") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM sweep_runs ORDER BY point, variant, replication").map { row in
                SweepRunRow(
                    point: row["point"], variant: row["variant"], replication: row["replication"],
                    scenarioSHA256: row["scenario_sha256"])
            }
        }
    }

    // MARK: Sequential stopping

    /// Replaces the stopping record of each row's (scenario, variant).
    public func recordStopping(_ rows: [StoppingRow]) throws {
        try write("cannot record the stopping rule's outcome") { db in
            let statement = try db.cachedStatement(
                sql: """
                    INSERT OR REPLACE INTO stopping (scenario_sha256, variant, target_half_width, metrics, replications,
                        max_replications, reason, worst_metric, worst_relative_half_width, paired_baseline)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for r in rows {
                try statement.execute(arguments: [
                    r.scenarioSHA256, r.variant ?? "", r.targetHalfWidth, r.metrics, r.replications, r.maxReplications,
                    r.reason, r.worstMetric, r.worstRelativeHalfWidth.flatMap(Self.nullIfNaN), r.pairedBaseline,
                ])
            }
        }
    }

    /// Every stopping record, ordered by (scenario, variant).
    public func stopping() throws -> [StoppingRow] {
        try read("cannot read stopping records") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM stopping ORDER BY scenario_sha256, variant").map { row in
                let variant: String = row["variant"]
                return StoppingRow(
                    scenarioSHA256: row["scenario_sha256"], variant: variant.isEmpty ? nil : variant,
                    targetHalfWidth: row["target_half_width"], metrics: row["metrics"],
                    replications: row["replications"], maxReplications: row["max_replications"], reason: row["reason"],
                    worstMetric: row["worst_metric"], worstRelativeHalfWidth: row["worst_relative_half_width"],
                    pairedBaseline: row["paired_baseline"])
            }
        }
    }
}

extension ResultsStore {
    /// The number of the run's stored studies that arrived after the warm-up (0 when detail rows are not kept).
    public func measuredStudyCount(run: RunID) throws -> Int {
        try read("cannot count the studies of \(run)") { db in
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM market_studies WHERE run_id = ? AND measured = 1",
                arguments: [run.rawValue]) ?? 0
        }
    }
}
