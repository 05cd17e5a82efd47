import Contracts
import DiscreteEvent
import Foundation
import GRDB
import Ledger
import Market
import MarketModel
import Results
import Scenario
import Studies
import Testing

@testable import Replay

/// `readchain audit ai` (issue 18, item 4): the labelled dataset and the AI's learning curve rebuilt from the chain
/// equal the simulator's own records in every design; a tampered label, or records that disagree with the chain,
/// are caught.
@Suite(.serialized) struct AIAuditTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// market-little (four designs, 30 h, one replication) with half the reports peer-reviewed two hours later, so
    /// the dataset grows within the run (from peer reviews: follow-ups and feedback come later than 30 h).
    static let scenarioText: String = {
        let text = try! String(
            contentsOf: root.appendingPathComponent("Scenarios/validation/market-little.yaml"), encoding: .utf8)
        precondition(text.contains("\nmarket:\n"))
        return text.replacingOccurrences(
            of: "\nmarket:\n", with: "\nmarket:\n  peer_review: { rate: 50 %, delay: 2 h }\n")
    }()

    /// The study, written once and copied by the tests that alter it.
    static let pristine: String = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "readchain-aiaudit-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = try! ScenarioLoader.parse(text: scenarioText, path: "market-little-reviewed.yaml")
        let path = dir.appendingPathComponent("little.sqlite").path
        _ = try! MarketStudy.run(file, options: StudyOptions(databasePath: path, jobs: 2))
        return path
    }()

    static func copy() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "readchain-aiaudit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("copy.sqlite").path
        try DatabaseQueue(path: pristine).backup(to: try DatabaseQueue(path: path))
        return path
    }

    static var ai: AISecondReader {
        guard case .market(let model) = try! ScenarioLoader.parse(text: scenarioText, path: "s.yaml").model else {
            fatalError("not a market scenario")
        }
        return model.ai
    }

    /// Every design: the rebuilt dataset, label by label, against the study rows; the hourly dataset size the
    /// simulator sampled against the labels committed by then; the totals by modality and outcome, the reads'
    /// learning curve and the AI's curve against the same figures computed from the simulator's rows.
    @Test func rebuiltFiguresEqualTheSimulatorsRecordsInEveryDesign() throws {
        let hour = SimTime.ticksPerHour
        let report = try AIAudit.audit(databasePath: Self.pristine, binTicks: 6 * hour, includeLabels: true)
        #expect(report.ok, "\(report.runs.flatMap(\.failures).map(\.description))")
        #expect(
            report.runs.map(\.design) == ["intermediary", "posted-price", "auction", "posted-price-value-based"])
        let ai = Self.ai
        let model = AISecondReaderModel(parameters: ai)
        let store = try ResultsStore(readingOnly: Self.pristine)
        defer { try? store.close() }
        for r in report.runs {
            let run = RunID(rawValue: r.runID)
            let rows = try store.marketStudies(run: run)
            let samples = try store.marketSamples(run: run)
            let committed = Dictionary(
                uniqueKeysWithValues: try store.chainBlocks(run: run).map { (Int64($0.height), $0.time) })
            let labels = try #require(r.labelEntries)
            #expect(r.labels == labels.count && labels.count >= 10, "\(r.design): \(labels.count) labels")
            #expect(r.simulatorCheck?.ok == true && r.simulatorCheck?.samplesCompared == samples.count)

            // Hour by hour: the simulator's dataset size is the initial one plus the labels committed by then.
            for s in samples {
                let n = labels.filter { committed[$0.height]! <= s.time }.count
                #expect(s.datasetSize == ai.initialDataset + n, "\(r.design) at \(s.time / hour) h")
            }
            #expect(samples.last?.datasetSize == ai.initialDataset + labels.count)

            // Label by label: the study's row has the label's modality, outcome and truth.
            let rowOf = Dictionary(uniqueKeysWithValues: rows.compactMap { r in r.chainStudyID.map { ($0, r) } })
            var expected: [String: OutcomeCounts] = [:]
            for l in labels {
                let row = try #require(rowOf[l.study], "\(r.design): no row for on-chain study \(l.study)")
                let f = try #require(l.findings.first)
                #expect(l.findings.count == 1)
                #expect(row.modality.name == l.modality, "\(r.design): study \(row.key)")
                #expect(row.outcome?.name == f.outcome, "\(r.design): study \(row.key)")
                #expect(row.truthFinding == (f.findingCode != 0), "\(r.design): study \(row.key)")
                expected[row.modality.name, default: OutcomeCounts()].add(row.outcome!)
                expected["all", default: OutcomeCounts()].add(row.outcome!)
            }
            // Every peer-reviewed or followed-up row is in the dataset.
            // The AI's own verdicts (issue 18 item 4): each label's report carries the AI's verdict, and against
            // the row's truth it gives the AI's own outcome; every committed report's verdict was compared.
            var expectedAI: [String: OutcomeCounts] = [:]
            func aiOutcome(_ row: StudyRecord) -> ReadOutcome? {
                row.aiFinding.map { ai in
                    ai
                        ? (row.truthFinding ? .truePositive : .falsePositive)
                        : (row.truthFinding ? .falseNegative : .trueNegative)
                }
            }
            for l in labels {
                guard let o = aiOutcome(rowOf[l.study]!) else { continue }
                expectedAI[l.modality, default: OutcomeCounts()].add(o)
                expectedAI["all", default: OutcomeCounts()].add(o)
            }
            #expect((expectedAI["all"]?.total ?? 0) >= 10, "\(r.design): the AI read the labelled studies")
            for t in r.totals {
                #expect(t.aiOutcomes == (expectedAI[t.modality] ?? OutcomeCounts()), "\(r.design): AI \(t.modality)")
                #expect(t.aiSensitivity == t.aiOutcomes.sensitivity && t.aiSpecificity == t.aiOutcomes.specificity)
            }
            let reportedRows = rows.filter { $0.reportCommitted != nil && $0.chainStudyID != nil }
            #expect(r.simulatorCheck?.aiVerdictsCompared == reportedRows.count, "\(r.design)")
            #expect(reportedRows.allSatisfy { $0.aiFinding != nil }, "\(r.design): AI on, every report read by it")
            let labelled = Set(labels.map(\.study))
            for row in rows where row.peerReviewed || row.followUpCompleted {
                #expect(row.chainStudyID.map(labelled.contains) == true, "\(r.design): study \(row.key) unlabelled")
            }
            // Totals by modality and outcome, from the rows.
            for t in r.totals {
                #expect(t.outcomes == (expected[t.modality] ?? OutcomeCounts()), "\(r.design): \(t.modality)")
            }
            #expect(r.totals.last?.outcomes.total == labels.count)

            // The learning curve per 6 h: the reads' figures from the rows of the labels placed by block time, and
            // the AI's at the dataset size the simulator's records give at the end of the run.
            for b in r.bins {
                let end = Int64(b.index + 1) * 6 * hour
                var counts = OutcomeCounts()
                for l in labels where l.blockTimeTicks < end { counts.add(rowOf[l.study]!.outcome!) }
                #expect(b.cumulative == counts, "\(r.design): bin \(b.index)")
                #expect(b.readSensitivity == counts.sensitivity && b.readSpecificity == counts.specificity)
                var ai = OutcomeCounts()
                for l in labels where l.blockTimeTicks < end {
                    if let o = aiOutcome(rowOf[l.study]!) { ai.add(o) }
                }
                #expect(b.aiMeasured == ai, "\(r.design): AI bin \(b.index)")
                #expect(b.aiMeasuredSensitivity == ai.sensitivity && b.aiMeasuredSpecificity == ai.specificity)
                #expect(b.modalities.map(\.aiMeasured.total).reduce(0, +) == ai.total)
            }
            let last = try #require(r.bins.last)
            let size = try #require(samples.last?.datasetSize)
            #expect(last.datasetSize == size)
            for m in last.modalities {
                let modality = try #require(Modality(name: m.modality))
                #expect(m.aiSensitivity == model.sensitivity(modality, datasetSize: size))
                #expect(m.aiSpecificity == model.specificity(modality, datasetSize: size))
            }
        }
    }

    /// A label's outcome changed inside a stored block: the chain no longer verifies (the transaction's signature
    /// and the header's tx root), the run fails with the height, and no figure is reported for it.
    @Test func tamperedLabelInABlockIsCaught() throws {
        let path = try Self.copy()
        let q = try DatabaseQueue(path: path)
        let stored = try q.read { db in
            try Row.fetchAll(
                db, sql: "SELECT height, block FROM chain_block_data WHERE run_id = 1 ORDER BY height")
        }
        var target: (height: Int64, block: Block, tx: Int)?
        for row in stored where target == nil {
            let b = try Block.decode(canonical: [UInt8](row["block"] as Data))
            for (k, tx) in b.transactions.enumerated() {
                if case .submitPeerReview(_, _, let labels)? = try? Message.decode(canonical: tx.message),
                    !labels.isEmpty
                {
                    target = (row["height"], b, k)
                    break
                }
            }
        }
        var (h, block, k) = try #require(target)
        // The message ends with its last label's outcome byte: make a true read false and a false one true.
        var message = block.transactions[k].message
        let outcome = try #require(ReadOutcome(rawValue: message[message.count - 1]))
        let flipped: ReadOutcome =
            switch outcome {
            case .truePositive: .falseNegative
            case .falseNegative: .truePositive
            case .trueNegative: .falsePositive
            case .falsePositive: .trueNegative
            }
        message[message.count - 1] = flipped.rawValue
        block.transactions[k].message = message
        #expect((try? Message.decode(canonical: message)) != nil, "still a well-formed message")
        try q.write { db in
            try db.execute(
                sql: "UPDATE chain_block_data SET block = ? WHERE run_id = 1 AND height = ?",
                arguments: [Data(block.canonicalBytes), h])
        }
        let report = try AIAudit.audit(databasePath: path)
        #expect(!report.ok)
        let r = report.runs[0]
        #expect(!r.ok && r.bins.isEmpty && r.totals.isEmpty && r.labels == 0)
        #expect(
            r.failures.contains { $0.height == h && $0.kind == "transaction" && $0.message.contains("signature") },
            "\(r.failures.map(\.description))")
        #expect(r.failures.contains { $0.height == h && $0.kind == "tx-root" })
        #expect(report.runs.dropFirst().allSatisfy { $0.ok }, "the other designs' chains are untouched")
    }

    /// The AI's verdict in a stored report flipped (one byte of the block: the report's flag byte): the chain no
    /// longer verifies at that height and the run's figures are withheld.
    @Test func tamperedAIVerdictInABlockIsCaught() throws {
        let path = try Self.copy()
        let q = try DatabaseQueue(path: path)
        let stored = try q.read { db in
            try Row.fetchAll(
                db, sql: "SELECT height, block FROM chain_block_data WHERE run_id = 2 ORDER BY height")
        }
        var target: (height: Int64, block: Block, tx: Int, id: UInt64, report: ReportSubmission)?
        for row in stored where target == nil {
            let b = try Block.decode(canonical: [UInt8](row["block"] as Data))
            for (k, tx) in b.transactions.enumerated() {
                if case .submitReport(let id, let report)? = try? Message.decode(canonical: tx.message),
                    report.aiFinding != nil
                {
                    target = (row["height"], b, k, id, report)
                    break
                }
            }
        }
        var (h, block, k, id, report) = try #require(target)
        let before = block.transactions[k].message
        report.aiFinding!.toggle()
        let after = Message.submitReport(studyID: id, report: report).canonicalBytes
        #expect(after.count == before.count && zip(after, before).filter { $0 != $1 }.count == 1, "one byte")
        block.transactions[k].message = after
        try q.write { db in
            try db.execute(
                sql: "UPDATE chain_block_data SET block = ? WHERE run_id = 2 AND height = ?",
                arguments: [Data(block.canonicalBytes), h])
        }
        let audit = try AIAudit.audit(databasePath: path, run: 2)
        let r = audit.runs[0]
        #expect(!audit.ok && !r.ok && r.bins.isEmpty && r.totals.isEmpty)
        #expect(
            r.failures.contains { $0.height == h && $0.kind == "transaction" && $0.message.contains("signature") },
            "\(r.failures.map(\.description))")
    }

    /// A report's AI verdict, and another's follow-up recommendation, changed in the simulator's records, the chain
    /// intact: each study is named.
    @Test func aiVerdictRecordThatDisagreesWithTheChainIsNamed() throws {
        let path = try Self.copy()
        let q = try DatabaseQueue(path: path)
        let (key, other) = try q.write { db in
            let keys = try String.fetchAll(
                db,
                sql: "SELECT study_key FROM market_studies WHERE run_id = 1 AND report_committed_ticks IS NOT NULL "
                    + "AND ai_finding IS NOT NULL ORDER BY study_key LIMIT 2")
            try db.execute(
                sql: "UPDATE market_studies SET ai_finding = 1 - ai_finding WHERE run_id = 1 AND study_key = ?",
                arguments: [keys[0]])
            try db.execute(
                sql: "UPDATE market_studies SET follow_up_recommended = 1 - follow_up_recommended "
                    + "WHERE run_id = 1 AND study_key = ?",
                arguments: [keys[1]])
            return (keys[0], keys[1])
        }
        let r = try AIAudit.audit(databasePath: path, run: 1).runs[0]
        #expect(!r.ok && r.simulatorCheck?.ok == false)
        #expect(
            r.failures.contains {
                $0.kind == "simulator" && $0.message.contains("study \(key) ") && $0.message.contains("AI verdict")
            },
            "\(r.failures.map(\.description))")
        #expect(
            r.failures.contains {
                $0.kind == "simulator" && $0.message.contains("study \(other) ")
                    && $0.message.contains("follow-up recommended")
            },
            "\(r.failures.map(\.description))")
        #expect(r.failures.count == 2, "\(r.failures.map(\.description))")
    }

    /// The simulator's records changed, the chain intact: a labelled study's outcome and an hourly dataset size
    /// that no longer agree with the chain are each named.
    @Test func recordsThatDisagreeWithTheChainAreNamed() throws {
        let path = try Self.copy()
        let before = try AIAudit.audit(databasePath: path, run: 1, includeLabels: true)
        let label = try #require(before.runs[0].labelEntries?.first)
        let q = try DatabaseQueue(path: path)
        let (key, time) = try q.write { db in
            let key = try String.fetchOne(
                db, sql: "SELECT study_key FROM market_studies WHERE run_id = 1 AND chain_study_id = ?",
                arguments: [label.study])!
            let other = label.findings[0].outcome == "trueNegative" ? "falsePositive" : "trueNegative"
            try db.execute(
                sql: "UPDATE market_studies SET outcome = ? WHERE run_id = 1 AND study_key = ?",
                arguments: [other, key])
            let time = try Int64.fetchOne(db, sql: "SELECT MAX(time_ticks) FROM market_samples WHERE run_id = 1")!
            try db.execute(
                sql: "UPDATE market_samples SET dataset_size = dataset_size - 1 WHERE run_id = 1 AND time_ticks = ?",
                arguments: [time])
            return (key, time)
        }
        let r = try AIAudit.audit(databasePath: path, run: 1).runs[0]
        #expect(!r.ok && r.simulatorCheck?.ok == false)
        #expect(
            r.failures.contains { $0.kind == "simulator" && $0.message.contains("study \(key) ") },
            "\(r.failures.map(\.description))")
        #expect(
            r.failures.contains {
                $0.kind == "simulator" && $0.message.contains("market_samples at \(AIAudit.hours(time)) h")
            })
        #expect(r.failures.count == 2, "\(r.failures.map(\.description))")
    }

    @Test func badInputIsNamed() throws {
        #expect(throws: ReplayError.self) { try AIAudit.audit(databasePath: "/nonexistent/x.sqlite") }
        do {
            _ = try AIAudit.audit(databasePath: Self.pristine, run: 99)
            Issue.record("run 99 accepted")
        } catch let e as ReplayError {
            #expect(e.message.contains(Self.pristine) && e.message.contains("run 99"), "\(e.message)")
        }
    }
}
