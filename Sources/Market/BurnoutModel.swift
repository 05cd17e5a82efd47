import Foundation
import MarketModel
import Stochastic

/// Homer (1985)-style burnout as a stock and flow (domain-parameters.md §5 "Burnout dynamics model"); the
/// parameters and their sources are ``Burnout``'s.
///
/// Each radiologist draws a personal sustainable annual workload Y (lognormal, median
/// `sustainableAnnualWRVU`, log-spread `sustainableSpread`). Its exhaustion stock S moves daily toward
/// θ · (365 · w) / Y, w the day's wRVU (0 on a day off), closing `adjustmentPerDay` of the gap, so over weeks S
/// averages θ · (annual workload) / Y. Burned out when S ≥ θ. The starting stock is that average at the
/// radiologist's rostered workload, so a run starts near its steady state instead of at the threshold.
///
/// Effects: error odds × `errorOddsRatio` (§4 "Burnout → error"); exit hazard × `exitHazardMultiplier` (§5
/// "Burnout in academic faculty") on a baseline set so the workforce average is §5's attrition plus turnover at the
/// reference prevalence (46%); and cutting hours with odds ratio `hoursCutOddsRatioPerPoint` per point of a 7-point
/// exhaustion scale (§5 "Burnout → reduced work hours", Shanafelt 2016), 1 point = 1/7 of the stock.
public struct BurnoutModel: Sendable, Equatable {
    public var parameters: Burnout
    /// Probability of cutting hours within two years at the burnout threshold (default 0.21: §5 "Coping via
    /// hours", 21% of radiologists reduced hours) **[assumption]** that the threshold is where that share applies.
    public var hoursCutTwoYearProbabilityAtThreshold: Double
    /// The burned-out share the published exit rates are averaged over (0.46: §5 "Burnout in private practice
    /// (validated PFI)").
    public static let referencePrevalence = 0.46
    /// wRVU per rostered shift hour used for the starting stock (6 **[derived]**: §2 "Annual wRVU per radiologist
    /// (recent)", 60 wRVU over a working day, taken as 10 h).
    public static let rosteredWRVUPerHour = 6.0

    public init(parameters: Burnout = Burnout(), hoursCutTwoYearProbabilityAtThreshold: Double = 0.21) {
        self.parameters = parameters
        self.hoursCutTwoYearProbabilityAtThreshold = hoursCutTwoYearProbabilityAtThreshold
    }

    /// A radiologist's sustainable annual workload Y, wRVU: lognormal with median `sustainableAnnualWRVU` and
    /// log-spread `sustainableSpread`, from one normal draw of `stream`.
    public func drawSustainableWorkload(stream: RandomStream) -> Double {
        let z = (try? Normal(mean: 0, standardDeviation: 1))?.sample(stream) ?? 0
        return parameters.sustainableAnnualWRVU * exp(parameters.sustainableSpread * z)
    }

    /// The stock's long-run level at `annualWRVU` a year for a radiologist whose sustainable load is `sustainable`.
    public func steadyStock(annualWRVU: Double, sustainable: Double) -> Double {
        guard parameters.enabled, sustainable > 0 else { return 0 }
        return min(1, max(0, parameters.threshold * annualWRVU / sustainable))
    }

    /// The rostered annual workload of a shift pattern, wRVU: 52 weeks × shifts a week × hours × 6 wRVU/h.
    public static func rosteredAnnualWRVU(_ shift: ShiftPattern) -> Double {
        52 * Double(shift.daysPerWeek) * Double(shift.lengthTicks) / 3_600_000_000 * rosteredWRVUPerHour
    }

    /// The stock after one day with `workloadWRVU` read (0 for a day off).
    public func update(stock: Double, workloadWRVU: Double, sustainable: Double) -> Double {
        guard parameters.enabled else { return 0 }
        let r = parameters.adjustmentPerDay
        let target = steadyStock(annualWRVU: 365 * max(0, workloadWRVU), sustainable: sustainable)
        return min(1, max(0, (1 - r) * stock + r * target))
    }

    public func isBurnedOut(stock: Double) -> Bool { parameters.enabled && stock >= parameters.threshold }

    /// Error odds multiplier for ``ErrorModel`` (applied there through `ReadConditions.burnedOut`).
    public func errorOddsMultiplier(stock: Double) -> Double {
        isBurnedOut(stock: stock) ? parameters.errorOddsRatio : 1
    }

    /// Yearly probability of leaving the market at this stock: attrition plus turnover, the hazard of a radiologist
    /// not burned out chosen so the average over the reference prevalence is the published rate.
    public func annualExitProbability(stock: Double) -> Double {
        guard parameters.enabled else { return 0 }
        let average = Double(parameters.annualAttritionBasisPoints + parameters.annualTurnoverBasisPoints) / 10_000
        let averageHazard = -log1p(-min(average, 0.999_999))
        let m = parameters.exitHazardMultiplier
        let base = averageHazard / (1 + Self.referencePrevalence * (m - 1))
        return -expm1(-base * (isBurnedOut(stock: stock) ? m : 1))
    }

    /// Probability of leaving on one day (constant hazard over the year of 365 days).
    public func dailyExitProbability(stock: Double) -> Double {
        -expm1(log1p(-annualExitProbability(stock: stock)) / 365)
    }

    /// Probability of deciding to cut hours within two years at this stock.
    public func twoYearHoursCutProbability(stock: Double) -> Double {
        guard parameters.enabled, parameters.hoursCutBasisPoints > 0 else { return 0 }
        let points = 7 * (stock - parameters.threshold)
        return logistic(
            logit(hoursCutTwoYearProbabilityAtThreshold) + log(parameters.hoursCutOddsRatioPerPoint) * points)
    }

    /// Probability of deciding to cut hours on one day (constant hazard over 730 days). A radiologist who cuts
    /// drops `hoursCutBasisPoints` of shifts (§5 "Coping via hours", 21%).
    public func dailyHoursCutProbability(stock: Double) -> Double {
        -expm1(log1p(-twoYearHoursCutProbability(stock: stock)) / 730)
    }
}
