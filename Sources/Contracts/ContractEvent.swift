import Ledger
import MarketModel

/// Something the ReadChain contracts report on chain, typed: one case per event type, with the values it carries.
///
/// A receipt or a block outcome carries Ledger `Event`s (a type string and ordered string attributes); this is
/// the only place that knows their type strings, attribute keys and value formats. `event` is the canonical
/// encoding and `init(_:)` its exact inverse: it accepts exactly the events `event` produces, so
/// `ContractEvent(e.event) == e` for every value and `try ContractEvent(x).event == x` for every accepted `x`.
///
/// Formats: integers in decimal with no sign (unsigned) or a `-` (negative), no leading zeros; addresses and
/// hashes in lower-case hex; `Modality` and `Urgency` as their raw code; `ReviewScore` as its label (`2b`);
/// `StudyState` as its case name (`assigned`); a flag as `0` or `1`. Changing any of this changes the chain's
/// results roots, block hashes and every stored results digest.
public enum ContractEvent: Hashable, Sendable {
    // Fees: first in the receipt of every transaction whose ante passed (even if its message then failed).
    /// `tx.fee`: the fee charged and the message it paid for (`Message.name`).
    case txFee(payer: Address, amount: UInt64, message: String)

    // Accounts and credentialing
    case transfer(from: Address, to: Address, amount: UInt64)
    case attestationIssued(subject: Address, kind: AttestationKind, expiresAtTicks: Int64)
    case attestationRevoked(subject: Address, kind: AttestationKind)
    case radiologistRegistered(radiologist: Address)
    case radiologistUpdated(radiologist: Address)

    // Study market
    case studyPosted(
        study: UInt64, client: Address, modality: Modality, urgency: Urgency, jurisdiction: String,
        maxPrice: UInt64, deadlineTicks: Int64)
    /// The client cancelled before assignment; the whole escrow was refunded.
    case studyCancelled(study: UInt64, refund: UInt64)
    /// Claim, dispatch or award: the price the client pays and the radiologist's pay.
    case studyAssigned(study: UInt64, radiologist: Address, price: UInt64, pay: UInt64)
    case bidCommitted(study: UInt64, bidder: Address)
    case bidRevealed(study: UInt64, bidder: Address, price: UInt64)
    /// No valid bid: the escrow was refunded and the study expired.
    case auctionUnsold(study: UInt64)
    /// `bids`: the revealed bids of still-eligible bidders that were scored.
    case auctionAwarded(study: UInt64, winner: Address, price: UInt64, bids: Int)
    case accessGranted(study: UInt64, radiologist: Address)

    // Reports, settlement, feedback, review
    /// `findings`: how many finding codes the report carries.
    case studyReported(study: UInt64, radiologist: Address, turnaroundTicks: Int64, findings: Int, followUp: Bool)
    /// Paid to the radiologist at report, the operator's share, the levy to the bonus pool, the hold-back kept.
    case settlement(
        study: UInt64, radiologist: Address, paid: UInt64, operatorShare: UInt64, levy: UInt64, holdback: UInt64)
    /// The study was drawn for peer review.
    case studySampled(study: UInt64)
    case followUpCompleted(study: UInt64)
    /// Referrer feedback (1...5); `radiologist` is the author.
    case feedback(study: UInt64, radiologist: Address, score: UInt8)
    /// A RADPEER score; `radiologist` is the author.
    case peerReview(study: UInt64, radiologist: Address, reviewer: Address, score: ReviewScore)
    /// An adjudicated label joined the dataset, from `source` (peer review, follow-up, referrer feedback).
    case labelAppended(seq: UInt64, study: UInt64, labelsHash: Hash, source: LabelSource)
    case holdbackReleased(study: UInt64, amount: UInt64)
    case holdbackForfeited(study: UInt64, amount: UInt64)
    /// A speed premium paid on top of the price: the report committed within its promise.
    case premiumEarned(study: UInt64, amount: UInt64)
    /// A speed premium refunded to the client: the report committed after its promise.
    case premiumRefunded(study: UInt64, amount: UInt64)

