import CGSL

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The continuous uniform distribution on [lower, upper) (`gsl_ran_flat`).
public struct Uniform: Distribution, Sendable, Equatable {
    public let lower: Double
    public let upper: Double

    /// - Throws: `StochasticError` unless both bounds are finite and `lower < upper`.
    public init(lower: Double, upper: Double) throws(StochasticError) {
        self.lower = try Check.finite(lower, "uniform", "lower")
        self.upper = try Check.finite(upper, "uniform", "upper")
        guard lower < upper else { throw .invalid("uniform", "lower must be < upper (\(upper))", got: lower) }
        guard (upper - lower).isFinite else {
            throw .invalid("uniform", "upper - lower must be finite", got: upper - lower)
        }
    }

    /// - Complexity: O(1).
    public func sample(_ stream: RandomStream) -> Double { gsl_ran_flat(stream.rng, lower, upper) }
    public var mean: Double { (lower + upper) / 2 }
    public var variance: Double { (upper - lower) * (upper - lower) / 12 }
}

/// The exponential distribution, parameterised by its mean (`gsl_ran_exponential`).
public struct Exponential: Distribution, Sendable, Equatable {
    public let mean: Double

    /// - Throws: `StochasticError` unless `mean` is > 0 and finite.
    public init(mean: Double) throws(StochasticError) {
        self.mean = try Check.positiveFinite(mean, "exponential", "mean")
    }

    /// An exponential distribution with `rate` events per unit time (mean `1 / rate`).
    /// - Throws: `StochasticError` unless `rate` is > 0 and finite and `1 / rate` is finite.
    public init(rate: Double) throws(StochasticError) {
        _ = try Check.positiveFinite(rate, "exponential", "rate")
        self.mean = try Check.positiveFinite(1 / rate, "exponential", "1 / rate")
    }

    public var rate: Double { 1 / mean }
    /// - Complexity: O(1).
    public func sample(_ stream: RandomStream) -> Double { gsl_ran_exponential(stream.rng, mean) }
    /// The value below which a share `p` of draws fall (`gsl_cdf_exponential_Pinv`): `−mean · ln(1 − p)`.
    /// - Precondition: `0 < p < 1`.
    /// - Complexity: O(1).
    public func quantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1, "quantile needs 0 < p < 1")
        return gsl_cdf_exponential_Pinv(p, mean)
    }
    public var variance: Double { mean * mean }
}

/// The normal distribution (`gsl_ran_gaussian_ziggurat`, Marsaglia and Tsang's ziggurat).
public struct Normal: Distribution, Sendable, Equatable {
    public let mean: Double
    public let standardDeviation: Double

    /// - Throws: `StochasticError` unless `mean` is finite and `standardDeviation` is > 0 and finite.
    public init(mean: Double, standardDeviation: Double) throws(StochasticError) {
        self.mean = try Check.finite(mean, "normal", "mean")
        self.standardDeviation = try Check.positiveFinite(standardDeviation, "normal", "standardDeviation")
    }

    /// - Complexity: O(1) expected.
    public func sample(_ stream: RandomStream) -> Double {
        mean + gsl_ran_gaussian_ziggurat(stream.rng, standardDeviation)
    }
    public var variance: Double { standardDeviation * standardDeviation }
}

/// The log-normal distribution: `exp(N(mu, sigma²))` (`gsl_ran_lognormal`).
public struct LogNormal: Distribution, Sendable, Equatable {
    /// Mean of the underlying normal (the log of the median).
    public let mu: Double
    /// Standard deviation of the underlying normal.
    public let sigma: Double

    /// - Throws: `StochasticError` unless `mu` is finite and `sigma` is > 0 and finite.
    public init(mu: Double, sigma: Double) throws(StochasticError) {
        self.mu = try Check.finite(mu, "lognormal", "mu")
        self.sigma = try Check.positiveFinite(sigma, "lognormal", "sigma")
    }

