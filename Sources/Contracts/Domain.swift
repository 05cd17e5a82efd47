import Ledger
import MarketModel

/// What a credentialing authority attests about a subject.
public enum AttestationClaim: Hashable, Sendable {
    /// Medical licence in a jurisdiction (e.g. "US-CA").
    case licence(jurisdiction: String)
    case boardCertification(board: String)
    case subspecialty(String)
    /// Privileges at a given client, with the time credentialing took.
    case clientCredential(client: Address, ticksTaken: Int64)

    /// The part of the state key that identifies the claim (a revocation need not repeat `ticksTaken`).
    var keySuffix: Bytes {
        switch self {
        case .licence(let j): [1] + Array(j.utf8)
        case .boardCertification(let b): [2] + Array(b.utf8)
        case .subspecialty(let s): [3] + Array(s.utf8)
        case .clientCredential(let c, _): [4] + c.bytes
        }
    }
    var strings: [String] {
        switch self {
        case .licence(let s), .boardCertification(let s), .subspecialty(let s): [s]
        case .clientCredential: []
        }
    }
}

/// One price: what a radiologist charges for a modality at an urgency.
public struct PriceEntry: Hashable, Sendable {
    public var modality: Modality
    public var urgency: Urgency
    public var price: UInt64
    public init(modality: Modality, urgency: Urgency, price: UInt64) {
        self.modality = modality
        self.urgency = urgency
        self.price = price
    }
}

/// A radiologist's public profile. Credentials themselves are attestations; the profile lists what it claims.
public struct RadiologistProfile: Hashable, Sendable {
    public var subspecialties: [String]
    /// Jurisdictions whose licences the profile references (eligibility reads the attestations, not this list).
    public var licences: [String]
    public var prices: [PriceEntry]
    /// Maximum studies assigned and not yet reported at once.
    public var capacity: UInt32
    public var available: Bool
    /// X25519 key that access grants are sealed to.
    public var sealingKey: SealingPublicKey
    public init(
        subspecialties: [String], licences: [String], prices: [PriceEntry], capacity: UInt32, available: Bool,
        sealingKey: SealingPublicKey
    ) {
        self.subspecialties = subspecialties
        self.licences = licences
        self.prices = prices
        self.capacity = capacity
        self.available = available
        self.sealingKey = sealingKey
    }
    public func price(for modality: Modality, _ urgency: Urgency) -> UInt64? {
        prices.first { $0.modality == modality && $0.urgency == urgency }?.price
    }
}

/// A client's study order. No patient data: codes, a requisition hash and a ciphertext.
public struct StudyOrder: Hashable, Sendable {
    public var modality: Modality
    public var bodyPart: UInt16
    public var urgency: Urgency
    public var jurisdiction: String
    /// Empty when no subspecialty is required.
    public var requiredSubspecialty: String
    /// When true, only radiologists with a client credential for this client are eligible.
    public var requiresCredentialing: Bool
    /// Maximum price (posted price, intermediary) or reserve (auction), escrowed at posting.
    public var maxPrice: UInt64
    public var deadlineTicks: Int64
    public var requisitionHash: Hash
    /// The access link sealed to the client's own key: the escrowed copy it re-seals to the assignee.
    public var clientSealedLink: SealedBox
    /// Shared clinical context (issue 18 item 1): the link to the patient's clinical summary, held off chain like
    /// the images, sealed to the client's own key (the escrowed copy it re-seals to the assignee with the access
    /// link); nil when the client does not share it. No patient data is on chain, only this ciphertext.
    public var clinicalSummaryLink: SealedBox?
    public init(
        modality: Modality, bodyPart: UInt16, urgency: Urgency, jurisdiction: String, requiredSubspecialty: String = "",
        requiresCredentialing: Bool = false, maxPrice: UInt64, deadlineTicks: Int64, requisitionHash: Hash,
        clientSealedLink: SealedBox, clinicalSummaryLink: SealedBox? = nil
    ) {
        self.clinicalSummaryLink = clinicalSummaryLink
        self.modality = modality
        self.bodyPart = bodyPart
        self.urgency = urgency
        self.jurisdiction = jurisdiction
        self.requiredSubspecialty = requiredSubspecialty
        self.requiresCredentialing = requiresCredentialing
        self.maxPrice = maxPrice
        self.deadlineTicks = deadlineTicks
        self.requisitionHash = requisitionHash
        self.clientSealedLink = clientSealedLink
    }
}

