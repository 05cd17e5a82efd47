import GRDB
import MarketModel

#if canImport(GRDBSQLite)
    import GRDBSQLite
#else
    import SQLite3
#endif

// The market study's detail tables (schema migration v2; columns in Results/README.md). A run's records are
// MarketModel's own values (`StudyRecord`, `RadiologistDayRecord`, `MarketSample`, `ChainBlockRecord`), stored
// as they are through one column list per table (MarketLayouts.swift); Results knows the market's vocabulary
// and records, nothing of its behaviour. Each domain term is stored by its name.

/// The chain facts of one run (`chain_runs` row).
public struct ChainRunRow: Sendable, Equatable {
    /// SHA-256 over every node's blocks, state roots and the event trace (hex).
    public var chainDigest: String
    /// The final state root (hex).
    public var stateRoot: String
    public var submitted: Int
    public var committed: Int
    /// Committed, but the message failed (fee and nonce still taken).
    public var failed: Int
    /// Refused at admission; never in a block.
    public var refused: Int
    public var signatureVerifications: Int
    public var signaturesMade: Int
    public var events: Int64
    public var blocks: Int
    public var studies: Int
    public var studiesReported: Int
    /// The oracle's findings (agreement, validity, ...); empty when the chain behaved.
    public var oracleViolations: [String]
    /// The scheme the run's signatures were made with; nil in a database written before schema v8 (`ed25519`).
    public var signatures: ChainParameters.Signatures? = nil

    public init(
        chainDigest: String, stateRoot: String, submitted: Int, committed: Int, failed: Int, refused: Int,
        signatureVerifications: Int, signaturesMade: Int, events: Int64, blocks: Int, studies: Int,
        studiesReported: Int, oracleViolations: [String]
    ) {
        self.chainDigest = chainDigest
        self.stateRoot = stateRoot
        self.submitted = submitted
        self.committed = committed
        self.failed = failed
        self.refused = refused
        self.signatureVerifications = signatureVerifications
        self.signaturesMade = signaturesMade
        self.events = events
        self.blocks = blocks
        self.studies = studies
        self.studiesReported = studiesReported
        self.oracleViolations = oracleViolations
    }
}

/// Everything a finished market run stores besides its `run_metrics`.
public struct MarketRunDetail: Sendable, Equatable {
    public var studies: [StudyRecord]
    public var radiologistDays: [RadiologistDayRecord]
    public var samples: [MarketSample]
    public var blocks: [ChainBlockRecord]
    public var chain: ChainRunRow
    /// The run's chain (genesis, blocks, certificates) for replay and audit (`chain_genesis`, `chain_block_data`);
    /// nil keeps none (`--no-chain`).
    public var storedChain: RecordedChain? = nil

    public init(
        studies: [StudyRecord], radiologistDays: [RadiologistDayRecord], samples: [MarketSample],
        blocks: [ChainBlockRecord], chain: ChainRunRow
    ) {
        self.studies = studies
        self.radiologistDays = radiologistDays
        self.samples = samples
        self.blocks = blocks
        self.chain = chain
    }
}

/// Row counts of one run's market tables.
public struct MarketRowCounts: Sendable, Equatable {
    public var studies: Int
    public var radiologistDays: Int
    public var samples: Int
    public var blocks: Int
    public var chainRuns: Int

    public init(studies: Int, radiologistDays: Int, samples: Int, blocks: Int, chainRuns: Int) {
        self.studies = studies
        self.radiologistDays = radiologistDays
        self.samples = samples
        self.blocks = blocks
        self.chainRuns = chainRuns
    }
}

