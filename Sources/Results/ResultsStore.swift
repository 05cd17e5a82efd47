import Foundation
import GRDB
import MarketModel

/// The results database of one simulate run: an SQLite file holding runs, their metrics, their observation
/// streams and cross-replication summaries.
///
/// Opening creates the file if needed, refuses a file that is not a ReadChain results database, migrates the
/// schema to ``schemaVersion``, switches the file to WAL with `synchronous = NORMAL` (a commit survives a
/// process crash; a power loss may lose the last commits but never corrupts the file), and marks runs left
/// `running` by dead processes of this host as `incomplete`.
///
/// The store is `Sendable`: replications running in parallel may share one store, each with its own
/// ``ObservationWriter``; writes are serialised by the underlying `DatabaseQueue`.
public final class ResultsStore: Sendable {
    /// The schema version this build creates and reads (`PRAGMA user_version` of the file).
    public static let schemaVersion: Int = Schema.version

    /// `PRAGMA application_id` of a ReadChain results database (ASCII "RChn").
    public static let applicationID: Int32 = Schema.applicationID

    /// The database file's path, as given.
    public let path: String
    /// `sqlite_version()` of the SQLite library in use.
    public let sqliteVersion: String
    /// Host name recorded in `runs.host` and used to find abandoned runs.
    public let host: String
    /// This process's id, recorded in `runs.pid`.
    public let pid: Int64

    let queue: DatabaseQueue

    /// Opens, or creates, the results database at `path`.
    ///
    /// - Parameter path: The database file. Its directory must exist.
    /// - Throws: ``ResultsError`` when the file cannot be opened, is not an SQLite database, is an SQLite
    ///   database of another application, or was written by a newer schema.
    public convenience init(path: String) throws {
        try self.init(path: path, markingAbandonedRuns: true)
    }

    /// Opens, or creates, and migrates; `markingAbandonedRuns` false leaves dead processes' runs `running` (the
    /// migration ``init(readingOnly:)`` does for an older file).
    init(path: String, markingAbandonedRuns: Bool) throws {
        self.path = path
        self.host = ProcessLiveness.hostName()
        self.pid = ProcessLiveness.currentPID()

        var config = Configuration()
        config.label = "ReadChain.Results"
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }

