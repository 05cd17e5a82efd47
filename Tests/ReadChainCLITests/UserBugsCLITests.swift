import Foundation
import Results
import Testing

@testable import readchain

/// Issue 15, "bugs users met": each test failed before its fix.
@Suite struct UserBugsCLITests {
    /// Each run records its own start: with --jobs 1 a run starts after the one before it ended (all of them used
    /// to carry the study's start).
    @Test func eachRunRecordsItsOwnStart() throws {
        let tmp = try TempDir()
        let scenario = try tmp.write("s.yaml", smallScenario(replications: 3))
        let r = try CLI.run(["simulate", scenario, "--out", tmp.path("s.sqlite"), "--jobs", "1"])
        #expect(r.status == 0, "\(r.stderr)")
        let runs = try ResultsStore(path: tmp.path("s.sqlite")).runs()
        #expect(runs.count == 3)
        for k in 1..<runs.count {
            let before = try #require(runs[k - 1].endedAt)
            #expect(runs[k].startedAt >= before, "run \(k) started \(runs[k].startedAt), run \(k - 1) ended \(before)")
        }
    }

    /// The git revision comes from the source tree's .git files, without running git (here git cannot be found).
    @Test func gitRevisionWithoutGit() throws {
        let tmp = try TempDir()
        let scenario = try tmp.write("s.yaml", smallScenario(replications: 2, horizon: "500 h"))
        let r = try CLI.run(
            ["simulate", scenario, "--out", tmp.path("g.sqlite")],
            environment: ["PATH": "/nonexistent", "READCHAIN_GIT_REVISION": ""])
        #expect(r.status == 0, "\(r.stderr)")
        let revision = try #require(try ResultsStore(path: tmp.path("g.sqlite")).runs().first?.provenance.gitRevision)
        #expect(revision == GitRevision.revision(ofTree: CLI.packageRoot), "\(revision)")
        #expect(GitRevision.isObjectName(revision), "\(revision)")
    }

    /// A worktree (`.git` a file), a symbolic HEAD resolved through the common directory's packed refs, and a
    /// detached HEAD.
    @Test func gitRevisionFromFiles() throws {
        let tmp = try TempDir()
        let fm = FileManager.default
        let sha = String(repeating: "ab", count: 20)
        let other = String(repeating: "cd", count: 20)
        try fm.createDirectory(atPath: tmp.path("main/.git/worktrees/wt"), withIntermediateDirectories: true)
        try fm.createDirectory(atPath: tmp.path("wt"), withIntermediateDirectories: true)
        _ = try tmp.write("wt/.git", "gitdir: \(tmp.path("main/.git/worktrees/wt"))\n")
        _ = try tmp.write("main/.git/worktrees/wt/HEAD", "ref: refs/heads/topic\n")
        _ = try tmp.write("main/.git/worktrees/wt/commondir", "../..\n")
        _ = try tmp.write(
            "main/.git/packed-refs", "# pack-refs with: peeled\n\(other) refs/heads/main\n\(sha) refs/heads/topic\n")
        _ = try tmp.write("main/.git/HEAD", "ref: refs/heads/main\n")
        #expect(GitRevision.revision(ofTree: tmp.url.appendingPathComponent("wt")) == sha)
        #expect(GitRevision.revision(ofTree: tmp.url.appendingPathComponent("main")) == other)
        try fm.createDirectory(atPath: tmp.path("main/.git/refs/heads"), withIntermediateDirectories: true)
        _ = try tmp.write("main/.git/refs/heads/main", sha + "\n")
        #expect(GitRevision.revision(ofTree: tmp.url.appendingPathComponent("main")) == sha, "loose ref first")
        _ = try tmp.write("main/.git/HEAD", other + "\n")
        #expect(GitRevision.revision(ofTree: tmp.url.appendingPathComponent("main")) == other, "detached")
        #expect(GitRevision.revision(ofTree: tmp.url) == nil, "not a repository")
    }

    /// `--out` into a missing directory exits 73 and creates nothing (it used to create the directory).
    @Test func outIntoAMissingDirectoryExits73() throws {
        let tmp = try TempDir()
        let scenario = try tmp.write("s.yaml", smallScenario(replications: 2, horizon: "500 h"))
        let r = try CLI.run(["simulate", scenario, "--out", tmp.path("missing/x.sqlite")])
        #expect(r.status == 73, "\(r.stderr)")
        #expect(r.stderr.contains("does not exist"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: tmp.path("missing")))
        let c = try CLI.run(["compare", "--from", tmp.path("x.sqlite"), "--markdown", tmp.path("nodir/c.md")])
        #expect(c.status == 73, "checked before anything runs or is read: \(c.stderr)")
        let l = try CLI.run(["loadtest", "--duration", "2s", "--out", tmp.path("missing/lt.sqlite")])
        #expect(l.status == 73, "\(l.stderr)")
    }

