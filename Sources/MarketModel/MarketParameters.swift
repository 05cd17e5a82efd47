import Foundation

/// The parameters of a teleradiology market (a scenario's `market:` section): clients, radiologist cohorts,
/// referrers, peer review, the AI second reader, the market designs to compare, and the chain they run on.
///
/// Units, once and for all: durations are ticks (`Int64`, 1 tick = 1 microsecond); money is an integer
/// count of minor units of ``currency`` (`UInt64`, cents for USD); percentages are basis points (`Int`,
/// 1 % = 100); probabilities are `Double` in 0...1; volumes are studies per day (`Double`). Every
/// default is documented on its field with the row of `domain-parameters.md` it comes from;
/// **[assumption]** marks a default that no row gives.
public struct MarketParameters: Sendable, Equatable {
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
    /// Report quality: follow-up guideline, structured reports (nil: off, as before issue 18 item 3).
    public var quality: ReportQuality?
    /// The market designs, run side by side under common random numbers; names are unique.
    public var designs: [MarketDesignSpec]
    /// The permissioned chain everything runs on.
    public var chain: ChainParameters

    public init(
        currency: Currency = .usd, studyWRVU: PerModality<Double> = MarketDefaults.studyWRVU,
        credentialing: Credentialing = Credentialing(), clients: [ClientGroup], cohorts: [RadiologistCohort],
        referrers: Referrers = Referrers(), peerReview: PeerReview = PeerReview(),
        ai: AISecondReader = AISecondReader(), quality: ReportQuality? = nil,
        designs: [MarketDesignSpec], chain: ChainParameters = ChainParameters()
    ) {
        self.quality = quality
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
}

/// One value per modality, stored in `Modality.allCases` order (no dictionary order).
public struct PerModality<Value: Sendable & Equatable>: Sendable, Equatable {
    /// Values in `Modality.allCases` order.
    public var values: [Value]

    public init(_ value: (Modality) -> Value) {
        values = Modality.allCases.map(value)
    }

    public subscript(_ modality: Modality) -> Value {
        get { values[Modality.allCases.firstIndex(of: modality)!] }
        set { values[Modality.allCases.firstIndex(of: modality)!] = newValue }
    }
}

/// One value per urgency, stored in `Urgency.allCases` order.
public struct PerUrgency<Value: Sendable & Equatable>: Sendable, Equatable {
    /// Values in `Urgency.allCases` order.
    public var values: [Value]

    public init(_ value: (Urgency) -> Value) {
        values = Urgency.allCases.map(value)
    }