    // End of block
    /// The deadline passed in state `was` (open, bidding or assigned); the escrow was refunded.
    case studyExpired(study: UInt64, refund: UInt64, was: StudyState)
    case bonusPaid(radiologist: Address, amount: UInt64)
    /// A bonus period closed: paid out, to how many radiologists, and what the pool carries over.
    case bonusPeriod(paid: UInt64, recipients: Int, carried: UInt64)

    // Accountability and governance (issue 17 item 4)
    /// Committed evidence of an offence at `offenceHeight` jailed the validator: power 0 from `effectiveHeight`.
    case validatorJailed(validator: Address, offenceHeight: UInt64, effectiveHeight: UInt64)
    /// Not jailed: its removal would have left no validator.
    case jailRefused(validator: Address, offenceHeight: UInt64)
    /// An operator proposed that `validator` get `power` (0 removes it).
    case validatorChangeProposed(proposal: UInt64, validator: Address, power: UInt64)
    /// An operator approved; `approvals` counts the proposer's.
    case validatorChangeApproved(proposal: UInt64, approver: Address, approvals: Int)
    /// More than 2/3 of the operators approved: the change is returned by this block's `endBlock`.
    case validatorChangeAdopted(proposal: UInt64, validator: Address, power: UInt64, effectiveHeight: UInt64)
    // Randomness beacon
    /// A participant opened its commitment for `epoch`.
    case randomnessRevealed(participant: Address, epoch: UInt64)
    /// An excluded participant rejoined; it reveals from `epoch` on.
    case randomnessRejoined(participant: Address, epoch: UInt64)
    /// End of block, last height of `epoch`: the epoch's beacon and how many participants revealed in it.
    case randomnessBeacon(epoch: UInt64, beacon: Hash, reveals: Int)
    /// End of block: the participant did not reveal in `epoch` and takes no further part (until it rejoins).
    case randomnessExcluded(participant: Address, epoch: UInt64)
    /// Warning, end of block: no participant revealed in `epoch`, so its beacon is the hash of the previous one
    /// (predictable: samples decided from it can be dodged).
    case randomnessFallback(epoch: UInt64)
    // Consults (issue 18 item 1)
    /// The study's assigned reader asked the referrer for a consult.
    case consultRequested(study: UInt64, radiologist: Address)
    /// The client recorded the referrer's reply: answered, or declined.
    case consultAnswered(study: UInt64, answered: Bool)
}

/// The kind of claim an attestation makes, as events name it.
public enum AttestationKind: String, CaseIterable, Hashable, Sendable {
    case licence
    case board
    case subspecialty
    case clientCredential

    public init(_ claim: AttestationClaim) {
        switch claim {
        case .licence: self = .licence
        case .boardCertification: self = .board
        case .subspecialty: self = .subspecialty
        case .clientCredential: self = .clientCredential
        }
    }
}

/// Why a Ledger `Event` is not a `ContractEvent`.
public enum ContractEventError: Error, Hashable, Sendable, CustomStringConvertible {
    /// No contract emits events of this type.
    case unknownType(String)
    /// The event lacks an attribute its type requires.
    case missingAttribute(type: String, key: String)
    /// An attribute out of place: `found` where `expected` belongs (nil: after the last one the type has).
    case unexpectedAttribute(type: String, expected: String?, found: String)
    /// The attribute is there but its value is not in the canonical format.
    case malformedValue(type: String, key: String, value: String)

