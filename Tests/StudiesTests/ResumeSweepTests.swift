import Analysis
import Foundation
import GRDB
import Replay
import Results
import Scenario
import Testing

@testable import Studies

/// Resumable studies, cancellation, sequential stopping, sweeps, shards and merges, in process; the digest is the
/// judge of "the same results".
@Suite struct ResumeSweepTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    final class Dir {
        let url: URL
        init() throws {
            url = FileManager.default.temporaryDirectory.appendingPathComponent("readchain-resume-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        }
        func path(_ name: String) -> String { url.appendingPathComponent(name).path }
        deinit { try? FileManager.default.removeItem(at: url) }
    }

    /// A small queue scenario: each replication a fraction of a second.
    static func queue(replications: Int = 6, horizon: String = "2000 h") throws -> ScenarioFile {
        try ScenarioLoader.parse(
            text: """
                schema: readchain/v1
                kind: queue
                name: resume-queue
                seed: 42
                replications: \(replications)
                horizon: \(horizon)
                warmup: 100 h
                queue:
                  arrival_rate: 9 /h
                  service_rate: 1 /h
                  servers: 10
                """, path: "resume-queue.yaml")
    }

    static func digest(_ path: String) throws -> String {
        let s = try ResultsStore(path: path)
        defer { try? s.close() }
        return try s.resultsDigest()
    }

    static func statuses(_ path: String) throws -> [RunStatus] {
        let s = try ResultsStore(path: path)
        defer { try? s.close() }
        return try s.runs().map(\.status)
    }

    /// A queue study cancelled after its second replication keeps what was written, marks the rest interrupted,
    /// and a resume gives the uninterrupted study's digest; the digest ignores run ids and provenance.
    @Test func cancelledQueueStudyResumesToTheSameDigest() throws {
        let dir = try Dir()
        let file = try Self.queue()
        _ = try QueueStudy.run(file, options: StudyOptions(databasePath: dir.path("whole.sqlite"), jobs: 2))

        var options = StudyOptions(databasePath: dir.path("cut.sqlite"), jobs: 1)
        let cancellation = StudyCancellation()
        options.cancellation = cancellation
        options.progress = { done, _ in if done == 3 { cancellation.cancel(reason: "test") } }
        #expect(throws: StudyInterrupted.self) { try QueueStudy.run(file, options: options) }
        let cut = try Self.statuses(dir.path("cut.sqlite"))
        #expect(cut.filter { $0 == .finished }.count == 2, "\(cut)")
        #expect(cut.filter { $0 == .interrupted }.count == 4, "\(cut)")
        #expect(try Self.digest(dir.path("cut.sqlite")) != (try Self.digest(dir.path("whole.sqlite"))))

        var resume = StudyOptions(databasePath: dir.path("cut.sqlite"), jobs: 3)
        resume.resume = true
        let summary = try QueueStudy.run(file, options: resume)
        #expect(summary.replications == 6)
        #expect(try Self.statuses(dir.path("cut.sqlite")) == Array(repeating: .finished, count: 6))
        #expect(try Self.digest(dir.path("cut.sqlite")) == (try Self.digest(dir.path("whole.sqlite"))))

        // Resuming a finished study runs nothing and changes nothing.
        let before = try Self.digest(dir.path("cut.sqlite"))
        _ = try QueueStudy.run(file, options: resume)
        #expect(try Self.digest(dir.path("cut.sqlite")) == before)
    }

    /// The digest changes when one stored value changes.
    @Test func digestSeesOneChangedValue() throws {
        let dir = try Dir()
        let file = try Self.queue(replications: 2)
        _ = try QueueStudy.run(file, options: StudyOptions(databasePath: dir.path("a.sqlite"), jobs: 1))
        let before = try Self.digest(dir.path("a.sqlite"))
        let s = try ResultsStore(path: dir.path("a.sqlite"))
        let run = try s.runs()[1].id
        try s.close()
        try Sqlite.execute(
            dir.path("a.sqlite"),
            "UPDATE observations SET value = value + 1e-9 WHERE rowid = (SELECT max(rowid) FROM observations)")
        #expect(try Self.digest(dir.path("a.sqlite")) != before)
        _ = run
    }

    /// --resume with --replications extends a finished set to exactly what a fresh study of that size holds.
    @Test func resumeExtendsReplications() throws {
        let dir = try Dir()
        _ = try QueueStudy.run(
            try Self.queue(replications: 5), options: StudyOptions(databasePath: dir.path("five.sqlite"), jobs: 2))
        // The same text (the scenario says 5); the first study is cut to 3 on the command line.
        let file = try Self.queue(replications: 5)
        _ = try QueueStudy.run(
            file.with(replications: 3), options: StudyOptions(databasePath: dir.path("grow.sqlite"), jobs: 2))
        var options = StudyOptions(databasePath: dir.path("grow.sqlite"), jobs: 2)
        options.resume = true
        _ = try QueueStudy.run(file, options: options)
        #expect(try Self.digest(dir.path("grow.sqlite")) == (try Self.digest(dir.path("five.sqlite"))))
    }

    /// A resume refuses another scenario text and another seed, and names both.
    @Test func resumeRefusesAnotherStudy() throws {
        let dir = try Dir()
        _ = try QueueStudy.run(
            try Self.queue(replications: 2), options: StudyOptions(databasePath: dir.path("a.sqlite"), jobs: 1))
        var options = StudyOptions(databasePath: dir.path("a.sqlite"), jobs: 1)
        options.resume = true
        let other = try Self.queue(replications: 2, horizon: "2001 h")
        let error = #expect(throws: ResumeError.self) { try QueueStudy.run(other, options: options) }
        #expect(error?.message.contains("sha256") == true)
        let seeded = #expect(throws: ResumeError.self) {
            try QueueStudy.run(try Self.queue(replications: 2).with(seed: 7), options: options)
        }
        #expect(seeded?.message.contains("seed") == true)
    }

