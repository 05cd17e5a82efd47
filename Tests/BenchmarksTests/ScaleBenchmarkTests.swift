import Benchmarks
import Foundation
import MarketModel
import Scenario
import Testing

/// `readchain bench scale` at a tiny size: the scaled market has factor × the clients and radiologists, and each
/// size's rate is measured.
@Suite("Scale benchmark")
struct ScaleBenchmarkTests {
    @Test func scalingMultipliesClientsAndRadiologists() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let file = try ScenarioLoader.load(
            path: root.appendingPathComponent("Scenarios/validation/market-tiny.yaml").path)
        guard case .market(let model) = file.model else {
            Issue.record("not a market")
            return
        }
        let scaled = ScaleBenchmark.scaled(model, by: 3)
        #expect(scaled.clients.map(\.count) == model.clients.map { 3 * $0.count })
        #expect(scaled.cohorts.map(\.count) == model.cohorts.map { 3 * $0.count })
        #expect(scaled.chain == model.chain && scaled.designs == model.designs)

        let f = try ScaleBenchmark.run(
            scenario: file, design: nil, days: 0.25, factors: [1, 2], sharedCache: true, command: "test")
        #expect(f.points.map(\.factor) == [1, 2])
        #expect(f.points.allSatisfy { $0.studies > 0 && $0.cpuSeconds > 0 })
        #expect(f.points[1].studies > f.points[0].studies, "twice the clients send more studies")
        #expect(f.lines.last?.hasPrefix("scale_ratio_2x=") == true)
    }
}
