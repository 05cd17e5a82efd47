import DiscreteEvent
import Foundation
import Market
import MarketModel
import Results
import Scenario
import Stochastic

/// One (design, replication) run of a market study, as reported: its run id, counts and chain facts.
public struct MarketRunSummary: Codable, Sendable, Equatable {
    public var design: String
    public var replication: Int
    public var runID: Int64
    public var studies: Int
    /// Studies that arrived after the warm-up (the headline metrics count these).
    public var measuredStudies: Int
    public var reportedStudies: Int
    public var transactionsSubmitted: Int
    public var transactionsCommitted: Int
    public var transactionsFailed: Int
    public var transactionsRefused: Int
    public var blocks: Int
    public var signatureVerifications: Int
    public var events: UInt64
    public var chainDigest: String
    public var stateRoot: String
    public var oracleViolations: [String]

    package init(
        design: String, replication: Int, runID: Int64, studies: Int, measuredStudies: Int, reportedStudies: Int,
        transactionsSubmitted: Int, transactionsCommitted: Int, transactionsFailed: Int, transactionsRefused: Int,
        blocks: Int, signatureVerifications: Int, events: UInt64, chainDigest: String, stateRoot: String,
        oracleViolations: [String]
    ) {
        self.design = design
        self.replication = replication
        self.runID = runID
        self.studies = studies
        self.measuredStudies = measuredStudies
        self.reportedStudies = reportedStudies
        self.transactionsSubmitted = transactionsSubmitted
        self.transactionsCommitted = transactionsCommitted
        self.transactionsFailed = transactionsFailed
        self.transactionsRefused = transactionsRefused
        self.blocks = blocks
        self.signatureVerifications = signatureVerifications
        self.events = events
        self.chainDigest = chainDigest
        self.stateRoot = stateRoot
        self.oracleViolations = oracleViolations
    }
}

/// One market design's headline metrics across replications.
public struct MarketDesignSummary: Codable, Sendable, Equatable {
    public var name: String
    /// `intermediary`, `posted_price` or `sealed_bid_auction`, with `+value_based` when it settles on value.
    public var type: String
    /// In `MarketMetrics.headline` order; `n` counts the replications where the metric was defined (not NaN).
    public var metrics: [MetricSummary]

    package init(name: String, type: String, metrics: [MetricSummary]) {
        self.name = name
        self.type = type
        self.metrics = metrics
    }

    public func metric(_ name: String) -> MetricSummary? { metrics.first { $0.name == name } }
}

/// What `readchain simulate` reports for a market scenario.
///
/// Everything except ``wallSeconds`` depends only on the scenario, the seed and the code: not on `--jobs`,
/// thread timing or the process.
public struct MarketStudySummary: Codable, Sendable, Equatable {
    public var scenario: String
    public var kind: String
    public var scenarioSHA256: String
    public var seed: UInt64
    public var replications: Int
    public var horizonTicks: Int64
    public var warmupTicks: Int64
    /// The scenario's currency; money metrics are in its major unit and carry its code as their unit.
    public var currency: String
    public var confidence: Double
    public var database: String
    /// Whether the per-study, per-day, per-sample and per-block rows were stored (`--no-observations` drops them).
    public var detailRecorded: Bool
    public var designs: [MarketDesignSummary]
    /// In (design, replication) order.
    public var runs: [MarketRunSummary]
    /// Studies simulated over all runs (including warm-up arrivals).
    public var studies: Int
    public var transactionsCommitted: Int
    /// Wall-clock seconds of the whole study (provenance; not a result).
    public var wallSeconds: Double

    package init(
        scenario: String, kind: String, scenarioSHA256: String, seed: UInt64, replications: Int, horizonTicks: Int64,
        warmupTicks: Int64, currency: String, confidence: Double, database: String, detailRecorded: Bool,
        designs: [MarketDesignSummary], runs: [MarketRunSummary], studies: Int, transactionsCommitted: Int,
        wallSeconds: Double
    ) {
        self.scenario = scenario
        self.kind = kind
        self.scenarioSHA256 = scenarioSHA256
        self.seed = seed
        self.replications = replications
        self.horizonTicks = horizonTicks
        self.warmupTicks = warmupTicks
        self.currency = currency
        self.confidence = confidence
        self.database = database
        self.detailRecorded = detailRecorded
        self.designs = designs
        self.runs = runs
        self.studies = studies
        self.transactionsCommitted = transactionsCommitted
        self.wallSeconds = wallSeconds
    }

    public func design(_ name: String) -> MarketDesignSummary? { designs.first { $0.name == name } }
}

