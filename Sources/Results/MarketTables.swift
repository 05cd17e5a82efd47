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
            try BatchInsert.run(db, path: path, "market_studies", Self.studyColumns, detail.studies) { s, b in
                b.int(run)
                b.text(s.key)
                b.int(s.ordinal)
                b.text(s.client)
                b.text(s.clientType)
                b.text(s.modality)
                b.text(s.urgency)
                b.text(s.subspecialty)
                b.int(s.chainStudyID)
                b.int(s.arrival)
                b.int(s.posted)
                b.int(s.firstCommitted)
                b.int(s.assigned)
                b.int(s.readStart)
                b.int(s.readEnd)
                b.int(s.reportCommitted)
                b.int(s.settled)
                b.int(s.requiredTurnaround)
                b.int(s.turnaround)
                b.int(s.pricePaid)
                b.int(s.radiologistPay)
                b.int(s.intermediaryMargin)
                b.int(s.clientFees)
                b.int(s.radiologist)
                b.bool(s.truthFinding)
                b.int(s.truthSeverity)
                b.text(s.outcome)
                b.int(s.discrepancy)
                b.bool(s.changedByAI)
                b.double(s.hoursIntoShift)
                b.int(s.shiftVolume)
                b.double(s.pace)
                b.double(s.errorProbability)
                b.bool(s.peerReviewed)
                b.text(s.reviewScore)
                b.bool(s.detected)
                b.int(s.feedback)
                b.bool(s.followUpRecommended)
                b.bool(s.followUpCompleted)
                b.int(s.reposts)
                b.text(s.status)
                b.bool(s.measured)
            }
            try BatchInsert.run(db, path: path, "radiologist_days", Self.dayColumns, detail.radiologistDays) { d, b in
                b.int(run)
                b.int(d.radiologist)
                b.int(d.day)
                b.text(d.cohort)
                b.double(d.hoursOnShift)
                b.double(d.hoursReading)
                b.int(d.reads)
                b.double(d.wRVU)
                b.int(d.income)
                b.double(d.pace)
                b.double(d.burnout)
                b.bool(d.burnedOut)
                b.bool(d.active)
                b.bool(d.exited)
                b.bool(d.cutHours)
            }
            try BatchInsert.run(db, path: path, "market_samples", Self.sampleColumns, detail.samples) { s, b in
                b.int(run)
                b.int(s.time)
                b.int(s.openOrders)
                b.int(s.inProgress)
                b.double(s.meanPrice)
                b.int(s.onShift)
                b.double(s.utilisation)
                b.int(s.activeRadiologists)
                b.int(s.burnedOut)
                b.int(s.datasetSize)
            }
            try BatchInsert.run(db, path: path, "chain_blocks", Self.blockColumns, detail.blocks) { k, b in
                b.int(run)
                b.int(k.height)
                b.int(k.time)
                b.int(k.round)
                b.int(k.transactions)
                b.int(k.bytes)
                b.int(k.failed)
            }
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

    static let studyColumns = [
        "run_id", "study_key", "ordinal", "client", "client_type", "modality", "urgency", "subspecialty",
        "chain_study_id", "arrival_ticks", "posted_ticks", "first_committed_ticks", "assigned_ticks",
        "read_start_ticks", "read_end_ticks", "report_committed_ticks", "settled_ticks", "required_turnaround_ticks",
        "turnaround_ticks", "price_paid_minor", "radiologist_pay_minor", "intermediary_margin_minor",
        "client_fees_minor", "radiologist", "truth_finding", "truth_severity", "outcome", "discrepancy",
        "changed_by_ai", "hours_into_shift", "shift_volume", "pace", "error_probability", "peer_reviewed", "review_score", "detected", "feedback", "follow_up_recommended",
        "follow_up_completed", "reposts", "status", "measured",
    ]
    static let dayColumns = [
        "run_id", "radiologist", "day", "cohort", "hours_on_shift", "hours_reading", "reads", "wrvu", "income_minor",
        "pace", "burnout", "burned_out", "active", "exited", "cut_hours",
    ]
    static let sampleColumns = [
        "run_id", "time_ticks", "open_orders", "in_progress", "mean_price_minor", "on_shift", "utilisation",
        "active_radiologists", "burned_out", "dataset_size",
    ]
    static let blockColumns = ["run_id", "height", "time_ticks", "round", "transactions", "bytes", "failed"]

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
            try Row.fetchAll(
                db, sql: "SELECT * FROM market_studies WHERE run_id = ? ORDER BY ordinal", arguments: [run.rawValue]
            ).map { r in
                var row = MarketStudyRow(
                    key: r["study_key"], ordinal: r["ordinal"], client: r["client"], clientType: r["client_type"],
                    modality: try self.term(r, "modality"), urgency: try self.term(r, "urgency"),
                    subspecialty: r["subspecialty"],
                    chainStudyID: r["chain_study_id"], arrival: r["arrival_ticks"], posted: r["posted_ticks"],
                    firstCommitted: r["first_committed_ticks"], assigned: r["assigned_ticks"],
                    readStart: r["read_start_ticks"], readEnd: r["read_end_ticks"],
                    reportCommitted: r["report_committed_ticks"], settled: r["settled_ticks"],
                    requiredTurnaround: r["required_turnaround_ticks"], turnaround: r["turnaround_ticks"],
                    pricePaid: r["price_paid_minor"], radiologistPay: r["radiologist_pay_minor"],
                    intermediaryMargin: r["intermediary_margin_minor"], clientFees: r["client_fees_minor"],
                    radiologist: r["radiologist"], truthFinding: r["truth_finding"], truthSeverity: r["truth_severity"],
                    outcome: try self.optionalTerm(r, "outcome"), discrepancy: r["discrepancy"],
                    changedByAI: r["changed_by_ai"], peerReviewed: r["peer_reviewed"],
                    reviewScore: try self.optionalTerm(r, "review_score"), detected: r["detected"],
                    feedback: r["feedback"], followUpRecommended: r["follow_up_recommended"],
                    followUpCompleted: r["follow_up_completed"], reposts: r["reposts"],
                    status: try self.term(r, "status"),
                    measured: r["measured"])
                row.hoursIntoShift = r["hours_into_shift"]
                row.shiftVolume = r["shift_volume"]
                row.pace = r["pace"]
                row.errorProbability = r["error_probability"]
                return row
            }
        }
    }

    /// A `market_studies` column holding a domain term by its name; NULL or a name the vocabulary lacks is an error.
    private func term<T: DomainTerm>(_ row: Row, _ column: String) throws -> T {
        guard let term: T = try optionalTerm(row, column) else {
            throw ResultsError("malformed market_studies row: \(column) is NULL", path: path)
        }
        return term
    }

    /// A nullable `market_studies` column holding a domain term by its name; an unknown name is an error.
    private func optionalTerm<T: DomainTerm>(_ row: Row, _ column: String) throws -> T? {
        guard let text: String = row[column] else { return nil }
        guard let term = T(name: text) else {
            throw ResultsError("malformed market_studies row: \(column) '\(text)' is not a known term", path: path)
        }
        return term
    }
}

