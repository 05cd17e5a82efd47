import Foundation
import Results
import Testing

/// Interruption and resume on a real child process (issue 7 item 3), and the sweep / merge / digest commands as
/// the Slurm scripts use them (issue 6 item 3).
@Suite(.serialized) struct InterruptCLITests {
    /// Polls (bounded, 180 s: CI machines may be loaded) until the database at `path` holds at least `count`
    /// finished runs. The poll only reads: it must not migrate or mark the file the child is writing.
    static func waitForFinishedRuns(_ path: String, _ count: Int, child: Process) -> Bool {
        for _ in 0..<3600 {
            usleep(50_000)
            guard child.isRunning else { return false }
            guard FileManager.default.fileExists(atPath: path), let s = try? ResultsStore(readingOnly: path) else {
                continue
            }
            let finished = ((try? s.runs()) ?? []).filter { $0.status == .finished }.count
            try? s.close()
            if finished >= count { return true }
        }
        return false
    }

    static func digest(_ path: String) throws -> String {
        let out = try CLI.run(["digest", path])
        #expect(out.status == 0, "\(out.stderr)")
        let line = out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(line.hasPrefix("results_digest=") && line.count == "results_digest=".count + 64, "\(line)")
        return line
    }

    static func statuses(_ path: String) throws -> [RunStatus] {
        let s = try ResultsStore(path: path)
        defer { try? s.close() }
        return try s.runs().map(\.status)
    }

    /// Drains a child's pipes in the background so it never blocks on a full pipe.
    final class Drain: @unchecked Sendable {
        private let lock = NSLock()
        private var err = Data()
        private let group = DispatchGroup()
        init(_ p: Process) {
            let e = (p.standardError as! Pipe).fileHandleForReading
            let o = (p.standardOutput as! Pipe).fileHandleForReading
            group.enter()
            DispatchQueue.global().async {
                let d = e.readDataToEndOfFile()
                self.lock.withLock { self.err = d }
                self.group.leave()
            }
            group.enter()
            DispatchQueue.global().async {
                _ = o.readDataToEndOfFile()
                self.group.leave()
            }
        }
        var stderr: String {
            group.wait()
            return lock.withLock { String(decoding: err, as: UTF8.self) }
        }
    }

