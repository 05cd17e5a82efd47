import Ledger

/// How studies are matched to radiologists: a genesis parameter of the chain.
public enum MarketDesign: Equatable, Sendable {
    /// An operator account assigns each study and sets the radiologist's pay. The client pays its order's
    /// `maxPrice`; the operator keeps `maxPrice - pay`, which must be at least `marginBasisPoints` of the price.
    case intermediary(operator: Address, marginBasisPoints: UInt64)
    /// An eligible radiologist claims an open study at its listed price for the study's modality and urgency,
    /// if that price is within the client's maximum. The first valid claim in block order wins.
    case postedPrice
    /// Commit-reveal sealed-bid reverse auction over a bidding window then a reveal window, scored on price,
    /// quality and promised turnaround; anyone may finalise after the reveal window.
    case sealedBidAuction(AuctionParameters)
}

/// First-price pays the winner's own bid; second-price pays the price at which the winner's score would equal
/// the runner-up's (the multi-attribute "second-score" rule of Che 1993), capped at the client's maximum.
public enum AuctionPricing: UInt8, Equatable, Sendable {
    case firstPrice = 1
    case secondPrice = 2
}

/// Weights of the auction score. Each component is normalised to 0...10_000 before weighting.
public struct ScoreWeights: Equatable, Sendable {
    public var price: UInt64
    public var quality: UInt64
    public var turnaround: UInt64
    public init(price: UInt64, quality: UInt64, turnaround: UInt64) {
        self.price = price
        self.quality = quality
        self.turnaround = turnaround
    }
}

public struct AuctionParameters: Equatable, Sendable {
    public var biddingWindowTicks: Int64
    public var revealWindowTicks: Int64
    public var pricing: AuctionPricing
    public var weights: ScoreWeights
    public init(biddingWindowTicks: Int64, revealWindowTicks: Int64, pricing: AuctionPricing, weights: ScoreWeights) {
        self.biddingWindowTicks = biddingWindowTicks
        self.revealWindowTicks = revealWindowTicks
        self.pricing = pricing
        self.weights = weights
    }
}

/// How the bonus pool is paid out at each period boundary.
public enum BonusPayoutRule: Equatable, Sendable {
    /// Each radiologist gets `pool × points / totalPoints` (rounded down; the remainder stays in the pool).
    case proportionalToQualityPoints
    /// Every radiologist with at least `minPoints` quality points in the period gets an equal share.
    case equalAmongQualified(minPoints: UInt64)
}

/// The value-based settlement add-on, combinable with posted price or the auction (not with the intermediary).
///
/// At report time `levyBasisPoints` of the price goes to the bonus pool and `holdbackBasisPoints` stays in the
/// study's escrow. The hold-back is released to the radiologist (and earns one quality point) when the sampled
/// peer review scores 1 or 2a, or — for unsampled studies — when the referrer's feedback is at least
/// `feedbackThreshold`; it is forfeited (refunded to the client) on a peer review of 2b, 3a or 3b or feedback below
/// the threshold; with no outcome after `holdbackTimeoutTicks` it is released (without a quality point).
public struct ValueBasedParameters: Equatable, Sendable {
    public var holdbackBasisPoints: UInt64
    public var levyBasisPoints: UInt64
    public var bonusPeriodTicks: Int64
    public var payout: BonusPayoutRule
    public var holdbackTimeoutTicks: Int64
    public var feedbackThreshold: UInt8
    public init(
        holdbackBasisPoints: UInt64, levyBasisPoints: UInt64, bonusPeriodTicks: Int64, payout: BonusPayoutRule,
        holdbackTimeoutTicks: Int64, feedbackThreshold: UInt8 = 3
    ) {
        self.holdbackBasisPoints = holdbackBasisPoints
        self.levyBasisPoints = levyBasisPoints
        self.bonusPeriodTicks = bonusPeriodTicks
        self.payout = payout
        self.holdbackTimeoutTicks = holdbackTimeoutTicks
        self.feedbackThreshold = feedbackThreshold
    }
}