    /// A run left `running` by a process on another host (a failed cluster node) blocks a resume, which names
    /// --take-over; with it the run is redone and the database equals the uninterrupted study's.
    @Test func takeOverRedoesRunsOfAnotherHost() throws {
        let dir = try Dir()
        let file = try Self.queue(replications: 3)
        _ = try QueueStudy.run(file, options: StudyOptions(databasePath: dir.path("whole.sqlite"), jobs: 1))
        _ = try QueueStudy.run(file, options: StudyOptions(databasePath: dir.path("cut.sqlite"), jobs: 1))
        try Sqlite.execute(
            dir.path("cut.sqlite"),
            "UPDATE runs SET status = 'running', ended_at = NULL, host = 'failed-node-17', pid = 4242 WHERE replication = 1"
        )
        var options = StudyOptions(databasePath: dir.path("cut.sqlite"), jobs: 1)
        options.resume = true
        let refused = #expect(throws: ResumeError.self) { try QueueStudy.run(file, options: options) }
        #expect(refused?.message.contains("failed-node-17") == true && refused?.message.contains("--take-over") == true)
        #expect(try Self.statuses(dir.path("cut.sqlite")).contains(.running))
        options.takeOver = true
        _ = try QueueStudy.run(file, options: options)
        #expect(try Self.statuses(dir.path("cut.sqlite")) == [.finished, .finished, .finished])
        #expect(try Self.digest(dir.path("cut.sqlite")) == (try Self.digest(dir.path("whole.sqlite"))))
    }

    /// A run's chain stored in chunks while it runs is row for row the chain stored at its end, and replays.
    @Test func chainStoredInChunksDuringTheRunEqualsTheWholeChain() throws {
        let dir = try Dir()
        let file = try ScenarioLoader.load(path: Self.path("Scenarios/validation/market-tiny.yaml")).with(
            replications: 1)
        var whole = StudyOptions(databasePath: dir.path("whole.sqlite"), jobs: 2)
        whole.chainChunkBlocks = 1_000_000
        _ = try MarketStudy.run(file, options: whole)
        var chunked = StudyOptions(databasePath: dir.path("chunked.sqlite"), jobs: 2)
        chunked.chainChunkBlocks = 7
        _ = try MarketStudy.run(file, options: chunked)
        #expect(try Self.digest(dir.path("chunked.sqlite")) == (try Self.digest(dir.path("whole.sqlite"))))
        let store = try ResultsStore(readingOnly: dir.path("chunked.sqlite"))
        defer { try? store.close() }
        for run in try store.runs() {
            let chain = try #require(try store.chain(run: run.id))
            #expect(chain.blocks.count > 7 * 3, "a few chunks at least")
            #expect(chain.blocks.map(\.height) == Array(1...Int64(chain.blocks.count)))
        }
        let replay = try ChainReplay.replay(databasePath: dir.path("chunked.sqlite"))
        #expect(replay.ok && replay.runs.count == 2)
    }

