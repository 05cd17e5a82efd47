import GRDB
import MarketModel

#if canImport(GRDBSQLite)
    import GRDBSQLite
#else
    import SQLite3
#endif

// The market study's detail tables (schema migration v2; columns in Results/README.md). The row types are plain
// values that mirror the tables; Studies converts the Market module's records into them, so Results does
// not depend on the market's behaviour, only on its vocabulary (MarketModel: each term is stored by its name).

/// One study of one market run (`market_studies` row). Times are ticks since the run's start; nil when the step
/// never happened. Money is in minor units of the scenario's currency.
public struct MarketStudyRow: Sendable, Equatable {
    /// The client-side key `client/source/sequence`, the same study in every design of a replication.
    public var key: String
    /// Position in the run's record list (arrival order).
    public var ordinal: Int
    public var client: String
    public var clientType: String
    public var modality: Modality
    public var urgency: Urgency
    public var subspecialty: String?
    public var chainStudyID: Int64?
    public var arrival: Int64
    public var posted: Int64?
    public var firstCommitted: Int64?
    public var assigned: Int64?
    public var readStart: Int64?
    public var readEnd: Int64?
    public var reportCommitted: Int64?
    public var settled: Int64?
    public var requiredTurnaround: Int64
    public var turnaround: Int64?
    public var pricePaid: Int64
    public var radiologistPay: Int64
    public var intermediaryMargin: Int64
    public var clientFees: Int64
    public var radiologist: Int?
    public var truthFinding: Bool
    public var truthSeverity: Int?
    public var outcome: ReadOutcome?
    public var discrepancy: Int
    public var changedByAI: Bool
    /// Hours since the reader's shift began, at the end of the read.
    public var hoursIntoShift: Double? = nil
    /// The projected shift volume (CT equivalents) the read was made at.
    public var shiftVolume: Int? = nil
    /// The reader's pace for the shift.
    public var pace: Double? = nil
    /// The error model's probability that the read is wrong, at its conditions, before the AI second reader.
    public var errorProbability: Double? = nil
    public var peerReviewed: Bool
    public var reviewScore: ReviewScore?
    public var detected: Bool?
    public var feedback: Int?
    public var followUpRecommended: Bool
    public var followUpCompleted: Bool
    public var reposts: Int
    public var status: StudyStatus
    public var measured: Bool

    public init(
        key: String, ordinal: Int, client: String, clientType: String, modality: Modality, urgency: Urgency,
        subspecialty: String?, chainStudyID: Int64?, arrival: Int64, posted: Int64?, firstCommitted: Int64?,
        assigned: Int64?, readStart: Int64?, readEnd: Int64?, reportCommitted: Int64?, settled: Int64?,
        requiredTurnaround: Int64, turnaround: Int64?, pricePaid: Int64, radiologistPay: Int64,
        intermediaryMargin: Int64, clientFees: Int64, radiologist: Int?, truthFinding: Bool, truthSeverity: Int?,
        outcome: ReadOutcome?, discrepancy: Int, changedByAI: Bool, peerReviewed: Bool, reviewScore: ReviewScore?,
        detected: Bool?, feedback: Int?, followUpRecommended: Bool, followUpCompleted: Bool, reposts: Int,
        status: StudyStatus, measured: Bool
    ) {
        self.key = key
        self.ordinal = ordinal
        self.client = client
        self.clientType = clientType
        self.modality = modality
        self.urgency = urgency
        self.subspecialty = subspecialty
        self.chainStudyID = chainStudyID
        self.arrival = arrival
        self.posted = posted
        self.firstCommitted = firstCommitted
        self.assigned = assigned
        self.readStart = readStart
        self.readEnd = readEnd
        self.reportCommitted = reportCommitted
        self.settled = settled
        self.requiredTurnaround = requiredTurnaround
        self.turnaround = turnaround
        self.pricePaid = pricePaid
        self.radiologistPay = radiologistPay
        self.intermediaryMargin = intermediaryMargin
        self.clientFees = clientFees
        self.radiologist = radiologist
        self.truthFinding = truthFinding
        self.truthSeverity = truthSeverity
        self.outcome = outcome
        self.discrepancy = discrepancy
        self.changedByAI = changedByAI
        self.peerReviewed = peerReviewed
        self.reviewScore = reviewScore
        self.detected = detected
        self.feedback = feedback
        self.followUpRecommended = followUpRecommended
        self.followUpCompleted = followUpCompleted
        self.reposts = reposts
        self.status = status
        self.measured = measured
    }
}

/// One radiologist's calendar day in one market run (`radiologist_days` row).
public struct RadiologistDayRow: Sendable, Equatable {
    public var radiologist: Int
    public var day: Int
    public var cohort: String
    public var hoursOnShift: Double
    public var hoursReading: Double
    public var reads: Int
    public var wRVU: Double
    /// Minor units.
    public var income: Int64
    public var pace: Double
    public var burnout: Double
    public var burnedOut: Bool
    public var active: Bool
    public var exited: Bool
    public var cutHours: Bool

