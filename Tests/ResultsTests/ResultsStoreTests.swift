import Foundation
import GRDB
import MarketModel
import Results
import Stochastic
import Testing

@Suite struct SchemaTests {
    @Test func freshFileGetsCurrentSchemaWALAndIdentity() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("fresh.sqlite")
        let store = try ResultsStore(path: path)
        try store.close()

        let queue = try DatabaseQueue(path: path)
        try queue.read { (db: Database) throws in
            #expect(try Int.fetchOne(db, sql: "PRAGMA user_version") == ResultsStore.schemaVersion)
            #expect(try Int32.fetchOne(db, sql: "PRAGMA application_id") == ResultsStore.applicationID)
            #expect(try String.fetchOne(db, sql: "PRAGMA journal_mode") == "wal")
            #expect(
                try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") == [
                    "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10",
                ])
            for table in [
                "runs", "run_metrics", "series", "observations", "summaries", "market_studies", "radiologist_days",
                "market_samples", "chain_blocks", "chain_runs", "chain_genesis", "chain_block_data",
            ] {
                #expect(try db.tableExists(table), "missing table \(table)")
            }
            #expect(try db.indexes(on: "observations").map(\.name) == ["observations_by_series_time"])
        }
        #expect(ResultsStore.schemaVersion == 10)
    }

    @Test func reopeningKeepsDataAndVersion() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("reopen.sqlite")
        let id = try ResultsStore(path: path).beginRun(sampleProvenance())
        let store = try ResultsStore(path: path)
        #expect(try store.runs().map(\.id) == [id])
        #expect(store.sqliteVersion.hasPrefix("3."))
    }

    @Test func connectionPragmas() throws {
        let dir = try TemporaryDirectory()
        let store = try ResultsStore(path: dir.path("pragmas.sqlite"))
        let settings = try store.settings()
        #expect(settings.journalMode == "wal")
        #expect(settings.synchronous == 1)  // NORMAL
        #expect(settings.foreignKeys)
        #expect(settings.applicationID == ResultsStore.applicationID)
        #expect(settings.userVersion == ResultsStore.schemaVersion)
    }
}

@Suite struct RefusalTests {
    @Test func garbageFileIsRefusedClearlyAndLeftUntouched() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("garbage.sqlite")
        var generator = SplitMix64(seed: 7)
        let bytes = Data((0..<8192).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
        try bytes.write(to: URL(fileURLWithPath: path))

        let error = #expect(throws: ResultsError.self) { try ResultsStore(path: path) }
        #expect(error?.description.contains("not a ReadChain results database: \(path)") == true)
        #expect(error?.sqliteCode == 26)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == bytes)
    }

    @Test func shortTextFileIsRefused() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("notes.sqlite")
        try Data("these are not the rows you are looking for\n".utf8).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: ResultsError.self) { try ResultsStore(path: path) }
        #expect(error?.description.contains("not a ReadChain results database: \(path)") == true)
    }

    @Test func foreignSQLiteDatabaseIsRefusedAndLeftUntouched() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("foreign.sqlite")
        do {
            let queue = try DatabaseQueue(path: path)
            try queue.write { (db: Database) throws in
                try db.execute(sql: "CREATE TABLE runs (id INTEGER PRIMARY KEY, name TEXT)")
                try db.execute(sql: "INSERT INTO runs (name) VALUES ('theirs')")
            }
        }
        let error = #expect(throws: ResultsError.self) { try ResultsStore(path: path) }
        #expect(error?.description.hasPrefix("not a ReadChain results database: \(path)") == true)

        let queue = try DatabaseQueue(path: path)
        try queue.read { (db: Database) throws in
            #expect(try String.fetchOne(db, sql: "PRAGMA journal_mode") == "delete")
            #expect(try String.fetchAll(db, sql: "SELECT name FROM runs") == ["theirs"])
            #expect(try !db.tableExists("grdb_migrations"))
        }
    }

    @Test func foreignApplicationIDIsRefused() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("other-app.sqlite")
        do {
            let queue = try DatabaseQueue(path: path)
            try queue.write { (db: Database) throws in try db.execute(sql: "PRAGMA application_id = 12345") }
        }
        let error = #expect(throws: ResultsError.self) { try ResultsStore(path: path) }
        #expect(error?.description.contains("application_id 12345") == true)
    }

    @Test func newerSchemaIsRefused() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("newer.sqlite")
        try ResultsStore(path: path).close()
        do {
            let queue = try DatabaseQueue(path: path)
            try queue.write { (db: Database) throws in try db.execute(sql: "PRAGMA user_version = 99") }
        }
        let error = #expect(throws: ResultsError.self) { try ResultsStore(path: path) }
        #expect(error?.description.contains("schema version 99") == true)
    }

    @Test func missingDirectoryIsACleanError() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("no/such/dir/results.sqlite")
        let error = #expect(throws: ResultsError.self) { try ResultsStore(path: path) }
        #expect(error?.description.contains(path) == true)
        #expect(error?.sqliteCode != nil)
    }
}

