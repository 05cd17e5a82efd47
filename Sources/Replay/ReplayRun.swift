import Contracts
import DiscreteEvent
import Foundation
import Ledger
import Market
import MarketModel
import Results
import Scenario

// `readchain replay`: every finished market run of a results database (or one), replayed from its stored chain
// and compared with what the database says about it. Which metrics the chain determines, and how: README.md
// ("Replay and audit") and Results/README.md.

/// A stored metric next to its recomputation from the chain.
public struct MetricComparison: Codable, Sendable, Equatable {
    public var name: String
    /// NaN is encoded as nil.
    public var stored: Double?
    public var chain: Double?
    public var matches: Bool
}

/// A metric the chain alone determines that the database stores under another definition (shown, not compared).
public struct ChainMetric: Codable, Sendable, Equatable {
    public var name: String
    public var unit: String
    public var value: Double?
}

/// The replay of one run.
public struct RunReplayReport: Codable, Sendable, Equatable {
    public var runID: Int64
    public var design: String
    public var replication: Int
    public var ok: Bool
    public var counts: ReplayCounts
    public var finalStateRoot: String?
    public var storedStateRoot: String?
    /// SHA-256 over (block hash, state root) per height of this chain (`readchain/replay-digest/v1`). The stored
    /// `chain_digest` also covers every node's copy and the simulator's event trace, so it cannot be recomputed
    /// from one chain; it is shown for reference.
    public var replayDigest: String?
    public var storedChainDigest: String?
    /// The scheme the run's signatures were checked under (`ed25519` or `simulated`, from `chain_runs.signatures`;
    /// `ed25519` for a database written before schema v8).
    public var signatures: String
    public var failures: [ReplayFailure]
    /// Stored headline metrics recomputed with the chain's values (exact comparison).
    public var metrics: [MetricComparison]
    /// Per-study fields checked against the chain.
    public var studiesChecked: Int
    /// Chain-only measures (informational).
    public var chainMetrics: [ChainMetric]
}

/// What `readchain replay` reports.
public struct ReplayReport: Codable, Sendable, Equatable {
    public var database: String
    public var ok: Bool
    public var runs: [RunReplayReport]
}

/// A replay that cannot start (no such run, not a market run, nothing to replay).
public struct ReplayError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

public enum ChainReplay {
    /// Replays the finished market runs of the database at `path` (or only `run`).
    ///
    /// - Throws: ``ResultsError`` when the database cannot be read, ``ReplayError`` when `run` is not a finished
    ///   market run or the database has none. Everything wrong with a run's chain or records is a failure in the
    ///   report, not an error.
    public static func replay(databasePath path: String, run: Int64? = nil) throws -> ReplayReport {
        let store = try ResultsStore(readingOnly: path)
        defer { try? store.close() }
        let candidates = try selectRuns(store, run: run)
        var reports: [RunReplayReport] = []
        for r in candidates { reports.append(try replay(store, r)) }
        return ReplayReport(database: path, ok: reports.allSatisfy(\.ok), runs: reports)
    }

    /// The scheme a run's signatures were made with (`ed25519` for a database written before schema v8).
    static func signatures(_ store: ResultsStore, _ run: RunID) throws -> SignatureScheme {
        SignatureScheme(try store.chainRun(run: run)?.signatures ?? .ed25519)
    }

    /// The finished market runs to replay (or the one asked for).
    static func selectRuns(_ store: ResultsStore, run: Int64?) throws -> [RunRecord] {
        let runs = try store.runs()
        var market: [RunRecord] = []
        for r in runs where r.status == .finished {
            if try store.chainRun(run: r.id) != nil { market.append(r) }
        }
        if let run {
            guard let r = runs.first(where: { $0.id.rawValue == run }) else {
                throw ReplayError(
                    "run \(run) is not in the database (runs: \(runs.map { String($0.id.rawValue) }.joined(separator: ", ")))"
                )
            }
            guard market.contains(where: { $0.id == r.id }) else {
                throw ReplayError("run \(run) is not a finished market run (status \(r.status.rawValue))")
            }
            return [r]
        }
        guard !market.isEmpty else { throw ReplayError("the database has no finished market run") }
        return market
    }

    static func replay(_ store: ResultsStore, _ run: RunRecord) throws -> RunReplayReport {
        try replay(store, run, observe: { _ in }).report
    }

