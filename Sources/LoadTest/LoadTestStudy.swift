// A load-test invocation: every sweep point × replication, summaries with t intervals, the saturation table
// (CometBFT QA method), and the results database (runs with provenance, run_metrics, observations).

import DiscreteEvent
import Foundation
import MarketModel
import Results
import Stochastic
import Studies

/// A metric across replications: mean and t interval (nil with one replication).
public struct LoadTestMetric: Codable, Sendable, Equatable {
    public var name: String
    public var unit: String
    public var n: Int
    public var mean: Double
    public var sd: Double
    public var ciLow: Double?
    public var ciHigh: Double?
}

/// One sweep point: its replications and their summary.
public struct LoadTestPointReport: Codable, Sendable {
    public var validators: Int
    public var offeredRate: Double
    public var runIDs: [Int64]
    public var replications: [LoadTestResult]
    public var summary: [LoadTestMetric]

    public func metric(_ name: String) -> LoadTestMetric? { summary.first { $0.name == name } }
}

/// One row of the saturation table: offered vs processed, as the CometBFT QA method tabulates it.
public struct SaturationRow: Codable, Sendable, Equatable {
    public var offeredRate: Double
    public var sendRate: Double
    public var committedTPS: Double
    /// committedTPS / offeredRate.
    public var ratio: Double
    public var latencyP50: Double
    public var latencyP99: Double
    public var sustained: Bool
}

/// The saturation analysis of one validator count over the swept rates.
public struct SaturationTable: Codable, Sendable, Equatable {
    public var validators: Int
    public var rows: [SaturationRow]
    /// Highest offered rate whose committed rate is within `sustainedFraction` of it (nil: none).
    public var saturationRate: Double?
    /// Lowest offered rate whose p50 latency exceeds twice the p50 at the lowest rate (nil: none in the sweep).
    public var latencyKneeRate: Double?
}

/// What `readchain loadtest` reports.
public struct LoadTestReport: Codable, Sendable {
    public var command: String
    public var app: String
    public var latency: String
    public var timeouts: String
    public var txSize: Int?
    public var durationSeconds: Double
    public var warmupSeconds: Double
    public var cooldownSeconds: Double
    public var faults: [String]
    public var seed: UInt64
    public var replicationsPerPoint: Int
    public var confidence: Double
    public var sustainedFraction: Double
    public var database: String
    public var points: [LoadTestPointReport]
    public var saturation: [SaturationTable]
    /// The simulator's own speed over the whole invocation (wall clock; separate from simulated results).
    public var wall: WallClock
}

/// Options that are not part of the experiment.
public struct LoadTestOptions: Sendable {
    public var databasePath: String
    public var jobs: Int
    public var recordObservations: Bool
    public var gitRevision: String
    public var progress: (@Sendable (Int, Int) -> Void)?
    public init(
        databasePath: String, jobs: Int = 1, recordObservations: Bool = true, gitRevision: String = "unknown",
        progress: (@Sendable (Int, Int) -> Void)? = nil
    ) {
        self.databasePath = databasePath
        self.jobs = max(1, jobs)
        self.recordObservations = recordObservations
        self.gitRevision = gitRevision
        self.progress = progress
    }
}

public enum LoadTestStudy {
    public static let confidence = 0.95

