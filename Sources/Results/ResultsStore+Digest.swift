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
///   any `*_at` timestamp and any `wall_*` column; the signature scheme (`signatures`, schema v8: the schemes
///   give the same market rows, and the chain bytes that differ are digested); and paired stopping's
///   `paired_baseline` (schema v9, so earlier digests stay valid).
/// - A column referring to a surrogate key (e.g. `run_metrics.run_id`, `observations.series_id`) is replaced by
///   the referred row's identity: a run's is (scenario_sha256, variant, replication, master_seed); any other
///   row's is its own digested values (recursively), e.g. a series is (its run's identity, name, unit).
/// - Rows: each as the tuple (referred identities first, then the table's primary key columns, then the rest),
///   sorted in SQLite's order (NULL < numbers < text < blob), so rows are ordered by (scenario_sha256, variant,
///   replication) and then their natural keys.
/// - Values are hashed typed and exact: integers as 8 bytes, reals by their IEEE-754 bits, text and blobs with
///   their length.
/// - SQLite sorts and the rows are hashed as they come (one query per table), so the memory used does not grow
///   with the database; a reference to a missing row (written with foreign keys off) is digested as (NULL, id).
extension ResultsStore {
    /// Column names never digested (provenance).
    static let digestExcludedColumns: Set<String> = [
        "code_version", "git_revision", "sqlite_version", "gsl_version", "host", "pid", "error_message",
        // The signature scheme (schema v8): same market rows in both; the chain bytes that differ are digested.
        "signatures",
        // Paired stopping's baseline (schema v9), left out so every digest of an earlier schema stays the same: the
        // stopping row's digested reason, replications and worst_relative_half_width carry the rule's outcome, and
        // a paired rule writes no row for its baseline, so paired and unpaired studies still digest apart.
        "paired_baseline",
    ]

    /// The market's own tables (per study, per radiologist-day, per sample, and the run metrics): what both signature
    /// schemes must store identically (issue 16). The chain's tables, whose bytes and hashes differ between the
    /// schemes, are not among them.
    public static let marketResultTables = ["market_studies", "radiologist_days", "market_samples", "run_metrics"]

    /// `results_digest`: lower-case hex SHA-256 over every result row (see the type's documentation), or over the
    /// rows of `tables` only.
    public func resultsDigest(tables: [String]? = nil) throws -> String {
        try read("cannot compute the results digest") { db in
            var builder = try DigestBuilder(db: db, tables: tables)
            return try builder.digest(run: nil)
        }
    }

