import GRDB

#if canImport(GRDBSQLite)
    import GRDBSQLite
#else
    import SQLite3
#endif

/// A batched writer of one run's observation streams.
///
/// Rows are buffered in memory and written every ``batchSize`` rows, each batch in one immediate
/// transaction through one prepared statement bound with the SQLite C API (`sqlite3_bind_int64`,
/// `sqlite3_bind_double`), so a batch is in the file entirely or not at all. Call ``flush()`` before
/// ``ResultsStore/finishRun(_:status:metrics:error:)``: rows still buffered when the writer is released are
/// dropped, which is what a failed run wants.
///
/// Not thread-safe: use one writer per replication, from one thread.
public final class ObservationWriter {
    /// The default number of rows per batch.
    public static let defaultBatchSize = 50_000

    /// The run written to.
    public let run: RunID
    /// Rows buffered before an automatic flush.
    public let batchSize: Int
    /// Rows written to the database so far (committed batches).
    public private(set) var flushedCount = 0
    /// Rows buffered and not yet written.
    public var pendingCount: Int { buffer.count }

    private struct Observation {
        var series: Int64
        var time: Int64
        var value: Double
    }

    private let store: ResultsStore
    private var buffer: ContiguousArray<Observation> = []
    private var seriesByName: [String: (id: SeriesID, unit: String?)] = [:]

    /// The `observations` columns each buffered row fills.
    private static let columns = ["series_id", "time_ticks", "value"]

    init(store: ResultsStore, run: RunID, batchSize: Int) {
        self.store = store
        self.run = run
        self.batchSize = batchSize
        buffer.reserveCapacity(batchSize)
    }

    /// The series named `name` of this run, created on first use.
    ///
    /// - Throws: ``ResultsError`` if the series exists with a different unit, or on an SQLite error.
    public func series(_ name: String, unit: String?) throws -> SeriesID {
        if let known = seriesByName[name] {
            guard known.unit == unit else { throw unitMismatch(name, known.unit, unit) }
            return known.id
        }
        let found = try store.write("cannot create series '\(name)' of \(run)") { db in
            try db.execute(
                sql: "INSERT INTO series (run_id, name, unit) VALUES (?, ?, ?) ON CONFLICT (run_id, name) DO NOTHING",
                arguments: [run.rawValue, name, unit])
            let row = try Row.fetchOne(
                db, sql: "SELECT id, unit FROM series WHERE run_id = ? AND name = ?", arguments: [run.rawValue, name])
            return row.map { (id: SeriesID(rawValue: $0["id"]), unit: $0["unit"] as String?) }
        }
        guard let found else { throw ResultsError("series '\(name)' of \(run) vanished", path: store.path) }
        guard found.unit == unit else { throw unitMismatch(name, found.unit, unit) }
        seriesByName[name] = found
        return found.id
    }

    /// Buffers one observation, flushing when the buffer reaches ``batchSize``.
    ///
    /// - Parameters:
    ///   - series: A series of this writer's run, from ``series(_:unit:)``.
    ///   - time: Simulated time in ticks.
    ///   - value: The observed value; NaN is refused (infinities are stored).
    /// - Throws: ``ResultsError`` on NaN, or when the automatic flush fails.
    /// - Complexity: Amortised O(1); a flush is O(``batchSize``).
    @inlinable
    public func record(_ series: SeriesID, time: Int64, value: Double) throws {
        guard !value.isNaN else { throw nanValue(series, time) }
        append(series.rawValue, time, value)
        if pendingCount >= batchSize { try flush() }
    }

    @usableFromInline
    func append(_ series: Int64, _ time: Int64, _ value: Double) {
        buffer.append(Observation(series: series, time: time, value: value))
    }

    @usableFromInline
    func nanValue(_ series: SeriesID, _ time: Int64) -> ResultsError {
        ResultsError("observation of series \(series.rawValue) of \(run) at tick \(time) is NaN", path: store.path)
    }

    /// Writes all buffered rows in one transaction.
    ///
    /// Rows go through ``BatchInsert`` (groups of 100 in one multi-row `INSERT`, which opens the table and index
    /// cursors once for the whole group; the remainder one row at a time; both statements prepared once per
    /// connection and reused). On failure nothing of the batch is written and the rows stay buffered.
    ///
    /// - Complexity: O(``pendingCount`` log n) for n observations in the file.
    public func flush() throws {
        guard !buffer.isEmpty else { return }
        let path = store.path
        let run = run
        let rows = buffer
        try store.write("cannot write observations of \(run)") { db in
            try BatchInsert.run(
                db, path: path, "observations", Self.columns, rows,
                failure: {
                    "cannot write observations of \(run) (batch from series \(rows[$0].series), "
                        + "tick \(rows[$0].time))"
                }
            ) { _, row, binder in
                binder.int(row.series)
                binder.int(row.time)
                binder.double(row.value)
            }
        }
        flushedCount += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }

    private func unitMismatch(_ name: String, _ stored: String?, _ asked: String?) -> ResultsError {
        ResultsError(
            "series '\(name)' of \(run) has unit \(stored ?? "none"), not \(asked ?? "none")", path: store.path)
    }
}
