// The market designs a scenario compares (`MarketParameters.designs`).

/// One market design to run: a mechanism, optionally with value-based settlement. Maps onto the Contracts
/// genesis (`MarketDesign`, `ValueBasedParameters`).
public struct MarketDesignSpec: Sendable, Equatable {
    /// Each design runs on its own chain, `chainIDPrefix` + the design's name. A chain id is at most 64 ASCII bytes
    /// (Ledger `ChainID`), so a design's name is at most `maxNameBytes` (the scenario loader checks it).
    public static let chainIDPrefix = "readchain-market-"
    public static let maxNameBytes = 64 - chainIDPrefix.utf8.count
    /// The id of this design's chain.
    public var chainID: String { Self.chainIDPrefix + name }

    public enum Mechanism: Sendable, Equatable {
        /// Design (a): the operator charges each client `clientPrices` per study, pays the radiologist the price
        /// less its `marginBasisPoints` (or `payPerWRVU` per wRVU when set, never more than that), and dispatches
        /// to the shortest queue.
        case intermediary(Intermediary)
        /// An eligible radiologist claims an open study at its listed price.
        case postedPrice
        /// Commit–reveal sealed-bid reverse auction.
        case sealedBidAuction(Auction)
    }

    public struct Intermediary: Sendable, Equatable {
        /// The operator's account name (default `intermediary`).
        public var operatorName: String
        /// The operator's margin, basis points of the client price (default 35 %: domain-parameters.md §3
        /// "Radiologist pay per XR read and intermediary margin": the radiologist gets $4–7 of an $8–12 XR read,
        /// a gross margin of ~20–50%; 35% of the $10 midpoint pays $6.50).
        public var marginBasisPoints: Int
        /// Optional pay per wRVU to the radiologist, minor units, capped at the price less the margin (default
        /// none: the radiologist gets (1 − margin) × the client price, as §3's per-read split describes).
        public var payPerWRVU: UInt64?
        /// Negotiated per-study price to clients, minor units (defaults: §3 "Teleradiology per-read price to
        /// client (1-h TAT)", midpoints).
        public var clientPrices: PerModality<UInt64>

        public init(
            operatorName: String = "intermediary", marginBasisPoints: Int = 3500, payPerWRVU: UInt64? = nil,
            clientPrices: PerModality<UInt64> = MarketDefaults.intermediaryClientPrices
        ) {
            self.operatorName = operatorName
            self.marginBasisPoints = marginBasisPoints
            self.payPerWRVU = payPerWRVU
            self.clientPrices = clientPrices
        }

        /// What the operator pays the radiologist for a read priced `price` of `wRVU` work units: the price less
        /// the margin, or `payPerWRVU` × wRVU when that is set and lower; at least 1 minor unit.
        public func pay(price: UInt64, wRVU: Double) -> UInt64 {
            let afterMargin = price - price * UInt64(marginBasisPoints) / 10_000
            guard let perWRVU = payPerWRVU else { return max(1, afterMargin) }
            return max(1, min(afterMargin, UInt64((Double(perWRVU) * wRVU).rounded())))
        }
    }

    public struct Auction: Sendable, Equatable {
        public enum Pricing: String, Sendable, Equatable, CaseIterable {
            case firstPrice = "first_price"
            case secondPrice = "second_price"
        }

        /// Bidding window, ticks (default 5 min **[assumption]**, short against §6 "Emergent (P1) report", 1 h).
        public var biddingWindowTicks: Int64
        /// Reveal window, ticks (default 2 min **[assumption]**).
        public var revealWindowTicks: Int64
        /// Default second price **[assumption]** (truthful bidding).
        public var pricing: Pricing
        /// Score weights in basis points, summing to 10,000 (defaults price 50 %, quality 30 %, turnaround 20 %
        /// **[assumption]**).
        public var priceWeightBasisPoints: Int
        public var qualityWeightBasisPoints: Int
        public var turnaroundWeightBasisPoints: Int

        public init(
            biddingWindowTicks: Int64 = 300_000_000, revealWindowTicks: Int64 = 120_000_000,
            pricing: Pricing = .secondPrice, priceWeightBasisPoints: Int = 5000, qualityWeightBasisPoints: Int = 3000,
            turnaroundWeightBasisPoints: Int = 2000
        ) {
            self.biddingWindowTicks = biddingWindowTicks
            self.revealWindowTicks = revealWindowTicks
            self.pricing = pricing
            self.priceWeightBasisPoints = priceWeightBasisPoints
            self.qualityWeightBasisPoints = qualityWeightBasisPoints
            self.turnaroundWeightBasisPoints = turnaroundWeightBasisPoints
        }
    }

    /// The value-based settlement add-on (posted price or auction only).
    public struct ValueBased: Sendable, Equatable {
        public enum Payout: Sendable, Equatable {
            case proportionalToQualityPoints
            case equalAmongQualified(minPoints: Int)
        }

