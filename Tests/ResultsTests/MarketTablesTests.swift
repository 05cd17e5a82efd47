import Foundation
import GRDB
import MarketModel
import Results
import Testing

/// A small market run's rows: `count` studies (every other one reported), a day, two samples, two blocks.
func sampleDetail(studies count: Int = 250, duplicateKey: Bool = false) -> MarketRunDetail {
    let studies = (0..<count).map { i in
        var s = StudyRecord(
            key: duplicateKey && i == count - 1 ? "ed/0/0" : "ed/0/\(i)", client: "ed",
            clientType: "emergency_department", modality: i % 3 == 0 ? .ct : .xr, urgency: .stat,
            subspecialty: i % 5 == 0 ? "neuro" : nil, arrival: Int64(i) * 1_000_000,
            requiredTurnaround: 3_600_000_000, truthFinding: i % 7 == 0, truthSeverity: i % 7 == 0 ? 2 : nil,
            measured: i > 10)
        s.chainStudyID = UInt64(i + 1)
        s.posted = Int64(i) * 1_000_000 + 10
        s.firstCommitted = Int64(i) * 1_000_000 + 20
        s.assigned = i % 2 == 0 ? Int64(i) * 1_000_000 + 30 : nil
        s.reportCommitted = i % 2 == 0 ? Int64(i) * 1_000_000 + 900 : nil
        s.pricePaid = 1200
        s.radiologistPay = 800
        s.clientFees = 20
        s.radiologist = i % 2 == 0 ? i % 4 : nil
        s.outcome = i % 2 == 0 ? .trueNegative : nil
        s.peerReviewed = i == 4
        s.reviewScore = i == 4 ? .score2a : nil
        s.detected = i == 4 ? true : nil
        s.status = i % 2 == 0 ? .reported : .open
        return s
    }
    return MarketRunDetail(
        studies: studies,
        radiologistDays: [
            RadiologistDayRecord(
                radiologist: 0, cohort: "c", day: 0, hoursOnShift: 8, hoursReading: 5.5, reads: 30, wRVU: 12.5,
                income: 45_000, pace: 1.1, burnout: 0.2, burnedOut: false, active: true, exited: false,
                cutHours: false)
        ],
        samples: [
            MarketSample(
                time: 3_600_000_000, openOrders: 3, inProgress: 2, meanPrice: nil, onShift: 2, utilisation: 0.5,
                activeRadiologists: 2, burnedOut: 0, datasetSize: 2000),
            MarketSample(
                time: 7_200_000_000, openOrders: 1, inProgress: 1, meanPrice: 1234.5, onShift: 2, utilisation: 1,
                activeRadiologists: 2, burnedOut: 1, datasetSize: 2003),
        ],
        blocks: [
            ChainBlockRecord(height: 1, time: 1_000_000, round: 0, transactions: 12, bytes: 4096, failed: 1),
            ChainBlockRecord(height: 2, time: 2_000_000, round: 1, transactions: 0, bytes: 300, failed: 0),
        ],
        chain: ChainRunRow(
            chainDigest: String(repeating: "ab", count: 32), stateRoot: String(repeating: "cd", count: 32),
            submitted: 20, committed: 12, failed: 1, refused: 0, signatureVerifications: 40, signaturesMade: 20,
            events: 9999, blocks: 2, studies: count, studiesReported: (count + 1) / 2, oracleViolations: []))
}