/// Transaction fees: `minFee + perByte × encodedSize` minor units, paid to `Genesis.feeCollector`.
public struct FeeParameters: Equatable, Sendable {
    public var minFee: UInt64
    public var perByte: UInt64
    public init(minFee: UInt64, perByte: UInt64) {
        self.minFee = minFee
        self.perByte = perByte
    }
    public func required(forEncodedSize size: Int) -> UInt64 { minFee + perByte * UInt64(size) }
}

/// Size limits on message fields (no patient data on-chain: fields are hashes, codes or ciphertext).
public struct SizeLimits: Equatable, Sendable {
    public var maxMessageBytes: Int
    public var maxStringBytes: Int
    public var maxListCount: Int
    public var maxSealedBoxBytes: Int
    public init(
        maxMessageBytes: Int = 2048, maxStringBytes: Int = 32, maxListCount: Int = 32, maxSealedBoxBytes: Int = 256
    ) {
        self.maxMessageBytes = maxMessageBytes
        self.maxStringBytes = maxStringBytes
        self.maxListCount = maxListCount
        self.maxSealedBoxBytes = maxSealedBoxBytes
    }
}

/// One participant of the randomness beacon (a validator operator's account) and its first commitment.
public struct RandomnessParticipant: Equatable, Sendable {
    /// The account that reveals (it pays the reveals' fees, so it needs a genesis balance).
    public var address: Address
    /// `Randomness.commitment(secret₀)`: what its first reveal must open.
    public var commitment: Hash
    public init(address: Address, commitment: Hash) {
        self.address = address
        self.commitment = commitment
    }
}

/// The randomness beacon of the chain (issue 17 item 2): an application-level commit-reveal among the
/// participants, with recommit (RANDAO-style), one beacon per epoch of `epochHeights` heights. See
/// `Randomness` (Context+Randomness.swift) and ARCHITECTURE.md "Unbiasable sampling".
public struct RandomnessParameters: Equatable, Sendable {
    /// Heights per epoch: epoch E is the heights `E·L ... E·L + L − 1` (height 0, genesis, is in epoch 0).
    /// Default 10 heights (about 10 s of a busy chain at the default 1 s block interval) [assumption].
    public var epochHeights: UInt64
    /// Epochs an excluded participant waits before it may rejoin (`rejoinRandomness`); every rejoin gives a
    /// withholding participant one more withheld beacon, so this bounds the bias rate to one per `rejoinDelay`
    /// epochs per participant.
    public var rejoinDelayEpochs: UInt64
    /// In participant order: the beacon hashes the reveals in this order.
    public var participants: [RandomnessParticipant]
    public init(
        epochHeights: UInt64 = 10, rejoinDelayEpochs: UInt64 = 1_000, participants: [RandomnessParticipant] = []
    ) {
        self.epochHeights = epochHeights
        self.rejoinDelayEpochs = rejoinDelayEpochs
        self.participants = participants
    }
}

public struct GenesisAccount: Equatable, Sendable {
    public var address: Address
    public var balance: UInt64
    public init(address: Address, balance: UInt64) {
        self.address = address
        self.balance = balance
    }
}

/// Validator governance (issue 17 item 4): who may change the validator set, and for how long a proposal stays open.
///
/// `operators` are the validator operators' account keys: a list of its own, not `Genesis.authorities` (a
/// credentialing authority attests licences; an operator runs a validator). A proposal is adopted when more than
/// 2/3 of the operators have approved it (`3 × approvals > 2 × operators`), within `proposalWindowTicks` of block
/// time from the proposing block.
public struct GovernanceParameters: Equatable, Sendable {
    public var operators: [PublicKey]
    public var proposalWindowTicks: Int64

    /// The default window: one day of block time.
    public static let defaultProposalWindowTicks: Int64 = 86_400_000_000

    public init(operators: [PublicKey], proposalWindowTicks: Int64 = GovernanceParameters.defaultProposalWindowTicks) {
        self.operators = operators
        self.proposalWindowTicks = proposalWindowTicks
    }

    /// Whether `approvals` operators are more than 2/3 of them.
    public func isQuorum(_ approvals: Int) -> Bool { 3 * approvals > 2 * operators.count }
}