    /// A log-normal distribution with the given mean and coefficient of variation (sd / mean):
    /// `sigma² = ln(1 + cv²)`, `mu = ln(mean) − sigma² / 2`.
    /// - Throws: `StochasticError` unless both are > 0 and finite.
    public init(mean: Double, coefficientOfVariation: Double) throws(StochasticError) {
        let mean = try Check.positiveFinite(mean, "lognormal", "mean")
        let cv = try Check.positiveFinite(coefficientOfVariation, "lognormal", "coefficientOfVariation")
        let sigmaSquared = log1p(cv * cv)
        try self.init(mu: log(mean) - sigmaSquared / 2, sigma: sigmaSquared.squareRoot())
    }

    /// - Complexity: O(1) expected.
    public func sample(_ stream: RandomStream) -> Double { gsl_ran_lognormal(stream.rng, mu, sigma) }
    /// The value below which a share `p` of draws fall (`gsl_cdf_lognormal_Pinv`): `exp(mu + sigma · Φ⁻¹(p))`.
    /// - Precondition: `0 < p < 1`.
    /// - Complexity: O(1).
    public func quantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1, "quantile needs 0 < p < 1")
        return gsl_cdf_lognormal_Pinv(p, mu, sigma)
    }
    public var mean: Double { exp(mu + sigma * sigma / 2) }
    public var variance: Double { expm1(sigma * sigma) * exp(2 * mu + sigma * sigma) }
}

/// The gamma distribution with shape k and scale θ (`gsl_ran_gamma`, Marsaglia and Tsang 2000).
///
/// Named so it does not clash with libm's `gamma` function.
public struct GammaDistribution: Distribution, Sendable, Equatable {
    public let shape: Double
    public let scale: Double

    /// - Throws: `StochasticError` unless both are > 0 and finite.
    public init(shape: Double, scale: Double) throws(StochasticError) {
        self.shape = try Check.positiveFinite(shape, "gamma", "shape")
        self.scale = try Check.positiveFinite(scale, "gamma", "scale")
    }

    /// - Complexity: O(1) expected.
    public func sample(_ stream: RandomStream) -> Double { gsl_ran_gamma(stream.rng, shape, scale) }
    public var mean: Double { shape * scale }
    public var variance: Double { shape * scale * scale }
}

/// The beta distribution on [0, 1] (`gsl_ran_beta`).
///
/// Named so it does not clash with libm's `beta`-style functions.
public struct BetaDistribution: Distribution, Sendable, Equatable {
    public let alpha: Double
    public let beta: Double

    /// - Throws: `StochasticError` unless both are > 0 and finite.
    public init(alpha: Double, beta: Double) throws(StochasticError) {
        self.alpha = try Check.positiveFinite(alpha, "beta", "alpha")
        self.beta = try Check.positiveFinite(beta, "beta", "beta")
    }

    /// - Complexity: O(1) expected.
    public func sample(_ stream: RandomStream) -> Double { gsl_ran_beta(stream.rng, alpha, beta) }
    public var mean: Double { alpha / (alpha + beta) }
    public var variance: Double {
        let total = alpha + beta
        return alpha * beta / (total * total * (total + 1))
    }
}

/// The Weibull distribution, density `(k/λ)(x/λ)^(k−1) exp(−(x/λ)^k)` (`gsl_ran_weibull(r, λ, k)`).
public struct Weibull: Distribution, Sendable, Equatable {
    /// λ, GSL's `a`.
    public let scale: Double
    /// k, GSL's `b`.
    public let shape: Double

    /// - Throws: `StochasticError` unless both are > 0 and finite.
    public init(scale: Double, shape: Double) throws(StochasticError) {
        self.scale = try Check.positiveFinite(scale, "weibull", "scale")
        self.shape = try Check.positiveFinite(shape, "weibull", "shape")
    }

    /// - Complexity: O(1).
    public func sample(_ stream: RandomStream) -> Double { gsl_ran_weibull(stream.rng, scale, shape) }
    /// `λ Γ(1 + 1/k)` (`gsl_sf_gamma`; +∞ if it overflows).
    public var mean: Double { scale * gsl_sf_gamma(1 + 1 / shape) }
    /// `λ² (Γ(1 + 2/k) − Γ(1 + 1/k)²)` (+∞ if it overflows).
    public var variance: Double {
        let g1 = gsl_sf_gamma(1 + 1 / shape)
        let g2 = gsl_sf_gamma(1 + 2 / shape)
        guard g2.isFinite else { return .infinity }
        return scale * scale * (g2 - g1 * g1)
    }
}
