import Contracts
import DiscreteEvent
import Foundation
import Ledger
import Market
import MarketModel
import Results
import Scenario

// `readchain audit ai` (issue 18, item 4): the validated-label dataset and the AI second reader's learning curve,
// rebuilt from a run's stored chain alone, after the chain replayed and verified as `readchain replay` checks it.
//
// What the chain holds: each adjudicating transaction (`submitPeerReview`, `completeFollowUp`, `submitFeedback`)
// carries its labels (a finding code and the read's outcome against the adjudicated truth), signed by the
// adjudicator; its receipt's `label.appended` event gives the dataset sequence number and the labels' hash; the
// study's `study.posted` event gives its modality; the block header gives the time. The final state holds the
// dataset itself (`LabelRecord`s under `label/<seq>`), authenticated by the state root. What it does not hold: the
// AI's own verdict on a read (the outcome is the report's, after the AI second reader), and the AI's learning-curve
// parameters (the scenario's `ai` section, stored with the run's provenance, off chain). The AI's own verdict on
// each read is in the report (`ReportSubmission.aiFinding`, issue 18 item 4): against the adjudicated truth of the
// labelled studies it gives the AI's own measured sensitivity and specificity, beside the reports' (after the AI).

/// Findings adjudicated, by the read's outcome against the adjudicated truth.
public struct OutcomeCounts: Codable, Sendable, Equatable {
    public var truePositive = 0
    public var falsePositive = 0
    public var trueNegative = 0
    public var falseNegative = 0

    public init() {}

    public var total: Int { truePositive + falsePositive + trueNegative + falseNegative }

    public mutating func add(_ outcome: ReadOutcome) {
        switch outcome {
        case .truePositive: truePositive += 1
        case .falsePositive: falsePositive += 1
        case .trueNegative: trueNegative += 1
        case .falseNegative: falseNegative += 1
        }
    }

    public mutating func add(_ other: OutcomeCounts) {
        truePositive += other.truePositive
        falsePositive += other.falsePositive
        trueNegative += other.trueNegative
        falseNegative += other.falseNegative
    }

    /// TP / (TP + FN): nil when no adjudicated finding had a finding.
    public var sensitivity: Double? {
        let n = truePositive + falseNegative
        return n == 0 ? nil : Double(truePositive) / Double(n)
    }

    /// TN / (TN + FP): nil when no adjudicated finding was without one.
    public var specificity: Double? {
        let n = trueNegative + falsePositive
        return n == 0 ? nil : Double(trueNegative) / Double(n)
    }

    /// (TP + TN) / all: nil when there is none.
    public var accuracy: Double? { total == 0 ? nil : Double(truePositive + trueNegative) / Double(total) }
}

/// One entry of the validated-label dataset as the chain records it.
public struct ChainLabel: Sendable, Equatable {
    /// The dataset's sequence number (`label/<seq>`, from 1).
    public var seq: UInt64
    /// The on-chain study id.
    public var study: UInt64
    public var height: Int64
    /// The block's header time, ticks since the run's start.
    public var blockTime: Int64
    /// The study's modality, from its `study.posted` event.
    public var modality: Modality
    public var source: LabelSource
    /// Who signed the adjudication (the peer reviewer, or the client).
    public var adjudicator: Address
    /// The adjudicated findings, from the signed transaction.
    public var findings: [FindingLabel]
    public var labelsHash: Hash
    /// The AI second reader's own verdict in the study's report (true: "finding"); nil when no AI read it.
    public var aiFinding: Bool?

    /// Whether the adjudicated truth has a finding (some label's outcome is a true positive or a false negative).
    public var truthFinding: Bool { findings.contains { $0.outcome == .truePositive || $0.outcome == .falseNegative } }

    /// The AI's own verdict against the adjudicated truth; nil when no AI read the study.
    public var aiOutcome: ReadOutcome? {
        aiFinding.map { ai in
            switch (ai, truthFinding) {
            case (true, true): .truePositive
            case (true, false): .falsePositive
            case (false, false): .trueNegative
            case (false, true): .falseNegative
            }
        }
    }
}