/// How far a study has got: the share of all runs' simulated time done, and the runs finished.
public struct StudyProgress: Sendable, Equatable {
    /// 0...1, over all runs (every run has the same horizon).
    public var fraction: Double
    public var runsFinished: Int
    public var runs: Int
}

/// Runs a market scenario: every design for every replication, through the chain, in parallel; each run's
/// records to SQLite as it finishes (in (design, replication) order); cross-replication summaries per design.
public enum MarketStudy {
    public static let confidence = 0.95

    /// Runs every (design, replication) pair of `scenario` and writes the database.
    ///
    /// The database at `options.databasePath` is replaced, or continued with `options.resume` (finished runs kept,
    /// unfinished ones deleted and redone, missing ones run; see ``StudyOptions/resume``). Runs are registered
    /// `running` first (variant = design name). Pairs run on `options.jobs` threads, each in its own world;
    /// replication r of every design uses `(scenario.seed, r)`, so designs see the same arrivals, findings and
    /// radiologist speeds (common random numbers). A run's detail rows, chain facts and headline metrics are written
    /// in one transaction that also marks it `finished`, in (design, replication) order whatever the thread timing,
    /// so a killed process leaves `running` runs that the next open marks `incomplete`, and a cancelled study
    /// (``StudyOptions/cancellation``) leaves them `interrupted`. After the first failure the remaining runs are
    /// not started; they and the failed run are marked `failed`, and the first error is thrown. Summaries are
    /// recomputed over every finished run in the database.
    ///
    /// - Throws: ``StudyError`` for a run that failed (the world could not be built, or a record that cannot be
    ///   stored), ``StudyInterrupted`` when cancelled, ``ResumeError`` for a database of another study,
    ///   ``ResultsError`` for the database.
    public static func run(_ scenario: ScenarioFile, options: StudyOptions) throws -> MarketStudySummary {
        guard case .market = scenario.model else { throw StudyError("not a market scenario") }
        let clock = ContinuousClock()
        let started = clock.now
        let store = try ResumableRuns.open(
            path: options.databasePath, settings: QueueStudy.settings(scenario, options), resume: options.resume)
        defer { try? store.close() }
        try execute([(scenario, nil)], replications: 0..<scenario.replications, store: store, options: options)
        let elapsed = (clock.now - started).components
        return try summary(
            scenario, store: store, options: options,
            wallSeconds: Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18)
    }

    /// The planned runs of market scenarios: for each (scenario, variant prefix), every design for each replication
    /// in `replications` (design-major). The variant is the design's name, after `prefix/` when there is one.
    static func plan(_ scenarios: [(ScenarioFile, String?)], replications: Range<Int>) -> [PlannedRun] {
        var planned: [PlannedRun] = []
        for (scenario, prefix) in scenarios {
            guard case .market(let model) = scenario.model else { continue }
            for (d, design) in model.designs.enumerated() {
                for r in replications {
                    planned.append(
                        PlannedRun(
                            scenario: scenario, variant: prefix.map { "\($0)/\(design.name)" } ?? design.name,
                            replication: r, design: d))
                }
            }
        }
        return planned
    }

    /// Runs the planned runs the database does not hold finished, after deleting its unfinished runs.
    static func execute(
        _ scenarios: [(ScenarioFile, String?)], replications: Range<Int>, store: ResultsStore, options: StudyOptions,
        filter: (Int) -> Bool = { _ in true }
    ) throws {
        let all = plan(scenarios, replications: replications)
        let planned = all.indices.filter(filter).map { all[$0] }
        try execute(planned, store: store, options: options)
    }

    static func execute(_ planned: [PlannedRun], store: ResultsStore, options: StudyOptions) throws {
        let (pending, finished) = try ResumableRuns.prepare(store, planned: planned, takeOver: options.takeOver)
        let progress = ProgressTracker(runs: pending.count, callback: options.simulatedProgress)
        let recordDetail = options.recordObservations
        let recordChain = options.recordChain
        let signatures = options.signatures
        let chunkBlocks = options.chainChunkBlocks
        try ResumableRuns.execute(
            pending, store: store, options: options, alreadyFinished: finished,
            run: { i, p, id in
                guard case .market(var model) = p.scenario.model, let d = p.design else {
                    throw StudyError("not a market scenario")
                }
                model.chain.signatures = signatures ?? model.chain.signatures
                var spec = MarketRunSpec(
                    model: model, design: model.designs[d], seed: p.scenario.seed, replication: p.replication,
                    horizonTicks: p.scenario.horizonTicks, warmupTicks: p.scenario.warmupTicks,
                    progress: { share in progress.update(run: i, share: share) })
                spec.recordChain = recordChain
                if recordChain {
                    spec.chainChunkBlocks = chunkBlocks
                    // Blocks go to the database as the run goes, not all at its end (a year is ~800,000 blocks).
                    spec.chainSink = { chunk in try store.appendChainBlocks(run: id, chunk) }
                }
                defer { progress.finish(run: i) }
                return (try MarketSimulation.run(spec), model.currency)
            },
            write: { id, payload in
                try write(
                    payload.0, run: id, store: store, currency: payload.1, recordDetail: recordDetail,
                    recordChain: recordChain)
            })
    }

