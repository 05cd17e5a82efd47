import Ledger
import MarketModel

/// An account: balance in minor units and the next expected nonce. Key `acct/<address>`.
public struct Account: Equatable, Sendable {
    public var balance: UInt64
    public var nonce: UInt64
    public init(balance: UInt64 = 0, nonce: UInt64 = 0) {
        self.balance = balance
        self.nonce = nonce
    }
}

/// An attestation as stored under `att/<subject>/<kind><discriminator>`.
public struct AttestationRecord: Equatable, Sendable {
    public var claim: AttestationClaim
    public var issuer: Address
    public var issuedAtTicks: Int64
    public var expiresAtTicks: Int64
    public var revoked: Bool
    /// Valid at `now`: not revoked and not yet expired.
    public func isValid(at now: Int64) -> Bool { !revoked && now < expiresAtTicks }
}

/// Where a study is in its life.
public enum StudyState: UInt8, CaseIterable, Sendable, Hashable {
    /// Posted, waiting for assignment (intermediary) or a claim (posted price).
    case open = 1
    /// Auction: bidding then reveal windows, waiting for `finaliseAuction`.
    case bidding
    case assigned
    case reported
    case cancelled
    /// Deadline passed before a report, or an auction without a valid bid: escrow refunded.
    case expired
}

/// A study record under `study/<id>` (id big-endian, so scans are in posting order).
public struct Study: Equatable, Sendable {
    public var id: UInt64
    public var client: Address
    public var order: StudyOrder
    public var postedAtTicks: Int64
    public var state: StudyState
    /// Client funds held by the contract for this study (the order's maximum until assignment, then the price,
    /// then the hold-back until it is resolved).
    public var escrow: UInt64
    public var biddingEndsAtTicks: Int64
    public var revealEndsAtTicks: Int64
    public var bidCount: UInt32
    public var assignee: Address?
    public var assignedAtTicks: Int64
    /// What the client pays.
    public var price: UInt64
    /// What the radiologist is paid before levy and hold-back (differs from `price` only under the intermediary).
    public var radiologistPay: UInt64
    public var accessGrant: SealedBox?
    public var report: ReportSubmission?
    public var reportedAtTicks: Int64
    public var turnaroundTicks: Int64
    /// Hold-back still in escrow awaiting a quality outcome (value-based settlement).
    public var holdback: UInt64
    /// Whether the study is drawn for peer review: pending from the report until the end of the next randomness
    /// epoch (`Context.decideSamples`), then sampled or not.
    public var sampling: Sampling
    /// Drawn for peer review (false while the draw is pending).
    public var sampledForReview: Bool { sampling == .sampled }
    public var reviewer: Address?
    public var reviewScore: ReviewScore?
    public var feedbackScore: UInt8?
    public var followUpCompletedAtTicks: Int64?
}

/// A reported study's peer-review draw.
public enum Sampling: UInt8, Equatable, Sendable {
    case notSampled = 0
    case sampled = 1
    /// Reported; decided at the end of the epoch after the report's, from that epoch's beacon.
    case pending = 2
}

/// Per-radiologist public quality metrics under `met/<address>`: what routing software reads.
///
/// The median turnaround is exact over a bounded window of the most recent `Genesis.turnaroundWindow` reads
/// (a ring buffer in arrival order; the median sorts a copy): recent behaviour, bounded state, fully deterministic.
public struct QualityMetrics: Equatable, Sendable {
    /// Reports submitted.
    public var volume: UInt64 = 0
    /// Assigned and not yet reported.
    public var active: UInt32 = 0
    /// Assignments that expired unreported.
    public var missedDeadlines: UInt64 = 0
    public var recentTurnarounds: [Int64] = []
    public var ringNext: UInt32 = 0
    public var reviewed: UInt64 = 0
    public var discrepancies: UInt64 = 0
    public var significantDiscrepancies: UInt64 = 0
    public var feedbackSum: UInt64 = 0
    public var feedbackCount: UInt64 = 0
    public init() {}