/// Everything the chain starts from. Supply is the sum of genesis balances and never changes.
public struct Genesis: Equatable, Sendable {
    public var chainID: String
    public var genesisTimeTicks: Int64
    public var accounts: [GenesisAccount]
    /// Credentialing authorities: only these keys may issue or revoke attestations.
    public var authorities: [PublicKey]
    public var market: MarketDesign
    public var valueBased: ValueBasedParameters?
    public var fees: FeeParameters
    /// Receives every transaction fee (e.g. the consortium's validator treasury).
    public var feeCollector: Address
    /// Fraction of reported studies sampled for peer review, in basis points.
    public var peerReviewSamplingBasisPoints: UInt64
    public var limits: SizeLimits
    /// Turnarounds kept per radiologist for the median (a bounded window of the most recent reads).
    public var turnaroundWindow: UInt32
    public var validators: [ValidatorUpdate]
    /// Validator governance (issue 17 item 4); nil: no operator may change the set (jailing still applies). Encoded
    /// as an optional trailing section, so a genesis without it has the bytes it had before governance existed.
    public var governance: GovernanceParameters?
    /// The follow-up guideline and value-based quality weights (issue 18 item 3); nil: reports are not judged.
    /// An optional trailing section after governance, so a genesis without it has its old bytes.
    public var quality: QualityParameters?
    /// The randomness beacon that decides peer-review samples (no participants: a beacon chained from the
    /// previous one, predictable; for tests and chains that sample at 0 or 100% only).
    public var randomness: RandomnessParameters

    public init(
        chainID: String, genesisTimeTicks: Int64 = 0, accounts: [GenesisAccount], authorities: [PublicKey],
        market: MarketDesign, valueBased: ValueBasedParameters? = nil,
        fees: FeeParameters = FeeParameters(minFee: 10, perByte: 0), feeCollector: Address,
        peerReviewSamplingBasisPoints: UInt64 = 500, limits: SizeLimits = SizeLimits(), turnaroundWindow: UInt32 = 64,
        validators: [ValidatorUpdate] = [], governance: GovernanceParameters? = nil,
        randomness: RandomnessParameters = RandomnessParameters(), quality: QualityParameters? = nil
    ) {
        self.quality = quality
        self.chainID = chainID
        self.genesisTimeTicks = genesisTimeTicks
        self.accounts = accounts
        self.authorities = authorities
        self.market = market
        self.valueBased = valueBased
        self.fees = fees
        self.feeCollector = feeCollector
        self.peerReviewSamplingBasisPoints = peerReviewSamplingBasisPoints
        self.limits = limits
        self.turnaroundWindow = turnaroundWindow
        self.validators = validators
        self.governance = governance
        self.randomness = randomness
    }

    /// Total supply in minor units.
    public var supply: UInt64 { accounts.reduce(0) { $0 + $1.balance } }

    /// Problems that make this genesis unusable, empty when valid.
    public func problems() -> [String] {
        var out: [String] = []
        if let problem = ChainID.problem(chainID) { out.append(problem) }
        for k in validators.map(\.publicKey) + authorities where k.hasSmallOrder {
            out.append("key \(k.hex) has small order (it would sign every message)")
        }
        var total: UInt64 = 0
        for a in accounts {
            let (s, o) = total.addingReportingOverflow(a.balance)
            if o { out.append("supply overflows UInt64") }
            total = s
        }
        if Set(accounts.map(\.address)).count != accounts.count { out.append("duplicate genesis account") }
        if case .intermediary(_, let m) = market {
            if m > 10_000 { out.append("margin above 100%") }
            if valueBased != nil { out.append("value-based settlement combines with posted price or auction only") }
        }
        if case .sealedBidAuction(let p) = market {
            if p.biddingWindowTicks <= 0 || p.revealWindowTicks <= 0 { out.append("auction windows must be positive") }
            if p.weights.price + p.weights.quality + p.weights.turnaround == 0 {
                out.append("auction weights all zero")
            }
        }
        if let v = valueBased {
            if v.holdbackBasisPoints + v.levyBasisPoints > 10_000 { out.append("hold-back plus levy above 100%") }
            if v.bonusPeriodTicks <= 0 || v.holdbackTimeoutTicks <= 0 {
                out.append("value-based periods must be positive")
            }
        }
        if peerReviewSamplingBasisPoints > 10_000 { out.append("sampling rate above 100%") }
        if turnaroundWindow == 0 { out.append("turnaround window must be positive") }
        if randomness.epochHeights < 2 { out.append("randomness epoch must be at least 2 heights") }
        if randomness.rejoinDelayEpochs == 0 { out.append("randomness rejoin delay must be positive") }
        let participants = randomness.participants.map(\.address)
        if Set(participants).count != participants.count { out.append("duplicate randomness participant") }
        let funded = Set(accounts.filter { $0.balance > 0 }.map(\.address))
        for a in participants where !funded.contains(a) {
            out.append("randomness participant \(a.hex) has no genesis balance for its fees")
        }
        if let g = governance {
            if g.operators.isEmpty { out.append("governance without operators") }
            if Set(g.operators).count != g.operators.count { out.append("duplicate operator") }
            for k in g.operators where k.hasSmallOrder { out.append("operator key \(k.hex) has small order") }
            if g.proposalWindowTicks <= 0 { out.append("proposal window must be positive") }
        }
        if let q = quality { out += q.problems() }
        return out
    }
}

