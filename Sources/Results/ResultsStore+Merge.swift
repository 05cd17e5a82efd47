import GRDB

/// What ``ResultsStore/mergeSweepShards(_:allowPartial:)`` did.
public struct MergeReport: Sendable, Equatable {
    /// Finished runs copied.
    public var copied: Int
    /// Finished runs found in more than one input with identical results (copied once).
    public var duplicates: Int
    /// Runs of the sweep's full list that no input had finished (empty unless `allowPartial`).
    public var missing: [SweepRunRow]
    /// Runs of the inputs that were not finished (running, failed, interrupted or incomplete); not copied.
    public var unfinishedSkipped: Int
}

/// Why a merge was refused.
public struct MergeError: Error, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension ResultsStore {
    /// Copies the finished runs of sweep shard databases, with every row that hangs off them, into this (fresh)
    /// database, and the sweep's settings, points and full run list.
    ///
    /// The inputs must come from the same sweep: equal `study_settings` (sweep file hash, seed, detail on or off),
    /// points and full run list. Every finished run must be in the full list; a run finished in two inputs must
    /// have identical results (equal ``runDigest(_:)``). Summaries are not written: the caller recomputes them.
    ///
    /// - Parameters:
    ///   - inputs: Shard database paths; each is opened read-only (an older schema is migrated first).
    ///   - allowPartial: Merge even if some runs of the full list are in no input (listed in the report).
    /// - Throws: ``MergeError`` naming the input and the run for a refused merge; ``ResultsError`` for a database.
    public func mergeSweepShards(_ inputs: [String], allowPartial: Bool) throws -> MergeReport {
        guard !inputs.isEmpty else { throw MergeError("no input databases") }
        let loaded = try Self.loadShards(inputs)
        let first = loaded[0]
        try Self.checkShardsAgree(loaded)
        let expected = Set(first.runs.map(\.key))

        var settings = first.settings
        settings.recordChain = loaded.lazy.compactMap(\.settings.recordChain).first
        try recordStudySettings(settings)
        try recordSweep(points: first.points, runs: first.runs)

        var copiedFrom: [RunKey: (path: String, digest: String)] = [:]
        var report = MergeReport(copied: 0, duplicates: 0, missing: [], unfinishedSkipped: 0)
        for input in loaded {
            var toCopy: [RunID] = []
            for e in input.entries.sorted(by: { $0.key < $1.key }) {
                guard e.status == .finished else {
                    report.unfinishedSkipped += 1
                    continue
                }
                guard expected.contains(e.key) else {
                    throw MergeError("\(input.path): \(e.id), \(e.key), is not part of the sweep's run list")
                }
                let digest = input.digests[e.id] ?? ""
                if let earlier = copiedFrom[e.key] {
                    guard earlier.digest == digest else {
                        throw MergeError(
                            "\(e.key) appears in \(earlier.path) and in \(input.path) (\(e.id)) with different results")
                    }
                    report.duplicates += 1
                    continue
                }
                copiedFrom[e.key] = (input.path, digest)
                toCopy.append(e.id)
            }
            try copyRuns(toCopy, from: input.path)
            report.copied += toCopy.count
        }
        report.missing = first.runs.filter { copiedFrom[$0.key] == nil }
        if !report.missing.isEmpty && !allowPartial {
            let list = report.missing.prefix(5).map { "point \($0.point) \($0.variant) replication \($0.replication)" }
            throw MergeError(
                "\(report.missing.count) of the sweep's \(first.runs.count) runs are finished in no input, e.g. "
                    + list.joined(separator: "; ") + " (--allow-partial merges anyway)")
        }
        return report
    }

    /// Reads the settings, points, runs, run entries and run digests of each shard.
    private static func loadShards(_ inputs: [String]) throws -> [MergeShard] {
        var loaded: [MergeShard] = []
        for path in inputs {
            let store = try ResultsStore(readingOnly: path)
            defer { try? store.close() }
            guard let settings = try store.studySettings(), settings.kind == "sweep" else {
                throw MergeError("\(path) is not a sweep database (no sweep settings recorded)")
            }
            loaded.append(
                MergeShard(
                    path: path, settings: settings, points: try store.sweepPoints(), runs: try store.sweepRuns(),
                    entries: try store.runEntries(), digests: try store.runDigests()))
        }
        return loaded
    }

