import Analysis
import Foundation
import Results
import Testing

/// `readchain sensitivity` (issue 15, item 2): Sobol' and Morris indices of a stored sweep, equal to the estimators
/// applied to the stored runs directly; refused for a database that is not a morris or sobol sweep.
@Suite struct SensitivityCLITests {
    struct Row: Decodable {
        var design: String
        var metric: String
        var parameter: String
        var index: String
        var value: Double?
        var ciLow: Double?
        var ciHigh: Double?
    }

    static func rows(_ json: String) throws -> [Row] {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode([Row].self, from: Data(json.utf8))
    }

    /// Each point's mean of `metric` over its finished replications, in point order (variant `p<i>`).
    static func pointMeans(_ db: String, metric: String, points: Int) throws -> [Double] {
        let store = try ResultsStore(readingOnly: db)
        defer { try? store.close() }
        var means = [Double](repeating: .nan, count: points)
        for g in try store.finishedRunMetrics() {
            guard let v = g.variant, let i = Int(v.dropFirst()) else { continue }
            let values = g.runs.compactMap { $0.values[metric]?.value }
            means[i] = values.reduce(0, +) / Double(values.count)
        }
        return means
    }

    static func sweep(_ tmp: TempDir, method: String) throws -> String {
        _ = try tmp.write("q.yaml", smallScenario(replications: 2, horizon: "400 h"))
        return try tmp.write(
            "\(method).yaml",
            """
            schema: readchain-sweep/v1
            name: q-\(method)
            scenario: q.yaml
            \(method == "sobol" ? "method: sobol\nsamples: 8" : "method: morris\ntrajectories: 4\nlevels: 4\nseed: 5")
            replications: 2
            parameters:
              - path: queue.arrival_rate
                range: [6, 9.5]
                unit: /h
              - path: queue.servers
                range: [10, 14]
                integer: true
            """)
    }

    /// Sobol': 8 × (2 + 2) = 32 points; the command's S1 and ST of utilisation are Jansen's estimators over the
    /// stored points' means, with the same bootstrap; the CSV has the same rows.
    @Test func sobolIndicesOfAQueueSweep() throws {
        let tmp = try TempDir()
        let db = tmp.path("s.sqlite")
        let s = try CLI.run(["sweep", try Self.sweep(tmp, method: "sobol"), "--out", db, "--jobs", "2"])
        #expect(s.status == 0, "\(s.stderr)")
        let csv = tmp.path("s.csv")
        let out = try CLI.run(["sensitivity", db, "--json", "--bootstrap", "200", "--csv", csv])
        #expect(out.status == 0, "\(out.stderr)")
        let rows = try Self.rows(out.stdout).filter { $0.metric == "utilisation" }
        let y = try Self.pointMeans(db, metric: "utilisation", points: 32)
        let expected = Sensitivity.sobol(y, factors: 2, bootstrap: 200)
        for (i, p) in ["queue.arrival_rate", "queue.servers"].enumerated() {
            let first = try #require(rows.first { $0.parameter == p && $0.index == "S1" })
            let total = try #require(rows.first { $0.parameter == p && $0.index == "ST" })
            #expect(first.value == expected[i].first && first.ciLow == expected[i].firstInterval.lower)
            #expect(total.value == expected[i].total && total.ciHigh == expected[i].totalInterval.upper)
        }
        let lines = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
        #expect(lines[0] == "design,metric,parameter,index,value,ci_low,ci_high")
        #expect(lines.contains { $0.hasPrefix("all,utilisation,queue.servers,ST,") })
        let table = try CLI.run(["sensitivity", db, "--metrics", "utilisation", "--bootstrap", "100"])
        #expect(table.status == 0 && table.stdout.contains("first order S1 [95% CI]"), "\(table.stdout)")
        #expect(try CLI.run(["sensitivity", db, "--metrics", "utilisaton"]).status == 64)
        // `readchain plot` of the sweep draws the sensitivity figure: utilisation's block lists each parameter's ST
        // (bars, sorted ascending so the largest is on top) equal to the command's.
        let plots = tmp.path("plots")
        let plot = try CLI.run(["plot", db, "--out-dir", plots])
        #expect(plot.status == 0, "\(plot.stderr)")
        #expect(FileManager.default.fileExists(atPath: plots + "/sensitivity.png"))
        let dat = try String(contentsOfFile: plots + "/sensitivity.dat", encoding: .utf8)
        let block = try #require(dat.components(separatedBy: "# all / utilisation\n").dropFirst().first)
        let fields = block.split(separator: "\n").prefix(2).map { $0.split(separator: " ") }
        let plotted = fields.map { (String($0[1].dropFirst().dropLast()), Double($0[2])!) }
        #expect(plotted.count == 2 && plotted[0].1 <= plotted[1].1, "\(plotted)")
        for (parameter, st) in plotted {
            let row = try #require(rows.first { $0.parameter == parameter && $0.index == "ST" })
            #expect(abs(st - row.value!) <= 1e-6 * abs(row.value!), "\(parameter): \(st) vs \(row.value!)")
        }
    }

