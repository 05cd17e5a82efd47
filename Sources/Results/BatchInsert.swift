import GRDB

#if canImport(GRDBSQLite)
    import GRDBSQLite
#else
    import SQLite3
#endif

/// Binds one row's values, in column order, into a multi-row `INSERT`.
struct RowBinder {
    let statement: SQLiteStatement
    var parameter: Int32 = 1

    /// SQLite copies the text before `bind` returns (`SQLITE_TRANSIENT`).
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    mutating func null() {
        sqlite3_bind_null(statement, parameter)
        parameter += 1
    }
    mutating func int(_ v: Int64?) {
        if let v { sqlite3_bind_int64(statement, parameter, v) } else { sqlite3_bind_null(statement, parameter) }
        parameter += 1
    }
    mutating func int(_ v: Int?) { int(v.map(Int64.init)) }
    mutating func int(_ v: Int64) { int(Optional(v)) }
    mutating func int(_ v: Int) { int(Optional(Int64(v))) }
    mutating func bool(_ v: Bool?) { int(v.map { $0 ? Int64(1) : 0 }) }
    /// NaN is stored as NULL; infinities are stored.
    mutating func double(_ v: Double?) {
        if let v, !v.isNaN {
            sqlite3_bind_double(statement, parameter, v)
        } else {
            sqlite3_bind_null(statement, parameter)
        }
        parameter += 1
    }
    mutating func text(_ v: String?) {
        if let v {
            sqlite3_bind_text(statement, parameter, v, -1, Self.transient)
        } else {
            sqlite3_bind_null(statement, parameter)
        }
        parameter += 1
    }
}

/// Batched inserts of typed rows inside the caller's transaction: the one place that prepares, binds and steps
/// a multi-row `INSERT` (the market tables through ``TableLayout``, observations through ``ObservationWriter``).
enum BatchInsert {
    /// Inserts `rows` into `table`: groups of up to 100 rows (fewer for wide tables, within the connection's
    /// bound-parameter limit) through one prepared multi-row `INSERT`, the remainder one row at a time. Both
    /// statements are cached on the connection.
    ///
    /// - Parameters:
    ///   - failure: The message of the error thrown when a group fails, given the index of its first row.
    ///   - bind: Binds the row at an index (its position in `rows`, from 0) in column order.
    /// - Complexity: O(r log n) for r rows inserted into a table of n rows.
    static func run<Rows: RandomAccessCollection>(
        _ db: Database, path: String, _ table: String, _ columns: [String], _ rows: Rows,
        failure: ((Int) -> String)? = nil, bind: (Int, Rows.Element, inout RowBinder) throws -> Void
    ) throws where Rows.Index == Int {
        guard !rows.isEmpty else { return }
        let limit = Int(sqlite3_limit(db.sqliteConnection, SQLITE_LIMIT_VARIABLE_NUMBER, -1))
        let perStatement = max(1, min(100, limit / columns.count))
        let tuple = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
        let head = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES "
        let group = try db.cachedStatement(
            sql: head + Array(repeating: tuple, count: perStatement).joined(separator: ", ")
        ).sqliteStatement
        let single = try db.cachedStatement(sql: head + tuple).sqliteStatement
        defer {
            for handle in [group, single] {
                sqlite3_reset(handle)
                sqlite3_clear_bindings(handle)
            }
        }
        func step(_ handle: SQLiteStatement, _ index: Int) throws {
            let code = sqlite3_step(handle)
            guard code == SQLITE_DONE else {
                throw ResultsError(
                    failure?(index) ?? "cannot insert into \(table) (batch from row \(index))", path: path,
                    sqliteCode: sqlite3_extended_errcode(db.sqliteConnection),
                    sqliteMessage: String(cString: sqlite3_errmsg(db.sqliteConnection)))
            }
            sqlite3_reset(handle)
        }
        var index = rows.startIndex
        while rows.endIndex - index >= perStatement {
            var binder = RowBinder(statement: group)
            for i in index..<(index + perStatement) { try bind(i - rows.startIndex, rows[i], &binder) }
            try step(group, index - rows.startIndex)
            index += perStatement
        }
        while index < rows.endIndex {
            var binder = RowBinder(statement: single)
            try bind(index - rows.startIndex, rows[index], &binder)
            try step(single, index - rows.startIndex)
            index += 1
        }
    }
}
