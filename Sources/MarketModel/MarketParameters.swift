import Foundation

/// A teleradiology market (`kind: market`): clients, radiologist cohorts, referrers, peer review, the AI
/// second reader, the market designs to compare, and the chain they run on.
///
/// Units, once and for all: durations are ticks (`Int64`, 1 tick = 1 microsecond); money is an integer
/// count of minor units of ``currency`` (`UInt64`, cents for USD); percentages are basis points (`Int`,
/// 1 % = 100); probabilities are `Double` in 0...1; volumes are studies per day (`Double`). Every
/// default is documented on its field with the row of `domain-parameters.md` it comes from;
/// **[assumption]** marks a default that no row gives.
public struct MarketModel: Sendable, Equatable {
    /// The one currency every amount in the file is written in (default USD).
    public var currency: Currency
    /// Work RVUs credited for one read of each modality (the intermediary pays per wRVU; burnout's
    /// sustainable workload is in wRVU per day).
    public var studyWRVU: PerModality<Double>
    /// How long new radiologists take to be licensed and credentialed.
    public var credentialing: Credentialing
    /// Client groups; each group is `count` identical clients.
    public var clients: [ClientGroup]
    /// Radiologist cohorts; each cohort is `count` radiologists drawn from the same parameters.
    public var cohorts: [RadiologistCohort]
    /// Referring clinicians' feedback.
    public var referrers: Referrers
    /// Sampled peer review.
    public var peerReview: PeerReview
    /// The AI second reader.
    public var ai: AISecondReader
    /// The market designs, run side by side under common random numbers; names are unique.
    public var designs: [MarketDesignSpec]
    /// The permissioned chain everything runs on.
    public var chain: ChainModel

    public init(
        currency: Currency = .usd, studyWRVU: PerModality<Double> = MarketDefaults.studyWRVU,
        credentialing: Credentialing = Credentialing(), clients: [ClientGroup], cohorts: [RadiologistCohort],
        referrers: Referrers = Referrers(), peerReview: PeerReview = PeerReview(),
        ai: AISecondReader = AISecondReader(),
        designs: [MarketDesignSpec], chain: ChainModel = ChainModel()
    ) {
        self.currency = currency
        self.studyWRVU = studyWRVU
        self.credentialing = credentialing
        self.clients = clients
        self.cohorts = cohorts
        self.referrers = referrers
        self.peerReview = peerReview
        self.ai = ai
        self.designs = designs
        self.chain = chain
    }

    /// Imaging modalities (the on-chain `Modality` of Contracts, by name).
    public enum Modality: String, Sendable, CaseIterable, Equatable, Hashable {
        case xr, ct, mr, us, mg, nm, pet
    }

    /// Study urgencies (the on-chain `Urgency` of Contracts, by name).
    public enum Urgency: String, Sendable, CaseIterable, Equatable, Hashable {
        case routine, urgent, stat
    }
}

/// One value per modality, stored in `MarketModel.Modality.allCases` order (no dictionary order).
public struct PerModality<Value: Sendable & Equatable>: Sendable, Equatable {
    /// Values in `Modality.allCases` order.
    public var values: [Value]

    public init(_ value: (MarketModel.Modality) -> Value) {
        values = MarketModel.Modality.allCases.map(value)
    }

    public subscript(_ modality: MarketModel.Modality) -> Value {
        get { values[MarketModel.Modality.allCases.firstIndex(of: modality)!] }
        set { values[MarketModel.Modality.allCases.firstIndex(of: modality)!] = newValue }
    }
}

/// One value per urgency, stored in `MarketModel.Urgency.allCases` order.
public struct PerUrgency<Value: Sendable & Equatable>: Sendable, Equatable {
    /// Values in `Urgency.allCases` order.
    public var values: [Value]

    public init(_ value: (MarketModel.Urgency) -> Value) {
        values = MarketModel.Urgency.allCases.map(value)
    }

    public subscript(_ urgency: MarketModel.Urgency) -> Value {
        get { values[MarketModel.Urgency.allCases.firstIndex(of: urgency)!] }
        set { values[MarketModel.Urgency.allCases.firstIndex(of: urgency)!] = newValue }
    }
}

// MARK: - Clients

/// A group of `count` identical clients of one type.
public struct ClientGroup: Sendable, Equatable {
    /// Client types; each has its own defaults (arrival shape, credentialing).
    public enum ClientType: String, Sendable, CaseIterable, Equatable {
        case hospitalSystem = "hospital_system"
        case imagingCentre = "imaging_centre"
        case emergencyDepartment = "emergency_department"
    }

    /// Unique name; clients are named `<name>-1`, `<name>-2`...
    public var name: String
    public var type: ClientType
    /// Number of clients in the group, at least 1.
    public var count: Int
    /// The jurisdiction its studies must be read under (a licence some cohort must hold).
    public var jurisdiction: String
    /// What each client of the group sends (volumes are per client).
    public var volumes: [StudyVolume]
    /// Hour-of-week arrival multipliers.
    public var arrivalProfile: ArrivalProfile
    /// Probability a requisition carries a specific clinical question (default 0.76: domain-parameters.md §7
    /// "Requisition completeness (UK acute)").
    public var requisitionQuality: Double
    /// Highest price per read, per modality, in minor units (defaults: §3 "Teleradiology per-read price to
    /// client (1-h TAT)", top of each range; MG/NM/PET **[assumption]**).
    public var willingnessToPay: PerModality<UInt64>
    /// Added to the willingness to pay for a STAT read, minor units (default 2.00 USD: same row, "+$1–2").
    public var statSurcharge: UInt64
    /// Turnaround required per urgency, ticks (defaults: §6 "Emergent (P1) report": STAT 1 h, urgent 12 h,
    /// routine 4 d).
    public var turnaroundTicks: PerUrgency<Int64>
    /// Whether a radiologist needs this client's credentialing before reading for it (default: true for hospital
    /// systems and emergency departments, false for imaging centres, the seed's first target customers).
    public var requiresCredentialing: Bool