    public var description: String {
        switch self {
        case .unknownType(let t): "unknown event type '\(t)'"
        case .missingAttribute(let t, let k): "event '\(t)': attribute '\(k)' is missing"
        case .unexpectedAttribute(let t, let expected?, let found):
            "event '\(t)': attribute '\(found)' where '\(expected)' belongs"
        case .unexpectedAttribute(let t, nil, let found): "event '\(t)': unexpected attribute '\(found)'"
        case .malformedValue(let t, let k, let v): "event '\(t)': attribute '\(k)' is malformed: '\(v)'"
        }
    }
}

// MARK: - Kinds: type strings and attribute keys

extension ContractEvent {
    /// An event type: its type string and its attribute keys in order (the encoding's one table).
    public enum Kind: String, CaseIterable, Hashable, Sendable {
        case txFee = "tx.fee"
        case transfer = "transfer"
        case attestationIssued = "attestation.issued"
        case attestationRevoked = "attestation.revoked"
        case radiologistRegistered = "radiologist.registered"
        case radiologistUpdated = "radiologist.updated"
        case studyPosted = "study.posted"
        case studyCancelled = "study.cancelled"
        case studyAssigned = "study.assigned"
        case bidCommitted = "bid.committed"
        case bidRevealed = "bid.revealed"
        case auctionUnsold = "auction.unsold"
        case auctionAwarded = "auction.awarded"
        case accessGranted = "access.granted"
        case studyReported = "study.reported"
        case settlement = "settlement"
        case studySampled = "study.sampled"
        case followUpCompleted = "followup.completed"
        case feedback = "feedback"
        case peerReview = "peerreview"
        case labelAppended = "label.appended"
        case holdbackReleased = "holdback.released"
        case holdbackForfeited = "holdback.forfeited"
        case premiumEarned = "premium.earned"
        case premiumRefunded = "premium.refunded"
        case studyExpired = "study.expired"
        case bonusPaid = "bonus.paid"
        case bonusPeriod = "bonus.period"
        case validatorJailed = "validator.jailed"
        case jailRefused = "validator.jail_refused"
        case validatorChangeProposed = "governance.proposed"
        case validatorChangeApproved = "governance.approved"
        case validatorChangeAdopted = "governance.adopted"
        case randomnessRevealed = "randomness.revealed"
        case randomnessRejoined = "randomness.rejoined"
        case randomnessBeacon = "randomness.beacon"
        case randomnessExcluded = "randomness.excluded"
        case randomnessFallback = "randomness.fallback"
        case consultRequested = "consult.requested"
        case consultAnswered = "consult.answered"

        /// The attribute keys, in encoding order.
        public var keys: [String] {
            switch self {
            case .txFee: ["payer", "amount", "message"]
            case .transfer: ["from", "to", "amount"]
            case .attestationIssued: ["subject", "kind", "expires"]
            case .attestationRevoked: ["subject", "kind"]
            case .radiologistRegistered, .radiologistUpdated: ["radiologist"]
            case .studyPosted: ["study", "client", "modality", "urgency", "jurisdiction", "max_price", "deadline"]
            case .studyCancelled: ["study", "refund"]
            case .studyAssigned: ["study", "radiologist", "price", "pay"]
            case .bidCommitted: ["study", "bidder"]
            case .bidRevealed: ["study", "bidder", "price"]
            case .auctionUnsold, .studySampled, .followUpCompleted: ["study"]
            case .auctionAwarded: ["study", "winner", "price", "bids"]
            case .accessGranted: ["study", "radiologist"]
            case .studyReported: ["study", "radiologist", "turnaround", "findings", "follow_up"]
            case .settlement: ["study", "radiologist", "paid", "operator", "levy", "holdback"]
            case .feedback: ["study", "radiologist", "score"]
            case .peerReview: ["study", "radiologist", "reviewer", "score"]
            case .labelAppended: ["seq", "study", "hash", "source"]
            case .holdbackReleased, .holdbackForfeited, .premiumEarned, .premiumRefunded: ["study", "amount"]
            case .studyExpired: ["study", "refund", "was"]
            case .bonusPaid: ["radiologist", "amount"]
            case .bonusPeriod: ["paid", "recipients", "carried"]
            case .validatorJailed: ["validator", "offence_height", "effective"]
            case .jailRefused: ["validator", "offence_height"]
            case .validatorChangeProposed: ["proposal", "validator", "power"]
            case .validatorChangeApproved: ["proposal", "approver", "approvals"]
            case .validatorChangeAdopted: ["proposal", "validator", "power", "effective"]
            case .randomnessRevealed, .randomnessRejoined, .randomnessExcluded: ["participant", "epoch"]
            case .randomnessBeacon: ["epoch", "beacon", "reveals"]
            case .randomnessFallback: ["epoch"]
            case .consultRequested: ["study", "radiologist"]
            case .consultAnswered: ["study", "answered"]
            }
        }
    }

