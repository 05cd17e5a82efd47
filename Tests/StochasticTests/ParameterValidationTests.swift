import Testing

@testable import Stochastic

/// Bad parameters throw a `GSL_EINVAL` `StochasticError` naming the parameter; nothing aborts.
@Suite("Parameter validation")
struct ParameterValidationTests {
    /// Each case: a constructor that must throw, and a fragment its message must contain.
    static let cases: [(String, @Sendable () throws -> Void)] = [
        ("exponential: mean must be > 0 and finite, got -2.0", { _ = try Exponential(mean: -2) }),
        ("exponential: mean must be > 0 and finite, got nan", { _ = try Exponential(mean: .nan) }),
        ("exponential: rate", { _ = try Exponential(rate: 0) }),
        ("exponential: rate", { _ = try Exponential(rate: -.infinity) }),
        ("uniform: lower must be < upper", { _ = try Uniform(lower: 1, upper: 1) }),
        ("uniform: upper must be finite", { _ = try Uniform(lower: 0, upper: .infinity) }),
        ("uniform: lower must be finite", { _ = try Uniform(lower: .nan, upper: 1) }),
        ("uniform: upper - lower", { _ = try Uniform(lower: -1e308, upper: 1e308) }),
        ("normal: standardDeviation", { _ = try Normal(mean: 0, standardDeviation: -1) }),
        ("normal: standardDeviation", { _ = try Normal(mean: 0, standardDeviation: 0) }),
        ("normal: mean must be finite", { _ = try Normal(mean: .nan, standardDeviation: 1) }),
        (
            "truncatedNormal: probability mass",
            {
                _ = try TruncatedNormal(mean: 0, standardDeviation: 1, lower: 40, upper: 41)
            }
        ),
        (
            "truncatedNormal: probability mass",
            {
                _ = try TruncatedNormal(mean: 0, standardDeviation: 1, lower: 3, upper: 3 + 1e-12)
            }
        ),
        (
            "truncatedNormal: lower must be < upper",
            {
                _ = try TruncatedNormal(mean: 0, standardDeviation: 1, lower: 2, upper: 1)
            }
        ),
        (
            "truncatedNormal: upper must not be NaN",
            {
                _ = try TruncatedNormal(mean: 0, standardDeviation: 1, lower: 0, upper: .nan)
            }
        ),
        (
            "truncatedNormal: standardDeviation",
            {
                _ = try TruncatedNormal(mean: 0, standardDeviation: 0, lower: 0, upper: 1)
            }
        ),
        ("lognormal: sigma", { _ = try LogNormal(mu: 0, sigma: 0) }),
        ("lognormal: mu", { _ = try LogNormal(mu: .infinity, sigma: 1) }),
        ("lognormal: mean", { _ = try LogNormal(mean: 0, coefficientOfVariation: 1) }),
        ("lognormal: coefficientOfVariation", { _ = try LogNormal(mean: 1, coefficientOfVariation: -0.5) }),
        ("gamma: shape", { _ = try GammaDistribution(shape: 0, scale: 1) }),
        ("gamma: scale", { _ = try GammaDistribution(shape: 1, scale: .infinity) }),
        ("beta: alpha", { _ = try BetaDistribution(alpha: -1, beta: 1) }),
        ("beta: beta", { _ = try BetaDistribution(alpha: 1, beta: .nan) }),
        ("weibull: scale", { _ = try Weibull(scale: 0, shape: 1) }),
        ("weibull: shape", { _ = try Weibull(scale: 1, shape: -1) }),
        ("poisson: mean", { _ = try Poisson(mean: -1) }),
        ("poisson: mean", { _ = try Poisson(mean: .nan) }),
        ("poisson: mean", { _ = try Poisson(mean: 1e12) }),
        ("binomial: trials", { _ = try Binomial(trials: -1, probability: 0.5) }),
        ("binomial: probability must be in [0, 1], got 1.5", { _ = try Binomial(trials: 3, probability: 1.5) }),
        ("bernoulli: probability", { _ = try Bernoulli(probability: -0.1) }),
        ("bernoulli: probability", { _ = try Bernoulli(probability: .nan) }),
        ("categorical: weights must not be empty", { _ = try Categorical(weights: []) }),
        ("categorical: weights[1] must be >= 0", { _ = try Categorical(weights: [1, -1]) }),
        ("categorical: weights[1] must be >= 0", { _ = try Categorical(weights: [1, .nan]) }),
        ("categorical: weights[0] must be >= 0", { _ = try Categorical(weights: [.infinity]) }),
        ("categorical: weights must have a positive, finite sum", { _ = try Categorical(weights: [0, 0]) }),
        (
            "categorical: weights must have a positive, finite sum",
            {
                _ = try Categorical(weights: [1e308, 1e308])
            }
        ),
        (
            "hourOfWeekRates must have 168 entries, got 167",
            {
                _ = try NonHomogeneousPoissonArrivals(hourOfWeekRates: Array(repeating: 1, count: 167))
            }
        ),
        (
            "hourOfWeekRates[5] must be >= 0",
            {
                var rates = [Double](repeating: 1, count: 168)
                rates[5] = -0.5
                _ = try NonHomogeneousPoissonArrivals(hourOfWeekRates: rates)
            }
        ),
        (
            "hourOfWeekRates[7] must be >= 0",
            {
                var rates = [Double](repeating: 1, count: 168)
                rates[7] = .nan
                _ = try NonHomogeneousPoissonArrivals(hourOfWeekRates: rates)
            }
        ),
        (
            "hourOfWeekRates must have a positive rate",
            {
                _ = try NonHomogeneousPoissonArrivals(hourOfWeekRates: Array(repeating: 0, count: 168))
            }
        ),
        (
            "sinusoidal: amplitude",
            { _ = try NonHomogeneousPoissonArrivals.sinusoidal(meanPerHour: 1, amplitude: 1.5, peakHour: 12) }
        ),
        (
            "sinusoidal: peakHour",
            { _ = try NonHomogeneousPoissonArrivals.sinusoidal(meanPerHour: 1, amplitude: 0.5, peakHour: 24) }
        ),
        (
            "sinusoidal: meanPerHour",
            { _ = try NonHomogeneousPoissonArrivals.sinusoidal(meanPerHour: 0, amplitude: 0.5, peakHour: 3) }
        ),
    ]

    @Test(arguments: cases)
    func badParameterThrows(fragment: String, make: @Sendable () throws -> Void) {
        let error = #expect(throws: StochasticError.self) { try make() }
        #expect(error?.code == 4, "GSL_EINVAL")
        #expect(error?.message.contains(fragment) == true, "message: \(error?.message ?? "none")")
    }

    @Test func descriptionIncludesGslText() throws {
        let error = #expect(throws: StochasticError.self) { try Exponential(mean: -2) }
        #expect(error?.description.contains("invalid argument supplied by user") == true)
        #expect(StochasticError.gslText(for: 1) == "input domain error")
    }

    @Test func errorsAreEquatable() {
        #expect(StochasticError(code: 4, message: "x") == StochasticError(code: 4, message: "x"))
        #expect(StochasticError(code: 4, message: "x") != StochasticError(code: 1, message: "x"))
    }
}
