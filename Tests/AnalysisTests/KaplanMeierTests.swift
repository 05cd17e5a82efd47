import Testing

@testable import Analysis

/// The Kaplan–Meier estimator against hand-computed examples.
@Suite struct KaplanMeierTests {
    /// Events at 1, 2, 2, 4; censored at 3 and 5; two never have the event (censored at +∞). Eight at risk:
    /// - t = 1: 8 at risk, 1 event: S = 7/8, share 1/8.
    /// - t = 2: 7 at risk, 2 events: S = 7/8 · 5/7 = 5/8, share 3/8.
    /// - t = 3: censored, leaves the risk set.
    /// - t = 4: 4 at risk (4, 5, ∞, ∞), 1 event: S = 5/8 · 3/4 = 15/32, share 17/32.
    /// The 17/32 = 0.53125 reported by 4 never grows: the p90 is +∞ and the share never reported 15/32.
    @Test func handComputedExample() {
        let km = KaplanMeier(events: [2, 4, 1, 2], censored: [.infinity, 5, 3, .infinity])
        let times: [Double] = km.steps.map(\.time)
        let events: [Int] = km.steps.map(\.events)
        let atRisk: [Int] = km.steps.map(\.atRisk)
        let shares: [Double] = km.steps.map(\.share)
        let expected: [Double] = [1.0 / 8, 3.0 / 8, 17.0 / 32]
        #expect(times == [1, 2, 4] && events == [1, 2, 1] && atRisk == [8, 7, 4])
        #expect(zip(shares, expected).allSatisfy { abs($0 - $1) < 1e-15 } && shares.count == 3, "\(shares)")
        #expect(km.subjects == 8 && km.events == 4)
        #expect(abs(km.neverShare - 15.0 / 32) < 1e-15)
        #expect(km.quantile(0.1) == 1)
        #expect(km.quantile(0.125) == 1)
        #expect(km.quantile(0.375) == 2, "a share of exactly p reaches it")
        #expect(km.quantile(0.5) == 4)
        #expect(km.quantile(0.6) == .infinity)
        #expect(km.quantile(0.9) == .infinity)
        #expect(km.share(at: 0.5) == 0)
        #expect(km.share(at: 2) == shares[1] && km.share(at: 3.9) == shares[1])
        #expect(km.share(at: 100) == shares[2])
    }

    /// A subject censored at an event's time is still at risk at that time (events come first).
    @Test func censoredAtAnEventTimeIsAtRisk() {
        let km = KaplanMeier(events: [2, 3], censored: [2])
        // t = 2: 3 at risk, 1 event: share 1/3; t = 3: 1 at risk, 1 event: share 1.
        let atRisk: [Int] = km.steps.map(\.atRisk)
        let shares: [Double] = km.steps.map(\.share)
        #expect(atRisk == [3, 1])
        #expect(shares.count == 2 && abs(shares[0] - 1.0 / 3) < 1e-15 && shares[1] == 1)
        #expect(km.neverShare == 0)
    }

    /// Without censoring the estimate is the empirical distribution function, and the p-quantile the order statistic
    /// of rank ⌈p·n⌉.
    @Test func withoutCensoringItIsTheEmpiricalDistribution() {
        let xs: [Double] = [5, 1, 4, 2, 3, 9, 7, 8, 6, 10]
        let km = KaplanMeier(events: xs, censored: [])
        let times: [Double] = km.steps.map(\.time)
        #expect(times == xs.sorted())
        for (i, s) in km.steps.enumerated() { #expect(abs(s.share - Double(i + 1) / 10) < 1e-12) }
        #expect(km.quantile(0.5) == 5 && km.quantile(0.9) == 9 && km.quantile(0.91) == 10 && km.quantile(1) == 10)
        #expect(km.neverShare < 1e-12)
    }

    /// No subject: every quantile and the never share are NaN; only censored subjects: the share stays 0, every
    /// quantile is +∞.
    @Test func emptyAndAllCensored() {
        let none = KaplanMeier(events: [], censored: [])
        #expect(none.quantile(0.5).isNaN && none.neverShare.isNaN && none.steps.isEmpty)
        let open = KaplanMeier(events: [], censored: [1, .infinity])
        #expect(open.quantile(0.5) == .infinity && open.neverShare == 1 && open.share(at: 10) == 0)
    }
}