    public subscript(_ urgency: Urgency) -> Value {
        get { values[Urgency.allCases.firstIndex(of: urgency)!] }
        set { values[Urgency.allCases.firstIndex(of: urgency)!] = newValue }
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
    public var modality: Modality
    public var urgency: Urgency
    /// Mean studies per day per client (written per day, week or year).
    public var studiesPerDay: Double
    /// A subspecialty the read requires, or `nil` for any general radiologist.
    public var subspecialty: String?
    /// Probability a study has a finding (latent truth). Default 0.3 **[assumption]**; domain-parameters.md §4
    /// "Retrospective error rate" is per abnormal study, so the miss rate applies to this share.
    public var findingPrevalence: Double

    public init(
        modality: Modality, urgency: Urgency, studiesPerDay: Double,
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

// MARK: - Market-wide agents

/// How long licensing and client credentialing take for radiologists not credentialed at the start and for
/// replacements of radiologists who leave. The attestations are chain transactions of the credentialing
/// authority; shared attestations (credentialing by proxy) are the lever that shortens `clientTicks`.
public struct Credentialing: Sendable, Equatable {
    /// Time to obtain the licences, ticks (default 46 d: domain-parameters.md §9 "Interstate Medical Licensure
    /// Compact (IMLC)", 37–55 days on average).
    public var licenceTicks: Int64
    /// Time to be credentialed by a client that requires it, ticks (default 90 d: §9 "Hospital credentialing and
    /// privileging", ~3 months on average, 60–120+ days; by proxy 36 days, §9 "Telemedicine credentialing by proxy").
    public var clientTicks: Int64

    public init(licenceTicks: Int64 = 46 * 86_400_000_000, clientTicks: Int64 = 90 * 86_400_000_000) {
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
/// 1 − sensitivity and to 1 − specificity of each modality's tool. The dataset is the consortium's pooled set of
/// adjudicated labels (peer review, follow-up outcomes, confirmed referrer feedback), shared by every modality's
/// curve **[assumption]**: per-modality sets would slow each curve by its modality's share of the labels.
public struct AISecondReader: Sendable, Equatable {
    public var enabled: Bool
    /// Whether adjudicated outcomes join the AI's dataset on chain (default true: the parties share every
    /// adjudicated read's label; false: no labels are added and the dataset stays at `initialDataset`).
    public var datasetSharing: Bool
    /// Validated cases available at the start (default 2,000 **[assumption]**: the start of Thian's fast-gain region).
    public var initialDataset: Int
    /// Dataset size at which the reference figures hold (default 20,000: domain-parameters.md §8
    /// "Radiology-specific learning curve (CXR pneumothorax)").
    public var referenceDataset: Int
    /// Sensitivity at the reference size, per modality (``defaultSensitivity``).
    public var sensitivityAtReference: PerModality<Double>
    /// Specificity at the reference size, per modality (``defaultSpecificity``).
    public var specificityAtReference: PerModality<Double>
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

    /// Sensitivity of each modality's tool at the reference dataset:
    /// - CT 0.90: domain-parameters.md §9 "AI for intracranial haemorrhage on non-contrast head CT", commercial
    ///   systems (meta-analysis of 45 studies).
    /// - XR 0.82: §9 "AI for chest radiographs (commercial tools, real-world)", the middle of 72–91% (airspace
    ///   disease, the commonest finding).
    /// - MG 0.869: §4 "Screening mammography benchmarks (US)" (BCSC): standalone AI at least matches the average
    ///   radiologist (§8 McKinney 2020, AUC +11.5 points); with the human read it gives MASAI's rise (§8 "MASAI
    ///   final", 74% → 81%).
    /// - MR, US, NM, PET 0.80 **[assumption]**: no §8/§9 row; a little under the XR and MG tools, as fewer
    ///   validated products exist.
    public static let defaultSensitivity = PerModality<Double> { m in
        switch m {
        case .ct: 0.90
        case .xr: 0.82
        case .mg: 0.869
        case .mr, .us, .nm, .pet: 0.80
        }
    }

    /// Specificity of each modality's tool at the reference dataset:
    /// - CT 0.95: §9 "AI for intracranial haemorrhage", commercial systems.
    /// - XR 0.90 **[derived]**: §9 "AI for chest radiographs", 85–100% on normal or single-finding films and
    ///   "much lower" with several findings, so the lower half of the range.
    /// - MG 0.889: §4 "Screening mammography benchmarks (US)" (BCSC specificity 88.9%).
    /// - MR, US, NM, PET 0.88 **[assumption]**: no §8/§9 row; a little under the XR and MG tools.
    public static let defaultSpecificity = PerModality<Double> { m in
        switch m {
        case .ct: 0.95
        case .xr: 0.90
        case .mg: 0.889
        case .mr, .us, .nm, .pet: 0.88
        }
    }

    public init(
        enabled: Bool = true, datasetSharing: Bool = true, initialDataset: Int = 2000, referenceDataset: Int = 20_000,
        sensitivityAtReference: PerModality<Double> = AISecondReader.defaultSensitivity,
        specificityAtReference: PerModality<Double> = AISecondReader.defaultSpecificity, exponent: Double = -0.3,
        irreducibleError: Double = 0.02, acceptanceProbability: Double = 0.5, readingTimeEffectBasisPoints: Int = -1000
    ) {
        self.enabled = enabled
        self.datasetSharing = datasetSharing
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