    /// The event type's kind.
    public var kind: Kind {
        switch self {
        case .txFee: .txFee
        case .transfer: .transfer
        case .attestationIssued: .attestationIssued
        case .attestationRevoked: .attestationRevoked
        case .radiologistRegistered: .radiologistRegistered
        case .radiologistUpdated: .radiologistUpdated
        case .studyPosted: .studyPosted
        case .studyCancelled: .studyCancelled
        case .studyAssigned: .studyAssigned
        case .bidCommitted: .bidCommitted
        case .bidRevealed: .bidRevealed
        case .auctionUnsold: .auctionUnsold
        case .auctionAwarded: .auctionAwarded
        case .accessGranted: .accessGranted
        case .studyReported: .studyReported
        case .settlement: .settlement
        case .studySampled: .studySampled
        case .followUpCompleted: .followUpCompleted
        case .feedback: .feedback
        case .peerReview: .peerReview
        case .labelAppended: .labelAppended
        case .holdbackReleased: .holdbackReleased
        case .holdbackForfeited: .holdbackForfeited
        case .premiumEarned: .premiumEarned
        case .premiumRefunded: .premiumRefunded
        case .studyExpired: .studyExpired
        case .bonusPaid: .bonusPaid
        case .bonusPeriod: .bonusPeriod
        case .validatorJailed: .validatorJailed
        case .jailRefused: .jailRefused
        case .validatorChangeProposed: .validatorChangeProposed
        case .validatorChangeApproved: .validatorChangeApproved
        case .validatorChangeAdopted: .validatorChangeAdopted
        case .randomnessRevealed: .randomnessRevealed
        case .randomnessRejoined: .randomnessRejoined
        case .randomnessBeacon: .randomnessBeacon
        case .randomnessExcluded: .randomnessExcluded
        case .randomnessFallback: .randomnessFallback
        case .consultRequested: .consultRequested
        case .consultAnswered: .consultAnswered
        }
    }

    /// The event's type string (`study.posted`).
    public var type: String { kind.rawValue }

    /// The on-chain study the event is about, if it names one.
    public var studyID: UInt64? {
        switch self {
        case .studyPosted(let id, _, _, _, _, _, _), .studyCancelled(let id, _), .studyAssigned(let id, _, _, _),
            .bidCommitted(let id, _), .bidRevealed(let id, _, _), .auctionUnsold(let id),
            .auctionAwarded(let id, _, _, _), .accessGranted(let id, _), .studyReported(let id, _, _, _, _),
            .settlement(let id, _, _, _, _, _), .studySampled(let id), .followUpCompleted(let id),
            .feedback(let id, _, _), .peerReview(let id, _, _, _), .labelAppended(_, let id, _, _),
            .holdbackReleased(let id, _), .holdbackForfeited(let id, _), .studyExpired(let id, _, _),
            .premiumEarned(let id, _), .premiumRefunded(let id, _),
            .consultRequested(let id, _), .consultAnswered(let id, _):
            id
        case .txFee, .transfer, .attestationIssued, .attestationRevoked, .radiologistRegistered, .radiologistUpdated,
            .bonusPaid, .bonusPeriod, .validatorJailed, .jailRefused, .validatorChangeProposed,
            .validatorChangeApproved, .validatorChangeAdopted, .randomnessRevealed, .randomnessRejoined,
            .randomnessBeacon, .randomnessExcluded, .randomnessFallback:
            nil
        }
    }

