import Foundation
import Market
import MarketModel
import Results
import Scenario
import Testing

@testable import Studies

/// The market study runner: summaries over replications, and results independent of the thread count.
@Suite struct MarketStudyTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func headline(_ values: [String: Double]) -> [RunMetric] {
        MarketMetrics.headline.map { RunMetric(name: $0.name, value: values[$0.name] ?? .nan, unit: $0.unit) }
    }

    /// NaN replications are left out of a metric's summary and `n` says how many remain; money metrics carry the
    /// currency code.
    @Test func summariesSkipUndefinedReplications() throws {
        let runs = [
            Self.headline(["cost_per_study": 10, "late_share": 0.5]),
            Self.headline(["cost_per_study": .nan, "late_share": 0.5]),
            Self.headline(["cost_per_study": 14, "late_share": 0.5]),
        ]
        let m = MarketStudy.summarise(runs, currency: .usd)
        #expect(m.map(\.name) == MarketMetrics.headlineNames)
        let cost = try #require(m.first { $0.name == "cost_per_study" })
        #expect(cost.unit == "USD" && cost.n == 2 && cost.mean == 12)
        #expect(abs(cost.standardDeviation - 8.0.squareRoot()) < 1e-12)
        // t(0.975, 1 df) = 12.7062; s / sqrt(n) = sqrt(8) / sqrt(2) = 2.
        #expect(abs(cost.halfWidth - 12.7062 * 2) < 1e-3)
        #expect(abs(cost.ciLow - (12 - cost.halfWidth)) < 1e-12)
        let late = try #require(m.first { $0.name == "late_share" })
        #expect(late.n == 3 && late.mean == 0.5 && late.halfWidth == 0)
        let none = try #require(m.first { $0.name == "turnaround_p50_stat" })
        #expect(none.n == 0 && none.mean.isNaN && none.halfWidth.isNaN)
        let one = MarketStudy.summarise([runs[0]], currency: .usd).first { $0.name == "cost_per_study" }
        #expect(one?.n == 1 && one?.mean == 10 && one?.standardDeviation.isNaN == true && one?.ciLow.isNaN == true)
    }

    /// One job or two: the same summaries, runs, chain digests and stored rows; progress ends at 1.
    @Test func resultsDoNotDependOnJobs() throws {
        let file = try ScenarioLoader.load(
            path: Self.root.appendingPathComponent("Scenarios/validation/market-tiny.yaml").path
        )
        .with(replications: 1)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("readchain-market-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        final class Seen: @unchecked Sendable {
            let lock = NSLock()
            var fractions: [Double] = []
        }
        let seen = Seen()
        var one = StudyOptions(databasePath: dir.appendingPathComponent("one.sqlite").path, jobs: 1)
        one.simulatedProgress = { p in seen.lock.withLock { seen.fractions.append(p.fraction) } }
        let a = try MarketStudy.run(file, options: one)
        let b = try MarketStudy.run(
            file, options: StudyOptions(databasePath: dir.appendingPathComponent("two.sqlite").path, jobs: 2))

        #expect(a.runs == b.runs)
        #expect(a.designs == b.designs || "\(a.designs)" == "\(b.designs)", "NaN-aware comparison")
        #expect(a.runs.map(\.design) == ["posted-price", "intermediary"])
        #expect(a.studies > 0 && a.transactionsCommitted > 0)
        #expect(seen.fractions == seen.fractions.sorted() && seen.fractions.last == 1)

        let sa = try ResultsStore(path: a.database)
        let sb = try ResultsStore(path: b.database)
        for (ra, rb) in zip(try sa.runs(), try sb.runs()) {
            #expect(ra.status == .finished && rb.status == .finished)
            #expect(try sa.marketStudies(run: ra.id) == (try sb.marketStudies(run: rb.id)))
            #expect(try sa.metrics(run: ra.id) == (try sb.metrics(run: rb.id)))
        }
    }
}
