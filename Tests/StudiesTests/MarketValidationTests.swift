import Analysis
import DiscreteEvent
import Foundation
import Market
import MarketModel
import Scenario
import Studies
import Synchronization
import Testing

private let scenarios = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Scenarios").path

private func market(_ relative: String) throws -> (ScenarioFile, MarketParameters) {
    let file = try ScenarioLoader.load(path: scenarios + "/" + relative)
    guard case .market(let m) = file.model else { throw MarketSimulationError("\(relative) is not a market") }
    return (file, m)
}

/// Runs replications 0..<n of one design on both cores.
private func replications(
    _ model: MarketParameters, design: MarketDesignSpec, seed: UInt64, count n: Int, horizon: Int64, warmup: Int64
) throws -> [MarketRunResult] {
    let box = Mutex<[Result<MarketRunResult, any Error>?]>(Array(repeating: nil, count: n))
    DispatchQueue.concurrentPerform(iterations: n) { r in
        let outcome = Result {
            try MarketSimulation.run(
                MarketRunSpec(
                    model: model, design: design, seed: seed, replication: r, horizonTicks: horizon,
                    warmupTicks: warmup))
        }
        box.withLock { $0[r] = outcome }
    }
    return try box.withLock { try $0.map { try $0!.get() } }
}

@Suite("Market validation")
struct MarketValidationTests {
    static let hour = SimTime.ticksPerHour

    /// Scenarios/validation/market-mmc.yaml reduces the market to M/M/c (lambda 9/h, mu 1/h, c 10): the wait from
    /// arrival to the start of the read, measured through clients, contracts and consensus, must match Erlang C.
    /// The file's 10 x 5,000 h is shortened here to fit the test budget (8 x 400 h after a 40 h warm-up); the
    /// 99% t interval over replications must contain the analytic value.
    @Test func marketReducedToMMcMatchesErlangC() throws {
        let (file, model) = try market("validation/market-mmc.yaml")
        let horizon = 440 * Self.hour
        let warmup = 40 * Self.hour
        let runs = try replications(
            model, design: model.designs[0], seed: file.seed, count: 8, horizon: horizon, warmup: warmup)
        let e = ErlangC(arrivalRate: 9.0 / 3600, serviceRate: 1.0 / 3600, servers: 10)
        var waits = Tally()
        var services = Tally()
        var probabilities = Tally()
        for r in runs {
            #expect(r.oracleViolations.isEmpty)
            #expect(r.transactionsRefused == 0)
            let served = r.studies.filter { $0.measured && $0.readStart != nil }
            let w = served.map { Double($0.readStart! - $0.arrival) / Double(Self.hour) }
            waits.record(w.reduce(0, +) / Double(w.count))
            probabilities.record(Double(w.filter { $0 > 0.01 }.count) / Double(w.count))
            let done = served.filter { $0.readEnd != nil }
            services.record(
                done.map { Double($0.readEnd! - $0.readStart!) / Double(Self.hour) }.reduce(0, +) / Double(done.count))
            #expect(r.studies.allSatisfy { $0.reposts == 0 })
        }
        let ci = try #require(waits.confidenceInterval(level: 0.99))
        let wq = e.meanWait / 3600
        print(
            "market M/M/c: Wq \(ci.mean) h ± \(ci.halfWidth) (99%), Erlang C \(wq) h; P(wait) \(probabilities.mean) vs \(e.waitProbability); service \(services.mean) h"
        )
        #expect(ci.contains(wq), "Erlang C Wq \(wq) h outside the 99% interval \(ci.lower)...\(ci.upper)")
        let p = try #require(probabilities.confidenceInterval(level: 0.99))
        #expect(p.contains(e.waitProbability), "P(wait) \(e.waitProbability) outside \(p.lower)...\(p.upper)")
        let s = try #require(services.confidenceInterval(level: 0.99))
        #expect(s.contains(1.0))
    }
}