    /// The radiologist the event is about (registry, assignment, access, report, settlement, and the author of
    /// feedback and peer review; a bidder, a winner or a reviewer is not named here).
    public var radiologist: Address? {
        switch self {
        case .radiologistRegistered(let r), .radiologistUpdated(let r), .studyAssigned(_, let r, _, _),
            .accessGranted(_, let r), .studyReported(_, let r, _, _, _), .settlement(_, let r, _, _, _, _),
            .feedback(_, let r, _), .peerReview(_, let r, _, _), .bonusPaid(let r, _), .consultRequested(_, let r):
            r
        case .txFee, .transfer, .attestationIssued, .attestationRevoked, .studyPosted, .studyCancelled,
            .bidCommitted, .bidRevealed, .auctionUnsold, .auctionAwarded, .studySampled, .followUpCompleted,
            .labelAppended, .holdbackReleased, .holdbackForfeited, .premiumEarned, .premiumRefunded, .studyExpired,
            .bonusPeriod, .validatorJailed,
            .jailRefused, .validatorChangeProposed, .validatorChangeApproved, .validatorChangeAdopted,
            .randomnessRevealed, .randomnessRejoined, .randomnessBeacon, .randomnessExcluded, .randomnessFallback,
            .consultAnswered:
            nil
        }
    }
}

// MARK: - Encoding

extension ContractEvent {
    /// The canonical Ledger event: the kind's type string and keys, with the values formatted as above.
    public var event: Event {
        let keys = kind.keys
        let values = attributeValues
        assert(keys.count == values.count, "\(kind): \(values.count) values for \(keys.count) keys")
        return Event(type: kind.rawValue, attributes: zip(keys, values).map { EventAttribute(key: $0, value: $1) })
    }

    /// The attribute values in the order of `kind.keys`.
    private var attributeValues: [String] {
        switch self {
        case .txFee(let payer, let amount, let message): [payer.hex, String(amount), message]
        case .transfer(let from, let to, let amount): [from.hex, to.hex, String(amount)]
        case .attestationIssued(let subject, let kind, let expires): [subject.hex, kind.rawValue, String(expires)]
        case .attestationRevoked(let subject, let kind): [subject.hex, kind.rawValue]
        case .radiologistRegistered(let r), .radiologistUpdated(let r): [r.hex]
        case .studyPosted(let id, let client, let modality, let urgency, let jurisdiction, let maxPrice, let deadline):
            [
                String(id), client.hex, String(modality.rawValue), String(urgency.rawValue), jurisdiction,
                String(maxPrice), String(deadline),
            ]
        case .studyCancelled(let id, let refund): [String(id), String(refund)]
        case .studyAssigned(let id, let r, let price, let pay): [String(id), r.hex, String(price), String(pay)]
        case .bidCommitted(let id, let bidder): [String(id), bidder.hex]
        case .bidRevealed(let id, let bidder, let price): [String(id), bidder.hex, String(price)]
        case .auctionUnsold(let id), .studySampled(let id), .followUpCompleted(let id): [String(id)]
        case .auctionAwarded(let id, let winner, let price, let bids):
            [String(id), winner.hex, String(price), String(bids)]
        case .accessGranted(let id, let r): [String(id), r.hex]
        case .studyReported(let id, let r, let turnaround, let findings, let followUp):
            [String(id), r.hex, String(turnaround), String(findings), followUp ? "1" : "0"]
        case .settlement(let id, let r, let paid, let operatorShare, let levy, let holdback):
            [String(id), r.hex, String(paid), String(operatorShare), String(levy), String(holdback)]
        case .feedback(let id, let r, let score): [String(id), r.hex, String(score)]
        case .peerReview(let id, let r, let reviewer, let score): [String(id), r.hex, reviewer.hex, score.name]
        case .labelAppended(let seq, let id, let hash, let source): [String(seq), String(id), hash.hex, source.name]
        case .holdbackReleased(let id, let amount), .holdbackForfeited(let id, let amount),
            .premiumEarned(let id, let amount), .premiumRefunded(let id, let amount):
            [String(id), String(amount)]
        case .studyExpired(let id, let refund, let was): [String(id), String(refund), was.eventName]
        case .bonusPaid(let r, let amount): [r.hex, String(amount)]
        case .bonusPeriod(let paid, let recipients, let carried): [String(paid), String(recipients), String(carried)]
        case .validatorJailed(let v, let h, let e): [v.hex, String(h), String(e)]
        case .jailRefused(let v, let h): [v.hex, String(h)]
        case .validatorChangeProposed(let id, let v, let power): [String(id), v.hex, String(power)]
        case .validatorChangeApproved(let id, let a, let n): [String(id), a.hex, String(n)]
        case .validatorChangeAdopted(let id, let v, let power, let e): [String(id), v.hex, String(power), String(e)]
        case .randomnessRevealed(let p, let epoch), .randomnessRejoined(let p, let epoch),
            .randomnessExcluded(let p, let epoch):
            [p.hex, String(epoch)]
        case .randomnessBeacon(let epoch, let beacon, let reveals): [String(epoch), beacon.hex, String(reveals)]
        case .randomnessFallback(let epoch): [String(epoch)]
        case .consultRequested(let id, let r): [String(id), r.hex]
        case .consultAnswered(let id, let answered): [String(id), answered ? "1" : "0"]
        }
    }
}