    public init(
        name: String, type: ClientType, count: Int = 1, jurisdiction: String, volumes: [StudyVolume],
        arrivalProfile: ArrivalProfile? = nil, requisitionQuality: Double = 0.76,
        willingnessToPay: PerModality<UInt64> = MarketDefaults.willingnessToPay, statSurcharge: UInt64 = 200,
        turnaroundTicks: PerUrgency<Int64> = MarketDefaults.turnaroundTicks, requiresCredentialing: Bool? = nil
    ) {
        self.name = name
        self.type = type
        self.count = count
        self.jurisdiction = jurisdiction
        self.volumes = volumes
        self.arrivalProfile = arrivalProfile ?? MarketDefaults.arrivalProfile(for: type)
        self.requisitionQuality = requisitionQuality
        self.willingnessToPay = willingnessToPay
        self.statSurcharge = statSurcharge
        self.turnaroundTicks = turnaroundTicks
        self.requiresCredentialing = requiresCredentialing ?? (type != .imagingCentre)
    }
}

/// A stream of studies of one modality and urgency from one client.
public struct StudyVolume: Sendable, Equatable {
    public var modality: MarketModel.Modality
    public var urgency: MarketModel.Urgency
    /// Mean studies per day per client (written per day, week or year).
    public var studiesPerDay: Double
    /// A subspecialty the read requires, or `nil` for any general radiologist.
    public var subspecialty: String?
    /// Probability a study has a finding (latent truth). Default 0.3 **[assumption]**; domain-parameters.md §4
    /// "Retrospective error rate" is per abnormal study, so the miss rate applies to this share.
    public var findingPrevalence: Double

    public init(
        modality: MarketModel.Modality, urgency: MarketModel.Urgency, studiesPerDay: Double,
        subspecialty: String? = nil, findingPrevalence: Double = 0.3
    ) {
        self.modality = modality
        self.urgency = urgency
        self.studiesPerDay = studiesPerDay
        self.subspecialty = subspecialty
        self.findingPrevalence = findingPrevalence
    }
}

/// Multipliers of the arrival rate by hour of the week. Hour 0 is Monday 00:00–01:00; simulated time 0 is
/// Monday 00:00. ``multipliers`` are normalised to mean 1, so a volume is the weekly average.
public enum ArrivalProfile: Sendable, Equatable {
    /// Constant rate.
    case flat
    /// `(1 + amplitude · cos(2π (hour − peakHour) / 24))`, times `weekendFactor` on Saturday and Sunday.
    /// The trough is 12 h after the peak.
    case sinusoidal(peakHour: Double, amplitude: Double, weekendFactor: Double)
    /// 168 explicit non-negative multipliers, Monday 00:00 first.
    case explicit([Double])

    /// The 168 hourly multipliers, normalised to mean 1 (each hour's value taken at its midpoint).
    public var multipliers: [Double] {
        let raw: [Double]
        switch self {
        case .flat:
            raw = Array(repeating: 1, count: 168)
        case .sinusoidal(let peak, let amplitude, let weekend):
            raw = (0..<168).map { h in
                let hourOfDay = Double(h % 24) + 0.5
                let day = h / 24
                let daily = 1 + amplitude * cos(2 * Double.pi * (hourOfDay - peak) / 24)
                return daily * (day >= 5 ? weekend : 1)
            }
        case .explicit(let values):
            raw = values
        }
        let mean = raw.reduce(0, +) / Double(raw.count)
        return mean > 0 ? raw.map { $0 / mean } : raw
    }
}

// MARK: - Radiologists

/// `count` radiologists with the same parameters (individuals vary by `speedCV`).
public struct RadiologistCohort: Sendable, Equatable {
    /// Unique name; radiologists are named `<name>-1`, `<name>-2`...
    public var name: String
    /// Number of radiologists at the start, at least 1.
    public var count: Int
    /// Subspecialties they may read (e.g. `neuro`); empty for general radiologists.
    public var subspecialties: [String]
    /// Jurisdictions they are licensed in.
    public var licences: [String]
    /// Whether they start credentialed with every client that requires it (default true); if false they
    /// must first go through ``Credentialing``.
    public var credentialedAtStart: Bool
    public var shift: ShiftPattern
    /// Reading time per modality at pace 1.
    public var readingTime: PerModality<ReadingTime>
    /// Coefficient of variation of personal speed across the cohort (a multiplier on every reading time,
    /// lognormal with mean 1). Default 0.25 **[derived]** from domain-parameters.md §2 "Procedures per FTE
    /// radiologist per year" (the 75th-percentile practice does ≥65% more than the 25th).
    public var speedCV: Double
    public var accuracy: Accuracy
    public var fatigue: Fatigue
    public var burnout: Burnout
    public var pace: Pace
    public var pricing: Pricing
    public var claiming: Claiming

