import Foundation
import MarketModel
import Stochastic

/// A radiologist's posted price for a modality and urgency (`Pricing` in MarketModel).
///
/// - `fixedList`: list price (+ STAT surcharge).
/// - `queueResponsive`: list × (1 + queueStep · queue length), capped at list × (1 + maxChange).
/// - `incomeTarget`: list × m, where the multiplier m moves by `adjustment` once a day toward the income target
///   (``dailyAdjustment(multiplier:incomePerHour:utilisation:)``), within 1 ± maxChange.
///
/// Step sizes and caps are the scenario's **[assumption]** defaults; list prices are domain-parameters.md §3.
public struct PricingStrategy: Sendable, Equatable {
    public var parameters: Pricing
    /// Utilisation at or above which the radiologist counts as busy (default 0.85 **[assumption]**: the
    /// utilisation at which queues lengthen quickly).
    public var busyUtilisation: Double
    /// This radiologist's factor on the cohort's list prices (``drawPersonalFactor(spread:stream:)``).
    public var personalFactor: Double

    public init(parameters: Pricing = Pricing(), busyUtilisation: Double = 0.85, personalFactor: Double = 1) {
        self.parameters = parameters
        self.busyUtilisation = busyUtilisation
        self.personalFactor = personalFactor
    }

    /// A radiologist's factor on its cohort's list prices: lognormal, median 1, log-spread `spread` (1 when 0).
    public static func drawPersonalFactor(spread: Double, stream: RandomStream) -> Double {
        guard spread > 0, let normal = try? Normal(mean: 0, standardDeviation: spread) else { return 1 }
        return exp(normal.sample(stream))
    }

    var maxChange: Double { Double(parameters.maxChangeBasisPoints) / 10_000 }

    /// The price to post, minor units.
    /// - Parameters:
    ///   - queueLength: the demand it sees: studies held plus open orders it could read.
    ///   - multiplier: the income-target multiplier (1 for the other strategies).
    public func price(for modality: Modality, urgency: Urgency, queueLength: Int = 0, multiplier: Double = 1)
        -> UInt64
    {
        let list = Double(parameters.listPrices[modality]) * personalFactor
        let factor: Double =
            switch parameters.strategy {
            case .fixedList: 1
            case .queueResponsive:
                min(1 + maxChange, 1 + Double(parameters.queueStepBasisPoints) / 10_000 * Double(max(0, queueLength)))
            case .incomeTarget: min(1 + maxChange, max(1 - maxChange, multiplier))
            }
        let surcharge = urgency == .stat ? Double(parameters.statSurcharge) : 0
        return UInt64((list * factor).rounded()) + UInt64(surcharge)
    }

    /// Whether queue-responsive pricing is at its cap (list × (1 + maxChange)) at `queueLength`, by the same
    /// expression ``price(for:urgency:queueLength:multiplier:)`` evaluates; the factor grows with the queue, so it is
    /// then at its cap at any longer queue too. Always false for the other strategies.
    public func isAtQueueCap(queueLength: Int) -> Bool {
        guard parameters.strategy == .queueResponsive else { return false }
        return 1 + maxChange <= 1 + Double(parameters.queueStepBasisPoints) / 10_000 * Double(max(0, queueLength))
    }

    /// The income-target multiplier after one day. Below target: raise the price when busy (demand is there),
    /// lower it when not (to win volume). At or above target: raise when busy, otherwise hold.
    /// - Parameters:
    ///   - incomePerHour: yesterday's income per working hour, minor units.
    ///   - utilisation: share of working time spent reading, 0...1.
    public func dailyAdjustment(multiplier: Double, incomePerHour: Double, utilisation: Double) -> Double {
        guard parameters.strategy == .incomeTarget else { return multiplier }
        let step = Double(parameters.adjustmentBasisPoints) / 10_000
        let busy = utilisation >= busyUtilisation
        let below = incomePerHour < Double(parameters.incomeTargetPerHour)
        let next = busy ? multiplier * (1 + step) : (below ? multiplier * (1 - step) : multiplier)
        return min(1 + maxChange, max(1 - maxChange, next))
    }
}

