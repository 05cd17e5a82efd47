import Testing

@testable import Stochastic

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Sample moments of every continuous distribution against moments the test computes itself
/// (so a wrong `mean`/`variance` property is caught too). See `expectMoments` for the tolerances.
@Suite("Continuous distributions")
struct ContinuousDistributionTests {
    let n = 200_000

    @Test func uniform() throws {
        let d = try Uniform(lower: -1, upper: 3)
        let (mean, variance, mu4) = (1.0, 16.0 / 12, 256.0 / 80)
        #expect(isClose(d.mean, mean) && isClose(d.variance, variance))
        let xs = samples(n, stream: "uniform") { d.sample($0) }
        #expect(xs.allSatisfy { $0 >= -1 && $0 < 3 })
        expectMoments(xs, mean: mean, variance: variance, fourthCentralMoment: mu4)
    }

    @Test func exponentialByMeanAndByRate() throws {
        let byMean = try Exponential(mean: 2.5)
        let byRate = try Exponential(rate: 0.4)
        #expect(isClose(byRate.mean, 2.5) && isClose(byMean.rate, 0.4))
        #expect(isClose(byMean.variance, 6.25))
        for d in [byMean, byRate] {
            let xs = samples(n, stream: "exponential") { d.sample($0) }
            #expect(xs.allSatisfy { $0 >= 0 })
            expectMoments(xs, mean: 2.5, variance: 6.25, fourthCentralMoment: 9 * pow(2.5, 4))
        }
    }

    @Test func normal() throws {
        let d = try Normal(mean: -3, standardDeviation: 0.7)
        #expect(isClose(d.mean, -3) && isClose(d.variance, 0.49))
        let xs = samples(n, stream: "normal") { d.sample($0) }
        expectMoments(xs, mean: -3, variance: 0.49, fourthCentralMoment: 3 * 0.49 * 0.49)
    }

    /// Both sampling methods (rejection for large mass, inverse CDF in either tail and for a
    /// narrow central interval), against moments integrated numerically from the density.
    @Test(arguments: [
        (1.0, 2.0, 0.0, 3.0),  // mass 0.53: rejection
        (0.0, 1.0, 2.0, 4.0),  // upper tail, mass 0.023: Qinv
        (10.0, 2.0, 0.0, 5.0),  // lower tail, mass 0.0062: Pinv
        (0.0, 1.0, -0.2, 0.3),  // central, mass 0.197: Pinv
        (5.0, 1.0, 7.5, 30.0),  // far upper tail, mass 0.0062: Qinv
    ])
    func truncatedNormal(parentMean: Double, sd: Double, lower: Double, upper: Double) throws {
        let d = try TruncatedNormal(mean: parentMean, standardDeviation: sd, lower: lower, upper: upper)
        let mass = phiCDF((upper - parentMean) / sd) - phiCDF((lower - parentMean) / sd)
        #expect(isClose(d.mass, mass, relative: 1e-7))
        let density = { (x: Double) in phiDensity((x - parentMean) / sd) / (sd * mass) }
        let m = (1...4).map { k in simpson(lower, upper) { x in pow(x, Double(k)) * density(x) } }
        let mean = m[0]
        let variance = m[1] - mean * mean
        #expect(isClose(d.mean, mean, relative: 1e-7), "closed-form mean \(d.mean) vs integral \(mean)")
        #expect(isClose(d.variance, variance, relative: 1e-6), "closed-form variance \(d.variance) vs \(variance)")
        let xs = samples(n, stream: "truncatedNormal") { d.sample($0) }
        #expect(xs.allSatisfy { $0 >= lower && $0 <= upper })
        expectMoments(xs, mean: mean, variance: variance, fourthCentralMoment: fourthCentralMoment(raw: m))
    }

    @Test func oneSidedTruncatedNormalMoments() throws {
        // Half-normal: N(0, 1) on [0, ∞) has mean sqrt(2/π) and variance 1 − 2/π.
        let d = try TruncatedNormal(mean: 0, standardDeviation: 1, lower: 0, upper: .infinity)
        #expect(isClose(d.mean, (2 / Double.pi).squareRoot(), relative: 1e-12))
        #expect(isClose(d.variance, 1 - 2 / Double.pi, relative: 1e-12))
        let lowerOnly = try TruncatedNormal(mean: 0, standardDeviation: 1, lower: -.infinity, upper: 0)
        #expect(isClose(lowerOnly.mean, -(2 / Double.pi).squareRoot(), relative: 1e-12))
        let xs = samples(n, stream: "halfNormal") { d.sample($0) }
        // Half-normal raw moments: E[X²] = 1, E[X³] = 2 sqrt(2/π), E[X⁴] = 3.
        let r = (2 / Double.pi).squareRoot()
        expectMoments(
            xs, mean: r, variance: 1 - r * r, fourthCentralMoment: fourthCentralMoment(raw: [r, 1, 2 * r, 3]))
    }