    public init(
        name: String, count: Int, subspecialties: [String] = [], licences: [String], credentialedAtStart: Bool = true,
        shift: ShiftPattern = ShiftPattern(), readingTime: PerModality<ReadingTime> = MarketDefaults.readingTime,
        speedCV: Double = 0.25, accuracy: Accuracy = Accuracy(), fatigue: Fatigue = Fatigue(),
        burnout: Burnout = Burnout(), pace: Pace = Pace(), pricing: Pricing = Pricing(), claiming: Claiming = Claiming()
    ) {
        self.name = name
        self.count = count
        self.subspecialties = subspecialties
        self.licences = licences
        self.credentialedAtStart = credentialedAtStart
        self.shift = shift
        self.readingTime = readingTime
        self.speedCV = speedCV
        self.accuracy = accuracy
        self.fatigue = fatigue
        self.burnout = burnout
        self.pace = pace
        self.pricing = pricing
        self.claiming = claiming
    }
}

/// When a radiologist works: `daysPerWeek` shifts a week (Monday first), each starting at `startHour`.
public struct ShiftPattern: Sendable, Equatable {
    /// Hour of day the shift starts, 0...23 (default 8 **[assumption]**).
    public var startHour: Int
    /// Shift length in ticks, greater than 0 and at most 24 h (default 10 h: domain-parameters.md §4 "Time into
    /// shift at error" puts errors at a mean 8.97 h, median 10 h, so shifts of about 10 h are typical).
    public var lengthTicks: Int64
    /// Shifts per week, 1...7; the days are staggered across the cohort (radiologist i starts on weekday i mod 7)
    /// (default 5 **[assumption]**; 200 working days a year per §2 "Annual wRVU per
    /// radiologist (recent)").
    public var daysPerWeek: Int

    public init(startHour: Int = 8, lengthTicks: Int64 = 10 * 3_600_000_000, daysPerWeek: Int = 5) {
        self.startHour = startHour
        self.lengthTicks = lengthTicks
        self.daysPerWeek = daysPerWeek
    }
}

/// The distribution of one read's duration (reading and dictation) at pace 1.
public struct ReadingTime: Sendable, Equatable {
    public enum Distribution: String, Sendable, Equatable, CaseIterable {
        case lognormal
        /// Memoryless; `cv` is 1. Used by the M/M/c reduction.
        case exponential
    }

    public var distribution: Distribution
    /// Mean duration, ticks.
    public var meanTicks: Int64
    /// Coefficient of variation (standard deviation / mean); 1 for exponential.
    public var cv: Double

    public init(distribution: Distribution = .lognormal, meanTicks: Int64, cv: Double = 0.6) {
        self.distribution = distribution
        self.meanTicks = meanTicks
        self.cv = distribution == .exponential ? 1 : cv
    }
}

/// Error probabilities of a rested, not burned-out radiologist at pace 1 with a good requisition.
public struct Accuracy: Sendable, Equatable {
    /// Probability of missing a present finding (default 0.04: domain-parameters.md §4 "Day-to-day (real-time)
    /// error rate", 3–5% of studies).
    public var missProbability: Double
    /// Probability of reporting a finding that is not there (default 0.02: §4 "Retrospective error rate",
    /// Garland's false positives ~2%).
    public var overcallProbability: Double
    /// Odds ratio of an error when the requisition lacks a clinical question (default 1.4 **[derived]** from §7
    /// "Impact of missing order information": interpretation could be affected in 43% of such studies).
    public var poorRequisitionOddsRatio: Double

    public init(
        missProbability: Double = 0.04, overcallProbability: Double = 0.02, poorRequisitionOddsRatio: Double = 1.4
    ) {
        self.missProbability = missProbability
        self.overcallProbability = overcallProbability
        self.poorRequisitionOddsRatio = poorRequisitionOddsRatio
    }
}

/// How error odds grow with hours into the shift and with the shift's volume. Odds ratios of 1 mean no effect.
public struct Fatigue: Sendable, Equatable {
    /// Hours into the shift after which error odds start to rise, ticks (default 8 h: domain-parameters.md §4
    /// "Time into shift at error", errors at mean 8.97 h, peaking at 10–12 h).
    public var onsetTicks: Int64
    /// Error odds ratio per hour worked beyond the onset (default 1.25 **[derived]** from §4 "Day vs night error"
    /// and "Night-shift decay (residents, CT)": 2.2% in the last 3 h vs 0.4% earlier).
    public var oddsRatioPerHour: Double
    /// Studies read in the shift after which error odds start to rise (default 26: §4 "Neuroradiology error rate
    /// vs studies per shift", lowest at 19–26 a shift).
    public var volumeThreshold: Int
    /// Error odds ratio per 10 studies beyond the threshold (default 1.22 **[derived]** from the same row: +226%
    /// at 67–90 studies vs ≤19, i.e. 3.26 over about 60 studies, 3.26^(10/60)).
    public var oddsRatioPer10Studies: Double

    public init(
        onsetTicks: Int64 = 8 * 3_600_000_000, oddsRatioPerHour: Double = 1.25, volumeThreshold: Int = 26,
        oddsRatioPer10Studies: Double = 1.22
    ) {
        self.onsetTicks = onsetTicks
        self.oddsRatioPerHour = oddsRatioPerHour
        self.volumeThreshold = volumeThreshold
        self.oddsRatioPer10Studies = oddsRatioPer10Studies
    }

    /// No fatigue effect at all (`enabled: false`).
    public static let none = Fatigue(onsetTicks: 0, oddsRatioPerHour: 1, volumeThreshold: 0, oddsRatioPer10Studies: 1)

