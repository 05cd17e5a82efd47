import Foundation
import GRDB
import Results
import Testing

@Suite struct ObservationWriterTests {
    @Test func writesInBatchesOfBatchSize() throws {
        let dir = try TemporaryDirectory()
        let store = try ResultsStore(path: dir.path("batches.sqlite"))
        let run = try store.beginRun(sampleProvenance())
        let writer = try store.observationWriter(run: run, batchSize: 50_000)
        let wait = try writer.series("wait", unit: "s")
        let queue = try writer.series("queue_length", unit: nil)

        for i in 0..<120_001 {
            try writer.record(i.isMultiple(of: 2) ? wait : queue, time: Int64(i) * 10, value: Double(i))
        }
        #expect(writer.flushedCount == 100_000)
        #expect(writer.pendingCount == 20_001)
        #expect(try store.observationCount(run: run) == 100_000)

        try writer.flush()
        #expect(writer.pendingCount == 0)
        #expect(try store.observationCount(run: run) == 120_001)

        let waits = try store.observations(series: wait)
        #expect(waits.count == 60_001)
        #expect(waits.first.map { [Double($0.time), $0.value] } == [0, 0])
        #expect(waits.last.map { [Double($0.time), $0.value] } == [1_200_000, 120_000])
        #expect(try store.series(run: run).map(\.name) == ["wait", "queue_length"])
    }

    @Test func seriesAreReusedAndUnitsChecked() throws {
        let dir = try TemporaryDirectory()
        let store = try ResultsStore(path: dir.path("series.sqlite"))
        let run = try store.beginRun(sampleProvenance())
        let writer = try store.observationWriter(run: run)
        let wait = try writer.series("wait", unit: "s")
        #expect(try writer.series("wait", unit: "s") == wait)
        #expect(throws: ResultsError.self) { try writer.series("wait", unit: "ticks") }
        // A second writer on the same run finds the same series in the database.
        let again = try store.observationWriter(run: run)
        #expect(try again.series("wait", unit: "s") == wait)
        #expect(throws: ResultsError.self) { try again.series("wait", unit: nil) }
    }

    @Test func observationCountsAreSeparatedByRun() throws {
        let dir = try TemporaryDirectory()
        let store = try ResultsStore(path: dir.path("per-run.sqlite"))
        let first = try store.beginRun(sampleProvenance(replication: 0))
        let second = try store.beginRun(sampleProvenance(replication: 1))
        for (run, count) in [(first, 10), (second, 25)] {
            let writer = try store.observationWriter(run: run, batchSize: 7)
            let series = try writer.series("wait", unit: "s")
            for i in 0..<count { try writer.record(series, time: Int64(i), value: 1) }
            try writer.flush()
        }
        #expect(try store.observationCount(run: first) == 10)
        #expect(try store.observationCount(run: second) == 25)
    }

    /// A bad row first, inside a multi-row group, or in the single-row remainder of a 501-row batch.
    @Test(arguments: [0, 250, 500])
    func failedBatchLeavesNothingAndKeepsRowsBuffered(badRow: Int) throws {
        let dir = try TemporaryDirectory()
        let store = try ResultsStore(path: dir.path("atomic.sqlite"))
        let run = try store.beginRun(sampleProvenance())
        let writer = try store.observationWriter(run: run, batchSize: 1_000)
        let wait = try writer.series("wait", unit: "s")
        // The bad row names a series that does not exist: the foreign key fails on it, possibly after hundreds
        // of rows were stepped; the transaction must roll them all back.
        for i in 0..<501 {
            try writer.record(i == badRow ? SeriesID(rawValue: 9_999) : wait, time: Int64(i), value: 1)
        }
        let error = #expect(throws: ResultsError.self) { try writer.flush() }
        #expect(error?.sqliteCode.map { $0 & 0xFF } == 19)  // SQLITE_CONSTRAINT (foreign key)
        #expect(try store.observationCount(run: run) == 0)
        #expect(writer.pendingCount == 501)
        #expect(writer.flushedCount == 0)
    }

    @Test func nanIsRefusedAtRecord() throws {
        let dir = try TemporaryDirectory()
        let store = try ResultsStore(path: dir.path("nan.sqlite"))
        let run = try store.beginRun(sampleProvenance())
        let writer = try store.observationWriter(run: run)
        let wait = try writer.series("wait", unit: "s")
        #expect(throws: ResultsError.self) { try writer.record(wait, time: 1, value: .nan) }
        try writer.record(wait, time: 2, value: .infinity)
        try writer.flush()
        #expect(try store.observations(series: wait).map(\.value) == [.infinity])
    }

    @Test func writersOnlyForRunningRuns() throws {
        let dir = try TemporaryDirectory()
        let store = try ResultsStore(path: dir.path("writer-status.sqlite"))
        let run = try store.beginRun(sampleProvenance())
        try store.finishRun(run, status: .finished, metrics: [], error: nil)
        #expect(throws: ResultsError.self) { try store.observationWriter(run: run) }
        #expect(throws: ResultsError.self) { try store.observationWriter(run: RunID(rawValue: 77)) }
    }
}
