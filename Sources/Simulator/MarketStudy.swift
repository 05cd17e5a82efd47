import DiscreteEvent
import Foundation
import Market
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
}

/// One market design's headline metrics across replications.
public struct MarketDesignSummary: Codable, Sendable, Equatable {
    public var name: String
    /// `intermediary`, `posted_price` or `sealed_bid_auction`, with `+value_based` when it settles on value.
    public var type: String
    /// In `MarketMetrics.headline` order; `n` counts the replications where the metric was defined (not NaN).
    public var metrics: [MetricSummary]

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
    /// The database at `options.databasePath` is replaced. All runs are registered `running` first (variant =
    /// design name). Pairs run on `options.jobs` threads, each in its own world; replication r of every design
    /// uses `(scenario.seed, r)`, so designs see the same arrivals, findings and radiologist speeds (common random
    /// numbers). A run's detail rows, chain facts and headline metrics are written in one transaction that also
    /// marks it `finished`, in (design, replication) order whatever the thread timing, so a killed process leaves
    /// `running` runs that the next open marks `incomplete`. After the first failure the remaining runs are not
    /// started; they and the failed run are marked `failed`, and the first error is thrown.
    ///
    /// - Throws: ``StudyError`` for a run that failed (the world could not be built, or a record that cannot be
    ///   stored), ``ResultsError`` for the database.
    public static func run(_ scenario: ScenarioFile, options: StudyOptions) throws -> MarketStudySummary {
        guard case .market(let model) = scenario.model else { throw StudyError("not a market scenario") }
        let clock = ContinuousClock()
        let started = clock.now

        try QueueStudy.removeDatabase(at: options.databasePath)
        let store = try ResultsStore(path: options.databasePath)
        defer { try? store.close() }

        let designs = model.designs
        let pairs = designs.indices.flatMap { d in (0..<scenario.replications).map { (design: d, replication: $0) } }
        var runIDs: [RunID] = []
        for p in pairs {
            runIDs.append(
                try store.beginRun(
                    provenance(scenario, design: designs[p.design].name, replication: p.replication, options: options)))
        }

        let progress = ProgressTracker(runs: pairs.count, callback: options.simulatedProgress)
        let writer = RunWriter(
            store: store, runIDs: runIDs, currency: model.currency, recordDetail: options.recordObservations,
            recordChain: options.recordChain)
        let workers = max(1, min(options.jobs, pairs.count))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let i = writer.nextIndex() {
                guard !writer.stopped else {
                    writer.deliver(i, .skipped)
                    continue
                }
                let p = pairs[i]
                var spec = MarketRunSpec(
                    model: model, design: designs[p.design], seed: scenario.seed, replication: p.replication,
                    horizonTicks: scenario.horizonTicks, warmupTicks: scenario.warmupTicks,
                    progress: { share in progress.update(run: i, share: share) })
                spec.recordChain = options.recordChain
                let outcome: RunOutcome
                do {
                    outcome = .result(try MarketSimulation.run(spec))
                } catch {
                    outcome = .failure(
                        StudyError("design '\(designs[p.design].name)', replication \(p.replication): \(error)"))
                }
                progress.finish(run: i)
                writer.deliver(i, outcome)
            }
        }
        if let error = writer.firstError { throw error }

        let runs = writer.summaries.map { $0! }
        let headlines = writer.headlines.map { $0! }
        var designSummaries: [MarketDesignSummary] = []
        var rows: [SummaryRow] = []
        for (d, design) in designs.enumerated() {
            let mine = pairs.indices.filter { pairs[$0].design == d }.map { headlines[$0] }
            let metrics = summarise(mine, currency: model.currency)
            designSummaries.append(MarketDesignSummary(name: design.name, type: typeName(design), metrics: metrics))
            for m in metrics {
                rows.append(
                    SummaryRow(
                        scenarioSHA256: scenario.sha256, variant: design.name, metric: m.name, n: m.n, mean: m.mean,
                        stddev: m.standardDeviation, ciLow: m.ciLow, ciHigh: m.ciHigh, confidence: confidence,
                        unit: m.unit))
            }
        }
        try store.writeSummaries(rows)