    /// Whether both effects are absent (odds ratios of exactly 1).
    public var isNeutral: Bool { oddsRatioPerHour == 1 && oddsRatioPer10Studies == 1 }
}

/// A Homer (1985)-style stock of exhaustion on 0...1: it grows with workload above a sustainable level and
/// drains with rest; at or above `threshold` the radiologist is burned out.
///
/// d(stock)/dt = accumulationPerDay · max(0, workload/sustainable − 1) − recoveryPerDay · stock (rest days).
public struct Burnout: Sendable, Equatable {
    /// Sustainable workload, wRVU per working day (default 60: domain-parameters.md §2 "Annual wRVU per
    /// radiologist (recent)", 12,000 wRVU over 200 days).
    public var sustainableWRVUPerDay: Double
    /// Stock gained per day at twice the sustainable workload (default 0.05 **[assumption]**; §5 "Burnout dynamics
    /// model" gives the form, not the rate).
    public var accumulationPerDay: Double
    /// Fraction of the stock lost per day off (default 0.1 **[assumption]**; same row).
    public var recoveryPerDay: Double
    /// Stock at or above which a radiologist counts as burned out, 0...1 (default 0.5 **[assumption]**).
    public var threshold: Double
    /// Fraction starting burned out (default 0.46: §5 "Burnout in private practice (validated PFI)").
    public var initialBurnedOutFraction: Double
    /// Error odds ratio when burned out (default 2.0: §4 "Burnout → error", Panagioti 2018).
    public var errorOddsRatio: Double
    /// Odds ratio, per 1/7 of stock (one point of the 7-point exhaustion scale), of cutting hours within two
    /// years (default 1.43: §5 "Burnout → reduced work hours", Shanafelt 2016).
    public var hoursCutOddsRatioPerPoint: Double
    /// Fraction of shifts dropped by a radiologist who cuts hours (default 21 % = 2100 bp: §5 "Coping via hours").
    public var hoursCutBasisPoints: Int
    /// Yearly probability of leaving the market when not burned out, basis points (default 2.5 % = 250: §5
    /// "Workforce attrition (leaving practice)", 2022 figure).
    public var annualAttritionBasisPoints: Int
    /// Multiplier on the exit hazard when burned out (default 2.1: §5 "Burnout in academic faculty", intention
    /// to leave 51% vs 24%).
    public var exitHazardMultiplier: Double

    public init(
        sustainableWRVUPerDay: Double = 60, accumulationPerDay: Double = 0.05, recoveryPerDay: Double = 0.1,
        threshold: Double = 0.5, initialBurnedOutFraction: Double = 0.46, errorOddsRatio: Double = 2.0,
        hoursCutOddsRatioPerPoint: Double = 1.43, hoursCutBasisPoints: Int = 2100,
        annualAttritionBasisPoints: Int = 250,
        exitHazardMultiplier: Double = 2.1
    ) {
        self.sustainableWRVUPerDay = sustainableWRVUPerDay
        self.accumulationPerDay = accumulationPerDay
        self.recoveryPerDay = recoveryPerDay
        self.threshold = threshold
        self.initialBurnedOutFraction = initialBurnedOutFraction
        self.errorOddsRatio = errorOddsRatio
        self.hoursCutOddsRatioPerPoint = hoursCutOddsRatioPerPoint
        self.hoursCutBasisPoints = hoursCutBasisPoints
        self.annualAttritionBasisPoints = annualAttritionBasisPoints
        self.exitHazardMultiplier = exitHazardMultiplier
    }

    /// No burnout and no exits (`enabled: false`): the stock never moves and nobody leaves.
    public static let none = Burnout(
        sustainableWRVUPerDay: 60, accumulationPerDay: 0, recoveryPerDay: 0, threshold: 1, initialBurnedOutFraction: 0,
        errorOddsRatio: 1, hoursCutOddsRatioPerPoint: 1, hoursCutBasisPoints: 0, annualAttritionBasisPoints: 0,
        exitHazardMultiplier: 1)

    /// Whether the module has no effect: nothing accumulates, nobody starts burned out, no effects, no exits.
    public var isNeutral: Bool {
        accumulationPerDay == 0 && initialBurnedOutFraction == 0 && errorOddsRatio == 1 && hoursCutBasisPoints == 0
            && annualAttritionBasisPoints == 0
    }
}

/// The reading pace a radiologist chooses: pace p divides reading times by p and multiplies miss odds by
/// p^elasticity.
public struct Pace: Sendable, Equatable {
    /// Speed–accuracy elasticity (default 1.4: domain-parameters.md §4 "Reading speed vs major misses",
    /// Sokolovskaya 2015).
    public var elasticity: Double
    /// Slowest pace chosen (default 0.8 **[assumption]**).
    public var minimum: Double
    /// Fastest pace chosen (default 1.5 **[assumption]**). `minimum == maximum == 1` fixes the pace.
    public var maximum: Double

    public init(elasticity: Double = 1.4, minimum: Double = 0.8, maximum: Double = 1.5) {
        self.elasticity = elasticity
        self.minimum = minimum
        self.maximum = maximum
    }

    /// Whether the pace is fixed at 1 (reading times are exactly the configured distribution).
    public var isFixedAtOne: Bool { minimum == 1 && maximum == 1 }
}

