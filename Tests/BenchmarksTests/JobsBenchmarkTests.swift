import Benchmarks
import Foundation
import Scenario
import Testing

/// `readchain bench jobs` at a tiny size: both studies run every planned run and store the same results.
@Suite("Jobs benchmark")
struct JobsBenchmarkTests {
    @Test func bothStudiesRunEveryRunWithEqualDigests() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let file = try ScenarioLoader.load(
            path: root.appendingPathComponent("Scenarios/validation/market-tiny.yaml").path)
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("readchain-bench-jobs-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = try JobsBenchmark.run(
            scenario: file, days: 0.1, replications: 2, jobs: 2, directory: dir.path, command: "test")
        guard case .market(let model) = file.model else {
            Issue.record("not a market")
            return
        }
        #expect(f.runs == 2 * model.designs.count)
        #expect(f.studies > 0 && f.serialSeconds > 0 && f.parallelSeconds > 0)
        #expect(f.identicalResults, "results never depend on --jobs")
        #expect(f.lines.last?.hasPrefix("jobs_speedup=") == true)
        // The scratch databases are gone.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }
}
