import Analysis
import Foundation
import Results
import Testing

/// `readchain compare` and `readchain report` end to end on the tiny market (two designs, six simulated hours).
@Suite(.serialized) struct CompareCLITests {
    static let tiny = "Scenarios/validation/market-tiny.yaml"

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// The text after the per-design table (which ends with the wall time): the paired table and the summaries.
    static func pairedPart(_ stdout: String) -> String {
        guard let r = stdout.range(of: "paired differences vs") else { return "" }
        return String(stdout[r.lowerBound...])
    }

    @Test func compareRunsStoresAndPrintsEveryFormat() throws {
        let tmp = try TempDir()
        let db = tmp.path("tiny.sqlite")
        let md = tmp.path("out/tiny.md")
        let csv = tmp.path("out/tiny.csv")
        try FileManager.default.createDirectory(atPath: tmp.path("out"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: tmp.path("reports"), withIntermediateDirectories: true)
        let r = try CLI.run([
            "compare", Self.tiny, "--out", db, "--replications", "3", "--jobs", "2", "--markdown", md, "--csv", csv,
        ])
        #expect(r.status == 0, "\(r.stderr)")
        // The per-design table as simulate prints it, then the paired table and the summary line.
        #expect(r.stdout.contains("scenario market-tiny (market)"))
        #expect(r.stdout.contains("paired differences vs 'posted-price'"))
        #expect(r.stdout.contains("p (holm)") && r.stdout.contains("significant"))
        let costRow = try #require(
            Self.pairedPart(r.stdout).split(separator: "\n").first { $0.hasPrefix("cost_per_study") })
        #expect(
            costRow.contains(" intermediary ") && (costRow.contains(" yes ") || costRow.contains(" no ")), "\(costRow)")
        #expect(r.stdout.contains("client cost per study (price + fees)"))
        #expect(r.stdout.contains("over ") && r.stdout.contains("(metric, design) pairs"))
        #expect(r.stdout.contains("warm-up: "))

        // The comparisons table: one row per headline metric for the one other design.
        let store = try ResultsStore(path: db)
        let sha = try #require(try store.runs().first?.provenance.scenarioSHA256)
        let rows = try store.comparisons(scenarioSHA256: sha)
        #expect(rows.count == 43 && rows.allSatisfy { $0.baseline == "posted-price" && $0.variant == "intermediary" })
        let cost = try #require(rows.first { $0.metric == "cost_per_study" })
        #expect(cost.n == 3 && cost.unit == "USD" && cost.halfWidthPaired.isFinite && cost.halfWidthUnpaired > 0)
        // The intermediary's margin makes it dearer; its difference is exactly its mean minus the baseline's.
        #expect(abs(cost.meanDifference - (cost.variantMean - cost.baselineMean)) < 1e-9)
        // The warm-up rows: 6 hourly samples are too few batches for MSER-5, so detected is NULL.
        let warmup = try store.warmup()
        #expect(warmup.count == 6 && warmup.allSatisfy { $0.method == "mser-5" && $0.configuredTicks == 3_600_000_000 })
        #expect(warmup.allSatisfy { $0.detectedTicks == nil && $0.batches == 1 })