    public init(
        radiologist: Int, day: Int, cohort: String, hoursOnShift: Double, hoursReading: Double, reads: Int,
        wRVU: Double, income: Int64, pace: Double, burnout: Double, burnedOut: Bool, active: Bool, exited: Bool,
        cutHours: Bool
    ) {
        self.radiologist = radiologist
        self.day = day
        self.cohort = cohort
        self.hoursOnShift = hoursOnShift
        self.hoursReading = hoursReading
        self.reads = reads
        self.wRVU = wRVU
        self.income = income
        self.pace = pace
        self.burnout = burnout
        self.burnedOut = burnedOut
        self.active = active
        self.exited = exited
        self.cutHours = cutHours
    }
}

/// The market of one run sampled at one instant (`market_samples` row).
public struct MarketSampleRow: Sendable, Equatable {
    public var time: Int64
    public var openOrders: Int
    public var inProgress: Int
    /// Mean price of the assignments committed in the hour before, minor units; nil when there were none.
    public var meanPrice: Double?
    public var onShift: Int
    public var utilisation: Double
    public var activeRadiologists: Int
    public var burnedOut: Int
    public var datasetSize: Int

    public init(
        time: Int64, openOrders: Int, inProgress: Int, meanPrice: Double?, onShift: Int, utilisation: Double,
        activeRadiologists: Int, burnedOut: Int, datasetSize: Int
    ) {
        self.time = time
        self.openOrders = openOrders
        self.inProgress = inProgress
        self.meanPrice = meanPrice
        self.onShift = onShift
        self.utilisation = utilisation
        self.activeRadiologists = activeRadiologists
        self.burnedOut = burnedOut
        self.datasetSize = datasetSize
    }
}

/// One committed block of one run, as first decided (`chain_blocks` row).
public struct ChainBlockRow: Sendable, Equatable {
    public var height: Int64
    public var time: Int64
    public var round: Int
    public var transactions: Int
    public var bytes: Int
    public var failed: Int

    public init(height: Int64, time: Int64, round: Int, transactions: Int, bytes: Int, failed: Int) {
        self.height = height
        self.time = time
        self.round = round
        self.transactions = transactions
        self.bytes = bytes
        self.failed = failed
    }
}

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
    public var studies: [MarketStudyRow]
    public var radiologistDays: [RadiologistDayRow]
    public var samples: [MarketSampleRow]
    public var blocks: [ChainBlockRow]
    public var chain: ChainRunRow
    /// The run's chain (genesis, blocks, certificates) for replay and audit (`chain_genesis`, `chain_block_data`);
    /// nil keeps none (`--no-chain`).
    public var storedChain: StoredChain? = nil

    public init(
        studies: [MarketStudyRow], radiologistDays: [RadiologistDayRow], samples: [MarketSampleRow],
        blocks: [ChainBlockRow], chain: ChainRunRow
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
            try Self.studyLayout.insert(db, path: path, detail.studies) { _, b in b.int(run) }
            try Self.dayLayout.insert(db, path: path, detail.radiologistDays) { _, b in b.int(run) }
            try Self.sampleLayout.insert(db, path: path, detail.samples) { _, b in b.int(run) }
            try Self.blockLayout.insert(db, path: path, detail.blocks) { _, b in b.int(run) }
            let c = detail.chain
            try db.execute(
                sql: """
                    INSERT INTO chain_runs (run_id, chain_digest, state_root, tx_submitted, tx_committed, tx_failed,
                        tx_refused, signature_verifications, signatures_made, events, blocks, studies,
                        studies_reported, oracle_violations, oracle_violation_text)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    run, c.chainDigest, c.stateRoot, c.submitted, c.committed, c.failed, c.refused,
                    c.signatureVerifications, c.signaturesMade, c.events, c.blocks, c.studies, c.studiesReported,
                    c.oracleViolations.count,
                    c.oracleViolations.isEmpty ? nil : c.oracleViolations.joined(separator: "\n"),
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
                ChainRunRow(
                    chainDigest: $0["chain_digest"], stateRoot: $0["state_root"], submitted: $0["tx_submitted"],
                    committed: $0["tx_committed"], failed: $0["tx_failed"], refused: $0["tx_refused"],
                    signatureVerifications: $0["signature_verifications"], signaturesMade: $0["signatures_made"],
                    events: $0["events"], blocks: $0["blocks"], studies: $0["studies"],
                    studiesReported: $0["studies_reported"],
                    oracleViolations: ($0["oracle_violation_text"] as String?).map {
                        $0.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                    } ?? [])
            }
        }
    }

    /// The studies of one run, in arrival order.
    public func marketStudies(run: RunID) throws -> [MarketStudyRow] {
        try read("cannot read the studies of \(run)") { db in
            try Self.studyLayout.fetchAll(
                db, path: path, "WHERE run_id = ? ORDER BY ordinal", arguments: [run.rawValue])
        }
    }
}
