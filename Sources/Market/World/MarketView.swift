// What the actors know of the market: its fixed terms (`MarketTerms`), and at each event the clock, the studies
// as the chain has shown them and their records (`MarketView`, read-only). Actors change the market only through
// the actions they return.

import Contracts
import Ledger
import MarketModel

/// Where a study is in its market, as the agents see it.
enum Phase: Equatable {
    case arrived, posting, open, bidding, assigned, reported, expired
}

/// A study as the market sees it: the client's order and what the chain has said of it.
struct LocalStudy: Identified {
    typealias ID = StudyID
    /// The study as generated (never changed), boxed: a copy of a `LocalStudy` then retains one reference instead
    /// of every string and array of the study and its patient record (the radiologists read the whole book often;
    /// issue 16 item 1).
    private let box: GeneratedBox
    /// The study as generated, read in place.
    var generated: GeneratedStudy { _read { yield box.value } }
    var client: ClientID
    var phase: Phase = .arrived
    var chainID: UInt64?
    var deadline: Int64 = 0
    var biddingEnds: Int64 = 0
    var revealEnds: Int64 = 0
    /// The order's opening offer (the price cap a claim's listed price must stay under).
    var maxPrice: UInt64 = 0
    /// An escalating offer's per-hour step and cap (minor units) and its posting's block time, as the chain
    /// recorded them (nil: the offer is fixed at `maxPrice`).
    var escalation: (perHour: UInt64, cap: UInt64, postedAt: Int64)?
    /// A speed premium and the block time its report must commit by, as the chain recorded them (nil: none).
    var premium: (amount: UInt64, promisedBy: Int64)?
    /// The reader has a clinical question: the requisition's own, or (data sharing) the shared clinical summary's.
    var clinicalContext = false
    /// A consult with the referrer was requested for the study (at most one per study).
    var consulted = false
    var assignee: RadiologistID?
    var granted = false
    var outcome: ReadResult?
    /// The latest read's report recommends a follow-up (what the client then completes).
    var recommendsFollowUp = false
    /// Reads of the study started so far, by anyone (the next read is attempt `readsStarted + 1`, ``ReadDraws``).
    var readsStarted = 0
    /// Times the client posted the study again with a fresh deadline after missing one (at most
    /// `Client.maxReposts`); an auction's rebids within one deadline do not count.
    var deadlineReposts = 0
    var holdback: UInt64 = 0
    var reviewer: RadiologistID?
    /// Sealed bids this study received from the world's radiologists (for reveals).
    var bids: [SealedBid] = []
    /// Sealed bids committed on chain for the current auction (the study's public `bidCount`), as bidders see it.
    var committedBids = 0

    init(generated: GeneratedStudy, client: ClientID) {
        self.box = GeneratedBox(generated)
        self.client = client
    }

    /// When the read should be reported by: a speed premium's promise, else the deadline.
    var readBy: Int64 { premium.map { min($0.promisedBy, deadline) } ?? deadline }

    /// The most a claim may list at `now`: the contract's `offerCeiling` rule (the step accrues by block time; a
    /// claim commits in a later block than the radiologist decides it, so the chain's ceiling is at least this).
    func offerCeiling(at now: Int64) -> UInt64 { Self.offerCeiling(maxPrice: maxPrice, escalation, at: now) }

    /// ``offerCeiling(at:)`` of an order with this opening offer and escalation.
    @inline(__always)
    static func offerCeiling(
        maxPrice: UInt64, _ escalation: (perHour: UInt64, cap: UInt64, postedAt: Int64)?, at now: Int64
    ) -> UInt64 {
        guard let e = escalation else { return maxPrice }
        let waited = Double(max(0, now - e.postedAt)) / 3_600_000_000
        return min(e.cap, maxPrice + UInt64((Double(e.perHour) * waited).rounded(.down)))
    }
}

/// A generated study behind one reference (``LocalStudy/generated``).
final class GeneratedBox: Sendable {
    let value: GeneratedStudy
    init(_ value: GeneratedStudy) { self.value = value }
}

/// A radiologist's sealed bid: what it committed to, kept for the reveal.
struct SealedBid: Equatable {
    var rad: RadiologistID
    var price: UInt64
    /// The promised turnaround, ticks.
    var turnaround: Int64
}

/// The market's fixed terms for one run: its model and design, shared by every actor.
final class MarketTerms {
    let model: MarketParameters
    let mechanism: MarketDesignSpec.Mechanism
    let auction: MarketDesignSpec.Auction?
    let valueBased: MarketDesignSpec.ValueBased?
    /// Escalating posted-price offers by client type (empty: none).
    let escalation: [ClientGroup.ClientType: MarketDesignSpec.Escalation]
    /// Speed premiums by client type (empty: none).
    let speedPremium: [ClientGroup.ClientType: MarketDesignSpec.SpeedPremium]
    /// Shared clinical context (nil: off).
    let dataSharing: MarketDesignSpec.DataSharing?
    /// Consults with referrers (nil: off).
    let consults: MarketDesignSpec.Consults?
    let isIntermediary: Bool
    let ai: AISecondReaderModel?
    /// The follow-up guideline and quality weights on chain (nil: the market's `quality` section is off).
    let quality: QualityParameters?
    let seed: UInt64
    let horizonTicks: Int64
    let warmupTicks: Int64
    /// Every client's group, by `ClientID`.
    let clientGroups: [ClientGroup]
    /// Every client's account, by `ClientID`.
    let clientAddresses: [Address]
    /// Every client's jurisdiction and whether it requires credentialing, by `ClientID` (what eligibility reads for
    /// every order at each look, without copying the client's group).
    let clientJurisdictions: [String]
    let clientRequiresCredentialing: [Bool]

