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
            #expect(r.stderr.contains("broken-example.yaml:\(line):\(col): error: "), "missing \(line):\(col) in \(r.stderr)")
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

    /// Market scenarios validate, but this build cannot simulate them: a clear error, exit 69, nothing written.
    @Test func marketScenarioValidatesButIsNotSimulatedYet() throws {
        #expect(try CLI.run(["validate", "Scenarios/default.yaml"]).status == 0)
        let tmp = try TempDir()
        let r = try CLI.run(["simulate", "Scenarios/default.yaml", "--out", tmp.path("m.sqlite")])
        #expect(r.status == 69)
        #expect(r.stderr.contains("not simulated yet"))
        #expect(tmp.contents.isEmpty)
    }

    @Test func missingInputAndBadArguments() throws {
        let missing = try CLI.run(["simulate", "no/such/scenario.yaml"])
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("no/such/scenario.yaml"))
        #expect(try CLI.run(["simulate", "Scenarios/validation/mmc.yaml", "--jobs", "0"]).status == 64)
        #expect(try CLI.run(["simulate"]).status == 64)
        #expect(try CLI.run(["frobnicate"]).status == 64)
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
        #expect(try store.summaries(scenarioSHA256: runs[0].provenance.scenarioSHA256).contains { $0.metric == "mean_wait" })
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
        #expect(a.stdout.replacingOccurrences(of: "a.sqlite", with: "X") == b.stdout.replacingOccurrences(of: "b.sqlite", with: "X"))
        func digest(_ path: String) throws -> [Double] {
            let s = try ResultsStore(path: path)
            var all: [Double] = []
            for run in try s.runs() {
                for series in try s.series(run: run.id) {
                    for o in try s.observations(series: series.id) { all.append(Double(o.time)); all.append(o.value) }
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
               let runs = try? s.runs(), runs.count == 2 {
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