/// How a radiologist prices reads (posted-price and auction designs).
public struct Pricing: Sendable, Equatable {
    public enum Strategy: String, Sendable, Equatable, CaseIterable {
        /// Always the list price.
        case fixedList = "fixed_list"
        /// List price × (1 + queueStep × own queue length), capped at list × (1 + maxChange).
        case queueResponsive = "queue_responsive"
        /// Moves prices by `adjustment` a day toward earning `incomeTargetPerHour`, within ±maxChange of list.
        case incomeTarget = "income_target"
    }

    public var strategy: Strategy
    /// List price per modality, minor units (defaults: domain-parameters.md §3 "Radiologist pay per XR read and
    /// intermediary margin": XR 6.00 USD of a $8–12 read; other modalities at the same ~65% share of the §3
    /// "Teleradiology per-read price to client" midpoints **[derived]**).
    public var listPrices: PerModality<UInt64>
    /// Added for a STAT read, minor units (default 1.50 USD: §3 "Teleradiology per-read price", +$1–2).
    public var statSurcharge: UInt64
    /// Price rise per study already queued, basis points (default 5 % **[assumption]**).
    public var queueStepBasisPoints: Int
    /// Largest move away from the list price, basis points (default 50 % **[assumption]**).
    public var maxChangeBasisPoints: Int
    /// Target income per working hour, minor units (default 230.00 USD **[derived]** from §3 "Radiologist
    /// compensation context": $476k a year over ~2,000 h).
    public var incomeTargetPerHour: UInt64
    /// Daily price adjustment toward the target, basis points (default 2 % **[assumption]**).
    public var adjustmentBasisPoints: Int

    public init(
        strategy: Strategy = .fixedList, listPrices: PerModality<UInt64> = MarketDefaults.listPrices,
        statSurcharge: UInt64 = 150, queueStepBasisPoints: Int = 500, maxChangeBasisPoints: Int = 5000,
        incomeTargetPerHour: UInt64 = 23_000, adjustmentBasisPoints: Int = 200
    ) {
        self.strategy = strategy
        self.listPrices = listPrices
        self.statSurcharge = statSurcharge
        self.queueStepBasisPoints = queueStepBasisPoints
        self.maxChangeBasisPoints = maxChangeBasisPoints
        self.incomeTargetPerHour = incomeTargetPerHour
        self.adjustmentBasisPoints = adjustmentBasisPoints
    }
}

/// Which open studies a radiologist claims or bids for.
public struct Claiming: Sendable, Equatable {
    public enum Strategy: String, Sendable, Equatable, CaseIterable {
        /// The oldest eligible open study first (FIFO).
        case firstCome = "first_come"
        /// The best-paid eligible study first (price per minute of expected reading time).
        case bestPaid = "best_paid"
        /// The eligible study with the earliest turnaround deadline first.
        case earliestDeadline = "earliest_deadline"
        /// Studies needing one of the radiologist's subspecialties first, then oldest.
        case subspecialtyFirst = "subspecialty_first"
    }

    public var strategy: Strategy
    /// Most studies held (claimed but not reported) at once, including the one being read; 1 means claim only
    /// when idle (default 3 **[assumption]**).
    public var maxQueue: Int
    /// Sealed-bid auction: a study already holding this many committed bids (a public count on chain) is bid on
    /// only after the less contested ones, so bidders spread over the open studies instead of all bidding on the
    /// same few (default 3 **[assumption]**; a bidder's chance there is at most 1 in 4).
    public var crowdedBids: Int

    public init(strategy: Strategy = .earliestDeadline, maxQueue: Int = 3, crowdedBids: Int = 3) {
        self.strategy = strategy
        self.maxQueue = maxQueue
        self.crowdedBids = crowdedBids
    }
}

// MARK: - Market-wide agents

/// How long licensing and client credentialing take for radiologists not credentialed at the start.
public struct Credentialing: Sendable, Equatable {
    /// Time to obtain a new licence, ticks (default 60 d **[assumption]**; no row).
    public var licenceTicks: Int64
    /// Time to be credentialed by a client that requires it, ticks (default 90 d **[assumption]**; no row).
    public var clientTicks: Int64

    public init(licenceTicks: Int64 = 60 * 86_400_000_000, clientTicks: Int64 = 90 * 86_400_000_000) {
        self.licenceTicks = licenceTicks
        self.clientTicks = clientTicks
    }
}

/// Referring clinicians: feedback on a 1–5 scale, a noisy function of report quality and turnaround.
public struct Referrers: Sendable, Equatable {
    /// Probability a report gets feedback (default 0.3 **[assumption]**).
    public var feedbackProbability: Double
    /// Standard deviation of the noise on the 1–5 scale (default 0.8 **[derived]** from domain-parameters.md §4
    /// "RADPEER inter-rater reliability", κ = 0.11–0.20: ratings are mostly noise).
    public var feedbackNoise: Double
    /// Weight of turnaround against report quality in the feedback, 0...1 (default 0.3 **[assumption]**).
    public var turnaroundWeight: Double

    public init(feedbackProbability: Double = 0.3, feedbackNoise: Double = 0.8, turnaroundWeight: Double = 0.3) {
        self.feedbackProbability = feedbackProbability
        self.feedbackNoise = feedbackNoise
        self.turnaroundWeight = turnaroundWeight
    }
}

