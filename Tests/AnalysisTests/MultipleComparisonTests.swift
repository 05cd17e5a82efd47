import Foundation
import Testing

@testable import Analysis

/// p-values of paired differences and their adjustment across a table (issue 15, item 3).
@Suite struct MultipleComparisonTests {
    static func close(_ a: Double, _ b: Double, _ tol: Double = 1e-12) -> Bool { abs(a - b) <= tol }

    /// Differences 1, 2, 1: t = (4/3) / (1/3) = 4 on 2 d.f.; for 2 d.f. P(T > t) = (1 − t/√(t² + 2)) / 2.
    @Test func pValueOfThePairedTTest() {
        let c = Comparison.paired(baseline: [1: 10, 2: 12, 3: 14], variant: [1: 11, 2: 14, 3: 15], confidence: 0.95)
        #expect(Self.close(c.pValue, 1 - 4 / 18.0.squareRoot(), 1e-9), "\(c.pValue)")
        #expect(!c.significant && !c.ciExcludesZero)
        let same = Comparison.paired(baseline: [1: 1, 2: 2], variant: [1: 1, 2: 2], confidence: 0.95)
        #expect(same.pValue == 1)
        let shifted = Comparison.paired(baseline: [1: 1, 2: 2], variant: [1: 2, 2: 3], confidence: 0.95)
        #expect(shifted.pValue == 0 && shifted.ciExcludesZero)
        let one = Comparison.paired(baseline: [1: 1], variant: [1: 3], confidence: 0.95)
        #expect(one.pValue.isNaN)
    }

    /// Against R: `p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm")` = 0.03 0.06 0.06 0.02 and `"BH"` = 0.02 0.04
    /// 0.04 0.02.
    @Test func holmAndBenjaminiHochbergAgainstR() {
        let p = [0.01, 0.04, 0.03, 0.005]
        let holm = Comparison.adjustedPValues(p, method: .holm)
        let bh = Comparison.adjustedPValues(p, method: .bh)
        for (x, y) in zip(holm, [0.03, 0.06, 0.06, 0.02]) { #expect(Self.close(x, y), "\(holm)") }
        for (x, y) in zip(bh, [0.02, 0.04, 0.04, 0.02]) { #expect(Self.close(x, y), "\(bh)") }
        #expect(Comparison.adjustedPValues(p, method: .none) == p)
        #expect(Comparison.adjustedPValues([0.5, 0.9], method: .holm) == [1, 1], "capped at 1")
        #expect(Comparison.adjustedPValues([], method: .bh).isEmpty)
    }

    /// A table's comparisons are one family: a difference significant alone is not after Holm when there are many,
    /// and comparisons without a p-value are left out of the family.
    @Test func adjustingATable() {
        // Differences 1.0, 1.2, 0.8 (t ≈ 8.7 on 2 d.f., p ≈ 0.013): significant alone.
        let strong = Comparison.paired(
            baseline: [1: 0, 2: 0, 3: 0], variant: [1: 1, 2: 1.2, 3: 0.8], confidence: 0.95)
        #expect(strong.significant && strong.pValue < 0.05)
        let weak = Comparison.paired(baseline: [1: 0, 2: 0, 3: 0], variant: [1: 1, 2: -1, 3: 0.5], confidence: 0.95)
        let undefined = Comparison.paired(baseline: [1: 0], variant: [1: 1], confidence: 0.95)
        let table = [strong] + Array(repeating: weak, count: 9) + [undefined]
        let holm = Comparison.adjust(table, method: .holm)
        #expect(Self.close(holm[0].adjustedPValue, min(1, 10 * strong.pValue)), "m = 10: the undefined one is out")
        #expect(!holm[0].significant, "not significant once ten comparisons are made")
        #expect(holm[10].adjustedPValue.isNaN && !holm[10].significant)
        #expect(holm.allSatisfy { $0.adjustment == .holm })
        let alone = Comparison.adjust([strong], method: .holm)
        #expect(alone[0].significant && alone[0].adjustedPValue == strong.pValue)
    }
}