// MARK: - Canonical encoding

extension AuctionParameters: CanonicalCodable {
    public func encode(into w: inout CanonicalWriter) {
        w.putI64(biddingWindowTicks)
        w.putI64(revealWindowTicks)
        w.putU8(pricing.rawValue)
        w.putU64(weights.price)
        w.putU64(weights.quality)
        w.putU64(weights.turnaround)
    }
    public init(from r: inout CanonicalReader) throws(DecodingError) {
        biddingWindowTicks = try r.takeI64()
        revealWindowTicks = try r.takeI64()
        pricing = try r.takeEnum(AuctionPricing.self)
        weights = ScoreWeights(price: try r.takeU64(), quality: try r.takeU64(), turnaround: try r.takeU64())
    }
}

extension MarketDesign: CanonicalCodable {
    public func encode(into w: inout CanonicalWriter) {
        switch self {
        case .intermediary(let op, let m):
            w.putU8(1)
            w.putAddress(op)
            w.putU64(m)
        case .postedPrice:
            w.putU8(2)
        case .sealedBidAuction(let p):
            w.putU8(3)
            w.put(p)
        }
    }
    public init(from r: inout CanonicalReader) throws(DecodingError) {
        switch try r.takeU8() {
        case 1: self = .intermediary(operator: try r.takeAddress(), marginBasisPoints: try r.takeU64())
        case 2: self = .postedPrice
        case 3: self = .sealedBidAuction(try r.take())
        case let t: throw DecodingError(offset: 0, message: "bad market design \(t)")
        }
    }
}

extension BonusPayoutRule: CanonicalCodable {
    public func encode(into w: inout CanonicalWriter) {
        switch self {
        case .proportionalToQualityPoints: w.putU8(1)
        case .equalAmongQualified(let m):
            w.putU8(2)
            w.putU64(m)
        }
    }
    public init(from r: inout CanonicalReader) throws(DecodingError) {
        switch try r.takeU8() {
        case 1: self = .proportionalToQualityPoints
        case 2: self = .equalAmongQualified(minPoints: try r.takeU64())
        case let t: throw DecodingError(offset: 0, message: "bad payout rule \(t)")
        }
    }
}

extension ValueBasedParameters: CanonicalCodable {
    public func encode(into w: inout CanonicalWriter) {
        w.putU64(holdbackBasisPoints)
        w.putU64(levyBasisPoints)
        w.putI64(bonusPeriodTicks)
        w.put(payout)
        w.putI64(holdbackTimeoutTicks)
        w.putU8(feedbackThreshold)
    }
    public init(from r: inout CanonicalReader) throws(DecodingError) {
        holdbackBasisPoints = try r.takeU64()
        levyBasisPoints = try r.takeU64()
        bonusPeriodTicks = try r.takeI64()
        payout = try r.take()
        holdbackTimeoutTicks = try r.takeI64()
        feedbackThreshold = try r.takeU8()
    }
}

extension RandomnessParticipant: CanonicalCodable {
    public func encode(into w: inout CanonicalWriter) {
        w.putAddress(address)
        w.putHash(commitment)
    }
    public init(from r: inout CanonicalReader) throws(DecodingError) {
        address = try r.takeAddress()
        commitment = try r.takeHash()
    }
}

