import Foundation
import GRDB
import MarketModel

/// What a file on disk is, as far as a results reader cares.
public enum ResultsFileIdentity: Sendable, Equatable {
    /// A ReadChain results database of this schema version (possibly older than this build's).
    case results(schemaVersion: Int)
    /// A ReadChain results database written by a newer build.
    case newer(schemaVersion: Int)
    /// An empty file, or an SQLite database with no schema objects at all.
    case empty
    /// An SQLite database of another application.
    case foreign(applicationID: Int32, userVersion: Int, schemaObjects: Int)
    /// Not an SQLite database.
    case notSQLite

    /// Why a reader refuses the file at `path`, or nil for a results database this build reads.
    public func refusal(path: String) -> String? {
        switch self {
        case .results: nil
        case .newer(let v):
            "\(path) has results schema version \(v), newer than this build's \(Schema.version); use a newer readchain"
        case .empty: "not a ReadChain results database: \(path) (the file is empty)"
        case .notSQLite: "not a ReadChain results database: \(path) (the file is not an SQLite database)"
        case .foreign(let id, let version, let objects):
            "not a ReadChain results database: \(path) (application_id \(id), user_version \(version), "
                + "\(objects) schema objects)"
        }
    }
}

/// A finished-or-not market run, as the plots need it (one `runs` row).
public struct PlotRun: Sendable, Equatable {
    public var id: RunID
    public var scenarioName: String
    public var scenarioKind: String
    public var scenarioSHA256: String
    public var scenarioText: String
    /// The design's name for a market run; nil when the scenario has no variants.
    public var variant: String?
    public var replication: Int
    public var status: RunStatus
    public var horizonTicks: Int64
    public var warmupTicks: Int64
}

/// One study's times, for the turnaround and commit-latency plots.
public struct PlotStudyTimes: Sendable, Equatable {
    public var run: RunID
    public var urgency: String
    /// Arrived after the warm-up.
    public var measured: Bool
    public var requiredTurnaround: Int64
    public var arrival: Int64
    /// NULL when never reported.
    public var turnaround: Int64?
    /// Reported, expired (never reported) or open (unfinished at the horizon); nil for a status this build does
    /// not know.
    public var status: StudyStatus?
    public var posted: Int64?
    public var firstCommitted: Int64?
}

/// One radiologist's income and shift hours over a run's days after the warm-up.
public struct PlotRadiologistIncome: Sendable, Equatable {
    public var run: RunID
    public var radiologist: Int
    public var incomeMinor: Int64
    public var hoursOnShift: Double
}

/// One hourly market sample, reduced to what the burnout plot needs.
public struct PlotMarketSample: Sendable, Equatable {
    public var run: RunID
    public var time: Int64
    public var activeRadiologists: Int
    public var burnedOut: Int
    /// The AI's dataset at the sample: the scenario's initial dataset plus the labels committed on chain.
    public var datasetSize: Int
}

/// One committed block, reduced to what the throughput plot needs.
public struct PlotBlock: Sendable, Equatable {
    public var run: RunID
    public var time: Int64
    public var transactions: Int
}

/// A read-only view of a results database, for `readchain plot`.
///
/// Unlike ``ResultsStore`` it never creates, migrates or marks anything: the file is opened read-only, after
/// ``identify(path:)`` has said it is a results database. Every query sorts its rows, so the same file always
/// reads back the same way.
public final class ResultsReader: Sendable {
    public let path: String
    /// `PRAGMA user_version` of the file.
    public let schemaVersion: Int
    let queue: DatabaseQueue

    /// Opens the database at `path` read-only.
    ///
    /// - Throws: ``ResultsError`` when the file cannot be opened or is not a results database of a schema this
    ///   build reads (call ``identify(path:)`` first for a precise diagnosis).
    public init(path: String) throws {
        self.path = path
        let identity = try Self.identify(path: path)
        guard case .results(let version) = identity else {
            throw ResultsError("not a ReadChain results database this build reads: \(path) (\(identity))", path: path)
        }
        schemaVersion = version
        var config = Configuration()
        config.readonly = true
        config.label = "ReadChain.ResultsReader"
        config.busyMode = .timeout(10)
        do {
            queue = try DatabaseQueue(path: path, configuration: config)
        } catch {
            throw ResultsError("cannot open results database \(path) for reading", path: path, underlying: error)
        }
    }