    /// `--rate -5` names the option and the value (it said "Missing value").
    @Test func negativeNumbersAreRefusedByName() throws {
        let r = try CLI.run(["loadtest", "--rate", "-5"])
        #expect(r.status == 64 && r.stderr.contains("--rate") && r.stderr.contains("-5"), "\(r.stderr)")
        #expect(!r.stderr.contains("Missing value"), "\(r.stderr)")
        let s = try CLI.run(["simulate", "Scenarios/validation/mmc.yaml", "--target-half-width", "-0.1"])
        #expect(s.status == 64 && s.stderr.contains("positive"), "\(s.stderr)")
    }

    /// An unknown `--metrics` name is a command-line error (64, it was 65), with the closest name suggested.
    @Test func unknownMetricExits64() throws {
        let tmp = try TempDir()
        let scenario = try tmp.write("s.yaml", smallScenario(replications: 2, horizon: "500 h"))
        let r = try CLI.run([
            "simulate", scenario, "--out", tmp.path("m.sqlite"), "--target-half-width", "0.1", "--metrics",
            "mean_wiat",
        ])
        #expect(r.status == 64, "\(r.stderr)")
        #expect(r.stderr.contains("did you mean 'mean_wait'"), "\(r.stderr)")
    }

    /// A mistyped command gets a suggestion (exit 64).
    @Test func mistypedCommandGetsASuggestion() throws {
        let r = try CLI.run(["simulat", "Scenarios/validation/mmc.yaml"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("did you mean 'simulate'?"), "\(r.stderr)")
        #expect(try CLI.run(["--version"]).status == 0)
        #expect(try CLI.run(["help", "simulate"]).status == 0)
    }

    /// The progress line: elapsed wall time and an estimate from the share done.
    @Test func progressLineShowsElapsedAndETA() {
        let line = ProgressBar.line(label: "s", fraction: 0.25, detail: "1/4 runs", elapsedSeconds: 65)
        #expect(line.contains(" 25.0%, 1/4 runs, elapsed 1m05s, ETA 3m15s"), "\(line)")
        #expect(ProgressBar.line(label: "s", fraction: 0.001, detail: "", elapsedSeconds: 5).hasSuffix("ETA --"))
        #expect(ProgressBar.clockText(7_380) == "2h03m" && ProgressBar.clockText(9) == "9s")
    }

    /// The warm-up warnings are printed once (on standard error), not again in the summary line.
    @Test func warmupWarningsOnce() {
        let line = Compare.warmupLine(
            [
                WarmupRow(
                    run: RunID(rawValue: 1), series: "work_in_system", configuredTicks: 1, detectedTicks: 5,
                    batchSize: 5, batches: 10, method: "mser-5")
            ], warnings: ["run 1 (a, replication 0): MSER-5 detected 5 h"])
        #expect(!line.contains("MSER-5 detected 5 h"), "\(line)")
        #expect(line.contains("longer than configured in 1 run(s)"), "\(line)")
    }
}

/// Issue 15, item 3: metric keys in the tables and `readchain metrics`.
@Suite struct MetricKeysCLITests {
    /// Every metric has a unit and a definition; the listed queue units are those a run stores; the tables show
    /// the keys.
    @Test func metricsListsEveryKeyWithUnitAndDefinition() throws {
        let r = try CLI.run(["metrics", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        #expect(entries.count == 53, "43 market and 10 queue metrics")
        for e in entries {
            #expect(!(e["definition"] as? String ?? "").isEmpty, "\(e["key"] ?? "")")
            #expect(!(e["unit"] as? String ?? "").isEmpty, "\(e["key"] ?? "")")
        }
        #expect(entries.contains { $0["key"] as? String == "commit_latency_p50" && $0["kind"] as? String == "market" })
        let tmp = try TempDir()
        let scenario = try tmp.write("s.yaml", smallScenario(replications: 2, horizon: "500 h"))
        let s = try CLI.run(["simulate", scenario, "--out", tmp.path("q.sqlite")])
        #expect(s.status == 0, "\(s.stderr)")
        let waitRow = try #require(s.stdout.split(separator: "\n").first { $0.hasPrefix("mean wait in queue (Wq)") })
        #expect(waitRow.split(separator: " ").contains("mean_wait"), "the key column: \(s.stdout)")
        let store = try ResultsStore(path: tmp.path("q.sqlite"))
        let stored = try store.metrics(run: try #require(try store.runs().first).id)
        for e in entries where e["kind"] as? String == "queue" {
            let key = try #require(e["key"] as? String)
            #expect(stored.first { $0.name == key }?.unit == e["unit"] as? String, "\(key)")
        }
        let text = try CLI.run(["metrics", "--kind", "market"])
        #expect(text.status == 0 && text.stdout.contains("income_per_hour") && !text.stdout.contains("mean_wait"))
        #expect(try CLI.run(["metrics", "--kind", "sweep"]).status == 64)
    }
}
