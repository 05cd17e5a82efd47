import Foundation
import GRDB

/// A table `readchain export` writes: tidy rows, one observation per row, ready for pandas or R.
public enum ExportTable: String, CaseIterable, Sendable {
    /// One row per run: its identity (design, sweep point, replication, seed, status), horizon and warm-up in
    /// hours, every sweep parameter as a numeric column, and every run metric as a column.
    case runs
    /// One row per study of every market run (`market_studies`).
    case studies
    /// One row per radiologist-day of every market run (`radiologist_days`).
    case days
    /// One row per hourly market sample of every market run (`market_samples`).
    case samples
}

/// One cell of an export: a number, a text, or nothing (SQL NULL, an undefined metric).
public enum ExportValue: Equatable, Sendable {
    case integer(Int64)
    case real(Double)
    case text(String)
    case null

    /// The CSV field: integers exact, reals in Swift's shortest round-trip form, NaN and NULL empty, text quoted
    /// when it holds a comma, a quote or a line break.
    public var csvField: String {
        switch self {
        case .integer(let i): return String(i)
        case .real(let x): return x.isNaN ? "" : x.isInfinite ? (x > 0 ? "inf" : "-inf") : "\(x)"
        case .text(let s):
            return s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        case .null: return ""
        }
    }
}

/// Rows of an export: the header, then the values.
public struct ExportRows: Sendable {
    public var header: [String]
    public var rows: [[ExportValue]]

    /// RFC 4180 CSV (`\n` line ends), header first.
    public var csv: String {
        var out = header.map { ExportValue.text($0).csvField }.joined(separator: ",") + "\n"
        for row in rows { out += row.map(\.csvField).joined(separator: ",") + "\n" }
        return out
    }
}

extension ResultsStore {
    /// Ticks per hour (1 tick = 1 µs, `SimTime`).
    static let exportTicksPerHour = 3_600_000_000.0

    /// The rows of `table`, in run order and then the table's natural key. Every `*_ticks` column becomes
    /// `*_h` in hours; every row starts with the run's identity: `run_id`, `design`, `point` (the sweep point, empty
    /// outside a sweep), `replication`.
    public func export(_ table: ExportTable) throws -> ExportRows {
        try read("cannot export \(table.rawValue)") { db in
            let identity = try Self.runIdentities(db)
            switch table {
            case .runs: return try Self.exportRuns(db, identity)
            case .studies: return try Self.exportDetail(db, "market_studies", key: "study_key", identity)
            case .days: return try Self.exportDetail(db, "radiologist_days", key: "radiologist, day", identity)
            case .samples: return try Self.exportDetail(db, "market_samples", key: "time_ticks", identity)
            }
        }
    }

    /// Per run id: design (the variant without a sweep's `p<i>/` prefix), sweep point, replication.
    struct RunIdentity {
        var design: ExportValue
        var point: ExportValue
        var replication: Int64
    }