/// What a client's routing software knows about a radiologist (public chain state only).
public struct RoutingCandidate: Sendable, Equatable {
    /// A stable identifier (the radiologist's index); ties break on it.
    public var id: Int
    /// Posted price for the study, minor units.
    public var price: UInt64
    /// Median turnaround of recent reads, ticks (`nil` when unknown: scored as the required turnaround / 2).
    public var medianTurnaroundTicks: Int64?
    /// Published discrepancy rate, 0...1 (`nil` when unknown: scored as `referenceDiscrepancyRate`).
    public var discrepancyRate: Double?
    /// Mean referrer feedback on 1...5 (`nil` when unknown: scored as 3).
    public var meanFeedback: Double?
    public var subspecialties: [String]

    public init(
        id: Int, price: UInt64, medianTurnaroundTicks: Int64? = nil, discrepancyRate: Double? = nil,
        meanFeedback: Double? = nil, subspecialties: [String] = []
    ) {
        self.id = id
        self.price = price
        self.medianTurnaroundTicks = medianTurnaroundTicks
        self.discrepancyRate = discrepancyRate
        self.meanFeedback = meanFeedback
        self.subspecialties = subspecialties
    }
}

/// Clients' routing software: ranks eligible radiologists by a weighted score, each term on 0...1:
///
///     score = 0.40 · (1 − price / maxPrice)                                   cheaper is better
///           + 0.20 · (1 − min(1, medianTurnaround / requiredTurnaround))      faster is better
///           + 0.25 · (1 − min(1, discrepancyRate / (2 · reference)))         fewer discrepancies
///           + 0.05 · (meanFeedback − 1) / 4                                   referrers' feedback
///           + 0.10 · [holds the required subspecialty]
///
/// Weights **[assumption]**, following the scenario's auction score (price 50%, quality 30%, turnaround 20%) with
/// quality split into discrepancies and feedback and a tenth given to subspecialty match. Reference discrepancy
/// rate 3% (domain-parameters.md §4 "Peer review (RADPEER pilot)" 2.9%). Eligibility (licence, credentials,
/// price ≤ maxPrice) is the caller's filter; candidates above maxPrice are dropped here too.
public struct RoutingPolicy: Sendable, Equatable {
    public var priceWeight = 0.40
    public var turnaroundWeight = 0.20
    public var discrepancyWeight = 0.25
    public var feedbackWeight = 0.05
    public var subspecialtyWeight = 0.10
    public var referenceDiscrepancyRate = 0.03

    public init() {}

    public func score(_ c: RoutingCandidate, maxPrice: UInt64, requiredTurnaroundTicks: Int64, subspecialty: String?)
        -> Double
    {
        let priceTerm = maxPrice > 0 ? 1 - min(1, Double(c.price) / Double(maxPrice)) : 0
        let tat = Double(c.medianTurnaroundTicks ?? requiredTurnaroundTicks / 2)
        let tatTerm = 1 - min(1, tat / Double(max(1, requiredTurnaroundTicks)))
        let rate = c.discrepancyRate ?? referenceDiscrepancyRate
        let qualityTerm = 1 - min(1, rate / (2 * referenceDiscrepancyRate))
        let feedbackTerm = (min(5, max(1, c.meanFeedback ?? 3)) - 1) / 4
        let match: Double = subspecialty.map { c.subspecialties.contains($0) ? 1 : 0 } ?? 0
        return priceWeight * priceTerm + turnaroundWeight * tatTerm + discrepancyWeight * qualityTerm
            + feedbackWeight * feedbackTerm + subspecialtyWeight * match
    }

    /// Candidates at or under `maxPrice`, best first (ties: lower id first).
    public func rank(
        _ candidates: [RoutingCandidate], maxPrice: UInt64, requiredTurnaroundTicks: Int64,
        subspecialty: String?
    ) -> [RoutingCandidate] {
        candidates.filter { $0.price <= maxPrice }
            .map {
                (
                    $0,
                    score(
                        $0, maxPrice: maxPrice, requiredTurnaroundTicks: requiredTurnaroundTicks,
                        subspecialty: subspecialty)
                )
            }
            .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0.id < $1.0.id }
            .map(\.0)
    }
}

