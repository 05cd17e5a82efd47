// The market's domain vocabulary, defined once for every target: the chain's canonical encoding uses the UInt8
// raw values (never reorder or renumber a case), scenario files and the results database use `name`.

/// A closed set of domain terms, each with one stable text name: the key written in scenario files and the text
/// stored in result rows (changing a name changes stored results).
public protocol DomainTerm: CaseIterable, Hashable, Sendable {
    /// The term's stable name.
    var name: String { get }
}

extension DomainTerm {
    /// The term with this name, or nil.
    public init?(name: String) {
        guard let term = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = term
    }
}

/// Imaging modality: an on-chain code (`StudyOrder.modality`), never free text. `allCases` order is the order of
/// `PerModality` values.
public enum Modality: UInt8, DomainTerm {
    case xr = 1
    case ct, mr, us, mg, nm, pet

    /// `xr`, `ct`, `mr`, `us`, `mg`, `nm`, `pet`.
    public var name: String {
        switch self {
        case .xr: "xr"
        case .ct: "ct"
        case .mr: "mr"
        case .us: "us"
        case .mg: "mg"
        case .nm: "nm"
        case .pet: "pet"
        }
    }
}

/// Order urgency: an on-chain code (`StudyOrder.urgency`). `allCases` order is the order of `PerUrgency` values.
public enum Urgency: UInt8, DomainTerm {
    case routine = 1
    case urgent, stat

    /// `routine`, `urgent`, `stat`.
    public var name: String {
        switch self {
        case .routine: "routine"
        case .urgent: "urgent"
        case .stat: "stat"
        }
    }
}

/// The truth-table outcome of a read against the latent truth; on chain, the adjudicated outcome of a finding
/// code in the labelled dataset (`FindingLabel.outcome`).
public enum ReadOutcome: UInt8, DomainTerm {
    case truePositive = 1
    case falsePositive, trueNegative, falseNegative

    /// A false positive (over-call) or a false negative (miss).
    public var isError: Bool { self == .falsePositive || self == .falseNegative }

    /// Whether the report states a finding (true or false positive).
    public var reportsFinding: Bool { self == .truePositive || self == .falsePositive }

    /// `truePositive`, `falsePositive`, `trueNegative`, `falseNegative`.
    public var name: String {
        switch self {
        case .truePositive: "truePositive"
        case .falsePositive: "falsePositive"
        case .trueNegative: "trueNegative"
        case .falseNegative: "falseNegative"
        }
    }
}

/// Where a study stands at the end of a market run.
public enum StudyStatus: DomainTerm {
    /// Not reported yet (unfinished at the horizon).
    case open
    /// The report was committed.
    case reported
    /// Given up after the last repost, never reported.
    case expired

    /// `open`, `reported`, `expired`.
    public var name: String {
        switch self {
        case .open: "open"
        case .reported: "reported"
        case .expired: "expired"
        }
    }
}

/// A RADPEER 2016 peer-review score (Goldberg-Stein et al., JACR 2017): 1 concur; 2 discrepancy in a difficult
/// case, not ordinarily expected to be made; 3 discrepancy that should be made most of the time; a/b = unlikely /
/// likely clinically significant. On chain in `SubmitPeerReview`.
public enum ReviewScore: UInt8, DomainTerm {
    case concur = 1
    case score2a, score2b, score3a, score3b

    /// The score level 1, 2 or 3.
    public var level: Int {
        switch self {
        case .concur: 1
        case .score2a, .score2b: 2
        case .score3a, .score3b: 3
        }
    }

    /// Any score other than 1 counts towards the discrepancy rate.
    public var isDiscrepancy: Bool { self != .concur }
    /// 2b, 3a and 3b forfeit a value-based hold-back.
    public var forfeitsHoldback: Bool { self == .score2b || self == .score3a || self == .score3b }
    /// 2b and 3b: likely clinically significant.
    public var isClinicallySignificant: Bool { self == .score2b || self == .score3b }

    /// `1`, `2a`, `2b`, `3a`, `3b`.
    public var name: String {
        switch self {
        case .concur: "1"
        case .score2a: "2a"
        case .score2b: "2b"
        case .score3a: "3a"
        case .score3b: "3b"
        }
    }
}