        // --from: the same numbers without running, as JSON, matching the stored rows.
        let j = try CLI.run(["compare", "--from", db, "--json"])
        #expect(j.status == 0, "\(j.stderr)")
        let obj = try Self.json(j.stdout)
        #expect(obj["baseline"] as? String == "posted-price")
        #expect(obj["designs"] as? [String] == ["posted-price", "intermediary"])
        #expect(obj["replications"] as? Int == 3)
        let comparisons = try #require(obj["comparisons"] as? [[String: Any]])
        #expect(comparisons.count == rows.count)
        // (Foundation's JSONSerialization on Linux may round the last bit of a double it parses.)
        func same(_ json: Any?, _ value: Double) -> Bool {
            if value.isNaN { return json is NSNull }
            if !value.isFinite { return json as? String == (value > 0 ? "inf" : "-inf") }
            guard let x = json as? Double else { return false }
            return abs(x - value) <= 1e-14 * max(1, abs(value))
        }
        for (c, row) in zip(comparisons, rows) {
            #expect(c["metric"] as? String == row.metric && c["n"] as? Int == row.n)
            #expect(same(c["meanDifference"], row.meanDifference), "\(row.metric)")
            #expect(same(c["halfWidthPaired"], row.halfWidthPaired), "\(row.metric)")
            #expect(same(c["halfWidthUnpaired"], row.halfWidthUnpaired), "\(row.metric)")
            #expect(same(c["baselineMean"], row.baselineMean) && same(c["variantMean"], row.variantMean))
        }
        // Undefined values are null, never the string "nan"; every comparison carries its p-values.
        #expect(!j.stdout.contains("\"nan\"") && j.stdout.contains("null"))
        #expect(obj["adjustment"] as? String == "holm")
        #expect(
            comparisons.allSatisfy { $0["pValue"] != nil && $0["adjustedPValue"] != nil && $0["significant"] != nil })
        // Benjamini-Hochberg never adjusts more than Holm.
        let bh = try Self.json(try CLI.run(["compare", "--from", db, "--json", "--adjust", "bh"]).stdout)
        #expect(bh["adjustment"] as? String == "bh")
        let bhRows = try #require(bh["comparisons"] as? [[String: Any]])
        for (h, b) in zip(comparisons, bhRows) {
            if let ph = h["adjustedPValue"] as? Double, let pb = b["adjustedPValue"] as? Double {
                #expect(pb <= ph + 1e-15, "\(h["metric"] ?? "")")
            }
        }
        #expect(try CLI.run(["compare", "--from", db, "--adjust", "bonferroni"]).status == 64)
        let pairing = try #require(obj["pairing"] as? [String: Any])
        #expect((pairing["pairs"] as? Int ?? 0) > 0)
        #expect(try store.comparisons(scenarioSHA256: sha) == rows, "recomputing from the database changes nothing")

        // --from as text: the paired part is identical to the run's.
        let t = try CLI.run(["compare", "--from", db])
        #expect(t.status == 0, "\(t.stderr)")
        #expect(Self.pairedPart(t.stdout) == Self.pairedPart(r.stdout) && !Self.pairedPart(r.stdout).isEmpty)

        // CSV: a header and one line per comparison, full precision.
        let csvText = try String(contentsOfFile: csv, encoding: .utf8)
        let lines = csvText.split(separator: "\n").map(String.init)
        #expect(lines.count == 44)  // a header and one line per headline metric
        #expect(
            lines[0].hasPrefix("scenario_sha256,baseline,variant,metric,label,unit,n,mean_diff,sd_diff,ci_low,ci_high"))
        let costLine = try #require(lines.first { $0.contains(",cost_per_study,") })
        let fields = costLine.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        #expect(fields[1] == "posted-price" && fields[2] == "intermediary" && fields[6] == "3")
        #expect(Double(fields[7]) == cost.meanDifference && Double(fields[11]) == cost.halfWidthPaired)
        #expect(fields.count == 23 && (Double(fields[18]) ?? .nan).isFinite == cost.varianceRatio.isFinite)
        // The p-value, its Holm adjustment across the table, and the significant column (1/0).
        #expect(lines[0].hasSuffix(",p_value,p_adjusted,adjustment,significant"))
        #expect(Double(fields[19]) == cost.pValue && fields[21] == "holm" && ["0", "1"].contains(fields[22]))
        #expect(try #require(Double(fields[20])) >= cost.pValue)

        // Markdown: both tables.
        let mdText = try String(contentsOfFile: md, encoding: .utf8)
        #expect(mdText.hasPrefix("# Comparison: market-tiny"))
        #expect(
            mdText.contains("## Results by design")
                && mdText.contains("| metric | key | unit | posted-price | intermediary |"))
        #expect(mdText.contains("## Paired comparisons against `posted-price`"))
        #expect(
            mdText.contains("| metric | design | difference | unit | p | p (holm) | significant | paired/unpaired |"))
        #expect(mdText.contains("| `cost_per_study` |"), "metric keys in the results table")

        // Another baseline from the same database: the differences change sign and replace the stored rows.
        let b = try CLI.run(["compare", "--from", db, "--baseline", "intermediary", "--json"])
        #expect(b.status == 0, "\(b.stderr)")
        let flipped = try store.comparisons(scenarioSHA256: sha)
        #expect(flipped.count == 43 && flipped.allSatisfy { $0.baseline == "intermediary" })
        let flippedCost = try #require(flipped.first { $0.metric == "cost_per_study" })
        #expect(abs(flippedCost.meanDifference + cost.meanDifference) < 1e-12)
        #expect(abs(flippedCost.halfWidthPaired - cost.halfWidthPaired) < 1e-12)

        // The report names every design and holds the comparison table and the plots directory's PNGs.
        let plots = tmp.path("plots")
        try FileManager.default.createDirectory(atPath: plots, withIntermediateDirectories: true)
        try Data([0x89, 0x50, 0x4E, 0x47]).write(to: URL(fileURLWithPath: plots + "/turnaround_by-design.png"))
        try Data("x".utf8).write(to: URL(fileURLWithPath: plots + "/notes.txt"))
        let report = tmp.path("reports/tiny-report.md")
        let rep = try CLI.run(["report", db, "--out", report, "--plots", plots])
        #expect(rep.status == 0, "\(rep.stderr)")
        let text = try String(contentsOfFile: report, encoding: .utf8)
        for needle in [
            "# ReadChain report: market-tiny", "`posted-price` (posted_price)", "`intermediary` (intermediary)",
            "## Paired comparisons against `intermediary`", "| significant | paired/unpaired |",
            "From the `comparisons` table", "![Turnaround by design](../plots/turnaround_by-design.png)", sha,
            "## Warm-up", "## Chain",
        ] {
            #expect(text.contains(needle), "report lacks \(needle)")
        }
        #expect(!text.contains("notes.txt"))
        let again = try CLI.run(["report", db, "--out", tmp.path("reports/again.md"), "--plots", plots])
        #expect(again.status == 0)
        #expect(try String(contentsOfFile: tmp.path("reports/again.md"), encoding: .utf8) == text, "deterministic")
    }

    /// --designs restricts what runs; the runs are those of the full study (common random numbers by replication).
    @Test func designsRestrictTheRunAndBaselineIsKept() throws {
        let tmp = try TempDir()
        let db = tmp.path("one.sqlite")
        let r = try CLI.run([
            "compare", Self.tiny, "--out", db, "--replications", "2", "--designs", "intermediary", "--baseline",
            "posted-price", "--json",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try Self.json(r.stdout)
        #expect(obj["designs"] as? [String] == ["posted-price", "intermediary"])
        let runs = try ResultsStore(path: db).runs()
        #expect(runs.count == 4)
    }

    @Test func badInputsExitWithClearErrors() throws {
        let tmp = try TempDir()
        func run(_ args: [String]) throws -> CLI.Outcome { try CLI.run(["compare"] + args) }
        let unknown = try run([Self.tiny, "--baseline", "auction", "--out", tmp.path("a.sqlite")])
        #expect(unknown.status == 64 && unknown.stderr.contains("no design 'auction'"), "\(unknown.stderr)")
        #expect(!FileManager.default.fileExists(atPath: tmp.path("a.sqlite")), "nothing ran")
        let unknownDesign = try run([Self.tiny, "--designs", "intermediary,nope", "--out", tmp.path("b.sqlite")])
        #expect(unknownDesign.status == 64 && unknownDesign.stderr.contains("nope"))
        #expect(try run([Self.tiny, "--replications", "1"]).status == 64)
        let queue = try run(["Scenarios/validation/mmc.yaml", "--out", tmp.path("q.sqlite")])
        #expect(queue.status == 65 && queue.stderr.contains("market scenario"), "\(queue.stderr)")
        let text = try String(contentsOfFile: CLI.path(Self.tiny), encoding: .utf8)
        let single = try tmp.write(
            "single.yaml", text.replacingOccurrences(of: "replications: 2", with: "replications: 1"))
        let one = try run([single, "--out", tmp.path("s.sqlite"), "--json"])
        #expect(one.status == 65 && one.stderr.contains("at least 2"), "\(one.stderr)")
        #expect(try Self.json(one.stdout)["ok"] as? Bool == false)
        let missing = try run(["--from", tmp.path("missing.sqlite")])
        #expect(missing.status == 66 && missing.stderr.contains("missing.sqlite"))
        #expect(!FileManager.default.fileExists(atPath: tmp.path("missing.sqlite")))
        let notDB = try tmp.write("not.sqlite", "hello, not a database\n")
        #expect(try run(["--from", notDB]).status == 74)
        let emptyFile = try tmp.write("empty.sqlite", "")
        #expect(try run(["--from", emptyFile]).status == 74)
        let fresh = tmp.path("fresh.sqlite")
        try ResultsStore(path: fresh).close()
        let noRuns = try run(["--from", fresh])
        #expect(noRuns.status == 65 && noRuns.stderr.contains("no finished market runs"), "\(noRuns.stderr)")
        #expect(try run([]).status == 64)
        #expect(try run(["--from", fresh, "--replications", "3"]).status == 64)
        let report = try CLI.run(["report", tmp.path("missing.sqlite")])
        #expect(report.status == 66)
        #expect(try CLI.run(["report", fresh, "--out", tmp.path("r.md")]).status == 65)
        #expect(!FileManager.default.fileExists(atPath: tmp.path("r.md")))
    }

    /// --from with a scenario file checks the database ran that file.
    @Test func fromChecksTheScenario() throws {
        let tmp = try TempDir()
        let db = tmp.path("t.sqlite")
        #expect(try CLI.run(["simulate", Self.tiny, "--out", db, "--no-observations"]).status == 0)
        let same = try CLI.run(["compare", Self.tiny, "--from", db])
        #expect(same.status == 0, "\(same.stderr)")
        #expect(same.stdout.contains("warm-up: no market samples stored"))
        let other = try CLI.run(["compare", "Scenarios/validation/market-mmc.yaml", "--from", db])
        #expect(other.status == 65 && other.stderr.contains("holds runs of scenario 'market-tiny'"), "\(other.stderr)")
    }
}