    /// Replays one run as ``replay(databasePath:run:)`` does, also handing every executed block to `observe`;
    /// returns the report and the application after the last replayed block (nil when the run kept no chain or
    /// its genesis is unusable).
    static func replay(
        _ store: ResultsStore, _ run: RunRecord, observe: (ReplayedBlock) -> Void
    ) throws -> (report: RunReplayReport, app: ReadChainApp?) {
        let facts = try store.chainRun(run: run.id)
        let scheme = SignatureScheme(facts?.signatures ?? .ed25519)
        var report = RunReplayReport(
            runID: run.id.rawValue, design: run.provenance.variant ?? "", replication: run.provenance.replication,
            ok: false, counts: ReplayCounts(), finalStateRoot: nil, storedStateRoot: facts?.stateRoot,
            replayDigest: nil, storedChainDigest: facts?.chainDigest, signatures: scheme.rawValue, failures: [],
            metrics: [], studiesChecked: 0, chainMetrics: [])
        guard let chain = try store.chain(run: run.id) else {
            report.failures.append(
                ReplayFailure(
                    height: nil, kind: "no-chain", message: "the run kept no chain (simulated with --no-chain?)"))
            return (report, nil)
        }
        var replayer = ChainReplayer(chain: chain, signatures: scheme)
        var collected = ChainFacts()
        replayer.run {
            collected.add($0)
            observe($0)
        }
        report.counts = replayer.counts
        report.failures = replayer.failures
        report.finalStateRoot = replayer.finalStateRoot?.hex
        report.replayDigest = replayer.replayDigest.hex
        if !replayer.stopped, let facts {
            if let root = replayer.finalStateRoot, root.hex != facts.stateRoot {
                report.failures.append(
                    ReplayFailure(
                        height: replayer.lastHeight, kind: "final-state-root",
                        message:
                            "final state root mismatch: chain_runs says \(facts.stateRoot), replay gives \(root.hex)"))
            }
            let counts: [(String, Int, Int)] = [
                ("blocks", facts.blocks, replayer.counts.blocks),
                ("tx_committed", facts.committed, replayer.counts.transactions),
                ("tx_failed", facts.failed, replayer.counts.failedTransactions),
            ]
            for (name, stored, replayed) in counts where stored != replayed {
                report.failures.append(
                    ReplayFailure(
                        height: nil, kind: "chain-facts",
                        message: "chain_runs.\(name) is \(stored), the chain has \(replayed)"))
            }
            try compareRecords(store, run, collected, &report)
        }
        report.chainMetrics = chainMetrics(collected)
        report.ok = report.failures.isEmpty
        return (report, replayer.app)
    }

    /// The per-block summaries, the per-study money and review fields and the headline metrics the chain
    /// determines, against the stored rows.
    static func compareRecords(
        _ store: ResultsStore, _ run: RunRecord, _ chain: ChainFacts, _ report: inout RunReplayReport
    ) throws {
        try compareBlockSummaries(store, run, chain, &report)
        let rows = try store.marketStudies(run: run.id)
        guard !rows.isEmpty else { return }  // --no-observations: no per-study rows to compare
        let derived = compareStudies(rows, chain, &report)
        try compareHeadlineMetrics(store, run, chain, rows: rows, derived: derived, &report)
    }

    /// The stored `chain_blocks` summaries against the chain's blocks.
    static func compareBlockSummaries(
        _ store: ResultsStore, _ run: RunRecord, _ chain: ChainFacts, _ report: inout RunReplayReport
    ) throws {
        for b in try store.chainBlocks(run: run.id) {
            let h = Int64(b.height)  // read back as a non-negative SQLite integer
            guard let bytes = chain.blockBytes[h], let txs = chain.blockTransactions[h],
                let failed = chain.blockFailed[h]
            else {
                report.failures.append(
                    ReplayFailure(
                        height: h, kind: "block-summary", message: "chain_blocks has a row for a height the chain lacks"
                    ))
                continue
            }
            if b.bytes != bytes || b.transactions != txs || b.failed != failed {
                report.failures.append(
                    ReplayFailure(
                        height: h, kind: "block-summary",
                        message:
                            "chain_blocks says \(b.transactions) transactions, \(b.failed) failed, \(b.bytes) bytes; "
                            + "the block has \(txs), \(failed), \(bytes)"))
            }
        }
    }

