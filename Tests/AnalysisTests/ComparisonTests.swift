import DiscreteEvent
import Foundation
import Reporting
import Stochastic
import Testing

@testable import Analysis

/// Box–Muller normals from Stochastic's SplitMix64, for the property tests.
extension SplitMix64 {
    mutating func normal() -> Double {
        let u = Double.random(in: Double.ulpOfOne..<1, using: &self)
        let v = Double.random(in: 0..<1, using: &self)
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }
}

/// Paired differences, Welch's unpaired half-width and the pairing summary, against hand-computed values.
@Suite struct ComparisonTests {
    static func close(_ a: Double, _ b: Double, _ tol: Double = 1e-9) -> Bool { abs(a - b) <= tol }

    /// baseline 10, 12, 14; variant 11, 14, 15: differences 1, 2, 1.
    @Test func threeReplicationsByHand() {
        let c = Comparison.paired(baseline: [1: 10, 2: 12, 3: 14], variant: [1: 11, 2: 14, 3: 15], confidence: 0.95)
        #expect(c.n == 3)
        #expect(Self.close(c.meanDifference, 4.0 / 3))
        // Deviations −1/3, 2/3, −1/3: variance (6/9)/2 = 1/3.
        #expect(Self.close(c.sdDifference, (1.0 / 3).squareRoot()))
        // t(0.975, 2) = 4.302653; s/√n = √(1/3)/√3 = 1/3.
        #expect(Self.close(c.halfWidthPaired, 4.302653 / 3, 1e-6))
        #expect(Self.close(c.ciLow, 4.0 / 3 - c.halfWidthPaired) && Self.close(c.ciHigh, 4.0 / 3 + c.halfWidthPaired))
        // Welch: s₁² = 4, s₂² = 13/3, so s₁²/n = 4/3, s₂²/n = 13/9, se = 5/3, ν = 1250/313 ≈ 3.9936.
        let t = studentTQuantile(0.975, degreesOfFreedom: 1250.0 / 313)
        #expect(Self.close(c.halfWidthUnpaired, t * 5 / 3, 1e-9))
        #expect(c.halfWidthUnpaired > 2.776445 * 5 / 3 && c.halfWidthUnpaired < 3.182446 * 5 / 3)
        #expect(Self.close(c.baselineMean, 12) && Self.close(c.variantMean, 40.0 / 3))
        #expect(Self.close(c.relativeDifference, (4.0 / 3) / 12))
        #expect(Self.close(c.halfWidthRatio, c.halfWidthPaired / c.halfWidthUnpaired))
        #expect(c.halfWidthRatio < 0.35)
        // 4/3 − 1.434 < 0: the interval contains 0.
        #expect(!c.significant)
    }

    /// A NaN or missing value on either side drops that replication from both samples.
    @Test func nanAndMissingReplicationsAreDropped() {
        let c = Comparison.paired(
            baseline: [0: 1, 1: .nan, 2: 3, 3: 5], variant: [0: 2, 1: 100, 2: .nan, 3: 7, 4: 9], confidence: 0.95)
        #expect(c.n == 2)
        #expect(c.meanDifference == 1.5)
        #expect(Self.close(c.sdDifference, 0.5.squareRoot()))
        // t(0.975, 1) = 12.7062; s/√n = 0.5.
        #expect(Self.close(c.halfWidthPaired, 12.7062047 * 0.5, 1e-5))
        #expect(c.baselineMean == 3 && c.variantMean == 4.5)
    }

