import Analysis
import Foundation
import GRDB
import Results
import Testing

/// Schema v4: the `comparisons` and `warmup` tables.
@Suite struct ComparisonTablesTests {
    static func row(_ metric: String, variant: String = "b", meanDiff: Double = 1) -> PairedDifference {
        PairedDifference(
            baseline: "a", variant: variant, metric: metric, label: metric, unit: "h", n: 3,
            meanDifference: meanDiff, sdDifference: .nan, ciLow: .nan, ciHigh: .nan, halfWidthPaired: .nan,
            halfWidthUnpaired: 0.5, baselineMean: 10, variantMean: 11, confidence: 0.95)
    }

    @Test func comparisonsRoundTripWithNullsAndAreReplacedPerScenario() throws {
        let dir = try TemporaryDirectory()
        let store = try ResultsStore(path: dir.path("c.sqlite"))
        let sha = String(repeating: "a", count: 64)
        let rows = [Self.row("x"), Self.row("y", variant: "c", meanDiff: .nan)]
        try store.replaceComparisons(scenarioSHA256: sha, with: rows)
        #expect(try store.comparisons(scenarioSHA256: sha) == rows)
        try store.replaceComparisons(scenarioSHA256: sha, with: [Self.row("z")])
        #expect(try store.comparisons(scenarioSHA256: sha).map(\.metric) == ["z"])
        // A duplicate key or a row comparing a design with itself writes nothing.
        #expect(throws: ResultsError.self) {
            try store.replaceComparisons(scenarioSHA256: sha, with: [Self.row("x"), Self.row("x")])
        }
        #expect(throws: ResultsError.self) {
            try store.replaceComparisons(scenarioSHA256: sha, with: [Self.row("x", variant: "a")])
        }
        #expect(try store.comparisons(scenarioSHA256: sha).map(\.metric) == ["z"])
    }

    @Test func warmupRowsNeedARunAndReplaceByKey() throws {
        let dir = try TemporaryDirectory()
        let store = try ResultsStore(path: dir.path("w.sqlite"))
        let run = try store.beginRun(sampleProvenance())
        let w = WarmupRow(
            run: run, series: "work_in_system", configuredTicks: 600_000_000, detectedTicks: nil, batchSize: 5,
            batches: 1, method: "mser-5")
        try store.writeWarmup([w])
        var later = w
        later.detectedTicks = 7_200_000_000
        later.batches = 14
        try store.writeWarmup([later])
        #expect(try store.warmup() == [later])
        var orphan = w
        orphan.run = RunID(rawValue: 999)
        #expect(throws: ResultsError.self) { try store.writeWarmup([orphan]) }
        #expect(try store.settings().userVersion == ResultsStore.schemaVersion)
    }
}