/// Collects the dataset from replayed blocks: every `label.appended` event with the labels its transaction carries.
public struct ChainDataset {
    public private(set) var labels: [ChainLabel] = []
    /// Modality of each posted on-chain study (looked up, never iterated).
    private var modalityOf: [UInt64: Modality] = [:]
    /// Modalities of the studies posted on chain, in `Modality.allCases` order.
    public var postedModalities: [Modality] { Modality.allCases.filter { posted.contains($0) } }
    private var posted: Set<Modality> = []
    /// The AI verdict of each committed report, by on-chain study (looked up, never iterated; `reports` keeps the
    /// order).
    private var aiFindingOf: [UInt64: Bool?] = [:]
    /// Every committed report, in chain order, with its on-chain study.
    public private(set) var reports: [(study: UInt64, report: ReportSubmission)] = []
    public private(set) var failures: [ReplayFailure] = []

    public init() {}

    /// The study and labels of an adjudicating message.
    static func adjudication(_ m: Message) -> (study: UInt64, labels: [FindingLabel])? {
        switch m {
        case .submitPeerReview(let id, _, let labels), .completeFollowUp(let id, let labels),
            .submitFeedback(let id, _, let labels):
            (id, labels)
        default: nil
        }
    }

    public mutating func add(_ b: ReplayedBlock) {
        let time = b.block.header.timeTicks
        for (k, (tx, r)) in zip(b.block.transactions, b.receipts).enumerated() where r.code == .ok {
            for case .studyPosted(let id, _, let modality, _, _, _, _) in b.events[k] {
                modalityOf[id] = modality
                posted.insert(modality)
            }
            if b.events[k].contains(where: { if case .studyReported = $0 { true } else { false } }),
                case .submitReport(let id, let report)? = try? Message.decode(canonical: tx.message)
            {
                aiFindingOf[id] = report.aiFinding
                reports.append((id, report))
            }
            for case .labelAppended(let seq, let study, let hash, let source) in b.events[k] {
                let problem: String?
                let adjudication = (try? Message.decode(canonical: tx.message)).flatMap(Self.adjudication)
                if let adjudication, adjudication.study == study, LabelRecord.labelsHash(adjudication.labels) == hash,
                    let modality = modalityOf[study]
                {
                    labels.append(
                        ChainLabel(
                            seq: seq, study: study, height: b.height, blockTime: time, modality: modality,
                            source: source, adjudicator: tx.sender.address, findings: adjudication.labels,
                            labelsHash: hash, aiFinding: aiFindingOf[study] ?? nil))
                    problem = nil
                } else if let adjudication {
                    problem =
                        adjudication.study != study
                        ? "the event names study \(study), the transaction study \(adjudication.study)"
                        : LabelRecord.labelsHash(adjudication.labels) != hash
                            ? "the event's labels hash \(hash.hex) is not the hash of the labels the transaction carries"
                            : "study \(study) was never posted on this chain"
                } else {
                    problem = "its transaction is not an adjudication (peer review, follow-up or feedback)"
                }
                if let problem {
                    failures.append(
                        ReplayFailure(
                            height: b.height, kind: "label", message: "label \(seq) (transaction \(k)): \(problem)"))
                }
            }
        }
    }

    /// The labels rebuilt from the transactions against the dataset in the final state (`app.labels`, under the
    /// state root replay verified): the same entries, in sequence order, field by field.
    public mutating func check(against state: [LabelRecord], height: Int64?) {
        var problems: [String] = []
        if state.count != labels.count {
            problems.append(
                "the final state holds \(state.count) labels, the chain's transactions appended \(labels.count)")
        }
        for (i, (l, r)) in zip(labels, state).enumerated() {
            let expected = UInt64(i + 1)
            var wrong: [String] = []
            if l.seq != expected { wrong.append("sequence \(l.seq), expected \(expected)") }
            if r.studyID != l.study { wrong.append("study \(r.studyID) in state, \(l.study) on chain") }
            if r.source != l.source { wrong.append("source \(r.source.name) in state, \(l.source.name) on chain") }
            if r.height != UInt64(l.height) { wrong.append("height \(r.height) in state, \(l.height) on chain") }
            if r.modality != l.modality {
                wrong.append("modality \(r.modality.name) in state, \(l.modality.name) on chain")
            }
            if r.adjudicator != l.adjudicator { wrong.append("adjudicator differs") }
            if r.labelsHash != l.labelsHash || r.labels != l.findings { wrong.append("labels differ") }
            if !wrong.isEmpty { problems.append("label \(expected): " + wrong.joined(separator: "; ")) }
        }
        failures += problems.map { ReplayFailure(height: height, kind: "dataset", message: $0) }
    }
}

