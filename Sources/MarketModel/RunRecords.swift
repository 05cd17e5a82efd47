// What one market run records: per study, per radiologist-day, market time series, chain blocks, and the
// run's headline metrics. Plain values, declared once: the Market's world builds them and Results stores them as
// they are (each table's columns are one list of key paths, `Results/MarketLayouts.swift`).

/// One study's life, from the client's arrival to settlement. Times are ticks (1 µs) since the run's start; nil
/// when the step never happened (e.g. an expired study has no report).
public struct StudyRecord: Sendable, Equatable {
    /// The client-side key `client/source/sequence` (stable across designs: common random numbers).
    public var key: String
    public var client: String
    public var clientType: String
    public var modality: Modality
    public var urgency: Urgency
    public var subspecialty: String?
    /// The latest on-chain study id (a repost gets a new id).
    public var chainStudyID: UInt64?
    public var arrival: Int64
    /// The first `postStudy` transaction was submitted.
    public var posted: Int64?
    /// The first `postStudy` was committed.
    public var firstCommitted: Int64?
    /// The assignment (claim, dispatch or award) was committed.
    public var assigned: Int64?
    public var readStart: Int64?
    public var readEnd: Int64?
    /// The report transaction was committed.
    public var reportCommitted: Int64?
    /// Settlement finished: the hold-back resolved (value-based) or the report committed (otherwise).
    public var settled: Int64?
    /// The study left the market: its report committed, or the client gave up on it (expired), whichever came
    /// first; nil while it is still in the market at the horizon. From ``posted`` to here the study counts in the
    /// hourly work in system (``MarketSample/workInSystem``).
    public var closed: Int64?
    /// Required turnaround for the urgency, ticks.
    public var requiredTurnaround: Int64
    /// Arrival → report committed, ticks.
    public var turnaround: Int64? { reportCommitted.map { $0 - arrival } }
    /// What the client finally paid for the read (price net of any forfeited hold-back refund), minor units.
    public var pricePaid: UInt64
    /// What the radiologist received (pay net of levy, plus a released hold-back), minor units.
    public var radiologistPay: UInt64
    /// The intermediary's margin, minor units (0 outside the intermediary design).
    public var intermediaryMargin: UInt64
    /// Transaction fees the client paid for this study (posts, grants, feedback, follow-up), minor units.
    public var clientFees: UInt64
    /// Index of the reporting radiologist (in cohort order), or nil.
    public var radiologist: Int?
    public var truthFinding: Bool
    /// 1 minor, 2 major; nil without a finding.
    public var truthSeverity: Int?
    /// The read's outcome against the truth; nil when never read.
    public var outcome: ReadOutcome?
    /// 0 none, 1 minor, 2 major.
    public var discrepancy: Int
    public var changedByAI: Bool
    /// The AI second reader's own verdict on the read (true: "finding"); nil when no AI read it (or never read).
    /// The report carries it on chain, so `readchain audit ai` rebuilds the AI's own accuracy.
    public var aiFinding: Bool?
    /// The report is structured (nil: the market's `quality` section is off, or never read).
    public var structuredReport: Bool?
    /// The report's follow-up recommendation meets the clients' guideline (nil: no guideline, or never read).
    public var followUpAppropriate: Bool?
    /// Hours since the reader's shift began, at the end of the read.
    public var hoursIntoShift: Double?
    /// The projected shift volume the read was made at (reads so far extrapolated to the shift).
    public var shiftVolume: Int?
    /// The reader's chosen pace for the shift.
    public var pace: Double?
    /// The error model's probability of this read being wrong (a miss if there is a finding, an over-call if not)
    /// at the read's conditions, before the AI second reader.
    public var errorProbability: Double?
    public var peerReviewed: Bool
    /// The RADPEER score, when peer-reviewed.
    public var reviewScore: ReviewScore?
    /// Whether the review scored a discrepancy on a read that was in error.
    public var detected: Bool?
    public var feedback: Int?
    public var followUpRecommended: Bool
    public var followUpCompleted: Bool
    public var reposts: Int
    /// Reported, expired (gave up after the last repost) or open (unfinished at the horizon).
    public var status: StudyStatus
    /// The study arrived after the warm-up (counted in the headline metrics).
    public var measured: Bool
    /// The read had a clinical question: from the requisition, or from the shared clinical summary (data sharing).
    public var clinicalContext = false
    /// The reader asked the referrer for a consult on its last read (issue 18 item 1).
    public var consulted = false
    /// The referrer answered that consult (nil: no consult).
    public var consultAnswered: Bool?
    /// The consult request to the referrer's reply, ticks (nil: no consult).
    public var consultDelay: Int64?
    /// The time the consult held the read: the wait for the reply plus any conversation, ticks (nil: no consult).
    public var consultTicks: Int64?

