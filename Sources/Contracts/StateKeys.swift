import Ledger

/// The state layout. Every key starts with a module prefix; numbers are big-endian so scans run in numeric order.
///
/// | key | value |
/// |---|---|
/// | `meta/genesis` | the canonical Genesis |
/// | `meta/nextStudy`, `meta/nextLabel` | counters (UInt64) |
/// | `meta/bonusPool` | bonus pool balance (UInt64) |
/// | `meta/bonusPeriodStart` | start of the current bonus period (Int64) |
/// | `acct/<address 20>` | `Account` |
/// | `auth/<public key 32>` | empty: a credentialing authority |
/// | `att/<subject 20><kind 1><discriminator>` | `AttestationRecord` |
/// | `rad/<address 20>` | `RadiologistProfile` |
/// | `met/<address 20>` | `QualityMetrics` |
/// | `bpts/<address 20>` | quality points in the current bonus period (UInt64) |
/// | `qual/<address 20>` | `ReportQualityRecord` (genesis quality section only) |
/// | `qscore/<address 20>` | weighted quality score in the current bonus period, basis points (UInt64; scored weights only) |
/// | `study/<id 8>` | `Study` |
/// | `bid/<id 8><bidder 20>` | `BidRecord` (deleted when the auction is finalised or cancelled) |
/// | `dl/<deadline 8><id 8>` | empty: studies not yet reported, by deadline (expiry index) |
/// | `hb/<release time 8><id 8>` | empty: pending hold-backs, by time-out (value-based) |
/// | `label/<seq 8>` | `LabelRecord` |
/// | `esc/<id 8>` | an open escalating offer's per-hour step and cap (two UInt64), removed at the claim |
/// | `prm/<id 8>` | a speed premium and its promised block time (UInt64, Int64), removed at the report |
/// | `cst/<id 8>` | a study's consult (one byte: 0 requested, 1 answered, 2 declined) |
/// | `lbs/<id 8>` | the sequence number (UInt64) of the study's label: a study is labelled once |
/// | `gov/validators` | the validator set after every update returned so far (`[ValidatorUpdate]`); absent until the first change (the genesis set) |
/// | `gov/nextProposal` | counter (UInt64) of validator-change proposals |
/// | `gov/prop/<id 8>` | `ValidatorProposal` |
/// | `gov/jail/<address 20>` | `JailRecord`: a validator jailed for committed misbehaviour |
/// | `rnd/c/<participant 8>` | the participant's commitment to its next reveal (32 bytes) |
/// | `rnd/x/<participant 8>` | the epoch (UInt64) the participant was excluded in (absent: not excluded) |
/// | `rnd/from/<participant 8>` | the first epoch (UInt64) a rejoined participant reveals in (absent: 0) |
/// | `rnd/r/<epoch 8><participant 8>` | the epoch's reveal (32 bytes), deleted when the epoch's beacon is made |
/// | `rnd/beacon` | the latest epoch's beacon (32 bytes) |
/// | `smp/<epoch 8><id 8>` | empty: a study reported in the epoch whose peer-review draw is pending |
public enum StateKeys {
    static func p(_ s: String) -> Bytes { Array(s.utf8) }
    public static let genesis = p("meta/genesis")
    public static let nextStudy = p("meta/nextStudy")
    public static let nextLabel = p("meta/nextLabel")
    public static let bonusPool = p("meta/bonusPool")
    public static let bonusPeriodStart = p("meta/bonusPeriodStart")
    public static let accountPrefix = p("acct/")
    public static let studyPrefix = p("study/")
    public static let labelPrefix = p("label/")
    public static let metricsPrefix = p("met/")
    public static let bonusPointsPrefix = p("bpts/")
    public static let deadlinePrefix = p("dl/")
    public static let holdbackPrefix = p("hb/")
    public static let bidPrefix = p("bid/")
    public static let reportQualityPrefix = p("qual/")
    public static let qualityScorePrefix = p("qscore/")

    public static func account(_ a: Address) -> Bytes { accountPrefix + a.bytes }
    public static func authority(_ k: PublicKey) -> Bytes { p("auth/") + k.bytes }
    public static func attestation(_ subject: Address, _ claim: AttestationClaim) -> Bytes {
        p("att/") + subject.bytes + claim.keySuffix
    }
    public static func profile(_ a: Address) -> Bytes { p("rad/") + a.bytes }
    public static func metrics(_ a: Address) -> Bytes { metricsPrefix + a.bytes }
    public static func bonusPoints(_ a: Address) -> Bytes { bonusPointsPrefix + a.bytes }
    public static func reportQuality(_ a: Address) -> Bytes { reportQualityPrefix + a.bytes }
    public static func qualityScore(_ a: Address) -> Bytes { qualityScorePrefix + a.bytes }
    public static func study(_ id: UInt64) -> Bytes { studyPrefix + id.bigEndianBytes }
    public static func bids(_ id: UInt64) -> Bytes { bidPrefix + id.bigEndianBytes }
    public static func bid(_ id: UInt64, _ bidder: Address) -> Bytes { bids(id) + bidder.bytes }
    public static func deadline(_ t: Int64, _ id: UInt64) -> Bytes {
        deadlinePrefix + t.bigEndianBytes + id.bigEndianBytes
    }
    public static func holdback(_ t: Int64, _ id: UInt64) -> Bytes {
        holdbackPrefix + t.bigEndianBytes + id.bigEndianBytes
    }
    public static func label(_ seq: UInt64) -> Bytes { labelPrefix + seq.bigEndianBytes }
    public static func escalation(_ id: UInt64) -> Bytes { p("esc/") + id.bigEndianBytes }
    public static func premium(_ id: UInt64) -> Bytes { p("prm/") + id.bigEndianBytes }
    public static func consult(_ id: UInt64) -> Bytes { p("cst/") + id.bigEndianBytes }
    public static func studyLabel(_ id: UInt64) -> Bytes { p("lbs/") + id.bigEndianBytes }
    public static let validators = p("gov/validators")
    public static let nextProposal = p("gov/nextProposal")
    public static func proposal(_ id: UInt64) -> Bytes { p("gov/prop/") + id.bigEndianBytes }
    public static let jailPrefix = p("gov/jail/")
    public static func jail(_ a: Address) -> Bytes { jailPrefix + a.bytes }
    public static func randomnessCommitment(_ i: UInt64) -> Bytes { p("rnd/c/") + i.bigEndianBytes }
    public static func randomnessExcluded(_ i: UInt64) -> Bytes { p("rnd/x/") + i.bigEndianBytes }
    public static func randomnessFrom(_ i: UInt64) -> Bytes { p("rnd/from/") + i.bigEndianBytes }
    public static func randomnessReveal(_ epoch: UInt64, _ i: UInt64) -> Bytes {
        p("rnd/r/") + epoch.bigEndianBytes + i.bigEndianBytes
    }
    public static let randomnessBeacon = p("rnd/beacon")
    public static func pendingSamples(_ epoch: UInt64) -> Bytes { p("smp/") + epoch.bigEndianBytes }
    public static func pendingSample(_ epoch: UInt64, _ id: UInt64) -> Bytes {
        pendingSamples(epoch) + id.bigEndianBytes
    }
}