/// A follow-up the report recommends (a code and a time frame).
public struct FollowUp: Hashable, Sendable {
    public var code: UInt16
    public var withinTicks: Int64
    public init(code: UInt16, withinTicks: Int64) {
        self.code = code
        self.withinTicks = withinTicks
    }
}

/// A radiologist's report: a hash of the report document, coded findings and any follow-up, whether the report is
/// structured, and the AI second reader's own verdict on the study (issue 18 items 3 and 4).
public struct ReportSubmission: Hashable, Sendable {
    public var reportHash: Hash
    public var findings: [UInt16]
    public var followUp: FollowUp?
    /// Whether the report follows a structured template.
    public var structured: Bool
    /// The AI second reader's own verdict before the radiologist's final call: true "finding", false "no
    /// finding"; nil when no AI read the study.
    public var aiFinding: Bool?
    public init(
        reportHash: Hash, findings: [UInt16], followUp: FollowUp? = nil, structured: Bool = false,
        aiFinding: Bool? = nil
    ) {
        self.reportHash = reportHash
        self.findings = findings
        self.followUp = followUp
        self.structured = structured
        self.aiFinding = aiFinding
    }
}

/// Where an adjudicated label came from: the provenance the labelled dataset records with it.
public enum LabelSource: UInt8, CaseIterable, Hashable, Sendable {
    /// A RADPEER peer review (`submitPeerReview`, signed by the reviewer).
    case peerReview = 1
    /// The outcome of the follow-up the report recommended (`completeFollowUp`, signed by the client).
    case followUp
    /// Referrer feedback confirming a discrepancy the clinical course showed (`submitFeedback`, signed by the
    /// client).
    case referrerFeedback

    /// `peer_review`, `follow_up`, `referrer_feedback` (events and logs).
    public var name: String {
        switch self {
        case .peerReview: "peer_review"
        case .followUp: "follow_up"
        case .referrerFeedback: "referrer_feedback"
        }
    }
}

/// One adjudicated finding for the labelled dataset: a finding code and the read's outcome against the adjudicated
/// truth (codes only, nothing about the patient).
public struct FindingLabel: Hashable, Sendable {
    public var findingCode: UInt16
    public var outcome: ReadOutcome
    public init(findingCode: UInt16, outcome: ReadOutcome) {
        self.findingCode = findingCode
        self.outcome = outcome
    }
}

// MARK: - Encoding

extension AttestationClaim: CanonicalCodable {
    public func encode(into w: inout CanonicalWriter) {
        switch self {
        case .licence(let j):
            w.putU8(1)
            w.putString(j)
        case .boardCertification(let b):
            w.putU8(2)
            w.putString(b)
        case .subspecialty(let s):
            w.putU8(3)
            w.putString(s)
        case .clientCredential(let c, let t):
            w.putU8(4)
            w.putAddress(c)
            w.putI64(t)
        }
    }
    public init(from r: inout CanonicalReader) throws(DecodingError) {
        switch try r.takeU8() {
        case 1: self = .licence(jurisdiction: try r.takeString())
        case 2: self = .boardCertification(board: try r.takeString())
        case 3: self = .subspecialty(try r.takeString())
        case 4: self = .clientCredential(client: try r.takeAddress(), ticksTaken: try r.takeI64())
        case let t: throw DecodingError(offset: 0, message: "bad claim \(t)")
        }
    }
}

extension PriceEntry: CanonicalCodable {
    public func encode(into w: inout CanonicalWriter) {
        w.putU8(modality.rawValue)
        w.putU8(urgency.rawValue)
        w.putU64(price)
    }
    public init(from r: inout CanonicalReader) throws(DecodingError) {
        modality = try r.takeEnum(Modality.self)
        urgency = try r.takeEnum(Urgency.self)
        price = try r.takeU64()
    }
}

extension RadiologistProfile: CanonicalCodable {
    public func encode(into w: inout CanonicalWriter) {
        w.putStringArray(subspecialties)
        w.putStringArray(licences)
        w.putArray(prices)
        w.putU32(capacity)
        w.putBool(available)
        w.putSealingKey(sealingKey)
    }
    public init(from r: inout CanonicalReader) throws(DecodingError) {
        subspecialties = try r.takeStringArray()
        licences = try r.takeStringArray()
        prices = try r.takeArray()
        capacity = try r.takeU32()
        available = try r.takeBool()
        sealingKey = try r.takeSealingKey()
    }
}

