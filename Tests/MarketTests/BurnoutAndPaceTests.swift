import Foundation
import Market
import MarketModel
import PropertyBased
import Stochastic
import Testing

@Suite struct BurnoutModelTests {
    let model = BurnoutModel()

    /// (c) Exit hazard: burned out vs not in the ratio of intention to leave, 51% / 24% (domain-parameters.md §5
    /// "Burnout in academic faculty"), with the workforce average at the reference prevalence equal to §5's
    /// attrition plus turnover (2.5% + 8.5% a year); exact and simulated over 20,000 radiologist-years.
    @Test func burnoutRaisesExitHazardInTheRatio51To24() {
        let rested = model.annualExitProbability(stock: 0.1)
        let burned = model.annualExitProbability(stock: 0.9)
        let hazard = { (p: Double) in -log1p(-p) }
        let average =
            (1 - BurnoutModel.referencePrevalence) * hazard(rested)
            + BurnoutModel.referencePrevalence * hazard(burned)
        #expect(abs(average - hazard(0.11)) < 1e-12, "average hazard \(average)")
        #expect(abs(hazard(burned) / hazard(rested) - 2.1) < 1e-9)
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
        // Binomial sampling error: sd of r/20,000 is sqrt(p(1-p)/20,000) ≈ 0.0017 at p ≈ 0.076; 4 sd.
        #expect(abs(Double(r) / 20_000 - rested) < 0.007, "baseline \(r)")
        #expect(abs(Double(b) / Double(r) - burned / rested) < 0.25, "simulated ratio \(Double(b) / Double(r))")
    }

    /// The stock moves toward θ · annual load / sustainable load: a radiologist loaded above its sustainable
    /// workload ends above the threshold, one below ends below, rest drains the stock by r a day, and hours-cut
    /// odds rise 1.43-fold per point of the 7-point scale (Shanafelt 2016).
    @Test func stockFollowsWorkloadAndRecoversWithRest() {
        let y = 12_000.0
        var over = 0.3
        var under = 0.7
        for _ in 0..<200 {
            over = model.update(stock: over, workloadWRVU: 1.2 * y / 365, sustainable: y)
            under = model.update(stock: under, workloadWRVU: 0.8 * y / 365, sustainable: y)
        }
        #expect(abs(over - 0.6) < 1e-6 && model.isBurnedOut(stock: over))
        #expect(abs(under - 0.4) < 1e-6 && !model.isBurnedOut(stock: under))
        var rest = over
        for _ in 0..<14 { rest = model.update(stock: rest, workloadWRVU: 0, sustainable: y) }
        #expect(abs(rest - over * pow(1 - 1.0 / 14, 14)) < 1e-9)
        let a = model.twoYearHoursCutProbability(stock: 0.5)
        let b = model.twoYearHoursCutProbability(stock: 0.5 + 1.0 / 7)
        #expect(abs((b / (1 - b)) / (a / (1 - a)) - 1.43) < 1e-9)
        #expect(abs(a - 0.21) < 1e-12)
        // Disabled: nothing moves, nobody burns out or leaves.
        let off = BurnoutModel(parameters: .none)
        #expect(off.update(stock: 0.9, workloadWRVU: 500, sustainable: y) == 0)
        #expect(!off.isBurnedOut(stock: 0.9) && off.annualExitProbability(stock: 0.9) == 0)
    }

    /// Steady-state prevalence over a population of drawn sustainable workloads: 46% at the §2 average workload
    /// (12,000 wRVU a year; the calibration, §5 "Burnout in private practice"), within §5's 36-54% Medscape range
    /// from about 8% below to 6% above it, rising with workload. 20,000 draws: sampling sd 0.0035, tolerance 0.015.
    @Test func steadyStatePrevalenceMatchesPublishedRangeAndRisesWithWorkload() {
        let stream = RandomStreams(seed: 7, replication: 0).stream("test.sustainable")
        let ys = (0..<20_000).map { _ in model.drawSustainableWorkload(stream: stream) }
        func prevalence(_ annual: Double) -> Double {
            Double(
                ys.filter { model.isBurnedOut(stock: model.steadyStock(annualWRVU: annual, sustainable: $0)) }
                    .count) / Double(ys.count)
        }
        #expect(abs(prevalence(12_000) - 0.46) < 0.015, "\(prevalence(12_000))")
        #expect(prevalence(11_100) >= 0.36 && prevalence(12_700) <= 0.54)
        #expect(prevalence(9_000) < prevalence(12_000) && prevalence(12_000) < prevalence(15_000))
    }

    /// Property: from any stock in [0, 1] and any sequence of daily workloads, the stock stays in [0, 1] and every
    /// probability stays in [0, 1].
    @Test func stockStaysBoundedAndProbabilitiesValid() async {
        await propertyCheck(
            count: 300, input: Gen.double(in: 0...1), Gen.double(in: 0...400).array(of: 0...60)
        ) { start, loads in
            var s = start
            for w in loads {
                s = model.update(stock: s, workloadWRVU: w, sustainable: 12_000)
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
    /// CT: 12 min at pace 1, a 10-hour shift, 30% prevalence; list price 33 USD (MarketDefaults).
    let readHours = 0.2
    let shift = 10.0

    /// (d) Per-read pay (liability only) chooses a faster pace and a higher error rate than value-based settlement
    /// on the same price, at the simulator's default terms as a radiologist expects them before it has seen any
    /// reviews: a 10% hold-back and the bonus point a detected error forfeits (a 2% levy shared over ≈0.305 points
    /// per read), detected with probability 0.05 × 0.6 (peer review) + 0.95 × 0.3 × 0.5 × 0.5 (feedback, noticed,
    /// scored low) ≈ 0.101. The difference is small (≈0.002 in pace): at published detection rates few errors are
    /// ever found.
    @Test func perReadPayReadsFasterAndWorseThanValueBased() {
        let price = 3_300.0
        let perRead = PaceChoice.Terms(payPerRead: price, expectedLossPerError: PaceChoice.expectedLossPerError())
        let detection = 0.05 * 0.6 + 0.95 * 0.3 * 0.5 * 0.5
        let pointValue = 0.02 * price / (0.05 * (1 - 0.029) + 0.95 * 0.3 * 0.9)
        let valueBased = PaceChoice.Terms(
            payPerRead: price,
            expectedLossPerError: PaceChoice.expectedLossPerError(
                holdback: 0.10 * price, detectionProbability: detection, bonusLostPerDetectedError: pointValue))
        let p1 = choice.choose(terms: perRead, meanReadHours: readHours, shiftHours: shift, prevalence: 0.3)
        let p2 = choice.choose(terms: valueBased, meanReadHours: readHours, shiftHours: shift, prevalence: 0.3)
        #expect(p1 >= p2 + 0.001, "per-read \(p1) vs value-based \(p2)")
        let e1 = choice.shiftOutcome(pace: p1, meanReadHours: readHours, shiftHours: shift, prevalence: 0.3)
        let e2 = choice.shiftOutcome(pace: p2, meanReadHours: readHours, shiftHours: shift, prevalence: 0.3)
        #expect(e1.errors / e1.reads > e2.errors / e2.reads)
        // Without any penalty the optimum is 1/(2c) = 1, and the default liability keeps it within 0.05 of 1.
        let free = choice.choose(
            terms: .init(payPerRead: price, expectedLossPerError: 0), meanReadHours: readHours, shiftHours: shift,
            prevalence: 0.3)
        #expect(abs(free - 1) < 0.011)
        #expect(p1 > 0.95, "per-read pace \(p1)")
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