    /// Per study: the money and the review outcome of the on-chain study a stored row names.
    struct DerivedStudy {
        var price: UInt64
        var margin: UInt64
        var fees: UInt64
        var score: ReviewScore?
    }

    /// Each reported row's money and review fields against its on-chain study; returns what the chain gives
    /// for each row (`nil` for a row not reported, or whose study has no report on chain).
    static func compareStudies(
        _ rows: [StudyRecord], _ chain: ChainFacts, _ report: inout RunReplayReport
    ) -> [DerivedStudy?] {
        var derived: [DerivedStudy?] = []
        for row in rows {
            guard row.status == .reported else {
                derived.append(nil)
                continue
            }
            report.studiesChecked += 1
            guard let id = row.chainStudyID, let s = chain.studies[id],
                s.reportedHeight != nil,
                let price = s.price
            else {
                report.failures.append(
                    ReplayFailure(
                        height: nil, kind: "study",
                        message:
                            "study \(row.key): reported in market_studies, but on-chain study \(row.chainStudyID.map(String.init) ?? "none") has no report"
                    ))
                derived.append(nil)
                continue
            }
            let d = DerivedStudy(
                price: price - min(s.forfeited, price), margin: s.operatorShare,
                fees: chain.orderFees[ChainFacts.orderKey(client: s.client, requisition: s.requisition)] ?? 0,
                score: s.reviewScore)
            derived.append(d)
            var wrong: [String] = []
            let at = s.reportedHeight
            if d.price != row.pricePaid { wrong.append("price paid \(row.pricePaid), chain \(d.price)") }
            if d.margin != row.intermediaryMargin {
                wrong.append("intermediary margin \(row.intermediaryMargin), chain \(d.margin)")
            }
            let pay = s.paid + s.released
            if pay != row.radiologistPay { wrong.append("radiologist pay \(row.radiologistPay), chain \(pay)") }
            if d.fees != row.clientFees { wrong.append("client fees \(row.clientFees), chain \(d.fees)") }
            if row.peerReviewed != (s.reviewScore != nil) {
                wrong.append("peer reviewed \(row.peerReviewed), chain \(s.reviewScore != nil)")
            } else if row.peerReviewed, row.reviewScore != s.reviewScore {
                wrong.append("review score \(row.reviewScore?.name ?? "none"), chain \(s.reviewScore?.name ?? "none")")
            }
            if let f = s.feedback, row.feedback != f {
                wrong.append("feedback \(row.feedback.map(String.init) ?? "none"), chain \(f)")
            }
            if row.followUpCompleted != s.followUpCompleted {
                wrong.append("follow-up completed \(row.followUpCompleted), chain \(s.followUpCompleted)")
            }
            if !wrong.isEmpty {
                report.failures.append(
                    ReplayFailure(
                        height: at, kind: "study",
                        message: "study \(row.key) (on-chain \(id)): " + wrong.joined(separator: "; ")))
            }
        }
        return derived
    }

    /// The headline metrics the chain determines, against the stored `run_metrics`.
    static func compareHeadlineMetrics(
        _ store: ResultsStore, _ run: RunRecord, _ chain: ChainFacts, rows: [StudyRecord],
        derived: [DerivedStudy?], _ report: inout RunReplayReport
    ) throws {
        // Headline metrics, with MarketMetrics' definitions and summation order, chain values in, the stored
        // `measured` flag (arrival is private to the client) selecting the studies.
        guard let minorPerMajor = currencyScale(run) else { return }
        let money = Double(minorPerMajor)
        var cost = 0.0
        var margin = 0.0
        var reported = 0
        var reviewed = 0
        var discrepant = 0
        for (row, d) in zip(rows, derived) where row.measured {
            guard let d else { continue }
            reported += 1
            cost += Double(d.price + d.fees)
            margin += Double(d.margin)
            if let score = d.score {
                reviewed += 1
                if score.isDiscrepancy { discrepant += 1 }
            }
        }
        var recomputed: [(String, Double)] = [
            ("cost_per_study", reported == 0 ? .nan : cost / Double(reported) / money),
            ("intermediary_fees_per_study", reported == 0 ? .nan : margin / Double(reported) / money),
            ("radpeer_discrepancy_rate", reviewed == 0 ? .nan : Double(discrepant) / Double(reviewed)),
        ]
        // Block bytes from the chain, blocks selected by their stored first-commit time (not on chain).
        let blocks = try store.chainBlocks(run: run.id)
        if !blocks.isEmpty {
            let warmup = run.provenance.warmupTicks
            let bytes = blocks.filter { $0.time >= warmup }.reduce(0) { $0 + (chain.blockBytes[Int64($1.height)] ?? 0) }
            let reportedAll = rows.filter { $0.measured && $0.reportCommitted != nil }.count
            recomputed.append(("chain_bytes_per_study", reportedAll == 0 ? .nan : Double(bytes) / Double(reportedAll)))
        }
        let stored = try store.metrics(run: run.id)
        for (name, value) in recomputed {
            let s = stored.first { $0.name == name }?.value ?? .nan
            let same = (s.isNaN && value.isNaN) || s == value
            report.metrics.append(
                MetricComparison(name: name, stored: s.isNaN ? nil : s, chain: value.isNaN ? nil : value, matches: same)
            )
            if !same {
                report.failures.append(
                    ReplayFailure(
                        height: nil, kind: "metric",
                        message: "\(name): run_metrics says \(s), the chain gives \(value)"))
            }
        }
    }

