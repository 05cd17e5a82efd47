import Analysis
import DiscreteEvent
import Foundation
import Market
import MarketModel
import Results
import Scenario

/// The data of a market results database, reduced to what `readchain plot` draws. Built by
/// ``MarketPlotData/load(_:)`` from a ``ResultsReader``; every list is in a fixed order (designs in the order
/// their first run was written, urgencies STAT, urgent, routine), so the same database gives the same data.
public struct MarketPlotData: Sendable {
    /// One design's data, pooled or averaged over its finished replications.
    public struct Design: Sendable {
        public var name: String
        /// Finished runs of the design.
        public var replications: Int
        /// Finished runs with detail rows (not simulated with `--no-observations`).
        public var detailReplications: Int
        /// Per urgency: the turnaround of the measured studies, never-reported ones included.
        public var turnaround: [String: TurnaroundCurve]
        /// Cost per study, reading errors and major misses per 1,000 reads: mean and interval from `summaries`.
        public var cost: Interval?
        public var errors: Interval?
        public var majorMisses: Interval?
        /// Replications the summary intervals are over (`summaries.n` of cost per study).
        public var summaryN: Int
        /// Hourly samples averaged over replications: time (ticks), burned-out share of active radiologists,
        /// active radiologists.
        public var samples: [(time: Int64, burnoutShare: Double, active: Double)]
        /// Income per shift hour (major units) of each radiologist of each replication, over the days after the
        /// warm-up, in (run, radiologist) order.
        public var incomePerHour: [(run: Int64, radiologist: Int, value: Double)]
        /// Transactions committed per hour, mean over replications, one value per time bin from 0.
        public var throughput: [Double]
        /// Per time bin of the posting time (bins with at least one study): p50 and p90 of first commit − post,
        /// seconds, pooled over replications, and the number of studies.
        public var latency: [(bin: Int, p50: Double, p90: Double, n: Int)]
        /// Hourly: the AI's dataset size, mean over replications (`readchain audit ai` proves each run's series
        /// equal to the scenario's initial dataset plus the labels its chain committed by then).
        public var datasetMeans: [(time: Int64, size: Double)] = []
    }

    /// One design's turnaround (hours) for one urgency, pooled over its replications: the Kaplan–Meier estimate of
    /// the share of measured studies reported within t (`MarketMetrics.turnaroundEstimate`: a reported study is an
    /// event, one still open at the horizon is censored there, one the client gave up on is never reported), so
    /// the curve levels off below 1 by the share never reported.
    public struct TurnaroundCurve: Sendable, Equatable {
        public var estimate: KaplanMeier
        /// Measured studies: reported, expired (never reported) and open at the horizon.
        public var measured: Int
        public var reported: Int
        public var expired: Int
        public var open: Int

        /// The curve of studies reported after `reportedHours`, still open after `openHours` when the run ended,
        /// and `expired` studies never reported.
        public init(reportedHours: [Double], openHours: [Double] = [], expired: Int = 0) {
            estimate = KaplanMeier(
                events: reportedHours, censored: openHours + Array(repeating: .infinity, count: expired))
            measured = reportedHours.count + openHours.count + expired
            reported = reportedHours.count
            self.expired = expired
            open = openHours.count
        }
    }

    /// A mean with its confidence interval (the mean itself at both ends when there is no interval, n < 2).
    public struct Interval: Sendable, Equatable {
        public var mean: Double
        public var low: Double
        public var high: Double
    }

    public var scenario: String
    public var scenarioSHA256: String
    public var horizonTicks: Int64
    public var warmupTicks: Int64
    /// The currency's code (money is in its major unit) and minor units per major unit.
    public var currency: String
    public var minorPerMajor: Double
    /// Width of the time bins of the throughput and latency series (one hour, or one day past 72 h).
    public var binTicks: Int64
    /// Urgencies with measured studies, STAT, urgent, routine first, then any other in name order.
    public var urgencies: [String]
    /// Per urgency, the required turnaround (hours) when every measured study of it shares one; else absent.
    public var requiredTurnaround: [String: Double]
    public var designs: [Design]
    /// Runs left out because they did not finish, and other remarks for the user.
    public var notes: [String]
    /// The scenario's AI second reader (nil when off or its text does not parse), and the modality whose tool the
    /// learning-curve plot draws: the one with the most studies in the scenario's client volumes.
    public var ai: AISecondReader? = nil
    public var aiModality: Modality? = nil