/// Sampled peer review (RADPEER).
public struct PeerReview: Sendable, Equatable {
    /// Share of reported studies sampled, basis points (default 5 %: the chain's genesis default
    /// `peerReviewSamplingBasisPoints`; domain-parameters.md §4 "Peer review (RADPEER pilot)").
    public var rateBasisPoints: Int
    /// Probability a reviewer detects a real discrepancy (default 0.6 **[derived]** from §4 "RADPEER inter-rater
    /// reliability", κ = 0.20 dichotomised).
    public var detectionProbability: Double
    /// Probability a reviewer scores a correct read as a discrepancy (default 0.029: §4 "Peer review (RADPEER
    /// pilot)", 2.9% score-2 disagreements).
    public var falseDiscrepancyProbability: Double
    /// Delay from report to review, ticks (default 7 d **[assumption]**).
    public var delayTicks: Int64

    public init(
        rateBasisPoints: Int = 500, detectionProbability: Double = 0.6, falseDiscrepancyProbability: Double = 0.029,
        delayTicks: Int64 = 7 * 86_400_000_000
    ) {
        self.rateBasisPoints = rateBasisPoints
        self.detectionProbability = detectionProbability
        self.falseDiscrepancyProbability = falseDiscrepancyProbability
        self.delayTicks = delayTicks
    }
}

/// The AI second reader. Its error falls with the validated dataset on chain by a power law (Hestness 2017):
/// error(m) = (error at reference − irreducible) · (m / referenceDataset)^exponent + irreducible, applied to
/// 1 − sensitivity and to 1 − specificity.
public struct AISecondReader: Sendable, Equatable {
    public var enabled: Bool
    /// Validated cases available at the start (default 2,000 **[assumption]**: the start of Thian's fast-gain region).
    public var initialDataset: Int
    /// Dataset size at which the reference figures hold (default 20,000: domain-parameters.md §8
    /// "Radiology-specific learning curve (CXR pneumothorax)").
    public var referenceDataset: Int
    /// Sensitivity at the reference size (default 0.86: same row, AUC 0.85–0.86 at 20k images).
    public var sensitivityAtReference: Double
    /// Specificity at the reference size (default 0.889: §8 human baseline, BCSC specificity 88.9%).
    public var specificityAtReference: Double
    /// Power-law exponent of error in dataset size, negative (default −0.3: §8 "Generalisation error vs data",
    /// −0.07 to −0.35, and Thian's −0.28 to −0.52).
    public var exponent: Double
    /// Irreducible error γ (default 0.02 **[assumption]**; §8 "Generalisation error vs data" names the region).
    public var irreducibleError: Double
    /// Probability a radiologist accepts an AI flag that contradicts the read (default 0.5 **[assumption]**,
    /// calibrate against §8 MASAI and PRAIM).
    public var acceptanceProbability: Double
    /// Change in reading time with AI, basis points, may be negative (default −10 %: §8 "AI effect on CXR
    /// reading time").
    public var readingTimeEffectBasisPoints: Int

    public init(
        enabled: Bool = true, initialDataset: Int = 2000, referenceDataset: Int = 20_000,
        sensitivityAtReference: Double = 0.86, specificityAtReference: Double = 0.889, exponent: Double = -0.3,
        irreducibleError: Double = 0.02, acceptanceProbability: Double = 0.5, readingTimeEffectBasisPoints: Int = -1000
    ) {
        self.enabled = enabled
        self.initialDataset = initialDataset
        self.referenceDataset = referenceDataset
        self.sensitivityAtReference = sensitivityAtReference
        self.specificityAtReference = specificityAtReference
        self.exponent = exponent
        self.irreducibleError = irreducibleError
        self.acceptanceProbability = acceptanceProbability
        self.readingTimeEffectBasisPoints = readingTimeEffectBasisPoints
    }
}

// MARK: - Designs

/// One market design to run: a mechanism, optionally with value-based settlement. Maps onto the Contracts
/// genesis (`MarketDesign`, `ValueBasedParameters`).
public struct MarketDesignSpec: Sendable, Equatable {
    public enum Mechanism: Sendable, Equatable {
        /// Design (a): the operator charges each client `clientPrices` per study, pays radiologists `payPerWRVU`
        /// per wRVU and keeps at least `marginBasisPoints` of the price; it dispatches to the shortest queue.
        case intermediary(Intermediary)
        /// An eligible radiologist claims an open study at its listed price.
        case postedPrice
        /// Commit–reveal sealed-bid reverse auction.
        case sealedBidAuction(Auction)
    }

    public struct Intermediary: Sendable, Equatable {
        /// The operator's account name (default `intermediary`).
        public var operatorName: String
        /// Minimum margin, basis points (default 35 %: domain-parameters.md §3 "Radiologist pay per XR read and
        /// intermediary margin", ~20–50%).
        public var marginBasisPoints: Int
        /// Pay per wRVU to the radiologist, minor units (default 10.00 USD **[derived]**: the most that leaves the
        /// 35% margin on every default client price over the default wRVU, e.g. MG $12 × 0.65 / 0.74 = $10.5, CT
        /// $35 × 0.65 / 1.82 = $12.5; §3 "Radiologist compensation context" gives $30–70 per RVU for all costs,
        /// so telerad prices and per-wRVU pay do not fit together for XR).
        public var payPerWRVU: UInt64
        /// Negotiated per-study price to clients, minor units (defaults: §3 "Teleradiology per-read price to
        /// client (1-h TAT)", midpoints).
        public var clientPrices: PerModality<UInt64>