    /// Ctrl-C on `simulate` of a market: exit 130, finished runs kept, the rest `interrupted`, a resume hint; then
    /// `--resume` gives the digest of an uninterrupted run.
    @Test func sigintThenResumeMatchesAnUninterruptedMarketRun() throws {
        let tmp = try TempDir()
        let scenario = CLI.path("Scenarios/validation/market-tiny.yaml")
        let out = tmp.path("cut.sqlite")
        let args = ["simulate", scenario, "--out", out, "--jobs", "1", "--replications", "4"]
        let child = try CLI.start(args)
        let drain = Drain(child)
        let started = Self.waitForFinishedRuns(out, 1, child: child)
        #expect(started, "no run finished in time")
        kill(child.processIdentifier, SIGINT)
        child.waitUntilExit()
        let stderr = drain.stderr
        #expect(
            child.terminationReason == .exit && child.terminationStatus == 130, "\(child.terminationStatus) \(stderr)")
        #expect(
            stderr.contains("interrupted by SIGINT") && stderr.contains("resume with:") && stderr.contains("--resume"),
            "\(stderr)")
        let cut = try Self.statuses(out)
        #expect(cut.count == 8 && !cut.contains(.running) && !cut.contains(.incomplete), "\(cut)")
        #expect(cut.contains(.finished) && cut.contains(.interrupted), "\(cut)")

        let resumed = try CLI.run(args + ["--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try Self.statuses(out) == Array(repeating: .finished, count: 8))
        let whole = try CLI.run([
            "simulate", scenario, "--out", tmp.path("whole.sqlite"), "--jobs", "2", "--replications", "4",
        ])
        #expect(whole.status == 0, "\(whole.stderr)")
        #expect(try Self.digest(out) == (try Self.digest(tmp.path("whole.sqlite"))))
    }

    /// kill -9 mid-study: the unfinished runs are `incomplete` when the database is next opened; `--resume`
    /// redoes them and the digest equals an uninterrupted run's. SIGTERM exits 143.
    @Test func sigkillThenResumeMatchesAnUninterruptedQueueRun() throws {
        let tmp = try TempDir()
        let scenario = try tmp.write(
            "q.yaml",
            """
            schema: readchain/v1
            kind: queue
            name: q
            seed: 9
            replications: 8
            horizon: 150000 h
            warmup: 100 h
            queue:
              arrival_rate: 9 /h
              service_rate: 1 /h
              servers: 10
            """)
        let out = tmp.path("cut.sqlite")
        let args = ["simulate", scenario, "--out", out, "--jobs", "1", "--no-observations"]
        let child = try CLI.start(args)
        let drain = Drain(child)
        #expect(Self.waitForFinishedRuns(out, 1, child: child), "no run finished in time")
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        _ = drain.stderr
        #expect(child.terminationReason == .uncaughtSignal)
        let cut = try Self.statuses(out)
        #expect(
            cut.count == 8 && cut.contains(.finished) && cut.contains(.incomplete) && !cut.contains(.running), "\(cut)")

        #expect(try CLI.run(args + ["--resume"]).status == 0)
        #expect(try Self.statuses(out) == Array(repeating: .finished, count: 8))
        #expect(
            try CLI.run(["simulate", scenario, "--out", tmp.path("whole.sqlite"), "--jobs", "2", "--no-observations"])
                .status == 0)
        #expect(try Self.digest(out) == (try Self.digest(tmp.path("whole.sqlite"))))

        // SIGTERM: 143, runs interrupted.
        let term = try CLI.start([
            "simulate", scenario, "--out", tmp.path("term.sqlite"), "--jobs", "1", "--no-observations",
        ])
        let termDrain = Drain(term)
        #expect(Self.waitForFinishedRuns(tmp.path("term.sqlite"), 1, child: term))
        kill(term.processIdentifier, SIGTERM)
        term.waitUntilExit()
        #expect(term.terminationStatus == 143, "\(termDrain.stderr)")
        #expect(try Self.statuses(tmp.path("term.sqlite")).contains(.interrupted))
    }

    /// The contract the Slurm scripts use: sweep --shard K/N --out, merge --out, digest; the merge equals the
    /// unsharded sweep; a resume of a different scenario is refused with exit 65.
    @Test func shardedSweepMergeDigestThroughTheCLI() throws {
        let tmp = try TempDir()
        let sweep = CLI.path("Scenarios/sweeps/tiny-sweep.yaml")
        let dry = try CLI.run(["sweep", sweep, "--dry-run"])
        #expect(dry.status == 0 && dry.stdout.contains("4 points, 16 runs"), "\(dry.stdout)\(dry.stderr)")
        let whole = try CLI.run(["sweep", sweep, "--out", tmp.path("whole.sqlite"), "--jobs", "2"])
        #expect(whole.status == 0, "\(whole.stderr)")
        #expect(whole.stdout.contains("p3/intermediary"), "\(whole.stdout)")
        for k in 1...2 {
            let r = try CLI.run(["sweep", sweep, "--shard", "\(k)/2", "--out", tmp.path("s\(k).sqlite"), "--jobs", "2"])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let merged = try CLI.run([
            "merge", "--out", tmp.path("merged.sqlite"), tmp.path("s1.sqlite"), tmp.path("s2.sqlite"),
        ])
        #expect(merged.status == 0, "\(merged.stderr)")
        let wholeDigest = try Self.digest(tmp.path("whole.sqlite"))
        #expect(try Self.digest(tmp.path("merged.sqlite")) == wholeDigest)
        #expect(merged.stdout.contains(wholeDigest))

        let missing = try CLI.run(["merge", "--out", tmp.path("m2.sqlite"), tmp.path("s1.sqlite")])
        #expect(missing.status == 65 && missing.stderr.contains("--allow-partial"), "\(missing.stderr)")
        #expect(try CLI.run(["sweep", sweep, "--shard", "3/2"]).status != 0)

        let other = try tmp.write(
            "other.yaml",
            try String(contentsOfFile: CLI.path("Scenarios/validation/market-tiny.yaml"), encoding: .utf8)
                + "\n# changed\n")
        let refused = try CLI.run(["simulate", other, "--out", tmp.path("whole.sqlite"), "--resume"])
        #expect(refused.status == 65 && refused.stderr.contains("holds a sweep study"), "\(refused.stderr)")
        #expect(try CLI.run(["digest", tmp.path("nope.sqlite")]).status == 66)
    }
}
