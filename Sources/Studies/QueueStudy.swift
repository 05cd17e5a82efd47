import Analysis
import DiscreteEvent
import Foundation
import MarketModel
import Results
import Scenario
import Stochastic

/// Options for running a scenario's replications.
public struct StudyOptions: Sendable {
    /// Where the results database goes. An existing file at this path is replaced unless ``resume`` is set.
    public var databasePath: String
    /// Replications run at once (independent worlds, each with its own streams); results are
    /// written in replication order whatever this is, so the database does not depend on it.
    public var jobs: Int
    /// Queue: keep every customer's wait as an observation row (the `wait` series). Market: keep the per-study,
    /// per-radiologist-day, per-sample and per-block rows (the run's metrics and chain facts are always kept).
    public var recordObservations: Bool
    /// Market: keep each run's chain (genesis, blocks, commit certificates) for `readchain replay` and `audit`
    /// (`--no-chain` turns it off).
    public var recordChain = true
    /// Market: the signature scheme every run uses instead of its scenario's `chain.signatures` (`--signatures`;
    /// nil: the scenario's). Recorded per run and in the study settings.
    public var signatures: ChainParameters.Signatures?
    /// Market, with ``recordChain``: blocks stored per transaction while a run goes on (`MarketRunSpec.chainChunkBlocks`).
    public var chainChunkBlocks = 2_000
    /// Code version and git revision for provenance.
    public var codeVersion: String
    public var gitRevision: String
    /// Called after each replication finishes, with (finished, total). Called from worker threads.
    public var progress: (@Sendable (Int, Int) -> Void)?
    /// Market studies: called now and then with the share of all runs' simulated time done. Called from worker
    /// threads.
    public var simulatedProgress: (@Sendable (StudyProgress) -> Void)?
    /// Continue the database at ``databasePath`` instead of replacing it: it must hold the same study (scenario or
    /// sweep text, seed, detail on or off, chains on or off); finished runs are kept, unfinished ones redone, missing ones run.
    public var resume = false
    /// With ``resume``: treat runs left `running` by a process on another host as abandoned (that host's
    /// processes cannot be checked from here; say so only when that process is known to be gone, e.g. its node
    /// failed). Runs `running` in a live process of this host are still refused.
    public var takeOver = false
    /// Checked before each run starts; cancelling marks the unwritten runs `interrupted` and ends the study with
    /// ``StudyInterrupted``.
    public var cancellation: StudyCancellation?

    public init(
        databasePath: String, jobs: Int = ProcessInfo.processInfo.activeProcessorCount,
        recordObservations: Bool = true, codeVersion: String = ReadChainVersion.current,
        gitRevision: String = "unknown", progress: (@Sendable (Int, Int) -> Void)? = nil,
        simulatedProgress: (@Sendable (StudyProgress) -> Void)? = nil
    ) {
        self.simulatedProgress = simulatedProgress
        self.databasePath = databasePath
        self.jobs = max(1, jobs)
        self.recordObservations = recordObservations
        self.codeVersion = codeVersion
        self.gitRevision = gitRevision
        self.progress = progress
    }
}

extension StudyOptions {
    /// The signature scheme the runs of `scenario` use: ``signatures`` if given, else the scenario's (nil for a
    /// queue scenario).
    func signatures(of scenario: ScenarioFile) -> ChainParameters.Signatures? {
        guard case .market(let model) = scenario.model else { return nil }
        return signatures ?? model.chain.signatures
    }
}

/// The version of ReadChain recorded in every run's provenance.
public enum ReadChainVersion {
    public static let current = "0.1.0"
}

/// One headline metric across replications: mean, t-based confidence interval, and the analytic
/// value where theory gives one.
public struct MetricSummary: Codable, Sendable, Equatable {
    public var name: String
    public var label: String
    public var unit: String
    public var n: Int
    public var mean: Double
    public var standardDeviation: Double
    public var ciLow: Double
    public var ciHigh: Double
    public var halfWidth: Double
    /// The closed-form value (Erlang C), if any.
    public var analytic: Double?
    /// Whether the analytic value lies inside the interval (nil without one).
    public var analyticInInterval: Bool?
}