    /// Every shard must come from the first one's sweep, with its settings, points and run list.
    private static func checkShardsAgree(_ loaded: [MergeShard]) throws {
        let first = loaded[0]
        for other in loaded.dropFirst() {
            guard other.settings.sourceSHA256 == first.settings.sourceSHA256 else {
                throw MergeError(
                    "\(other.path) comes from another sweep (sweep file sha256 \(other.settings.sourceSHA256.prefix(12)), "
                        + "\(first.path) has \(first.settings.sourceSHA256.prefix(12)))")
            }
            // A shard written before schema v6 has no recorded chain setting (nil): it agrees with any.
            var mine = other.settings
            if mine.recordChain == nil || first.settings.recordChain == nil {
                mine.recordChain = first.settings.recordChain
            }
            // Likewise before v8 for the signature scheme (such a shard ran `ed25519`).
            if mine.signatures == nil || first.settings.signatures == nil {
                mine.signatures =
                    (mine.signatures ?? "ed25519") == (first.settings.signatures ?? "ed25519")
                    ? first.settings.signatures : mine.signatures
            }
            guard mine == first.settings else {
                throw MergeError(
                    "\(other.path) and \(first.path) ran the same sweep with different settings (seed "
                        + "\(other.settings.masterSeed) vs \(first.settings.masterSeed), detail rows "
                        + "\(other.settings.recordObservations) vs \(first.settings.recordObservations), chains "
                        + "\(other.settings.recordChain.map(String.init) ?? "not recorded") vs "
                        + "\(first.settings.recordChain.map(String.init) ?? "not recorded"), signatures "
                        + "\(other.settings.signatures ?? "ed25519") vs \(first.settings.signatures ?? "ed25519"))")
            }
            guard other.points == first.points else {
                throw MergeError("\(other.path) and \(first.path) disagree on the sweep's points")
            }
            guard other.runs == first.runs else {
                throw MergeError(
                    "\(other.path) and \(first.path) disagree on the sweep's run list (\(other.runs.count) vs "
                        + "\(first.runs.count) runs: run them with the same --replications)")
            }
        }
    }

    /// Copies runs (and every row referring to them, directly or through another row) from the database at `path`.
    func copyRuns(_ ids: [RunID], from path: String) throws {
        guard !ids.isEmpty else { return }
        do {
            try queue.writeWithoutTransaction { db in
                try db.execute(sql: "ATTACH DATABASE ? AS src", arguments: [path])
                defer { try? db.execute(sql: "DETACH DATABASE src") }
                try db.inTransaction(.immediate) {
                    let layouts = try TableLayout.all(db)
                    guard let runs = layouts.first(where: { $0.name == "runs" }) else {
                        throw ResultsError("no runs table", path: self.path)
                    }
                    for id in ids {
                        let newID = try Self.copyRow(db, runs, where: "id", equals: id.rawValue, replacing: nil)
                        try Self.copyChildren(db, layouts, parent: "runs", old: id.rawValue, new: newID!)
                    }
                    return .commit
                }
            }
        } catch let error as ResultsError {
            throw error
        } catch {
            throw ResultsError("cannot copy runs from \(path)", path: self.path, underlying: error)
        }
    }

    /// Copies the rows of every table that refers to `parent`'s row `old`, pointing them at `new`.
    static func copyChildren(_ db: Database, _ layouts: [TableLayout], parent: String, old: Int64, new: Int64) throws {
        for layout in layouts where layout.name != parent {
            guard let ref = layout.references.first(where: { $0.table == parent }),
                layout.references.first?.column == ref.column
            else { continue }
            if layout.surrogate == nil {
                _ = try copyRow(db, layout, where: ref.column, equals: old, replacing: (ref.column, new))
            } else {
                let children = try Int64.fetchAll(
                    db,
                    sql:
                        "SELECT id FROM src.\(layout.name.quotedDatabaseIdentifier) WHERE \(ref.column.quotedDatabaseIdentifier) = ? ORDER BY id",
                    arguments: [old])
                for child in children {
                    let copied = try copyRow(db, layout, where: "id", equals: child, replacing: (ref.column, new))
                    try copyChildren(db, layouts, parent: layout.name, old: child, new: copied!)
                }
            }
        }
    }

    /// `INSERT INTO main.t SELECT … FROM src.t WHERE column = value`, without the surrogate key and with one
    /// column replaced; returns the new row's id when the table has a surrogate key.
    static func copyRow(
        _ db: Database, _ layout: TableLayout, where column: String, equals value: Int64,
        replacing: (column: String, value: Int64)?
    ) throws -> Int64? {
        let columns = layout.columns.filter { $0 != layout.surrogate }
        let target = columns.map(\.quotedDatabaseIdentifier).joined(separator: ", ")
        let source = columns.map { $0 == replacing?.column ? "?" : $0.quotedDatabaseIdentifier }.joined(separator: ", ")
        var arguments: [any DatabaseValueConvertible] = []
        if let replacing { arguments.append(replacing.value) }
        arguments.append(value)
        try db.execute(
            sql: """
                INSERT INTO main.\(layout.name.quotedDatabaseIdentifier) (\(target))
                SELECT \(source) FROM src.\(layout.name.quotedDatabaseIdentifier) WHERE \(column.quotedDatabaseIdentifier) = ?
                \(layout.withoutRowID ? "" : "ORDER BY rowid")
                """,
            arguments: StatementArguments(arguments.map { $0.databaseValue }))
        return layout.surrogate == nil ? nil : db.lastInsertedRowID
    }
}

/// One shard of a sweep merge, as read.
private struct MergeShard {
    var path: String
    var settings: StudySettings
    var points: [SweepPointRow]
    var runs: [SweepRunRow]
    var entries: [RunEntry]
    var digests: [RunID: String]
}