    static let hour = Double(SimTime.ticksPerHour)
    static let urgencyOrder = [Urgency.stat, .urgent, .routine].map(\.name)

    /// Whether any finished run has detail rows; without them only the cost/quality plot can be drawn.
    public var hasDetail: Bool { designs.contains { $0.detailReplications > 0 } }

    /// Reads and reduces the finished market runs of the database.
    ///
    /// - Throws: ``PlotError/nothingToPlot(_:)`` when the database has no runs, only queue runs, runs of more than
    ///   one scenario, or no finished market run; ``ResultsError`` on a database error.
    public static func load(_ reader: ResultsReader) throws -> MarketPlotData {
        let (finished, unfinishedNotes) = try finishedMarketRuns(reader)
        var notes = unfinishedNotes
        let first = finished[0]

        // Designs in the order their first run was written; all runs of a study share horizon and warm-up.
        var designNames: [String] = []
        for run in finished {
            let name = run.variant ?? run.scenarioName
            if !designNames.contains(name) { designNames.append(name) }
        }
        let runsOf = Dictionary(grouping: finished, by: { $0.variant ?? $0.scenarioName })
        let design = Dictionary(uniqueKeysWithValues: finished.map { ($0.id, $0.variant ?? $0.scenarioName) })
        let ids = finished.map(\.id)
        let detail = try reader.runsWithDetail(ids)
        let horizon = first.horizonTicks
        let binTicks: Int64 = horizon <= 72 * SimTime.ticksPerHour ? SimTime.ticksPerHour : SimTime.ticksPerDay
        let (code, minorPerMajor) = try currency(first.scenarioText, reader: reader, runs: ids)

        let summaries = try reader.summaries(scenarioSHA256: first.scenarioSHA256)
        func interval(_ design: String, _ metric: String) -> Interval? {
            guard let row = summaries.first(where: { $0.variant == design && $0.metric == metric }), !row.mean.isNaN
            else { return nil }
            let low = row.ciLow.flatMap { $0.isNaN ? nil : $0 } ?? row.mean
            let high = row.ciHigh.flatMap { $0.isNaN ? nil : $0 } ?? row.mean
            return Interval(mean: row.mean, low: low, high: high)
        }

        var designs: [Design] = designNames.map { name in
            let runs = runsOf[name]!
            return Design(
                name: name, replications: runs.count, detailReplications: runs.filter { detail.contains($0.id) }.count,
                turnaround: [:], cost: interval(name, "cost_per_study"), errors: interval(name, "errors_per_1000"),
                majorMisses: interval(name, "major_misses_per_1000"),
                summaryN: summaries.first { $0.variant == name && $0.metric == "cost_per_study" }?.n ?? 0,
                samples: [], incomePerHour: [], throughput: [], latency: [])
        }
        let index = Dictionary(uniqueKeysWithValues: designNames.enumerated().map { ($1, $0) })

        // Turnaround (measured studies) and commit latency (every posted and committed study).
        let (urgencies, requiredTurnaround) = try addStudyTimes(
            &designs, reader: reader, ids: ids, index: index, design: design, binTicks: binTicks, horizon: horizon)

        // Income per shift hour, per radiologist and replication.
        try addIncome(&designs, reader: reader, ids: ids, index: index, design: design, minorPerMajor: minorPerMajor)

        // Burnout and active radiologists: the mean over the design's replications at each sample time.
        try addSamples(&designs, reader: reader, ids: ids, index: index, design: design)

        // Throughput: transactions per hour in each bin, mean over the design's replications with detail.
        try addThroughput(
            &designs, reader: reader, ids: ids, index: index, design: design, horizon: horizon, binTicks: binTicks)

        if detail.count < finished.count {
            notes.append(
                "\(finished.count - detail.count) finished runs have no per-study rows (simulated with "
                    + "--no-observations); only cost against quality can be drawn for them")
        }
        let (ai, aiModality) = aiCurve(first.scenarioText)
        return MarketPlotData(
            scenario: first.scenarioName, scenarioSHA256: first.scenarioSHA256, horizonTicks: horizon,
            warmupTicks: first.warmupTicks, currency: code, minorPerMajor: minorPerMajor, binTicks: binTicks,
            urgencies: urgencies, requiredTurnaround: requiredTurnaround, designs: designs, notes: notes, ai: ai,
            aiModality: aiModality)
    }