    public init(
        key: String, client: String, clientType: String, modality: Modality, urgency: Urgency, subspecialty: String?,
        arrival: Int64, requiredTurnaround: Int64, truthFinding: Bool, truthSeverity: Int?, measured: Bool
    ) {
        self.key = key
        self.client = client
        self.clientType = clientType
        self.modality = modality
        self.urgency = urgency
        self.subspecialty = subspecialty
        self.arrival = arrival
        self.requiredTurnaround = requiredTurnaround
        self.pricePaid = 0
        self.radiologistPay = 0
        self.intermediaryMargin = 0
        self.clientFees = 0
        self.truthFinding = truthFinding
        self.truthSeverity = truthSeverity
        self.discrepancy = 0
        self.changedByAI = false
        self.peerReviewed = false
        self.followUpRecommended = false
        self.followUpCompleted = false
        self.reposts = 0
        self.status = .open
        self.measured = measured
    }
}

/// One radiologist's day (a calendar day of simulated time).
public struct RadiologistDayRecord: Sendable, Equatable {
    public var radiologist: Int
    public var cohort: String
    /// Day number since the start (0-based).
    public var day: Int
    /// Hours on shift that day.
    public var hoursOnShift: Double
    /// Hours spent reading.
    public var hoursReading: Double
    public var reads: Int
    public var wRVU: Double
    /// Income credited that day (reports, released hold-backs, bonuses), minor units.
    public var income: UInt64
    /// The pace chosen for the day's shift (1 = the cohort's natural pace).
    public var pace: Double
    /// The burnout stock at the day's end (0...1).
    public var burnout: Double
    public var burnedOut: Bool
    /// Still in the market at the day's end.
    public var active: Bool
    /// Left the market that day.
    public var exited: Bool
    /// Cut hours that day (a burnout response).
    public var cutHours: Bool

