import Foundation
import GRDB
import MarketModel
import Results
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

@Suite struct AbandonedRunTests {
    @Test func deadProcessRunIsMarkedIncompleteOnReopenLiveOneStaysRunning() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("abandoned.sqlite")
        let store = try ResultsStore(path: path)
        let dead = try store.beginRun(sampleProvenance(replication: 0))
        let alive = try store.beginRun(sampleProvenance(replication: 1))
        let elsewhere = try store.beginRun(sampleProvenance(replication: 2))
        let done = try store.beginRun(sampleProvenance(replication: 3))
        try store.finishRun(done, status: .finished, metrics: [], error: nil)
        let writer = try store.observationWriter(run: dead)
        let wait = try writer.series("wait", unit: "s")
        for i in 0..<1_000 { try writer.record(wait, time: Int64(i), value: 1) }
        try writer.flush()
        try store.close()

        // Simulate the crash: the 'dead' run now belongs to a process that has exited; the 'elsewhere' run to a
        // dead pid on another host, which this host cannot check and must leave alone.
        let gone = try deadPID()
        try DatabaseQueue(path: path).write { (db: Database) throws in
            try db.execute(
                sql: "UPDATE runs SET pid = ? WHERE id IN (?, ?)", arguments: [gone, dead.rawValue, elsewhere.rawValue])
            try db.execute(
                sql: "UPDATE runs SET host = 'some-other-host' WHERE id = ?", arguments: [elsewhere.rawValue])
        }

        let reopened = try ResultsStore(path: path)
        let runs = try reopened.runs()
        #expect(runs.map(\.status) == [.incomplete, .running, .running, .finished])
        #expect(runs[0].errorMessage?.contains("process \(gone)") == true)
        #expect(runs[0].endedAt == nil)
        #expect(try reopened.observationCount(run: dead) == 1_000)
        #expect(try reopened.markAbandonedRunsIncomplete() == 0)
        #expect(runs[1].id == alive)

        // An incomplete run can be neither written to nor finished.
        #expect(throws: ResultsError.self) { try reopened.observationWriter(run: dead) }
        #expect(throws: ResultsError.self) { try reopened.finishRun(dead, status: .finished, metrics: [], error: nil) }
    }
}

/// Environment variable naming the database a crash child writes to.
private let crashChildVariable = "READCHAIN_RESULTS_CRASH_CHILD"

@Suite struct ChildCrashTests {
    /// The parent: runs this test binary again as a child that writes and then kills itself with SIGKILL.
    @Test(.enabled(if: ProcessInfo.processInfo.environment[crashChildVariable] == nil))
    func killedWriterLeavesIncompleteRunWithOnlyCommittedBatches() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("crash.sqlite")
        let child = Process()
        child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        child.arguments = ChildLaunch.arguments(filter: "crashChildWritesThenDies")
        var environment = ProcessInfo.processInfo.environment
        environment[crashChildVariable] = path
        child.environment = environment
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        try child.run()
        child.waitUntilExit()
        #expect(child.terminationReason == .uncaughtSignal)
        #expect(child.terminationStatus == SIGKILL)

        let store = try ResultsStore(path: path)
        let runs = try store.runs()
        #expect(runs.count == 1)
        #expect(runs.first?.status == .incomplete)
        #expect(runs.first?.pid == Int64(child.processIdentifier))
        // Two batches of 50,000 were committed; the 20,001 buffered rows died with the process.
        if let run = runs.first {
            #expect(try store.observationCount(run: run.id) == 100_000)
        }
    }

    /// The child half: only enabled inside the child process started above.
    @Test(.enabled(if: ProcessInfo.processInfo.environment[crashChildVariable] != nil))
    func crashChildWritesThenDies() throws {
        guard let path = ProcessInfo.processInfo.environment[crashChildVariable] else { return }
        let store = try ResultsStore(path: path)
        let run = try store.beginRun(sampleProvenance())
        let writer = try store.observationWriter(run: run, batchSize: 50_000)
        let wait = try writer.series("wait", unit: "s")
        for i in 0..<120_001 { try writer.record(wait, time: Int64(i), value: Double(i)) }
        kill(getpid(), SIGKILL)
    }
}

/// How to ask this test binary to run a single Swift Testing test.
enum ChildLaunch {
    static func arguments(filter: String) -> [String] {
        #if os(Linux)
            // `swift test` runs the `.xctest` executable with `--testing-library swift-testing` on Linux.
            return ["--testing-library", "swift-testing", "--filter", filter]
        #else
            return ["--filter", filter]
        #endif
    }
}