    /// Writes one finished run: detail rows, chain facts, the chain itself (genesis, blocks, certificates: what
    /// `readchain replay` checks) unless `recordChain` is false, headline metrics and `finished`, in one transaction.
    static func write(
        _ r: MarketRunResult, run id: RunID, store: ResultsStore, currency: Currency, recordDetail: Bool,
        recordChain: Bool
    ) throws {
        var detail = try MarketStudy.detail(r, recordDetail: recordDetail)
        if recordChain { detail.storedChain = r.chain }
        try store.finishMarketRun(id, detail: detail, metrics: MarketStudy.runMetrics(r, currency: currency))
    }

    /// The study's summary from the database: every finished run of `scenario`, summaries recomputed.
    static func summary(_ scenario: ScenarioFile, store: ResultsStore, options: StudyOptions, wallSeconds: Double)
        throws -> MarketStudySummary
    {
        guard case .market(let model) = scenario.model else { throw StudyError("not a market scenario") }
        let groups = try ResumeSummaries.recompute(store) { _ in "market" }
        let designs = model.designs.map { design in
            MarketDesignSummary(
                name: design.name, type: typeName(design),
                metrics: groups.first { $0.scenarioSHA256 == scenario.sha256 && $0.variant == design.name }?.metrics
                    ?? [])
        }
        let runs = try runSummaries(store, scenario: scenario, variants: model.designs.map(\.name))
        let replications = Set(runs.map(\.replication)).count
        return MarketStudySummary(
            scenario: scenario.name, kind: scenario.kind.rawValue, scenarioSHA256: scenario.sha256, seed: scenario.seed,
            replications: replications, horizonTicks: scenario.horizonTicks,
            warmupTicks: scenario.warmupTicks, currency: model.currency.code, confidence: confidence,
            database: options.databasePath, detailRecorded: options.recordObservations, designs: designs,
            runs: runs, studies: runs.reduce(0) { $0 + $1.studies },
            transactionsCommitted: runs.reduce(0) { $0 + $1.transactionsCommitted }, wallSeconds: wallSeconds)
    }

    /// The finished runs of `scenario` with one of `variants`, in (variant order, replication) order, as reported,
    /// read back from the database (`measuredStudies` is 0 when detail rows are not kept).
    static func runSummaries(_ store: ResultsStore, scenario: ScenarioFile, variants: [String]) throws
        -> [MarketRunSummary]
    {
        let order = Dictionary(uniqueKeysWithValues: variants.enumerated().map { ($1, $0) })
        let entries = try store.runEntries().filter {
            $0.status == .finished && $0.key.scenarioSHA256 == scenario.sha256 && order[$0.key.variant ?? ""] != nil
        }.sorted { (order[$0.key.variant!]!, $0.key.replication) < (order[$1.key.variant!]!, $1.key.replication) }
        return try entries.map { e in
            let c = try store.chainRun(run: e.id)
            return MarketRunSummary(
                design: e.key.variant!, replication: e.key.replication, runID: e.id.rawValue, studies: c?.studies ?? 0,
                measuredStudies: try store.measuredStudyCount(run: e.id), reportedStudies: c?.studiesReported ?? 0,
                transactionsSubmitted: c?.submitted ?? 0, transactionsCommitted: c?.committed ?? 0,
                transactionsFailed: c?.failed ?? 0, transactionsRefused: c?.refused ?? 0, blocks: c?.blocks ?? 0,
                signatureVerifications: c?.signatureVerifications ?? 0, events: UInt64(max(0, c?.events ?? 0)),
                chainDigest: c?.chainDigest ?? "", stateRoot: c?.stateRoot ?? "",
                oracleViolations: c?.oracleViolations ?? [])
        }
    }

    /// Mean, sample standard deviation and t interval over replications of each headline metric, skipping the
    /// replications where it is NaN (`n` says how many remain). NaN mean when none remain; NaN standard
    /// deviation and interval when fewer than two do.
    package static func summarise(_ replications: [[RunMetric]], currency: Currency) -> [MetricSummary] {
        MarketMetrics.headline.map { h in
            let values = replications.compactMap { run in run.first { $0.name == h.name }?.value }.filter { !$0.isNaN }
            let tally = Tally(values)
            let ci = tally.count >= 2 ? tally.confidenceInterval(level: confidence) : nil
            return MetricSummary(
                name: h.name, label: h.label, unit: unit(h.unit, currency), n: tally.count,
                mean: tally.count > 0 ? tally.mean : .nan,
                standardDeviation: tally.count >= 2 ? tally.standardDeviation : .nan, ciLow: ci?.lower ?? .nan,
                ciHigh: ci?.upper ?? .nan, halfWidth: ci?.halfWidth ?? .nan, analytic: nil, analyticInInterval: nil)
        }
    }

