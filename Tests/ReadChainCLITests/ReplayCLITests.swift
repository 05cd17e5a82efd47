import Foundation
import GRDB
import Testing

/// `readchain replay` and `readchain audit` as a user runs them: exit statuses, text and JSON.
@Suite(.serialized) struct ReplayCLITests {
    /// market-tiny, one replication, both designs (two market runs), written once.
    static let database: String = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "readchain-replaycli-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("tiny.sqlite").path
        let r = try! CLI.run([
            "simulate", CLI.path("Scenarios/validation/market-tiny.yaml"), "--replications", "1", "--out", path,
            "--json",
        ])
        precondition(r.status == 0, r.stderr)
        return path
    }()

    @Test func replayPrintsOKPerRun() throws {
        let r = try CLI.run(["replay", Self.database])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.components(separatedBy: ": OK: ").count == 3)  // two runs
        let j = try CLI.run(["replay", Self.database, "--run", "1", "--json"])
        #expect(j.status == 0)
        let obj = try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as! [String: Any]
        #expect(obj["ok"] as? Bool == true)
        #expect((obj["runs"] as? [Any])?.count == 1)
    }

    /// `--signatures simulated`: replay checks the keyed hashes and says so on each run's line; a simulated
    /// signature altered in the stored chain fails like an Ed25519 one; a bad scheme name is a usage error.
    @Test func simulatedSignaturesReplayUnderTheirScheme() throws {
        let dir = try TempDir()
        let path = dir.path("sim.sqlite")
        let s = try CLI.run([
            "simulate", CLI.path("Scenarios/validation/market-tiny.yaml"), "--replications", "1", "--out", path,
            "--signatures", "simulated",
        ])
        #expect(s.status == 0, "\(s.stderr)")
        let r = try CLI.run(["replay", path])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.components(separatedBy: ", simulated signatures): OK: ").count == 3, "\(r.stdout)")
        let real = try CLI.run(["replay", Self.database, "--run", "1"])
        #expect(real.stdout.contains(", ed25519 signatures): OK: "), "\(real.stdout)")
        // Flip a bit of the last 64 bytes (a commit signature) of a stored certificate.
        let q = try DatabaseQueue(path: path)
        try q.write { db in
            var c = [UInt8](
                try Data.fetchOne(
                    db, sql: "SELECT certificate FROM chain_block_data WHERE run_id = 1 AND height = 5")!)
            c[c.count - 10] ^= 1
            try db.execute(
                sql: "UPDATE chain_block_data SET certificate = ? WHERE run_id = 1 AND height = 5",
                arguments: [Data(c)])
        }
        let t = try CLI.run(["replay", path, "--run", "1"])
        #expect(t.status == 65 && t.stdout.contains("simulated signatures): FAIL"), "\(t.stdout)\(t.stderr)")
        #expect(t.stdout.contains("certificate: signature of validator"), "\(t.stdout)")
        let bad = try CLI.run(["simulate", CLI.path("Scenarios/validation/market-tiny.yaml"), "--signatures", "rsa"])
        #expect(bad.status == 64 && bad.stderr.contains("--signatures must be ed25519 or simulated"), "\(bad.stderr)")
    }

    @Test func tamperedBlockFailsWithHeight() throws {
        let dir = try TempDir()
        let path = dir.path("t.sqlite")
        try DatabaseQueue(path: Self.database).backup(to: try DatabaseQueue(path: path))
        let q = try DatabaseQueue(path: path)
        try q.write { db in
            let b = [UInt8](
                try Data.fetchOne(db, sql: "SELECT block FROM chain_block_data WHERE run_id = 1 AND height = 7")!)
            var t = b
            t[t.count - 3] ^= 0xff
            try db.execute(
                sql: "UPDATE chain_block_data SET block = ? WHERE run_id = 1 AND height = 7", arguments: [Data(t)])
        }
        let r = try CLI.run(["replay", path])
        #expect(r.status == 65)
        #expect(r.stdout.contains("run 1 ") && r.stdout.contains("FAIL"))
        #expect(r.stdout.contains("height 7: "), "\(r.stdout)")
        let j = try CLI.run(["replay", path, "--run", "2", "--json"])
        #expect(j.status == 0)  // the other run is untouched
    }

    @Test func badArguments() throws {
        let missing = try CLI.run(["replay", "/nonexistent/x.sqlite"])
        #expect(missing.status == 66)
        let noRun = try CLI.run(["replay", Self.database, "--run", "99"])
        #expect(noRun.status == 64 && noRun.stderr.contains("run 99"))
        let noStudy = try CLI.run(["audit", "study", "no-such-study", Self.database, "--run", "1"])
        #expect(noStudy.status == 64)
        let ambiguous = try CLI.run(["audit", "study", "1", Self.database])
        #expect(ambiguous.status == 64 && ambiguous.stderr.contains("--run"))
    }

    /// `--no-chain` keeps no chain, and replay says so; `--no-observations` keeps it and replay still verifies it.
    @Test func noChainAndNoObservations() throws {
        let dir = try TempDir()
        let tiny = CLI.path("Scenarios/validation/market-tiny.yaml")
        let none = dir.path("none.sqlite")
        #expect(
            try CLI.run(["simulate", tiny, "--replications", "1", "--no-chain", "--out", none, "--json"]).status == 0)
        let r = try CLI.run(["replay", none, "--run", "1"])
        #expect(r.status == 65 && r.stdout.contains("no-chain"), "\(r.stdout)")
        let bare = dir.path("bare.sqlite")
        #expect(
            try CLI.run(["simulate", tiny, "--replications", "1", "--no-observations", "--out", bare, "--json"]).status
                == 0)
        let b = try CLI.run(["replay", bare, "--run", "1"])
        #expect(b.status == 0 && b.stdout.contains(": OK: "), "\(b.stdout)\(b.stderr)")
    }

    @Test func auditStudyPrintsProofs() throws {
        let q = try DatabaseQueue(path: Self.database)
        let key = try q.read { db in
            try String.fetchOne(
                db,
                sql:
                    "SELECT study_key FROM market_studies WHERE run_id = 1 AND status = 'reported' ORDER BY ordinal LIMIT 1"
            )!
        }
        let r = try CLI.run(["audit", "study", key, Self.database, "--run", "1"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("postStudy") && r.stdout.contains("submitReport") && r.stdout.contains("verified"))
        #expect(
            r.stdout.hasSuffix(
                "OK: \(r.stdout.components(separatedBy: "\n").filter { $0.hasPrefix("  height") }.count) entries, proofs and certificates verified\n"
            ))
    }
}
