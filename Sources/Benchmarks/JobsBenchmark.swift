import Foundation
import MarketModel
import Results
import Scenario
import Studies

/// What `readchain bench jobs` measured: the same market study (every design × replication, written to SQLite as
/// `simulate` does) with one worker, then with `jobs` workers, in one process.
public struct JobsBenchmarkFigures: Codable, Sendable {
    public var scenario: String
    public var simulatedDays: Double
    public var runs: Int
    public var studies: Int
    public var jobs: Int
    public var cores: Int
    public var serialSeconds: Double
    public var parallelSeconds: Double
    /// Studies per wall second with `jobs` workers ÷ with one (target ≥ 0.9 × jobs on as many idle cores).
    public var jobsSpeedup: Double
    /// Whether both studies' results digests are equal (they must be: results never depend on `--jobs`).
    public var identicalResults: Bool
    public var resultsDigest: String
    public var command: String

    public var lines: [String] {
        [
            "jobs benchmark: \(scenario), \(runs) runs of \(String(format: "%g", simulatedDays)) simulated days "
                + "(\(studies) studies), \(cores) cores",
            "  --jobs 1: \(String(format: "%.2f", serialSeconds)) s (\(String(format: "%.1f", Double(studies) / serialSeconds)) studies/s)",
            "  --jobs \(jobs): \(String(format: "%.2f", parallelSeconds)) s (\(String(format: "%.1f", Double(studies) / parallelSeconds)) studies/s)",
            "identical_results=\(identicalResults) results_digest=\(resultsDigest)",
            "jobs_speedup=\(String(format: "%.2f", jobsSpeedup))",
        ]
    }
}

public enum JobsBenchmark {
    /// Runs `scenario` (cut to `days` and `replications`) as `simulate` does, with 1 worker and then with `jobs`,
    /// each into a fresh database under `directory` (removed afterwards), and compares wall times and digests.
    public static func run(
        scenario file: ScenarioFile, days: Double, replications: Int, jobs: Int, directory: String, command: String
    ) throws -> JobsBenchmarkFigures {
        guard case .market = file.model else { throw StudyError("\(file.path) is not a market scenario") }
        let horizon = Int64(days * 86_400_000_000)
        let cut = ScenarioFile(
            path: file.path, text: file.text, sha256: file.sha256, name: file.name, kind: file.kind,
            description: file.description, seed: file.seed, replications: replications, horizonTicks: horizon,
            warmupTicks: min(file.warmupTicks, horizon / 2), model: file.model, warnings: file.warnings)
        var seconds: [Double] = []
        var digests: [String] = []
        var summary: MarketStudySummary?
        for (k, workers) in [1, jobs].enumerated() {
            let path = "\(directory)/readchain-bench-jobs-\(getpid())-\(k).sqlite"
            let files = ["", "-wal", "-shm"].map { path + $0 }
            for f in files { try? FileManager.default.removeItem(atPath: f) }
            defer { for f in files { try? FileManager.default.removeItem(atPath: f) } }
            let clock = ContinuousClock()
            let start = clock.now
            summary = try MarketStudy.run(cut, options: StudyOptions(databasePath: path, jobs: workers))
            let d = clock.now - start
            seconds.append(Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18)
            let store = try ResultsStore(readingOnly: path)
            digests.append(try store.resultsDigest())
            try store.close()
        }
        return JobsBenchmarkFigures(
            scenario: file.name, simulatedDays: days, runs: summary?.runs.count ?? 0, studies: summary?.studies ?? 0,
            jobs: jobs, cores: ProcessInfo.processInfo.activeProcessorCount, serialSeconds: seconds[0],
            parallelSeconds: seconds[1], jobsSpeedup: seconds[0] / seconds[1],
            identicalResults: digests[0] == digests[1],
            resultsDigest: digests[0], command: command)
    }
}
