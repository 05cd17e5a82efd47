import Contracts
import Foundation
import Ledger
import Market
import MarketModel
import Replay
import Scenario
import Testing

/// `chain.membership` (issue 17 item 4): the market world's operators add a validator and remove another by
/// governance transactions while the market runs; the set changes on chain, the market keeps going, and the stored
/// chain replays (certificates checked against each height's set, updates at H+2).
@Suite struct MembershipMarketTests {
    /// Inserted into market-tiny's `market:` section.
    static let chain = """
          chain:
            validators:
              - { name: v1, operator: op1 }
              - { name: v2, operator: op2 }
              - { name: v3, operator: op3 }
              - { name: v4, operator: op4 }
              - { name: v5, operator: op1 }
            membership:
              - { at: 2 h, add: v5 }
              - { at: 4 h, remove: v2 }

        """

    /// market-tiny (six hours) with a fifth validator added at 2 h and v2 removed at 4 h.
    static func scenario() throws -> (ScenarioFile, MarketParameters) {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Scenarios/validation/market-tiny.yaml").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        guard let range = text.range(of: "  designs:") else { throw MarketSimulationError("no designs") }
        let file = try ScenarioLoader.parse(
            text: text.replacingCharacters(in: range, with: chain + "  designs:"), path: "market-tiny-membership.yaml")
        guard case .market(let m) = file.model else { throw MarketSimulationError("not a market") }
        return (file, m)
    }

    @Test func scheduledAddAndRemoveChangeTheSetAndTheMarketKeepsGoing() throws {
        let (file, model) = try Self.scenario()
        #expect(model.chain.membership.map(\.validator) == ["v5", "v2"])
        #expect(!model.chain.startsInSet("v5") && model.chain.startsInSet("v2"))
        let spec = MarketRunSpec(
            model: model, design: model.designs[0], seed: file.seed, replication: 0, horizonTicks: 6 * 3_600_000_000,
            warmupTicks: 0)
        let r = try MarketSimulation.run(spec)
        #expect(r.oracleViolations.isEmpty, "\(r.oracleViolations)")
        #expect(r.validatorChanges.map(\.validator) == ["v5", "v2"])
        #expect(r.validatorChanges.map(\.power) == [1, 0])
        let changes = r.validatorChanges
        #expect(changes.allSatisfy { $0.effectiveHeight == $0.height + 2 })
        #expect(changes.first.map { $0.atTicks >= 2 * 3_600_000_000 } ?? false)
        // The set on chain: the headers' validator-set hash changes at each effective height, and only there.
        let chain = try #require(r.chain)
        let hashes = try chain.blocks.map { try Block.decode(canonical: $0.block).header.validatorsHash }
        let switches = zip(hashes, hashes.dropFirst()).enumerated().filter { $0.element.0 != $0.element.1 }
            .map { UInt64($0.offset + 2) }
        #expect(switches == changes.map(\.effectiveHeight))
        // The market kept going: studies reported after the last change.
        let last = try #require(changes.last?.atTicks)
        #expect(r.studies.contains { ($0.reportCommitted ?? 0) > last }, "reports after the removal")
        // The stored chain replays: every certificate against its height's set.
        var replayer = ChainReplayer(chain: chain)
        replayer.run()
        #expect(replayer.failures.isEmpty, "\(replayer.failures.prefix(3))")
        #expect(replayer.app?.validatorView.count == 4)
    }
}
