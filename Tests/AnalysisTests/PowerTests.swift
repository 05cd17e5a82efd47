import Foundation
import Testing

@testable import Analysis

/// Replications needed to detect a paired difference from a pilot (issue 15, item 3).
@Suite struct PowerTests {
    /// By hand: differences 1, 4, 7 have sd 3; (1.959964 + 0.841621)² · 3² = 70.640 → /2² = 17.66 → 18; δ = 1:
    /// 70.64 → 71; δ = −2 as 2; δ = 6: 1.77 → at least 2; no sd → none.
    @Test func replicationsNeededAgainstAHandComputedCase() throws {
        let c = Comparison.paired(
            baseline: [1: 10, 2: 10, 3: 10], variant: [1: 11, 2: 14, 3: 17], confidence: 0.95,
            metric: .init(name: "m", label: "m", unit: ""))
        #expect(abs(c.sdDifference - 3) < 1e-12)
        let e = try #require(DetectionEstimate.estimates([c], metric: "m", delta: 2).first)
        #expect(e.replicationsNeeded == 18 && e.pilotSD == c.sdDifference && e.pilotReplications == 3)
        #expect(PowerEstimate.replications(sd: 3, delta: 1) == 71)
        #expect(PowerEstimate.replications(sd: 3, delta: -2) == 18)
        #expect(PowerEstimate.replications(sd: 3, delta: 6) == 2)
        #expect(PowerEstimate.replications(sd: .nan, delta: 2) == nil)
        #expect(DetectionEstimate.estimates([c], metric: "other", delta: 2).isEmpty)
    }
}