        /// Share of the price held back until peer review or feedback, basis points (default 10 %
        /// **[assumption]**; domain-parameters.md §7 "MIPS weighting" for the quality-weighted idea).
        public var holdbackBasisPoints: Int
        /// Share of the price levied into the bonus pool, basis points (default 2 % **[assumption]**).
        public var levyBasisPoints: Int
        /// Bonus pool period, ticks (default 30 d **[assumption]**).
        public var bonusPeriodTicks: Int64
        public var payout: Payout
        /// Hold-back released without outcome after this, ticks (default 30 d **[assumption]**).
        public var holdbackTimeoutTicks: Int64
        /// Referrer feedback (1–5) at or above which an unsampled hold-back is released (default 3).
        public var feedbackThreshold: Int
        /// The quality score's weights (default: the discrepancy point alone, as before the weights existed);
        /// weights other than the default need the market's `quality` section.
        public var weights: QualityScoreWeights

        public init(
            holdbackBasisPoints: Int = 1000, levyBasisPoints: Int = 200, bonusPeriodTicks: Int64 = 30 * 86_400_000_000,
            payout: Payout = .proportionalToQualityPoints, holdbackTimeoutTicks: Int64 = 30 * 86_400_000_000,
            feedbackThreshold: Int = 3, weights: QualityScoreWeights = QualityScoreWeights()
        ) {
            self.weights = weights
            self.holdbackBasisPoints = holdbackBasisPoints
            self.levyBasisPoints = levyBasisPoints
            self.bonusPeriodTicks = bonusPeriodTicks
            self.payout = payout
            self.holdbackTimeoutTicks = holdbackTimeoutTicks
            self.feedbackThreshold = feedbackThreshold
        }
    }

    /// A client type's escalating offer under posted prices (issue 18 item 2, "clients competing for attention"):
    /// a routed order that waits is opened to dearer readers. The on-chain ceiling starts at the routed offer and
    /// rises by `perHourBasisPoints` of it per hour waited, up to `capBasisPoints` of the client's willingness to
    /// pay. No default: off unless a design names it **[assumption]**: no published escalation schedule; the
    /// seed's claim is only that "clients who need faster reads would need to pay more".
    public struct Escalation: Sendable, Equatable {
        /// The offer's rise per hour waited, basis points of the opening (routed) offer.
        public var perHourBasisPoints: Int
        /// The ceiling's cap, basis points of the client's willingness to pay for the read (default 100 %).
        public var capBasisPoints: Int

        public init(perHourBasisPoints: Int, capBasisPoints: Int = 10_000) {
            self.perHourBasisPoints = perHourBasisPoints
            self.capBasisPoints = capBasisPoints
        }

        /// The on-chain terms for an opening offer `offer` and a willingness to pay `willingness` (minor units):
        /// the per-hour step (at least 1) and the cap, or nil when the cap does not exceed the offer (a plain order).
        public func terms(offer: UInt64, willingness: UInt64) -> (perHour: UInt64, cap: UInt64)? {
            let cap = UInt64((Double(willingness) * Double(capBasisPoints) / 10_000).rounded(.down))
            guard cap > offer, perHourBasisPoints > 0 else { return nil }
            let step = UInt64((Double(offer) * Double(perHourBasisPoints) / 10_000).rounded(.down))
            return (max(1, step), cap)
        }
    }

    /// A client type's premium for speed under posted prices (issue 18 item 2: "a client paying for speed can
    /// offer a premium for a shorter promised turnaround"): a routed order promises `premiumBasisPoints` of its
    /// opening offer on top of the price when the report commits within `withinTicks` of posting; the premium is
    /// escrowed and refunded when the promise is missed. Readers' claiming software counts the premium in the pay
    /// and the promise as the order's deadline when it expects to meet it. No default: off unless a design names
    /// it **[assumption]**: no published schedule of speed premiums for teleradiology reads.
    public struct SpeedPremium: Sendable, Equatable {
        /// The promised turnaround from posting, ticks.
        public var withinTicks: Int64
        /// The premium, basis points of the opening (routed) offer.
        public var premiumBasisPoints: Int

        public init(withinTicks: Int64, premiumBasisPoints: Int) {
            self.withinTicks = withinTicks
            self.premiumBasisPoints = premiumBasisPoints
        }

        /// The on-chain premium for an opening offer `offer` (minor units, at least 1), or nil when the promise is
        /// not shorter than the order's own turnaround `turnaroundTicks` (a plain order).
        public func terms(offer: UInt64, turnaroundTicks: Int64) -> (amount: UInt64, withinTicks: Int64)? {
            guard withinTicks > 0, withinTicks < turnaroundTicks, premiumBasisPoints > 0 else { return nil }
            let amount = UInt64((Double(offer) * Double(premiumBasisPoints) / 10_000).rounded(.down))
            return (max(1, amount), withinTicks)
        }
    }

    /// Shared clinical context (issue 18 item 1): each order carries a sealed link to the patient's clinical
    /// summary, held off chain like the images, and the reader sees a clinical question on `clinicalQuestionShare`
    /// of reads (those whose requisition already has one, and enough of the rest). No default: off unless a design
    /// names it.
    public struct DataSharing: Sendable, Equatable {
        /// The share of reads with a clinical question when the summary is shared (default 0.88: domain-parameters
        /// §7 "Requisition completeness", Davies 2018: CT/MR/US requests give a question 88% of the time against
        /// 76% overall, the better-documented requests standing in for a shared record).
        public var clinicalQuestionShare: Double

