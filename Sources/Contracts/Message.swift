import Ledger
import MarketModel

/// A ReadChain transaction's message: the bytes in `Transaction.message`, a tag byte then the case's fields.
///
/// An unknown tag is rejected with `TxCode.unknownMessage`; any other decoding failure with `.malformed`.
public enum Message: Hashable, Sendable {
    // Accounts
    case transfer(to: Address, amount: UInt64)
    // Credentialing (registered authorities only)
    case issueAttestation(subject: Address, claim: AttestationClaim, expiresAtTicks: Int64)
    case revokeAttestation(subject: Address, claim: AttestationClaim)
    // Registry
    case registerRadiologist(RadiologistProfile)
    case updateRadiologist(RadiologistProfile)
    // Study market
    case postStudy(StudyOrder)
    case cancelStudy(studyID: UInt64)
    case assignStudy(studyID: UInt64, radiologist: Address, pay: UInt64)
    case claimStudy(studyID: UInt64)
    case commitBid(studyID: UInt64, commitment: Hash)
    case revealBid(studyID: UInt64, price: UInt64, turnaroundTicks: Int64, salt: Hash)
    case finaliseAuction(studyID: UInt64)
    // Access grants
    case grantAccess(studyID: UInt64, recipient: SealingPublicKey, sealedLink: SealedBox)
    // Reports, feedback, review
    case submitReport(studyID: UInt64, report: ReportSubmission)
    /// The follow-up the report recommended was done; `labels`: its adjudicated outcome for the dataset (empty
    /// when the client does not share it).
    case completeFollowUp(studyID: UInt64, labels: [FindingLabel] = [])
    /// Referrer feedback; `labels`: the adjudicated outcome when the clinical course confirmed a discrepancy (empty
    /// otherwise, or when the client does not share it).
    case submitFeedback(studyID: UInt64, score: UInt8, labels: [FindingLabel] = [])
    case submitPeerReview(studyID: UInt64, score: ReviewScore, labels: [FindingLabel])
    // Validator governance (operators only; `Genesis.governance`)
    /// Proposes that `publicKey` get `power` (0 removes it); the proposal counts as the proposer's approval.
    case proposeValidatorChange(publicKey: PublicKey, power: UInt64)
    /// Approves an open proposal; the approval that takes it above 2/3 of the operators adopts it.
    case approveValidatorChange(proposalID: UInt64)
    // Study market, continued
    /// A posted-price order whose offer escalates while it waits (issue 18 item 2): the ceiling a claim's listed
    /// price must stay under starts at `order.maxPrice` and rises by `perHour` minor units per hour since posting, up
    /// to `cap`, which is escrowed at posting.
    case postEscalatingStudy(StudyOrder, perHour: UInt64, cap: UInt64)
    /// A posted-price order with a premium for speed (issue 18 item 2): `premium` is escrowed beside
    /// `order.maxPrice` and paid to the assignee on top of the price when the report commits within `withinTicks`
    /// of posting (at the latest by the deadline); otherwise it is refunded to the client at the report (and with
    /// the escrow on cancel or expiry).
    case postPremiumStudy(StudyOrder, premium: UInt64, withinTicks: Int64)
    // Randomness beacon (validator operators)
    /// Opens the participant's stored commitment with `secret` for `epoch` (the current one) and commits to the
    /// next reveal's secret (`Randomness.commitment`).
    case revealRandomness(epoch: UInt64, secret: Hash, nextCommitment: Hash)
    /// An excluded participant, `RandomnessParameters.rejoinDelayEpochs` after its exclusion, commits afresh; it
    /// reveals from the epoch after next.
    case rejoinRandomness(commitment: Hash)
    // Consults (issue 18 item 1)
    /// The study's assigned reader asks the client's referring clinician about a hard or ambiguous read (once per
    /// study, while it is assigned).
    case requestConsult(studyID: UInt64)
    /// The study's client records the referrer's reply to the open consult: `answered` (the referrer discussed the
    /// case) or not (it declined). Once per consult.
    case answerConsult(studyID: UInt64, answered: Bool)

    /// The tag byte of each case.
    public var tag: UInt8 {
        switch self {
        case .transfer: 1
        case .issueAttestation: 2
        case .revokeAttestation: 3
        case .registerRadiologist: 4
        case .updateRadiologist: 5
        case .postStudy: 6
        case .cancelStudy: 7
        case .assignStudy: 8
        case .claimStudy: 9
        case .commitBid: 10
        case .revealBid: 11
        case .finaliseAuction: 12
        case .grantAccess: 13
        case .submitReport: 14
        case .completeFollowUp: 15
        case .submitFeedback: 16
        case .submitPeerReview: 17
        case .postEscalatingStudy: 22
        case .postPremiumStudy: 28
        case .proposeValidatorChange: 20
        case .approveValidatorChange: 21
        case .revealRandomness: 18
        case .rejoinRandomness: 19
        case .requestConsult: 23
        case .answerConsult: 24
        }
    }
    /// Every tag a message can have.
    public static let knownTags: Set<UInt8> = Set(1...24).union([28])

