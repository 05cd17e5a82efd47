import Crypto
import GRDB

/// The results digest: one SHA-256 over every result row of a database, independent of run ids, row insertion
/// order and provenance that legitimately differs between two runs of the same study.
///
/// Two databases have the same digest exactly when they hold the same results: an interrupted and resumed study
/// and an uninterrupted one, a merge of sweep shards and the unsharded sweep, the same study on two hosts.
///
/// How it is computed (every table, so tables added by later migrations are covered without change here):
/// - Tables: every table but SQLite's and GRDB's own, in name order.
/// - Columns: all but a surrogate key (a sole `INTEGER PRIMARY KEY` named `id`, e.g. `runs.id`, `series.id`) and
///   provenance: `code_version`, `git_revision`, `sqlite_version`, `gsl_version`, `host`, `pid`, `error_message`,
///   any `*_at` timestamp and any `wall_*` column.
/// - A column referring to a surrogate key (e.g. `run_metrics.run_id`, `observations.series_id`) is replaced by
///   the referred row's identity: a run's is (scenario_sha256, variant, replication, master_seed); any other
///   row's is its own digested values (recursively), e.g. a series is (its run's identity, name, unit).
/// - Rows: each as the tuple (referred identities first, then the table's primary key columns, then the rest),
///   sorted in SQLite's order (NULL < numbers < text < blob), so rows are ordered by (scenario_sha256, variant,
///   replication) and then their natural keys.
/// - Values are hashed typed and exact: integers as 8 bytes, reals by their IEEE-754 bits, text and blobs with
///   their length.
extension ResultsStore {
    /// Column names never digested (provenance).
    static let digestExcludedColumns: Set<String> = [
        "code_version", "git_revision", "sqlite_version", "gsl_version", "host", "pid", "error_message",
    ]

    /// `results_digest`: lower-case hex SHA-256 over every result row (see the type's documentation).
    public func resultsDigest() throws -> String {
        try read("cannot compute the results digest") { db in
            var builder = try DigestBuilder(db: db)
            return try builder.digest(run: nil)
        }
    }

    /// The digest of every run's rows, by run id (as ``runDigest(_:)`` gives each, in one pass).
    public func runDigests() throws -> [RunID: String] {
        try read("cannot compute run digests") { db in
            var builder = try DigestBuilder(db: db)
            return Dictionary(uniqueKeysWithValues: try builder.digestsByRun().map { (RunID(rawValue: $0.key), $0.value) })
        }
    }

    /// The digest of one run's rows only (its `runs` row and every row that refers to it, directly or through
    /// another row); two runs with equal keys and equal digests hold the same results.
    public func runDigest(_ id: RunID) throws -> String {
        try read("cannot compute the digest of \(id)") { db in
            var builder = try DigestBuilder(db: db)
            return try builder.digest(run: id.rawValue)
        }
    }
}

/// A table's layout as the digest and the merge see it.
struct TableLayout {
    struct ForeignKey {
        var column: String
        var table: String
    }
    var name: String
    /// Every column, in declaration order.
    var columns: [String]
    /// Primary key columns in key order.
    var primaryKey: [String]
    /// The surrogate key column (`id`), if the table has one.
    var surrogate: String?
    /// Columns referring to another table's surrogate key.
    var references: [ForeignKey]
    /// Declared `WITHOUT ROWID`.
    var withoutRowID = false

    /// The tables of the database (not SQLite's or GRDB's own), in name order.
    static func all(_ db: Database) throws -> [TableLayout] {
        let names = try String.fetchAll(
            db,
            sql: """
                SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'grdb_%'
                ORDER BY name
                """)
        var layouts: [TableLayout] = []
        for name in names {
            let info = try Row.fetchAll(db, sql: "PRAGMA table_info(\(name.quotedDatabaseIdentifier))")
            let columns = info.map { $0["name"] as String }
            let pk = info.filter { ($0["pk"] as Int) > 0 }.sorted { ($0["pk"] as Int) < ($1["pk"] as Int) }
            let surrogate: String? =
                pk.count == 1 && (pk[0]["name"] as String) == "id" && (pk[0]["type"] as String).uppercased() == "INTEGER"
                ? "id" : nil
            layouts.append(
                TableLayout(
                    name: name, columns: columns, primaryKey: pk.map { $0["name"] as String }, surrogate: surrogate,
                    references: [],
                    withoutRowID: try String.fetchOne(
                        db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", arguments: [name]
                    )?.uppercased().contains("WITHOUT ROWID") ?? false))
        }
        let surrogates = Dictionary(uniqueKeysWithValues: layouts.compactMap { l in l.surrogate.map { (l.name, $0) } })
        for i in layouts.indices {
            let fks = try Row.fetchAll(db, sql: "PRAGMA foreign_key_list(\(layouts[i].name.quotedDatabaseIdentifier))")
            for fk in fks {
                let table: String = fk["table"]
                let to: String? = fk["to"]
                guard let key = surrogates[table], to == nil || to == key else { continue }
                layouts[i].references.append(ForeignKey(column: fk["from"], table: table))
            }
        }
        return layouts
    }
}

