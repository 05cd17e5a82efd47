import GRDB
import MarketModel

/// One observation series of a run, read back.
public struct SeriesRecord: Sendable, Equatable {
    public var id: SeriesID
    public var run: RunID
    public var name: String
    public var unit: String?
}

/// The SQLite settings of the store's connection, for diagnostics and tests.
public struct StoreSettings: Sendable, Equatable {
    /// `PRAGMA journal_mode`: `wal`.
    public var journalMode: String
    /// `PRAGMA synchronous`: 1 (NORMAL).
    public var synchronous: Int
    /// `PRAGMA foreign_keys`.
    public var foreignKeys: Bool
    /// `PRAGMA application_id`.
    public var applicationID: Int32
    /// `PRAGMA user_version`, the schema version.
    public var userVersion: Int
}

extension ResultsStore {
    /// The settings of the store's own connection.
    public func settings() throws -> StoreSettings {
        try read("cannot read connection settings") { db in
            StoreSettings(
                journalMode: try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "",
                synchronous: try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1,
                foreignKeys: try Bool.fetchOne(db, sql: "PRAGMA foreign_keys") ?? false,
                applicationID: try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0,
                userVersion: try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0)
        }
    }

    /// All runs, ordered by id.
    public func runs() throws -> [RunRecord] {
        try read("cannot read runs") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM runs ORDER BY id").map { row in try Self.runRecord(row, path: path)
            }
        }
    }

    /// The metrics of `run`, ordered by name.
    public func metrics(run: RunID) throws -> [RunMetric] {
        try read("cannot read metrics of \(run)") { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM run_metrics WHERE run_id = ? ORDER BY name", arguments: [run.rawValue]
            ).map { row in
                RunMetric(
                    name: row["name"], value: (row["value"] as Double?) ?? .nan, ciLow: row["ci_low"],
                    ciHigh: row["ci_high"], unit: row["unit"])
            }
        }
    }

    /// The number of observations of `run`, all series together.
    ///
    /// - Complexity: O(log n) per series plus the count, through `observations_by_series_time`.
    public func observationCount(run: RunID) throws -> Int {
        try read("cannot count observations of \(run)") { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT count(*) FROM series JOIN observations ON observations.series_id = series.id
                    WHERE series.run_id = ?
                    """,
                arguments: [run.rawValue]) ?? 0
        }
    }

    /// The series of `run`, ordered by id (creation order).
    public func series(run: RunID) throws -> [SeriesRecord] {
        try read("cannot read series of \(run)") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM series WHERE run_id = ? ORDER BY id", arguments: [run.rawValue])
                .map { row in
                    SeriesRecord(
                        id: SeriesID(rawValue: row["id"]), run: RunID(rawValue: row["run_id"]), name: row["name"],
                        unit: row["unit"])
                }
        }
    }

    /// The observations of one series, ordered by time (ties in insertion order).
    public func observations(series: SeriesID) throws -> [(time: Int64, value: Double)] {
        try read("cannot read observations") { db in
            var result: [(time: Int64, value: Double)] = []
            let rows = try Row.fetchCursor(
                db, sql: "SELECT time_ticks, value FROM observations WHERE series_id = ? ORDER BY time_ticks, rowid",
                arguments: [series.rawValue])
            while let row = try rows.next() {
                result.append((time: row[0], value: row[1]))
            }
            return result
        }
    }

    /// The cross-replication summaries of one scenario, ordered by variant (none first) then metric.
    public func summaries(scenarioSHA256: String) throws -> [SummaryRow] {
        try read("cannot read summaries") { db in try SummaryRow.fetchAll(db, scenarioSHA256: scenarioSHA256) }
    }

    static func runRecord(_ row: Row, path: String) throws -> RunRecord {
        let seedText: String = row["master_seed"]
        let statusText: String = row["status"]
        guard let seed = UInt64(seedText), let status = RunStatus(rawValue: statusText) else {
            throw ResultsError(
                "malformed runs row \(row["id"] as Int64): master_seed '\(seedText)', status '\(statusText)'",
                path: path)
        }
        return RunRecord(
            id: RunID(rawValue: row["id"]),
            provenance: RunProvenance(
                scenarioName: row["scenario_name"], scenarioKind: row["scenario_kind"], variant: row["variant"],
                scenarioText: row["scenario_text"], scenarioSHA256: row["scenario_sha256"], masterSeed: seed,
                replication: row["replication"], codeVersion: row["code_version"], gitRevision: row["git_revision"],
                gslGenerator: row["gsl_generator"], gslVersion: row["gsl_version"],
                horizonTicks: row["sim_horizon_ticks"], warmupTicks: row["warmup_ticks"]),
            status: status, errorMessage: row["error_message"], sqliteVersion: row["sqlite_version"],
            host: row["host"], pid: row["pid"], startedAt: row["started_at"], endedAt: row["ended_at"])
    }
}

extension SummaryRow {
    /// The `summaries` rows of one scenario, ordered by variant (none first) then metric; a NULL mean or standard
    /// deviation reads as NaN. Shared by ``ResultsStore`` and ``ResultsReader``.
    static func fetchAll(_ db: Database, scenarioSHA256: String) throws -> [SummaryRow] {
        try Row.fetchAll(
            db, sql: "SELECT * FROM summaries WHERE scenario_sha256 = ? ORDER BY ifnull(variant, ''), metric",
            arguments: [scenarioSHA256]
        ).map { row in
            SummaryRow(
                scenarioSHA256: row["scenario_sha256"], variant: row["variant"], metric: row["metric"],
                n: row["n"], mean: (row["mean"] as Double?) ?? .nan, stddev: (row["stddev"] as Double?) ?? .nan,
                ciLow: row["ci_low"], ciHigh: row["ci_high"], confidence: row["confidence"], unit: row["unit"])
        }
    }
}