    @Test func logNormalFromMuSigmaAndFromMeanCV() throws {
        let d = try LogNormal(mu: 0.2, sigma: 0.5)
        // Raw moments E[X^k] = exp(k mu + k² sigma² / 2).
        let raw = (1...4).map { k in exp(Double(k) * 0.2 + Double(k * k) * 0.25 / 2) }
        let mean = raw[0]
        let variance = raw[1] - mean * mean
        #expect(isClose(d.mean, mean) && isClose(d.variance, variance))
        let xs = samples(n, stream: "lognormal") { d.sample($0) }
        #expect(xs.allSatisfy { $0 > 0 })
        expectMoments(xs, mean: mean, variance: variance, fourthCentralMoment: fourthCentralMoment(raw: raw))

        let byCV = try LogNormal(mean: 3, coefficientOfVariation: 0.4)
        #expect(isClose(byCV.mean, 3) && isClose(byCV.variance, 1.44))
        #expect(isClose(byCV.sigma, log(1 + 0.16).squareRoot()))
        let ys = samples(n, stream: "lognormalCV") { byCV.sample($0) }
        let s2 = byCV.sigma * byCV.sigma
        let rawCV = (1...4).map { k in exp(Double(k) * byCV.mu + Double(k * k) * s2 / 2) }
        expectMoments(ys, mean: 3, variance: 1.44, fourthCentralMoment: fourthCentralMoment(raw: rawCV))
    }

    @Test func gamma() throws {
        // Shape and scale chosen so that swapping them keeps the mean but not the variance.
        let (k, theta) = (3.0, 0.5)
        let d = try GammaDistribution(shape: k, scale: theta)
        #expect(isClose(d.mean, 1.5) && isClose(d.variance, 0.75))
        let xs = samples(n, stream: "gamma") { d.sample($0) }
        // Excess kurtosis 6/k, so μ₄ = 3k(k + 2)θ⁴.
        expectMoments(xs, mean: 1.5, variance: 0.75, fourthCentralMoment: 3 * k * (k + 2) * pow(theta, 4))
    }

    @Test func gammaWithSmallShape() throws {
        let d = try GammaDistribution(shape: 0.4, scale: 2)
        let xs = samples(n, stream: "gammaSmall") { d.sample($0) }
        expectMoments(xs, mean: 0.8, variance: 1.6, fourthCentralMoment: 3 * 0.4 * 2.4 * 16)
    }

    @Test func beta() throws {
        let (a, b) = (2.0, 5.0)
        let d = try BetaDistribution(alpha: a, beta: b)
        // Raw moments E[X^r] = Π_{i<r} (a + i) / (a + b + i).
        let raw = (1...4).map { r in (0..<r).reduce(1.0) { $0 * (a + Double($1)) / (a + b + Double($1)) } }
        let variance = raw[1] - raw[0] * raw[0]
        #expect(isClose(d.mean, raw[0]) && isClose(d.variance, variance))
        let xs = samples(n, stream: "beta") { d.sample($0) }
        #expect(xs.allSatisfy { $0 >= 0 && $0 <= 1 })
        expectMoments(xs, mean: raw[0], variance: variance, fourthCentralMoment: fourthCentralMoment(raw: raw))
    }

    @Test func weibull() throws {
        let (scale, shape) = (2.0, 1.5)
        let d = try Weibull(scale: scale, shape: shape)
        // Raw moments E[X^r] = λ^r Γ(1 + r/k).
        let raw = (1...4).map { r in pow(scale, Double(r)) * tgamma(1 + Double(r) / shape) }
        let variance = raw[1] - raw[0] * raw[0]
        #expect(isClose(d.mean, raw[0]) && isClose(d.variance, variance))
        let xs = samples(n, stream: "weibull") { d.sample($0) }
        expectMoments(xs, mean: raw[0], variance: variance, fourthCentralMoment: fourthCentralMoment(raw: raw))
    }
}