        public init(
            operatorName: String = "intermediary", marginBasisPoints: Int = 3500, payPerWRVU: UInt64 = 1000,
            clientPrices: PerModality<UInt64> = MarketDefaults.intermediaryClientPrices
        ) {
            self.operatorName = operatorName
            self.marginBasisPoints = marginBasisPoints
            self.payPerWRVU = payPerWRVU
            self.clientPrices = clientPrices
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

        public init(
            holdbackBasisPoints: Int = 1000, levyBasisPoints: Int = 200, bonusPeriodTicks: Int64 = 30 * 86_400_000_000,
            payout: Payout = .proportionalToQualityPoints, holdbackTimeoutTicks: Int64 = 30 * 86_400_000_000,
            feedbackThreshold: Int = 3
        ) {
            self.holdbackBasisPoints = holdbackBasisPoints
            self.levyBasisPoints = levyBasisPoints
            self.bonusPeriodTicks = bonusPeriodTicks
            self.payout = payout
            self.holdbackTimeoutTicks = holdbackTimeoutTicks
            self.feedbackThreshold = feedbackThreshold
        }
    }

    /// Unique name, used in results (`[A-Za-z0-9._-]+`).
    public var name: String
    public var mechanism: Mechanism
    public var valueBased: ValueBased?

    public init(name: String, mechanism: Mechanism, valueBased: ValueBased? = nil) {
        self.name = name
        self.mechanism = mechanism
        self.valueBased = valueBased
    }
}

// MARK: - Chain

/// The permissioned BFT chain: validators, limits, timeouts, network, faults, costs, fees.
public struct ChainModel: Sendable, Equatable {
    /// An organisation running validators.
    public struct Operator: Sendable, Equatable {
        public var name: String
        public init(name: String) { self.name = name }
    }

    public struct Validator: Sendable, Equatable {
        public var name: String
        /// The ``Operator`` running it.
        public var operatorName: String
        /// Voting power, at least 1 (default 1).
        public var power: Int
        /// Its region in a `regions` latency profile, or `nil`.
        public var region: String?
        public init(name: String, operatorName: String, power: Int = 1, region: String? = nil) {
            self.name = name
            self.operatorName = operatorName
            self.power = power
            self.region = region
        }
    }

    /// Block limits (defaults: the Ledger mempool's 5,000 transactions and Consensus's 4 MiB value).
    public struct BlockLimits: Sendable, Equatable {
        public var maxTransactions: Int
        public var maxBytes: Int
        /// Wait after a commit before the next height (CometBFT's `timeout_commit`; default 1 s).
        public var intervalTicks: Int64
        public init(maxTransactions: Int = 5000, maxBytes: Int = 4 << 20, intervalTicks: Int64 = 1_000_000) {
            self.maxTransactions = maxTransactions
            self.maxBytes = maxBytes
            self.intervalTicks = intervalTicks
        }
    }

    /// Consensus timeouts `init + round · delta`, ticks (defaults: CometBFT's, as Consensus `TimeoutConfig.cometBFT`).
    public struct Timeouts: Sendable, Equatable {
        public var proposeTicks: Int64
        public var proposeDeltaTicks: Int64
        public var prevoteTicks: Int64
        public var prevoteDeltaTicks: Int64
        public var precommitTicks: Int64
        public var precommitDeltaTicks: Int64
        public init(
            proposeTicks: Int64 = 3_000_000, proposeDeltaTicks: Int64 = 500_000, prevoteTicks: Int64 = 1_000_000,
            prevoteDeltaTicks: Int64 = 500_000, precommitTicks: Int64 = 1_000_000, precommitDeltaTicks: Int64 = 500_000
        ) {
            self.proposeTicks = proposeTicks
            self.proposeDeltaTicks = proposeDeltaTicks
            self.prevoteTicks = prevoteTicks
            self.prevoteDeltaTicks = prevoteDeltaTicks
            self.precommitTicks = precommitTicks
            self.precommitDeltaTicks = precommitDeltaTicks
        }
    }

    /// One-way message delay between validators (and from agents to their validator).
    public enum Latency: Sendable, Equatable {
        case constant(ticks: Int64)
        case lognormal(meanTicks: Int64, cv: Double)
        /// `matrixTicks[i][j]` is the mean delay from region i to region j, with lognormal jitter of `jitterCV`
        /// (0 = constant).
        case regions(names: [String], matrixTicks: [[Int64]], jitterCV: Double)
    }

    public enum FaultAction: Sendable, Equatable {
        case crash(validator: String)
        case restart(validator: String)
        /// Validators split into groups that cannot reach each other for `durationTicks`.
        case partition(groups: [[String]], durationTicks: Int64)
    }

    public struct Fault: Sendable, Equatable {
        public var atTicks: Int64
        public var action: FaultAction
        public init(atTicks: Int64, action: FaultAction) {
            self.atTicks = atTicks
            self.action = action
        }
    }

    /// Transaction fee `minFee + perByte × size`, minor units (defaults: the Contracts genesis, 0.10 USD and 0).
    public struct Fees: Sendable, Equatable {
        public var minFee: UInt64
        public var perByte: UInt64
        public init(minFee: UInt64 = 10, perByte: UInt64 = 0) {
            self.minFee = minFee
            self.perByte = perByte
        }
    }

    public var operators: [Operator]
    public var validators: [Validator]
    public var block: BlockLimits
    public var timeouts: Timeouts
    /// Default: constant 200 us, a LAN **[assumption]**.
    public var latency: Latency
    public var faults: [Fault]
    /// CPU time charged per signature verification, ticks (default 77 us: bench/README.md, Ed25519 verify 77.5 µs).
    public var verificationCostTicks: Int64
    public var fees: Fees