/// What `readchain simulate` reports: provenance, the database, and the headline metrics.
public struct StudySummary: Codable, Sendable, Equatable {
    public var scenario: String
    public var kind: String
    public var scenarioSHA256: String
    public var seed: UInt64
    public var replications: Int
    public var confidence: Double
    public var database: String
    public var runIDs: [Int64]
    public var customers: Int
    public var events: UInt64
    public var metrics: [MetricSummary]

    public func metric(_ name: String) -> MetricSummary? { metrics.first { $0.name == name } }
}

/// A failure while running a study, with the replication it happened in.
public struct StudyError: Error, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Runs a queue scenario: replications in parallel, results to SQLite in replication order,
/// cross-replication summaries with 95% t intervals next to the Erlang C values.
public enum QueueStudy {
    public static let confidence = 0.95

    /// Runs every replication of `scenario` and writes the database.
    ///
    /// The database at `options.databasePath` is replaced, or continued with `options.resume` (see
    /// ``StudyOptions/resume``). Runs are registered `running` first; replications run in parallel and each is
    /// written (its waits, metrics and `finished`) in one transaction as soon as every earlier one is, so a process
    /// killed half-way leaves runs that the next open marks `incomplete`, and a cancelled study leaves them
    /// `interrupted`. Summaries are recomputed from every finished run in the database.
    ///
    /// - Throws: ``StudyInterrupted`` when cancelled, ``ResumeError`` for a database of another study,
    ///   ``StudyError`` for a failed run, ``ResultsError`` for the database.
    public static func run(_ scenario: ScenarioFile, options: StudyOptions) throws -> StudySummary {
        guard case .queue = scenario.model else { throw StudyError("not a queue scenario") }
        let store = try ResumableRuns.open(
            path: options.databasePath, settings: settings(scenario, options), resume: options.resume)
        defer { try? store.close() }
        try execute(scenario, replications: 0..<scenario.replications, store: store, options: options)
        return try summary(scenario, store: store, options: options)
    }

    /// The study settings a resume of `scenario` must match.
    static func settings(_ s: ScenarioFile, _ options: StudyOptions) -> StudySettings {
        StudySettings(
            kind: "scenario", name: s.name, sourceSHA256: s.sha256, sourceText: s.text, masterSeed: s.seed,
            recordObservations: options.recordObservations, recordChain: s.kind == .market ? options.recordChain : nil,
            signatures: options.signatures(of: s)?.rawValue)
    }

    /// Runs the replications in `replications` that the database does not hold finished, after deleting its
    /// unfinished runs.
    static func execute(_ scenario: ScenarioFile, replications: Range<Int>, store: ResultsStore, options: StudyOptions)
        throws
    {
        try execute(
            replications.map { PlannedRun(scenario: scenario, variant: nil, replication: $0, design: nil) },
            store: store, options: options)
    }

    /// Runs the planned queue runs (of one scenario or of a sweep's points) the database does not hold finished.
    static func execute(_ planned: [PlannedRun], store: ResultsStore, options: StudyOptions) throws {
        let (pending, finished) = try ResumableRuns.prepare(store, planned: planned, takeOver: options.takeOver)
        let counter = Counter()
        let record = options.recordObservations
        try ResumableRuns.execute(
            pending, store: store, options: options, alreadyFinished: finished,
            run: { _, p, _ in
                guard case .queue(let q) = p.scenario.model else { throw StudyError("not a queue scenario") }
                let parameters = QueueParameters(
                    arrivalRatePerSecond: q.arrivalRatePerSecond, serviceRatePerSecond: q.serviceRatePerSecond,
                    servers: q.servers, horizon: SimTime(ticks: p.scenario.horizonTicks),
                    warmup: SimTime(ticks: p.scenario.warmupTicks))
                let result = try MMcQueue.run(
                    parameters, seed: p.scenario.seed, replication: p.replication, recordObservations: record)
                options.progress?(counter.increment(), pending.count)
                return result
            },
            write: { id, result in try write(result, run: id, store: store, recordObservations: record) })
    }

