import DiscreteEvent
import Foundation
import Market
import MarketModel
import Scenario
import Studies

/// One size of `readchain bench scale`: the market at `factor` × the scenario's clients and radiologists.
public struct ScalePoint: Codable, Sendable {
    public var factor: Int
    public var studies: Int
    public var transactions: Int
    public var blocks: Int
    public var cpuSeconds: Double
    /// Studies simulated per CPU-second of this process (one replication runs on one thread).
    public var studiesPerCPUSecond: Double
}

/// What `readchain bench scale` measured (issue 16 item 1).
public struct ScaleBenchmarkFigures: Codable, Sendable {
    public var scenario: String
    public var design: String
    public var simulatedDays: Double
    public var signatureCaches: String
    /// Whether the validators shared executed blocks (`shared`) or each executed every block (`perNode`).
    public var execution: String
    public var points: [ScalePoint]
    /// Studies per CPU-second at the largest factor ÷ at the smallest (target ≥ 0.8 for 60× against 1×).
    public var scaleRatio: Double
    public var command: String

    public var lines: [String] {
        var lines = [
            "scale benchmark: \(scenario), design \(design), \(String(format: "%g", simulatedDays)) simulated days, "
                + "signature caches \(signatureCaches), execution \(execution)"
        ]
        for p in points {
            lines.append(
                "  \(p.factor)x: studies \(p.studies), transactions \(p.transactions), blocks \(p.blocks), CPU "
                    + "\(String(format: "%.2f", p.cpuSeconds)) s, \(String(format: "%.1f", p.studiesPerCPUSecond)) "
                    + "studies per CPU-second")
        }
        if let last = points.last {
            lines.append("scale_ratio_\(last.factor)x=\(String(format: "%.3f", scaleRatio))")
        }
        return lines
    }
}

public enum ScaleBenchmark {
    /// The scenario's market with every client group's and cohort's count multiplied by `factor`: the same shape
    /// (mix, arrival profiles, cohorts, chain) at `factor` × the volume.
    public static func scaled(_ model: MarketParameters, by factor: Int) -> MarketParameters {
        var m = model
        for i in m.clients.indices { m.clients[i].count *= factor }
        for i in m.cohorts.indices { m.cohorts[i].count *= factor }
        return m
    }

    /// Runs one replication of `design` for `days` at each factor, one after the other, and measures the CPU time
    /// of each run (this process's user + system time, so other processes on the machine do not count).
    public static func run(
        scenario file: ScenarioFile, design name: String?, days: Double, factors: [Int], sharedCache: Bool,
        sharedExecution: Bool = true, command: String
    ) throws -> ScaleBenchmarkFigures {
        guard case .market(let model) = file.model else { throw StudyError("\(file.path) is not a market scenario") }
        guard let design = name.map({ n in model.designs.first { $0.name == n } }) ?? model.designs.first else {
            throw StudyError("\(file.path) has no design '\(name ?? "")'")
        }
        let horizon = Int64(days * Double(SimTime.ticksPerDay))
        var points: [ScalePoint] = []
        for factor in factors {
            var spec = MarketRunSpec(
                model: scaled(model, by: factor), design: design, seed: file.seed, replication: 0,
                horizonTicks: horizon, warmupTicks: min(file.warmupTicks, horizon / 2))
            spec.signatureCaches = sharedCache ? .shared : .perNode
            spec.sharedExecution = sharedExecution
            spec.recordChain = false
            let before = cpuSeconds()
            let result = try MarketSimulation.run(spec)
            let cpu = cpuSeconds() - before
            points.append(
                ScalePoint(
                    factor: factor, studies: result.studies.count, transactions: result.transactionsCommitted,
                    blocks: result.blocks.count, cpuSeconds: cpu,
                    studiesPerCPUSecond: Double(result.studies.count) / cpu))
        }
        let ratio = (points.last?.studiesPerCPUSecond ?? .nan) / (points.first?.studiesPerCPUSecond ?? .nan)
        return ScaleBenchmarkFigures(
            scenario: file.name, design: design.name, simulatedDays: days,
            signatureCaches: sharedCache ? "shared" : "perNode", execution: sharedExecution ? "shared" : "perNode",
            points: points, scaleRatio: ratio, command: command)
    }

    /// User + system CPU time of this process, seconds (`CLOCK_PROCESS_CPUTIME_ID`).
    static func cpuSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}
