import GRDB
import MarketModel

#if canImport(GRDBSQLite)
    import GRDBSQLite
#else
    import SQLite3
#endif

// One description per stored table: each column's SQL name and the key path of the record field it stores.
// The insert's column list, the binder, the read-back and the schema check all derive from it (the way GRDB's
// `Columns` and `Codable` records do), so a field is written out once, not once per use.

/// A Swift value one SQLite column stores: how it binds into a prepared statement and how it reads back.
///
/// Integers are `INTEGER`, `Bool` is 0/1, `Double` is `REAL` (NaN stored as NULL), `String` is `TEXT`, an
/// optional is NULL when absent. Domain enums store their stable name (``StoredName``).
protocol StoredValue {
    /// Binds the value to the binder's next parameter.
    ///
    /// - Throws: ``ResultsError`` for a value SQLite cannot hold exactly (an unsigned value beyond 2^63 − 1).
    func bind(_ binder: inout RowBinder) throws
    /// The value of a fetched column, or nil when the column's value does not convert.
    static func read(_ value: DatabaseValue) -> Self?
}

extension Int: StoredValue {
    func bind(_ binder: inout RowBinder) { binder.int(self) }
    static func read(_ value: DatabaseValue) -> Int? { Int.fromDatabaseValue(value) }
}

extension Int64: StoredValue {
    func bind(_ binder: inout RowBinder) { binder.int(self) }
    static func read(_ value: DatabaseValue) -> Int64? { Int64.fromDatabaseValue(value) }
}

extension UInt64: StoredValue {
    /// Stored as SQLite's signed 64-bit integer; beyond 2^63 − 1 is an error, never wrapped.
    func bind(_ binder: inout RowBinder) throws {
        guard let exact = Int64(exactly: self) else {
            throw ResultsError("\(self) does not fit a 64-bit SQLite integer", path: "")
        }
        binder.int(exact)
    }
    static func read(_ value: DatabaseValue) -> UInt64? {
        Int64.fromDatabaseValue(value).flatMap { $0 >= 0 ? UInt64($0) : nil }
    }
}

extension Double: StoredValue {
    func bind(_ binder: inout RowBinder) { binder.double(self) }
    static func read(_ value: DatabaseValue) -> Double? { Double.fromDatabaseValue(value) }
}

extension Bool: StoredValue {
    func bind(_ binder: inout RowBinder) { binder.bool(self) }
    static func read(_ value: DatabaseValue) -> Bool? { Bool.fromDatabaseValue(value) }
}

extension String: StoredValue {
    func bind(_ binder: inout RowBinder) { binder.text(self) }
    static func read(_ value: DatabaseValue) -> String? { String.fromDatabaseValue(value) }
}

extension Optional: StoredValue where Wrapped: StoredValue {
    func bind(_ binder: inout RowBinder) throws {
        if let self { try self.bind(&binder) } else { binder.null() }
    }
    static func read(_ value: DatabaseValue) -> Wrapped?? {
        if value.isNull { return .some(nil) }
        return Wrapped.read(value).map { .some($0) }
    }
}

/// A domain term (MarketModel's vocabulary) is stored as its name; a name the vocabulary lacks does not read.
extension StoredValue where Self: DomainTerm {
    func bind(_ binder: inout RowBinder) { binder.text(name) }
    static func read(_ value: DatabaseValue) -> Self? { String.fromDatabaseValue(value).flatMap(Self.init(name:)) }
}

extension Modality: StoredValue {}
extension Urgency: StoredValue {}
extension ReadOutcome: StoredValue {}
extension StudyStatus: StoredValue {}
extension ReviewScore: StoredValue {}

/// One column of a table: its SQL name, how a record's field binds into it and, for a stored (writable) field,
/// how it reads back into a record.
struct Column<Record>: Sendable {
    /// The SQL column name.
    let name: String
    let bind: @Sendable (Record, inout RowBinder) throws -> Void
    /// Nil for a derived field (e.g. a turnaround computed from two times): written, never read back.
    let read: (@Sendable (inout Record, DatabaseValue) -> Bool)?