extension RandomnessParameters: CanonicalCodable {
    public func encode(into w: inout CanonicalWriter) {
        w.putU64(epochHeights)
        w.putU64(rejoinDelayEpochs)
        w.putArray(participants)
    }
    public init(from r: inout CanonicalReader) throws(DecodingError) {
        epochHeights = try r.takeU64()
        rejoinDelayEpochs = try r.takeU64()
        participants = try r.takeArray()
    }
}

extension GenesisAccount: CanonicalCodable {
    public func encode(into w: inout CanonicalWriter) {
        w.putAddress(address)
        w.putU64(balance)
    }
    public init(from r: inout CanonicalReader) throws(DecodingError) {
        address = try r.takeAddress()
        balance = try r.takeU64()
    }
}

extension Genesis: CanonicalCodable {
    public func encode(into w: inout CanonicalWriter) {
        w.putString(chainID)
        w.putI64(genesisTimeTicks)
        w.putArray(accounts)
        w.putU32(UInt32(authorities.count))
        for a in authorities { w.putPublicKey(a) }
        w.put(market)
        w.putOptional(valueBased)
        w.putU64(fees.minFee)
        w.putU64(fees.perByte)
        w.putAddress(feeCollector)
        w.putU64(peerReviewSamplingBasisPoints)
        w.putU64(UInt64(limits.maxMessageBytes))
        w.putU64(UInt64(limits.maxStringBytes))
        w.putU64(UInt64(limits.maxListCount))
        w.putU64(UInt64(limits.maxSealedBoxBytes))
        w.putU32(turnaroundWindow)
        w.putArray(validators)
        w.put(randomness)
        // Trailing sections, each behind its own tag; absent ones write nothing (older genesis bytes unchanged).
        if let governance {
            w.putU8(Genesis.governanceSection)
            w.put(governance)
        }
        if let quality {
            w.putU8(Genesis.qualitySection)
            w.put(quality)
        }
    }
    public init(from r: inout CanonicalReader) throws(DecodingError) {
        chainID = try r.takeString()
        genesisTimeTicks = try r.takeI64()
        accounts = try r.takeArray()
        let n = try r.takeCount()
        var keys: [PublicKey] = []
        for _ in 0..<n { keys.append(try r.takePublicKey()) }
        authorities = keys
        market = try r.take()
        valueBased = try r.takeOptional()
        fees = FeeParameters(minFee: try r.takeU64(), perByte: try r.takeU64())
        feeCollector = try r.takeAddress()
        peerReviewSamplingBasisPoints = try r.takeU64()
        limits = SizeLimits(
            maxMessageBytes: try r.takeInt(), maxStringBytes: try r.takeInt(), maxListCount: try r.takeInt(),
            maxSealedBoxBytes: try r.takeInt())
        turnaroundWindow = try r.takeU32()
        validators = try r.takeArray()
        randomness = try r.take()
        governance = nil
        quality = nil
        // Sections in increasing tag order, each at most once.
        var last: UInt8 = 0
        while r.remaining > 0 {
            let section = try r.takeU8()
            guard section > last else {
                throw DecodingError(offset: 0, message: "genesis section \(section) out of order")
            }
            last = section
            switch section {
            case Genesis.governanceSection: governance = try r.take()
            case Genesis.qualitySection: quality = try r.take()
            default: throw DecodingError(offset: 0, message: "bad genesis section \(section)")
            }
        }
    }

    /// The tag of the governance section.
    static let governanceSection: UInt8 = 0x47
    /// The tag of the quality section.
    static let qualitySection: UInt8 = 0x51
}

extension GovernanceParameters: CanonicalCodable {
    public func encode(into w: inout CanonicalWriter) {
        w.putU32(UInt32(operators.count))
        for k in operators { w.putPublicKey(k) }
        w.putI64(proposalWindowTicks)
    }
    public init(from r: inout CanonicalReader) throws(DecodingError) {
        let n = try r.takeCount()
        var keys: [PublicKey] = []
        for _ in 0..<n { keys.append(try r.takePublicKey()) }
        operators = keys
        proposalWindowTicks = try r.takeI64()
    }
}
