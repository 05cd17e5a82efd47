import Testing

@testable import Stochastic

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Keyed draws (common random numbers per entity) and the quantile functions they feed.
@Suite("Keyed draws")
struct KeyedDrawsTests {
    private func draws(_ keyed: KeyedDraws, _ name: String, _ n: Int = 200) -> [Double] {
        var g = keyed.generator(name)
        return (0..<n).map { _ in g.uniformPositive() }
    }

    /// The same (seed, replication, name) gives the same numbers, whatever else was drawn or in what order; a
    /// different seed, replication or name gives other numbers.
    @Test func sameKeySameNumbersOtherKeysOtherNumbers() {
        let keyed = KeyedDraws(seed: 42, replication: 3)
        let base = draws(keyed, "read.hospital-1/0/17.1")
        _ = draws(keyed, "read.hospital-1/0/18.1")
        _ = RandomStreams(seed: 42, replication: 3).stream("read.hospital-1/0/17.1").uniform()
        #expect(draws(RandomStreams(seed: 42, replication: 3).keyedDraws, "read.hospital-1/0/17.1") == base)
        let others = [
            draws(KeyedDraws(seed: 43, replication: 3), "read.hospital-1/0/17.1"),
            draws(KeyedDraws(seed: 42, replication: 4), "read.hospital-1/0/17.1"),
            draws(keyed, "read.hospital-1/0/17.2"),
            draws(keyed, "read.hospital-1/0/71.1"),
        ]
        for other in others { #expect(zip(base, other).allSatisfy { $0 != $1 }) }
    }

    /// A keyed generator never repeats the seeding words of the stream of the same name.
    @Test func keyedDrawsAreNotTheStreamOfTheSameName() {
        let streams = RandomStreams(seed: 7, replication: 0)
        var keyed = streams.keyedDraws.generator("speed.general-day-1")
        var seeding = SplitMix64(state: streams.stream("speed.general-day-1").seed)
        #expect((0..<100).allSatisfy { _ in keyed.next() != seeding.next() })
    }

    /// Keyed uniforms are uniform on (0, 1): first uniforms of 20,000 names in 20 bins, χ² with 19 degrees of
    /// freedom exceeds 43.8 with probability 0.001; never 0 or 1.
    @Test func firstDrawsOfManyKeysAreUniform() {
        let keyed = KeyedDraws(seed: 9, replication: 1)
        var bins = Array(repeating: 0, count: 20)
        let n = 20_000
        for i in 0..<n {
            var g = keyed.generator("read.c-1/0/\(i).1")
            let u = g.uniformPositive()
            #expect(u > 0 && u < 1)
            bins[min(19, Int(u * 20))] += 1
        }
        let expected = Double(n) / 20
        let chiSquare = bins.reduce(0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
        #expect(chiSquare < 43.8, "bins \(bins)")
    }

    /// Quantiles invert the CDF: the log-normal's median is exp(mu), its p-quantile exp(mu + sigma Φ⁻¹(p)); the
    /// exponential's is −mean ln(1 − p); both increase in p.
    @Test func quantilesInvertTheDistributions() throws {
        let lognormal = try LogNormal(mu: 0.2, sigma: 0.5)
        #expect(abs(lognormal.quantile(0.5) - exp(0.2)) < 1e-12)
        #expect(abs(lognormal.quantile(0.975) - exp(0.2 + 0.5 * 1.959963984540054)) < 1e-9)
        let exponential = try Exponential(mean: 3)
        #expect(abs(exponential.quantile(0.5) - 3 * log(2)) < 1e-12)
        let ps = [1e-9, 0.1, 0.5, 0.9, 1 - 1e-9]
        for q in [ps.map(lognormal.quantile), ps.map(exponential.quantile)] {
            #expect(zip(q, q.dropFirst()).allSatisfy { $0 < $1 } && q.allSatisfy { $0 > 0 && $0.isFinite })
        }
    }

    /// Inverting keyed uniforms reproduces the distribution's mean (40,000 draws: the standard error of a
    /// log-normal mean with CV 0.6 is 0.3%, so 1.5% is five of them).
    @Test func invertedKeyedUniformsHaveTheDistributionsMean() throws {
        let d = try LogNormal(mean: 10, coefficientOfVariation: 0.6)
        var g = KeyedDraws(seed: 1, replication: 0).generator("test")
        let n = 40_000
        let mean = (0..<n).reduce(0.0) { acc, _ in acc + d.quantile(g.uniformPositive()) } / Double(n)
        #expect(abs(mean / 10 - 1) < 0.015, "\(mean)")
    }
}