// MARK: - Decoding

extension ContractEvent {
    /// Decodes a Ledger event: the exact inverse of `event`.
    ///
    /// - Throws: `ContractEventError` naming the unknown type, the missing or misplaced attribute, or the
    ///   attribute whose value is not in the canonical format.
    public init(_ event: Event) throws(ContractEventError) {
        guard let kind = Kind(rawValue: event.type) else { throw .unknownType(event.type) }
        var v = try ValueReader(kind: kind, attributes: event.attributes)
        switch kind {
        case .txFee: self = .txFee(payer: try v.address(), amount: try v.u64(), message: v.string())
        case .transfer: self = .transfer(from: try v.address(), to: try v.address(), amount: try v.u64())
        case .attestationIssued:
            self = .attestationIssued(
                subject: try v.address(), kind: try v.attestationKind(), expiresAtTicks: try v.i64())
        case .attestationRevoked: self = .attestationRevoked(subject: try v.address(), kind: try v.attestationKind())
        case .radiologistRegistered: self = .radiologistRegistered(radiologist: try v.address())
        case .radiologistUpdated: self = .radiologistUpdated(radiologist: try v.address())
        case .studyPosted:
            self = .studyPosted(
                study: try v.u64(), client: try v.address(), modality: try v.modality(), urgency: try v.urgency(),
                jurisdiction: v.string(), maxPrice: try v.u64(), deadlineTicks: try v.i64())
        case .studyCancelled: self = .studyCancelled(study: try v.u64(), refund: try v.u64())
        case .studyAssigned:
            self = .studyAssigned(
                study: try v.u64(), radiologist: try v.address(), price: try v.u64(), pay: try v.u64())
        case .bidCommitted: self = .bidCommitted(study: try v.u64(), bidder: try v.address())
        case .bidRevealed: self = .bidRevealed(study: try v.u64(), bidder: try v.address(), price: try v.u64())
        case .auctionUnsold: self = .auctionUnsold(study: try v.u64())
        case .auctionAwarded:
            self = .auctionAwarded(study: try v.u64(), winner: try v.address(), price: try v.u64(), bids: try v.int())
        case .accessGranted: self = .accessGranted(study: try v.u64(), radiologist: try v.address())
        case .studyReported:
            self = .studyReported(
                study: try v.u64(), radiologist: try v.address(), turnaroundTicks: try v.i64(), findings: try v.int(),
                followUp: try v.flag())
        case .settlement:
            self = .settlement(
                study: try v.u64(), radiologist: try v.address(), paid: try v.u64(), operatorShare: try v.u64(),
                levy: try v.u64(), holdback: try v.u64())
        case .studySampled: self = .studySampled(study: try v.u64())
        case .followUpCompleted: self = .followUpCompleted(study: try v.u64())
        case .feedback: self = .feedback(study: try v.u64(), radiologist: try v.address(), score: try v.u8())
        case .peerReview:
            self = .peerReview(
                study: try v.u64(), radiologist: try v.address(), reviewer: try v.address(), score: try v.radpeer())
        case .labelAppended:
            self = .labelAppended(
                seq: try v.u64(), study: try v.u64(), labelsHash: try v.hash(), source: try v.labelSource())
        case .holdbackReleased: self = .holdbackReleased(study: try v.u64(), amount: try v.u64())
        case .holdbackForfeited: self = .holdbackForfeited(study: try v.u64(), amount: try v.u64())
        case .premiumEarned: self = .premiumEarned(study: try v.u64(), amount: try v.u64())
        case .premiumRefunded: self = .premiumRefunded(study: try v.u64(), amount: try v.u64())
        case .studyExpired: self = .studyExpired(study: try v.u64(), refund: try v.u64(), was: try v.studyState())
        case .bonusPaid: self = .bonusPaid(radiologist: try v.address(), amount: try v.u64())
        case .bonusPeriod: self = .bonusPeriod(paid: try v.u64(), recipients: try v.int(), carried: try v.u64())
        case .validatorJailed:
            self = .validatorJailed(
                validator: try v.address(), offenceHeight: try v.u64(), effectiveHeight: try v.u64())
        case .jailRefused: self = .jailRefused(validator: try v.address(), offenceHeight: try v.u64())
        case .validatorChangeProposed:
            self = .validatorChangeProposed(proposal: try v.u64(), validator: try v.address(), power: try v.u64())
        case .validatorChangeApproved:
            self = .validatorChangeApproved(proposal: try v.u64(), approver: try v.address(), approvals: try v.int())
        case .validatorChangeAdopted:
            self = .validatorChangeAdopted(
                proposal: try v.u64(), validator: try v.address(), power: try v.u64(), effectiveHeight: try v.u64())
        case .randomnessRevealed: self = .randomnessRevealed(participant: try v.address(), epoch: try v.u64())
        case .randomnessRejoined: self = .randomnessRejoined(participant: try v.address(), epoch: try v.u64())
        case .randomnessBeacon:
            self = .randomnessBeacon(epoch: try v.u64(), beacon: try v.hash(), reveals: try v.int())
        case .randomnessExcluded: self = .randomnessExcluded(participant: try v.address(), epoch: try v.u64())
        case .randomnessFallback: self = .randomnessFallback(epoch: try v.u64())
        case .consultRequested: self = .consultRequested(study: try v.u64(), radiologist: try v.address())
        case .consultAnswered: self = .consultAnswered(study: try v.u64(), answered: try v.flag())
        }
    }
}