    /// A short name for events and logs.
    public var name: String {
        switch self {
        case .transfer: "transfer"
        case .issueAttestation: "issueAttestation"
        case .revokeAttestation: "revokeAttestation"
        case .registerRadiologist: "registerRadiologist"
        case .updateRadiologist: "updateRadiologist"
        case .postStudy: "postStudy"
        case .cancelStudy: "cancelStudy"
        case .assignStudy: "assignStudy"
        case .claimStudy: "claimStudy"
        case .commitBid: "commitBid"
        case .revealBid: "revealBid"
        case .finaliseAuction: "finaliseAuction"
        case .grantAccess: "grantAccess"
        case .submitReport: "submitReport"
        case .completeFollowUp: "completeFollowUp"
        case .submitFeedback: "submitFeedback"
        case .submitPeerReview: "submitPeerReview"
        case .proposeValidatorChange: "proposeValidatorChange"
        case .approveValidatorChange: "approveValidatorChange"
        case .postEscalatingStudy: "postEscalatingStudy"
        case .postPremiumStudy: "postPremiumStudy"
        case .revealRandomness: "revealRandomness"
        case .rejoinRandomness: "rejoinRandomness"
        case .requestConsult: "requestConsult"
        case .answerConsult: "answerConsult"
        }
    }

    /// The commitment a bidder publishes in `commitBid`: a domain-separated SHA-256 over the study, the bidder,
    /// the bid and a secret salt.
    public static func bidCommitment(
        studyID: UInt64, bidder: Address, price: UInt64, turnaroundTicks: Int64, salt: Hash
    ) -> Hash {
        Hash.sha256(
            domain: "readchain/bid/v1", studyID.bigEndianBytes, bidder.bytes, price.bigEndianBytes,
            turnaroundTicks.bigEndianBytes, salt.bytes)
    }

    /// The `info` bytes an access grant is sealed with: binds the ciphertext to the study and the recipient key.
    public static func accessInfo(studyID: UInt64, recipient: SealingPublicKey) -> Bytes {
        Array("readchain/access/v1".utf8) + studyID.bigEndianBytes + recipient.bytes
    }

    /// Checks every variable-size field against the genesis limits.
    func sizeProblem(_ l: SizeLimits) -> String? {
        func s(_ x: String, _ what: String) -> String? {
            x.utf8.count > l.maxStringBytes ? "\(what) longer than \(l.maxStringBytes) bytes" : nil
        }
        func n(_ c: Int, _ what: String) -> String? {
            c > l.maxListCount ? "\(what) has more than \(l.maxListCount) entries" : nil
        }
        func box(_ b: SealedBox, _ what: String) -> String? {
            b.canonicalBytes.count > l.maxSealedBoxBytes ? "\(what) larger than \(l.maxSealedBoxBytes) bytes" : nil
        }
        switch self {
        case .issueAttestation(_, let c, _), .revokeAttestation(_, let c):
            return c.strings.lazy.compactMap { s($0, "claim") }.first
        case .registerRadiologist(let p), .updateRadiologist(let p):
            return n(p.subspecialties.count, "subspecialties") ?? n(p.licences.count, "licences")
                ?? n(p.prices.count, "prices")
                ?? (p.subspecialties + p.licences).lazy.compactMap { s($0, "profile string") }.first
        case .postStudy(let o), .postEscalatingStudy(let o, _, _), .postPremiumStudy(let o, _, _):
            return s(o.jurisdiction, "jurisdiction") ?? s(o.requiredSubspecialty, "subspecialty")
                ?? box(o.clientSealedLink, "sealed link")
                ?? o.clinicalSummaryLink.flatMap { box($0, "clinical summary link") }
        case .grantAccess(_, _, let b):
            return box(b, "sealed link")
        case .submitReport(_, let r):
            return n(r.findings.count, "findings")
        case .submitPeerReview(_, _, let labels), .completeFollowUp(_, let labels), .submitFeedback(_, _, let labels):
            return n(labels.count, "labels")
        default:
            return nil
        }
    }
}

