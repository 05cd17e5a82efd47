/// How many replications a paired comparison needs to detect a given difference, from a pilot's paired standard
/// deviation: the normal approximation n = ((z₀.₉₇₅ + z₀.₈) · sd / δ)², rounded up, for a two-sided test at 5%
/// with 80% power.
///
/// It treats the pilot's standard deviation as known and uses normal quantiles where the paired t test uses t
/// quantiles with n − 1 degrees of freedom, so it is an approximation that slightly understates n when n is small
/// (Chow, Shao and Wang, *Sample Size Calculations in Clinical Research*, 2nd ed., §3.1: the paired design).
public enum PowerEstimate {
    /// z₀.₉₇₅, the standard normal quantile of a two-sided 5% test.
    public static let zAlpha = 1.959_963_984_540_054
    /// z₀.₈, the standard normal quantile of 80% power.
    public static let zPower = 0.841_621_233_572_914_3

    /// Replications needed to detect a paired difference `delta` given the paired standard deviation `sd`.
    ///
    /// - Returns: ⌈((z₀.₉₇₅ + z₀.₈) · sd / |delta|)²⌉, at least 2 (a paired interval needs two); `nil` when `sd`
    ///   is undefined (fewer than 2 pilot pairs) or `delta` is zero or not finite.
    public static func replications(sd: Double, delta: Double) -> Int? {
        guard sd.isFinite, sd >= 0, delta.isFinite, delta != 0 else { return nil }
        let n = ((zAlpha + zPower) * sd / abs(delta)) * ((zAlpha + zPower) * sd / abs(delta))
        guard n < 1e12 else { return nil }
        return max(2, Int(n.rounded(.up)))
    }
}

/// The replications a comparison needs to detect a stated paired difference, estimated from its pilot.
public struct DetectionEstimate: Codable, Sendable, Equatable {
    public var metric: String
    public var baseline: String
    public var variant: String
    /// The difference to detect (design − baseline), in the metric's unit.
    public var delta: Double
    /// The pilot's paired standard deviation (`nil`, JSON `null`, when undefined) and the replications it came from.
    public var pilotSD: Double?
    public var pilotReplications: Int
    /// ``PowerEstimate/replications(sd:delta:)``; `nil` (JSON `null`) when the pilot cannot tell.
    public var replicationsNeeded: Int?

    /// One estimate per comparison of `metric` in `comparisons`, in their order.
    public static func estimates(_ comparisons: [PairedDifference], metric: String, delta: Double)
        -> [DetectionEstimate]
    {
        comparisons.filter { $0.metric == metric }.map { c in
            DetectionEstimate(
                metric: metric, baseline: c.baseline, variant: c.variant, delta: delta,
                pilotSD: c.sdDifference.isFinite ? c.sdDifference : nil,
                pilotReplications: c.n,
                replicationsNeeded: c.n >= 2 ? PowerEstimate.replications(sd: c.sdDifference, delta: delta) : nil)
        }
    }
}