extension ResultsStore {
    /// Records the end of a finished market run: its detail rows, chain facts, metrics and status, in one
    /// transaction, so the run is either `finished` with all of its rows or still `running` with none.
    ///
    /// Rows go through prepared multi-row `INSERT`s bound with the SQLite C API, as ``ObservationWriter``
    /// writes observations.
    ///
    /// - Parameters:
    ///   - id: A run started by ``beginRun(_:)`` and still `running`.
    ///   - detail: The run's rows; pass empty arrays to keep only the chain facts.
    ///   - metrics: The run's scalar metrics; names must be unique.
    /// - Throws: ``ResultsError`` if the run is not `running`, a row violates a constraint (e.g. two studies
    ///   with one key), or on an SQLite error; nothing is written then.
    /// - Complexity: O(r log n) for r rows written into tables of n rows.
    public func finishMarketRun(_ id: RunID, detail: MarketRunDetail, metrics: [RunMetric]) throws {
        let endedAt = Self.wallClockNow()
        try write("cannot write the market detail of \(id)") { db in
            try self.requireOwnRunning(db, id, "it cannot be finished")
            let run = id.rawValue
            try Self.studyLayout.insert(db, path: path, detail.studies) { i, b in
                b.int(run)
                b.int(i)
            }
            try Self.dayLayout.insert(db, path: path, detail.radiologistDays) { _, b in b.int(run) }
            try Self.sampleLayout.insert(db, path: path, detail.samples) { _, b in b.int(run) }
            try Self.blockLayout.insert(db, path: path, detail.blocks) { _, b in b.int(run) }
            let c = detail.chain
            try db.execute(
                sql: """
                    INSERT INTO chain_runs (run_id, chain_digest, state_root, tx_submitted, tx_committed, tx_failed,
                        tx_refused, signature_verifications, signatures_made, events, blocks, studies,
                        studies_reported, oracle_violations, oracle_violation_text, signatures)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    run, c.chainDigest, c.stateRoot, c.submitted, c.committed, c.failed, c.refused,
                    c.signatureVerifications, c.signaturesMade, c.events, c.blocks, c.studies, c.studiesReported,
                    c.oracleViolations.count,
                    c.oracleViolations.isEmpty ? nil : c.oracleViolations.joined(separator: "\n"),
                    c.signatures?.rawValue,
                ])
            if let stored = detail.storedChain { try Self.insertChain(db, run: run, stored) }
            try Self.recordEnd(db, id, status: .finished, metrics: metrics, error: nil, endedAt: endedAt)
        }
    }

    // MARK: Reading

    /// Row counts of one run's market tables.
    public func marketRowCounts(run: RunID) throws -> MarketRowCounts {
        try read("cannot count the market rows of \(run)") { db in
            func count(_ table: String) throws -> Int {
                try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table) WHERE run_id = ?", arguments: [run.rawValue])
                    ?? 0
            }
            return MarketRowCounts(
                studies: try count("market_studies"), radiologistDays: try count("radiologist_days"),
                samples: try count("market_samples"), blocks: try count("chain_blocks"),
                chainRuns: try count("chain_runs"))
        }
    }

    /// The chain facts of one run, or nil when it has none (not a market run, or not finished).
    public func chainRun(run: RunID) throws -> ChainRunRow? {
        try read("cannot read the chain facts of \(run)") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM chain_runs WHERE run_id = ?", arguments: [run.rawValue]).map {
                var row = ChainRunRow(
                    chainDigest: $0["chain_digest"], stateRoot: $0["state_root"], submitted: $0["tx_submitted"],
                    committed: $0["tx_committed"], failed: $0["tx_failed"], refused: $0["tx_refused"],
                    signatureVerifications: $0["signature_verifications"], signaturesMade: $0["signatures_made"],
                    events: $0["events"], blocks: $0["blocks"], studies: $0["studies"],
                    studiesReported: $0["studies_reported"],
                    oracleViolations: ($0["oracle_violation_text"] as String?).map {
                        $0.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                    } ?? [])
                row.signatures = ($0["signatures"] as String?).flatMap(ChainParameters.Signatures.init(rawValue:))
                return row
            }
        }
    }

    /// The studies of one run, in arrival order.
    public func marketStudies(run: RunID) throws -> [StudyRecord] {
        try read("cannot read the studies of \(run)") { db in
            try Self.studyLayout.fetchAll(
                db, path: path, "WHERE run_id = ? ORDER BY ordinal", arguments: [run.rawValue])
        }
    }
}