    /// Minor units per major unit of the run's scenario currency (nil when the stored scenario does not parse).
    static func currencyScale(_ run: RunRecord) -> UInt64? {
        guard
            let file = try? ScenarioLoader.parse(text: run.provenance.scenarioText, path: run.provenance.scenarioName),
            case .market(let model) = file.model
        else { return nil }
        return model.currency.minorPerMajor
    }

    /// Measures the chain alone determines (shown, not compared: the stored metrics use off-chain times).
    static func chainMetrics(_ chain: ChainFacts) -> [ChainMetric] {
        let hour = Double(SimTime.ticksPerHour)
        let studies = chain.studies.keys.sorted().map { chain.studies[$0]! }
        var out: [ChainMetric] = []
        func value(_ x: Double) -> Double? { x.isNaN ? nil : x }
        for u in [Urgency.stat, .urgent, .routine] {
            let t = studies.filter { $0.urgency == u }.compactMap { s in
                s.reportedTime.map { Double($0 - s.postedTime) / hour }
            }
            out.append(
                ChainMetric(
                    name: "post_to_report_p50_\(u.name)", unit: "h", value: value(MarketMetrics.quantile(t, 0.5))))
            out.append(
                ChainMetric(
                    name: "post_to_report_p90_\(u.name)", unit: "h", value: value(MarketMetrics.quantile(t, 0.9))))
        }
        let assigned = studies.compactMap(\.contractTurnaround).map { Double($0) / hour }
        out.append(
            ChainMetric(name: "assign_to_report_p50", unit: "h", value: value(MarketMetrics.quantile(assigned, 0.5))))
        out.append(ChainMetric(name: "studies_posted", unit: "count", value: Double(studies.count)))
        out.append(
            ChainMetric(
                name: "studies_reported", unit: "count",
                value: Double(studies.filter { $0.reportedHeight != nil }.count)))
        out.append(ChainMetric(name: "studies_expired", unit: "count", value: Double(studies.filter(\.expired).count)))
        let reviewed = studies.filter { $0.reviewScore != nil }
        let discrepant = reviewed.filter { $0.reviewScore?.isDiscrepancy == true }
        out.append(ChainMetric(name: "peer_reviews", unit: "count", value: Double(reviewed.count)))
        out.append(
            ChainMetric(
                name: "radpeer_discrepancy_rate_all", unit: "fraction",
                value: reviewed.isEmpty ? nil : Double(discrepant.count) / Double(reviewed.count)))
        out.append(
            ChainMetric(
                name: "prices_paid_minor", unit: "minor",
                value: Double(
                    studies.reduce(UInt64(0)) {
                        $0 + ($1.reportedHeight != nil ? ($1.price ?? 0) - min($1.forfeited, $1.price ?? 0) : 0)
                    })))
        out.append(
            ChainMetric(
                name: "intermediary_fees_minor", unit: "minor",
                value: Double(studies.reduce(UInt64(0)) { $0 + $1.operatorShare })))
        out.append(ChainMetric(name: "dataset_labels_appended", unit: "count", value: Double(chain.labels.count)))
        if let last = chain.labels.last, let first = chain.labels.first, last.time > first.time {
            out.append(
                ChainMetric(
                    name: "dataset_growth_per_day", unit: "labels/day",
                    value: Double(chain.labels.count) / (Double(last.time - first.time) / (24 * hour))))
        }
        return out
    }
}
