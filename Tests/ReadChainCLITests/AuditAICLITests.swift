import Foundation
import GRDB
import Testing

/// `readchain audit ai` as a user runs it: the table, JSON, and exit statuses for a tampered chain and bad input.
@Suite(.serialized) struct AuditAICLITests {
    /// market-tiny (two designs, 6 h, one replication) with half the reports peer-reviewed an hour later, so the
    /// chain holds labels.
    static let database: String = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("readchain-aicli-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let text = try! String(contentsOfFile: CLI.path("Scenarios/validation/market-tiny.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "\nmarket:\n", with: "\nmarket:\n  peer_review: { rate: 50 %, delay: 1 h }\n")
        let scenario = dir.appendingPathComponent("tiny-reviewed.yaml").path
        try! text.write(toFile: scenario, atomically: true, encoding: .utf8)
        let path = dir.appendingPathComponent("tiny.sqlite").path
        let r = try! CLI.run(["simulate", scenario, "--replications", "1", "--out", path, "--json"])
        precondition(r.status == 0, r.stderr)
        return path
    }()

    @Test func printsTheDatasetAndTheCurvePerRun() throws {
        let r = try CLI.run(["audit", "ai", Self.database, "--bin", "2 h"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.components(separatedBy: ": chain verified: ").count == 3, "\(r.stdout)")  // two runs
        #expect(r.stdout.contains("simulator's records: equal"), "\(r.stdout)")
        #expect(r.stdout.contains("learning curve, per 2 h by block time"))
        #expect(r.stdout.contains("ai_xr_sens/spec") && r.stdout.contains("ai_ct_sens/spec"))
        // The AI's own verdicts (issue 18 item 4): its measured columns, and every report's verdict compared.
        #expect(r.stdout.contains("ai_sens") && r.stdout.contains("ai_meas_sens") && r.stdout.contains("ai_meas_spec"))
        #expect(r.stdout.contains(" reports' AI verdicts"), "\(r.stdout)")
        #expect(r.stdout.hasSuffix("OK: 2 runs verified and rebuilt from the chain\n"))
        let j = try CLI.run(["audit", "ai", Self.database, "--run", "2", "--json", "--labels"])
        #expect(j.status == 0, "\(j.stderr)")
        let obj = try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as! [String: Any]
        #expect(obj["ok"] as? Bool == true && obj["binHours"] as? Double == 24)
        let runs = try #require(obj["runs"] as? [[String: Any]])
        #expect(runs.count == 1 && runs[0]["runID"] as? Int == 2)
        let labels = try #require(runs[0]["labelEntries"] as? [[String: Any]])
        #expect(!labels.isEmpty && runs[0]["labels"] as? Int == labels.count)
        #expect((runs[0]["bins"] as? [Any])?.count == 1)  // 6 h: one simulated day
        // Byte for byte the same in a second process (nothing from hash order reaches the output).
        let again = try CLI.run(["audit", "ai", Self.database, "--run", "2", "--json", "--labels"])
        #expect(again.stdout == j.stdout)
    }

    /// A label's outcome byte flipped inside a stored block: exit 65, the run fails at that height, no figures.
    @Test func tamperedLabelFailsWithItsHeight() throws {
        let dir = try TempDir()
        let path = dir.path("t.sqlite")
        try DatabaseQueue(path: Self.database).backup(to: try DatabaseQueue(path: path))
        let j = try CLI.run(["audit", "ai", path, "--run", "1", "--json", "--labels"])
        let obj = try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as! [String: Any]
        let run = try #require((obj["runs"] as? [[String: Any]])?.first)
        let label = try #require((run["labelEntries"] as? [[String: Any]])?.first)
        let height = try #require(label["height"] as? Int)
        let outcome = try #require((label["findings"] as? [[String: Any]])?.first?["outcome"] as? String)
        // Outcome codes: truePositive 1, falsePositive 2, trueNegative 3, falseNegative 4.
        let code: UInt8 = ["truePositive": 1, "falsePositive": 2, "trueNegative": 3, "falseNegative": 4][outcome]!
        let q = try DatabaseQueue(path: path)
        try q.write { db in
            var b = [UInt8](
                try Data.fetchOne(
                    db, sql: "SELECT block FROM chain_block_data WHERE run_id = 1 AND height = ?",
                    arguments: [height])!)
            // The label is the end of the adjudicating message: study u64, (score u8 for a review or feedback),
            // count u32 = 1, finding code u16, outcome u8 (canonical encoding, big-endian).
            let study = UInt64(label["study"] as! Int)
            let finding = UInt16(((label["findings"] as! [[String: Any]])[0]["findingCode"]) as! Int)
            let pattern = { (skip: Int) -> [UInt8] in
                withUnsafeBytes(of: study.bigEndian) { [UInt8]($0) } + [UInt8](repeating: 0, count: skip)
                    + [0, 0, 0, 1, UInt8(finding >> 8), UInt8(finding & 0xff), code]
            }
            var at: Int?
            for skip in [0, 1] {
                let p = pattern(skip)
                for i in 0...(b.count - p.count) where at == nil {
                    let window = Array(b[i..<(i + p.count)])
                    let matches = zip(window, p).enumerated().allSatisfy { j, pair in
                        (j >= 8 && j < 8 + skip) || pair.0 == pair.1  // the score byte may be anything
                    }
                    if matches {
                        at = i + p.count - 1
                    }
                }
            }
            let k = try #require(at, "the label's bytes in block \(height)")
            b[k] = code == 1 ? 4 : code == 4 ? 1 : code == 2 ? 3 : 2
            try db.execute(
                sql: "UPDATE chain_block_data SET block = ? WHERE run_id = 1 AND height = ?",
                arguments: [Data(b), height])
        }
        let r = try CLI.run(["audit", "ai", path])
        #expect(r.status == 65, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("run 1 (") && r.stdout.contains("figures withheld"), "\(r.stdout)")
        #expect(r.stdout.contains("height \(height): transaction: "), "\(r.stdout)")
        #expect(r.stdout.contains("run 2 (") && r.stdout.contains(": chain verified: "))  // the other run is intact
        #expect(r.stdout.hasSuffix("FAIL\n"))
        let js = try CLI.run(["audit", "ai", path, "--run", "1", "--json"])
        #expect(js.status == 65)
        let failed = try JSONSerialization.jsonObject(with: Data(js.stdout.utf8)) as! [String: Any]
        #expect(failed["ok"] as? Bool == false)
    }

    @Test func badInputNamesWhatAndWhere() throws {
        let missing = try CLI.run(["audit", "ai", "/nonexistent/x.sqlite"])
        #expect(missing.status == 66 && missing.stderr.contains("no such results database: /nonexistent/x.sqlite"))
        let noRun = try CLI.run(["audit", "ai", Self.database, "--run", "99"])
        #expect(
            noRun.status == 64 && noRun.stderr.contains(Self.database) && noRun.stderr.contains("run 99"),
            "\(noRun.stderr)")
        let badBin = try CLI.run(["audit", "ai", Self.database, "--bin", "0 h"])
        #expect(badBin.status == 64 && badBin.stderr.contains("--bin"), "\(badBin.stderr)")
        let dir = try TempDir()
        let none = dir.path("none.sqlite")
        let tiny = CLI.path("Scenarios/validation/market-tiny.yaml")
        #expect(
            try CLI.run(["simulate", tiny, "--replications", "1", "--no-chain", "--out", none, "--json"]).status == 0)
        let noChain = try CLI.run(["audit", "ai", none, "--run", "1"])
        #expect(noChain.status == 65 && noChain.stdout.contains("no-chain"), "\(noChain.stdout)\(noChain.stderr)")
        let text = try dir.write("notes.sqlite", "not a database\n")
        let notDB = try CLI.run(["audit", "ai", text])
        #expect(notDB.status != 0 && notDB.stderr.contains(text), "\(notDB.status) \(notDB.stderr)")
    }
}