        public init(clinicalQuestionShare: Double = 0.88) {
            self.clinicalQuestionShare = clinicalQuestionShare
        }

        /// The probability that the shared summary supplies the question a requisition lacks, so that a client whose
        /// requisitions carry one with probability `requisitionQuality` reaches ``clinicalQuestionShare`` (0 when it
        /// already does).
        public func fillProbability(requisitionQuality q: Double) -> Double {
            guard clinicalQuestionShare > q, q < 1 else { return 0 }
            return min(1, (clinicalQuestionShare - q) / (1 - q))
        }
    }

    /// Consults (issue 18 item 1): on a hard or ambiguous read the reader asks the client's referrer (a
    /// transaction), holds the read until the referrer replies after a drawn delay, and, if the referrer answers,
    /// talks it through; an answered consult supplies the clinical question and lowers the odds of a miss. No
    /// default: off unless a design names it.
    public struct Consults: Sendable, Equatable {
        /// A read is worth a consult when it is ambiguous, with no clinical question (what a referrer can supply,
        /// §7), and hard: the error model's probability of a miss at its start (the reader's pace, fatigue, shift
        /// volume and burnout, and the missing question) is at least this (default 0.15 **[assumption]**: at the
        /// default parameters about a third of the reads without a question, some 5–10% of reads, the order of the
        /// referrer calls a reading room gets, domain-parameters §9 Sabat 2019: 39 calls a day, 20% of them with
        /// referrers).
        public var hardMissProbability: Double
        /// The referrer's reply delay, log-normal: median, seconds (default 600 **[assumption]**: no published
        /// call-back time; a referrer paged between patients replies in minutes) and log-scale sigma (default 1.0
        /// **[assumption]**: a long right tail). At least 30 s.
        public var replyMedianSeconds: Double
        public var replySigma: Double
        /// The conversation once the referrer answers, log-normal: median, seconds (default 57: domain-parameters §9
        /// "Reading-room phone calls", Yu/Kansagra 2014) and sigma (default 0.5 **[assumption]**).
        public var talkMedianSeconds: Double
        public var talkSigma: Double
        /// The probability an idle referrer answers (default 0.9 **[assumption]**).
        public var answerProbability: Double
        /// The referrer's load at which that probability halves: its client's consults awaiting a reply (default 2
        /// **[assumption]**: a clinician with two calls pending lets the third go).
        public var halfLoad: Double
        /// The odds ratio of a miss on a read whose consult was answered, on top of the clinical question it supplies
        /// (default 1 / 1.4 **[assumption]**: the size of the requisition term, `poor_requisition_odds_ratio`;
        /// domain-parameters §7 Castillo 2021: clinical information improves accuracy).
        public var missOddsRatio: Double

        public init(
            hardMissProbability: Double = 0.15, replyMedianSeconds: Double = 600, replySigma: Double = 1.0,
            talkMedianSeconds: Double = 57, talkSigma: Double = 0.5, answerProbability: Double = 0.9,
            halfLoad: Double = 2, missOddsRatio: Double = 1 / 1.4
        ) {
            self.hardMissProbability = hardMissProbability
            self.replyMedianSeconds = replyMedianSeconds
            self.replySigma = replySigma
            self.talkMedianSeconds = talkMedianSeconds
            self.talkSigma = talkSigma
            self.answerProbability = answerProbability
            self.halfLoad = halfLoad
            self.missOddsRatio = missOddsRatio
        }

        /// The probability the referrer answers with `pending` consults of its client awaiting a reply.
        public func answerProbability(pending: Int) -> Double {
            answerProbability / (1 + Double(max(0, pending)) / halfLoad)
        }
    }

    /// Unique name, used in results (`[A-Za-z0-9._-]+`).
    public var name: String
    public var mechanism: Mechanism
    public var valueBased: ValueBased?
    /// Escalating offers by client type (posted price only; empty: every order's offer is fixed).
    public var escalation: [ClientGroup.ClientType: Escalation]
    /// Speed premiums by client type (posted price only; a client type has either an escalation or a premium).
    public var speedPremium: [ClientGroup.ClientType: SpeedPremium]
    /// Shared clinical context (nil: off).
    public var dataSharing: DataSharing?
    /// Consults with referrers (nil: off).
    public var consults: Consults?

    public init(
        name: String, mechanism: Mechanism, valueBased: ValueBased? = nil,
        escalation: [ClientGroup.ClientType: Escalation] = [:],
        speedPremium: [ClientGroup.ClientType: SpeedPremium] = [:], dataSharing: DataSharing? = nil,
        consults: Consults? = nil
    ) {
        self.dataSharing = dataSharing
        self.consults = consults
        self.name = name
        self.mechanism = mechanism
        self.valueBased = valueBased
        self.escalation = escalation
        self.speedPremium = speedPremium
    }
}
