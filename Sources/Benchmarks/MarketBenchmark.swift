import Cluster
import DiscreteEvent
import Foundation
import Market
import MarketModel
import Scenario
import Studies

/// What `readchain bench market` measured.
public struct MarketBenchmarkFigures: Codable, Sendable {
    public var scenario: String
    public var design: String
    public var simulatedDays: Double
    public var studies: Int
    public var transactions: Int
    public var blocks: Int
    public var events: UInt64
    public var signatureVerifications: Int
    public var wallSeconds: Double
    public var singleCoreVerificationsPerSecond: Double
    /// Studies simulated per wall second.
    public var studiesPerSecond: Double
    /// Real signature verifications per wall second ÷ one core's verification rate, measured in the same command.
    public var signatureBoundRatio: Double
    /// `perNode` (every validator verifies for real, as separate machines) or `shared` (one verification each).
    public var signatureCaches: String
    public var command: String

    public var lines: [String] {
        [
            "market benchmark: \(scenario), design \(design), \(String(format: "%.0f", simulatedDays)) simulated days, 1 replication",
            "  studies \(studies), transactions \(transactions), blocks \(blocks), events \(events)",
            "  signature caches: \(signatureCaches)",
            "  wall \(String(format: "%.2f", wallSeconds)) s; real Ed25519 verifications \(signatureVerifications)"
                + " (\(String(format: "%.0f", Double(signatureVerifications) / wallSeconds))/s)",
            "  single-core Ed25519 verify rate \(String(format: "%.0f", singleCoreVerificationsPerSecond))/s (same command)",
            "studies_per_second=\(String(format: "%.1f", studiesPerSecond))",
            "signature_bound_ratio=\(String(format: "%.3f", signatureBoundRatio))",
        ]
    }
}

public enum MarketBenchmark {
    /// Simulates `days` of one design of a market scenario (replication 0) with real Ed25519 and times it.
    public static func run(
        scenario file: ScenarioFile, design name: String?, days: Double, verifySamples: Int, sharedCache: Bool,
        command: String
    ) throws -> MarketBenchmarkFigures {
        guard case .market(let model) = file.model else { throw StudyError("\(file.path) is not a market scenario") }
        let design: MarketDesignSpec
        if let name {
            guard let d = model.designs.first(where: { $0.name == name }) else {
                throw StudyError(
                    "\(file.path) has no design '\(name)' (designs: \(model.designs.map(\.name).joined(separator: ", ")))"
                )
            }
            design = d
        } else {
            guard let d = model.designs.first else { throw StudyError("\(file.path) has no designs") }
            design = d
        }
        let rate = ConsensusBenchmark.singleCoreVerifyRate(count: verifySamples)
        let horizon = Int64(days * Double(SimTime.ticksPerDay))
        let clock = ContinuousClock()
        let start = clock.now
        var spec = MarketRunSpec(
            model: model, design: design, seed: file.seed, replication: 0, horizonTicks: horizon,
            warmupTicks: min(file.warmupTicks, horizon / 2))
        spec.signatureCaches = sharedCache ? .shared : .perNode
        spec.recordChain = false  // nothing stores this run's chain: do not keep a copy of it
        let result = try MarketSimulation.run(spec)
        let d = clock.now - start
        let wall = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        return MarketBenchmarkFigures(
            scenario: file.name, design: design.name, simulatedDays: days, studies: result.studies.count,
            transactions: result.transactionsCommitted, blocks: result.blocks.count, events: result.events,
            signatureVerifications: result.signatureVerifications, wallSeconds: wall,
            singleCoreVerificationsPerSecond: rate, studiesPerSecond: Double(result.studies.count) / wall,
            signatureBoundRatio: Double(result.signatureVerifications) / wall / rate,
            signatureCaches: sharedCache ? "shared" : "perNode", command: command)
    }
}