/// An open study as a radiologist sees it on chain.
public struct OpenStudy: Sendable, Equatable {
    /// The chain's study id (stable tie-break).
    public var id: UInt64
    public var postedTicks: Int64
    public var deadlineTicks: Int64
    /// The price it pays this radiologist, minor units.
    public var price: UInt64
    /// Expected reading time for this radiologist, ticks (``ReadingTimeModel/meanTicks(_:speedFactor:pace:aiEffectBasisPoints:)``).
    public var expectedReadTicks: Int64
    /// Required subspecialty, or `nil`.
    public var subspecialty: String?
    /// Sealed bids already committed on chain for the study's current auction (0 under posted prices).
    public var competingBids: Int

    public init(
        id: UInt64, postedTicks: Int64, deadlineTicks: Int64, price: UInt64, expectedReadTicks: Int64,
        subspecialty: String? = nil, competingBids: Int = 0
    ) {
        self.id = id
        self.postedTicks = postedTicks
        self.deadlineTicks = deadlineTicks
        self.price = price
        self.expectedReadTicks = expectedReadTicks
        self.subspecialty = subspecialty
        self.competingBids = competingBids
    }
}

/// Which open studies a radiologist claims (`Claiming` in MarketModel): the eligible studies in the strategy's
/// order, as many as fit under `maxQueue`. Studies needing a subspecialty the radiologist lacks are not eligible.
///
/// - firstCome: oldest posted first; bestPaid: highest price per minute of expected reading; earliestDeadline:
///   earliest deadline; subspecialtyFirst: studies needing one of the radiologist's subspecialties, then oldest.
/// Every order ends with (posted time, id) so it is total. Before the strategy's order, studies already holding
/// `crowdedBids` committed sealed bids come after the others (auctions only: without it every bidder would bid on
/// the same few studies, leaving the rest without a bid while its bid slots are tied up for the bidding window).
public struct ClaimingPolicy: Sendable, Equatable {
    public var parameters: Claiming

    public init(parameters: Claiming = Claiming()) { self.parameters = parameters }

    /// The studies to claim now, in claiming order.
    /// - Parameters:
    ///   - open: open studies (any order).
    ///   - held: studies already held (claimed, not reported).
    ///   - subspecialties: the radiologist's subspecialties.
    public func choose(from open: [OpenStudy], held: Int, subspecialties: [String]) -> [OpenStudy] {
        let room = parameters.maxQueue - held
        guard room > 0 else { return [] }
        let eligible = open.filter { s in s.subspecialty.map { subspecialties.contains($0) } ?? true }
        let fallback: (OpenStudy, OpenStudy) -> Bool = { ($0.postedTicks, $0.id) < ($1.postedTicks, $1.id) }
        var ordered: [OpenStudy]
        switch parameters.strategy {
        case .firstCome:
            ordered = eligible.sorted(by: fallback)
        case .bestPaid:
            func rate(_ s: OpenStudy) -> Double { Double(s.price) / Double(max(1, s.expectedReadTicks)) }
            ordered = eligible.sorted { rate($0) != rate($1) ? rate($0) > rate($1) : fallback($0, $1) }
        case .earliestDeadline:
            ordered = eligible.sorted {
                $0.deadlineTicks != $1.deadlineTicks
                    ? $0.deadlineTicks < $1.deadlineTicks
                    : fallback($0, $1)
            }
        case .subspecialtyFirst:
            func needs(_ s: OpenStudy) -> Int { s.subspecialty == nil ? 1 : 0 }
            ordered = eligible.sorted { needs($0) != needs($1) ? needs($0) < needs($1) : fallback($0, $1) }
        }
        if ordered.contains(where: { $0.competingBids >= parameters.crowdedBids }) {
            // A stable partition keeps the strategy's order within each group.
            let crowded = parameters.crowdedBids
            ordered = ordered.filter { $0.competingBids < crowded } + ordered.filter { $0.competingBids >= crowded }
        }
        return Array(ordered.prefix(room))
    }
}