    /// One shared replication: a difference but no interval; none: nothing.
    @Test func fewerThanTwoReplications() {
        let one = Comparison.paired(baseline: [0: 1, 1: 5], variant: [0: 3], confidence: 0.95)
        #expect(one.n == 1 && one.meanDifference == 2 && one.baselineMean == 1 && one.variantMean == 3)
        #expect(one.sdDifference.isNaN && one.ciLow.isNaN && one.ciHigh.isNaN && one.halfWidthPaired.isNaN)
        #expect(one.halfWidthUnpaired.isNaN && one.halfWidthRatio.isNaN && !one.significant)
        let none = Comparison.paired(baseline: [0: .nan], variant: [0: 3, 1: 4], confidence: 0.95)
        #expect(none.n == 0 && none.meanDifference.isNaN && none.baselineMean.isNaN && none.relativeDifference.isNaN)
        #expect(ReportFormat.differenceCell(none) == "-" && ReportFormat.differenceCell(one) == "n/a (n=1)")
    }

    /// Identical samples: zero paired interval, positive unpaired one, ratio 0.
    @Test func identicalSamples() {
        let c = Comparison.paired(baseline: [0: 1, 1: 2, 2: 3], variant: [0: 1, 1: 2, 2: 3], confidence: 0.95)
        #expect(c.n == 3 && c.meanDifference == 0 && c.sdDifference == 0 && c.halfWidthPaired == 0)
        #expect(c.ciLow == 0 && c.ciHigh == 0 && !c.significant)
        // s² = 1 each, ν = 4: t(0.975, 4) · √(2/3).
        #expect(Self.close(c.halfWidthUnpaired, 2.776445 * (2.0 / 3).squareRoot(), 1e-5))
        #expect(c.halfWidthRatio == 0)
        // Constant but different: both half-widths 0, the ratio undefined, the difference certain.
        let k = Comparison.paired(baseline: [0: 5, 1: 5, 2: 5], variant: [0: 7, 1: 7, 2: 7], confidence: 0.95)
        #expect(k.meanDifference == 2 && k.halfWidthPaired == 0 && k.halfWidthUnpaired == 0)
        #expect(k.halfWidthRatio.isNaN && k.significant)
        #expect(ReportFormat.differenceCell(k) == "+2.000 ± 0", "significance has its own column")
        #expect(ReportFormat.significantCell(k) == "yes" && k.pValue == 0)
    }

    /// Metric-major order, the baseline never compared with itself, absent metrics NaN.
    @Test func compareOrdersMetricsThenDesigns() {
        var runs: [Comparison.RunValues] = []
        for r in 0..<3 {
            runs.append(.init(design: "a", replication: r, values: ["x": Double(r), "y": 1]))
            runs.append(.init(design: "b", replication: r, values: ["x": Double(r) + 1, "y": 2 + Double(r)]))
            runs.append(.init(design: "c", replication: r, values: ["x": Double(2 * r)]))
        }
        let metrics = [
            Comparison.Metric(name: "x", label: "X", unit: "h"), Comparison.Metric(name: "y", label: "Y", unit: "USD"),
        ]
        let result = Comparison.compare(
            runs: runs, designs: ["a", "b", "c"], baseline: "b", metrics: metrics, confidence: 0.9)
        #expect(result.map { "\($0.metric):\($0.variant)-\($0.baseline)" } == ["x:a-b", "x:c-b", "y:a-b", "y:c-b"])
        #expect(result[0].meanDifference == -1 && result[0].halfWidthPaired == 0 && result[0].unit == "h")
        #expect(result[1].n == 3 && result[1].meanDifference == 0)  // 2r − (r + 1) = r − 1: mean 0
        #expect(result[3].n == 0)  // c has no y
        #expect(result.allSatisfy { $0.confidence == 0.9 })
    }