    /// Writes one finished replication: its waits (if kept), metrics and status, in one transaction.
    static func write(_ result: QueueReplicationResult, run id: RunID, store: ResultsStore, recordObservations: Bool)
        throws
    {
        let writer = try store.observationWriter(run: id, batchSize: max(1, result.waitObservations.count + 1))
        if recordObservations {
            let series = try writer.series("wait", unit: "s")
            for o in result.waitObservations { try writer.record(series, time: o.time, value: o.wait) }
        }
        try writer.flush()
        try store.finishRun(id, status: .finished, metrics: runMetrics(result), error: nil)
    }

    /// The study's summary from the database: every finished run of `scenario`, summaries recomputed.
    static func summary(_ scenario: ScenarioFile, store: ResultsStore, options: StudyOptions) throws -> StudySummary {
        guard case .queue(let q) = scenario.model else { throw StudyError("not a queue scenario") }
        let groups = try ResumeSummaries.recompute(store) { _ in "queue" }
        let mine = groups.first { $0.scenarioSHA256 == scenario.sha256 && $0.variant == nil }
        let e = ErlangC(arrivalRate: q.arrivalRatePerSecond, serviceRate: q.serviceRatePerSecond, servers: q.servers)
        let analytic = analyticValues(e)
        let metrics = (mine?.metrics ?? []).map { m -> MetricSummary in
            var m = m
            m.analytic = analytic[m.name]
            m.analyticInInterval = m.analytic.flatMap { a in m.ciLow.isNaN ? nil : (m.ciLow <= a && a <= m.ciHigh) }
            return m
        }
        let entries = try store.runEntries().filter {
            $0.status == .finished && $0.key.scenarioSHA256 == scenario.sha256 && $0.key.variant == nil
        }.sorted { $0.key.replication < $1.key.replication }
        var customers = 0
        var events: UInt64 = 0
        for e in entries {
            let m = try store.metrics(run: e.id)
            customers += Int(m.first { $0.name == "customers_served" }?.value ?? 0)
            events += UInt64(m.first { $0.name == "events" }?.value ?? 0)
        }
        return StudySummary(
            scenario: scenario.name, kind: scenario.kind.rawValue, scenarioSHA256: scenario.sha256, seed: scenario.seed,
            replications: entries.count, confidence: confidence, database: options.databasePath,
            runIDs: entries.map(\.id.rawValue), customers: customers, events: events, metrics: metrics)
    }

    static func analyticValues(_ e: ErlangC) -> [String: Double] {
        e.isStable
            ? [
                "mean_wait": e.meanWait / 3600, "wait_probability": e.waitProbability, "utilisation": e.utilisation,
                "mean_queue_length": e.meanQueueLength, "mean_in_system": e.meanInSystem,
                "mean_sojourn": e.meanSojourn / 3600, "throughput": e.arrivalRate * 3600, "little_law_ratio": 1,
                "wait_p50": e.waitQuantile(0.5) / 3600, "wait_p90": e.waitQuantile(0.9) / 3600,
            ] : ["throughput": e.arrivalRate * 3600]
    }

    /// The headline metrics, in print order (the names of ``perReplicationValues(_:)``).
    static let headlineNames = [
        "mean_wait", "wait_probability", "utilisation", "mean_queue_length", "mean_in_system", "mean_sojourn",
        "throughput", "wait_p50", "wait_p90", "little_law_ratio",
    ]