    /// Runs every point and replication of `spec`, writes the database (replacing it) and returns the report.
    public static func run(_ spec: LoadTestSpec, options: LoadTestOptions) throws -> LoadTestReport {
        try spec.validate()
        try QueueStudy.removeDatabase(at: options.databasePath)
        let store = try ResultsStore(path: options.databasePath)
        defer { try? store.close() }
        let points = spec.points
        let reps = spec.replications
        let text = spec.commandLine.isEmpty ? "readchain loadtest" : spec.commandLine
        let sha = RunProvenance.sha256Hex(text)
        let ids = try beginRuns(spec, options: options, store: store, text: text, sha: sha)

        let (results, wallSeconds) = runAll(spec, points: points, options: options)

        var reports: [LoadTestPointReport] = []
        var summaryRows: [SummaryRow] = []
        for (p, point) in points.enumerated() {
            let rs = (0..<reps).map { results[p * reps + $0] }
            for (r, result) in rs.enumerated() {
                try write(result, run: ids[p][r], store: store, observations: options.recordObservations)
            }
            let summary = summarise(rs)
            summaryRows += summary.map {
                SummaryRow(
                    scenarioSHA256: sha, variant: point.label, metric: $0.name, n: $0.n, mean: $0.mean, stddev: $0.sd,
                    ciLow: $0.ciLow, ciHigh: $0.ciHigh, confidence: confidence, unit: $0.unit)
            }
            reports.append(
                LoadTestPointReport(
                    validators: point.validators, offeredRate: point.rate, runIDs: ids[p].map(\.rawValue),
                    replications: rs, summary: summary))
        }
        let saturation = saturationTables(reports, sustainedFraction: spec.sustainedFraction)
        if spec.rates.count > 1 {
            summaryRows += saturationRows(saturation, sha: sha, replications: reps)
        }
        try store.writeSummaries(summaryRows)

        let events = results.reduce(UInt64(0)) { $0 + $1.events }
        let blocks = results.reduce(0) { $0 + $1.finalHeight }
        let verifications = results.reduce(0) { $0 + $1.realVerifications }
        return LoadTestReport(
            command: text, app: spec.app.rawValue, latency: spec.latency.description, timeouts: spec.timeouts.rawValue,
            txSize: spec.app == .log ? (spec.txSize ?? 1024) : nil, durationSeconds: spec.duration.seconds,
            warmupSeconds: spec.warmupTime.seconds, cooldownSeconds: spec.cooldownTime.seconds,
            faults: spec.faults.map(\.text), seed: spec.seed, replicationsPerPoint: reps, confidence: confidence,
            sustainedFraction: spec.sustainedFraction, database: options.databasePath, points: reports,
            saturation: saturation,
            wall: WallClock(
                seconds: wallSeconds, eventsPerSecond: Double(events) / wallSeconds,
                blocksPerSecond: Double(blocks) / wallSeconds,
                verificationsPerSecond: Double(verifications) / wallSeconds,
                cpuSeconds: results.reduce(0) { $0 + $1.wall.cpuSeconds }))
    }

    /// Begins one run row per point and replication (in that order) and returns their ids.
    static func beginRuns(
        _ spec: LoadTestSpec, options: LoadTestOptions, store: ResultsStore, text: String, sha: String
    ) throws -> [[RunID]] {
        let points = spec.points
        let reps = spec.replications
        var ids: [[RunID]] = []
        for p in points {
            var row: [RunID] = []
            for r in 0..<reps {
                row.append(
                    try store.beginRun(
                        RunProvenance(
                            scenarioName: "loadtest", scenarioKind: "loadtest", variant: p.label, scenarioText: text,
                            scenarioSHA256: sha, masterSeed: spec.seed, replication: r,
                            codeVersion: ReadChainVersion.current, gitRevision: options.gitRevision,
                            gslGenerator: RandomStreams.generatorName, gslVersion: RandomStreams.gslVersion,
                            horizonTicks: spec.duration.ticks, warmupTicks: spec.warmupTime.ticks)))
            }
            ids.append(row)
        }
        return ids
    }