@Suite struct RunTests {
    @Test(arguments: [UInt64(0), 42, UInt64(Int64.max), UInt64(Int64.max) + 1, UInt64.max])
    func provenanceRoundTrips(seed: UInt64) throws {
        let dir = try TemporaryDirectory()
        let store = try ResultsStore(path: dir.path("provenance.sqlite"))
        let plain = sampleProvenance(seed: seed, replication: 3)
        let designed = sampleProvenance(seed: seed, replication: 4, variant: "posted-price")
        let first = try store.beginRun(plain)
        let second = try store.beginRun(designed)

        let runs = try store.runs()
        #expect(runs.map(\.id) == [first, second])
        #expect(runs.map(\.provenance) == [plain, designed])
        for run in runs {
            #expect(run.status == .running)
            #expect(run.pid == Int64(ProcessInfo.processInfo.processIdentifier))
            #expect(run.host == store.host)
            #expect(run.sqliteVersion == store.sqliteVersion)
            #expect(run.startedAt.hasSuffix("Z") && run.startedAt.contains("T"))
            #expect(run.endedAt == nil)
        }
        let stored = try DatabaseQueue(path: store.path).read { (db: Database) throws in
            try String.fetchOne(db, sql: "SELECT master_seed FROM runs WHERE id = ?", arguments: [first.rawValue])
        }
        #expect(stored == String(seed))
    }

    @Test func sha256HexMatchesKnownVector() {
        #expect(
            RunProvenance.sha256Hex("abc")
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(RunProvenance.sha256Hex("").count == 64)
    }

    @Test func constraintsRejectBadProvenance() throws {
        let dir = try TemporaryDirectory()
        let store = try ResultsStore(path: dir.path("constraints.sqlite"))
        var badHash = sampleProvenance()
        badHash.scenarioSHA256 = "abc"
        var badWarmup = sampleProvenance()
        badWarmup.warmupTicks = badWarmup.horizonTicks + 1
        var badReplication = sampleProvenance()
        badReplication.replication = -1
        for bad in [badHash, badWarmup, badReplication] {
            let error = #expect(throws: ResultsError.self) { try store.beginRun(bad) }
            #expect(error?.sqliteCode.map { $0 & 0xFF } == 19)  // SQLITE_CONSTRAINT
        }
        #expect(try store.runs().isEmpty)
    }

    @Test func finishRunSetsStatusMetricsAndEnd() throws {
        let dir = try TemporaryDirectory()
        let store = try ResultsStore(path: dir.path("finish.sqlite"))
        let id = try store.beginRun(sampleProvenance())
        let other = try store.beginRun(sampleProvenance(replication: 1))
        let metrics = [
            RunMetric(name: "mean_wait", value: 1.25, ciLow: 1.1, ciHigh: 1.4, unit: "s"),
            RunMetric(name: "utilisation", value: 0.8),
            RunMetric(name: "undefined_ratio", value: .nan, unit: "1"),
        ]
        try store.finishRun(id, status: .finished, metrics: metrics, error: nil)
        try store.finishRun(other, status: .failed, metrics: [], error: "GSL error 1: input domain error")

        let runs = try store.runs()
        #expect(runs.map(\.status) == [.finished, .failed])
        #expect(runs[0].endedAt != nil && runs[0].errorMessage == nil)
        #expect(runs[1].errorMessage == "GSL error 1: input domain error")
        #expect(try store.metrics(run: id) == metrics.sorted { $0.name < $1.name })
        #expect(try store.metrics(run: other).isEmpty)
    }

    @Test func finishRunIsAllOrNothingAndOnlyOnce() throws {
        let dir = try TemporaryDirectory()
        let store = try ResultsStore(path: dir.path("finish-once.sqlite"))
        let id = try store.beginRun(sampleProvenance())
        // Duplicate metric names violate the primary key: nothing may be written, the run stays running.
        let duplicate = [RunMetric(name: "x", value: 1), RunMetric(name: "x", value: 2)]
        #expect(throws: ResultsError.self) {
            try store.finishRun(id, status: .finished, metrics: duplicate, error: nil)
        }
        #expect(try store.runs()[0].status == .running)
        #expect(try store.metrics(run: id).isEmpty)

        #expect(throws: ResultsError.self) { try store.finishRun(id, status: .running, metrics: [], error: nil) }
        try store.finishRun(id, status: .interrupted, metrics: [], error: "SIGINT")
        #expect(throws: ResultsError.self) { try store.finishRun(id, status: .finished, metrics: [], error: nil) }
        #expect(throws: ResultsError.self) {
            try store.finishRun(RunID(rawValue: 999), status: .finished, metrics: [], error: nil)
        }
        #expect(try store.runs()[0].status == .interrupted)
    }
}

@Suite struct SummaryTests {
    @Test func summariesRoundTripAndReplace() throws {
        let dir = try TemporaryDirectory()
        let store = try ResultsStore(path: dir.path("summaries.sqlite"))
        let sha = RunProvenance.sha256Hex("scenario")
        let rows = [
            SummaryRow(
                scenarioSHA256: sha, variant: nil, metric: "mean_wait", n: 30, mean: 1.5, stddev: 0.2,
                ciLow: 1.42, ciHigh: 1.58, confidence: 0.95, unit: "s"),
            SummaryRow(
                scenarioSHA256: sha, variant: "auction", metric: "mean_wait", n: 1, mean: 2.0, stddev: .nan,
                ciLow: nil, ciHigh: nil, confidence: 0.95),
        ]
        try store.writeSummaries(rows)
        #expect(try store.summaries(scenarioSHA256: sha) == rows)

        var replaced = rows[0]
        replaced.n = 40
        replaced.mean = 1.45
        try store.writeSummaries([replaced])
        #expect(try store.summaries(scenarioSHA256: sha) == [replaced, rows[1]])
        #expect(try store.summaries(scenarioSHA256: RunProvenance.sha256Hex("other")).isEmpty)
    }
}
