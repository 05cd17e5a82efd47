import Foundation
import Market
import MarketModel
import PropertyBased
import Stochastic
import Testing

@Suite struct StrategyTests {
    @Test func pricingStrategies() {
        let fixed = PricingStrategy(parameters: Pricing(strategy: .fixedList))
        #expect(fixed.price(for: .ct, urgency: .routine, queueLength: 9) == 7_100)
        #expect(fixed.price(for: .ct, urgency: .stat) == 7_250)
        let queue = PricingStrategy()  // queue-responsive by default
        #expect(queue.price(for: .xr, urgency: .routine, queueLength: 2) == 867)  // +1% per study of demand
        #expect(queue.price(for: .xr, urgency: .routine, queueLength: 100) == 1_020)  // capped at +20%
        // A radiologist's personal factor scales its list (not the STAT surcharge).
        let dear = PricingStrategy(parameters: Pricing(strategy: .fixedList), personalFactor: 1.1)
        #expect(dear.price(for: .xr, urgency: .routine) == 935 && dear.price(for: .xr, urgency: .stat) == 1_085)
        let target = PricingStrategy(parameters: Pricing(strategy: .incomeTarget))
        var m = 1.0
        m = target.dailyAdjustment(multiplier: m, incomePerHour: 10_000, utilisation: 0.5)
        #expect(abs(m - 0.98) < 1e-12)  // below target and idle: cut the price to win volume
        m = target.dailyAdjustment(multiplier: 1, incomePerHour: 10_000, utilisation: 0.95)
        #expect(abs(m - 1.02) < 1e-12)  // busy: raise
        var many = 1.0
        for _ in 0..<200 { many = target.dailyAdjustment(multiplier: many, incomePerHour: 0, utilisation: 0) }
        #expect(abs(many - 0.8) < 1e-12)
        #expect(target.price(for: .ct, urgency: .routine, multiplier: many) == 5_680)
        #expect(fixed.dailyAdjustment(multiplier: 1, incomePerHour: 0, utilisation: 0) == 1)
    }

    @Test func routingRanksByPriceQualityTurnaroundAndSubspecialty() {
        let policy = RoutingPolicy()
        let cheap = RoutingCandidate(
            id: 1, price: 2_000, medianTurnaroundTicks: 30 * minuteTicks, discrepancyRate: 0.03)
        let good = RoutingCandidate(
            id: 2, price: 2_300, medianTurnaroundTicks: 30 * minuteTicks, discrepancyRate: 0.005)
        let sloppy = RoutingCandidate(
            id: 3, price: 2_000, medianTurnaroundTicks: 30 * minuteTicks, discrepancyRate: 0.06)
        let dear = RoutingCandidate(id: 4, price: 5_000)
        let neuro = RoutingCandidate(
            id: 5, price: 2_300, medianTurnaroundTicks: 30 * minuteTicks, discrepancyRate: 0.03,
            subspecialties: ["neuro"])
        let ranked = policy.rank(
            [dear, sloppy, neuro, good, cheap], maxPrice: 4_000,
            requiredTurnaroundTicks: hourTicks, subspecialty: nil)
        #expect(ranked.map(\.id) == [2, 1, 5, 3])
        let forNeuro = policy.rank(
            [cheap, neuro], maxPrice: 4_000, requiredTurnaroundTicks: hourTicks,
            subspecialty: "neuro")
        #expect(forNeuro.first?.id == 5)
        // Ties break on id, whatever the input order.
        let twin = RoutingCandidate(
            id: 0, price: 2_000, medianTurnaroundTicks: 30 * minuteTicks, discrepancyRate: 0.03)
        #expect(
            policy.rank([cheap, twin], maxPrice: 4_000, requiredTurnaroundTicks: hourTicks, subspecialty: nil)
                .map(\.id) == [0, 1])
    }

    @Test func claimingStrategiesRespectTheQueue() {
        let studies = [
            OpenStudy(id: 1, postedTicks: 10, deadlineTicks: 900, price: 600, expectedReadTicks: 120),
            OpenStudy(id: 2, postedTicks: 20, deadlineTicks: 100, price: 2_300, expectedReadTicks: 720),
            OpenStudy(
                id: 3, postedTicks: 30, deadlineTicks: 500, price: 4_500, expectedReadTicks: 660,
                subspecialty: "neuro"),
            OpenStudy(
                id: 4, postedTicks: 5, deadlineTicks: 800, price: 2_900, expectedReadTicks: 660,
                subspecialty: "msk"),
        ]
        func ids(_ s: Claiming.Strategy, held: Int = 0, maxQueue: Int = 3) -> [UInt64] {
            ClaimingPolicy(parameters: Claiming(strategy: s, maxQueue: maxQueue))
                .choose(from: studies, held: held, subspecialties: ["neuro"]).map(\.id)
        }
        #expect(ids(.firstCome) == [1, 2, 3])
        #expect(ids(.bestPaid) == [3, 1, 2])  // 6.8, 5.0, 3.2 per tick ×1000
        #expect(ids(.earliestDeadline) == [2, 3, 1])
        #expect(ids(.subspecialtyFirst) == [3, 1, 2])
        #expect(ids(.firstCome, held: 2) == [1])
        #expect(ids(.firstCome, held: 3).isEmpty)
        #expect(ids(.bestPaid, maxQueue: 1) == [3])

        // Auctions: studies already holding `crowdedBids` committed bids go after the others, each group in the
        // strategy's order; with no crowded study the order is the strategy's alone.
        var contested = studies
        contested[1].competingBids = 3  // study 2: crowded at the default threshold 3
        contested[0].competingBids = 2  // study 1: not yet
        func contestedIDs(_ s: Claiming.Strategy, crowdedBids: Int = 3) -> [UInt64] {
            ClaimingPolicy(parameters: Claiming(strategy: s, maxQueue: 3, crowdedBids: crowdedBids))
                .choose(from: contested, held: 0, subspecialties: ["neuro"]).map(\.id)
        }
        #expect(contestedIDs(.earliestDeadline) == [3, 1, 2])
        #expect(contestedIDs(.firstCome) == [1, 3, 2])
        #expect(contestedIDs(.earliestDeadline, crowdedBids: 2) == [3, 2, 1])
        #expect(contestedIDs(.earliestDeadline, crowdedBids: 4) == [2, 3, 1])
    }

    /// Referrer feedback: in 1...5, lower for discrepancies and for late reports, given with the configured rate.
    @Test func referrerFeedbackIsANoisyFunctionOfQualityAndTurnaround() {
        let stream = RandomStreams(seed: 51, replication: 0).stream("test.feedback")
        let f = ReferrerFeedback()
        func mean(_ d: Discrepancy, tat: Int64) -> (mean: Double, given: Double) {
            let scores = (0..<40_000).map { _ in
                f.feedback(discrepancy: d, turnaroundTicks: tat, requiredTicks: hourTicks, stream: stream)
            }
            let given = scores.compactMap { $0 }
            #expect(given.allSatisfy { (1...5).contains($0) })
            return (Double(given.reduce(0, +)) / Double(given.count), Double(given.count) / 40_000)
        }
        let fastGood = mean(.none, tat: 10 * minuteTicks)
        let fastMajor = mean(.major, tat: 10 * minuteTicks)
        let slowGood = mean(.none, tat: 2 * hourTicks)
        #expect(abs(fastGood.given - 0.3) < 0.01)
        #expect(fastGood.mean > fastMajor.mean + 0.8, "\(fastGood.mean) vs \(fastMajor.mean)")
        #expect(fastGood.mean > slowGood.mean + 0.5, "\(fastGood.mean) vs \(slowGood.mean)")
    }
}

