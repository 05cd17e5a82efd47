import Foundation
import Results
import Testing

/// `readchain loadtest` end to end: the built binary, its JSON, its exit codes and its database.
@Suite struct LoadTestCLITests {
    static func json(_ s: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(s.utf8)) as? [String: Any])
    }

    @Test func fourValidatorsJSONIsSaneAndStored() throws {
        let tmp = try TempDir()
        let out = tmp.path("lt.sqlite")
        let r = try CLI.run(["loadtest", "--validators", "4", "--duration", "5s", "--json", "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try Self.json(r.stdout)
        let points = try #require(obj["points"] as? [[String: Any]])
        #expect(points.count == 1)
        let rep = try #require((points[0]["replications"] as? [[String: Any]])?.first)
        let submitted = try #require(rep["submitted"] as? Int)
        let committed = try #require(rep["committed"] as? Int)
        #expect(submitted > 0)
        #expect(committed > 0 && committed <= submitted)
        #expect(try #require(rep["blocks"] as? Int) > 0)
        #expect((rep["oracleViolations"] as? [String])?.isEmpty == true)
        let lat = try #require(rep["latency"] as? [String: Any])
        let ordered = try ["min", "p50", "p90", "p95", "p99", "max"].map { try #require(lat[$0] as? Double) }
        #expect(ordered == ordered.sorted(), "latency percentiles out of order: \(ordered)")
        #expect(ordered[0] > 0)
        let avg = try #require(lat["avg"] as? Double)
        #expect(avg >= ordered[0] && avg <= ordered[5])
        for key in [
            "sendRate", "committedTPS", "blockTime", "roundsHistogram", "messagesPerHeight", "bytesPerHeight",
            "verificationsPerHeight", "cpuPerCommittedTxMicroseconds", "peakMempool", "chainDigest", "rejected",
        ] {
            #expect(rep[key] != nil, "missing \(key)")
        }
        let wall = try #require(rep["wall"] as? [String: Any])
        #expect(try #require(wall["eventsPerSecond"] as? Double) > 0)

        let store = try ResultsStore(path: out)
        let runs = try store.runs()
        #expect(runs.count == 1)
        #expect(runs[0].status == .finished)
        #expect(runs[0].provenance.scenarioKind == "loadtest")
        #expect(runs[0].provenance.scenarioText.hasPrefix("readchain loadtest --validators 4"))
        let metrics = try store.metrics(run: runs[0].id)
        #expect(metrics.contains { $0.name == "committed_tps" && $0.value > 0 })
        #expect(metrics.contains { $0.name == "wall_events_per_second" })
        let series = try store.series(run: runs[0].id).map(\.name)
        #expect(series.contains("tx_latency") && series.contains("block_time"))
        #expect(try store.observationCount(run: runs[0].id) > committed)
        #expect(try !store.summaries(scenarioSHA256: runs[0].provenance.scenarioSHA256).isEmpty)
    }

    @Test func terminalReport() throws {
        let tmp = try TempDir()
        let r = try CLI.run(["loadtest", "--duration", "3s", "--rate", "50", "--out", tmp.path("t.sqlite")])
        #expect(r.status == 0, "\(r.stderr)")
        for s in [
            "committed tx/s", "latency p99", "block time sd", "rounds per height", "simulator speed (wall clock)",
        ] {
            #expect(r.stdout.contains(s), "missing '\(s)' in\n\(r.stdout)")
        }
    }

    @Test(arguments: [
        (["--validators", "4,x"], "--validators"),
        (["--rate", "0"], "--rate"),
        (["--latency", "moon"], "--latency"),
        (["--duration", "5 parsecs"], "--duration"),
        (["--fault", "crash:9@1s"], "crash:9@1s"),
        (["--fault", "explode:1@1s"], "explode:1@1s"),
        (["--fault", "partition:0,1|1,2@1s"], "partition:0,1|1,2@1s"),
        (["--fault", "crash:1"], "crash:1"),
        (["--duration", "5s", "--warmup", "3s", "--cooldown", "3s"], "--warmup"),
        (["--app", "log", "--tx-size", "10"], "--tx-size"),
        (["--tx-size", "512"], "--tx-size"),
    ])
    func badOptionsExit64(args: [String], offending: String) throws {
        let tmp = try TempDir()
        let r = try CLI.run(["loadtest"] + args + ["--out", tmp.path("x.sqlite")])
        #expect(r.status == 64, "\(args): \(r.stderr)")
        #expect(r.stderr.contains(offending), "\(args): \(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: tmp.path("x.sqlite")))
    }

    @Test func sweepPrintsASaturationTable() throws {
        let tmp = try TempDir()
        let out = tmp.path("sweep.sqlite")
        // Test timeouts (~25 ms blocks of up to 2,000 txs); every node checks every transaction's signature once
        // at 1 ms of simulated CPU, so the chain saturates just under 1,000 tx/s.
        let args = [
            "loadtest", "--validators", "4", "--rate", "200,600,3000", "--timeouts", "test", "--duration", "2s",
            "--verify-cost", "1ms", "--clients", "1000", "--app", "log", "--tx-size", "128", "--out", out,
        ]
        let r = try CLI.run(args)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("saturation ("), "\(r.stdout)")
        #expect(r.stdout.contains("N=4: saturation point"), "\(r.stdout)")
        let j = try CLI.run(args + ["--json"])
        let obj = try Self.json(j.stdout)
        let table = try #require((obj["saturation"] as? [[String: Any]])?.first)
        let rows = try #require(table["rows"] as? [[String: Any]])
        #expect(rows.count == 3)
        #expect(rows.first?["sustained"] as? Bool == true)
        #expect(rows.last?["sustained"] as? Bool == false, "\(rows)")
        #expect(table["saturationRate"] as? Double == 600, "\(rows)")
        let store = try ResultsStore(path: out)
        let runs = try store.runs()
        #expect(runs.count == 3)
        #expect(
            try store.summaries(scenarioSHA256: runs[0].provenance.scenarioSHA256).contains {
                $0.metric == "saturation_rate"
            })
    }

    /// Same seed: the same JSON (wall-clock fields removed) and chain digest from two separate processes.
    @Test func sameSeedSameOutputAcrossProcesses() throws {
        let tmp = try TempDir()
        func run(_ name: String, seed: String) throws -> (Any, String) {
            let r = try CLI.run([
                "loadtest", "--validators", "4", "--duration", "4s", "--rate", "100", "--seed", seed,
                "--fault", "crash:2@2s", "--json", "--out", tmp.path(name),
            ])
            #expect(r.status == 0, "\(r.stderr)")
            var obj = try Self.json(r.stdout)
            obj["database"] = nil
            let digest =
                (((obj["points"] as? [[String: Any]])?.first?["replications"] as? [[String: Any]])?.first?[
                    "chainDigest"] as? String) ?? ""
            return (stripWall(obj), digest)
        }
        let a = try run("a.sqlite", seed: "5")
        let b = try run("b.sqlite", seed: "5")
        let c = try run("c.sqlite", seed: "6")
        let da = try JSONSerialization.data(withJSONObject: a.0, options: [.sortedKeys])
        let db = try JSONSerialization.data(withJSONObject: b.0, options: [.sortedKeys])
        #expect(da == db)
        #expect(a.1 == b.1 && a.1.count == 64)
        #expect(a.1 != c.1)
    }
}

/// Removes every `wall` object (the simulator's own wall-clock speed) from a decoded JSON value.
func stripWall(_ v: Any) -> Any {
    if var d = v as? [String: Any] {
        d["wall"] = nil
        for (k, x) in d { d[k] = stripWall(x) }
        return d
    }
    if let a = v as? [Any] { return a.map(stripWall) }
    return v
}
