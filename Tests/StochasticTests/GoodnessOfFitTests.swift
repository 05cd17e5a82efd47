import Testing

@testable import Stochastic

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Whole-distribution checks, which catch shape errors that two moments can miss.
@Suite("Goodness of fit")
struct GoodnessOfFitTests {
    let n = 50_000
    /// Kolmogorov's asymptotic critical value at α = 0.001 is 1.949 / sqrt(n)
    /// (Smirnov 1948 table; P(sqrt(n) D_n > 1.949) → 0.001).
    var ksCritical: Double { 1.949 / Double(n).squareRoot() }

    @Test func normalKolmogorovSmirnov() throws {
        let d = try Normal(mean: 1, standardDeviation: 2)
        let xs = samples(n, stream: "ks.normal") { d.sample($0) }
        let dn = kolmogorovSmirnov(xs) { phiCDF(($0 - 1) / 2) }
        #expect(dn < ksCritical, "D_n = \(dn)")
    }

    @Test func exponentialKolmogorovSmirnov() throws {
        let d = try Exponential(mean: 3)
        let xs = samples(n, stream: "ks.exponential") { d.sample($0) }
        let dn = kolmogorovSmirnov(xs) { 1 - exp(-$0 / 3) }
        #expect(dn < ksCritical, "D_n = \(dn)")
    }

    @Test func weibullKolmogorovSmirnov() throws {
        let d = try Weibull(scale: 2, shape: 0.8)
        let xs = samples(n, stream: "ks.weibull") { d.sample($0) }
        let dn = kolmogorovSmirnov(xs) { 1 - exp(-pow($0 / 2, 0.8)) }
        #expect(dn < ksCritical, "D_n = \(dn)")
    }

    @Test(arguments: [(0.0, 3.0), (2.0, 4.0), (-0.2, 0.3)])
    func truncatedNormalKolmogorovSmirnov(lower: Double, upper: Double) throws {
        let d = try TruncatedNormal(mean: 1, standardDeviation: 1, lower: lower, upper: upper)
        let (pa, pb) = (phiCDF(lower - 1), phiCDF(upper - 1))
        let xs = samples(n, stream: "ks.truncated") { d.sample($0) }
        let dn = kolmogorovSmirnov(xs) { (phiCDF($0 - 1) - pa) / (pb - pa) }
        #expect(dn < ksCritical, "D_n = \(dn)")
    }

    /// The KS check has power: a 5% scale error is rejected at this sample size.
    @Test func kolmogorovSmirnovRejectsAWrongScale() throws {
        let d = try Exponential(mean: 3.15)
        let xs = samples(n, stream: "ks.exponential") { d.sample($0) }
        #expect(kolmogorovSmirnov(xs) { 1 - exp(-$0 / 3) } > ksCritical)
    }

    /// Pearson's χ² over the categories with positive weight; with 4 degrees of freedom,
    /// P(χ² > 18.47) = 0.001.
    @Test func categoricalChiSquare() throws {
        let weights = [1.0, 2, 3, 0, 4, 5]
        let d = try Categorical(weights: weights)
        var counts = [Int](repeating: 0, count: weights.count)
        let stream = RandomStreams(seed: testSeed, replication: 0).stream("chi2.categorical")
        for _ in 0..<n { counts[d.sample(stream)] += 1 }
        #expect(counts[3] == 0)
        let total = weights.reduce(0, +)
        let chiSquare = zip(counts, weights).filter { $0.1 > 0 }.reduce(0.0) {
            let expected = Double(n) * $1.1 / total
            return $0 + (Double($1.0) - expected) * (Double($1.0) - expected) / expected
        }
        #expect(chiSquare < 18.47, "χ² = \(chiSquare), counts \(counts)")
    }
}
