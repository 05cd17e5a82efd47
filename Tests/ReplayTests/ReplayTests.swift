import Consensus
import Contracts
import Foundation
import GRDB
import Ledger
import Results
import Scenario
import Studies
import Testing

@testable import Replay

/// Replay of a stored chain (issue 7, item 1) and the audits (item 2): a clean market-tiny run replays OK; each
/// deliberate tampering is reported with its height and kind.
@Suite(.serialized) struct ReplayTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// One replication of market-tiny's first design, written once and copied per test.
    static let pristine: String = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("readchain-replay-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = try! ScenarioLoader.load(
            path: root.appendingPathComponent("Scenarios/validation/market-tiny.yaml").path
        ).with(replications: 1)
        let path = dir.appendingPathComponent("tiny.sqlite").path
        _ = try! MarketStudy.run(file, options: StudyOptions(databasePath: path, jobs: 2))
        return path
    }()

    /// A private copy of the pristine database.
    static func copy() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("readchain-replay-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("copy.sqlite").path
        let q = try DatabaseQueue(path: pristine)
        try q.backup(to: try DatabaseQueue(path: path))
        return path
    }

    static func blob(_ path: String, _ sql: String, _ args: StatementArguments = []) throws -> [UInt8] {
        let q = try DatabaseQueue(path: path)
        return try q.read { db in [UInt8](try Data.fetchOne(db, sql: sql, arguments: args)!) }
    }

    static func execute(_ path: String, _ sql: String, _ args: StatementArguments = []) throws {
        let q = try DatabaseQueue(path: path)
        try q.write { db in try db.execute(sql: sql, arguments: args) }
    }

    static func setBlock(_ path: String, height: Int, _ bytes: [UInt8]) throws {
        try execute(
            path, "UPDATE chain_block_data SET block = ? WHERE run_id = 1 AND height = ?", [Data(bytes), height])
    }

    static func block(_ path: String, height: Int) throws -> [UInt8] {
        try blob(path, "SELECT block FROM chain_block_data WHERE run_id = 1 AND height = ?", [height])
    }

    /// A height whose block holds at least one transaction, past the first few.
    static func busyHeight(_ path: String) throws -> Int {
        let q = try DatabaseQueue(path: path)
        return try q.read { db in
            try Int.fetchOne(
                db,
                sql:
                    "SELECT height FROM chain_blocks WHERE run_id = 1 AND transactions >= 1 AND height > 3 ORDER BY height LIMIT 1"
            )!
        }
    }

    static func replay(_ path: String) throws -> RunReplayReport {
        let r = try ChainReplay.replay(databasePath: path, run: 1)
        #expect(r.runs.count == 1)
        return r.runs[0]
    }

    static func expectFailure(_ r: RunReplayReport, height: Int64?, kind: String, _ comment: Comment? = nil) {
        #expect(!r.ok)
        #expect(
            r.failures.contains { $0.height == height && $0.kind == kind },
            "expected \(kind) at \(height.map(String.init) ?? "-"), got \(r.failures.map(\.description))")
    }

    @Test func cleanRunReplaysAndMatches() throws {
        let r = try Self.replay(Self.pristine)
        #expect(r.ok, "\(r.failures.map(\.description))")
        #expect(r.counts.blocks > 10 && r.counts.transactions > 20)
        #expect(r.counts.signaturesChecked > r.counts.transactions)
        #expect(r.finalStateRoot == r.storedStateRoot)
        #expect(r.studiesChecked > 0)
        #expect(
            Set(r.metrics.map(\.name)).isSuperset(of: [
                "cost_per_study", "intermediary_fees_per_study", "radpeer_discrepancy_rate",
            ]))
        #expect(r.metrics.allSatisfy { $0.matches })
    }

    @Test func flippedTransactionByte() throws {
        let path = try Self.copy()
        let h = try Self.busyHeight(path)
        var bytes = try Self.block(path, height: h)
        let b = try Block.decode(canonical: bytes)
        let tx = b.transactions[0].canonicalBytes
        let start = try #require(bytes.indices.first { bytes[$0..<min(bytes.count, $0 + tx.count)].elementsEqual(tx) })
        bytes[start + tx.count - 10] ^= 0x01  // inside the signature
        try Self.setBlock(path, height: h, bytes)
        let r = try Self.replay(path)
        Self.expectFailure(r, height: Int64(h), kind: "tx-root")
        Self.expectFailure(r, height: Int64(h), kind: "transaction")
    }

    @Test func alteredHeaderField() throws {
        let path = try Self.copy()
        let h = try Self.busyHeight(path)
        var b = try Block.decode(canonical: try Self.block(path, height: h))
        var root = b.header.stateRoot.bytes
        root[0] ^= 0x80
        b.header.stateRoot = Hash(bytes: root)
        try Self.setBlock(path, height: h, b.canonicalBytes)
        let r = try Self.replay(path)
        Self.expectFailure(r, height: Int64(h), kind: "state-root")
        #expect(r.failures.contains { $0.message.contains("header says \(Hash(bytes: root).hex)") })
        Self.expectFailure(r, height: Int64(h), kind: "certificate")  // it certifies another block hash now
    }

    @Test func flippedCertificateSignature() throws {
        let path = try Self.copy()
        let h = try Self.busyHeight(path)
        var cert = try Self.blob(path, "SELECT certificate FROM chain_block_data WHERE run_id = 1 AND height = ?", [h])
        let decoded = try CommitCertificate.decode(canonical: cert)
        cert[cert.count - 5] ^= 0x01  // the last signature's bytes
        try Self.execute(
            path, "UPDATE chain_block_data SET certificate = ? WHERE run_id = 1 AND height = ?", [Data(cert), h])
        let r = try Self.replay(path)
        let last = decoded.signatures.last!.validatorIndex
        #expect(
            r.failures.contains {
                $0.height == Int64(h) && $0.message.contains("signature of validator \(last) invalid")
            },
            "\(r.failures.map(\.description))")
        #expect(!r.ok)
    }

    @Test func droppedCertificateSignature() throws {
        let path = try Self.copy()
        let h = try Self.busyHeight(path)
        var cert = try CommitCertificate.decode(
            canonical: try Self.blob(
                path, "SELECT certificate FROM chain_block_data WHERE run_id = 1 AND height = ?", [h]))
        cert.signatures.removeFirst()
        try Self.execute(
            path, "UPDATE chain_block_data SET certificate = ? WHERE run_id = 1 AND height = ?",
            [Data(cert.canonicalBytes), h])
        let r = try Self.replay(path)
        Self.expectFailure(r, height: Int64(h), kind: "certificate")
    }

    @Test func swappedBlocks() throws {
        let path = try Self.copy()
        let a = try Self.block(path, height: 3)
        let b = try Self.block(path, height: 4)
        try Self.setBlock(path, height: 3, b)
        try Self.setBlock(path, height: 4, a)
        let r = try Self.replay(path)
        Self.expectFailure(r, height: 3, kind: "header")
        #expect(r.failures.contains { $0.message.contains("header says height 4") })
    }

    @Test func deletedBlock() throws {
        let path = try Self.copy()
        try Self.execute(path, "DELETE FROM chain_block_data WHERE run_id = 1 AND height = 5")
        let r = try Self.replay(path)
        Self.expectFailure(r, height: 5, kind: "missing-block")
    }

    @Test func alteredGenesis() throws {
        let path = try Self.copy()
        var g = try Genesis.decode(canonical: try Self.blob(path, "SELECT genesis FROM chain_genesis WHERE run_id = 1"))
        g.accounts[0].balance += 1
        try Self.execute(path, "UPDATE chain_genesis SET genesis = ? WHERE run_id = 1", [Data(g.canonicalBytes)])
        let r = try Self.replay(path)
        Self.expectFailure(r, height: 1, kind: "state-root")
    }

    @Test func alteredStoredMetricAndStudy() throws {
        let path = try Self.copy()
        try Self.execute(
            path, "UPDATE run_metrics SET value = value * 1.01 WHERE run_id = 1 AND name = 'cost_per_study'")
        var r = try Self.replay(path)
        Self.expectFailure(r, height: nil, kind: "metric")
        #expect(r.failures.contains { $0.message.hasPrefix("cost_per_study") })

        let path2 = try Self.copy()
        try Self.execute(
            path2,
            """
            UPDATE market_studies SET price_paid_minor = price_paid_minor + 1
            WHERE run_id = 1 AND study_key = (SELECT study_key FROM market_studies WHERE run_id = 1 AND status = 'reported' ORDER BY ordinal LIMIT 1)
            """)
        r = try Self.replay(path2)
        #expect(r.failures.contains { $0.kind == "study" && $0.height != nil && $0.message.contains("price paid") })
    }

    /// An event that is not a canonical `ContractEvent` (a renamed key, a malformed value, an unknown type) is an
    /// `event` failure naming the height, the transaction or the end of the block, the event's position and what
    /// is wrong; the well-formed events still reach the observers, decoded.
    @Test func malformedEventIsAnEventFailure() {
        let rad = Address(bytes: Array(repeating: 7, count: 20))
        let good = ContractEvent.settlement(
            study: 3, radiologist: rad, paid: 10, operatorShare: 0, levy: 1, holdback: 2)
        var renamed = good.event
        renamed.attributes[5].key = "held_back"
        var malformed = ContractEvent.studySampled(study: 3).event
        malformed.attributes[0].value = "three"
        let tx = Hash.sha256([1])
        let receipts = [
            Receipt(txHash: .zero, code: .ok, events: [good.event]),
            Receipt(txHash: tx, code: .ok, events: [good.event, renamed, malformed]),
        ]
        let end = [ContractEvent.bonusPeriod(paid: 1, recipients: 1, carried: 0).event, Event("bonus.bogus", [:])]
        let d = ChainReplayer.contractEvents(height: 9, receipts: receipts, endBlock: end)
        #expect(d.receipts == [[good], [good]])
        #expect(d.endBlock == [.bonusPeriod(paid: 1, recipients: 1, carried: 0)])
        let at = "height 9: event: transaction 1 (\(tx.hex))"
        #expect(
            d.failures.map(\.description) == [
                "\(at), event 1: event 'settlement': attribute 'holdback' is missing",
                "\(at), event 2: event 'study.sampled': attribute 'study' is malformed: 'three'",
                "height 9: event: end of block, event 1: unknown event type 'bonus.bogus'",
            ])
    }

    @Test func auditStudyAndRadiologist() throws {
        let q = try DatabaseQueue(path: Self.pristine)
        let key = try q.read { db in
            try String.fetchOne(
                db,
                sql:
                    "SELECT study_key FROM market_studies WHERE run_id = 1 AND status = 'reported' ORDER BY ordinal LIMIT 1"
            )!
        }
        let s = try ChainAudit.study(databasePath: Self.pristine, id: key, run: 1)
        #expect(s.ok, "\(s.problems) \(s.chainFailures)")
        let actions = s.entries.map(\.action)
        #expect(actions.contains("postStudy") && actions.contains("submitReport"))
        #expect(s.entries.filter { $0.index != nil }.allSatisfy { $0.proofVerified == true })

        // The reporting radiologist, from the report's sender.
        let author = try #require(s.entries.first { $0.action == "submitReport" }?.sender)
        let a = try ChainAudit.radiologist(databasePath: Self.pristine, id: String(author.prefix(10)), run: 1)
        #expect(a.ok, "\(a.problems)")
        #expect(a.publicMetrics == a.recomputedMetrics)
        #expect((a.publicMetrics?["volume"] ?? 0) >= 1)

        // Tampered: a byte of the study's report transaction.
        let path = try Self.copy()
        let report = try #require(s.entries.first { $0.action == "submitReport" })
        var bytes = try Self.block(path, height: Int(report.height))
        bytes[bytes.count / 2] ^= 0x01
        try Self.setBlock(path, height: Int(report.height), bytes)
        let t = try ChainAudit.study(databasePath: path, id: key, run: 1)
        #expect(!t.ok)
        #expect(t.chainFailures.contains { $0.height == report.height })
        let ta = try ChainAudit.radiologist(databasePath: path, id: String(author.prefix(10)), run: 1)
        #expect(!ta.ok && ta.chainFailures.contains { $0.height == report.height })
    }
}