extension Receipt {
    /// The receipt's events, decoded (`tx.fee` first when the ante passed, then the message's events).
    ///
    /// - Throws: `ContractEventError` for the first event that is not a canonical `ContractEvent`.
    public func contractEvents() throws(ContractEventError) -> [ContractEvent] {
        var out: [ContractEvent] = []
        out.reserveCapacity(events.count)
        for e in events { out.append(try ContractEvent(e)) }
        return out
    }
}

/// Reads one event's attribute values in order, after checking its keys against the kind's; every parse accepts
/// only the canonical spelling of the value (the one `ContractEvent.event` writes).
private struct ValueReader {
    let kind: Kind
    let attributes: [EventAttribute]
    var index = 0

    typealias Kind = ContractEvent.Kind

    init(kind: Kind, attributes: [EventAttribute]) throws(ContractEventError) {
        let keys = kind.keys
        for (i, key) in keys.enumerated() {
            guard i < attributes.count else { throw .missingAttribute(type: kind.rawValue, key: key) }
            let found = attributes[i].key
            guard found == key else {
                if attributes.contains(where: { $0.key == key }) {
                    throw .unexpectedAttribute(type: kind.rawValue, expected: key, found: found)
                }
                throw .missingAttribute(type: kind.rawValue, key: key)
            }
        }
        if attributes.count > keys.count {
            throw .unexpectedAttribute(type: kind.rawValue, expected: nil, found: attributes[keys.count].key)
        }
        self.kind = kind
        self.attributes = attributes
    }