    /// Says what the file at `path` is, without changing it. The file must exist.
    ///
    /// - Throws: ``ResultsError`` when the file cannot be opened at all (permissions, I/O).
    public static func identify(path: String) throws -> ResultsFileIdentity {
        var config = Configuration()
        config.readonly = true
        do {
            let q = try DatabaseQueue(path: path, configuration: config)
            defer { try? q.close() }
            return try q.read { db in
                let applicationID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
                let userVersion = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
                let objects = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0
                if applicationID == Schema.applicationID {
                    return userVersion > Schema.version
                        ? .newer(schemaVersion: userVersion) : .results(schemaVersion: userVersion)
                }
                if applicationID == 0 && userVersion == 0 && objects == 0 { return .empty }
                return .foreign(applicationID: applicationID, userVersion: userVersion, schemaObjects: objects)
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            return .notSQLite
        } catch {
            throw ResultsError("cannot open \(path) for reading", path: path, underlying: error)
        }
    }

    /// Closes the database.
    public func close() throws {
        do { try queue.close() } catch {
            throw ResultsError("cannot close results database", path: path, underlying: error)
        }
    }

    /// Whether the file has the market tables (schema v2 and later).
    public var hasMarketTables: Bool { schemaVersion >= 2 }

    /// Whether `readchain sweep` wrote the file (its `study_settings` say so; schema v5 and later).
    public func isSweep() throws -> Bool {
        guard schemaVersion >= 5 else { return false }
        return try read("cannot read study settings") { db in
            try String.fetchOne(db, sql: "SELECT kind FROM study_settings WHERE id = 1") == "sweep"
        }
    }

    /// All runs, ordered by id.
    public func runs() throws -> [PlotRun] {
        try read("cannot read runs") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, scenario_name, scenario_kind, scenario_sha256, scenario_text, variant, replication,
                        status, sim_horizon_ticks, warmup_ticks
                    FROM runs ORDER BY id
                    """
            ).map { row in
                let statusText: String = row["status"]
                guard let status = RunStatus(rawValue: statusText) else {
                    throw ResultsError("malformed runs row \(row["id"] as Int64): status '\(statusText)'", path: path)
                }
                return PlotRun(
                    id: RunID(rawValue: row["id"]), scenarioName: row["scenario_name"],
                    scenarioKind: row["scenario_kind"], scenarioSHA256: row["scenario_sha256"],
                    scenarioText: row["scenario_text"], variant: row["variant"], replication: row["replication"],
                    status: status, horizonTicks: row["sim_horizon_ticks"], warmupTicks: row["warmup_ticks"])
            }
        }
    }

    /// The cross-replication summaries of one scenario, ordered by variant then metric.
    public func summaries(scenarioSHA256: String) throws -> [SummaryRow] {
        try read("cannot read summaries") { db in try SummaryRow.fetchAll(db, scenarioSHA256: scenarioSHA256) }
    }

    /// The metrics of the given runs: (run, name) → (value, unit), ordered by run then name.
    public func metrics(runs: [RunID]) throws -> [(run: RunID, name: String, value: Double?, unit: String?)] {
        try read("cannot read run metrics") { db in
            try Row.fetchAll(
                db,
                sql: "SELECT run_id, name, value, unit FROM run_metrics WHERE run_id IN \(Self.list(runs)) "
                    + "ORDER BY run_id, name"
            ).map { (run: RunID(rawValue: $0["run_id"]), name: $0["name"], value: $0["value"], unit: $0["unit"]) }
        }
    }

    /// Per run, whether it has detail rows (`market_studies`, `radiologist_days`, `market_samples`, `chain_blocks`);
    /// a run simulated with `--no-observations` has none.
    public func runsWithDetail(_ runs: [RunID]) throws -> Set<RunID> {
        guard hasMarketTables else { return [] }
        return try read("cannot read market rows") { db in
            let ids = try Int64.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT run_id FROM market_studies WHERE run_id IN \(Self.list(runs))
                    UNION SELECT DISTINCT run_id FROM market_samples WHERE run_id IN \(Self.list(runs))
                    ORDER BY 1
                    """)
            return Set(ids.map(RunID.init(rawValue:)))
        }
    }

    /// The studies of the given runs that were posted or measured: their urgency, times and turnaround, ordered by
    /// run then arrival.
    public func studyTimes(runs: [RunID]) throws -> [PlotStudyTimes] {
        guard hasMarketTables else { return [] }
        return try read("cannot read market studies") { db in
            var result: [PlotStudyTimes] = []
            let cursor = try Row.fetchCursor(
                db,
                sql: """
                    SELECT run_id, urgency, measured, required_turnaround_ticks, arrival_ticks, turnaround_ticks,
                        status, posted_ticks, first_committed_ticks
                    FROM market_studies WHERE run_id IN \(Self.list(runs)) ORDER BY run_id, ordinal
                    """)
            while let r = try cursor.next() {
                result.append(
                    PlotStudyTimes(
                        run: RunID(rawValue: r[0]), urgency: r[1], measured: r[2], requiredTurnaround: r[3],
                        arrival: r[4], turnaround: r[5], status: StudyStatus(name: r[6]), posted: r[7],
                        firstCommitted: r[8]))
            }
            return result
        }
    }

    /// Each radiologist's income and shift hours over the days after the run's warm-up (the days
    /// `MarketMetrics` counts: day × 24 h ≥ warm-up), ordered by run then radiologist.
    public func radiologistIncome(runs: [RunID]) throws -> [PlotRadiologistIncome] {
        guard hasMarketTables else { return [] }
        return try read("cannot read radiologist days") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT d.run_id, d.radiologist, sum(d.income_minor), sum(d.hours_on_shift)
                    FROM radiologist_days d JOIN runs r ON r.id = d.run_id
                    WHERE d.run_id IN \(Self.list(runs)) AND d.day * 86400000000 >= r.warmup_ticks
                    GROUP BY d.run_id, d.radiologist ORDER BY d.run_id, d.radiologist
                    """
            ).map {
                PlotRadiologistIncome(
                    run: RunID(rawValue: $0[0]), radiologist: $0[1], incomeMinor: $0[2], hoursOnShift: $0[3])
            }
        }
    }

    /// The hourly market samples of the given runs, ordered by run then time.
    public func marketSamples(runs: [RunID]) throws -> [PlotMarketSample] {
        guard hasMarketTables else { return [] }
        return try read("cannot read market samples") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT run_id, time_ticks, active_radiologists, burned_out, dataset_size FROM market_samples
                    WHERE run_id IN \(Self.list(runs)) ORDER BY run_id, time_ticks
                    """
            ).map {
                PlotMarketSample(
                    run: RunID(rawValue: $0[0]), time: $0[1], activeRadiologists: $0[2], burnedOut: $0[3],
                    datasetSize: $0[4])
            }
        }
    }

    /// The committed blocks of the given runs, ordered by run then height.
    public func blocks(runs: [RunID]) throws -> [PlotBlock] {
        guard hasMarketTables else { return [] }
        return try read("cannot read chain blocks") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT run_id, time_ticks, transactions FROM chain_blocks
                    WHERE run_id IN \(Self.list(runs)) ORDER BY run_id, height
                    """
            ).map { PlotBlock(run: RunID(rawValue: $0[0]), time: $0[1], transactions: $0[2]) }
        }
    }

    /// `(1, 2, 3)` for an SQL `IN`; run ids are integers, so nothing needs quoting.
    static func list(_ runs: [RunID]) -> String {
        "(" + (runs.isEmpty ? "NULL" : runs.map { String($0.rawValue) }.joined(separator: ", ")) + ")"
    }

    func read<T>(_ what: @autoclosure () -> String, _ body: (Database) throws -> T) throws -> T {
        do {
            return try queue.read(body)
        } catch let error as ResultsError {
            throw error
        } catch {
            throw ResultsError(what(), path: path, underlying: error)
        }
    }
}