@Suite struct ReadOnlyStoreTests {
    /// A file's bytes (the main database file; the writer's close has checkpointed the WAL into it).
    static func fileDigest(_ path: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: path))
    }

    @Test func readingOnlyChangesNothingAndRefusesWrites() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("readonly.sqlite")
        let store = try ResultsStore(path: path)
        let dead = try store.beginRun(sampleProvenance(replication: 0))
        let done = try store.beginRun(sampleProvenance(replication: 1))
        try store.finishRun(done, status: .finished, metrics: [], error: nil)
        try store.close()
        let gone = try deadPID()
        try DatabaseQueue(path: path).write { (db: Database) throws in
            try db.execute(sql: "UPDATE runs SET pid = ? WHERE id = ?", arguments: [gone, dead.rawValue])
        }
        let before = try Self.fileDigest(path)

        let reader = try ResultsStore(readingOnly: path)
        // A reader leaves a dead process's run as it found it (a writer would mark it incomplete).
        #expect(try reader.runs().map(\.status) == [.running, .finished])
        #expect(throws: ResultsError.self) { try reader.beginRun(sampleProvenance(replication: 2)) }
        #expect(throws: ResultsError.self) { try reader.markAbandonedRunsIncomplete() }
        try reader.close()
        #expect(try Self.fileDigest(path) == before)
        #expect(try ResultsStore(path: path).runs().map(\.status) == [.incomplete, .finished])
    }

    /// An older file is migrated (schema only) and read; its dead process's run is not marked.
    @Test func readingOnlyMigratesAnOlderSchemaWithoutMarkingRuns() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("v5.sqlite")
        let store = try ResultsStore(path: path)
        let dead = try store.beginRun(sampleProvenance(replication: 0))
        try store.close()
        let gone = try deadPID()
        // Back to schema v5: the v6-v10 columns and migration records gone, as an older build left the file.
        try DatabaseQueue(path: path).writeWithoutTransaction { db in
            try db.execute(sql: "ALTER TABLE study_settings DROP COLUMN signatures")
            try db.execute(sql: "ALTER TABLE chain_runs DROP COLUMN signatures")
            try db.execute(sql: "ALTER TABLE study_settings DROP COLUMN record_chain")
            try db.execute(sql: "ALTER TABLE market_studies DROP COLUMN closed_ticks")
            try db.execute(sql: "ALTER TABLE stopping DROP COLUMN paired_baseline")
            for column in ["ai_finding", "structured_report", "follow_up_appropriate"] {
                try db.execute(sql: "ALTER TABLE market_studies DROP COLUMN \(column)")
            }
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier IN ('v6', 'v7', 'v8', 'v9', 'v10')")
            try db.execute(sql: "PRAGMA user_version = 5")
            try db.execute(sql: "UPDATE runs SET pid = ? WHERE id = ?", arguments: [gone, dead.rawValue])
        }
        let reader = try ResultsStore(readingOnly: path)
        #expect(try reader.runs().map(\.status) == [.running])
        #expect(try reader.studySettings() == nil)
        try reader.close()
        let version = try DatabaseQueue(path: path).read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") }
        #expect(version == ResultsStore.schemaVersion)
    }

    /// After another process took a run over (same id, another host or pid), this process may not write it.
    @Test func aRunTakenOverCannotBeWrittenByItsFormerProcess() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("taken.sqlite")
        let store = try ResultsStore(path: path)
        let id = try store.beginRun(sampleProvenance(replication: 0))
        try DatabaseQueue(path: path).write { (db: Database) throws in
            try db.execute(sql: "UPDATE runs SET host = 'node-2', pid = 77 WHERE id = ?", arguments: [id.rawValue])
        }
        let error = #expect(throws: ResultsError.self) {
            try store.appendChainBlocks(
                run: id, RecordedChainChunk(blocks: [RecordedChainBlock(height: 1, block: [1], certificate: [2])]))
        }
        #expect(error?.message.contains("taken over") == true)
        #expect(throws: ResultsError.self) { try store.finishRun(id, status: .finished, metrics: [], error: nil) }
        try store.close()
    }

    /// Rows referring to missing runs (written with foreign keys off) digest as (NULL, raw id), in raw id order
    /// whatever order they were inserted in.
    @Test func danglingReferencesDigestInAFixedOrder() throws {
        let dir = try TemporaryDirectory()
        func database(_ name: String, ids: [Int64]) throws -> String {
            let path = dir.path(name)
            let store = try ResultsStore(path: path)
            try store.close()
            let queue = try DatabaseQueue(path: path)
            try queue.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA foreign_keys = OFF")
                for id in ids {
                    try db.execute(
                        sql: "INSERT INTO run_metrics (run_id, name, unit, value) VALUES (?, 'm', 'u', 1.0)",
                        arguments: [id])
                }
            }
            try queue.close()
            return try ResultsStore(readingOnly: path).resultsDigest()
        }
        let a = try database("a.sqlite", ids: [901, 902, 903])
        let b = try database("b.sqlite", ids: [903, 901, 902])
        let c = try database("c.sqlite", ids: [901, 902, 904])
        #expect(a == b)
        #expect(a != c)
    }

    @Test func readingOnlyRefusesWhatIsNotAResultsDatabase() throws {
        let dir = try TemporaryDirectory()
        #expect(throws: ResultsError.self) { try ResultsStore(readingOnly: dir.path("missing.sqlite")) }
        #expect(!FileManager.default.fileExists(atPath: dir.path("missing.sqlite")))
        let empty = dir.path("empty.sqlite")
        #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
        let error = #expect(throws: ResultsError.self) { try ResultsStore(readingOnly: empty) }
        #expect(error?.message.contains("empty") == true)
        #expect(try Data(contentsOf: URL(fileURLWithPath: empty)).isEmpty)
        let text = dir.path("text.sqlite")
        #expect(FileManager.default.createFile(atPath: text, contents: Data(repeating: 0x41, count: 4096)))
        #expect(throws: ResultsError.self) { try ResultsStore(readingOnly: text) }
        let foreign = dir.path("foreign.sqlite")
        try DatabaseQueue(path: foreign).write { db in try db.execute(sql: "CREATE TABLE t(x)") }
        let foreignError = #expect(throws: ResultsError.self) { try ResultsStore(readingOnly: foreign) }
        #expect(foreignError?.message.contains("not a ReadChain results database") == true)
    }
}