/// Builds the results digest inside one read transaction.
struct DigestBuilder {
    let db: Database
    var layouts: [String: TableLayout] = [:]
    var order: [String] = []
    /// Per surrogate-keyed table: id -> (identity values, owning run id).
    var identities: [String: [Int64: (values: [DatabaseValue], run: Int64?)]] = [:]

    init(db: Database) throws {
        self.db = db
        for l in try TableLayout.all(db) {
            layouts[l.name] = l
            order.append(l.name)
        }
    }

    static func included(_ column: String) -> Bool {
        !ResultsStore.digestExcludedColumns.contains(column) && !column.hasSuffix("_at") && !column.hasPrefix("wall_")
    }

    /// The digest of every table, or of one run's rows.
    mutating func digest(run: Int64?) throws -> String {
        var hasher = SHA256()
        for name in order {
            let rows = try canonicalRows(name, run: run)
            guard let rows else { continue }
            var header = ByteSink()
            header.text(name)
            header.int(Int64(rows.columns.count))
            for c in rows.columns { header.text(c) }
            header.int(Int64(rows.rows.count))
            hasher.update(data: header.bytes)
            for row in rows.rows {
                var sink = ByteSink()
                for v in row { sink.value(v) }
                hasher.update(data: sink.bytes)
            }
        }
        return hasher.finalize().map { b in (b < 16 ? "0" : "") + String(b, radix: 16) }.joined()
    }

    /// Each run's digest: the tables that hold rows of runs, each restricted to the run's rows.
    mutating func digestsByRun() throws -> [Int64: String] {
        var hashers: [Int64: SHA256] = [:]
        for id in try Int64.fetchAll(db, sql: "SELECT id FROM runs") { hashers[id] = SHA256() }
        for name in order {
            guard let layout = layouts[name], name == "runs" || !layout.references.isEmpty else { continue }
            guard let all = try canonicalRows(name, run: nil, keepRun: true) else { continue }
            var byRun: [Int64: [[DatabaseValue]]] = [:]
            for (values, run) in all.owned { if let run { byRun[run, default: []].append(values) } }
            for id in hashers.keys.sorted() {
                let rows = byRun[id] ?? []
                var header = ByteSink()
                header.text(name)
                header.int(Int64(all.columns.count))
                for c in all.columns { header.text(c) }
                header.int(Int64(rows.count))
                hashers[id]!.update(data: header.bytes)
                for row in rows {
                    var sink = ByteSink()
                    for v in row { sink.value(v) }
                    hashers[id]!.update(data: sink.bytes)
                }
            }
        }
        return hashers.mapValues { h in h.finalize().map { b in (b < 16 ? "0" : "") + String(b, radix: 16) }.joined() }
    }

    /// The identity of row `id` of surrogate-keyed `table`.
    mutating func identity(_ table: String, _ id: Int64) throws -> (values: [DatabaseValue], run: Int64?) {
        if identities[table] == nil { try loadIdentities(table) }
        guard let found = identities[table]?[id] else {
            // A dangling reference (foreign keys off when written): digest it as such rather than fail.
            return ([DatabaseValue.null, Int64(id).databaseValue], nil)
        }
        return found
    }

    mutating func loadIdentities(_ table: String) throws {
        identities[table] = [:]
        if table == "runs" {
            for row in try Row.fetchAll(
                db, sql: "SELECT id, scenario_sha256, variant, replication, master_seed FROM runs")
            {
                let id: Int64 = row["id"]
                identities[table]![id] = (
                    [row["scenario_sha256"], row["variant"], row["replication"], row["master_seed"]], id
                )
            }
            return
        }
        guard let layout = layouts[table] else { return }
        let rows = try fetch(layout)
        for (id, values, run) in rows { identities[table]![id!] = (values, run) }
    }

    /// Every row of `layout` as (surrogate id, canonical values, owning run).
    mutating func fetch(_ layout: TableLayout) throws -> [(Int64?, [DatabaseValue], Int64?)] {
        let refs = Dictionary(uniqueKeysWithValues: layout.references.map { ($0.column, $0.table) })
        let rest = layout.columns.filter { c in
            c != layout.surrogate && refs[c] == nil && Self.included(c)
        }
        let keyed = layout.primaryKey.filter { rest.contains($0) } + rest.filter { !layout.primaryKey.contains($0) }
        let refColumns = layout.columns.filter { refs[$0] != nil }
        let select = ([layout.surrogate ?? "NULL"] + refColumns + keyed).map {
            $0 == "NULL" ? $0 : $0.quotedDatabaseIdentifier
        }.joined(separator: ", ")
        let raw = try Row.fetchAll(db, sql: "SELECT \(select) FROM \(layout.name.quotedDatabaseIdentifier)")
        var out: [(Int64?, [DatabaseValue], Int64?)] = []
        out.reserveCapacity(raw.count)
        for row in raw {
            let id: Int64? = row[0]
            var values: [DatabaseValue] = []
            var run: Int64? = layout.name == "runs" ? id : nil
            for (k, c) in refColumns.enumerated() {
                let ref: Int64? = row[1 + k]
                if let ref {
                    let ident = try identity(refs[c]!, ref)
                    values.append(contentsOf: ident.values)
                    run = run ?? ident.run
                } else {
                    values.append(.null)
                }
            }
            for k in keyed.indices { values.append(row[1 + refColumns.count + k] as DatabaseValue) }
            out.append((id, values, run))
        }
        return out
    }

