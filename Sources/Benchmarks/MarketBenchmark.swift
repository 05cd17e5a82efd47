import Cluster
import DiscreteEvent
import Foundation
import Ledger
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
    /// Real Ed25519 signatures made during the run (transactions, proposals, votes), and one core's signing rate
    /// measured in the same command.
    public var signaturesMade: Int = 0
    public var singleCoreSignaturesPerSecond: Double = 0
    /// The share of the wall time that is real Ed25519 work: (signatures made ÷ one core's signing rate +
    /// verifications ÷ one core's verification rate) ÷ wall time (issue 16 item 2; 0 with simulated signatures).
    public var cryptoBoundRatio: Double = 0
    /// `perNode` (every validator verifies for real, as separate machines) or `shared` (one verification each).
    public var signatureCaches: String
    /// `ed25519` or `simulated` (`--signatures`).
    public var signatures: String = "ed25519"
    public var command: String

    public var lines: [String] {
        let simulated = signatures == ChainParameters.Signatures.simulated.rawValue
        var lines = [
            "market benchmark: \(scenario), design \(design), \(String(format: "%g", simulatedDays)) simulated days, 1 replication",
            "  studies \(studies), transactions \(transactions), blocks \(blocks), events \(events)",
            "  signature caches: \(signatureCaches); signatures: \(signatures)",
            "  wall \(String(format: "%.2f", wallSeconds)) s; real "
                + (simulated ? "keyed-hash (simulated)" : "Ed25519") + " verifications \(signatureVerifications)"
                + " (\(String(format: "%.0f", Double(signatureVerifications) / wallSeconds))/s)",
            "  single-core Ed25519 verify rate \(String(format: "%.0f", singleCoreVerificationsPerSecond))/s, sign rate "
                + "\(String(format: "%.0f", singleCoreSignaturesPerSecond))/s (same command); real Ed25519 signatures made "
                + "\(signaturesMade)",
            "studies_per_second=\(String(format: "%.1f", studiesPerSecond))",
        ]
        // The ratio prices real Ed25519 work; simulated signatures do none.
        if !simulated {
            lines.append("signature_bound_ratio=\(String(format: "%.3f", signatureBoundRatio))")
            lines.append("crypto_bound_ratio=\(String(format: "%.3f", cryptoBoundRatio))")
        }
        return lines
    }
}

/// What `readchain bench market --signatures both` measured: the same market with real and with simulated
/// signatures, one after the other in one process.
public struct MarketBenchmarkComparison: Codable, Sendable {
    public var ed25519: MarketBenchmarkFigures
    public var simulated: MarketBenchmarkFigures
    /// Real-signature wall time ÷ simulated-signature wall time.
    public var simulatedSpeedup: Double
    /// Whether both runs produced the same market records (studies, radiologist-days, samples, blocks, headline
    /// metrics); the chain bytes differ by design.
    public var identicalMarketRecords: Bool

    public var lines: [String] {
        ed25519.lines + simulated.lines + [
            "identical_market_records=\(identicalMarketRecords)",
            "simulated_speedup=\(String(format: "%.2f", simulatedSpeedup))",
        ]
    }
}

public enum MarketBenchmark {
    /// Runs the same market with real Ed25519, then with simulated signatures, and compares wall times and records.
    public static func compareSignatures(
        scenario file: ScenarioFile, design name: String?, days: Double, verifySamples: Int, sharedCache: Bool,
        command: String
    ) throws -> MarketBenchmarkComparison {
        var records: [MarketRunResult] = []
        var figures: [MarketBenchmarkFigures] = []
        for scheme in [ChainParameters.Signatures.ed25519, .simulated] {
            let (f, r) = try measure(
                scenario: file, design: name, days: days, verifySamples: verifySamples, sharedCache: sharedCache,
                signatures: scheme, command: command)
            figures.append(f)
            records.append(r)
        }
        let (a, b) = (records[0], records[1])
        let same =
            a.studies == b.studies && a.radiologistDays == b.radiologistDays && a.samples == b.samples
            && a.blocks == b.blocks && "\(a.headline)" == "\(b.headline)"  // NaN-aware
        return MarketBenchmarkComparison(
            ed25519: figures[0], simulated: figures[1],
            simulatedSpeedup: figures[0].wallSeconds / figures[1].wallSeconds,
            identicalMarketRecords: same)
    }

    /// Simulates `days` of one design of a market scenario (replication 0) and times it.
    public static func run(
        scenario file: ScenarioFile, design name: String?, days: Double, verifySamples: Int, sharedCache: Bool,
        signatures: ChainParameters.Signatures? = nil, command: String
    ) throws -> MarketBenchmarkFigures {
        try measure(
            scenario: file, design: name, days: days, verifySamples: verifySamples, sharedCache: sharedCache,
            signatures: signatures, command: command
        ).0
    }

    static func measure(
        scenario file: ScenarioFile, design name: String?, days: Double, verifySamples: Int, sharedCache: Bool,
        signatures: ChainParameters.Signatures?, command: String
    ) throws -> (MarketBenchmarkFigures, MarketRunResult) {
        guard case .market(var model) = file.model else { throw StudyError("\(file.path) is not a market scenario") }
        if let signatures { model.chain.signatures = signatures }
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
        let signRate = ConsensusBenchmark.singleCoreSignRate(count: verifySamples)
        let horizon = Int64(days * Double(SimTime.ticksPerDay))
        let clock = ContinuousClock()
        let start = clock.now
        var spec = MarketRunSpec(
            model: model, design: design, seed: file.seed, replication: 0, horizonTicks: horizon,
            warmupTicks: min(file.warmupTicks, horizon / 2))
        spec.signatureCaches = sharedCache ? .shared : .perNode
        spec.recordChain = false  // nothing stores this run's chain: do not keep a copy of it
        let signedBefore = SignatureCounters.ed25519Signatures.load(ordering: .relaxed)
        let result = try MarketSimulation.run(spec)
        let signed = SignatureCounters.ed25519Signatures.load(ordering: .relaxed) - signedBefore
        let d = clock.now - start
        let wall = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        return (
            MarketBenchmarkFigures(
                scenario: file.name, design: design.name, simulatedDays: days, studies: result.studies.count,
                transactions: result.transactionsCommitted, blocks: result.blocks.count, events: result.events,
                signatureVerifications: result.signatureVerifications, wallSeconds: wall,
                singleCoreVerificationsPerSecond: rate, studiesPerSecond: Double(result.studies.count) / wall,
                signatureBoundRatio: Double(result.signatureVerifications) / wall / rate,
                signaturesMade: signed, singleCoreSignaturesPerSecond: signRate,
                cryptoBoundRatio: model.chain.signatures == .ed25519
                    ? (Double(signed) / signRate + Double(result.signatureVerifications) / rate) / wall : 0,
                signatureCaches: sharedCache ? "shared" : "perNode", signatures: model.chain.signatures.rawValue,
                command: command),
            result
        )
    }
}
