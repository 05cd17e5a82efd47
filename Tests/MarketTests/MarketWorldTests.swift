import Foundation
import Market
import Scenario
import Testing

/// The repository's Scenarios/ folder.
let scenariosDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Scenarios").path

func loadMarket(_ relative: String) throws -> (ScenarioFile, MarketModel) {
    let file = try ScenarioLoader.load(path: scenariosDirectory + "/" + relative)
    guard case .market(let m) = file.model else { throw MarketSimulationError("\(relative) is not a market") }
    return (file, m)
}

@Suite("Market world on the chain")
struct MarketWorldTests {
    @Test("Default market, each design, two simulated days")
    func smoke() throws {
        let (file, model) = try loadMarket("default.yaml")
        for design in model.designs {
            let clock = ContinuousClock()
            let t0 = clock.now
            let r = try MarketSimulation.run(
                MarketRunSpec(
                    model: model, design: design, seed: file.seed, replication: 0, horizonTicks: 2 * dayTicks,
                    warmupTicks: 0))
            let reported = r.studies.filter { $0.status == "reported" }.count
            print(
                "\(design.name): studies \(r.studies.count) reported \(reported) tx \(r.transactionsSubmitted)/\(r.transactionsCommitted) failed \(r.transactionsFailed) refused \(r.transactionsRefused) blocks \(r.blocks.count) verifs \(r.signatureVerifications) events \(r.events) wall \(clock.now - t0)"
            )
            for m in r.headline { print("   \(m.name) = \(m.value)") }
            #expect(r.oracleViolations.isEmpty)
            #expect(reported > 0)
        }
    }
}
