import Analysis
import Foundation
import Market
import MarketModel
import Results
import Scenario
import Studies
import Testing

@testable import Reporting

/// Paired comparisons across the points of a sweep (issue 15, item 1), on a real sweep of the tiny market.
@Suite(.serialized) struct SweepComparisonTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    final class Dir: Sendable {
        let url: URL
        init() throws {
            url = FileManager.default.temporaryDirectory.appendingPathComponent(
                "readchain-sweepcmp-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        }
        func path(_ name: String) -> String { url.appendingPathComponent(name).path }
        deinit { try? FileManager.default.removeItem(at: url) }
    }

    /// market-tiny (two designs, 6 simulated hours) at three STAT X-ray volumes, 3 replications each: 18 runs of a
    /// few seconds, without chains and with simulated signatures (the market rows are the same).
    static func runSweep(in dir: Dir) throws -> String {
        // One sweep for the suite's tests (they only read it).
        if let db = shared.db { return db }
        throw SweepFailed(message: shared.error ?? "?")
    }

    struct SweepFailed: Error { var message: String }

    static let shared: (dir: Dir?, db: String?, error: String?) = {
        do {
            let dir = try Dir()
            return (dir, try makeSweep(in: dir), nil)
        } catch {
            return (nil, nil, "\(error)")
        }
    }()

    static func makeSweep(in dir: Dir) throws -> String {
        let file = dir.path("volume.yaml")
        try """
        schema: readchain-sweep/v1
        name: tiny-volume
        scenario: \(root.appendingPathComponent("Scenarios/validation/market-tiny.yaml").path)
        method: grid
        replications: 3
        parameters:
          - path: market.clients[0].volumes[0].volume
            values: [48 /d, 96 /d, 144 /d]
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let db = dir.path("volume.sqlite")
        var options = StudyOptions(databasePath: db, jobs: 2)
        options.recordChain = false
        options.signatures = .simulated
        _ = try SweepStudy.run(try SweepFile.load(path: file), shard: .whole, options: options)
        return db
    }

    /// The differences and intervals `compareByPoint` gives are the paired machinery's (`Comparison.paired`) on the
    /// same runs, read straight from the runs table: point k's run of a design minus the baseline point's run of the
    /// same design, replication by replication; in metric, design, point order. A bad baseline and a database that
    /// is not a sweep are refused with a clear message.
    @Test func pointDifferencesAreThePairedMachineryOnTheSameRuns() throws {
        let dir = try Dir()
        let db = try Self.runSweep(in: dir)
        let store = try ResultsStore(readingOnly: db)
        defer { try? store.close() }
        #expect(try SweepComparison.isSweep(store))
        let sweep = try SweepComparison.load(store)
        #expect(sweep.points.map(\.label) == ["p0", "p1", "p2"])
        #expect(sweep.points[1].values == [["market.clients[0].volumes[0].volume", "96 /d"]])
        #expect(sweep.designs == ["posted-price", "intermediary"] && sweep.runs.count == 18)

        // Values per (variant, replication), straight from the runs and run_metrics tables.
        var direct: [String: [Int: [String: Double]]] = [:]
        for run in try store.runs() where run.status == .finished {
            let metrics = try store.metrics(run: run.id)
            direct[run.provenance.variant!, default: [:]][run.provenance.replication] = Dictionary(
                uniqueKeysWithValues: metrics.map { ($0.name, $0.value) })
        }
        func expected(_ metric: Comparison.Metric, design: String, point: Int, base: Int) -> PairedDifference {
            func column(_ p: Int) -> [Int: Double] {
                (direct["p\(p)/\(design)"] ?? [:]).mapValues { $0[metric.name] ?? .nan }
            }
            return Comparison.paired(
                baseline: column(base), variant: column(point), confidence: 0.95, baselineName: "p\(base)/\(design)",
                variantName: "p\(point)/\(design)", metric: metric)
        }
        let metrics = ComparisonStudy.metrics(runs: sweep.runs, currency: sweep.currency)
        for base in [0, 2] {
            let (baseline, comparisons) = try SweepComparison.compareByPoint(sweep, baseline: base == 0 ? nil : "p2")
            #expect(baseline.index == base)
            var want: [PairedDifference] = []
            for m in metrics {
                for d in sweep.designs {
                    for p in [0, 1, 2] where p != base { want.append(expected(m, design: d, point: p, base: base)) }
                }
            }
            #expect(comparisons.count == MarketMetrics.headline.count * 2 * 2)
            #expect(comparisons == want)
            // The volume lever moves the cost per study with an interval: not a vacuous comparison.
            let cost = try #require(comparisons.first { $0.metric == "cost_per_study" })
            #expect(cost.n == 3 && cost.meanDifference.isFinite && cost.halfWidthPaired.isFinite)
        }
        // "2" names the same point as "p2".
        #expect(
            try SweepComparison.compareByPoint(sweep, baseline: "2").comparisons
                == (try SweepComparison.compareByPoint(sweep, baseline: "p2").comparisons))

        let bad = #expect(throws: ComparisonError.self) { try SweepComparison.compareByPoint(sweep, baseline: "p7") }
        #expect(bad?.kind == .unknownDesign)
        #expect(
            bad?.message.contains("'p7' is not a point of sweep 'tiny-volume'") == true, "\(String(describing: bad))")
        #expect(bad?.message.contains("(points: p0, p1, p2)") == true)

        let plain = try ResultsStore(path: dir.path("plain.sqlite"))
        defer { try? plain.close() }
        #expect(try !SweepComparison.isSweep(plain))
        let notSweep = #expect(throws: ComparisonError.self) { try SweepComparison.load(plain) }
        #expect(notSweep?.message.contains("is not a sweep database") == true, "\(String(describing: notSweep))")

        // Comparing the sweep as one scenario says to compare by point.
        let asStudy = #expect(throws: ComparisonError.self) { try ComparisonStudy.load(store) }
        #expect(asStudy?.message.contains("--by point") == true, "\(String(describing: asStudy))")
    }

    /// `--by design`: within each point, intermediary minus posted-price on the same replications, the paired
    /// machinery's differences read straight from the runs table, in metric, point order; an unknown baseline design
    /// is a command-line error naming the designs.
    @Test func designDifferencesWithinEachPoint() throws {
        let dir = try Dir()
        let db = try Self.runSweep(in: dir)
        let store = try ResultsStore(readingOnly: db)
        defer { try? store.close() }
        let sweep = try SweepComparison.load(store)
        var direct: [String: [Int: [String: Double]]] = [:]
        for run in try store.runs() where run.status == .finished {
            let metrics = try store.metrics(run: run.id)
            direct[run.provenance.variant!, default: [:]][run.provenance.replication] = Dictionary(
                uniqueKeysWithValues: metrics.map { ($0.name, $0.value) })
        }
        let metrics = ComparisonStudy.metrics(runs: sweep.runs, currency: sweep.currency)
        let (base, comparisons) = try SweepComparison.compareByDesign(sweep)
        #expect(base == "posted-price")
        var want: [PairedDifference] = []
        for m in metrics {
            for p in [0, 1, 2] {
                func column(_ d: String) -> [Int: Double] {
                    (direct["p\(p)/\(d)"] ?? [:]).mapValues { $0[m.name] ?? .nan }
                }
                want.append(
                    Comparison.paired(
                        baseline: column("posted-price"), variant: column("intermediary"), confidence: 0.95,
                        baselineName: "p\(p)/posted-price", variantName: "p\(p)/intermediary", metric: m))
            }
        }
        #expect(comparisons.count == MarketMetrics.headline.count * 3)
        #expect(comparisons == want)
        let reversed = try SweepComparison.compareByDesign(sweep, baseline: "intermediary")
        #expect(reversed.comparisons.first?.variant == "p0/posted-price")
        let bad = #expect(throws: ComparisonError.self) {
            try SweepComparison.compareByDesign(sweep, baseline: "auction")
        }
        #expect(bad?.kind == .unknownDesign)
        #expect(bad?.message.contains("(designs: posted-price, intermediary)") == true, "\(String(describing: bad))")
    }

    /// The forest plot's data rows are the comparisons' differences and interval ends, one block per metric with a
    /// defined difference, one row per (design, point); the sweep report shows the points, the paired table and the
    /// pairing line.
    @Test func forestPlotAndReportShowTheComparisons() throws {
        let dir = try Dir()
        let db = try Self.runSweep(in: dir)
        let store = try ResultsStore(readingOnly: db)
        defer { try? store.close() }
        let (sweep, comparisons, stored, _) = try SweepComparison.gather(store)
        #expect(!stored && comparisons.allSatisfy { $0.adjustment == .holm })
        let figure = try #require(
            SweepForestPlot(sweep: sweep, comparisons: comparisons, formats: [.png], pngTerminal: "pngcairo").figure())
        #expect(figure.name == "sweep-forest" && figure.dataFiles.map(\.name) == ["sweep-forest.dat"])
        let blocks = figure.dataFiles[0].text.components(separatedBy: "\n\n\n")
        let defined = MarketMetrics.headline.map(\.name).filter { m in
            comparisons.contains { $0.metric == m && $0.meanDifference.isFinite }
        }
        #expect(blocks.count == defined.count && figure.seriesPerPanel == Array(repeating: 2, count: defined.count))
        let costBlock = try #require(blocks.first { $0.contains("# metric cost_per_study\n") })
        let rows = costBlock.split(separator: "\n").filter { !$0.hasPrefix("#") }
        let cost = comparisons.filter { $0.metric == "cost_per_study" }
        #expect(rows.count == cost.count)
        for (row, c) in zip(rows, cost) {
            let f = row.split(separator: " ")
            #expect(f[2] == "\"\(c.variant)\"", "\(row)")
            #expect(Double(f[3]).map { abs($0 - c.meanDifference) <= 1e-6 * max(1, abs(c.meanDifference)) } == true)
            #expect(Double(f[4]).map { abs($0 - c.ciLow) <= 1e-6 * max(1, abs(c.ciLow)) } == true, "\(row)")
            #expect(Double(f[5]).map { abs($0 - c.ciHigh) <= 1e-6 * max(1, abs(c.ciHigh)) } == true, "\(row)")
        }
        #expect(figure.script.contains("set output \"sweep-forest.\" . format"))
        #expect(figure.script.contains("\"p1 volume=96 /d posted-price\" 4"), "\(figure.script)")

        let text = SweepReport.render(
            sweep, comparisons: comparisons, stored: stored, note: nil, databaseName: "volume.sqlite", plots: [],
            plotsDirectory: "Plots/tiny-volume/")
        for needle in [
            "# ReadChain report: sweep tiny-volume", "| `p1` | 96 /d | 3 / 3 |",
            "## Paired comparisons against point `p0`", "| metric | point/design | difference |",
            "| cost_per_study | p1/posted-price | ", "`p<k>/<design>` − `p0/<design>`",
            "readchain plot volume.sqlite",
        ] {
            #expect(text.contains(needle), "missing: \(needle)")
        }
    }
}