    init(
        model: MarketParameters, design: MarketDesignSpec, seed: UInt64, horizonTicks: Int64, warmupTicks: Int64,
        clientGroups: [ClientGroup], clientAddresses: [Address]
    ) {
        self.model = model
        mechanism = design.mechanism
        var auction: MarketDesignSpec.Auction?
        var isIntermediary = false
        switch design.mechanism {
        case .intermediary: isIntermediary = true
        case .postedPrice: break
        case .sealedBidAuction(let a): auction = a
        }
        self.auction = auction
        self.isIntermediary = isIntermediary
        valueBased = design.valueBased
        escalation = design.escalation
        speedPremium = design.speedPremium
        dataSharing = design.dataSharing
        consults = design.consults
        ai = model.ai.enabled ? AISecondReaderModel(parameters: model.ai) : nil
        quality = Self.qualityParameters(model: model, design: design)
        self.seed = seed
        self.horizonTicks = horizonTicks
        self.warmupTicks = warmupTicks
        self.clientGroups = clientGroups
        self.clientAddresses = clientAddresses
        clientJurisdictions = clientGroups.map(\.jurisdiction)
        clientRequiresCredentialing = clientGroups.map(\.requiresCredentialing)
    }

    /// The genesis's quality section for `design` in `model`: the guideline (a normal read needs no follow-up;
    /// any finding needs one within ``ReportQuality/guidelineWithinTicks``) and the design's value-based weights in
    /// basis points. Nil when the market's `quality` section is off.
    static func qualityParameters(model: MarketParameters, design: MarketDesignSpec) -> QualityParameters? {
        guard let q = model.quality else { return nil }
        let w = design.valueBased?.weights ?? QualityScoreWeights()
        func bp(_ x: Double) -> UInt32 { UInt32((x * 10_000).rounded()) }
        return QualityParameters(
            guideline: [
                FollowUpRule(findingCode: 0, followUpRequired: false),
                FollowUpRule(
                    findingCode: FollowUpRule.anyFinding, followUpRequired: true, maxWithinTicks: q.guidelineWithinTicks
                ),
            ],
            weights: QualityWeights(
                discrepancy: bp(w.discrepancy), followUpAppropriate: bp(w.followUpAppropriate),
                satisfaction: bp(w.satisfaction), structured: bp(w.structured)))
    }

    /// The client group of the client that posted `study`.
    func group(of study: LocalStudy) -> ClientGroup { clientGroups[study.client.index] }
}

/// What an actor sees of the market when an event reaches it: the clock, the studies and their records. Built
/// for one call of an actor's `handle` and dropped after it (so the world's tables are not copied when it
/// carries out the actions).
struct MarketView {
    let terms: MarketTerms
    let now: Int64
    /// When the current (simulated calendar) day began.
    let dayStart: Int64
    /// Labels adjudicated on chain so far (the AI's dataset grows with them).
    let labels: Int
    let studies: [LocalStudy]
    let records: [StudyRecord]
    /// The open and bidding orders, indexed in the claiming policies' orders (``OrderBook``).
    let orders: OrderBook
    /// Open and bidding studies in chain id order.
    var book: [StudyID] { orders.byChainID }
    /// Local study of each chain study id.
    let byChainID: [UInt64: StudyID]
    /// Consults awaiting the referrers' reply, by client (``ClientID/index``): the referrers' load.
    let pendingConsults: [Int]

    init(
        terms: MarketTerms, now: Int64, dayStart: Int64 = 0, labels: Int = 0, studies: [LocalStudy] = [],
        records: [StudyRecord] = [], book: [StudyID] = [], orders: OrderBook? = nil,
        byChainID: [UInt64: StudyID] = [:], pendingConsults: [Int] = []
    ) {
        self.pendingConsults = pendingConsults
        self.terms = terms
        self.now = now
        self.dayStart = dayStart
        self.labels = labels
        self.studies = studies
        self.records = records
        self.orders = orders ?? OrderBook(book: book, studies: studies, records: records)
        self.byChainID = byChainID
    }

    /// Size of the AI second reader's dataset: the initial one plus the labels adjudicated on chain.
    var datasetSize: Int { terms.model.ai.initialDataset + labels }

    /// What an adjudication of study `s` (peer review, follow-up, confirmed referrer feedback) adds to the AI's
    /// dataset: its finding code (0 without a finding) and the read's outcome against the truth, codes only; none
    /// when the market does not share labels (``AISecondReader/datasetSharing``).
    func sharedLabels(of s: StudyID) -> [FindingLabel] {
        guard terms.model.ai.datasetSharing else { return [] }
        let study = studies[s]
        let truth = study.generated.study.truth
        let outcome = study.outcome?.classification ?? .trueNegative
        return [FindingLabel(findingCode: truth.hasFinding ? truth.findingCode : 0, outcome: outcome)]
    }
}