/// One dataset entry as `--labels` lists it.
public struct AIAuditLabel: Codable, Sendable, Equatable {
    public struct Finding: Codable, Sendable, Equatable {
        public var findingCode: Int
        /// `truePositive`, `falsePositive`, `trueNegative`, `falseNegative`.
        public var outcome: String
    }
    public var seq: UInt64
    public var study: UInt64
    public var height: Int64
    /// The block's header time, ticks (1 µs) since the run's start.
    public var blockTimeTicks: Int64
    public var modality: String
    /// `peer_review`, `follow_up`, `referrer_feedback`.
    public var source: String
    public var adjudicator: String
    public var findings: [Finding]

    init(_ l: ChainLabel) {
        seq = l.seq
        study = l.study
        height = l.height
        blockTimeTicks = l.blockTime
        modality = l.modality.name
        source = l.source.name
        adjudicator = l.adjudicator.hex
        findings = l.findings.map { Finding(findingCode: Int($0.findingCode), outcome: $0.outcome.name) }
    }
}

/// One modality's adjudicated findings in a time bin, and the AI's curve at the end of it.
public struct AIAuditModalityBin: Codable, Sendable, Equatable {
    public var modality: String
    /// Findings adjudicated in the bin.
    public var new: OutcomeCounts
    /// Findings adjudicated up to the end of the bin.
    public var cumulative: OutcomeCounts
    /// The scenario's AI curve at the dataset size at the end of the bin (nil: AI off or parameters unreadable).
    public var aiSensitivity: Double?
    public var aiSpecificity: Double?
    /// The AI's own verdicts (in the reports on chain) on the labelled studies up to the end of the bin, against
    /// the adjudicated truth, and the sensitivity and specificity they measure (nil: none).
    public var aiMeasured: OutcomeCounts
    public var aiMeasuredSensitivity: Double?
    public var aiMeasuredSpecificity: Double?
}

/// One time bin (a simulated day by default) of the learning curve.
public struct AIAuditBin: Codable, Sendable, Equatable {
    /// Index of the bin from the run's start.
    public var index: Int
    /// Start and end of the bin, hours since the run's start (labels are placed by their block's header time).
    public var fromHours: Double
    public var toHours: Double
    /// Dataset entries (adjudicated cases) appended in the bin, and up to its end.
    public var newLabels: Int
    public var labels: Int
    /// The AI's dataset at the end of the bin: the scenario's initial dataset plus `labels` (nil when unreadable).
    public var datasetSize: Int?
    /// Every modality's findings up to the end of the bin.
    public var cumulative: OutcomeCounts
    /// Sensitivity, specificity and accuracy of the reads (the report, after the AI second reader) against the
    /// adjudicated truth, over `cumulative`.
    public var readSensitivity: Double?
    public var readSpecificity: Double?
    public var readAccuracy: Double?
    /// The same over the peer-review labels alone (a random sample of reports; follow-ups select positive reports
    /// and confirming feedback selects errors).
    public var peerReviewSensitivity: Double?
    public var peerReviewSpecificity: Double?
    /// The AI's own verdicts against the adjudicated truth, every modality, up to the end of the bin.
    public var aiMeasured: OutcomeCounts
    public var aiMeasuredSensitivity: Double?
    public var aiMeasuredSpecificity: Double?
    public var modalities: [AIAuditModalityBin]
}

/// One modality's dataset at the end of the run.
public struct AIAuditTotal: Codable, Sendable, Equatable {
    /// A modality's name, or `all`.
    public var modality: String
    public var outcomes: OutcomeCounts
    public var readSensitivity: Double?
    public var readSpecificity: Double?
    /// The AI's own verdicts (in the reports) on the labelled studies against the adjudicated truth.
    public var aiOutcomes: OutcomeCounts
    public var aiSensitivity: Double?
    public var aiSpecificity: Double?
    /// Dataset entries (cases) by source.
    public var peerReview: Int
    public var followUp: Int
    public var referrerFeedback: Int
}