extension StudyOrder: CanonicalCodable {
    public func encode(into w: inout CanonicalWriter) {
        w.putU8(modality.rawValue)
        w.putU16(bodyPart)
        w.putU8(urgency.rawValue)
        w.putString(jurisdiction)
        w.putString(requiredSubspecialty)
        // Flags: bit 0 requires credentialing, bit 1 a clinical summary link follows the sealed link. An order
        // without a summary link encodes exactly as before the link existed (the flag byte was a Bool).
        w.putU8((requiresCredentialing ? 1 : 0) | (clinicalSummaryLink == nil ? 0 : 2))
        w.putU64(maxPrice)
        w.putI64(deadlineTicks)
        w.putHash(requisitionHash)
        w.put(clientSealedLink)
        if let link = clinicalSummaryLink { w.put(link) }
    }
    public init(from r: inout CanonicalReader) throws(DecodingError) {
        modality = try r.takeEnum(Modality.self)
        bodyPart = try r.takeU16()
        urgency = try r.takeEnum(Urgency.self)
        jurisdiction = try r.takeString()
        requiredSubspecialty = try r.takeString()
        let at = r.offset
        let flags = try r.takeU8()
        guard flags <= 3 else { throw DecodingError(offset: at, message: "order flags \(flags) not canonical") }
        requiresCredentialing = flags & 1 != 0
        maxPrice = try r.takeU64()
        deadlineTicks = try r.takeI64()
        requisitionHash = try r.takeHash()
        clientSealedLink = try r.take()
        clinicalSummaryLink = flags & 2 != 0 ? try r.take() : nil
    }
}

extension FollowUp: CanonicalCodable {
    public func encode(into w: inout CanonicalWriter) {
        w.putU16(code)
        w.putI64(withinTicks)
    }
    public init(from r: inout CanonicalReader) throws(DecodingError) {
        code = try r.takeU16()
        withinTicks = try r.takeI64()
    }
}

// The follow-up's presence byte is a flag byte: bit 0 a follow-up follows, bit 1 the AI read the study, bit 2 the AI
// said "finding" (only with bit 1), bit 3 structured. A report without the AI's verdict or the structured flag has
// the bytes it had before they existed (the byte is 0 or 1, as `putOptional` wrote it).
extension ReportSubmission: CanonicalCodable {
    static let followUpFlag: UInt8 = 1
    static let aiReadFlag: UInt8 = 2
    static let aiFindingFlag: UInt8 = 4
    static let structuredFlag: UInt8 = 8

    public func encode(into w: inout CanonicalWriter) {
        w.putHash(reportHash)
        w.putU16Array(findings)
        var flags: UInt8 = followUp == nil ? 0 : Self.followUpFlag
        if let aiFinding { flags |= Self.aiReadFlag | (aiFinding ? Self.aiFindingFlag : 0) }
        if structured { flags |= Self.structuredFlag }
        w.putU8(flags)
        if let followUp { w.put(followUp) }
    }
    public init(from r: inout CanonicalReader) throws(DecodingError) {
        reportHash = try r.takeHash()
        findings = try r.takeU16Array()
        let flags = try r.takeU8()
        let known = Self.followUpFlag | Self.aiReadFlag | Self.aiFindingFlag | Self.structuredFlag
        guard flags & ~known == 0, flags & Self.aiFindingFlag == 0 || flags & Self.aiReadFlag != 0 else {
            throw DecodingError(offset: 0, message: "bad report flags \(flags)")
        }
        followUp = flags & Self.followUpFlag != 0 ? try r.take() : nil
        aiFinding = flags & Self.aiReadFlag != 0 ? flags & Self.aiFindingFlag != 0 : nil
        structured = flags & Self.structuredFlag != 0
    }
}

extension FindingLabel: CanonicalCodable {
    public func encode(into w: inout CanonicalWriter) {
        w.putU16(findingCode)
        w.putU8(outcome.rawValue)
    }
    public init(from r: inout CanonicalReader) throws(DecodingError) {
        findingCode = try r.takeU16()
        outcome = try r.takeEnum(ReadOutcome.self)
    }
}
