import Analysis
import DiscreteEvent
import Foundation
import Market
import MarketModel
import Results
import Testing

@testable import Reporting

/// The report and the stored comparisons, over a hand-made results database (no simulation).
@Suite struct ReportWriterTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    final class Dir {
        let url: URL
        init() throws {
            url = FileManager.default.temporaryDirectory.appendingPathComponent("readchain-report-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        }
        func path(_ name: String) -> String { url.appendingPathComponent(name).path }
        deinit { try? FileManager.default.removeItem(at: url) }
    }

    /// Two designs of market-tiny, three replications each; cost differs by a shared replication effect plus a
    /// small design effect, so pairing narrows its interval. Hourly samples decay from 60 to 10 work items over
    /// the first ~15 h of 60 (longer than the 1 h configured warm-up).
    /// With `identicalGini`, `income_gini` is the same in both designs in every replication (a paired difference
    /// of exactly 0 each time).
    static func makeDatabase(at path: String, replications: Int = 3, identicalGini: Bool = false) throws
        -> ResultsStore
    {
        let text = try String(
            contentsOfFile: root.appendingPathComponent("Scenarios/validation/market-tiny.yaml").path, encoding: .utf8)
        let store = try ResultsStore(path: path)
        for (d, design) in ["posted-price", "intermediary"].enumerated() {
            for r in 0..<replications {
                let id = try store.beginRun(
                    RunProvenance(
                        scenarioName: "market-tiny", scenarioKind: "market", variant: design, scenarioText: text,
                        scenarioSHA256: RunProvenance.sha256Hex(text), masterSeed: 7, replication: r,
                        codeVersion: "0.1.0", gitRevision: "abc123", gslGenerator: "mt19937", gslVersion: "2.7.1",
                        horizonTicks: 60 * SimTime.ticksPerHour, warmupTicks: SimTime.ticksPerHour))
                let shared = [0.0, 5, -3, 2][r % 4]
                var metrics = MarketMetrics.headline.map { h in
                    RunMetric(name: h.name, value: .nan, unit: h.unit == "money" ? "USD" : h.unit)
                }
                metrics[metrics.firstIndex { $0.name == "cost_per_study" }!].value =
                    20 + shared + Double(d) * (1 + 0.1 * Double(r))
                metrics[metrics.firstIndex { $0.name == "utilisation" }!].value = 0.5 + 0.01 * Double(r + d)
                if identicalGini {
                    metrics[metrics.firstIndex { $0.name == "income_gini" }!].value = 0.2 + 0.03 * shared
                }
                // Inside Brady's 3-5% for posted price, outside it for the intermediary (the published-levels table).
                metrics[metrics.firstIndex { $0.name == "errors_per_study" }!].value = d == 0 ? 0.04 : 0.06
                let samples = (1...60).map { h in
                    MarketSample(
                        time: Int64(h) * SimTime.ticksPerHour,
                        openOrders: Int(10 + 50 * exp(-Double(h) / 3)) + (h % 3),
                        inProgress: 1, meanPrice: nil, onShift: 2, utilisation: 0.5, activeRadiologists: 2,
                        burnedOut: 0,
                        datasetSize: 0)
                }
                let chain = ChainRunRow(
                    chainDigest: "digest-\(design)-\(r)", stateRoot: "root", submitted: 100 + r, committed: 99 + r,
                    failed: 1, refused: 0, signatureVerifications: 400, signaturesMade: 100, events: 1000,
                    blocks: 50 + r,
                    studies: 20, studiesReported: 19, oracleViolations: [])
                try store.finishMarketRun(
                    id,
                    detail: MarketRunDetail(
                        studies: [], radiologistDays: [], samples: samples, blocks: [], chain: chain),
                    metrics: metrics)
            }
        }
        return store
    }

    @Test func comparisonsRoundTripAndReplaceEarlierRows() throws {
        let dir = try Dir()
        let store = try Self.makeDatabase(at: dir.path("r.sqlite"))
        let study = try ComparisonStudy.load(store)
        #expect(study.designs == ["posted-price", "intermediary"] && study.replications == 3)
        #expect(study.currency.code == "USD")
        let result = try ComparisonStudy.compare(study)
        #expect(result.baseline == "posted-price" && result.comparisons.count == MarketMetrics.headline.count)
        let cost = try #require(result.comparisons.first { $0.metric == "cost_per_study" })
        // Differences 1.0, 1.1, 1.2.
        #expect(cost.n == 3 && abs(cost.meanDifference - 1.1) < 1e-12 && cost.unit == "USD")
        #expect(cost.halfWidthRatio < 0.1)
        let rows = result.comparisons
        try store.replaceComparisons(scenarioSHA256: study.scenarioSHA256, with: rows)
        #expect(try store.comparisons(scenarioSHA256: study.scenarioSHA256, label: ComparisonStudy.label) == rows)
        let reversed = try ComparisonStudy.compare(study, baseline: "intermediary")
        let rows2 = reversed.comparisons
        try store.replaceComparisons(scenarioSHA256: study.scenarioSHA256, with: rows2)
        let back = try store.comparisons(scenarioSHA256: study.scenarioSHA256, label: ComparisonStudy.label)
        #expect(back == rows2 && back.allSatisfy { $0.baseline == "intermediary" })
        #expect(
            back.first { $0.metric == "cost_per_study" }.map {
                abs($0.meanDifference + 1.1) < 1e-12
            } == true)

        #expect(throws: ComparisonError.self) { try ComparisonStudy.compare(study, baseline: "auction") }
        #expect(throws: ComparisonError.self) {
            try ComparisonStudy.compare(study, baseline: "intermediary", designs: ["intermediary"])
        }
    }

    @Test func warmupIsDetectedAndStored() throws {
        let dir = try Dir()
        let store = try Self.makeDatabase(at: dir.path("w.sqlite"))
        let study = try ComparisonStudy.load(store)
        let rows = try ComparisonStudy.detectWarmup(store, study)
        #expect(rows.count == 6 && rows.allSatisfy { $0.batches == 12 && $0.method == "mser-5" })
        #expect(rows.allSatisfy { ($0.detectedTicks ?? 0) > $0.configuredTicks })
        try store.writeWarmup(rows)
        try store.writeWarmup(rows)  // replaces, never duplicates
        #expect(try store.warmup() == rows)
        let warnings = ComparisonStudy.warmupWarnings(rows, study)
        #expect(warnings.count == 6)
        #expect(warnings[0].hasPrefix("warm-up may be too short: run 1 ('posted-price' replication 0) detected "))
        #expect(warnings[0].contains("> configured 1 h"))
    }

    @Test func reportNamesEverythingAndIsDeterministic() throws {
        let dir = try Dir()
        let store = try Self.makeDatabase(at: dir.path("results.sqlite"))
        let plots = [ReportPlot(link: "../Plots/market-tiny/cost-vs_quality.png", fileName: "cost-vs_quality.png")]
        let input = try ReportWriter.gather(
            store, databaseName: "results.sqlite", plots: plots, plotsDirectory: "Plots/market-tiny/")
        #expect(!input.comparisonsStored && !input.warmupStored)
        let text = ReportWriter.render(input)
        for needle in [
            "# ReadChain report: market-tiny", RunProvenance.sha256Hex(input.study.scenarioText), "master seed | 7",
            "`posted-price` (posted_price)", "`intermediary` (intermediary)",
            "## Paired comparisons against `posted-price`",
            "| metric | design | difference | unit | p | p (holm) | significant | paired/unpaired |",
            "| cost_per_study | intermediary | +1.10 ± 0.25 | USD |",
            "| client cost per study (price + fees) | `cost_per_study` | USD |",
            "Computed for this report", "digest-intermediary-2", "`abc123`", "`mt19937`", "**longer than configured**",
            "warm-up may be too short", "![Cost vs quality](../Plots/market-tiny/cost-vs_quality.png)",
            "Every design has 3 finished replications",
            "## Published levels",
            "| reading errors per study read | 0.0300–0.0500 | 0.0400 ✓ | 0.0600 ✗ |",
            "| radiologists burned out | 0.360–0.540 | - | - |",
        ] {
            #expect(text.contains(needle), "missing: \(needle)")
        }
        #expect(
            ReportWriter.render(
                try ReportWriter.gather(
                    store, databaseName: "results.sqlite", plots: plots, plotsDirectory: "Plots/market-tiny/")) == text)

        // Stored comparisons are used as stored (here against the other baseline), and without plots the report says
        // how to make them.
        let study = try ComparisonStudy.load(store)
        try store.replaceComparisons(
            scenarioSHA256: study.scenarioSHA256,
            with: try ComparisonStudy.compare(study, baseline: "intermediary").comparisons)
        let stored = ReportWriter.render(
            try ReportWriter.gather(
                store, databaseName: "results.sqlite", plots: [], plotsDirectory: "Plots/market-tiny/"))
        #expect(stored.contains("## Paired comparisons against `intermediary`"))
        #expect(stored.contains("From the `comparisons` table"))
        #expect(stored.contains("No plots in `Plots/market-tiny/`. Produce them with `readchain plot results.sqlite`"))
    }

    /// Issue 15: a difference that is exactly 0 in every replication has a paired/unpaired ratio of 0 by
    /// construction; the report must not list it where pairing "helped most", and says so apart.
    @Test func identicalDifferencesAreNotPairingGains() throws {
        let dir = try Dir()
        let store = try Self.makeDatabase(at: dir.path("same.sqlite"), identicalGini: true)
        let text = ReportWriter.render(
            try ReportWriter.gather(store, databaseName: "same.sqlite", plots: [], plotsDirectory: "Plots/x/"))
        let helped = try #require(text.split(separator: "\n").first { $0.contains("Pairing helped most for:") })
        #expect(!helped.contains("Gini"), "\(helped)")
        #expect(helped.contains("client cost per study"), "\(helped)")
        #expect(text.contains("1 (metric, design) pair(s) are identical in every replication"))

        // The pairing summary line leaves the identical pair out too: of the three pairs with both intervals (cost
        // per study, utilisation, the identical Gini) only two count, and the line says one was left out.
        let study = try ComparisonStudy.load(store)
        let comparisons = try ComparisonStudy.compare(study).comparisons
        let gini = try #require(comparisons.first { $0.metric == "income_gini" })
        #expect(gini.identicalInEveryReplication && gini.halfWidthRatio == 0 && gini.varianceRatio == 0)
        let summary = Comparison.pairingSummary(comparisons)
        #expect(summary.pairs == 2 && summary.variancePairs == 2 && summary.identical == 1, "\(summary)")
        let withoutGini = Comparison.pairingSummary(comparisons.filter { $0.metric != "income_gini" })
        #expect(summary.medianRatio == withoutGini.medianRatio && summary.medianRatio > 0)
        #expect(summary.medianVarianceRatio == withoutGini.medianVarianceRatio)
        let line = try #require(text.split(separator: "\n").first { $0.contains("median paired/unpaired half-width") })
        #expect(line.contains("over 2 (metric, design) pairs; 2 of 2 narrower"), "\(line)")
        #expect(line.contains("1 pair(s) identical in every replication left out"), "\(line)")
    }

    @Test func oneReplicationGivesANoteNotATable() throws {
        let dir = try Dir()
        let store = try Self.makeDatabase(at: dir.path("one.sqlite"), replications: 1)
        let study = try ComparisonStudy.load(store)
        #expect(throws: ComparisonError.self) { try ComparisonStudy.compare(study) }
        let text = ReportWriter.render(
            try ReportWriter.gather(store, databaseName: "one.sqlite", plots: [], plotsDirectory: "Plots/x/"))
        #expect(text.contains("No paired comparison: paired intervals need at least 2 replications"))
    }

    @Test func aDatabaseWithoutMarketRunsIsRefused() throws {
        let dir = try Dir()
        let store = try ResultsStore(path: dir.path("empty.sqlite"))
        #expect(throws: ComparisonError.self) { try ComparisonStudy.load(store) }
    }
}