    /// Var(v − b) / (Var(b) + Var(v)) by hand: b = 1, 2, 3 (variance 1), v = 2, 4, 5 (variance 7/3), v − b = 1, 2,
    /// 2 (variance 1/3): ratio (1/3) / (10/3) = 0.1. Independent-looking samples give about 1; constant ones NaN.
    @Test func varianceRatioIsTheDifferencesVarianceOverTheSum() {
        let d = Comparison.paired(baseline: [0: 1, 1: 2, 2: 3], variant: [0: 2, 1: 4, 2: 5], confidence: 0.95)
        #expect(abs(d.varianceRatio - 0.1) < 1e-12)
        let anti = Comparison.paired(baseline: [0: 1, 1: 2, 2: 3], variant: [0: 3, 1: 2, 2: 1], confidence: 0.95)
        #expect(abs(anti.varianceRatio - 2) < 1e-12, "perfectly anti-correlated: Var(v − b) = 4 = 2 × (1 + 1)")
        let flat = Comparison.paired(baseline: [0: 1, 1: 1], variant: [0: 2, 1: 2], confidence: 0.95)
        #expect(flat.varianceRatio.isNaN)
        #expect(Comparison.paired(baseline: [0: 1], variant: [0: 2], confidence: 0.95).varianceRatio.isNaN)
        var s = Comparison.pairingSummary([d, anti, flat])
        #expect(s.variancePairs == 2 && s.varianceReduced == 1 && abs(s.medianVarianceRatio - 1.05) < 1e-12)
        s = Comparison.pairingSummary([d])
        #expect(
            ReportFormat.pairingLine(s).hasSuffix(
                "variance of the differences 0.10 of independent sampling's (median; 1 of 1 reduced)"))
    }

    @Test func pairingSummaryTakesTheMedianOfFiniteRatios() {
        func with(_ p: Double, _ u: Double) -> PairedDifference {
            PairedDifference(
                baseline: "a", variant: "b", metric: "m", label: "m", unit: "", n: 3, meanDifference: 0.5,
                sdDifference: 1, ciLow: -p, ciHigh: p, halfWidthPaired: p, halfWidthUnpaired: u, baselineMean: 1,
                variantMean: 1, confidence: 0.95)
        }
        let s = Comparison.pairingSummary([with(1, 5), with(1, 2), with(.nan, 1), with(3, 2), with(1, 0)])
        #expect(s.pairs == 3 && s.medianRatio == 0.5 && s.narrowed == 2)
        #expect(Comparison.pairingSummary([with(1, 5), with(3, 5)]).medianRatio == 0.4)
        #expect(Comparison.pairingSummary([]).medianRatio.isNaN)
        #expect(
            ReportFormat.pairingLine(s).hasPrefix(
                "pairing narrowed intervals: median paired/unpaired half-width 0.50 over 3"))
    }

    /// Property: when the two designs share most of their variation (common random numbers), the paired interval
    /// is narrower than the unpaired one; with independent samples it is not systematically so.
    @Test func pairingPositivelyCorrelatedSamplesNarrowsTheInterval() {
        var rng = SplitMix64(state: 20_260_601)
        var independentRatios: [Double] = []
        for trial in 0..<200 {
            let n = 2 + trial % 19
            var base: [Int: Double] = [:]
            var variant: [Int: Double] = [:]
            var indepBase: [Int: Double] = [:]
            var indepVariant: [Int: Double] = [:]
            for r in 0..<n {
                let shared = 10 * rng.normal()
                base[r] = 50 + shared + rng.normal()
                variant[r] = 53 + shared + rng.normal()
                indepBase[r] = 50 + 10 * rng.normal()
                indepVariant[r] = 53 + 10 * rng.normal()
            }
            let c = Comparison.paired(baseline: base, variant: variant, confidence: 0.95)
            #expect(c.n == n)
            #expect(
                c.halfWidthPaired < c.halfWidthUnpaired,
                "trial \(trial), n \(n): \(c.halfWidthPaired) vs \(c.halfWidthUnpaired)")
            independentRatios.append(
                Comparison.paired(baseline: indepBase, variant: indepVariant, confidence: 0.95).halfWidthRatio)
        }
        let median = Comparison.median(independentRatios.sorted())
        #expect(median > 0.6 && median < 1.6, "median ratio for independent samples \(median)")
    }
}