@Suite struct MarketTablesTests {
    /// A run's rows, chain facts, metrics and status land together; every row reads back as written.
    @Test func finishedMarketRunRoundTrips() throws {
        let dir = try TemporaryDirectory()
        let store = try ResultsStore(path: dir.path("market.sqlite"))
        let run = try store.beginRun(sampleProvenance(variant: "posted-price"))
        let detail = sampleDetail()
        let metrics = [
            RunMetric(name: "cost_per_study", value: 12.2, unit: "USD"),
            RunMetric(name: "turnaround_p50_stat", value: .nan, unit: "h"),
        ]
        try store.finishMarketRun(run, detail: detail, metrics: metrics)

        #expect(try store.runs().map(\.status) == [.finished])
        #expect(try store.metrics(run: run) == metrics)
        #expect(
            try store.marketRowCounts(run: run)
                == MarketRowCounts(studies: 250, radiologistDays: 1, samples: 2, blocks: 2, chainRuns: 1))
        #expect(try store.marketStudies(run: run) == detail.studies)
        #expect(try store.chainRun(run: run) == detail.chain)
    }

    /// The declared layouts (one column list per table, from which inserts and read-backs derive) match the
    /// migrated schema, and a table that lost a column is reported by name.
    @Test func layoutsMatchTheSchema() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("layout.sqlite")
        do {
            let store = try ResultsStore(path: path)
            #expect(try store.marketLayoutMismatches() == [])
        }
        let queue = try DatabaseQueue(path: path)
        try queue.write { try $0.execute(sql: "ALTER TABLE market_samples DROP COLUMN dataset_size") }
        let store = try ResultsStore(path: path)
        let found = try store.marketLayoutMismatches()
        #expect(found.count == 1)
        #expect(found.first?.contains("market_samples") == true && found.first?.contains("dataset_size") == true)
    }

    /// Domain terms are stored by their names (the text every earlier file holds), and a name the vocabulary
    /// lacks makes the read fail instead of guessing.
    @Test func domainTermsAreStoredByName() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("terms.sqlite")
        let store = try ResultsStore(path: path)
        let run = try store.beginRun(sampleProvenance())
        try store.finishMarketRun(run, detail: sampleDetail(studies: 6), metrics: [])
        let queue = try DatabaseQueue(path: path)
        let stored = try queue.read { (db: Database) throws in
            try Row.fetchOne(
                db, sql: "SELECT modality, urgency, outcome, review_score, status FROM market_studies WHERE ordinal = 4"
            )
        }
        let row = try #require(stored)
        #expect(row[0] as String == "xr" && row[1] as String == "stat" && row[2] as String == "trueNegative")
        #expect(row[3] as String == "2a" && row[4] as String == "reported")
        try queue.write { (db: Database) throws in
            try db.execute(sql: "UPDATE market_studies SET review_score = '4c' WHERE ordinal = 4")
        }
        try queue.close()
        #expect(throws: ResultsError.self) { try store.marketStudies(run: run) }
    }

    /// A row that breaks a constraint (two studies with one key) rolls the whole run back: no rows, no
    /// metrics, still `running`, so it can be marked failed.
    @Test func aBadRowWritesNothing() throws {
        let dir = try TemporaryDirectory()
        let store = try ResultsStore(path: dir.path("bad.sqlite"))
        let run = try store.beginRun(sampleProvenance())
        #expect(throws: ResultsError.self) {
            try store.finishMarketRun(
                run, detail: sampleDetail(duplicateKey: true), metrics: [RunMetric(name: "x", value: 1)])
        }
        #expect(try store.runs().map(\.status) == [.running])
        #expect(
            try store.marketRowCounts(run: run)
                == MarketRowCounts(studies: 0, radiologistDays: 0, samples: 0, blocks: 0, chainRuns: 0))
        #expect(try store.metrics(run: run).isEmpty)
        try store.finishRun(run, status: .failed, metrics: [], error: "duplicate key")
        #expect(try store.runs().map(\.status) == [.failed])
        // A finished run cannot be finished again.
        #expect(throws: ResultsError.self) { try store.finishMarketRun(run, detail: sampleDetail(), metrics: []) }
    }

    /// Oracle violations are kept one per line; only chain facts when the detail is dropped.
    @Test func chainFactsAloneAndViolations() throws {
        let dir = try TemporaryDirectory()
        let store = try ResultsStore(path: dir.path("chain.sqlite"))
        let run = try store.beginRun(sampleProvenance())
        var chain = sampleDetail().chain
        chain.oracleViolations = ["agreement at height 3", "validity at height 4"]
        try store.finishMarketRun(
            run, detail: MarketRunDetail(studies: [], radiologistDays: [], samples: [], blocks: [], chain: chain),
            metrics: [])
        #expect(try store.chainRun(run: run) == chain)
        #expect(
            try store.marketRowCounts(run: run)
                == MarketRowCounts(studies: 0, radiologistDays: 0, samples: 0, blocks: 0, chainRuns: 1))
    }

    /// A file written before the market tables existed (schema v1) gains them on open, keeping its runs.
    @Test func aVersion1FileIsMigrated() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("v1.sqlite")
        let run = try ResultsStore(path: path).beginRun(sampleProvenance())
        let queue = try DatabaseQueue(path: path)
        try queue.write { (db: Database) throws in
            for table in [
                "market_studies", "radiologist_days", "market_samples", "chain_blocks", "chain_runs", "chain_genesis",
                "chain_block_data", "comparisons", "warmup", "study_settings", "sweep_points", "sweep_runs", "stopping",
            ] {
                try db.execute(sql: "DROP TABLE \(table)")
            }
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier <> 'v1'")
            try db.execute(sql: "PRAGMA user_version = 1")
        }
        try queue.close()
        let store = try ResultsStore(path: path)
        #expect(try store.settings().userVersion == ResultsStore.schemaVersion)
        #expect(try store.runs().map(\.id) == [run])
        try store.finishMarketRun(run, detail: sampleDetail(studies: 3), metrics: [])
        #expect(try store.marketRowCounts(run: run).studies == 3)
    }
}