    /// A column holding `path`'s field, read back into it.
    init<Value: StoredValue>(_ name: String, _ path: any WritableKeyPath<Record, Value> & Sendable) {
        self.name = name
        bind = { record, binder in try record[keyPath: path].bind(&binder) }
        read = { record, value in
            guard let decoded = Value.read(value) else { return false }
            record[keyPath: path] = decoded
            return true
        }
    }

    /// A column holding a derived value, written only.
    init<Value: StoredValue>(_ name: String, derived path: any KeyPath<Record, Value> & Sendable) {
        self.name = name
        bind = { record, binder in try record[keyPath: path].bind(&binder) }
        read = nil
    }
}

/// A stored table described once: its name, the columns the caller binds first (the run id, an ordinal) and one
/// ``Column`` per record field.
struct StoredTable<Record: Sendable>: Sendable {
    /// The SQL table name.
    let table: String
    /// Columns bound by the caller before the record's own (e.g. `run_id`), in order.
    let leading: [String]
    /// A record whose stored fields reading overwrites (derived fields are recomputed by the record itself).
    let blank: Record
    /// The record's columns, in insert order.
    let columns: [Column<Record>]

    /// Every column the insert names, leading ones first.
    var columnNames: [String] { leading + columns.map(\.name) }

    /// Inserts `records` inside the caller's transaction through ``BatchInsert``.
    ///
    /// - Parameters:
    ///   - bindLeading: Binds the leading columns for the record at the given index.
    /// - Complexity: O(r · c) bindings for r records of c columns, plus the inserts.
    func insert(
        _ db: Database, path: String, _ records: [Record], bindLeading: (Int, inout RowBinder) -> Void
    ) throws {
        try BatchInsert.run(db, path: path, table, columnNames, records) { index, record, binder in
            bindLeading(index, &binder)
            for column in columns {
                do {
                    try column.bind(record, &binder)
                } catch let error as ResultsError {
                    throw ResultsError("\(table).\(column.name) of row \(index): \(error.message)", path: path)
                }
            }
        }
    }

    /// The records of the rows that `filter` (an SQL `WHERE ... ORDER BY ...` clause) selects.
    ///
    /// - Throws: ``ResultsError`` naming the table and column when a stored value does not convert.
    func fetchAll(_ db: Database, path: String, _ filter: String, arguments: StatementArguments) throws -> [Record] {
        let names = columns.filter { $0.read != nil }.map(\.name).joined(separator: ", ")
        return try Row.fetchAll(db, sql: "SELECT \(names) FROM \(table) \(filter)", arguments: arguments).map {
            try read($0, path: path)
        }
    }

    /// Reads one fetched row into a copy of ``blank``.
    ///
    /// - Throws: ``ResultsError`` naming the table and column when a stored value does not convert.
    func read(_ row: Row, path: String) throws -> Record {
        var record = blank
        for column in columns {
            guard let read = column.read else { continue }
            guard let value = row[column.name] as DatabaseValue? else {
                throw ResultsError("\(table) has no column \(column.name)", path: path)
            }
            guard read(&record, value) else {
                throw ResultsError("\(table).\(column.name) holds an unexpected value \(value)", path: path)
            }
        }
        return record
    }

    /// Checks that the database's table has exactly this layout's columns (in any order: inserts name them).
    ///
    /// - Returns: A description of the first difference, or nil when the layout matches.
    func mismatch(in db: Database) throws -> String? {
        let stored = try Row.fetchAll(db, sql: "PRAGMA table_info(\(table))").map { $0["name"] as String }
        let expected = columnNames
        if stored.sorted() == expected.sorted() { return nil }
        let missing = expected.filter { !stored.contains($0) }
        let extra = stored.filter { !expected.contains($0) }
        return "\(table): columns \(stored) differ from the layout \(expected) (missing \(missing), extra \(extra))"
    }
}