    /// Median of the recent window (the lower middle for an even count); nil before the first report.
    public var medianTurnaroundTicks: Int64? {
        guard !recentTurnarounds.isEmpty else { return nil }
        let s = recentTurnarounds.sorted()
        return s[(s.count - 1) / 2]
    }
    /// Discrepancies (RADPEER ≥ 2a) per reviewed read, in basis points; 0 before any review.
    public var discrepancyRateBasisPoints: UInt64 { reviewed == 0 ? 0 : discrepancies * 10_000 / reviewed }
    /// Mean referrer feedback × 1000; nil before any feedback.
    public var meanFeedbackMilli: UInt64? { feedbackCount == 0 ? nil : feedbackSum * 1000 / feedbackCount }

    mutating func recordTurnaround(_ t: Int64, window: UInt32) {
        if recentTurnarounds.count < Int(window) {
            recentTurnarounds.append(t)
        } else {
            recentTurnarounds[Int(ringNext % window)] = t
        }
        ringNext = (ringNext + 1) % window
    }
}

/// A sealed bid under `bid/<study>/<bidder>`.
public struct BidRecord: Equatable, Sendable {
    public var commitment: Hash
    public var revealed: Bool
    public var price: UInt64
    public var turnaroundTicks: Int64
}

/// One entry of the labelled dataset under `label/<seq>`: adjudicated outcomes with provenance. A study adds at
/// most one entry (its first adjudication).
public struct LabelRecord: Equatable, Sendable {
    public var studyID: UInt64
    /// Who signed the adjudication: the peer reviewer, or the client (follow-up, referrer feedback).
    public var adjudicator: Address
    /// What adjudicated it.
    public var source: LabelSource
    public var height: UInt64
    public var modality: Modality
    /// SHA-256 of the canonical encoding of `labels` (what a training pipeline checks when it replays the set).
    public var labelsHash: Hash
    public var labels: [FindingLabel]

    /// SHA-256 of the canonical encoding of `labels` (u32 count, then each label): the record's ``labelsHash`` and
    /// the `label.appended` event's hash, which an audit recomputes from the adjudicating transaction.
    public static func labelsHash(_ labels: [FindingLabel]) -> Hash {
        var w = CanonicalWriter()
        w.putArray(labels)
        return Hash.sha256(w.bytes)
    }
}

// MARK: - Encoding

extension Account: CanonicalCodable {
    public func encode(into w: inout CanonicalWriter) {
        w.putU64(balance)
        w.putU64(nonce)
    }
    public init(from r: inout CanonicalReader) throws(DecodingError) {
        balance = try r.takeU64()
        nonce = try r.takeU64()
    }
}

extension AttestationRecord: CanonicalCodable {
    public func encode(into w: inout CanonicalWriter) {
        w.put(claim)
        w.putAddress(issuer)
        w.putI64(issuedAtTicks)
        w.putI64(expiresAtTicks)
        w.putBool(revoked)
    }
    public init(from r: inout CanonicalReader) throws(DecodingError) {
        claim = try r.take()
        issuer = try r.takeAddress()
        issuedAtTicks = try r.takeI64()
        expiresAtTicks = try r.takeI64()
        revoked = try r.takeBool()
    }
}

private struct OptionalI64: CanonicalCodable {
    var v: Int64
    init(_ v: Int64) { self.v = v }
    func encode(into w: inout CanonicalWriter) { w.putI64(v) }
    init(from r: inout CanonicalReader) throws(DecodingError) { v = try r.takeI64() }
}

private struct Score: CanonicalCodable {
    var v: UInt8
    init(_ v: UInt8) { self.v = v }
    func encode(into w: inout CanonicalWriter) { w.putU8(v) }
    init(from r: inout CanonicalReader) throws(DecodingError) { v = try r.takeU8() }
}