extension Message: CanonicalCodable {
    public func encode(into w: inout CanonicalWriter) {
        w.putU8(tag)
        switch self {
        case .transfer(let to, let amount):
            w.putAddress(to)
            w.putU64(amount)
        case .issueAttestation(let s, let c, let e):
            w.putAddress(s)
            w.put(c)
            w.putI64(e)
        case .revokeAttestation(let s, let c):
            w.putAddress(s)
            w.put(c)
        case .registerRadiologist(let p), .updateRadiologist(let p):
            w.put(p)
        case .postStudy(let o):
            w.put(o)
        case .postEscalatingStudy(let o, let perHour, let cap):
            w.put(o)
            w.putU64(perHour)
            w.putU64(cap)
        case .postPremiumStudy(let o, let premium, let within):
            w.put(o)
            w.putU64(premium)
            w.putI64(within)
        case .cancelStudy(let id), .claimStudy(let id), .finaliseAuction(let id), .requestConsult(let id):
            w.putU64(id)
        case .answerConsult(let id, let answered):
            w.putU64(id)
            w.putBool(answered)
        case .completeFollowUp(let id, let labels):
            w.putU64(id)
            w.putArray(labels)
        case .assignStudy(let id, let r, let pay):
            w.putU64(id)
            w.putAddress(r)
            w.putU64(pay)
        case .commitBid(let id, let c):
            w.putU64(id)
            w.putHash(c)
        case .revealBid(let id, let p, let t, let salt):
            w.putU64(id)
            w.putU64(p)
            w.putI64(t)
            w.putHash(salt)
        case .grantAccess(let id, let k, let b):
            w.putU64(id)
            w.putSealingKey(k)
            w.put(b)
        case .submitReport(let id, let r):
            w.putU64(id)
            w.put(r)
        case .submitFeedback(let id, let s, let labels):
            w.putU64(id)
            w.putU8(s)
            w.putArray(labels)
        case .submitPeerReview(let id, let s, let labels):
            w.putU64(id)
            w.putU8(s.rawValue)
            w.putArray(labels)
        case .proposeValidatorChange(let k, let power):
            w.putPublicKey(k)
            w.putU64(power)
        case .approveValidatorChange(let id):
            w.putU64(id)
        case .revealRandomness(let epoch, let secret, let next):
            w.putU64(epoch)
            w.putHash(secret)
            w.putHash(next)
        case .rejoinRandomness(let c):
            w.putHash(c)
        }
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        let tag = try r.takeU8()
        switch tag {
        case 1: self = .transfer(to: try r.takeAddress(), amount: try r.takeU64())
        case 2:
            self = .issueAttestation(subject: try r.takeAddress(), claim: try r.take(), expiresAtTicks: try r.takeI64())
        case 3: self = .revokeAttestation(subject: try r.takeAddress(), claim: try r.take())
        case 4: self = .registerRadiologist(try r.take())
        case 5: self = .updateRadiologist(try r.take())
        case 6: self = .postStudy(try r.take())
        case 7: self = .cancelStudy(studyID: try r.takeU64())
        case 8: self = .assignStudy(studyID: try r.takeU64(), radiologist: try r.takeAddress(), pay: try r.takeU64())
        case 9: self = .claimStudy(studyID: try r.takeU64())
        case 10: self = .commitBid(studyID: try r.takeU64(), commitment: try r.takeHash())
        case 11:
            self = .revealBid(
                studyID: try r.takeU64(), price: try r.takeU64(), turnaroundTicks: try r.takeI64(),
                salt: try r.takeHash())
        case 12: self = .finaliseAuction(studyID: try r.takeU64())
        case 13:
            self = .grantAccess(studyID: try r.takeU64(), recipient: try r.takeSealingKey(), sealedLink: try r.take())
        case 14: self = .submitReport(studyID: try r.takeU64(), report: try r.take())
        case 15: self = .completeFollowUp(studyID: try r.takeU64(), labels: try r.takeArray())
        case 16: self = .submitFeedback(studyID: try r.takeU64(), score: try r.takeU8(), labels: try r.takeArray())
        case 17:
            self = .submitPeerReview(
                studyID: try r.takeU64(), score: try r.takeEnum(ReviewScore.self), labels: try r.takeArray())
        case 20: self = .proposeValidatorChange(publicKey: try r.takePublicKey(), power: try r.takeU64())
        case 21: self = .approveValidatorChange(proposalID: try r.takeU64())
        case 22: self = .postEscalatingStudy(try r.take(), perHour: try r.takeU64(), cap: try r.takeU64())
        case 28: self = .postPremiumStudy(try r.take(), premium: try r.takeU64(), withinTicks: try r.takeI64())
        case 18:
            self = .revealRandomness(epoch: try r.takeU64(), secret: try r.takeHash(), nextCommitment: try r.takeHash())
        case 19: self = .rejoinRandomness(commitment: try r.takeHash())
        case 23: self = .requestConsult(studyID: try r.takeU64())
        case 24: self = .answerConsult(studyID: try r.takeU64(), answered: try r.takeBool())
        default: throw DecodingError(offset: 0, message: "unknown message tag \(tag)")
        }
    }
}