    public init(
        radiologist: Int, cohort: String, day: Int, hoursOnShift: Double, hoursReading: Double, reads: Int,
        wRVU: Double, income: UInt64, pace: Double, burnout: Double, burnedOut: Bool, active: Bool, exited: Bool,
        cutHours: Bool
    ) {
        self.radiologist = radiologist
        self.cohort = cohort
        self.day = day
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

/// The market sampled every hour.
public struct MarketSample: Sendable, Equatable {
    public var time: Int64
    /// Studies in the market and not with a reader: posted (on chain or on the way), in an auction (bidding or
    /// revealing), between auctions or waiting to be reposted. ``workInSystem`` − ``inProgress``.
    public var openOrders: Int
    /// Studies assigned to a radiologist and not yet reported (nor given up on).
    public var inProgress: Int
    /// Studies in the market at `time`: every study from its posting until its report committed or the client gave
    /// up on it (`StudyRecord.posted` ≤ `time` < `StudyRecord.closed`), in every design. The series MSER-5 warm-up
    /// detection reads (`work_in_system`); by Little's law its time average is the arrival rate × the mean time
    /// from posting to closing.
    public var workInSystem: Int { openOrders + inProgress }
    /// Mean price of the assignments committed in the last hour, minor units (nil: none).
    public var meanPrice: Double?
    /// Radiologists on shift.
    public var onShift: Int
    /// Share of on-shift radiologists reading.
    public var utilisation: Double
    /// Radiologists still in the market.
    public var activeRadiologists: Int
    /// Radiologists burned out.
    public var burnedOut: Int
    /// Size of the validated dataset on chain (labels plus the AI's initial dataset).
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

/// A validator-set change the operators' governance adopted on chain (`chain.membership`), as the world saw it.
public struct ValidatorChangeRecord: Sendable, Equatable {
    /// The scenario's validator name.
    public var validator: String
    /// Its power from `effectiveHeight` (0: removed).
    public var power: UInt64
    /// The height of the block whose approval adopted it, and the first height of the new set (two later).
    public var height: UInt64
    public var effectiveHeight: UInt64
    /// Simulated time of that block's first commit.
    public var atTicks: Int64
    public init(validator: String, power: UInt64, height: UInt64, effectiveHeight: UInt64, atTicks: Int64) {
        self.validator = validator
        self.power = power
        self.height = height
        self.effectiveHeight = effectiveHeight
        self.atTicks = atTicks
    }
}

/// One committed block, as first decided.
public struct ChainBlockRecord: Sendable, Equatable {
    public var height: UInt64
    public var time: Int64
    public var round: Int
    public var transactions: Int
    /// Encoded block size, bytes.
    public var bytes: Int
    /// Transactions in the block whose message failed (fee and nonce still taken).
    public var failed: Int

    public init(height: UInt64, time: Int64, round: Int, transactions: Int, bytes: Int, failed: Int) {
        self.height = height
        self.time = time
        self.round = round
        self.transactions = transactions
        self.bytes = bytes
        self.failed = failed
    }
}

/// One scalar summary of one run (`run_metrics` row), e.g. the mean wait with its confidence interval, or one of
/// a market run's headline metrics (`MarketMetrics.compute`, unit `money` until the study stores it).
public struct RunMetric: Sendable, Equatable {
    /// The metric's name, unique within a run.
    public var name: String
    /// The value; NaN is stored as SQL NULL and read back as NaN.
    public var value: Double
    /// Lower bound of the confidence interval, if one was computed.
    public var ciLow: Double?
    /// Upper bound of the confidence interval, if one was computed.
    public var ciHigh: Double?
    /// The unit (e.g. `s`, `ticks`, `customers`), if any.
    public var unit: String?

    public init(name: String, value: Double, ciLow: Double? = nil, ciHigh: Double? = nil, unit: String? = nil) {
        self.name = name
        self.value = value
        self.ciLow = ciLow
        self.ciHigh = ciHigh
        self.unit = unit
    }

    /// Equality that treats two NaN values as equal, so a round trip of NaN compares equal.
    public static func == (lhs: RunMetric, rhs: RunMetric) -> Bool {
        lhs.name == rhs.name && lhs.unit == rhs.unit
            && (lhs.value == rhs.value || (lhs.value.isNaN && rhs.value.isNaN)) && lhs.ciLow == rhs.ciLow
            && lhs.ciHigh == rhs.ciHigh
    }
}

/// One committed height of a recorded chain: its height and the canonical bytes of the block and of the commit
/// certificate that decided it (`chain_block_data` row). Stored blocks keep their heights, so replay finds a missing
/// or out-of-order one.
public struct RecordedChainBlock: Sendable, Equatable {
    public var height: Int64
    /// `Block.canonicalBytes`.
    public var block: [UInt8]
    /// `CommitCertificate.canonicalBytes` deciding `height`.
    public var certificate: [UInt8]

    public init(height: Int64, block: [UInt8], certificate: [UInt8]) {
        self.height = height
        self.block = block
        self.certificate = certificate
    }

    /// Consecutive heights from `firstHeight`, pairing `blocks[i]` with `certificates[i]`.
    ///
    /// - Precondition: as many certificates as blocks (the world captures them together).
    public static func consecutive(
        from firstHeight: Int64, blocks: [[UInt8]], certificates: [[UInt8]]
    ) -> [RecordedChainBlock] {
        precondition(
            blocks.count == certificates.count, "\(blocks.count) blocks but \(certificates.count) certificates")
        return zip(blocks, certificates).enumerated().map { i, pair in
            RecordedChainBlock(height: firstHeight + Int64(i), block: pair.0, certificate: pair.1)
        }
    }
}

/// A run's chain as committed (and as stored: `chain_genesis`, `chain_block_data`): the genesis its application
/// was built from and, per height, the block and the commit certificate of the first correct node to commit it,
/// all as canonical bytes (what replay and audit read).
public struct RecordedChain: Sendable, Equatable {
    public var chainID: String
    /// The nodes' largest accepted transaction, bytes (the envelope check replay repeats).
    public var maxTxBytes: Int
    /// `Genesis.canonicalBytes`.
    public var genesis: [UInt8]
    /// Height order: consecutive from 1 as recorded (or from a later height when earlier ones went to
    /// `MarketRunSpec.chainSink`); as stored, gaps are the reader's to find.
    public var blocks: [RecordedChainBlock]

    public init(chainID: String, maxTxBytes: Int, genesis: [UInt8], blocks: [RecordedChainBlock]) {
        self.chainID = chainID
        self.maxTxBytes = maxTxBytes
        self.genesis = genesis
        self.blocks = blocks
    }

    /// `blocks[i]` and `certificates[i]` at height `firstHeight + i`.
    public init(
        chainID: String, maxTxBytes: Int, genesis: [UInt8], blocks: [[UInt8]], certificates: [[UInt8]],
        firstHeight: Int64 = 1
    ) {
        self.init(
            chainID: chainID, maxTxBytes: maxTxBytes, genesis: genesis,
            blocks: RecordedChainBlock.consecutive(from: firstHeight, blocks: blocks, certificates: certificates))
    }

    /// The height of `blocks[0]` (1 when there is none).
    public var firstHeight: Int64 { blocks.first?.height ?? 1 }

    /// Bytes of blocks and certificates together.
    public var blockBytes: Int { blocks.reduce(0) { $0 + $1.block.count + $1.certificate.count } }
}

/// Consecutive committed heights of a recorded chain, handed to `MarketRunSpec.chainSink` while the run goes on.
public struct RecordedChainChunk: Sendable, Equatable {
    public var blocks: [RecordedChainBlock]

    public init(blocks: [RecordedChainBlock]) { self.blocks = blocks }

    /// `blocks[i]` and `certificates[i]` at height `firstHeight + i`.
    public init(firstHeight: Int64, blocks: [[UInt8]], certificates: [[UInt8]]) {
        self.blocks = RecordedChainBlock.consecutive(from: firstHeight, blocks: blocks, certificates: certificates)
    }

    /// The height of `blocks[0]`.
    public var firstHeight: Int64? { blocks.first?.height }
}

/// Everything one (design, replication) run produced.
public struct MarketRunResult: Sendable {
    public var design: String
    public var replication: Int
    public var studies: [StudyRecord]
    public var radiologistDays: [RadiologistDayRecord]
    public var samples: [MarketSample]
    public var blocks: [ChainBlockRecord]
    /// The headline metrics, in a fixed order (`MarketMetrics.headlineNames`).
    public var headline: [RunMetric]
    /// Chain: SHA-256 over every node's blocks and state roots and the event trace (hex).
    public var chainDigest: String
    /// Final state root of the first node (hex).
    public var stateRoot: String
    public var transactionsSubmitted: Int
    public var transactionsCommitted: Int
    /// Committed transactions whose message failed (a lost claim race, a late report, ...).
    public var transactionsFailed: Int
    /// Transactions refused at admission (never in a block).
    public var transactionsRefused: Int
    /// Real signature verifications performed (Ed25519, or keyed hashes under the simulated scheme).
    public var signatureVerifications: Int
    /// Ed25519 signatures the agents made: one per submitted transaction (the validators' proposals and votes are
    /// not counted).
    public var signaturesMade: Int
    /// Scheduler events handled (chain and agents).
    public var events: UInt64
    /// Oracle violations (agreement, validity, ...); empty when the chain behaved.
    public var oracleViolations: [String]
    /// The committed chain (nil when `MarketRunSpec.recordChain` is false).
    public var chain: RecordedChain? = nil
    /// The scheme the chain's signatures were made with (the run's `chain.signatures`).
    public var signatures: ChainParameters.Signatures = .ed25519
    /// The validator-set changes adopted on chain (none unless the scenario schedules `chain.membership`); not stored.
    public var validatorChanges: [ValidatorChangeRecord] = []

    public func metric(_ name: String) -> Double? { headline.first { $0.name == name }?.value }

    public init(
        design: String, replication: Int, studies: [StudyRecord], radiologistDays: [RadiologistDayRecord],
        samples: [MarketSample], blocks: [ChainBlockRecord], headline: [RunMetric], chainDigest: String,
        stateRoot: String, transactionsSubmitted: Int, transactionsCommitted: Int, transactionsFailed: Int,
        transactionsRefused: Int, signatureVerifications: Int, signaturesMade: Int, events: UInt64,
        oracleViolations: [String]
    ) {
        self.design = design
        self.replication = replication
        self.studies = studies
        self.radiologistDays = radiologistDays
        self.samples = samples
        self.blocks = blocks
        self.headline = headline
        self.chainDigest = chainDigest
        self.stateRoot = stateRoot
        self.transactionsSubmitted = transactionsSubmitted
        self.transactionsCommitted = transactionsCommitted
        self.transactionsFailed = transactionsFailed
        self.transactionsRefused = transactionsRefused
        self.signatureVerifications = signatureVerifications
        self.signaturesMade = signaturesMade
        self.events = events
        self.oracleViolations = oracleViolations
    }
}
