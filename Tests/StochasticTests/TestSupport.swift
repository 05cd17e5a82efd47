import Testing

@testable import Stochastic

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The master seed the distribution tests use. Tests are deterministic: a passing test keeps passing.
let testSeed: UInt64 = 0x5EED_2024

/// `n` draws of `draw` from stream `name` of a fresh replication-0 stream set.
func samples(_ n: Int, stream name: String, seed: UInt64 = testSeed, _ draw: (RandomStream) -> Double) -> [Double] {
    let stream = RandomStreams(seed: seed, replication: 0).stream(name)
    return (0..<n).map { _ in draw(stream) }
}

/// Sample mean, unbiased sample variance and sample fourth central moment (two-pass).
struct SampleMoments {
    let count: Int
    let mean: Double
    let variance: Double
    let fourthCentral: Double

    init(_ values: [Double]) {
        count = values.count
        let n = Double(values.count)
        mean = values.reduce(0, +) / n
        var m2 = 0.0
        var m4 = 0.0
        for value in values {
            let d = value - mean
            let d2 = d * d
            m2 += d2
            m4 += d2 * d2
        }
        variance = m2 / (n - 1)
        fourthCentral = m4 / n
    }
}

/// The fourth central moment from the raw moments E[X], E[X²], E[X³], E[X⁴].
func fourthCentralMoment(raw m: [Double]) -> Double {
    let (m1, m2, m3, m4) = (m[0], m[1], m[2], m[3])
    return m4 - 4 * m1 * m3 + 6 * m1 * m1 * m2 - 3 * m1 * m1 * m1 * m1
}

/// Checks sample moments against theory with tolerances derived from the sample size.
///
/// - The sample mean has standard error `sqrt(σ²/n)`.
/// - The unbiased sample variance s² has `Var(s²) = μ₄/n − σ⁴(n−3)/(n(n−1))`
///   (Kendall and Stuart, *The Advanced Theory of Statistics* vol. 1, §10.5), about `(μ₄ − σ⁴)/n`;
///   its standard error is the square root of that exact expression with the distribution's own μ₄
///   (the exact form matters when μ₄ = σ⁴, as for a fair coin).
///
/// Both statistics are asymptotically normal, so allowing 5 standard errors makes a false failure
/// about a 1-in-1.7-million event; the seeds are fixed, so the outcome never changes between runs.
/// With n = 200 000 the mean is pinned to ±1.1% of σ, which catches a wrong scale or a swapped
/// parameter in any of the tested distributions.
func expectMoments(
    _ values: [Double], mean: Double, variance: Double, fourthCentralMoment mu4: Double,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let s = SampleMoments(values)
    let n = Double(s.count)
    let meanTolerance = 5 * (variance / n).squareRoot()
    let varianceOfVariance = mu4 / n - variance * variance * (n - 3) / (n * (n - 1))
    let varianceTolerance = 5 * varianceOfVariance.squareRoot()
    #expect(
        abs(s.mean - mean) <= meanTolerance,
        "sample mean \(s.mean) vs \(mean) ± \(meanTolerance)", sourceLocation: sourceLocation)
    #expect(
        abs(s.variance - variance) <= varianceTolerance,
        "sample variance \(s.variance) vs \(variance) ± \(varianceTolerance)", sourceLocation: sourceLocation)
}

/// Relative closeness for comparing a distribution's closed-form moments with the test's own.
func isClose(_ a: Double, _ b: Double, relative: Double = 1e-9) -> Bool {
    abs(a - b) <= relative * max(abs(a), abs(b), 1e-300)
}

/// The Kolmogorov–Smirnov statistic D_n = sup |F_n(x) − F(x)| of `values` against `cdf`.
func kolmogorovSmirnov(_ values: [Double], cdf: (Double) -> Double) -> Double {
    let sorted = values.sorted()
    let n = Double(sorted.count)
    var d = 0.0
    for (i, x) in sorted.enumerated() {
        let f = cdf(x)
        d = max(d, f - Double(i) / n, Double(i + 1) / n - f)
    }
    return d
}

/// The standard normal CDF and density, computed independently of GSL.
func phiCDF(_ z: Double) -> Double { 0.5 * erfc(-z / 2.0.squareRoot()) }
func phiDensity(_ z: Double) -> Double { exp(-z * z / 2) / (2 * Double.pi).squareRoot() }

/// Composite Simpson integral of `f` over [a, b] with `intervals` (even) sub-intervals.
func simpson(_ a: Double, _ b: Double, intervals: Int = 20_000, _ f: (Double) -> Double) -> Double {
    let h = (b - a) / Double(intervals)
    var sum = f(a) + f(b)
    for i in 1..<intervals {
        sum += f(a + Double(i) * h) * (i % 2 == 1 ? 4 : 2)
    }
    return sum * h / 3
}