    /// A market study cancelled after its first run is written resumes to the uninterrupted study's digest.
    @Test func cancelledMarketStudyResumesToTheSameDigest() throws {
        let dir = try Dir()
        let file = try ScenarioLoader.load(path: Self.path("Scenarios/validation/market-tiny.yaml"))
        _ = try MarketStudy.run(file, options: StudyOptions(databasePath: dir.path("whole.sqlite"), jobs: 2))

        var options = StudyOptions(databasePath: dir.path("cut.sqlite"), jobs: 1)
        let cancellation = StudyCancellation()
        options.cancellation = cancellation
        options.simulatedProgress = { p in if p.runsFinished == 2 { cancellation.cancel(reason: "test") } }
        let stopped = #expect(throws: StudyInterrupted.self) { try MarketStudy.run(file, options: options) }
        #expect(stopped?.runsInterrupted == 3, "\(String(describing: stopped))")
        let cut = try Self.statuses(dir.path("cut.sqlite"))
        #expect(cut == [.finished, .interrupted, .interrupted, .interrupted], "\(cut)")

        var resume = StudyOptions(databasePath: dir.path("cut.sqlite"), jobs: 2)
        resume.resume = true
        let summary = try MarketStudy.run(file, options: resume)
        #expect(summary.runs.count == 4)
        #expect(try Self.digest(dir.path("cut.sqlite")) == (try Self.digest(dir.path("whole.sqlite"))))

        // The chain setting is part of the study: resuming with --no-chain (or without it, over a study written
        // with it) would mix runs with and without their chains, and is refused with nothing changed.
        let before = try Self.digest(dir.path("cut.sqlite"))
        var noChain = resume
        noChain.recordChain = false
        let refused = #expect(throws: ResumeError.self) { try MarketStudy.run(file, options: noChain) }
        #expect(refused?.message.contains("--no-chain") == true, "\(String(describing: refused))")
        #expect(try Self.digest(dir.path("cut.sqlite")) == before)
    }

    /// Sequential stopping on the queue: batches until every watched metric's relative half-width is under the
    /// target, recorded in `stopping`; an unreachable target stops at the cap.
    @Test func sequentialStoppingOnTheQueue() throws {
        let dir = try Dir()
        let file = try Self.queue(replications: 2)
        let rule = try StoppingRule(
            targetHalfWidth: 0.02, metrics: ["utilisation", "throughput"], maxReplications: 30, batch: 2)
        let (summary, stopping) = try SequentialStudy.runQueue(
            file, rule: rule, options: StudyOptions(databasePath: dir.path("seq.sqlite"), jobs: 2))
        #expect(stopping.reason == "target_met")
        #expect(stopping.replications > 2 && stopping.replications < 30)
        #expect(summary.replications == stopping.replications)
        for name in ["utilisation", "throughput"] {
            let m = try #require(summary.metric(name))
            #expect(m.halfWidth / abs(m.mean) < 0.02)
        }
        // One batch fewer would not have met it (otherwise the rule stopped late).
        let fewer = try QueueStudy.run(
            file.with(replications: stopping.replications - 2),
            options: StudyOptions(databasePath: dir.path("fewer.sqlite"), jobs: 2))
        #expect(
            ["utilisation", "throughput"].contains { fewer.metric($0)!.halfWidth / abs(fewer.metric($0)!.mean) >= 0.02 }
        )
        let s = try ResultsStore(path: dir.path("seq.sqlite"))
        let rows = try s.stopping()
        try s.close()
        #expect(rows.count == 1 && rows[0].reason == "target_met" && rows[0].replications == stopping.replications)

