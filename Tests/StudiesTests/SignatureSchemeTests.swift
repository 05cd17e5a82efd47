import Foundation
import MarketModel
import Replay
import Results
import Scenario
import Testing

@testable import Studies

/// Simulated signatures (issue 16): the same market records as real Ed25519, for every design; only the chain's
/// bytes differ, the scheme is recorded, and replay checks the keyed hashes.
@Suite struct SignatureSchemeTests {
    /// The default market cut to 8 hours (the first reports commit after about 4): one replication of each of its four designs. Half the reports are
    /// sampled for peer review (the contracts' on-chain draw) and reviewed after 30 minutes, so a draw that depended on
    /// signature bytes would change which studies are reviewed (and the value-based design's settlements).
    static func defaultCut() throws -> ScenarioFile {
        let path = ResumeSweepTests.path("Scenarios/default.yaml")
        var text = try String(contentsOfFile: path, encoding: .utf8)
        for (from, to) in [
            ("horizon: 14 d", "horizon: 8 h"), ("warmup: 7 d", "warmup: 1 h"), ("rate: 5 %", "rate: 50 %"),
            ("delay: 1 d ", "delay: 30 min "),
        ] {
            #expect(text.contains(from), "Scenarios/default.yaml no longer says '\(from)'")
            text = text.replacingOccurrences(of: from, with: to)
        }
        return try ScenarioLoader.parse(text: text, path: path).with(replications: 1)
    }

    static func open(_ path: String) throws -> ResultsStore { try ResultsStore(readingOnly: path) }

    @Test func simulatedSignaturesGiveTheSameMarketTablesForEveryDesign() throws {
        let dir = try ResumeSweepTests.Dir()
        let file = try Self.defaultCut()
        var paths: [String] = []
        for scheme in [ChainParameters.Signatures.ed25519, .simulated] {
            var options = StudyOptions(databasePath: dir.path("\(scheme.rawValue).sqlite"), jobs: 2)
            options.signatures = scheme
            _ = try MarketStudy.run(file, options: options)
            paths.append(options.databasePath)
        }
        let (real, sim) = (try Self.open(paths[0]), try Self.open(paths[1]))
        defer {
            try? real.close()
            try? sim.close()
        }
        let tables = ResultsStore.marketResultTables + ["chain_blocks"]  // block times, rounds, sizes too
        #expect(try real.resultsDigest(tables: tables) == (try sim.resultsDigest(tables: tables)))
        // Per design: the same rows, but another chain, and each run says which scheme signed it.
        let (ra, sa) = (try real.runs(), try sim.runs())
        #expect(
            ra.map(\.provenance.variant) == ["intermediary", "posted-price", "auction", "posted-price-value-based"])
        #expect(ra.map(\.provenance.variant) == sa.map(\.provenance.variant))
        let (rd, sd) = (try real.runDigests(tables: tables), try sim.runDigests(tables: tables))
        for (r, s) in zip(ra, sa) {
            #expect(rd[r.id] != nil && rd[r.id] == sd[s.id], "\(r.provenance.variant ?? "")")
            let (rc, sc) = (try #require(try real.chainRun(run: r.id)), try #require(try sim.chainRun(run: s.id)))
            #expect(rc.signatures == .ed25519 && sc.signatures == .simulated)
            #expect(rc.chainDigest != sc.chainDigest, "the simulated run must sign differently")
            #expect(rc.signatureVerifications == sc.signatureVerifications && rc.committed == sc.committed)
        }
        #expect(try real.studySettings()?.signatures == "ed25519")
        #expect(try sim.studySettings()?.signatures == "simulated")
        // The whole digest leaves the scheme column out but sees the chains differ.
        #expect(try real.resultsDigest() != (try sim.resultsDigest()))

        // Replay checks the keyed hashes under the recorded scheme, and they are not Ed25519 signatures.
        let runID = sa[1].id
        let replay = try ChainReplay.replay(databasePath: paths[1], run: runID.rawValue)
        #expect(replay.ok && replay.runs.map(\.signatures) == ["simulated"], "\(replay.runs.first?.failures ?? [])")
        #expect((replay.runs.first?.counts.signaturesVerified ?? 0) > 0)
        var wrong = ChainReplayer(chain: try #require(try sim.chain(run: runID)), signatures: .ed25519)
        wrong.run()
        #expect(wrong.failures.contains { $0.kind == "certificate" || $0.kind == "transaction" })

        // A resume under the other scheme is refused.
        var resume = StudyOptions(databasePath: paths[1], jobs: 1)
        resume.resume = true
        resume.signatures = .ed25519
        #expect(throws: ResumeError.self) { try MarketStudy.run(file, options: resume) }
    }
}
