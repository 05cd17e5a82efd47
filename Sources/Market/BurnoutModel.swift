import Foundation
import MarketModel

/// Homer (1985)-style burnout: a stock of exhaustion on [0, 1] that accumulates with workload above a
/// sustainable level and drains with rest (domain-parameters.md §5 "Burnout dynamics model").
///
/// Daily update, with w the day's workload in wRVU and s = `sustainableWRVUPerDay` (§2 "Annual wRVU per
/// radiologist (recent)", 60 wRVU/day):
///
///     S' = clamp(S + a · max(0, w/s − 1) − r · S · max(0, 1 − w/s), 0, 1)
///
/// a = `accumulationPerDay` (gain per day at 2× the sustainable load), r = `recoveryPerDay` (share lost per day
/// off). A day off (w = 0) loses r·S; a light day recovers in proportion to its slack (Homer's recovery with
/// rest, extended to partial rest **[assumption]**). Burned out when S ≥ `threshold`.
///
/// Effects: error odds × `errorOddsRatio` (Panagioti 2018, §4 "Burnout → error"); exit hazard ×
/// `exitHazardMultiplier` (§5 "Burnout in academic faculty", intention to leave 51% vs 24%, ≈2.1) on a baseline of
/// `annualAttritionBasisPoints` a year (§5 "Workforce attrition (leaving practice)", 1.1–2.5%); and cutting hours
/// with odds ratio `hoursCutOddsRatioPerPoint` per point of a 7-point exhaustion scale (§5 "Burnout → reduced
/// work hours", Shanafelt 2016), the 7 points mapped onto the stock (1 point = 1/7).
public struct BurnoutModel: Sendable, Equatable {
    public var parameters: Burnout
    /// Probability of cutting hours within two years at the burnout threshold (default 0.21: §5 "Coping via
    /// hours", 21% of radiologists reduced hours) **[assumption]** that the threshold is where that share applies.
    public var hoursCutTwoYearProbabilityAtThreshold: Double

    public init(parameters: Burnout = Burnout(), hoursCutTwoYearProbabilityAtThreshold: Double = 0.21) {
        self.parameters = parameters
        self.hoursCutTwoYearProbabilityAtThreshold = hoursCutTwoYearProbabilityAtThreshold
    }

    /// The stock after one day with `workloadWRVU` read (0 for a day off).
    public func update(stock: Double, workloadWRVU: Double) -> Double {
        let load = max(0, workloadWRVU) / parameters.sustainableWRVUPerDay
        let next =
            stock + parameters.accumulationPerDay * max(0, load - 1)
            - parameters.recoveryPerDay * stock * max(0, 1 - load)
        return min(1, max(0, next))
    }

    /// The stock to start with: at the threshold for the `initialBurnedOutFraction` (drawn by the caller),
    /// half the threshold otherwise **[assumption]**.
    public func initialStock(burnedOut: Bool) -> Double {
        burnedOut ? parameters.threshold : parameters.threshold / 2
    }

    public func isBurnedOut(stock: Double) -> Bool { stock >= parameters.threshold }

    /// Error odds multiplier for ``ErrorModel`` (applied there through `ReadConditions.burnedOut`).
    public func errorOddsMultiplier(stock: Double) -> Double {
        isBurnedOut(stock: stock) ? parameters.errorOddsRatio : 1
    }

    /// Yearly probability of leaving the market at this stock.
    public func annualExitProbability(stock: Double) -> Double {
        let base = Double(parameters.annualAttritionBasisPoints) / 10_000
        let hazard = -log1p(-min(base, 0.999_999)) * (isBurnedOut(stock: stock) ? parameters.exitHazardMultiplier : 1)
        return -expm1(-hazard)
    }

    /// Probability of leaving on one day (constant hazard over the year of 365 days).
    public func dailyExitProbability(stock: Double) -> Double {
        -expm1(log1p(-annualExitProbability(stock: stock)) / 365)
    }

    /// Probability of deciding to cut hours within two years at this stock.
    public func twoYearHoursCutProbability(stock: Double) -> Double {
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