    /// The scenario's AI second reader when it is on, and the modality with the most studies a day in its clients'
    /// volumes (ties: `Modality` order).
    static func aiCurve(_ scenarioText: String) -> (AISecondReader?, Modality?) {
        guard let file = try? ScenarioLoader.parse(text: scenarioText, path: "runs.scenario_text"),
            case .market(let model) = file.model, model.ai.enabled
        else { return (nil, nil) }
        var volume = [Double](repeating: 0, count: Modality.allCases.count)
        for c in model.clients {
            for v in c.volumes {
                volume[Modality.allCases.firstIndex(of: v.modality)!] += v.studiesPerDay * Double(c.count)
            }
        }
        let top = volume.indices.max { volume[$0] < volume[$1] || (volume[$0] == volume[$1] && $0 > $1) }
        return (model.ai, top.map { Modality.allCases[$0] })
    }

    /// The database's finished market runs (non-empty, of one scenario text), with a note on the unfinished ones.
    static func finishedMarketRuns(_ reader: ResultsReader) throws -> ([PlotRun], [String]) {
        let all = try reader.runs()
        guard !all.isEmpty else { throw PlotError.nothingToPlot("\(reader.path) has no runs: nothing to plot") }
        let market = all.filter { $0.scenarioKind == "market" }
        guard !market.isEmpty else {
            let kinds = Set(all.map(\.scenarioKind)).sorted().joined(separator: ", ")
            let names = Set(all.map(\.scenarioName)).sorted().joined(separator: ", ")
            throw PlotError.nothingToPlot(
                "\(reader.path) holds only \(kinds) runs (scenario \(names)); readchain plot draws market studies "
                    + "(kind: market): nothing to plot")
        }
        let scenarios = Set(market.map(\.scenarioSHA256))
        guard scenarios.count == 1 else {
            throw PlotError.nothingToPlot(
                "\(reader.path) holds market runs of \(scenarios.count) scenario texts ("
                    + Set(market.map(\.scenarioName)).sorted().joined(separator: ", ")
                    + "); plot one simulate output at a time")
        }
        let finished = market.filter { $0.status == .finished }
        var notes: [String] = []
        let unfinished = market.count - finished.count
        if unfinished > 0 {
            let statuses = Set(market.filter { $0.status != .finished }.map(\.status.rawValue)).sorted()
            notes.append(
                "\(unfinished) of \(market.count) market runs are not finished (\(statuses.joined(separator: ", "))) and are left out"
            )
        }
        guard !finished.isEmpty else {
            throw PlotError.nothingToPlot(
                "\(reader.path) has no finished market run (\(market.count) runs, none finished): nothing to plot")
        }
        return (finished, notes)
    }

    /// Turnaround (measured studies, censored at `horizon` when still open) and commit latency (every posted and
    /// committed study); returns the urgencies in display order and each urgency's required turnaround (hours) when
    /// it has a single one.
    static func addStudyTimes(
        _ designs: inout [Design], reader: ResultsReader, ids: [RunID], index: [String: Int], design: [RunID: String],
        binTicks: Int64, horizon: Int64
    ) throws -> ([String], [String: Double]) {
        let studies = try reader.studyTimes(runs: ids)
        var urgencySet = Set<String>()
        var required: [String: Set<Int64>] = [:]
        var latencies = Array(repeating: [Int: [Double]](), count: designs.count)
        // Per design and urgency: hours to report, hours open at the horizon, studies expired.
        var times = Array(
            repeating: [String: (reported: [Double], open: [Double], expired: Int)](), count: designs.count)
        for s in studies {
            let d = index[design[s.run]!]!
            if s.measured {
                urgencySet.insert(s.urgency)
                required[s.urgency, default: []].insert(s.requiredTurnaround)
                if let t = s.turnaround {
                    times[d][s.urgency, default: ([], [], 0)].reported.append(Double(t) / hour)
                } else if s.status == .expired {
                    times[d][s.urgency, default: ([], [], 0)].expired += 1
                } else {
                    times[d][s.urgency, default: ([], [], 0)].open.append(Double(max(0, horizon - s.arrival)) / hour)
                }
            }
            if let posted = s.posted, let committed = s.firstCommitted {
                latencies[d][Int(posted / binTicks), default: []].append(
                    Double(committed - posted) / Double(SimTime.ticksPerSecond))
            }
        }
        for d in designs.indices {
            for (u, t) in times[d] {
                designs[d].turnaround[u] = TurnaroundCurve(
                    reportedHours: t.reported, openHours: t.open, expired: t.expired)
            }
            designs[d].latency = latencies[d].keys.sorted().map { bin in
                let xs = latencies[d][bin]!
                return (bin, MarketMetrics.quantile(xs, 0.5), MarketMetrics.quantile(xs, 0.9), xs.count)
            }
        }
        let urgencies =
            urgencyOrder.filter(urgencySet.contains) + urgencySet.subtracting(urgencyOrder).sorted()
        var requiredTurnaround: [String: Double] = [:]
        for (u, values) in required where values.count == 1 { requiredTurnaround[u] = Double(values.first!) / hour }
        return (urgencies, requiredTurnaround)
    }

