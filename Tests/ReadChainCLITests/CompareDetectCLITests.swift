import Foundation
import Testing

/// `readchain compare --detect metric=difference` (issue 15, item 3): the replications a paired difference needs.
@Suite struct CompareDetectCLITests {
    @Test func detectPrintsReplicationsNeededFromThePilot() throws {
        let tmp = try TempDir()
        let db = tmp.path("tiny.sqlite")
        let s = try CLI.run(["simulate", CLI.path(CompareCLITests.tiny), "--out", db, "--no-observations"])
        #expect(s.status == 0, "\(s.stderr)")
        let j = try CLI.run(["compare", "--from", db, "--json", "--detect", "errors_per_1000=2"])
        #expect(j.status == 0, "\(j.stderr)")
        let obj = try CompareCLITests.json(j.stdout)
        let power = try #require(obj["power"] as? [[String: Any]])
        #expect(power.count == 1 && power[0]["metric"] as? String == "errors_per_1000")
        #expect(power[0]["variant"] as? String == "intermediary" && power[0]["delta"] as? Double == 2)
        let sd = try #require(power[0]["pilotSD"] as? Double)
        let n = try #require(power[0]["replicationsNeeded"] as? Int)
        let z = 1.959_963_984_540_054 + 0.841_621_233_572_914_3
        #expect(n == max(2, Int(((z * sd / 2) * (z * sd / 2)).rounded(.up))), "sd \(sd), n \(n)")

        let t = try CLI.run(["compare", "--from", db, "--detect", "errors_per_1000=2", "--detect", "cost_per_study=5"])
        #expect(t.status == 0, "\(t.stderr)")
        #expect(t.stdout.contains("80% power") && t.stdout.contains("an approximation"), "\(t.stdout)")
        #expect(t.stdout.contains("errors_per_1000  intermediary"), "\(t.stdout)")
        #expect(t.stdout.contains("cost_per_study   intermediary"), "\(t.stdout)")
        let plain = try CLI.run(["compare", "--from", db, "--json"])
        #expect(plain.status == 0 && !plain.stdout.contains("\"power\""), "no power without --detect")

        let typo = try CLI.run(["compare", "--from", db, "--detect", "erors_per_1000=2"])
        #expect(typo.status == 64 && typo.stderr.contains("did you mean 'errors_per_1000'"), "\(typo.stderr)")
        #expect(try CLI.run(["compare", "--from", db, "--detect", "errors_per_1000"]).status == 64)
    }
}
