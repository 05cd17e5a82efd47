import Foundation
import Stochastic
import Testing

@testable import Analysis

/// MSER-5 against hand-computed statistics and synthetic series with known transients.
@Suite struct WarmupTests {
    /// Batches 10, 0, 0, 0: MSER(0) = 75/16, MSER(1) = 0, so d* = 1 (the search limit for k = 4).
    @Test func handComputedStatistic() throws {
        let series = Array(repeating: 10.0, count: 5) + Array(repeating: 0.0, count: 15)
        let w = try #require(MSER.detect(series))
        #expect(w.batches == 4 && w.truncatedBatches == 1 && w.truncatedObservations == 5 && w.statistic == 0)
        #expect(w.atLimit)
        // Batches 0, 4, 2, 4, 0: MSER(0) = 16/25 = 0.64, MSER(1) = 11/16 = 0.6875, MSER(2) = 8/9: d* = 0
        // (limit 2).
        let flat: [Double] = [0.0, 4, 2, 4, 0].flatMap { (b: Double) -> [Double] in Array(repeating: b, count: 5) }
        let f = try #require(MSER.detect(flat))
        #expect(f.truncatedBatches == 0 && abs(f.statistic - 0.64) < 1e-12 && !f.atLimit)
    }

    @Test func tooShortAndConstantSeries() throws {
        #expect(MSER.detect(Array(repeating: 1.0, count: 9)) == nil)
        let c = try #require(MSER.detect(Array(repeating: 3.0, count: 12)))
        #expect(c.batches == 2 && c.truncatedBatches == 0 && c.statistic == 0)  // ties: the earliest truncation
        let trailing = try #require(MSER.detect(Array(repeating: 3.0, count: 14)))
        #expect(trailing.batches == 2)  // the partial batch is dropped
    }

    /// 10 + 50·e^(−t/20) + N(0, 1): the bias falls below the noise after about 80–100 observations.
    @Test func exponentialTransientIsDetected() throws {
        for seed in UInt64(1)...10 {
            var rng = SplitMix64(state: seed)
            let series = (0..<1000).map { t in 10 + 50 * exp(-Double(t) / 20) + rng.normal() }
            let w = try #require(MSER.detect(series))
            #expect(w.batches == 200)
            #expect((50...200).contains(w.truncatedObservations), "seed \(seed): \(w.truncatedObservations)")
            #expect(!w.atLimit)
        }
    }

    /// A stationary AR(1) series (no transient) is truncated little, if at all.
    @Test func stationarySeriesIsBarelyTruncated() throws {
        var total = 0
        for seed in UInt64(1)...20 {
            var rng = SplitMix64(state: seed * 7919)
            var x = 0.0
            let series = (0..<1000).map { _ -> Double in
                x = 0.5 * x + rng.normal()
                return 10 + x
            }
            let w = try #require(MSER.detect(series))
            #expect(w.truncatedObservations <= 150, "seed \(seed): \(w.truncatedObservations)")
            total += w.truncatedObservations
        }
        #expect(Double(total) / 20 <= 50, "mean truncation \(Double(total) / 20) of 1000")
    }
}