    /// The stored unit: `money` becomes the currency code (major units).
    package static func unit(_ unit: String, _ currency: Currency) -> String { unit == "money" ? currency.code : unit }

    package static func typeName(_ d: MarketDesignSpec) -> String {
        let base: String
        switch d.mechanism {
        case .intermediary: base = "intermediary"
        case .postedPrice: base = "posted_price"
        case .sealedBidAuction: base = "sealed_bid_auction"
        }
        return d.valueBased == nil ? base : base + "+value_based"
    }

    // MARK: Records to rows

    /// The rows stored for one run. With `recordDetail` false only the chain facts are kept.
    static func detail(_ r: MarketRunResult, recordDetail: Bool) throws -> MarketRunDetail {
        var chain = ChainRunRow(
            chainDigest: r.chainDigest, stateRoot: r.stateRoot, submitted: r.transactionsSubmitted,
            committed: r.transactionsCommitted, failed: r.transactionsFailed, refused: r.transactionsRefused,
            signatureVerifications: r.signatureVerifications, signaturesMade: r.signaturesMade,
            events: try integer(r.events, "events"), blocks: r.blocks.count, studies: r.studies.count,
            studiesReported: r.studies.filter { $0.reportCommitted != nil }.count,
            oracleViolations: r.oracleViolations)
        chain.signatures = r.signatures
        guard recordDetail else {
            return MarketRunDetail(studies: [], radiologistDays: [], samples: [], blocks: [], chain: chain)
        }
        return MarketRunDetail(
            studies: r.studies, radiologistDays: r.radiologistDays, samples: r.samples, blocks: r.blocks, chain: chain)
    }

    /// An unsigned count or amount as SQLite's signed 64-bit integer; beyond 2^63 − 1 is an error, never wrapped.
    static func integer(_ x: UInt64, _ what: String) throws -> Int64 {
        guard let v = Int64(exactly: x) else { throw StudyError("\(what) \(x) does not fit a 64-bit SQLite integer") }
        return v
    }

    static func runMetrics(_ r: MarketRunResult, currency: Currency) -> [RunMetric] {
        r.headline.map { m in
            var stored = m
            stored.unit = m.unit.map { unit($0, currency) }
            return stored
        }
    }

    static func runSummary(_ r: MarketRunResult, id: RunID) -> MarketRunSummary {
        MarketRunSummary(
            design: r.design, replication: r.replication, runID: id.rawValue, studies: r.studies.count,
            measuredStudies: r.studies.filter(\.measured).count,
            reportedStudies: r.studies.filter { $0.reportCommitted != nil }.count,
            transactionsSubmitted: r.transactionsSubmitted, transactionsCommitted: r.transactionsCommitted,
            transactionsFailed: r.transactionsFailed, transactionsRefused: r.transactionsRefused,
            blocks: r.blocks.count, signatureVerifications: r.signatureVerifications, events: r.events,
            chainDigest: r.chainDigest, stateRoot: r.stateRoot, oracleViolations: r.oracleViolations)
    }
}

/// Sums the share of the horizon simulated by every run and reports the total now and then.
final class ProgressTracker: @unchecked Sendable {
    private let lock = NSLock()
    private var shares: [Double]
    private var finished = 0
    private var reported = -1.0
    private let callback: (@Sendable (StudyProgress) -> Void)?

    init(runs: Int, callback: (@Sendable (StudyProgress) -> Void)?) {
        shares = Array(repeating: 0, count: runs)
        self.callback = callback
    }

    func update(run i: Int, share: Double) {
        guard callback != nil else { return }
        lock.withLock {
            shares[i] = max(shares[i], min(1, share))
            report(force: false)
        }
    }

    func finish(run i: Int) {
        lock.withLock {
            shares[i] = 1
            finished += 1
            report(force: true)
        }
    }

    /// Called with the lock held.
    private func report(force: Bool) {
        guard let callback else { return }
        let fraction = shares.reduce(0, +) / Double(max(1, shares.count))
        guard force || fraction - reported >= 0.002 else { return }
        reported = fraction
        callback(StudyProgress(fraction: fraction, runsFinished: finished, runs: shares.count))
    }
}