/// What the rebuilt dataset was compared with in the simulator's own records.
public struct AISimulatorCheck: Codable, Sendable, Equatable {
    /// Hourly `market_samples.dataset_size` values compared with the scenario's initial dataset plus the labels
    /// committed by the sample's time (each block placed at its stored first-commit time, `chain_blocks`).
    public var samplesCompared: Int
    /// Labelled studies whose `market_studies` row (by `chain_study_id`) was compared: modality, outcome, whether
    /// the truth has a finding, and the adjudication its source names.
    public var studiesCompared: Int
    /// Rows peer-reviewed or with a completed follow-up, checked to have a label on chain (when labels are shared).
    public var adjudicatedRowsChecked: Int
    /// Reports on chain compared with their study's row: the AI's verdict (`ai_finding`), the structured flag
    /// (`structured_report`), the follow-up recommendation (`follow_up_recommended`) and its appropriateness by the
    /// genesis guideline (`follow_up_appropriate`).
    public var aiVerdictsCompared: Int
    public var ok: Bool
}

/// The AI audit of one run.
public struct AIAuditRun: Codable, Sendable, Equatable {
    public var runID: Int64
    public var design: String
    public var replication: Int
    public var signatures: String
    /// The chain verified, the dataset rebuilt from its transactions equals the final state's, and the simulator's
    /// records (when stored) equal it.
    public var ok: Bool
    public var counts: ReplayCounts
    public var finalStateRoot: String?
    /// Everything wrong: replay's failures, `label`, `dataset` and `simulator` ones. Figures are withheld when any.
    public var failures: [ReplayFailure]
    /// The scenario's AI second reader (nil when the stored scenario does not parse).
    public var aiEnabled: Bool?
    public var datasetSharing: Bool?
    public var initialDataset: Int?
    /// Dataset entries (adjudicated cases) and findings on chain.
    public var labels: Int
    public var findings: Int
    /// Per modality posted on chain (`Modality` order), then `all`.
    public var totals: [AIAuditTotal]
    public var bins: [AIAuditBin]
    /// Nil when the run stored no per-study rows (`--no-observations`) or the figures were withheld.
    public var simulatorCheck: AISimulatorCheck?
    /// Every dataset entry in sequence order, when asked for (`--labels`).
    public var labelEntries: [AIAuditLabel]?
}

/// What `readchain audit ai` reports.
public struct AIAuditReport: Codable, Sendable, Equatable {
    public var database: String
    /// Width of a time bin, hours.
    public var binHours: Double
    public var ok: Bool
    public var runs: [AIAuditRun]
}

public enum AIAudit {
    /// Rebuilds the dataset and the learning curve of the finished market runs of the database at `path` (or only
    /// `run`) from their stored chains, in bins of `binTicks` (a simulated day by default).
    ///
    /// - Throws: ``ReplayError`` when the file is missing, `run` is not a finished market run or the database has
    ///   none; ``ResultsError`` when the database cannot be read. A chain that does not verify, a dataset that
    ///   differs from the final state, and simulator records that differ from the chain are failures in the
    ///   report.
    public static func audit(
        databasePath path: String, run: Int64? = nil, binTicks: Int64 = SimTime.ticksPerDay,
        includeLabels: Bool = false
    ) throws -> AIAuditReport {
        precondition(binTicks > 0, "a time bin must be positive")
        guard FileManager.default.fileExists(atPath: path) else { throw ReplayError("no such database: \(path)") }
        let store = try ResultsStore(readingOnly: path)
        defer { try? store.close() }
        let selected: [RunRecord]
        do { selected = try ChainReplay.selectRuns(store, run: run) } catch let e as ReplayError {
            throw ReplayError("\(path): \(e.message)")
        }
        var runs: [AIAuditRun] = []
        for r in selected { runs.append(try audit(store, r, binTicks: binTicks, includeLabels: includeLabels)) }
        return AIAuditReport(
            database: path, binHours: Double(binTicks) / Double(SimTime.ticksPerHour), ok: runs.allSatisfy(\.ok),
            runs: runs)
    }

