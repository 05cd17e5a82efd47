import CGSL

/// The normal distribution N(mean, sd²) conditioned on [lower, upper].
///
/// Sampling: when the interval holds at least `rejectionThreshold` of the mass, draw normals
/// (`gsl_ran_gaussian_ziggurat`) until one falls inside (at most 1/0.3 ≈ 3.3 draws expected);
/// otherwise invert the CDF on the interval (`gsl_cdf_ugaussian_Pinv`, or `gsl_cdf_ugaussian_Qinv`
/// when the interval lies in the upper tail, so that it does not lose precision near P = 1).
/// Mean and variance use the closed form (Johnson, Kotz and Balakrishnan, *Continuous Univariate
/// Distributions* vol. 1, §10.1), with α = (lower − mean)/sd, β = (upper − mean)/sd,
/// Z = Φ(β) − Φ(α):
///
///     E[X]   = mean + sd (φ(α) − φ(β)) / Z
///     Var[X] = sd² [1 + (α φ(α) − β φ(β)) / Z − ((φ(α) − φ(β)) / Z)²]
public struct TruncatedNormal: Distribution, Sendable, Equatable {
    public let parentMean: Double
    public let parentStandardDeviation: Double
    public let lower: Double
    public let upper: Double
    /// Probability mass of the parent normal in [lower, upper].
    public let mass: Double

    /// Below this mass the parameters are rejected: the conditioning event is practically impossible.
    public static let minimumMass = 1e-12
    /// From this mass on, sampling is by rejection rather than inverse CDF.
    static let rejectionThreshold = 0.3

    private enum Method: Equatable {
        case rejection
        /// z = Pinv(p) with p uniform in [from, to].
        case lowerTail(from: Double, to: Double)
        /// z = Qinv(q) with q uniform in [from, to].
        case upperTail(from: Double, to: Double)
    }
    private let method: Method

    /// Creates the truncation of N(mean, standardDeviation²) to [lower, upper].
    ///
    /// Bounds may be infinite (`-.infinity` or `.infinity`) for one-sided truncation.
    /// - Throws: `StochasticError` if `mean` is not finite, `standardDeviation` is not > 0 and finite,
    ///   a bound is NaN, `lower >= upper`, or the mass in [lower, upper] is below `minimumMass`.
    public init(mean: Double, standardDeviation: Double, lower: Double, upper: Double) throws(StochasticError) {
        GSL.ensureInitialised()
        let name = "truncatedNormal"
        parentMean = try Check.finite(mean, name, "mean")
        parentStandardDeviation = try Check.positiveFinite(standardDeviation, name, "standardDeviation")
        guard !lower.isNaN else { throw .invalid(name, "lower must not be NaN", got: lower) }
        guard !upper.isNaN else { throw .invalid(name, "upper must not be NaN", got: upper) }
        guard lower < upper else { throw .invalid(name, "lower must be < upper (\(upper))", got: lower) }
        self.lower = lower
        self.upper = upper
        let alpha = (lower - mean) / standardDeviation
        let beta = (upper - mean) / standardDeviation
        let mass: Double
        if alpha >= 0 {
            mass = gsl_cdf_ugaussian_Q(alpha) - gsl_cdf_ugaussian_Q(beta)
        } else if beta <= 0 {
            mass = gsl_cdf_ugaussian_P(beta) - gsl_cdf_ugaussian_P(alpha)
        } else {
            mass = 1 - gsl_cdf_ugaussian_P(alpha) - gsl_cdf_ugaussian_Q(beta)
        }
        guard mass >= TruncatedNormal.minimumMass else {
            throw .invalid(
                name, "probability mass in [lower, upper] must be >= \(TruncatedNormal.minimumMass)", got: mass)
        }
        self.mass = mass
        if mass >= TruncatedNormal.rejectionThreshold {
            method = .rejection
        } else if alpha >= 0 {
            method = .upperTail(from: gsl_cdf_ugaussian_Q(beta), to: gsl_cdf_ugaussian_Q(alpha))
        } else {
            method = .lowerTail(from: gsl_cdf_ugaussian_P(alpha), to: gsl_cdf_ugaussian_P(beta))
        }
    }

    /// - Complexity: O(1) expected.
    public func sample(_ stream: RandomStream) -> Double {
        let z: Double
        switch method {
        case .rejection:
            while true {
                let x = parentMean + gsl_ran_gaussian_ziggurat(stream.rng, parentStandardDeviation)
                if x >= lower && x <= upper { return x }
            }
        case .lowerTail(let from, let to):
            z = gsl_cdf_ugaussian_Pinv(from + (to - from) * stream.uniformPositive())
        case .upperTail(let from, let to):
            z = gsl_cdf_ugaussian_Qinv(from + (to - from) * stream.uniformPositive())
        }
        // Rounding in the inverse CDF can step just outside the interval.
        return min(max(parentMean + parentStandardDeviation * z, lower), upper)
    }

    private var alpha: Double { (lower - parentMean) / parentStandardDeviation }
    private var beta: Double { (upper - parentMean) / parentStandardDeviation }
    /// φ(x) and x φ(x), both 0 at ±∞.
    private static func density(_ x: Double) -> (phi: Double, xPhi: Double) {
        guard x.isFinite else { return (0, 0) }
        let phi = gsl_ran_ugaussian_pdf(x)
        return (phi, x * phi)
    }

    public var mean: Double {
        let a = TruncatedNormal.density(alpha)
        let b = TruncatedNormal.density(beta)
        return parentMean + parentStandardDeviation * (a.phi - b.phi) / mass
    }

    public var variance: Double {
        let a = TruncatedNormal.density(alpha)
        let b = TruncatedNormal.density(beta)
        let shift = (a.phi - b.phi) / mass
        return parentStandardDeviation * parentStandardDeviation * (1 + (a.xPhi - b.xPhi) / mass - shift * shift)
    }
}