    /// The table's digested column names and rows, sorted; nil when digesting one run and the table has no
    /// row that belongs to a run.
    mutating func canonicalRows(_ name: String, run: Int64?) throws -> (columns: [String], rows: [[DatabaseValue]])? {
        if let run {
            guard let layout = layouts[name], name == "runs" || !layout.references.isEmpty else { return nil }
            guard let all = try canonicalRows(name, run: nil, keepRun: true) else { return nil }
            return (all.columns, all.owned.filter { $0.1 == run }.map(\.0))
        }
        guard let all = try canonicalRows(name, run: nil, keepRun: true) else { return nil }
        return (all.columns, all.owned.map(\.0))
    }

    /// The table's digested column names and sorted rows, each with the run that owns it.
    mutating func canonicalRows(_ name: String, run _: Int64?, keepRun: Bool) throws
        -> (columns: [String], owned: [([DatabaseValue], Int64?)])?
    {
        guard let layout = layouts[name] else { return nil }
        let refs = Set(layout.references.map(\.column))
        let rest = layout.columns.filter { c in c != layout.surrogate && !refs.contains(c) && Self.included(c) }
        let keyed = layout.primaryKey.filter { rest.contains($0) } + rest.filter { !layout.primaryKey.contains($0) }
        let columns = layout.columns.filter { refs.contains($0) }.map { "->" + $0 } + keyed
        var rows = try fetch(layout).map { ($0.1, $0.2) }
        rows.sort { a, b in DigestBuilder.less(a.0, b.0) }
        return (columns, rows)
    }

    /// SQLite's ordering of tuples: NULL < integer/real (numerically) < text (bytes) < blob (bytes).
    static func less(_ a: [DatabaseValue], _ b: [DatabaseValue]) -> Bool {
        for (x, y) in zip(a, b) {
            let c = compare(x, y)
            if c != 0 { return c < 0 }
        }
        return a.count < b.count
    }

    static func rank(_ v: DatabaseValue) -> Int {
        switch v.storage {
        case .null: 0
        case .int64, .double: 1
        case .string: 2
        case .blob: 3
        }
    }

    static func compare(_ x: DatabaseValue, _ y: DatabaseValue) -> Int {
        let rx = rank(x)
        let ry = rank(y)
        if rx != ry { return rx < ry ? -1 : 1 }
        switch (x.storage, y.storage) {
        case (.int64(let a), .int64(let b)): return a == b ? 0 : (a < b ? -1 : 1)
        case (.double(let a), .double(let b)): return a == b ? 0 : (a < b ? -1 : 1)
        case (.int64(let a), .double(let b)):
            let da = Double(a)
            return da == b ? 0 : (da < b ? -1 : 1)
        case (.double(let a), .int64(let b)):
            let db = Double(b)
            return a == db ? 0 : (a < db ? -1 : 1)
        case (.string(let a), .string(let b)):
            let ua = Array(a.utf8)
            let ub = Array(b.utf8)
            return ua == ub ? 0 : (ua.lexicographicallyPrecedes(ub) ? -1 : 1)
        case (.blob(let a), .blob(let b)):
            return a == b ? 0 : (a.lexicographicallyPrecedes(b) ? -1 : 1)
        default: return 0
        }
    }
}

/// Typed, length-prefixed bytes for hashing.
struct ByteSink {
    var bytes: [UInt8] = []

    mutating func int(_ v: Int64) {
        let u = UInt64(bitPattern: v)
        for s in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: u >> UInt64(s))) }
    }

    mutating func text(_ s: String) {
        let u = Array(s.utf8)
        int(Int64(u.count))
        bytes.append(contentsOf: u)
    }

    mutating func value(_ v: DatabaseValue) {
        switch v.storage {
        case .null: bytes.append(0)
        case .int64(let i):
            bytes.append(1)
            int(i)
        case .double(let d):
            bytes.append(2)
            int(Int64(bitPattern: d.bitPattern))
        case .string(let s):
            bytes.append(3)
            text(s)
        case .blob(let data):
            bytes.append(4)
            int(Int64(data.count))
            bytes.append(contentsOf: data)
        }
    }
}