    /// Runs every point and replication on `options.jobs` workers; the results in (point, replication) order
    /// and the wall-clock seconds taken.
    static func runAll(
        _ spec: LoadTestSpec, points: [LoadTestPoint], options: LoadTestOptions
    ) -> ([LoadTestResult], Double) {
        let reps = spec.replications
        let clock = ContinuousClock()
        let started = clock.now
        let jobsList = points.indices.flatMap { p in (0..<reps).map { (p, $0) } }
        let box = LoadResultBox(count: jobsList.count)
        let workers = max(1, min(options.jobs, jobsList.count))
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            var k = w
            while k < jobsList.count {
                let (p, r) = jobsList[k]
                let done = box.store(LoadTestRunner.run(spec, point: points[p], replication: r), at: k)
                options.progress?(done, jobsList.count)
                k += workers
            }
        }
        let d = clock.now - started
        let wallSeconds = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        let results = box.results()
        return (results, wallSeconds)
    }

    /// The saturation and latency-knee rates of each validator count, as summary rows.
    static func saturationRows(_ saturation: [SaturationTable], sha: String, replications reps: Int) -> [SummaryRow] {
        var summaryRows: [SummaryRow] = []
        for t in saturation {
            let variant = "validators=\(t.validators)"
            if let s = t.saturationRate {
                summaryRows.append(
                    SummaryRow(
                        scenarioSHA256: sha, variant: variant, metric: "saturation_rate", n: reps, mean: s, stddev: 0,
                        ciLow: nil, ciHigh: nil, confidence: confidence, unit: "tx/s"))
            }
            if let k = t.latencyKneeRate {
                summaryRows.append(
                    SummaryRow(
                        scenarioSHA256: sha, variant: variant, metric: "latency_knee_rate", n: reps, mean: k,
                        stddev: 0, ciLow: nil, ciHigh: nil, confidence: confidence, unit: "tx/s"))
            }
        }
        return summaryRows
    }

    /// (name, unit, value) of each headline metric of one replication (simulated time only).
    static func values(_ r: LoadTestResult) -> [(String, String, Double)] {
        [
            ("submitted", "tx", Double(r.submitted)), ("committed", "tx", Double(r.committed)),
            ("rejected", "tx", Double(r.rejected)), ("pending", "tx", Double(r.pending)),
            ("resubmissions", "sends", Double(r.resubmissions)), ("clients_busy", "arrivals", Double(r.clientsBusy)),
            ("send_rate", "tx/s", r.sendRate),
            ("committed_tps", "tx/s", r.committedTPS), ("latency_min", "s", r.latency.min),
            ("latency_avg", "s", r.latency.avg), ("latency_sd", "s", r.latency.sd), ("latency_p50", "s", r.latency.p50),
            ("latency_p90", "s", r.latency.p90),
            ("latency_p95", "s", r.latency.p95), ("latency_p99", "s", r.latency.p99),
            ("latency_max", "s", r.latency.max),
            ("blocks", "blocks", Double(r.blocks)), ("block_time_avg", "s", r.blockTime.avg),
            ("block_time_sd", "s", r.blockTime.sd), ("block_time_min", "s", r.blockTime.min),
            ("block_time_max", "s", r.blockTime.max), ("blocks_per_minute", "blocks/min", r.blocksPerMinute),
            ("messages_per_height", "messages", r.messagesPerHeight), ("bytes_per_height", "bytes", r.bytesPerHeight),
            ("messages_per_height_per_node", "messages", r.messagesPerHeightPerNode),
            ("bytes_per_height_per_node", "bytes", r.bytesPerHeightPerNode),
            ("verifications_per_height", "verifications", r.verificationsPerHeight),
            ("cpu_per_committed_tx", "us", r.cpuPerCommittedTxMicroseconds),
            ("peak_mempool", "tx", Double(r.peakMempool)),
            (
                "rounds_gt0_fraction", "fraction",
                r.roundsHistogram.reduce(0, +) > 0
                    ? Double(r.roundsHistogram.dropFirst().reduce(0, +)) / Double(r.roundsHistogram.reduce(0, +)) : 0
            ),
        ]
    }

    static func summarise(_ rs: [LoadTestResult]) -> [LoadTestMetric] {
        let rows = rs.map(values)
        return (rows.first ?? []).indices.map { i in
            let xs = rows.map { $0[i].2 }
            let t = Tally(xs.filter { !$0.isNaN })
            let ci = t.count > 1 ? t.confidenceInterval(level: confidence) : nil
            return LoadTestMetric(
                name: rows[0][i].0, unit: rows[0][i].1, n: t.count, mean: t.count > 0 ? t.mean : .nan,
                sd: t.standardDeviation, ciLow: ci?.lower, ciHigh: ci?.upper)
        }
    }

    /// Per validator count, rates ascending: sustained rates, the saturation point and the latency knee.
    public static func saturationTables(_ points: [LoadTestPointReport], sustainedFraction: Double) -> [SaturationTable]
    {
        var tables: [SaturationTable] = []
        var counts: [Int] = []
        for p in points where !counts.contains(p.validators) { counts.append(p.validators) }
        for n in counts {
            let ps = points.filter { $0.validators == n }.sorted { $0.offeredRate < $1.offeredRate }
            func mean(_ p: LoadTestPointReport, _ m: String) -> Double { p.metric(m)?.mean ?? .nan }
            let rows = ps.map { p in
                let c = mean(p, "committed_tps")
                return SaturationRow(
                    offeredRate: p.offeredRate, sendRate: mean(p, "send_rate"), committedTPS: c,
                    ratio: c / p.offeredRate, latencyP50: mean(p, "latency_p50"), latencyP99: mean(p, "latency_p99"),
                    sustained: c >= sustainedFraction * p.offeredRate)
            }
            let saturation = rows.last { $0.sustained }?.offeredRate
            let base = rows.first?.latencyP50 ?? .nan
            let knee = rows.dropFirst().first { !base.isNaN && ($0.latencyP50.isNaN || $0.latencyP50 > 2 * base) }?
                .offeredRate
            tables.append(SaturationTable(validators: n, rows: rows, saturationRate: saturation, latencyKneeRate: knee))
        }
        return tables
    }

    static func write(_ r: LoadTestResult, run: RunID, store: ResultsStore, observations: Bool) throws {
        if observations {
            let w = try store.observationWriter(run: run)
            let latency = try w.series("tx_latency", unit: "s")
            for o in r.latencies { try w.record(latency, time: o.submitted.ticks, value: o.seconds) }
            let blockTime = try w.series("block_time", unit: "s")
            let round = try w.series("decision_round", unit: "round")
            let txs = try w.series("block_txs", unit: "tx")
            for (k, h) in r.heights.enumerated() {
                if k > 0 {
                    try w.record(
                        blockTime, time: h.decidedAt.ticks, value: (h.decidedAt - r.heights[k - 1].decidedAt).seconds)
                }
                try w.record(round, time: h.decidedAt.ticks, value: Double(h.round))
                try w.record(txs, time: h.decidedAt.ticks, value: Double(h.transactions))
            }
            try w.flush()
        }
        var metrics = values(r).map { RunMetric(name: $0.0, value: $0.2, unit: $0.1) }
        for (k, c) in r.roundsHistogram.enumerated() {
            metrics.append(RunMetric(name: "rounds_hist_\(k)", value: Double(c), unit: "heights"))
        }
        metrics += [
            RunMetric(name: "final_height", value: Double(r.finalHeight), unit: "height"),
            RunMetric(name: "real_verifications", value: Double(r.realVerifications), unit: "count"),
            RunMetric(name: "events", value: Double(r.events), unit: "count"),
            RunMetric(name: "oracle_violations", value: Double(r.oracleViolations.count), unit: "count"),
            RunMetric(name: "wall_seconds", value: r.wall.seconds, unit: "s (wall)"),
            RunMetric(name: "wall_events_per_second", value: r.wall.eventsPerSecond, unit: "events/s (wall)"),
            RunMetric(name: "wall_blocks_per_second", value: r.wall.blocksPerSecond, unit: "blocks/s (wall)"),
        ]
        let error = r.oracleViolations.isEmpty ? nil : "oracle: " + r.oracleViolations.joined(separator: "; ")
        try store.finishRun(run, status: error == nil ? .finished : .failed, metrics: metrics, error: error)
    }
}

/// Collects load-test results from worker threads, in job order.
final class LoadResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [LoadTestResult?]
    private var done = 0

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func store(_ r: LoadTestResult, at i: Int) -> Int {
        lock.lock()
        defer { lock.unlock() }
        slots[i] = r
        done += 1
        return done
    }

    func results() -> [LoadTestResult] {
        lock.lock()
        defer { lock.unlock() }
        return slots.map { $0! }
    }
}
