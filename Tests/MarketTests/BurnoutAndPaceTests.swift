import Foundation
import Market
import MarketModel
import PropertyBased
import Stochastic
import Testing

@Suite struct BurnoutModelTests {
    let model = BurnoutModel()

    /// (c) Exit hazard: burned out vs not in the ratio of intention to leave, 51% / 24% (domain-parameters.md §5
    /// "Burnout in academic faculty"), on the 2.5%/yr baseline (§5 "Workforce attrition"); exact and simulated over
    /// 20,000 radiologist-years of daily draws.
    @Test func burnoutRaisesExitHazardInTheRatio51To24() {
        let rested = model.annualExitProbability(stock: 0.1)
        let burned = model.annualExitProbability(stock: 0.9)
        #expect(abs(rested - 0.025) < 1e-12)
        // Hazard ×2.1 (the scenario rounds 51/24 = 2.125); as annual probabilities 2.07, within 3% of 51/24.
        #expect(abs(burned / rested / (51.0 / 24.0) - 1) < 0.03, "ratio \(burned / rested)")
        let stream = RandomStreams(seed: 31, replication: 0).stream("test.exits")
        func exits(stock: Double, radiologists: Int) -> Int {
            let daily = model.dailyExitProbability(stock: stock)
            var n = 0
            for _ in 0..<radiologists {
                for _ in 0..<365 where stream.uniform() < daily {
                    n += 1
                    break
                }
            }
            return n
        }
        let r = exits(stock: 0.1, radiologists: 20_000)
        let b = exits(stock: 0.9, radiologists: 20_000)
        #expect(abs(Double(r) / 20_000 - 0.025) < 0.004, "baseline \(r)")
        #expect(abs(Double(b) / Double(r) - 2.125) < 0.4, "simulated ratio \(Double(b) / Double(r))")
    }

    /// The stock accumulates above the sustainable workload, holds at it, and recovers with rest; being burned
    /// out raises the odds of cutting hours by 1.43 per point of the 7-point scale (Shanafelt 2016).
    @Test func stockAccumulatesWithOverworkAndRecoversWithRest() {
        var s = 0.2
        for _ in 0..<10 { s = model.update(stock: s, workloadWRVU: 120) }  // 2× sustainable: +0.05 a day
        #expect(abs(s - 0.7) < 1e-9)
        #expect(model.isBurnedOut(stock: s))
        #expect(model.update(stock: s, workloadWRVU: 60) == s)
        var rest = s
        for _ in 0..<14 { rest = model.update(stock: rest, workloadWRVU: 0) }
        #expect(abs(rest - 0.7 * pow(0.9, 14)) < 1e-9)
        #expect(!model.isBurnedOut(stock: rest))
        let a = model.twoYearHoursCutProbability(stock: 0.5)
        let b = model.twoYearHoursCutProbability(stock: 0.5 + 1.0 / 7)
        #expect(abs((b / (1 - b)) / (a / (1 - a)) - 1.43) < 1e-9)
        #expect(abs(a - 0.21) < 1e-12)
    }

    /// Property: from any stock in [0, 1] and any sequence of daily workloads, the stock stays in [0, 1] and every
    /// probability stays in [0, 1].
    @Test func stockStaysBoundedAndProbabilitiesValid() async {
        await propertyCheck(
            count: 300, input: Gen.double(in: 0...1), Gen.double(in: 0...400).array(of: 0...60)
        ) { start, loads in
            var s = start
            for w in loads {
                s = model.update(stock: s, workloadWRVU: w)
                #expect(s >= 0 && s <= 1)
                for p in [
                    model.dailyExitProbability(stock: s), model.annualExitProbability(stock: s),
                    model.dailyHoursCutProbability(stock: s),
                ] {
                    #expect(p >= 0 && p <= 1)
                }
            }
        }
    }
}

@Suite struct PaceChoiceTests {
    let choice = PaceChoice(errorModel: ErrorModel())
    /// CT: 12 min at pace 1, a 10-hour shift, 30% prevalence; list price 23 USD (MarketDefaults).
    let readHours = 0.2
    let shift = 10.0

    /// (d) Per-read pay (liability only) chooses a faster pace and a higher error rate than value-based settlement
    /// on the same price: the 10% hold-back is forfeited and a quality bonus of 20× the levy is lost when a
    /// discrepancy is found, with every error found **[assumption]** (the strongest value-based contract; the
    /// wiring layer computes the real detection probability).
    @Test func perReadPayReadsFasterAndWorseThanValueBased() {
        let price = 2_300.0
        let perRead = PaceChoice.Terms(payPerRead: price, expectedLossPerError: PaceChoice.expectedLossPerError())
        let valueBased = PaceChoice.Terms(
            payPerRead: price,
            expectedLossPerError: PaceChoice.expectedLossPerError(
                holdback: 0.10 * price, detectionProbability: 1, bonusLostPerDetectedError: 20 * 0.02 * price))
        let p1 = choice.choose(terms: perRead, meanReadHours: readHours, shiftHours: shift, prevalence: 0.3)
        let p2 = choice.choose(terms: valueBased, meanReadHours: readHours, shiftHours: shift, prevalence: 0.3)
        #expect(p1 > p2 + 0.02, "per-read \(p1) vs value-based \(p2)")
        let e1 = choice.shiftOutcome(pace: p1, meanReadHours: readHours, shiftHours: shift, prevalence: 0.3)
        let e2 = choice.shiftOutcome(pace: p2, meanReadHours: readHours, shiftHours: shift, prevalence: 0.3)
        #expect(e1.errors / e1.reads > e2.errors / e2.reads)
        // Without any penalty the optimum is 1/(2c) = 1.25.
        let free = choice.choose(
            terms: .init(payPerRead: price, expectedLossPerError: 0), meanReadHours: readHours, shiftHours: shift,
            prevalence: 0.3)
        #expect(abs(free - 1.25) < 0.011)
    }

    /// Under per-read pay the pace rises with pay until the penalty binds; it falls as the loss per error grows;
    /// every choice lies on the grid inside the cohort's pace range.
    @Test func paceRisesWithPayAndFallsWithPenalty() {
        let pays = [300.0, 600, 1_200, 2_300, 5_000]
        let paces = pays.map {
            choice.choose(
                terms: .init(payPerRead: $0, expectedLossPerError: PaceChoice.defaultLiabilityPerError),
                meanReadHours: readHours, shiftHours: shift, prevalence: 0.3)
        }
        #expect(zip(paces, paces.dropFirst()).allSatisfy { $0 <= $1 }, "\(paces)")
        #expect(paces.first! < paces.last!)
        let losses = [0.0, 2_000, 10_000, 50_000]
        let byLoss = losses.map {
            choice.choose(
                terms: .init(payPerRead: 2_300, expectedLossPerError: $0), meanReadHours: readHours,
                shiftHours: shift, prevalence: 0.3)
        }
        #expect(zip(byLoss, byLoss.dropFirst()).allSatisfy { $0 >= $1 }, "\(byLoss)")
        #expect((paces + byLoss).allSatisfy { $0 >= 0.8 && $0 <= 1.5 })
    }
}
