import Benchmarks
import Foundation
import Testing

/// `readchain bench results` at a tiny size, as a smoke test (moved from ResultsTests with the benchmark).
@Suite("Results benchmark")
struct ResultsBenchmarkTests {
    @Test func benchmarkWritesTheRowsItReports() throws {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("readchain-bench-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("bench.sqlite").path
        let result = try ResultsBenchmark.insertRate(rows: 10_000, path: path)
        #expect(result.rows == 10_000)
        #expect(result.seconds > 0)
    }
}