extension Study: CanonicalCodable {
    public func encode(into w: inout CanonicalWriter) {
        w.putU64(id)
        w.putAddress(client)
        w.put(order)
        w.putI64(postedAtTicks)
        w.putU8(state.rawValue)
        w.putU64(escrow)
        w.putI64(biddingEndsAtTicks)
        w.putI64(revealEndsAtTicks)
        w.putU32(bidCount)
        w.putOptional(assignee.map(AddressBox.init))
        w.putI64(assignedAtTicks)
        w.putU64(price)
        w.putU64(radiologistPay)
        w.putOptional(accessGrant)
        w.putOptional(report)
        w.putI64(reportedAtTicks)
        w.putI64(turnaroundTicks)
        w.putU64(holdback)
        w.putU8(sampling.rawValue)
        w.putOptional(reviewer.map(AddressBox.init))
        w.putOptional(reviewScore.map { Score($0.rawValue) })
        w.putOptional(feedbackScore.map(Score.init))
        w.putOptional(followUpCompletedAtTicks.map(OptionalI64.init))
    }
    public init(from r: inout CanonicalReader) throws(DecodingError) {
        id = try r.takeU64()
        client = try r.takeAddress()
        order = try r.take()
        postedAtTicks = try r.takeI64()
        state = try r.takeEnum(StudyState.self)
        escrow = try r.takeU64()
        biddingEndsAtTicks = try r.takeI64()
        revealEndsAtTicks = try r.takeI64()
        bidCount = try r.takeU32()
        assignee = try r.takeOptional(AddressBox.self)?.address
        assignedAtTicks = try r.takeI64()
        price = try r.takeU64()
        radiologistPay = try r.takeU64()
        accessGrant = try r.takeOptional()
        report = try r.takeOptional()
        reportedAtTicks = try r.takeI64()
        turnaroundTicks = try r.takeI64()
        holdback = try r.takeU64()
        sampling = try r.takeEnum(Sampling.self)
        reviewer = try r.takeOptional(AddressBox.self)?.address
        if let s = try r.takeOptional(Score.self) {
            guard let score = ReviewScore(rawValue: s.v) else { throw DecodingError(offset: 0, message: "bad score") }
            reviewScore = score
        } else {
            reviewScore = nil
        }
        feedbackScore = try r.takeOptional(Score.self)?.v
        followUpCompletedAtTicks = try r.takeOptional(OptionalI64.self)?.v
    }
}

/// Wraps an address so it can go through the generic optional helpers.
struct AddressBox: CanonicalCodable {
    var address: Address
    init(_ a: Address) { address = a }
    func encode(into w: inout CanonicalWriter) { w.putAddress(address) }
    init(from r: inout CanonicalReader) throws(DecodingError) { address = try r.takeAddress() }
}

extension QualityMetrics: CanonicalCodable {
    public func encode(into w: inout CanonicalWriter) {
        w.putU64(volume)
        w.putU32(active)
        w.putU64(missedDeadlines)
        w.putU32(UInt32(recentTurnarounds.count))
        for t in recentTurnarounds { w.putI64(t) }
        w.putU32(ringNext)
        w.putU64(reviewed)
        w.putU64(discrepancies)
        w.putU64(significantDiscrepancies)
        w.putU64(feedbackSum)
        w.putU64(feedbackCount)
    }
    public init(from r: inout CanonicalReader) throws(DecodingError) {
        volume = try r.takeU64()
        active = try r.takeU32()
        missedDeadlines = try r.takeU64()
        let n = try r.takeCount()
        var ts: [Int64] = []
        for _ in 0..<n { ts.append(try r.takeI64()) }
        recentTurnarounds = ts
        ringNext = try r.takeU32()
        reviewed = try r.takeU64()
        discrepancies = try r.takeU64()
        significantDiscrepancies = try r.takeU64()
        feedbackSum = try r.takeU64()
        feedbackCount = try r.takeU64()
    }
}

extension BidRecord: CanonicalCodable {
    public func encode(into w: inout CanonicalWriter) {
        w.putHash(commitment)
        w.putBool(revealed)
        w.putU64(price)
        w.putI64(turnaroundTicks)
    }
    public init(from r: inout CanonicalReader) throws(DecodingError) {
        commitment = try r.takeHash()
        revealed = try r.takeBool()
        price = try r.takeU64()
        turnaroundTicks = try r.takeI64()
    }
}

extension LabelRecord: CanonicalCodable {
    public func encode(into w: inout CanonicalWriter) {
        w.putU64(studyID)
        w.putAddress(adjudicator)
        w.putU8(source.rawValue)
        w.putU64(height)
        w.putU8(modality.rawValue)
        w.putHash(labelsHash)
        w.putArray(labels)
    }
    public init(from r: inout CanonicalReader) throws(DecodingError) {
        studyID = try r.takeU64()
        adjudicator = try r.takeAddress()
        source = try r.takeEnum(LabelSource.self)
        height = try r.takeU64()
        modality = try r.takeEnum(Modality.self)
        labelsHash = try r.takeHash()
        labels = try r.takeArray()
    }
}