        let hard = try StoppingRule(targetHalfWidth: 1e-6, metrics: nil, maxReplications: 5, batch: 2)
        let (_, capped) = try SequentialStudy.runQueue(
            file, rule: hard, options: StudyOptions(databasePath: dir.path("cap.sqlite"), jobs: 2))
        #expect(capped.reason == "max_replications" && capped.replications == 5)
    }

    /// Sequential stopping on the tiny market, per design, on the metrics named.
    @Test func sequentialStoppingOnTheTinyMarket() throws {
        let dir = try Dir()
        let file = try ScenarioLoader.load(path: Self.path("Scenarios/validation/market-tiny.yaml"))
        let rule = try StoppingRule(targetHalfWidth: 0.5, metrics: ["cost_per_study"], maxReplications: 6, batch: 2)
        let (summary, stopping) = try SequentialStudy.runMarket(
            file, rule: rule, options: StudyOptions(databasePath: dir.path("seq.sqlite"), jobs: 2))
        #expect(stopping.variants.map(\.variant) == ["posted-price", "intermediary"])
        #expect(stopping.replications >= 2 && stopping.replications <= 6)
        if stopping.reason == "target_met" {
            for d in summary.designs {
                let m = try #require(d.metric("cost_per_study"))
                #expect(m.halfWidth / abs(m.mean) < 0.5)
            }
        }
        #expect(summary.runs.count == 2 * stopping.replications)
    }

    /// Paired sequential stopping (issue 15 item 3): the target applies to intermediary − posted-price, the paired
    /// half-width over |posted-price's mean| on the same replications, recomputed here from the stored runs; the
    /// study stops at the first batch meeting it (the replications before the last batch did not), and an unknown
    /// baseline is a command-line error that writes nothing.
    @Test func pairedSequentialStoppingOnTheTinyMarket() throws {
        let dir = try Dir()
        let file = try ScenarioLoader.load(path: Self.path("Scenarios/validation/market-tiny.yaml"))
        let target = 0.1
        let rule = try StoppingRule(
            targetHalfWidth: target, metrics: ["cost_per_study"], maxReplications: 12, batch: 2,
            pairedBaseline: "posted-price")
        let (summary, stopping) = try SequentialStudy.runMarket(
            file, rule: rule, options: StudyOptions(databasePath: dir.path("seq.sqlite"), jobs: 2))
        #expect(stopping.pairedBaseline == "posted-price")
        #expect(stopping.variants.map(\.reason) == ["baseline", "target_met"], "\(stopping)")
        #expect(stopping.reason == "target_met" && stopping.replications > 2, "\(stopping)")
        #expect(summary.runs.count == 2 * stopping.replications)
        let store = try ResultsStore(path: dir.path("seq.sqlite"))
        let groups = try store.finishedRunMetrics()
        try store.close()
        func column(_ design: String, below n: Int) -> [Int: Double] {
            var values: [Int: Double] = [:]
            for run in groups.first(where: { $0.variant == design })!.runs where run.replication < n {
                values[run.replication] = run.values["cost_per_study"]!.value
            }
            return values
        }
        func relative(_ n: Int) -> Double {
            let d = Comparison.paired(
                baseline: column("posted-price", below: n), variant: column("intermediary", below: n),
                confidence: MarketStudy.confidence)
            return d.halfWidthPaired / abs(d.baselineMean)
        }
        let reported = try #require(stopping.variants[1].worstRelativeHalfWidth)
        #expect(reported == relative(stopping.replications), "reported \(reported)")
        #expect(reported < target)
        #expect(relative(stopping.replications - 2) >= target, "one batch earlier already met the target")
        let reopened = try ResultsStore(path: dir.path("seq.sqlite"))
        let rows = try reopened.stopping()
        try reopened.close()
        #expect(rows.map(\.variant) == ["intermediary"] && rows[0].pairedBaseline == "posted-price", "\(rows)")
        #expect(rows[0].worstRelativeHalfWidth == reported && rows[0].reason == "target_met")

        let unknown = try StoppingRule(
            targetHalfWidth: target, metrics: nil, maxReplications: 4, batch: 2, pairedBaseline: "posted-prize")
        let error = #expect(throws: StudyOptionError.self) {
            _ = try SequentialStudy.runMarket(
                file, rule: unknown, options: StudyOptions(databasePath: dir.path("bad.sqlite"), jobs: 2))
        }
        #expect(error?.message.contains("did you mean 'posted-price'") == true, "\(String(describing: error))")
        #expect(!FileManager.default.fileExists(atPath: dir.path("bad.sqlite")))
    }

    /// LHS points: one per stratum of each range, deterministic.
    @Test func latinHypercubeIsStratifiedAndDeterministic() throws {
        let a = try SweepFile.load(path: Self.path("Scenarios/sweeps/mmc-lhs.yaml"))
        let b = try SweepFile.load(path: Self.path("Scenarios/sweeps/mmc-lhs.yaml"))
        #expect(a.points.count == 6)
        #expect(a.points.map { $0.scenario.sha256 } == b.points.map { $0.scenario.sha256 })
        let rates = a.points.map { Double($0.values[0].value.split(separator: " ")[0])! }
        let strata = Set(rates.map { Int(($0 - 6) / (3.5 / 6)) })
        #expect(strata == Set(0..<6), "\(rates)")
        for p in a.points {
            guard case .queue(let q) = p.scenario.model else {
                Issue.record("not a queue")
                continue
            }
            #expect((10...14).contains(q.servers))
            #expect(abs(q.arrivalRatePerSecond * 3600 - Double(p.values[0].value.split(separator: " ")[0])!) < 1e-9)
        }
    }

    /// A value the scenario loader refuses is reported with the point and the parameter.
    @Test func badSweepValueNamesPointAndParameter() throws {
        let dir = try Dir()
        let sweep = dir.path("bad.yaml")
        try """
        schema: readchain-sweep/v1
        name: bad
        scenario: \(Self.path("Scenarios/validation/mmc.yaml"))
        method: grid
        parameters:
          - path: queue.servers
            values: [10, -3]
        """.write(toFile: sweep, atomically: true, encoding: .utf8)
        let error = #expect(throws: SweepError.self) { try SweepFile.load(path: sweep) }
        #expect(
            error?.message.contains("point p1") == true && error?.message.contains("queue.servers=-3") == true,
            "\(String(describing: error))")

        try """
        schema: readchain-sweep/v1
        name: bad
        scenario: \(Self.path("Scenarios/validation/mmc.yaml"))
        method: grid
        parameters:
          - path: queue.severs
            values: [10]
        """.write(toFile: sweep, atomically: true, encoding: .utf8)
        // A key absent from the base file is added (defaults can be swept), so a typo is the loader's unknown key,
        // reported at the parameter's path.
        let missing = #expect(throws: SweepError.self) { try SweepFile.load(path: sweep) }
        #expect(
            missing?.message.contains("bad.yaml:6:11: error: point p0 (queue.severs=10): unknown key 'severs'") == true,
            "\(String(describing: missing))")
    }

    /// Three shards of tiny-sweep, merged, have the unsharded sweep's digest; a merge refuses a missing shard
    /// (or lists it with allowPartial) and a run doubled with different results.
    @Test func shardedTinySweepMergesToTheUnshardedDigest() throws {
        let dir = try Dir()
        let sweep = try SweepFile.load(path: Self.path("Scenarios/sweeps/tiny-sweep.yaml"))
        #expect(sweep.points.count == 4)
        let whole = try SweepStudy.run(
            sweep, shard: .whole, options: StudyOptions(databasePath: dir.path("whole.sqlite"), jobs: 2))
        #expect(whole.runsFinished == 16 && whole.points.allSatisfy { $0.variants.count == 2 })
        var shards: [String] = []
        for k in 1...3 {
            let p = dir.path("shard\(k).sqlite")
            let s = try SweepStudy.run(
                sweep, shard: try SweepShard(index: k, count: 3), options: StudyOptions(databasePath: p, jobs: 2))
            #expect(s.runsInShard == (k == 1 ? 6 : 5))
            shards.append(p)
        }
        let report = try SweepStudy.merge(inputs: shards, output: dir.path("merged.sqlite"), allowPartial: false)
        #expect(report.copied == 16 && report.missing.isEmpty && report.duplicates == 0)
        #expect(try Self.digest(dir.path("merged.sqlite")) == (try Self.digest(dir.path("whole.sqlite"))))

        // Overlapping inputs with equal results are fine.
        let again = try SweepStudy.merge(
            inputs: shards + [dir.path("whole.sqlite")], output: dir.path("again.sqlite"), allowPartial: false)
        #expect(again.duplicates == 16)
        #expect(try Self.digest(dir.path("again.sqlite")) == (try Self.digest(dir.path("whole.sqlite"))))

        let missing = #expect(throws: MergeError.self) {
            try SweepStudy.merge(
                inputs: Array(shards.prefix(2)), output: dir.path("partial.sqlite"), allowPartial: false)
        }
        #expect(missing?.message.contains("5 of the sweep's 16 runs") == true, "\(String(describing: missing))")
        #expect(!FileManager.default.fileExists(atPath: dir.path("partial.sqlite")))
        let partial = try SweepStudy.merge(
            inputs: Array(shards.prefix(2)), output: dir.path("partial.sqlite"), allowPartial: true)
        #expect(partial.missing.count == 5)

        // Tamper with one run's metric in a copy of the whole sweep: the merge names the doubled run.
        try FileManager.default.copyItem(atPath: dir.path("whole.sqlite"), toPath: dir.path("tampered.sqlite"))
        try Sqlite.execute(
            dir.path("tampered.sqlite"),
            "UPDATE run_metrics SET value = value + 1 WHERE name = 'cost_per_study' AND run_id = (SELECT min(id) FROM runs)"
        )
        let doubled = #expect(throws: MergeError.self) {
            try SweepStudy.merge(
                inputs: shards + [dir.path("tampered.sqlite")], output: dir.path("bad.sqlite"), allowPartial: false)
        }
        #expect(
            doubled?.message.contains("with different results") == true && doubled?.message.contains("p0/") == true,
            "\(String(describing: doubled))")

        // Another sweep's shard is refused.
        let other = try SweepFile.load(path: Self.path("Scenarios/sweeps/mmc-lhs.yaml"), replications: 1)
        _ = try SweepStudy.run(
            other, shard: try SweepShard(index: 1, count: 6),
            options: StudyOptions(databasePath: dir.path("other.sqlite"), jobs: 1))
        let foreign = #expect(throws: MergeError.self) {
            try SweepStudy.merge(
                inputs: [shards[0], dir.path("other.sqlite")], output: dir.path("x.sqlite"), allowPartial: false)
        }
        #expect(foreign?.message.contains("another sweep") == true)
    }

    /// A re-run shard skips its finished runs and redoes an interrupted one.
    @Test func sweepShardIsResumable() throws {
        let dir = try Dir()
        let sweep = try SweepFile.load(path: Self.path("Scenarios/sweeps/mmc-lhs.yaml"), replications: 2)
        _ = try SweepStudy.run(
            sweep, shard: .whole, options: StudyOptions(databasePath: dir.path("whole.sqlite"), jobs: 2))
        var options = StudyOptions(databasePath: dir.path("cut.sqlite"), jobs: 1)
        let cancellation = StudyCancellation()
        options.cancellation = cancellation
        options.progress = { done, _ in if done == 4 { cancellation.cancel(reason: "test") } }
        #expect(throws: StudyInterrupted.self) { try SweepStudy.run(sweep, shard: .whole, options: options) }
        let s = try SweepStudy.run(
            sweep, shard: .whole, options: StudyOptions(databasePath: dir.path("cut.sqlite"), jobs: 2))
        #expect(s.runsFinished == 12)
        #expect(try Self.digest(dir.path("cut.sqlite")) == (try Self.digest(dir.path("whole.sqlite"))))
    }
}

/// Raw SQL on a database file, for tampering in tests.
enum Sqlite {
    static func execute(_ path: String, _ sql: String) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in try db.execute(sql: sql) }
        try queue.close()
    }
}