    mutating func string() -> String {
        defer { index += 1 }
        return attributes[index].value
    }

    /// Parses the next value with `parse`, which must give back a value whose canonical spelling is the input.
    mutating func parse<T>(_ parse: (String) -> T?, _ format: (T) -> String) throws(ContractEventError) -> T {
        let a = attributes[index]
        guard let v = parse(a.value), format(v) == a.value else {
            throw .malformedValue(type: kind.rawValue, key: a.key, value: a.value)
        }
        index += 1
        return v
    }

    mutating func u64() throws(ContractEventError) -> UInt64 { try parse({ UInt64($0) }, { String($0) }) }
    mutating func i64() throws(ContractEventError) -> Int64 { try parse({ Int64($0) }, { String($0) }) }
    mutating func int() throws(ContractEventError) -> Int { try parse({ Int($0) }, { String($0) }) }
    mutating func u8() throws(ContractEventError) -> UInt8 { try parse({ UInt8($0) }, { String($0) }) }
    mutating func address() throws(ContractEventError) -> Address { try parse({ Address(hex: $0) }, \.hex) }
    mutating func hash() throws(ContractEventError) -> Hash { try parse({ Hash(hex: $0) }, \.hex) }
    mutating func flag() throws(ContractEventError) -> Bool {
        try parse({ $0 == "1" ? true : $0 == "0" ? false : nil }, { $0 ? "1" : "0" })
    }
    mutating func modality() throws(ContractEventError) -> Modality {
        try parse({ UInt8($0).flatMap(Modality.init(rawValue:)) }, { String($0.rawValue) })
    }
    mutating func urgency() throws(ContractEventError) -> Urgency {
        try parse({ UInt8($0).flatMap(Urgency.init(rawValue:)) }, { String($0.rawValue) })
    }
    mutating func radpeer() throws(ContractEventError) -> ReviewScore {
        try parse({ s in ReviewScore.allCases.first { $0.name == s } }, \.name)
    }
    mutating func studyState() throws(ContractEventError) -> StudyState {
        try parse({ s in StudyState.eventNamed(s) }, \.eventName)
    }
    mutating func attestationKind() throws(ContractEventError) -> AttestationKind {
        try parse({ AttestationKind(rawValue: $0) }, \.rawValue)
    }
    mutating func labelSource() throws(ContractEventError) -> LabelSource {
        try parse({ s in LabelSource.allCases.first { $0.name == s } }, \.name)
    }
}

extension StudyState {
    /// The state as `study.expired` names it: the case name.
    var eventName: String {
        switch self {
        case .open: "open"
        case .bidding: "bidding"
        case .assigned: "assigned"
        case .reported: "reported"
        case .cancelled: "cancelled"
        case .expired: "expired"
        }
    }

    static func eventNamed(_ name: String) -> StudyState? {
        allCases.first { $0.eventName == name }
    }
}
