import Foundation
import Market
import MarketModel
import Stochastic
import Testing

/// The default market cut to its emergency department(s) and one validator, every other parameter at its
/// default: a whole simulation (clients, contracts, consensus) that runs in seconds.
func emergencyMarket() throws -> (seed: UInt64, model: MarketParameters) {
    let (file, base) = try loadMarket("default.yaml")
    var model = base
    model.clients = base.clients.filter { $0.type == .emergencyDepartment }
    model.chain.validators = Array(base.chain.validators.prefix(1))
    return (file.seed, model)
}

/// The first design with `mechanism`'s kind.
func design(_ model: MarketParameters, _ kind: (MarketDesignSpec.Mechanism) -> Bool) throws -> MarketDesignSpec {
    try #require(model.designs.first { kind($0.mechanism) && $0.valueBased == nil })
}

@Suite struct ReadDrawsTests {
    /// A read's uniforms depend only on the replication, the study and the attempt: the same for every reader
    /// and design, different for the next attempt, another study or another replication.
    @Test func keyedByStudyAndAttempt() {
        let keyed = KeyedDraws(seed: 20_261_201, replication: 0)
        let study = StudyKey(client: "emergency-1", source: 2, sequence: 41)
        let first = ReadDraws(study: study, attempt: 1, keyed: keyed)
        #expect(
            ReadDraws(study: study, attempt: 1, keyed: RandomStreams(seed: 20_261_201, replication: 0).keyedDraws)
                == first)
        let others = [
            ReadDraws(study: study, attempt: 2, keyed: keyed),
            ReadDraws(study: StudyKey(client: "emergency-1", source: 2, sequence: 42), attempt: 1, keyed: keyed),
            ReadDraws(study: study, attempt: 1, keyed: KeyedDraws(seed: 20_261_201, replication: 1)),
        ]
        for o in others {
            #expect(o.readingTime != first.readingTime && o.error != first.error && o.aiVerdict != first.aiVerdict)
        }
        let all = [first.readingTime, first.error, first.aiVerdict, first.aiAdoption]
        #expect(all.allSatisfy { $0 > 0 && $0 < 1 } && Set(all).count == 4)
        #expect(ReadDraws.name(study: study, attempt: 2) == "read.emergency-1/2/41.2")
    }

    /// One study's reading-time uniform gives every reader the same base time X, scaled by its speed factor and
    /// pace: time = X · s / p.
    @Test func readingTimeScalesOneBaseDraw() throws {
        let model = try ReadingTimeModel(readingTime: MarketDefaults.readingTime)
        let u = ReadDraws(
            study: StudyKey(client: "c-1", source: 0, sequence: 0), attempt: 1,
            keyed: KeyedDraws(seed: 1, replication: 0)
        ).readingTime
        let base = Double(model.sampleTicks(.ct, speedFactor: 1, pace: 1, uniform: u))
        let slow = Double(model.sampleTicks(.ct, speedFactor: 1.3, pace: 1, uniform: u))
        let fast = Double(model.sampleTicks(.ct, speedFactor: 1.3, pace: 1.25, uniform: u))
        #expect(abs(slow / base - 1.3) < 1e-6 && abs(fast / base - 1.04) < 1e-6)
    }
}

@Suite("Common random numbers per study")
struct CommonRandomNumbersWorldTests {
    /// The same study read under the intermediary and under posted prices draws the same error uniform and the
    /// same base reading time (ReadDraws): with the AI off, a study read once under each design is wrong under
    /// both, under neither, or only under the design whose reader had the higher error probability (a monotone
    /// coupling, checked on every such study), and the same radiologist at the same pace takes the same time on
    /// it. Error probabilities are raised (misses 30%, over-calls 20%) so that independent draws would break
    /// the coupling on about a third of the studies: with per-radiologist streams this test fails.
    @Test func aStudyReadUnderTwoDesignsSharesItsDraws() throws {
        var (seed, model) = try emergencyMarket()
        model.ai.enabled = false
        for c in model.cohorts.indices {
            model.cohorts[c].accuracy.missProbability = 0.3
            model.cohorts[c].accuracy.overcallProbability = 0.2
            // Pace fixed at 1: the designs' pay terms would otherwise set slightly different paces (a 0.001 grid),
            // and the reading-time check needs the same reader at the same pace.
            model.cohorts[c].pace = Pace(elasticity: 1.4, minimum: 1, maximum: 1)
        }
        let designs = [
            try design(model) { if case .intermediary = $0 { true } else { false } },
            try design(model) { if case .postedPrice = $0 { true } else { false } },
        ]
        let runs = try runAll(
            designs.map {
                MarketRunSpec(
                    model: model, design: $0, seed: seed, replication: 0, horizonTicks: dayTicks, warmupTicks: 0)
            })
        let other = Dictionary(uniqueKeysWithValues: runs[1].studies.map { ($0.key, $0) })
        var pairs = 0
        var broken: [String] = []
        var bothWrong = 0
        var sameReader = 0
        for a in runs[0].studies {
            guard let b = other[a.key], let oa = a.outcome, let ob = b.outcome, a.reposts == 0, b.reposts == 0,
                let pa = a.errorProbability, let pb = b.errorProbability
            else { continue }
            pairs += 1
            if oa.isError && ob.isError { bothWrong += 1 }
            if (pa <= pb && oa.isError && !ob.isError) || (pb <= pa && ob.isError && !oa.isError) {
                broken.append("\(a.key): p \(pa) \(oa.name) vs \(pb) \(ob.name)")
            }
            if a.radiologist == b.radiologist, a.pace == b.pace {
                sameReader += 1
                let (ta, tb) = (a.readEnd! - a.readStart!, b.readEnd! - b.readStart!)
                #expect(ta == tb, "\(a.key): read \(ta) vs \(tb) ticks by radiologist \(a.radiologist!)")
            }
        }
        #expect(pairs >= 30, "\(pairs) studies read once under both designs")
        #expect(broken.isEmpty, "\(broken.count) of \(pairs) break the coupling: \(broken.prefix(5))")
        #expect(sameReader >= 5, "\(sameReader) studies read by the same radiologist at the same pace")
        // Errors coincide far more than independent draws would make them (about 0.25² of the pairs).
        #expect(Double(bothWrong) > 0.12 * Double(pairs), "\(bothWrong) of \(pairs) wrong under both designs")
    }
}