        do {
            queue = try DatabaseQueue(path: path, configuration: config)
            try Self.claim(queue, path: path)
            try Self.migrate(queue)
            sqliteVersion = try queue.read { db in try String.fetchOne(db, sql: "SELECT sqlite_version()") ?? "" }
        } catch let error as ResultsError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw ResultsError(
                "not a ReadChain results database: \(path) (the file is not an SQLite database)",
                path: path, underlying: error)
        } catch {
            throw ResultsError("cannot open results database \(path)", path: path, underlying: error)
        }
        if markingAbandonedRuns { try markAbandonedRunsIncomplete() }
    }

    /// Opens an existing results database read-only, for the commands that only look (`report`, `digest`,
    /// `replay`, `audit`, `merge`'s inputs): nothing is created or marked, and any write through this store fails.
    ///
    /// Runs left `running` by a dead process stay `running` here (only a writer marks them `incomplete`). The one
    /// change it may make: a file of an older schema version is migrated first (the migrations only add tables
    /// and columns; no row changes; the file is switched to WAL), then opened read-only.
    ///
    /// - Throws: ``ResultsError`` when the file is missing, empty, not SQLite, of another application or of a
    ///   newer schema, or cannot be opened for reading.
    public init(readingOnly path: String) throws {
        self.path = path
        self.host = ProcessLiveness.hostName()
        self.pid = ProcessLiveness.currentPID()
        guard FileManager.default.fileExists(atPath: path) else {
            throw ResultsError("results database not found: \(path)", path: path)
        }
        let identity = try ResultsReader.identify(path: path)
        if case .results(let version) = identity, version < Schema.version {
            try ResultsStore(path: path, markingAbandonedRuns: false).close()
        } else if let refusal = identity.refusal(path: path) {
            throw ResultsError(refusal, path: path)
        }
        var config = Configuration()
        config.label = "ReadChain.Results.readOnly"
        config.readonly = true
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(10)
        do {
            queue = try DatabaseQueue(path: path, configuration: config)
            sqliteVersion = try queue.read { db in try String.fetchOne(db, sql: "SELECT sqlite_version()") ?? "" }
        } catch {
            throw ResultsError("cannot open results database \(path) for reading", path: path, underlying: error)
        }
    }

    /// Checks the file's identity before anything is written to it, then switches it to WAL.
    ///
    /// A fresh file (no schema objects, application id and user version 0) is ours to create. A file with our
    /// application id is ours unless its user version is newer than this build. Anything else is refused
    /// untouched: the journal mode is only changed after the check.
    /// Applies the migrations not yet applied. Two processes opening the same new or older file at once (a run
    /// and a reader polling it) may both start the same migration; the loser waits on the winner's write lock and
    /// then fails on its work (a table or column already there). It then simply migrates again from what is now
    /// applied, which is nothing left to do once the winner is done; a real failure still throws after the retries.
    private static func migrate(_ queue: DatabaseQueue) throws {
        var attempt = 0
        while true {
            do {
                try Schema.migrator.migrate(queue)
                return
            } catch {
                attempt += 1
                if attempt >= 20 { throw error }
                usleep(50_000)
            }
        }
    }

    private static func claim(_ queue: DatabaseQueue, path: String) throws {
        try queue.writeWithoutTransaction { db in
            let applicationID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
            let userVersion = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
            let objectCount = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0
            if applicationID == Schema.applicationID {
                guard userVersion <= Schema.version, try !Schema.migrator.hasBeenSuperseded(db) else {
                    throw ResultsError(
                        "results database \(path) has schema version \(userVersion), newer than this build's "
                            + "\(Schema.version); use a newer readchain", path: path)
                }
            } else if applicationID != 0 || userVersion != 0 || objectCount != 0 {
                throw ResultsError(
                    "not a ReadChain results database: \(path) (application_id \(applicationID), "
                        + "user_version \(userVersion), \(objectCount) schema objects)", path: path)
            }
            let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
            guard mode?.lowercased() == "wal" else {
                throw ResultsError(
                    "cannot switch results database \(path) to WAL journal mode (got \(mode ?? "nothing"))",
                    path: path)
            }
        }
    }

    /// Closes the database. Further use of the store or its writers throws.
    public func close() throws {
        do { try queue.close() } catch {
            throw ResultsError("cannot close results database", path: path, underlying: error)
        }
    }

    // MARK: - Runs

    /// Records the start of a run: inserts a `runs` row with status `running`, this host, this pid and the
    /// wall-clock start time.
    ///
    /// - Throws: ``ResultsError`` on an SQLite error or a constraint violation (e.g. a SHA-256 that is not
    ///   64 characters, a negative replication, or warm-up longer than the horizon).
    public func beginRun(_ p: RunProvenance) throws -> RunID {
        let startedAt = Self.wallClockNow()
        return try write("cannot record the start of a run") { db in
            try db.execute(
                sql: """
                    INSERT INTO runs (
                        scenario_name, scenario_kind, variant, scenario_sha256, scenario_text, master_seed,
                        replication, code_version, git_revision, gsl_generator, gsl_version, sqlite_version,
                        host, pid, started_at, status, sim_horizon_ticks, warmup_ticks)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?)
                    """,
                arguments: [
                    p.scenarioName, p.scenarioKind, p.variant, p.scenarioSHA256, p.scenarioText,
                    String(p.masterSeed), p.replication, p.codeVersion, p.gitRevision, p.gslGenerator,
                    p.gslVersion, sqliteVersion, host, pid, startedAt, p.horizonTicks, p.warmupTicks,
                ])
            return RunID(rawValue: db.lastInsertedRowID)
        }
    }

    /// Records the end of a run: its metrics, final status, error message and wall-clock end, in one
    /// transaction.
    ///
    /// Writers are not flushed here: flush every ``ObservationWriter`` of the run first.
    ///
    /// - Parameters:
    ///   - id: A run started by ``beginRun(_:)`` and still `running`.
    ///   - status: The final status; `running` is refused.
    ///   - metrics: Scalar summaries of the run; names must be unique.
    ///   - error: Why the run failed or stopped, if it did.
    /// - Throws: ``ResultsError`` if the run does not exist, is no longer running, or on an SQLite error;
    ///   nothing is written then.
    public func finishRun(_ id: RunID, status: RunStatus, metrics: [RunMetric], error: String?) throws {
        guard status != .running else {
            throw ResultsError("cannot finish \(id) with status 'running'", path: path)
        }
        let endedAt = Self.wallClockNow()
        try write("cannot record the end of \(id)") { db in
            try self.requireOwnRunning(db, id, "it cannot be finished")
            try Self.recordEnd(db, id, status: status, metrics: metrics, error: error, endedAt: endedAt)
        }
    }

    /// Throws unless run `id` exists, is `running`, and was started by this process on this host (after a
    /// `--take-over` elsewhere the id may name another process's run: a process believed gone must not write it).
    func requireOwnRunning(_ db: Database, _ id: RunID, _ what: String) throws {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT status, host, pid FROM runs WHERE id = ?", arguments: [id.rawValue])
        else { throw ResultsError("no \(id) in results database", path: path) }
        let current: String = row["status"]
        guard current == RunStatus.running.rawValue else {
            throw ResultsError("\(id) is '\(current)', not 'running'; \(what)", path: path)
        }
        guard (row["host"] as String) == host, (row["pid"] as Int64) == pid else {
            throw ResultsError(
                "\(id) now belongs to process \(row["pid"] as Int64) on \(row["host"] as String) (taken over); \(what)",
                path: path)
        }
    }

    /// Inserts a run's metrics and sets its final status, inside the caller's transaction.
    static func recordEnd(
        _ db: Database, _ id: RunID, status: RunStatus, metrics: [RunMetric], error: String?, endedAt: String
    ) throws {
        let insert = try db.cachedStatement(
            sql: "INSERT INTO run_metrics (run_id, name, value, ci_low, ci_high, unit) VALUES (?, ?, ?, ?, ?, ?)")
        for metric in metrics {
            try insert.execute(arguments: [
                id.rawValue, metric.name, Self.nullIfNaN(metric.value), metric.ciLow.flatMap(Self.nullIfNaN),
                metric.ciHigh.flatMap(Self.nullIfNaN), metric.unit,
            ])
        }
        try db.execute(
            sql: "UPDATE runs SET status = ?, ended_at = ?, error_message = ? WHERE id = ?",
            arguments: [status.rawValue, endedAt, error, id.rawValue])
    }

    /// Opens a batched writer for the observation streams of a running run.
    ///
    /// - Parameters:
    ///   - run: A run that is `running`.
    ///   - batchSize: Rows buffered before an automatic flush, each flush being one transaction.
    public func observationWriter(run: RunID, batchSize: Int = ObservationWriter.defaultBatchSize) throws
        -> ObservationWriter
    {
        precondition(batchSize > 0, "batchSize must be positive")
        let status = try read("cannot read \(run)") { db in
            try String.fetchOne(db, sql: "SELECT status FROM runs WHERE id = ?", arguments: [run.rawValue])
        }
        guard let status else { throw ResultsError("no \(run) in results database", path: path) }
        guard status == RunStatus.running.rawValue else {
            throw ResultsError(
                "\(run) is '\(status)'; observations can only be written while it is running", path: path)
        }
        return ObservationWriter(store: self, run: run, batchSize: batchSize)
    }

    // MARK: - Summaries

    /// Writes cross-replication summaries in one transaction, replacing any earlier row with the same
    /// scenario hash, variant and metric.
    public func writeSummaries(_ rows: [SummaryRow]) throws {
        try write("cannot write summaries") { db in
            let delete = try db.cachedStatement(
                sql:
                    "DELETE FROM summaries WHERE scenario_sha256 = ? AND ifnull(variant, '') = ifnull(?, '') AND metric = ?"
            )
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO summaries (scenario_sha256, variant, metric, n, mean, stddev, ci_low, ci_high,
                        confidence, unit)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for row in rows {
                try delete.execute(arguments: [row.scenarioSHA256, row.variant, row.metric])
                try insert.execute(arguments: [
                    row.scenarioSHA256, row.variant, row.metric, row.n, Self.nullIfNaN(row.mean),
                    Self.nullIfNaN(row.stddev), row.ciLow.flatMap(Self.nullIfNaN), row.ciHigh.flatMap(Self.nullIfNaN),
                    row.confidence, row.unit,
                ])
            }
        }
    }

    // MARK: - Helpers

    /// Runs `body` in an immediate write transaction, mapping errors to ``ResultsError``.
    func write<T>(_ what: @autoclosure () -> String, _ body: (Database) throws -> T) throws -> T {
        do {
            return try queue.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                return result!
            }
        } catch let error as ResultsError {
            throw error
        } catch {
            throw ResultsError(what(), path: path, underlying: error)
        }
    }

    /// Runs `body` with read access, mapping errors to ``ResultsError``.
    func read<T>(_ what: @autoclosure () -> String, _ body: (Database) throws -> T) throws -> T {
        do {
            return try queue.read(body)
        } catch let error as ResultsError {
            throw error
        } catch {
            throw ResultsError(what(), path: path, underlying: error)
        }
    }

    /// NaN as SQL NULL (SQLite would store NaN as NULL anyway; this makes it explicit).
    static func nullIfNaN(_ value: Double) -> Double? { value.isNaN ? nil : value }

    /// Wall-clock time, ISO-8601 UTC with milliseconds. Provenance only.
    static func wallClockNow() -> String {
        Date.now.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