    static func audit(_ store: ResultsStore, _ run: RunRecord, binTicks: Int64, includeLabels: Bool) throws
        -> AIAuditRun
    {
        var dataset = ChainDataset()
        let (replay, app) = try ChainReplay.replay(store, run, observe: { dataset.add($0) })
        if let app, !replay.failures.contains(where: { $0.kind == "no-chain" }) {
            dataset.check(against: app.labels, height: replay.counts.blocks == 0 ? nil : Int64(replay.counts.blocks))
        }
        let ai = aiParameters(run)
        var out = AIAuditRun(
            runID: run.id.rawValue, design: replay.design, replication: replay.replication,
            signatures: replay.signatures, ok: false, counts: replay.counts, finalStateRoot: replay.finalStateRoot,
            failures: replay.failures + dataset.failures, aiEnabled: ai?.enabled, datasetSharing: ai?.datasetSharing,
            initialDataset: ai?.initialDataset, labels: 0, findings: 0, totals: [], bins: [], simulatorCheck: nil,
            labelEntries: nil)
        // Nothing is reported from a chain (or records) that did not verify.
        guard out.failures.isEmpty else { return out }
        let labels = dataset.labels
        out.labels = labels.count
        out.findings = labels.reduce(0) { $0 + $1.findings.count }
        if includeLabels { out.labelEntries = labels.map(AIAuditLabel.init) }
        var modalities = dataset.postedModalities
        for l in labels where !modalities.contains(l.modality) { modalities.append(l.modality) }
        modalities = Modality.allCases.filter { modalities.contains($0) }
        out.totals = totals(labels, modalities: modalities)
        out.bins = bins(
            labels, modalities: modalities, binTicks: binTicks, horizon: run.provenance.horizonTicks, ai: ai)
        var failures: [ReplayFailure] = []
        out.simulatorCheck = try compareWithSimulator(
            store, run, labels, reports: dataset.reports, quality: app?.genesis.quality, ai: ai, &failures)
        out.failures = failures
        out.ok = failures.isEmpty
        return out
    }

    /// The scenario's AI second reader (off chain: the run's stored scenario text), or nil when it does not parse
    /// as a market scenario.
    static func aiParameters(_ run: RunRecord) -> AISecondReader? {
        guard
            let file = try? ScenarioLoader.parse(text: run.provenance.scenarioText, path: run.provenance.scenarioName),
            case .market(let model) = file.model
        else { return nil }
        return model.ai
    }

    /// Per modality (in the order given), then every modality together.
    static func totals(_ labels: [ChainLabel], modalities: [Modality]) -> [AIAuditTotal] {
        func total(_ name: String, _ selected: [ChainLabel]) -> AIAuditTotal {
            var outcomes = OutcomeCounts()
            var aiOutcomes = OutcomeCounts()
            for l in selected {
                for f in l.findings { outcomes.add(f.outcome) }
                if let o = l.aiOutcome { aiOutcomes.add(o) }
            }
            return AIAuditTotal(
                modality: name, outcomes: outcomes, readSensitivity: outcomes.sensitivity,
                readSpecificity: outcomes.specificity, aiOutcomes: aiOutcomes, aiSensitivity: aiOutcomes.sensitivity,
                aiSpecificity: aiOutcomes.specificity,
                peerReview: selected.filter { $0.source == .peerReview }.count,
                followUp: selected.filter { $0.source == .followUp }.count,
                referrerFeedback: selected.filter { $0.source == .referrerFeedback }.count)
        }
        return modalities.map { m in total(m.name, labels.filter { $0.modality == m }) } + [total("all", labels)]
    }