@Suite struct ReadingTimeTests {
    /// Mean reading time is mean × speed factor / pace, for lognormal and exponential reads; the AI shortens it.
    @Test func readingTimeScalesWithSpeedAndPace() throws {
        var times = MarketDefaults.readingTime
        times[.xr] = ReadingTime(distribution: .exponential, meanTicks: 2 * minuteTicks)
        let model = try ReadingTimeModel(readingTime: times)
        let stream = RandomStreams(seed: 61, replication: 0).stream("test.reading")
        for (modality, speed, pace) in [(Modality.ct, 1.0, 1.0), (.ct, 1.3, 2.0), (.xr, 0.8, 0.8)] {
            let n = 60_000
            let mean =
                (0..<n).map { _ in
                    Double(
                        model.sampleTicks(
                            modality, speedFactor: speed, pace: pace,
                            stream: stream))
                }.reduce(0, +) / Double(n)
            let expected = model.meanTicks(modality, speedFactor: speed, pace: pace)
            #expect(abs(mean / expected - 1) < 0.02, "\(modality) \(mean) vs \(expected)")
        }
        #expect(model.meanTicks(.ct, speedFactor: 1, pace: 1) == 12 * Double(minuteTicks))
        #expect(
            model.meanTicks(.ct, speedFactor: 1, pace: 1, aiEffectBasisPoints: -1000) == 0.9 * 12 * Double(minuteTicks))
        let speeds = (0..<40_000).map { _ in ReadingTimeModel.drawSpeedFactor(speedCV: 0.25, stream: stream) }
        let m = speeds.reduce(0, +) / Double(speeds.count)
        let sd = (speeds.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(speeds.count)).squareRoot()
        #expect(abs(m - 1) < 0.01 && abs(sd - 0.25) < 0.01, "speed mean \(m) sd \(sd)")
        #expect(ReadingTimeModel.drawSpeedFactor(speedCV: 0, stream: stream) == 1)
    }

    /// Property: reading times are positive ticks for any positive speed, pace and AI effect, and error
    /// probabilities stay in [0, 1] under any conditions.
    @Test func readingTimesPositiveAndProbabilitiesBounded() async throws {
        let model = try ReadingTimeModel(readingTime: MarketDefaults.readingTime)
        let errors = ErrorModel()
        let stream = RandomStreams(seed: 62, replication: 0).stream("test.property")
        await propertyCheck(
            count: 400, input: Gen.double(in: 0.05...5), Gen.double(in: 0.1...4), Gen.int(in: -9_000...9_000),
            Gen.double(in: 0...48), Gen.int(in: 0...400)
        ) { speed, pace, ai, hours, volume in
            for modality in Modality.allCases {
                #expect(
                    model.sampleTicks(
                        modality, speedFactor: speed, pace: pace, aiEffectBasisPoints: ai,
                        stream: stream) >= 1)
            }
            for burned in [false, true] {
                let c = ReadConditions(
                    pace: pace, hoursIntoShift: hours, shiftVolume: volume, burnedOut: burned,
                    goodRequisition: ai > 0)
                for p in [
                    errors.missProbability(c), errors.overcallProbability(c),
                    errors.errorProbability(c, prevalence: 0.3),
                ] {
                    #expect(p >= 0 && p <= 1 && p.isFinite)
                }
            }
        }
    }
}
