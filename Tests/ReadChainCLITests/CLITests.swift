import Foundation
import Results
import Testing

@Suite struct CLITests {
    @Test func validateAcceptsTheShippedScenario() throws {
        let r = try CLI.run(["validate", "Scenarios/validation/mmc.yaml"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("ok"))
        let j = try CLI.run(["validate", "Scenarios/validation/mmc.yaml", "--json"])
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any])
        #expect(obj["ok"] as? Bool == true)
        #expect(obj["name"] as? String == "mmc-validation")
    }

    /// Every problem in the broken example is listed at once, each as file:line:column, exit 65.
    @Test func validateListsEveryProblemWithItsLine() throws {
        let r = try CLI.run(["validate", "Scenarios/validation/broken-example.yaml"])
        #expect(r.status == 65)
        let lines = r.stderr.split(separator: "\n").filter { $0.contains(": error: ") }
        #expect(lines.count >= 9, "\(r.stderr)")
        for (line, col) in [(4, 7), (5, 7), (6, 15), (7, 10), (8, 9), (12, 3)] {
            #expect(
                r.stderr.contains("broken-example.yaml:\(line):\(col): error: "),
                "missing \(line):\(col) in \(r.stderr)")
        }
        #expect(r.stderr.contains("did you mean 'servers'"))
        #expect(r.stdout.isEmpty)
        let j = try CLI.run(["validate", "Scenarios/validation/broken-example.yaml", "--json"])
        #expect(j.status == 65)
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any])
        #expect(obj["ok"] as? Bool == false)
        #expect((obj["errors"] as? [String])?.count == lines.count)
    }

    @Test func invalidScenarioWritesNothing() throws {
        let tmp = try TempDir()
        let out = tmp.path("never.sqlite")
        let r = try CLI.run(["simulate", "Scenarios/validation/broken-example.yaml", "--out", out])
        #expect(r.status == 65)
        #expect(!FileManager.default.fileExists(atPath: out))
        #expect(tmp.contents.isEmpty)
    }

    /// A small market end to end: the per-design table, the JSON summary and the database rows.
    @Test func marketScenarioSimulates() throws {
        let tmp = try TempDir()
        let out = tmp.path("tiny.sqlite")
        let r = try CLI.run(["simulate", "Scenarios/validation/market-tiny.yaml", "--out", out, "--jobs", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        let header = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("metric") })
        #expect(header.contains("posted-price") && header.contains("intermediary"), "\(r.stdout)")
        let costLine = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("client cost per study") })
        #expect(costLine.contains(" USD "), "money in the currency code: \(costLine)")
        #expect(r.stdout.contains(" ± "))
        #expect(r.stdout.contains("replications 2 per design; horizon 6 h, warm-up 1 h"))
        #expect(r.stdout.contains("studies simulated "))
        #expect(r.stdout.contains("transactions committed "))
        #expect(r.stdout.contains("results: \(out)"))

        let store = try ResultsStore(path: out)
        let runs = try store.runs()
        #expect(runs.map(\.provenance.variant) == ["posted-price", "posted-price", "intermediary", "intermediary"])
        #expect(runs.map(\.provenance.replication) == [0, 1, 0, 1])
        #expect(runs.allSatisfy { $0.status == .finished && $0.provenance.scenarioKind == "market" })
        for run in runs {
            let counts = try store.marketRowCounts(run: run.id)
            #expect(counts.studies > 0 && counts.blocks > 0 && counts.samples > 0 && counts.chainRuns == 1)
            #expect(try store.metrics(run: run.id).contains { $0.name == "cost_per_study" && $0.unit == "USD" })
            #expect(try store.chainRun(run: run.id)?.oracleViolations == [])
        }
        // Common random numbers: both designs see the same studies in each replication.
        let keys = try runs.map { try store.marketStudies(run: $0.id).map(\.key) }
        #expect(keys[0] == keys[2] && keys[1] == keys[3])
        let summaries = try store.summaries(scenarioSHA256: runs[0].provenance.scenarioSHA256)
        for design in ["posted-price", "intermediary"] {
            #expect(summaries.filter { $0.variant == design }.count == 43, "one row per headline metric")
        }
        let fees = try #require(
            summaries.first { $0.variant == "intermediary" && $0.metric == "intermediary_fees_per_study" })
        #expect(fees.mean > 0 && fees.n == 2)

        // --json: the same study, identical but for the wall time and the path; --no-observations keeps the
        // runs, metrics and chain facts.
        let out2 = tmp.path("tiny2.sqlite")
        let j = try CLI.run([
            "simulate", "Scenarios/validation/market-tiny.yaml", "--out", out2, "--json", "--jobs", "1",
            "--no-observations",
        ])
        #expect(j.status == 0, "\(j.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any])
        #expect(obj["kind"] as? String == "market")
        #expect(obj["currency"] as? String == "USD")
        #expect(obj["detailRecorded"] as? Bool == false)
        let designs = try #require(obj["designs"] as? [[String: Any]])
        #expect(designs.map { $0["name"] as? String } == ["posted-price", "intermediary"])
        let metrics = try #require(designs[0]["metrics"] as? [[String: Any]])
        let cost = try #require(metrics.first { $0["name"] as? String == "cost_per_study" })
        #expect(cost["unit"] as? String == "USD")
        #expect(cost["n"] as? Int == 2)
        let runsJSON = try #require(obj["runs"] as? [[String: Any]])
        #expect(runsJSON.count == 4)
        let first = try store.chainRun(run: runs[0].id)
        #expect(runsJSON[0]["chainDigest"] as? String == first?.chainDigest, "independent of --jobs")
        let store2 = try ResultsStore(path: out2)
        let runs2 = try store2.runs()
        #expect(runs2.allSatisfy { $0.status == .finished })
        #expect(try store2.marketRowCounts(run: runs2[0].id).studies == 0)
        #expect(try store2.chainRun(run: runs2[0].id) == first)
        #expect(try store2.summaries(scenarioSHA256: runs2[0].provenance.scenarioSHA256) == summaries)
    }

    @Test func missingInputAndBadArguments() throws {
        let missing = try CLI.run(["simulate", "no/such/scenario.yaml"])
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("no/such/scenario.yaml"))
        #expect(try CLI.run(["simulate", "Scenarios/validation/mmc.yaml", "--jobs", "0"]).status == 64)
        #expect(try CLI.run(["simulate"]).status == 64)
        #expect(try CLI.run(["frobnicate"]).status == 64)
        let takeOver = try CLI.run(["simulate", "Scenarios/validation/mmc.yaml", "--take-over"])
        #expect(takeOver.status == 64 && takeOver.stderr.contains("--take-over only applies with --resume"))
        let fromAndRun = try CLI.run(["compare", "--from", "x.sqlite", "--no-chain"])
        #expect(fromAndRun.status == 64 && fromAndRun.stderr.contains("--no-chain"))
    }

    @Test func outputThatCannotBeCreated() throws {
        let tmp = try TempDir()
        let blocker = try tmp.write("file", "x")
        let scenario = try tmp.write("s.yaml", smallScenario())
        let r = try CLI.run(["simulate", scenario, "--out", blocker + "/sub/out.sqlite"])
        #expect(r.status == 73, "\(r.stderr)")
    }

    @Test func simulateWritesTheDatabaseAndAJSONSummary() throws {
        let tmp = try TempDir()
        let scenario = try tmp.write("s.yaml", smallScenario(replications: 3))
        let out = tmp.path("out.sqlite")
        let r = try CLI.run(["simulate", scenario, "--out", out, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stderr.contains("replications"), "no progress bar when not on a terminal")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(obj["replications"] as? Int == 3)
        let metrics = try #require(obj["metrics"] as? [[String: Any]])
        let wait = try #require(metrics.first { $0["name"] as? String == "mean_wait" })
        let mean = try #require(wait["mean"] as? Double)
        let low = try #require(wait["ciLow"] as? Double)
        let high = try #require(wait["ciHigh"] as? Double)
        #expect(low < mean && mean < high)
        #expect(abs((wait["analytic"] as? Double ?? 0) - 0.6687) < 1e-3)

        let store = try ResultsStore(path: out)
        let runs = try store.runs()
        #expect(runs.count == 3)
        #expect(runs.allSatisfy { $0.status == .finished })
        #expect(runs.map(\.provenance.replication) == [0, 1, 2])
        #expect(runs[0].provenance.masterSeed == 99)
        #expect(runs[0].provenance.gslGenerator == "mt19937")
        #expect(try store.observationCount(run: runs[0].id) > 1000)
        #expect(try store.metrics(run: runs[0].id).contains { $0.name == "mean_wait" })
        #expect(
            try store.summaries(scenarioSHA256: runs[0].provenance.scenarioSHA256).contains { $0.metric == "mean_wait" }
        )
    }

    @Test func defaultTableOutput() throws {
        let tmp = try TempDir()
        let scenario = try tmp.write("s.yaml", smallScenario(replications: 2))
        let r = try CLI.run(["simulate", scenario, "--out", tmp.path("t.sqlite")])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("mean wait in queue (Wq)"))
        #expect(r.stdout.contains("Erlang C"))
        #expect(r.stdout.contains("95% CI"))
    }

    /// Same scenario and seed in two separate processes (one with deterministic hashing, one
    /// without, different job counts): identical summaries and identical stored observations.
    @Test func sameSeedSameResultsAcrossProcesses() throws {
        let tmp = try TempDir()
        let scenario = try tmp.write("s.yaml", smallScenario(replications: 3))
        let a = try CLI.run(["simulate", scenario, "--out", tmp.path("a.sqlite"), "--json", "--jobs", "1"])
        let b = try CLI.run(
            ["simulate", scenario, "--out", tmp.path("b.sqlite"), "--json", "--jobs", "3"],
            environment: ["SWIFT_DETERMINISTIC_HASHING": "1"])
        #expect(a.status == 0 && b.status == 0)
        #expect(
            a.stdout.replacingOccurrences(of: "a.sqlite", with: "X")
                == b.stdout.replacingOccurrences(of: "b.sqlite", with: "X"))
        func digest(_ path: String) throws -> [Double] {
            let s = try ResultsStore(path: path)
            var all: [Double] = []
            for run in try s.runs() {
                for series in try s.series(run: run.id) {
                    for o in try s.observations(series: series.id) {
                        all.append(Double(o.time))
                        all.append(o.value)
                    }
                }
            }
            return all
        }
        let da = try digest(tmp.path("a.sqlite"))
        #expect(!da.isEmpty)
        #expect(da == (try digest(tmp.path("b.sqlite"))))
        let c = try CLI.run(["simulate", scenario, "--out", tmp.path("c.sqlite"), "--json", "--seed", "100"])
        #expect(c.status == 0)
        #expect(try digest(tmp.path("c.sqlite")) != da, "another seed gives other numbers")
    }

    /// Issue 7: a market study's results digest (`readchain digest`: every result row, chain included, without
    /// provenance) is the same from two processes with different numbers of parallel replications, with and
    /// without deterministic hashing; another seed changes it.
    @Test func marketDigestIsTheSameAcrossProcessesJobsAndHashing() throws {
        let tmp = try TempDir()
        let scenario = "Scenarios/validation/market-tiny.yaml"
        let a = try CLI.run(["simulate", scenario, "--out", tmp.path("a.sqlite"), "--jobs", "1", "--json"])
        let b = try CLI.run(
            ["simulate", scenario, "--out", tmp.path("b.sqlite"), "--jobs", "3", "--json"],
            environment: ["SWIFT_DETERMINISTIC_HASHING": "1"])
        let c = try CLI.run(["simulate", scenario, "--out", tmp.path("c.sqlite"), "--seed", "99", "--json"])
        #expect(a.status == 0 && b.status == 0 && c.status == 0, "\(a.stderr)\(b.stderr)\(c.stderr)")
        func digest(_ name: String) throws -> String {
            let d = try CLI.run(["digest", tmp.path(name)])
            #expect(d.status == 0, "\(d.stderr)")
            let line = d.stdout.split(separator: "\n").first { $0.hasPrefix("results_digest=") }
            return String(line ?? "")
        }
        let da = try digest("a.sqlite")
        #expect(da.count == "results_digest=".count + 64)
        #expect(da == (try digest("b.sqlite")))
        #expect(da != (try digest("c.sqlite")), "another seed gives other results")
    }

    /// A process killed half-way leaves its runs `incomplete` (never `finished`) on the next open.
    @Test func killedRunIsMarkedIncomplete() throws {
        let tmp = try TempDir()
        let scenario = try tmp.write("long.yaml", smallScenario(name: "long", replications: 2, horizon: "50000000 h"))
        let out = tmp.path("long.sqlite")
        let child = try CLI.start(["simulate", scenario, "--out", out, "--jobs", "1"])
        // Wait (bounded) until the child has registered its runs, then kill it without warning.
        var registered = false
        for _ in 0..<600 where !registered {
            usleep(50_000)
            if FileManager.default.fileExists(atPath: out), let s = try? ResultsStore(path: out),
                let runs = try? s.runs(), runs.count == 2
            {
                registered = true
                try? s.close()
            }
        }
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        #expect(registered, "the child never registered its runs")
        let store = try ResultsStore(path: out)
        let runs = try store.runs()
        #expect(runs.count == 2)
        #expect(runs.allSatisfy { $0.status == .incomplete }, "\(runs.map(\.status))")
    }
}