    /// Income per shift hour, per radiologist and replication.
    static func addIncome(
        _ designs: inout [Design], reader: ResultsReader, ids: [RunID], index: [String: Int], design: [RunID: String],
        minorPerMajor: Double
    ) throws {
        for r in try reader.radiologistIncome(runs: ids) where r.hoursOnShift > 0 {
            let d = index[design[r.run]!]!
            designs[d].incomePerHour.append(
                (r.run.rawValue, r.radiologist, Double(r.incomeMinor) / minorPerMajor / r.hoursOnShift))
        }
    }

    /// Burnout and active radiologists: the mean over the design's replications at each sample time.
    static func addSamples(
        _ designs: inout [Design], reader: ResultsReader, ids: [RunID], index: [String: Int], design: [RunID: String]
    ) throws {
        var sampleSums = Array(
            repeating: [Int64: (share: Double, active: Double, dataset: Double, n: Int)](), count: designs.count)
        for s in try reader.marketSamples(runs: ids) {
            let d = index[design[s.run]!]!
            let share = s.activeRadiologists > 0 ? Double(s.burnedOut) / Double(s.activeRadiologists) : 0
            sampleSums[d][s.time, default: (0, 0, 0, 0)].share += share
            sampleSums[d][s.time]!.active += Double(s.activeRadiologists)
            sampleSums[d][s.time]!.dataset += Double(s.datasetSize)
            sampleSums[d][s.time]!.n += 1
        }
        for d in designs.indices {
            designs[d].samples = sampleSums[d].keys.sorted().map { t in
                let v = sampleSums[d][t]!
                return (t, v.share / Double(v.n), v.active / Double(v.n))
            }
            designs[d].datasetMeans = sampleSums[d].keys.sorted().map { t in
                let v = sampleSums[d][t]!
                return (t, v.dataset / Double(v.n))
            }
        }
    }

    /// Throughput: transactions per hour in each bin, mean over the design's replications with detail.
    static func addThroughput(
        _ designs: inout [Design], reader: ResultsReader, ids: [RunID], index: [String: Int], design: [RunID: String],
        horizon: Int64, binTicks: Int64
    ) throws {
        let bins = Int((horizon + binTicks - 1) / binTicks)
        var txPerBin = Array(repeating: Array(repeating: 0, count: max(bins, 1)), count: designs.count)
        for b in try reader.blocks(runs: ids) {
            let d = index[design[b.run]!]!
            let bin = min(Int(b.time / binTicks), txPerBin[d].count - 1)
            txPerBin[d][max(bin, 0)] += b.transactions
        }
        let binHours = Double(binTicks) / hour
        for d in designs.indices where designs[d].detailReplications > 0 {
            designs[d].throughput = txPerBin[d].map { Double($0) / Double(designs[d].detailReplications) / binHours }
        }
    }

    /// The scenario's currency, from its stored text; failing that, from the unit of a money metric.
    static func currency(_ scenarioText: String, reader: ResultsReader, runs: [RunID]) throws -> (String, Double) {
        if let file = try? ScenarioLoader.parse(text: scenarioText, path: "runs.scenario_text"),
            case .market(let model) = file.model
        {
            return (model.currency.code, Double(model.currency.minorPerMajor))
        }
        let unit = try reader.metrics(runs: runs).first { $0.name == "cost_per_study" }?.unit
        guard let unit, let c = Currency.known.first(where: { $0.code == unit }) else {
            throw PlotError.nothingToPlot(
                "cannot tell the currency of \(reader.path): its scenario text does not parse and no money metric "
                    + "names a known currency")
        }
        return (c.code, Double(c.minorPerMajor))
    }
}