    /// Runs `count` replications on up to `jobs` threads and returns them in replication order.
    ///
    /// Each replication builds its own world and streams from (seed, replication), so the results
    /// do not depend on `jobs` or on thread timing.
    public static func runReplications(
        _ parameters: QueueParameters, seed: UInt64, count: Int, jobs: Int, recordObservations: Bool,
        progress: (@Sendable (Int, Int) -> Void)? = nil
    ) throws -> [QueueReplicationResult] {
        let box = ResultBox(count: count)
        let workers = max(1, min(jobs, count))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var r = worker
            while r < count {
                let outcome = Result {
                    try MMcQueue.run(parameters, seed: seed, replication: r, recordObservations: recordObservations)
                }
                let done = box.store(outcome, at: r)
                progress?(done, count)
                r += workers
            }
        }
        return try box.results()
    }

    static func runMetrics(_ r: QueueReplicationResult) -> [RunMetric] {
        var m: [RunMetric] = []
        for (name, unit, value) in perReplicationValues(r) {
            m.append(RunMetric(name: name, value: value, unit: unit))
        }
        if let ci = r.waits.confidenceInterval(level: confidence) {
            // Within one run waits are autocorrelated; this interval is descriptive only. The study's
            // interval comes from independent replications.
            m.append(
                RunMetric(
                    name: "mean_wait_iid_ci", value: ci.mean / 3600, ciLow: ci.lower / 3600,
                    ciHigh: ci.upper / 3600, unit: "h"))
        }
        m.append(RunMetric(name: "events", value: Double(r.events), unit: "count"))
        m.append(RunMetric(name: "customers_served", value: Double(r.customersServed), unit: "count"))
        return m
    }

    /// (name, unit, value) for each headline metric of one replication. Times in hours.
    static func perReplicationValues(_ r: QueueReplicationResult) -> [(String, String, Double)] {
        let sojourn = r.sojourns.mean / 3600
        let lambdaPerHour = r.observedArrivalRate * 3600
        return [
            ("mean_wait", "h", r.waits.mean / 3600),
            (
                "wait_probability", "fraction",
                r.customersServed > 0 ? Double(r.waited) / Double(r.customersServed) : .nan
            ),
            ("utilisation", "fraction", r.utilisation),
            ("mean_queue_length", "customers", r.meanQueueLength),
            ("mean_in_system", "customers", r.meanInSystem),
            ("mean_sojourn", "h", sojourn),
            ("throughput", "per h", lambdaPerHour),
            ("wait_p50", "h", r.waitP50 / 3600),
            ("wait_p90", "h", r.waitP90 / 3600),
            // Little's law on the recorded output: time-average L against observed λ × mean sojourn W.
            ("little_law_ratio", "ratio", r.meanInSystem / (lambdaPerHour * sojourn)),
        ]
    }

    /// Each headline metric's key, unit and label, in print order (what `readchain metrics` lists).
    public static var headlineMetrics: [(name: String, unit: String, label: String)] {
        headlineNames.map { ($0, units[$0] ?? "", labels[$0] ?? $0) }
    }

    /// The units ``perReplicationValues(_:)`` stores (a test checks they agree).
    static let units: [String: String] = [
        "mean_wait": "h", "wait_probability": "fraction", "utilisation": "fraction", "mean_queue_length": "customers",
        "mean_in_system": "customers", "mean_sojourn": "h", "throughput": "per h", "wait_p50": "h", "wait_p90": "h",
        "little_law_ratio": "ratio",
    ]

    static let labels: [String: String] = [
        "mean_wait": "mean wait in queue (Wq)",
        "wait_probability": "P(wait > 0)",
        "utilisation": "server utilisation (rho)",
        "mean_queue_length": "mean queue length (Lq)",
        "mean_in_system": "mean number in system (L)",
        "mean_sojourn": "mean time in system (W)",
        "throughput": "arrival rate observed (lambda)",
        "wait_p50": "wait p50",
        "wait_p90": "wait p90",
        "little_law_ratio": "Little's law L / (lambda W)",
    ]

    package static func removeDatabase(at path: String) throws {
        let fm = FileManager.default
        for suffix in ["", "-wal", "-shm", "-journal"] where fm.fileExists(atPath: path + suffix) {
            do { try fm.removeItem(atPath: path + suffix) } catch {
                throw StudyError("cannot replace \(path + suffix): \(error.localizedDescription)")
            }
        }
    }
}

/// A thread-safe count of finished replications, for progress reports.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func increment() -> Int {
        lock.withLock {
            value += 1
            return value
        }
    }
}

/// Collects replication results from worker threads.
final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<QueueReplicationResult, any Error>?]
    private var done = 0

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func store(_ r: Result<QueueReplicationResult, any Error>, at i: Int) -> Int {
        lock.lock()
        defer { lock.unlock() }
        slots[i] = r
        done += 1
        return done
    }

    func results() throws -> [QueueReplicationResult] {
        lock.lock()
        defer { lock.unlock() }
        return try slots.map { try $0!.get() }
    }
}