    /// The learning curve: one bin per `binTicks` from the run's start to its horizon (or the last label).
    static func bins(
        _ labels: [ChainLabel], modalities: [Modality], binTicks: Int64, horizon: Int64, ai: AISecondReader?
    ) -> [AIAuditBin] {
        let lastTime = max(horizon - 1, labels.last?.blockTime ?? 0, 0)
        let count = Int(lastTime / binTicks) + 1
        let model = ai.flatMap { $0.enabled ? AISecondReaderModel(parameters: $0) : nil }
        let hour = Double(SimTime.ticksPerHour)
        var out: [AIAuditBin] = []
        var next = 0  // labels are in block (time) order
        var cases = 0
        var all = OutcomeCounts()
        var peer = OutcomeCounts()
        var aiAll = OutcomeCounts()
        var cumulative = [OutcomeCounts](repeating: OutcomeCounts(), count: modalities.count)
        var aiCumulative = [OutcomeCounts](repeating: OutcomeCounts(), count: modalities.count)
        for i in 0..<count {
            let end = Int64(i + 1) * binTicks
            var new = [OutcomeCounts](repeating: OutcomeCounts(), count: modalities.count)
            var added = 0
            while next < labels.count, labels[next].blockTime < end {
                let l = labels[next]
                next += 1
                added += 1
                guard let m = modalities.firstIndex(of: l.modality) else { continue }
                if let o = l.aiOutcome {
                    aiCumulative[m].add(o)
                    aiAll.add(o)
                }
                for f in l.findings {
                    new[m].add(f.outcome)
                    all.add(f.outcome)
                    if l.source == .peerReview { peer.add(f.outcome) }
                }
            }
            cases += added
            let size = ai.map { $0.initialDataset + cases }
            var perModality: [AIAuditModalityBin] = []
            for (k, m) in modalities.enumerated() {
                cumulative[k].add(new[k])
                perModality.append(
                    AIAuditModalityBin(
                        modality: m.name, new: new[k], cumulative: cumulative[k],
                        aiSensitivity: size.flatMap { n in model?.sensitivity(m, datasetSize: n) },
                        aiSpecificity: size.flatMap { n in model?.specificity(m, datasetSize: n) },
                        aiMeasured: aiCumulative[k], aiMeasuredSensitivity: aiCumulative[k].sensitivity,
                        aiMeasuredSpecificity: aiCumulative[k].specificity))
            }
            out.append(
                AIAuditBin(
                    index: i, fromHours: Double(Int64(i) * binTicks) / hour, toHours: Double(end) / hour,
                    newLabels: added, labels: cases, datasetSize: size, cumulative: all,
                    readSensitivity: all.sensitivity, readSpecificity: all.specificity, readAccuracy: all.accuracy,
                    peerReviewSensitivity: peer.sensitivity, peerReviewSpecificity: peer.specificity,
                    aiMeasured: aiAll, aiMeasuredSensitivity: aiAll.sensitivity,
                    aiMeasuredSpecificity: aiAll.specificity, modalities: perModality))
        }
        return out
    }