    /// The digest of every run's rows, by run id (as ``runDigest(_:)`` gives each, in one pass), or of its rows in
    /// `tables` only.
    public func runDigests(tables: [String]? = nil) throws -> [RunID: String] {
        try read("cannot compute run digests") { db in
            var builder = try DigestBuilder(db: db, tables: tables)
            return Dictionary(
                uniqueKeysWithValues: try builder.digestsByRun().map { (RunID(rawValue: $0.key), $0.value) })
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
                pk.count == 1 && (pk[0]["name"] as String) == "id"
                    && (pk[0]["type"] as String).uppercased() == "INTEGER"
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

/// Builds the results digest inside one read transaction, streaming each table's rows in SQLite's order.
///
/// Every table is read by one query that joins each surrogate reference to the referred row's identity
/// (recursively, `LEFT JOIN`s) and orders by the digested values, so memory does not grow with the table: SQLite
/// sorts (spilling to temporary files when large) and the rows are hashed as the cursor yields them. SQLite's
/// ORDER BY is the documented tuple order (NULL < numbers < text by bytes < blobs by bytes).
struct DigestBuilder {
    let db: Database
    var layouts: [String: TableLayout] = [:]
    var order: [String] = []

    /// - Parameter tables: digest only these tables (all when nil); references still resolve through any table.
    init(db: Database, tables: [String]? = nil) throws {
        self.db = db
        for l in try TableLayout.all(db) {
            layouts[l.name] = l
            if tables?.contains(l.name) ?? true { order.append(l.name) }
        }
    }

    static func included(_ column: String) -> Bool {
        !ResultsStore.digestExcludedColumns.contains(column) && !column.hasSuffix("_at") && !column.hasPrefix("wall_")
    }

    /// One table's digest query: the digested columns' names, the SELECT (the values in digest order, then per
    /// reference the raw id and whether the referred row exists, then the owning run) and where each part is.
    struct Query {
        var columns: [String]
        var sql: String
        /// Per reference column: the positions of its identity values in the row, of its raw id and of its found flag.
        var references: [(identity: Range<Int>, raw: Int, found: Int)]
        var keyed: Range<Int>
        var owner: Int
        /// The owning run as an SQL expression (for WHERE / GROUP BY).
        var ownerExpression: String
        var from: String
    }

    /// A table's digested parts: its references (column, referred table) in column order and its own digested
    /// columns, primary key first.
    func parts(_ layout: TableLayout) -> (references: [(column: String, table: String)], keyed: [String]) {
        let refs = Dictionary(uniqueKeysWithValues: layout.references.map { ($0.column, $0.table) })
        let rest = layout.columns.filter { c in c != layout.surrogate && refs[c] == nil && Self.included(c) }
        let keyed = layout.primaryKey.filter { rest.contains($0) } + rest.filter { !layout.primaryKey.contains($0) }
        return (layout.columns.compactMap { c in refs[c].map { (c, $0) } }, keyed)
    }

    /// Joins the row `column` of `alias` refers to (as a fresh alias) and returns that alias with the referred
    /// row's identity expressions and owning run.
    func join(
        _ column: String, of alias: String, to table: String, _ joins: inout [String], _ next: inout Int
    ) -> (alias: String, values: [String], owner: String) {
        next += 1
        let t = "t\(next)".quotedDatabaseIdentifier
        joins.append(
            "LEFT JOIN \(table.quotedDatabaseIdentifier) AS \(t) ON \(t).\"id\" = \(alias).\(column.quotedDatabaseIdentifier)"
        )
        let inner = identity(table, t, &joins, &next)
        return (t, inner.values, inner.owner)
    }

    static func coalesce(_ owners: [String]) -> String {
        owners.isEmpty ? "NULL" : (owners.count == 1 ? owners[0] : "COALESCE(\(owners.joined(separator: ", ")))")
    }

    /// The identity of a row of surrogate-keyed `table` aliased `alias` (already quoted): SQL expressions for its
    /// values, the joins they need, and the owning run's id expression.
    func identity(_ table: String, _ alias: String, _ joins: inout [String], _ next: inout Int) -> (
        values: [String], owner: String
    ) {
        if table == "runs" {
            return (
                ["scenario_sha256", "variant", "replication", "master_seed"].map {
                    "\(alias).\($0.quotedDatabaseIdentifier)"
                }, "\(alias).\"id\""
            )
        }
        guard let layout = layouts[table] else { return (["NULL"], "NULL") }
        let (references, keyed) = parts(layout)
        var values: [String] = []
        var owners: [String] = []
        for r in references {
            let j = join(r.column, of: alias, to: r.table, &joins, &next)
            values.append(contentsOf: j.values)
            owners.append(j.owner)
        }
        values.append(contentsOf: keyed.map { "\(alias).\($0.quotedDatabaseIdentifier)" })
        return (values, Self.coalesce(owners))
    }

    func query(_ layout: TableLayout) -> Query {
        let (references, keyed) = parts(layout)
        let r = "\"r\""
        var joins: [String] = []
        var next = 0
        var select: [String] = []
        var orderBy: [String] = []
        var positions: [(identity: Range<Int>, raw: Int, found: Int)] = []
        var owners: [String] = []
        var extra: [String] = []
        for ref in references {
            let j = join(ref.column, of: r, to: ref.table, &joins, &next)
            let start = select.count
            select.append(contentsOf: j.values)
            positions.append((start..<select.count, -1, -1))
            let raw = "\(r).\(ref.column.quotedDatabaseIdentifier)"
            // A reference to a missing row is digested as (NULL, raw id): sort by that raw id too.
            orderBy.append(contentsOf: j.values + ["CASE WHEN \(j.alias).\"id\" IS NULL THEN \(raw) END"])
            extra.append(raw)
            extra.append("\(j.alias).\"id\" IS NOT NULL")
            owners.append(j.owner)
        }
        let keyedStart = select.count
        let own = keyed.map { "\(r).\($0.quotedDatabaseIdentifier)" }
        select.append(contentsOf: own)
        orderBy.append(contentsOf: own)
        let keyedRange = keyedStart..<select.count
        for k in positions.indices {
            positions[k].raw = select.count + 2 * k
            positions[k].found = select.count + 2 * k + 1
        }
        select.append(contentsOf: extra)
        let ownerExpression = layout.name == "runs" ? "\(r).\"id\"" : Self.coalesce(owners)
        let owner = select.count
        select.append(ownerExpression)
        let from = "FROM \(layout.name.quotedDatabaseIdentifier) AS \(r) " + joins.joined(separator: " ")
        let sql =
            "SELECT " + select.joined(separator: ", ") + " " + from
            + (orderBy.isEmpty ? "" : " ORDER BY " + orderBy.joined(separator: ", "))
        return Query(
            columns: references.map { "->" + $0.column } + keyed, sql: sql, references: positions, keyed: keyedRange,
            owner: owner, ownerExpression: ownerExpression, from: from)
    }

    /// A row's digested values: per reference its referred row's identity (one NULL for a NULL reference; NULL
    /// and the raw id for a reference to a missing row, as written with foreign keys off), then its own values.
    static func values(_ row: Row, _ q: Query) -> [DatabaseValue] {
        var out: [DatabaseValue] = []
        for r in q.references {
            let raw = row[r.raw] as DatabaseValue
            if raw.isNull {
                out.append(.null)
            } else if (row[r.found] as Bool?) == true {
                for i in r.identity { out.append(row[i] as DatabaseValue) }
            } else {
                out.append(.null)
                out.append(raw)
            }
        }
        for i in q.keyed { out.append(row[i] as DatabaseValue) }
        return out
    }

    static func header(_ name: String, _ columns: [String], count: Int) -> [UInt8] {
        var header = ByteSink()
        header.text(name)
        header.int(Int64(columns.count))
        for c in columns { header.text(c) }
        header.int(Int64(count))
        return header.bytes
    }

    static func rowBytes(_ values: [DatabaseValue]) -> [UInt8] {
        var sink = ByteSink()
        for v in values { sink.value(v) }
        return sink.bytes
    }

    static func hex(_ hasher: SHA256) -> String {
        hasher.finalize().map { b in (b < 16 ? "0" : "") + String(b, radix: 16) }.joined()
    }

    /// The digest of every table, or of one run's rows (the tables that hold rows of runs, restricted to it).
    mutating func digest(run: Int64?) throws -> String {
        var hasher = SHA256()
        for name in order {
            guard let layout = layouts[name] else { continue }
            if run != nil, !(name == "runs" || !layout.references.isEmpty) { continue }
            let q = query(layout)
            let filter = run.map { _ in " WHERE \(q.ownerExpression) = ?" } ?? ""
            let arguments: StatementArguments = run.map { [$0] } ?? []
            let count = try Int.fetchOne(db, sql: "SELECT count(*) " + q.from + filter, arguments: arguments) ?? 0
            hasher.update(data: Self.header(name, q.columns, count: count))
            let sql = filter.isEmpty ? q.sql : q.sql.replacingOccurrences(of: q.from, with: q.from + filter)
            let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
            while let row = try rows.next() { hasher.update(data: Self.rowBytes(Self.values(row, q))) }
        }
        return Self.hex(hasher)
    }

    /// Each run's digest (as ``digest(run:)`` gives it), in one pass over each table.
    mutating func digestsByRun() throws -> [Int64: String] {
        var hashers: [Int64: SHA256] = [:]
        let ids = try Int64.fetchAll(db, sql: "SELECT id FROM runs ORDER BY id")
        for id in ids { hashers[id] = SHA256() }
        for name in order {
            guard let layout = layouts[name], name == "runs" || !layout.references.isEmpty else { continue }
            let q = query(layout)
            var counts: [Int64: Int] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT \(q.ownerExpression), count(*) " + q.from + " GROUP BY 1")
            {
                if let owner = row[0] as Int64? { counts[owner] = row[1] }
            }
            for id in ids { hashers[id]!.update(data: Self.header(name, q.columns, count: counts[id] ?? 0)) }
            let rows = try Row.fetchCursor(db, sql: q.sql)
            while let row = try rows.next() {
                guard let owner = row[q.owner] as Int64?, hashers[owner] != nil else { continue }
                hashers[owner]!.update(data: Self.rowBytes(Self.values(row, q)))
            }
        }
        return hashers.mapValues(Self.hex)
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