/// Binds one row's values, in column order, into a multi-row `INSERT`.
struct RowBinder {
    let statement: SQLiteStatement
    var parameter: Int32 = 1

    /// SQLite copies the text before `bind` returns (`SQLITE_TRANSIENT`).
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    mutating func int(_ v: Int64?) {
        if let v { sqlite3_bind_int64(statement, parameter, v) } else { sqlite3_bind_null(statement, parameter) }
        parameter += 1
    }
    mutating func int(_ v: Int?) { int(v.map(Int64.init)) }
    mutating func int(_ v: Int64) { int(Optional(v)) }
    mutating func int(_ v: Int) { int(Optional(Int64(v))) }
    mutating func bool(_ v: Bool?) { int(v.map { $0 ? Int64(1) : 0 }) }
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
    /// A domain term is stored as its name.
    mutating func text<T: DomainTerm>(_ v: T?) { text(v?.name) }
}

/// Batched inserts of typed rows inside the caller's transaction.
enum BatchInsert {
    /// Inserts `rows` into `table`: groups of up to 100 rows (fewer for wide tables, within the connection's
    /// bound-parameter limit) through one prepared multi-row `INSERT`, the remainder one row at a time. Both
    /// statements are cached on the connection.
    static func run<Row>(
        _ db: Database, path: String, _ table: String, _ columns: [String], _ rows: [Row],
        bind: (Row, inout RowBinder) -> Void
    ) throws {
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
                    "cannot insert into \(table) (batch from row \(index))", path: path,
                    sqliteCode: sqlite3_extended_errcode(db.sqliteConnection),
                    sqliteMessage: String(cString: sqlite3_errmsg(db.sqliteConnection)))
            }
            sqlite3_reset(handle)
        }
        var index = 0
        while rows.count - index >= perStatement {
            var binder = RowBinder(statement: group)
            for row in rows[index..<(index + perStatement)] { bind(row, &binder) }
            try step(group, index)
            index += perStatement
        }
        while index < rows.count {
            var binder = RowBinder(statement: single)
            bind(rows[index], &binder)
            try step(single, index)
            index += 1
        }
    }
}