        let elapsed = (clock.now - started).components
        return MarketStudySummary(
            scenario: scenario.name, kind: scenario.kind.rawValue, scenarioSHA256: scenario.sha256, seed: scenario.seed,
            replications: scenario.replications, horizonTicks: scenario.horizonTicks,
            warmupTicks: scenario.warmupTicks, currency: model.currency.code, confidence: confidence,
            database: options.databasePath, detailRecorded: options.recordObservations, designs: designSummaries,
            runs: runs, studies: runs.reduce(0) { $0 + $1.studies },
            transactionsCommitted: runs.reduce(0) { $0 + $1.transactionsCommitted },
            wallSeconds: Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18)
    }

    /// Mean, sample standard deviation and t interval over replications of each headline metric, skipping the
    /// replications where it is NaN (`n` says how many remain). NaN mean when none remain; NaN standard
    /// deviation and interval when fewer than two do.
    static func summarise(_ replications: [[HeadlineMetric]], currency: Currency) -> [MetricSummary] {
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
    static func unit(_ unit: String, _ currency: Currency) -> String { unit == "money" ? currency.code : unit }

    static func typeName(_ d: MarketDesignSpec) -> String {
        let base: String
        switch d.mechanism {
        case .intermediary: base = "intermediary"
        case .postedPrice: base = "posted_price"
        case .sealedBidAuction: base = "sealed_bid_auction"
        }
        return d.valueBased == nil ? base : base + "+value_based"
    }

    static func provenance(_ s: ScenarioFile, design: String, replication: Int, options: StudyOptions)
        -> RunProvenance
    {
        RunProvenance(
            scenarioName: s.name, scenarioKind: s.kind.rawValue, variant: design, scenarioText: s.text,
            scenarioSHA256: s.sha256, masterSeed: s.seed, replication: replication,
            codeVersion: options.codeVersion, gitRevision: options.gitRevision,
            gslGenerator: RandomStreams.generatorName, gslVersion: RandomStreams.gslVersion,
            horizonTicks: s.horizonTicks, warmupTicks: s.warmupTicks)
    }

    // MARK: Records to rows

    /// The rows stored for one run. With `recordDetail` false only the chain facts are kept.
    static func detail(_ r: MarketRunResult, recordDetail: Bool) throws -> MarketRunDetail {
        let chain = ChainRunRow(
            chainDigest: r.chainDigest, stateRoot: r.stateRoot, submitted: r.transactionsSubmitted,
            committed: r.transactionsCommitted, failed: r.transactionsFailed, refused: r.transactionsRefused,
            signatureVerifications: r.signatureVerifications, signaturesMade: r.signaturesMade,
            events: try integer(r.events, "events"), blocks: r.blocks.count, studies: r.studies.count,
            studiesReported: r.studies.filter { $0.reportCommitted != nil }.count,
            oracleViolations: r.oracleViolations)
        guard recordDetail else {
            return MarketRunDetail(studies: [], radiologistDays: [], samples: [], blocks: [], chain: chain)
        }
        var studies: [MarketStudyRow] = []
        studies.reserveCapacity(r.studies.count)
        for (i, s) in r.studies.enumerated() {
            var row = MarketStudyRow(
                    key: s.key, ordinal: i, client: s.client, clientType: s.clientType, modality: s.modality,
                    urgency: s.urgency, subspecialty: s.subspecialty,
                    chainStudyID: try s.chainStudyID.map { try integer($0, "chain study id") }, arrival: s.arrival,
                    posted: s.posted, firstCommitted: s.firstCommitted, assigned: s.assigned, readStart: s.readStart,
                    readEnd: s.readEnd, reportCommitted: s.reportCommitted, settled: s.settled,
                    requiredTurnaround: s.requiredTurnaround, turnaround: s.turnaround,
                    pricePaid: try integer(s.pricePaid, "price paid"),
                    radiologistPay: try integer(s.radiologistPay, "radiologist pay"),
                    intermediaryMargin: try integer(s.intermediaryMargin, "intermediary margin"),
                    clientFees: try integer(s.clientFees, "client fees"), radiologist: s.radiologist,
                    truthFinding: s.truthFinding, truthSeverity: s.truthSeverity, outcome: s.outcome,
                    discrepancy: s.discrepancy, changedByAI: s.changedByAI, peerReviewed: s.peerReviewed,
                    reviewScore: s.reviewScore, detected: s.detected, feedback: s.feedback,
                    followUpRecommended: s.followUpRecommended, followUpCompleted: s.followUpCompleted,
                    reposts: s.reposts, status: s.status, measured: s.measured)
            row.hoursIntoShift = s.hoursIntoShift
            row.shiftVolume = s.shiftVolume
            row.pace = s.pace
            row.errorProbability = s.errorProbability
            studies.append(row)
        }
        let days = try r.radiologistDays.map { d in
            RadiologistDayRow(
                radiologist: d.radiologist, day: d.day, cohort: d.cohort, hoursOnShift: d.hoursOnShift,
                hoursReading: d.hoursReading, reads: d.reads, wRVU: d.wRVU, income: try integer(d.income, "income"),
                pace: d.pace, burnout: d.burnout, burnedOut: d.burnedOut, active: d.active, exited: d.exited,
                cutHours: d.cutHours)
        }
        let samples = r.samples.map { s in
            MarketSampleRow(
                time: s.time, openOrders: s.openOrders, inProgress: s.inProgress, meanPrice: s.meanPrice,
                onShift: s.onShift, utilisation: s.utilisation, activeRadiologists: s.activeRadiologists,
                burnedOut: s.burnedOut, datasetSize: s.datasetSize)
        }
        let blocks = try r.blocks.map { b in
            ChainBlockRow(
                height: try integer(b.height, "block height"), time: b.time, round: b.round,
                transactions: b.transactions, bytes: b.bytes, failed: b.failed)
        }
        return MarketRunDetail(studies: studies, radiologistDays: days, samples: samples, blocks: blocks, chain: chain)
    }

    /// An unsigned count or amount as SQLite's signed 64-bit integer; beyond 2^63 − 1 is an error, never wrapped.
    static func integer(_ x: UInt64, _ what: String) throws -> Int64 {
        guard let v = Int64(exactly: x) else { throw StudyError("\(what) \(x) does not fit a 64-bit SQLite integer") }
        return v
    }

    static func runMetrics(_ r: MarketRunResult, currency: Currency) -> [RunMetric] {
        r.headline.map { RunMetric(name: $0.name, value: $0.value, unit: unit($0.unit, currency)) }
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

// MARK: - Workers' shared state

/// What one worker hands over for one (design, replication) index.
enum RunOutcome {
    case result(MarketRunResult)
    case failure(any Error)
    /// Not started: an earlier run failed.
    case skipped
}

/// Hands out run indices to workers and writes finished runs to the store in index order.
///
/// A worker that delivers index i then writes every consecutive finished run from the next unwritten index on,
/// holding `writeLock`, so the database is written in (design, replication) order and a finished run's records
/// are released as soon as they are stored.
final class RunWriter: @unchecked Sendable {
    private let lock = NSLock()
    private let writeLock = NSLock()
    private let store: ResultsStore
    private let runIDs: [RunID]
    private let currency: Currency
    private let recordDetail: Bool
    private let recordChain: Bool
    private var slots: [RunOutcome?]
    private var handedOut = 0
    private var nextToWrite = 0
    private var _stopped = false
    private var _firstError: (index: Int, error: any Error)?
    /// Per index, once written.
    private(set) var summaries: [MarketRunSummary?]
    private(set) var headlines: [[HeadlineMetric]?]

    init(store: ResultsStore, runIDs: [RunID], currency: Currency, recordDetail: Bool, recordChain: Bool = true) {
        self.store = store
        self.runIDs = runIDs
        self.currency = currency
        self.recordDetail = recordDetail
        self.recordChain = recordChain
        slots = Array(repeating: nil, count: runIDs.count)
        summaries = Array(repeating: nil, count: runIDs.count)
        headlines = Array(repeating: nil, count: runIDs.count)
    }

    /// The next run to start, or nil when all have been handed out.
    func nextIndex() -> Int? {
        lock.withLock {
            guard handedOut < runIDs.count else { return nil }
            handedOut += 1
            return handedOut - 1
        }
    }

    /// A run failed: start no more.
    var stopped: Bool { lock.withLock { _stopped } }

    /// The failure of the lowest-indexed failed run, if any (read after all workers are done).
    var firstError: (any Error)? { lock.withLock { _firstError?.error } }

    func deliver(_ i: Int, _ outcome: RunOutcome) {
        lock.withLock { slots[i] = outcome }
        writeLock.lock()
        defer { writeLock.unlock() }
        while true {
            let next: (Int, RunOutcome)? = lock.withLock {
                guard nextToWrite < slots.count, let o = slots[nextToWrite] else { return nil }
                slots[nextToWrite] = nil
                nextToWrite += 1
                return (nextToWrite - 1, o)
            }
            guard let next else { return }
            write(next.0, next.1)
        }
    }

    private func write(_ i: Int, _ outcome: RunOutcome) {
        let id = runIDs[i]
        switch outcome {
        case .result(let r):
            do {
                var detail = try MarketStudy.detail(r, recordDetail: recordDetail)
                if recordChain { detail.storedChain = try MarketStudy.storedChain(r) }
                try store.finishMarketRun(id, detail: detail, metrics: MarketStudy.runMetrics(r, currency: currency))
                let summary = MarketStudy.runSummary(r, id: id)
                lock.withLock {
                    summaries[i] = summary
                    headlines[i] = r.headline
                }
            } catch {
                fail(i, error)
            }
        case .failure(let error):
            fail(i, error)
        case .skipped:
            try? store.finishRun(id, status: .failed, metrics: [], error: "not run: an earlier run of the study failed")
        }
    }

    private func fail(_ i: Int, _ error: any Error) {
        lock.withLock {
            _stopped = true
            if _firstError == nil || i < _firstError!.index { _firstError = (i, error) }
        }
        try? store.finishRun(runIDs[i], status: .failed, metrics: [], error: "\(error)")
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
