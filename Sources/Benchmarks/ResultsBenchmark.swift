import Foundation
import Results

/// Measures the observation insert rate of the real writer on a real file.
///
/// An adapter, not the core: it uses the wall clock and the file system.
public enum ResultsBenchmark {
    /// Writes `rows` observations through an ``ObservationWriter`` (default batch size, four series, as a
    /// queueing model would) into a fresh WAL database at `path`, and times the writes and the final flush.
    ///
    /// Any file at `path` (and its `-wal`/`-shm`) is deleted first. Opening the store and creating the run
    /// and its series are not timed.
    ///
    /// - Returns: The rows written (read back with ``ResultsStore/observationCount(run:)``) and the seconds
    ///   taken.
    public static func insertRate(rows: Int, path: String) throws -> (rows: Int, seconds: Double) {
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: path + suffix)
        }
        let store = try ResultsStore(path: path)
        let text = "name: benchmark\nkind: mm1\n"
        let run = try store.beginRun(
            RunProvenance(
                scenarioName: "benchmark", scenarioKind: "mm1", variant: nil, scenarioText: text,
                scenarioSHA256: RunProvenance.sha256Hex(text), masterSeed: 1, replication: 0,
                codeVersion: "benchmark", gitRevision: "unknown", gslGenerator: "none", gslVersion: "none",
                horizonTicks: Int64(rows) * 1_000, warmupTicks: 0))
        let writer = try store.observationWriter(run: run)
        let series = try ["wait", "sojourn", "queue_length", "busy"].map { try writer.series($0, unit: "s") }

        let clock = ContinuousClock()
        let start = clock.now
        var time: Int64 = 0
        for i in 0..<rows {
            time += 1_000
            try writer.record(series[i & 3], time: time, value: Double(i) * 0.001)
        }
        try writer.flush()
        let elapsed = start.duration(to: clock.now)

        try store.finishRun(run, status: .finished, metrics: [], error: nil)
        let written = try store.observationCount(run: run)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return (rows: written, seconds: seconds)
    }
}
