import Foundation
import Testing

/// `readchain compare --from SWEEP --by point`, and `plot` / `report` of a sweep database (issue 15, item 1).
@Suite struct CompareSweepCLITests {
    /// A two-point sweep of the tiny market (a peer-review rate the base file leaves at its default, so the points'
    /// labels carry a `%`, which gnuplot's tic labels must escape), compared by point: the table, the stored rows, the CSV and the JSON say
    /// the same; plot draws the forest plot and report reports the sweep; a bad --baseline exits 64 and a database
    /// that is not a sweep's exits 65, each with a message naming the problem.
    @Test func compareByPointPlotAndReportASweep() throws {
        let tmp = try TempDir()
        let sweep = try tmp.write(
            "s.yaml",
            """
            schema: readchain-sweep/v1
            name: cli-points
            scenario: \(CLI.path("Scenarios/validation/market-tiny.yaml"))
            method: grid
            replications: 2
            parameters:
              - path: market.peer_review.rate
                values: [5 %, 50 %]
            """)
        let db = tmp.path("s.sqlite")
        let s = try CLI.run(["sweep", sweep, "--out", db, "--jobs", "2", "--no-chain", "--signatures", "simulated"])
        #expect(s.status == 0, "\(s.stderr)")

        let c = try CLI.run(["compare", "--from", db, "--by", "point", "--csv", tmp.path("c.csv")])
        #expect(c.status == 0, "\(c.stderr)")
        for needle in [
            "sweep 'cli-points'", "paired differences vs point p0 (point − p0, same design, same replications)",
            "metric", "point/design", "p1/posted-price", "p1/intermediary", "cost_per_study",
            "Holm's step-down correction",
        ] {
            #expect(c.stdout.contains(needle), "missing \(needle):\n\(c.stdout)")
        }
        let csv = try String(contentsOfFile: tmp.path("c.csv"), encoding: .utf8).split(separator: "\n")
        // One row per headline metric and design (two designs, one point against the baseline).
        let metrics = Set(csv.dropFirst().map { $0.split(separator: ",")[3] })
        #expect(metrics.count > 20 && csv.count == 1 + metrics.count * 2, "\(csv.count)")
        #expect(csv.dropFirst().allSatisfy { $0.contains(",p0/") && $0.contains(",p1/") })

        // The stored rows export as the CSV compare wrote (both Holm-adjusted).
        let exported = try CLI.run(["export", db, "--table", "comparisons"])
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(exported.stdout == (try String(contentsOfFile: tmp.path("c.csv"), encoding: .utf8)))

        let j = try CLI.run(["compare", "--from", db, "--by", "point", "--json"])
        #expect(j.status == 0, "\(j.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any]
        #expect(json?["baseline"] as? String == "p0" && json?["by"] as? String == "point")
        #expect((json?["comparisons"] as? [Any])?.count == metrics.count * 2)

        let bad = try CLI.run(["compare", "--from", db, "--by", "point", "--baseline", "p9"])
        #expect(bad.status == 64, "\(bad.stdout)\(bad.stderr)")
        #expect(bad.stderr.contains("'p9' is not a point of sweep 'cli-points'"), "\(bad.stderr)")
        #expect(bad.stderr.contains("(points: p0, p1)"), "\(bad.stderr)")

        let reversed = try CLI.run(["compare", "--from", db, "--by", "point", "--baseline", "p1"])
        #expect(reversed.status == 0 && reversed.stdout.contains("p0/posted-price"), "\(reversed.stderr)")

        // Without --by, a sweep database is refused with the command that works.
        let plainCompare = try CLI.run(["compare", "--from", db])
        #expect(plainCompare.status == 65 && plainCompare.stderr.contains("--by point"), "\(plainCompare.stderr)")

        let plots = tmp.path("plots")
        let p = try CLI.run(["plot", db, "--out-dir", plots, "--format", "png"])
        #expect(p.status == 0, "\(p.stdout)\(p.stderr)")
        let png = (try? Data(contentsOf: URL(fileURLWithPath: plots + "/sweep-forest.png"))) ?? Data()
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))

        let r = try CLI.run(["report", db, "--out", tmp.path("r.md"), "--plots", plots])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let report = (try? String(contentsOfFile: tmp.path("r.md"), encoding: .utf8)) ?? ""
        #expect(report.contains("## Paired comparisons against point `p1`"), "stored by the last compare")
        #expect(report.contains("![Sweep forest](plots/sweep-forest.png)"), "\(report)")

        // A database that is not a sweep's.
        let q = try tmp.write("q.yaml", smallScenario(replications: 2, horizon: "500 h"))
        let qdb = tmp.path("q.sqlite")
        #expect(try CLI.run(["simulate", q, "--out", qdb]).status == 0)
        let notSweep = try CLI.run(["compare", "--from", qdb, "--by", "point"])
        #expect(notSweep.status == 65, "\(notSweep.stdout)\(notSweep.stderr)")
        #expect(notSweep.stderr.contains("is not a sweep database"), "\(notSweep.stderr)")

        let noFrom = try CLI.run(["compare", "--by", "point", sweep])
        #expect(noFrom.status == 64 && noFrom.stderr.contains("--from"), "\(noFrom.stderr)")
    }
}