    /// Morris: 4 × (2 + 1) = 12 points; μ* of utilisation from the regenerated design equals the estimator's.
    @Test func morrisEffectsOfAQueueSweep() throws {
        let tmp = try TempDir()
        let db = tmp.path("m.sqlite")
        let s = try CLI.run(["sweep", try Self.sweep(tmp, method: "morris"), "--out", db, "--jobs", "2"])
        #expect(s.status == 0, "\(s.stderr)")
        let out = try CLI.run(["sensitivity", db, "--json", "--bootstrap", "100"])
        #expect(out.status == 0, "\(out.stderr)")
        let rows = try Self.rows(out.stdout).filter { $0.metric == "utilisation" }
        let design = Sensitivity.morrisDesign(factors: 2, trajectories: 4, levels: 4, seed: 5)
        let y = try Self.pointMeans(db, metric: "utilisation", points: 12)
        let expected = Sensitivity.morris(y, design: design, factors: 2, bootstrap: 100)
        for (i, p) in ["queue.arrival_rate", "queue.servers"].enumerated() {
            let star = try #require(rows.first { $0.parameter == p && $0.index == "mu_star" })
            #expect(star.value == expected[i].muStar && star.ciLow == expected[i].muStarInterval.lower)
        }
        // Utilisation rises with the arrival rate and falls with the servers.
        let mu = { (p: String) in rows.first { $0.parameter == p && $0.index == "mu" }?.value ?? .nan }
        #expect(mu("queue.arrival_rate") > 0 && mu("queue.servers") < 0)
    }

    /// A simulate database, and an lhs sweep's, are refused (exit 65) with what is wrong; a missing file exits 66.
    @Test func notASensitivitySweep() throws {
        let tmp = try TempDir()
        let q = try tmp.write("q.yaml", smallScenario(replications: 2, horizon: "400 h"))
        let db = tmp.path("q.sqlite")
        #expect(try CLI.run(["simulate", q, "--out", db]).status == 0)
        let plain = try CLI.run(["sensitivity", db])
        #expect(plain.status == 65 && plain.stderr.contains("is not a sweep's database"), "\(plain.stderr)")
        let lhs = try tmp.write(
            "lhs.yaml",
            """
            schema: readchain-sweep/v1
            name: q-lhs
            scenario: q.yaml
            method: lhs
            points: 2
            seed: 1
            replications: 1
            parameters:
              - path: queue.servers
                range: [10, 12]
                integer: true
            """)
        let ldb = tmp.path("lhs.sqlite")
        #expect(try CLI.run(["sweep", lhs, "--out", ldb]).status == 0)
        let refused = try CLI.run(["sensitivity", ldb])
        #expect(refused.status == 65 && refused.stderr.contains("needs method: morris or sobol"), "\(refused.stderr)")
        #expect(try CLI.run(["sensitivity", tmp.path("none.sqlite")]).status == 66)
    }
}