    static func runIdentities(_ db: Database) throws -> [Int64: RunIdentity] {
        var pointOf: [String: Int64] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT DISTINCT scenario_sha256, point FROM sweep_points") {
            pointOf[row["scenario_sha256"]] = row["point"]
        }
        var out: [Int64: RunIdentity] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT id, variant, scenario_sha256, replication FROM runs") {
            let variant: String? = row["variant"]
            let point = pointOf[row["scenario_sha256"] as String]
            var design = variant
            if let v = variant, point != nil, v.hasPrefix("p") {
                let rest = v.drop { $0 != "/" }
                design = rest.isEmpty ? nil : String(rest.dropFirst())
            }
            out[row["id"]] = RunIdentity(
                design: design.map(ExportValue.text) ?? .null, point: point.map(ExportValue.integer) ?? .null,
                replication: row["replication"])
        }
        return out
    }

    static func exportRuns(_ db: Database, _ identity: [Int64: RunIdentity]) throws -> ExportRows {
        // Sweep parameters: per point, each parameter's value without its unit text, in the sweep's order.
        var parameters: [String] = []
        var valueAt: [Int64: [String: ExportValue]] = [:]
        for row in try Row.fetchAll(
            db, sql: "SELECT point, parameter, value FROM sweep_points ORDER BY position, point")
        {
            let name: String = row["parameter"]
            if !parameters.contains(name) { parameters.append(name) }
            valueAt[row["point"], default: [:]][name] = leadingNumber(row["value"])
        }
        let metrics = try String.fetchAll(db, sql: "SELECT DISTINCT name FROM run_metrics ORDER BY name")
        var metricValue: [Int64: [String: ExportValue]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT run_id, name, value FROM run_metrics") {
            let v: Double? = row["value"]
            metricValue[row["run_id"], default: [:]][row["name"]] = v.map(ExportValue.real) ?? .null
        }
        var result = ExportRows(
            header: [
                "run_id", "scenario", "kind", "design", "point", "variant", "replication", "seed", "status",
                "horizon_h", "warmup_h",
            ] + parameters + metrics, rows: [])
        let sql = """
            SELECT id, scenario_name, scenario_kind, variant, replication, master_seed, status, sim_horizon_ticks,
                warmup_ticks FROM runs ORDER BY id
            """
        for row in try Row.fetchAll(db, sql: sql) {
            let id: Int64 = row["id"]
            let who = identity[id]
            let variant: String? = row["variant"]
            var cells: [ExportValue] = [
                .integer(id), .text(row["scenario_name"]), .text(row["scenario_kind"]), who?.design ?? .null,
                who?.point ?? .null, variant.map(ExportValue.text) ?? .null, .integer(row["replication"]),
                .text(row["master_seed"]), .text(row["status"]),
                .real(Double(row["sim_horizon_ticks"] as Int64) / exportTicksPerHour),
                .real(Double(row["warmup_ticks"] as Int64) / exportTicksPerHour),
            ]
            let point: Int64? = if case .integer(let p) = who?.point { p } else { nil }
            cells += parameters.map { name in point.flatMap { valueAt[$0]?[name] } ?? .null }
            cells += metrics.map { metricValue[id]?[$0] ?? .null }
            result.rows.append(cells)
        }
        return result
    }

    /// A detail table's rows with the run's identity first and ticks as hours.
    static func exportDetail(_ db: Database, _ table: String, key: String, _ identity: [Int64: RunIdentity]) throws
        -> ExportRows
    {
        let columns = try db.columns(in: table).map(\.name).filter { $0 != "run_id" }
        let header =
            ["run_id", "design", "point", "replication"]
            + columns.map { $0.hasSuffix("_ticks") ? String($0.dropLast("_ticks".count)) + "_h" : $0 }
        var result = ExportRows(header: header, rows: [])
        let sql = "SELECT run_id, \(columns.joined(separator: ", ")) FROM \(table) ORDER BY run_id, \(key)"
        let cursor = try Row.fetchCursor(db, sql: sql)
        while let row = try cursor.next() {
            let run: Int64 = row["run_id"]
            let who = identity[run]
            var cells: [ExportValue] = [
                .integer(run), who?.design ?? .null, who?.point ?? .null, who.map { .integer($0.replication) } ?? .null,
            ]
            for (i, name) in columns.enumerated() {
                let value = row[i + 1] as DatabaseValue
                switch value.storage {
                case .int64(let v):
                    cells.append(name.hasSuffix("_ticks") ? .real(Double(v) / exportTicksPerHour) : .integer(v))
                case .double(let v): cells.append(.real(v))
                case .string(let s): cells.append(.text(s))
                case .blob, .null: cells.append(.null)
                }
            }
            result.rows.append(cells)
        }
        return result
    }

    /// The number a stored sweep value starts with (`48 /d` → 48, `10 %` → 10, `0.5` → 0.5), as an integer when
    /// it has no fraction; the text itself when it does not start with one.
    static func leadingNumber(_ text: String) -> ExportValue {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        var end = trimmed.startIndex
        var seenDigit = false
        for (i, c) in zip(trimmed.indices, trimmed) {
            let previous = i == trimmed.startIndex ? nil : trimmed[trimmed.index(before: i)]
            let sign = (c == "-" || c == "+") && (previous == nil || previous == "e" || previous == "E")
            guard c.isASCII, c.isNumber || c == "." || sign || ((c == "e" || c == "E") && seenDigit) else { break }
            if c.isNumber { seenDigit = true }
            end = trimmed.index(after: i)
        }
        let number = String(trimmed[..<end])
        guard seenDigit, let x = Double(number) else { return .text(text) }
        if let i = Int64(number) { return .integer(i) }
        return .real(x)
    }
}