    /// Four validators `v1`...`v4`, each run by its own operator `op1`...`op4`, on a LAN, no faults.
    public init(
        operators: [Operator] = (1...4).map { Operator(name: "op\($0)") },
        validators: [Validator] = (1...4).map { Validator(name: "v\($0)", operatorName: "op\($0)") },
        block: BlockLimits = BlockLimits(), timeouts: Timeouts = Timeouts(), latency: Latency = .constant(ticks: 200),
        faults: [Fault] = [], verificationCostTicks: Int64 = 77, fees: Fees = Fees()
    ) {
        self.operators = operators
        self.validators = validators
        self.block = block
        self.timeouts = timeouts
        self.latency = latency
        self.faults = faults
        self.verificationCostTicks = verificationCostTicks
        self.fees = fees
    }
}

// MARK: - Defaults

/// Defaults that are tables rather than single numbers, each with its domain-parameters.md row.
public enum MarketDefaults {
    private static let minute: Int64 = 60_000_000
    private static let hour: Int64 = 3_600_000_000

    /// wRVU per read: XR 0.22 (§2 "wRVU: chest XR 1 view / 2 views"), CT 1.82 (§2 "wRVU: CT A/P ... 74177"),
    /// MR 2.23 (§2 "wRVU: MRI brain without+with contrast"), MG 0.74 (§2 "wRVU: screening mammogram"),
    /// US 0.6, NM 1.0, PET 1.5 **[assumption]**.
    public static let studyWRVU = PerModality<Double> { m in
        switch m {
        case .xr: 0.22
        case .ct: 1.82
        case .mr: 2.23
        case .us: 0.6
        case .mg: 0.74
        case .nm: 1.0
        case .pet: 1.5
        }
    }

    /// Reading and dictation time, lognormal with CV 0.6 **[assumption]**: XR 2 min (§2 "Radiograph case, total
    /// radiologist time"), CT 12 min (§2 "CT reading and dictation time": between the US private-practice
    /// 5–10 min and the academic 16.6 min), MR 11 min (§2 "Brain MRI reading time", attendings), US 6 min,
    /// MG 3 min, NM 10 min, PET 15 min **[assumption]**.
    public static let readingTime = PerModality<ReadingTime> { m in
        let minutes: Int64 =
            switch m {
            case .xr: 2
            case .ct: 12
            case .mr: 11
            case .us: 6
            case .mg: 3
            case .nm: 10
            case .pet: 15
            }
        return ReadingTime(meanTicks: minutes * minute)
    }

    /// Top of §3 "Teleradiology per-read price to client (1-h TAT)": XR 12, CT 40, MR 50, US 28 USD; MG 15,
    /// NM 45, PET 60 USD **[assumption]**. Minor units (cents).
    public static let willingnessToPay = PerModality<UInt64> { m in
        switch m {
        case .xr: 1200
        case .ct: 4000
        case .mr: 5000
        case .us: 2800
        case .mg: 1500
        case .nm: 4500
        case .pet: 6000
        }
    }

    /// Midpoints of §3 "Teleradiology per-read price to client (1-h TAT)": XR 10, CT 35, MR 45, US 25 USD;
    /// MG 12, NM 40, PET 50 USD **[assumption]**.
    public static let intermediaryClientPrices = PerModality<UInt64> { m in
        switch m {
        case .xr: 1000
        case .ct: 3500
        case .mr: 4500
        case .us: 2500
        case .mg: 1200
        case .nm: 4000
        case .pet: 5000
        }
    }

    /// Radiologist list prices: XR 6.00 USD (§3 "Radiologist pay per XR read and intermediary margin", $4–7),
    /// others ~65% of the client-price midpoints **[derived]**: CT 23, MR 29, US 16, MG 8, NM 26, PET 32 USD.
    public static let listPrices = PerModality<UInt64> { m in
        switch m {
        case .xr: 600
        case .ct: 2300
        case .mr: 2900
        case .us: 1600
        case .mg: 800
        case .nm: 2600
        case .pet: 3200
        }
    }

    /// §6 "Emergent (P1) report" (Wait Time Alliance): STAT 1 h, urgent 12 h, routine 4 d.
    public static let turnaroundTicks = PerUrgency<Int64> { u in
        switch u {
        case .stat: hour
        case .urgent: 12 * hour
        case .routine: 96 * hour
        }
    }

    /// Arrival shape by client type. Emergency departments: sinusoid peaking at 17:00 (trough 05:00), amplitude
    /// 0.6, no weekend dip (§1 "Intraday arrival shape (ED)": trough 04:00–06:00, peak midday–evening; §1
    /// "Day-of-week effect"). Hospital systems: peak 13:00, amplitude 0.5, weekends ×0.6; imaging centres: peak
    /// 12:00, amplitude 0.9, weekends ×0.2 (§1 "Day-of-week effect": weekday US 5.6–9.8× the odds of a high day)
    /// **[assumption]** for the amplitudes.
    public static func arrivalProfile(for type: ClientGroup.ClientType) -> ArrivalProfile {
        switch type {
        case .emergencyDepartment: .sinusoidal(peakHour: 17, amplitude: 0.6, weekendFactor: 1)
        case .hospitalSystem: .sinusoidal(peakHour: 13, amplitude: 0.5, weekendFactor: 0.6)
        case .imagingCentre: .sinusoidal(peakHour: 12, amplitude: 0.9, weekendFactor: 0.2)
        }
    }
}
