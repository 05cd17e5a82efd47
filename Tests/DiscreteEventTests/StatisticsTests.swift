import DiscreteEvent
import PropertyBased
import Testing

@Suite struct StatisticsTests {
    @Test func tallyMatchesTwoPassFormulas() async {
        await propertyCheck(count: 200, input: Gen.double(in: -1e3...1e3).array(of: 2...200)) { xs in
            let t = Tally(xs)
            let n = Double(xs.count)
            let mean = xs.reduce(0, +) / n
            let variance = xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / (n - 1)
            #expect(abs(t.mean - mean) <= 1e-9 * max(1, abs(mean)))
            #expect(abs(t.variance - variance) <= 1e-7 * max(1, variance))
            #expect(t.min == xs.min()! && t.max == xs.max()!)
        }
    }

    @Test func tallyMergeEqualsOneTally() async {
        await propertyCheck(
            count: 100, input: Gen.double(in: -10...10).array(of: 0...50), Gen.double(in: 0...100).array(of: 0...50)
        ) { a, b in
            var merged = Tally(a)
            merged.merge(Tally(b))
            let whole = Tally(a + b)
            #expect(merged.count == whole.count)
            #expect(abs(merged.mean - whole.mean) < 1e-9)
            #expect(abs(merged.variance - whole.variance) < 1e-7)
        }
    }

    @Test func confidenceIntervalUsesStudentT() throws {
        // 1...10: mean 5.5, s² = 55/6, t(0.975, 9) = 2.2621571628
        let t = Tally((1...10).map(Double.init))
        let ci = try #require(t.confidenceInterval(level: 0.95))
        #expect(abs(ci.mean - 5.5) < 1e-12)
        let expected = 2.2621571628 * (55.0 / 6.0 / 10.0).squareRoot()
        #expect(abs(ci.halfWidth - expected) < 1e-8)
        #expect(Tally([1]).confidenceInterval() == nil)
        #expect(abs(studentTQuantile(0.975, degreesOfFreedom: 1) - 12.7062047362) < 1e-8)
    }

    /// An infinite observation (a quantile never reached) makes the mean infinite, whatever its position, and the
    /// spread undefined; two infinities stay infinite (Welford's ∞ − ∞ would give NaN); both signs give NaN.
    @Test func infiniteObservationsGiveAnInfiniteMean() throws {
        for xs: [Double] in [[.infinity, .infinity], [1, .infinity, 3], [.infinity, 2]] {
            let t = Tally(xs)
            #expect(t.mean == .infinity && t.variance.isNaN && t.max == .infinity, "\(xs)")
            let ci = try #require(t.confidenceInterval())
            #expect(ci.mean == .infinity && ci.halfWidth.isNaN)
        }
        #expect(Tally([.infinity, -.infinity]).mean.isNaN)
        var merged = Tally([1, 2])
        merged.merge(Tally([.infinity]))
        #expect(merged.count == 3 && merged.mean == .infinity && merged.variance.isNaN)
        var other = Tally([.infinity])
        other.merge(Tally([5]))
        #expect(other.mean == .infinity && other.min == 5)
    }

    @Test func timeWeightedAverageOfAStepFunction() {
        // 0 on [0,10), 2 on [10,20), 5 on [20,40): area 20 + 100 = 120 over 40 → 3
        var w = TimeWeighted()
        w.update(2, at: .seconds(10))
        w.update(5, at: .seconds(20))
        #expect(w.mean(at: .seconds(40)) == 3)
        #expect(w.maximum == 5)
        // Warm-up reset at 30 keeps the level: 5 on [30, 40) → 5
        w.reset(at: .seconds(30))
        #expect(w.mean(at: .seconds(40)) == 5)
        w.add(-5, at: .seconds(35))
        #expect(w.mean(at: .seconds(40)) == 2.5)
    }

    @Test func percentilesFromHdrHistogram() {
        var p = Percentiles()
        for ms in 1...1000 { p.record(.milliseconds(Int64(ms))) }
        #expect(p.count == 1000)
        let p50 = p.value(atPercentile: 50).ticks
        let p90 = p.value(atPercentile: 90).ticks
        // three significant digits: within 0.1%
        #expect(abs(Double(p50) - 500_000) / 500_000 < 0.002)
        #expect(abs(Double(p90) - 900_000) / 900_000 < 0.002)
        p.reset()
        #expect(p.count == 0)
    }
}