    /// The rebuilt dataset against the simulator's own records of the run: the hourly dataset size it sampled,
    /// and each labelled study's row. Nil when the run stored no per-study rows (`--no-observations`).
    static func compareWithSimulator(
        _ store: ResultsStore, _ run: RunRecord, _ labels: [ChainLabel],
        reports: [(study: UInt64, report: ReportSubmission)],
        quality: QualityParameters?, ai: AISecondReader?, _ failures: inout [ReplayFailure]
    ) throws -> AISimulatorCheck? {
        let rows = try store.marketStudies(run: run.id)
        guard !rows.isEmpty else { return nil }
        var check = AISimulatorCheck(
            samplesCompared: 0, studiesCompared: 0, adjudicatedRowsChecked: 0, aiVerdictsCompared: 0, ok: false)
        var problems: [(Int64?, String)] = []
        // Hourly dataset size: the world counts a label when it sees its block committed (`chain_blocks.time`).
        if let ai {
            var committedAt: [Int64: Int64] = [:]  // height -> first-commit time (looked up only)
            for b in try store.chainBlocks(run: run.id) { committedAt[Int64(b.height)] = b.time }
            let times = labels.map { committedAt[$0.height] }
            if let missing = labels.indices.first(where: { times[$0] == nil }) {
                problems.append((labels[missing].height, "chain_blocks has no row for the label's block"))
            } else {
                let sorted = times.map { $0! }.sorted()
                var next = 0
                for s in try store.marketSamples(run: run.id) {
                    while next < sorted.count, sorted[next] <= s.time { next += 1 }
                    check.samplesCompared += 1
                    let expected = ai.initialDataset + next
                    if s.datasetSize != expected {
                        problems.append(
                            (
                                nil,
                                "market_samples at \(hours(s.time)) h: dataset_size \(s.datasetSize), the chain gives "
                                    + "\(expected) (\(ai.initialDataset) initial + \(next) labels committed)"
                            ))
                    }
                }
            }
        }
        // Each label's study row.
        var rowOf: [UInt64: Int] = [:]  // on-chain study id -> row index (looked up only)
        for (i, r) in rows.enumerated() { if let c = r.chainStudyID { rowOf[c] = i } }
        var labelled: Set<UInt64> = []  // membership only
        for l in labels {
            labelled.insert(l.study)
            guard let i = rowOf[l.study] else {
                problems.append((l.height, "label \(l.seq): no market_studies row has on-chain study \(l.study)"))
                continue
            }
            let row = rows[i]
            check.studiesCompared += 1
            var wrong: [String] = []
            if row.modality != l.modality { wrong.append("modality \(row.modality.name), chain \(l.modality.name)") }
            if l.findings.count != 1 {
                wrong.append("the chain has \(l.findings.count) findings; the simulator labels one per study")
            } else {
                let f = l.findings[0]
                if row.outcome != f.outcome {
                    wrong.append("outcome \(row.outcome?.name ?? "none"), chain \(f.outcome.name)")
                }
                if row.truthFinding != (f.findingCode != 0) {
                    wrong.append("truth has a finding: \(row.truthFinding), chain finding code \(f.findingCode)")
                }
            }
            switch l.source {
            case .peerReview where !row.peerReviewed: wrong.append("a peer-review label, the row is not peer-reviewed")
            case .followUp where !row.followUpCompleted:
                wrong.append("a follow-up label, the row's follow-up is not completed")
            case .referrerFeedback where row.feedback == nil: wrong.append("a feedback label, the row has no feedback")
            default: break
            }
            if !wrong.isEmpty {
                problems.append(
                    (
                        l.height,
                        "label \(l.seq), study \(row.key) (on-chain \(l.study)): " + wrong.joined(separator: "; ")
                    )
                )
            }
        }
        // Every report's AI verdict, structured flag and follow-up recommendation are the simulator's record of the
        // read, and the genesis guideline judges the recommendation as the simulator did (a report is on the row's
        // latest on-chain study: a study is reported once, on the assignment it holds).
        for r in reports {
            guard let i = rowOf[r.study] else {
                problems.append((nil, "a report of on-chain study \(r.study): no market_studies row has it"))
                continue
            }
            check.aiVerdictsCompared += 1
            let row = rows[i]
            var wrong: [String] = []
            func text(_ v: Bool?) -> String { v.map { $0 ? "finding" : "no finding" } ?? "no AI read" }
            func flag(_ v: Bool?) -> String { v.map { $0 ? "yes" : "no" } ?? "none" }
            if row.aiFinding != r.report.aiFinding {
                wrong.append(
                    "AI verdict \(text(row.aiFinding)) in market_studies, \(text(r.report.aiFinding)) in the report "
                        + "on chain")
            }
            if (row.structuredReport ?? false) != r.report.structured {
                wrong.append(
                    "structured \(flag(row.structuredReport)) in market_studies, \(flag(r.report.structured)) on chain")
            }
            if row.followUpRecommended != (r.report.followUp != nil) {
                wrong.append(
                    "follow-up recommended \(flag(row.followUpRecommended)) in market_studies, "
                        + "\(flag(r.report.followUp != nil)) on chain")
            }
            let judged = quality?.judge(r.report)
            if row.followUpAppropriate != judged {
                wrong.append(
                    "follow-up appropriate \(flag(row.followUpAppropriate)) in market_studies, \(flag(judged)) by the "
                        + "guideline on chain")
            }
            if !wrong.isEmpty {
                problems.append((nil, "study \(row.key) (on-chain \(r.study)): " + wrong.joined(separator: "; ")))
            }
        }
        // Every adjudicated row has its label when the market shares labels.
        if ai?.datasetSharing ?? false {
            for row in rows where row.peerReviewed || row.followUpCompleted {
                check.adjudicatedRowsChecked += 1
                guard let c = row.chainStudyID, labelled.contains(c) else {
                    let how = row.peerReviewed ? "peer-reviewed" : "follow-up completed"
                    problems.append((nil, "study \(row.key): \(how) in market_studies, but no label on chain"))
                    continue
                }
            }
        }
        failures += problems.map { ReplayFailure(height: $0.0, kind: "simulator", message: $0.1) }
        check.ok = problems.isEmpty
        return check
    }

    static func hours(_ ticks: Int64) -> String {
        String(format: "%.2f", Double(ticks) / Double(SimTime.ticksPerHour))
    }
}
