import Foundation
import Results
import Scenario
import Stochastic

/// A request to stop a study, shared between whoever asks (the command line's SIGINT/SIGTERM handler, a test)
/// and the study.
///
/// The study checks ``isCancelled`` before starting each run and registers an action that, when
/// ``cancel(reason:)`` is called, marks the runs it has not written `interrupted` and stops it writing more. The
/// action runs synchronously inside ``cancel(reason:)``, so when that returns the database is consistent and
/// final: a process may then exit at once without waiting for runs in flight. Nothing here reads signals or
/// clocks; the deterministic core never sees this type.
public final class StudyCancellation: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false
    private var why = ""
    private var actions: [Int: @Sendable (String) -> Void] = [:]
    private var nextToken = 0

    public init() {}

    /// Whether ``cancel(reason:)`` has been called.
    public var isCancelled: Bool { lock.withLock { cancelled } }

    /// Why the study was cancelled (e.g. `SIGINT`), empty until it is.
    public var reason: String { lock.withLock { why } }

    /// Cancels the study: no new run starts, and the registered actions (mark unwritten runs `interrupted`) run
    /// before this returns. Later calls do nothing.
    public func cancel(reason: String) {
        let pending: [@Sendable (String) -> Void] = lock.withLock {
            guard !cancelled else { return [] }
            cancelled = true
            why = reason
            return actions.keys.sorted().map { actions[$0]! }
        }
        for action in pending { action(reason) }
    }

    /// Registers `action`; runs it at once if already cancelled. Returns a token for ``remove(_:)``.
    func onCancel(_ action: @escaping @Sendable (String) -> Void) -> Int {
        let (token, runNow, reason): (Int, Bool, String) = lock.withLock {
            nextToken += 1
            if !cancelled { actions[nextToken] = action }
            return (nextToken, cancelled, why)
        }
        if runNow { action(reason) }
        return token
    }

    func remove(_ token: Int) { _ = lock.withLock { actions.removeValue(forKey: token) } }
}

/// A study stopped by ``StudyCancellation``: what was kept.
public struct StudyInterrupted: Error, CustomStringConvertible {
    public var reason: String
    /// Runs finished and kept in the database (this process and earlier ones).
    public var runsFinished: Int
    /// Runs marked `interrupted` (in flight or not yet started).
    public var runsInterrupted: Int
    public var database: String

    public var description: String {
        "interrupted (\(reason)): \(runsFinished) runs finished and kept, \(runsInterrupted) marked interrupted in \(database)"
    }
}

/// A database that cannot be resumed or continued as asked.
public struct ResumeError: Error, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// One run a study needs: a scenario (a sweep point's, or the study's own), a variant and a replication.
struct PlannedRun: Sendable {
    var scenario: ScenarioFile
    var variant: String?
    var replication: Int
    /// The market design's index in the scenario (nil for a queue).
    var design: Int?

    var key: RunKey { RunKey(scenarioSHA256: scenario.sha256, variant: variant, replication: replication) }

    func provenance(_ options: StudyOptions) -> RunProvenance {
        RunProvenance(
            scenarioName: scenario.name, scenarioKind: scenario.kind.rawValue, variant: variant,
            scenarioText: scenario.text, scenarioSHA256: scenario.sha256, masterSeed: scenario.seed,
            replication: replication, codeVersion: options.codeVersion, gitRevision: options.gitRevision,
            gslGenerator: RandomStreams.generatorName, gslVersion: RandomStreams.gslVersion,
            horizonTicks: scenario.horizonTicks, warmupTicks: scenario.warmupTicks)
    }
}

/// Opening, resuming and running the runs of a study; shared by `simulate` (queue and market), sequential
/// stopping and sweeps.
///
/// A run's results depend only on (scenario text, variant, replication, seed), so a study can be stopped at any
/// point and continued: finished runs are kept, every other run (running in a dead process, interrupted,
/// incomplete, failed) is deleted with all its rows and run again, and runs never started are started. The
/// database then holds the same results, row for row, as an uninterrupted study (see `readchain digest`).
enum ResumableRuns {
    /// Opens the study's database: replaced (`resume` false) or continued (`resume` true, refused unless it
    /// holds the same study: equal settings).
    static func open(path: String, settings: StudySettings, resume: Bool) throws -> ResultsStore {
        if !resume || !FileManager.default.fileExists(atPath: path) {
            try QueueStudy.removeDatabase(at: path)
            let store = try ResultsStore(path: path)
            do {
                try store.recordStudySettings(settings)
            } catch {
                try? store.close()
                throw error
            }
            return store
        }
        let store = try ResultsStore(path: path)
        do {
            try check(store, settings: settings)
        } catch {
            try? store.close()
            throw error
        }
        return store
    }

    /// Throws unless `store` was written by the study `settings` describes (or is empty).
    static func check(_ store: ResultsStore, settings: StudySettings) throws {
        guard let found = try store.studySettings() else {
            guard try store.runEntries().isEmpty else {
                throw ResumeError(
                    "\(store.path) records no study settings (written by an older readchain or another command); "
                        + "it cannot be resumed: use a new --out")
            }
            try store.recordStudySettings(settings)
            return
        }
        let what = settings.kind == "sweep" ? "sweep file" : "scenario file"
        guard found.kind == settings.kind else {
            throw ResumeError(
                "\(store.path) holds a \(found.kind) study ('\(found.name)'), not a \(settings.kind); use another --out"
            )
        }
        guard found.sourceSHA256 == settings.sourceSHA256 else {
            throw ResumeError(
                "\(store.path) was written for \(what) '\(found.name)' with sha256 \(found.sourceSHA256); '\(settings.name)' "
                    + "has sha256 \(settings.sourceSHA256): results of a different text cannot be continued "
                    + "(restore the original file, or write to another --out)")
        }
        guard found.masterSeed == settings.masterSeed else {
            throw ResumeError(
                "\(store.path) was written with master seed \(found.masterSeed), not \(settings.masterSeed); "
                    + "resume with --seed \(found.masterSeed) or write to another --out")
        }
        guard found.recordObservations == settings.recordObservations else {
            throw ResumeError(
                "\(store.path) was written " + (found.recordObservations ? "with" : "without")
                    + " detail rows; resume " + (found.recordObservations ? "without" : "with") + " --no-observations")
        }
        if let kept = found.recordChain, let wanted = settings.recordChain, kept != wanted {
            throw ResumeError(
                "\(store.path) was written " + (kept ? "with" : "without") + " each run's chain; resume "
                    + (kept ? "without" : "with") + " --no-chain")
        }
        // A database written before schema v8 recorded no scheme: it ran ed25519.
        if let wanted = settings.signatures, (found.signatures ?? "ed25519") != wanted {
            throw ResumeError(
                "\(store.path) was written with \(found.signatures ?? "ed25519") signatures; resume with --signatures "
                    + (found.signatures ?? "ed25519"))
        }
        if found.recordChain == nil, let wanted = settings.recordChain { try store.fillRecordChainIfUnknown(wanted) }
    }

    /// Deletes every unfinished run (with its rows, and the summaries) in one transaction and returns the runs of
    /// `planned` still to do, in order.
    ///
    /// - Throws: ``ResumeError`` if a run is still `running` in a live process (another study is writing the
    ///   database now), or in a process of another host unless `takeOver` (this host cannot tell whether it lives).
    static func prepare(_ store: ResultsStore, planned: [PlannedRun], takeOver: Bool = false) throws
        -> (pending: [PlannedRun], finished: Int)
    {
        let entries = try store.runEntries()
        let blocking = entries.filter { $0.status == .running && !(takeOver && $0.host != store.host) }
        if let live = blocking.first {
            let elsewhere = live.host != store.host
            throw ResumeError(
                "\(store.path): \(live.id) (\(live.key)) is still running in process \(live.pid) on \(live.host); "
                    + (elsewhere
                        ? "wait for it or stop it first; if that process is gone (its node failed or was shut down), "
                            + "resume with --take-over"
                        : "wait for it or stop it first"))
        }
        let unfinished = entries.filter { $0.status != .finished }.map(\.id)
        if !unfinished.isEmpty { try store.deleteRuns(unfinished) }
        let finished = Set(entries.filter { $0.status == .finished }.map(\.key))
        return (planned.filter { !finished.contains($0.key) }, finished.count)
    }

    /// Registers `pending` as `running`, runs them on `options.jobs` threads with `run`, and writes each with
    /// `write` in order as it finishes.
    ///
    /// After the first failure no further run starts; the remaining runs and the failed one are marked `failed`
    /// and the first error is thrown. On cancellation no further run starts, every unwritten run is marked
    /// `interrupted` at once (a run in flight is abandoned: its result rows were never written; chain blocks it
    /// stored on the way stay with the interrupted run until a resume deletes it) and
    /// ``StudyInterrupted`` is thrown.
    static func execute<Payload>(
        _ pending: [PlannedRun], store: ResultsStore, options: StudyOptions, alreadyFinished: Int,
        run: @escaping @Sendable (Int, PlannedRun, RunID) throws -> Payload,
        write: @escaping @Sendable (RunID, Payload) throws -> Void
    ) throws {
        guard !pending.isEmpty else { return }
        if let c = options.cancellation, c.isCancelled {
            throw StudyInterrupted(
                reason: c.reason, runsFinished: alreadyFinished, runsInterrupted: 0, database: store.path)
        }
        let ids = try store.beginRuns(pending.map { $0.provenance(options) })
        let writer = OrderedWriter<Payload>(store: store, runIDs: ids, write: write)
        let token = options.cancellation?.onCancel { reason in writer.interrupt(reason: reason) }
        defer { if let token { options.cancellation?.remove(token) } }
        let workers = max(1, min(options.jobs, pending.count))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let i = writer.nextIndex() {
                if let c = options.cancellation, c.isCancelled {
                    writer.interrupt(reason: c.reason)
                    writer.deliver(i, .skipped)
                    continue
                }
                if writer.stopped {
                    writer.deliver(i, .skipped)
                    continue
                }
                let outcome: OrderedWriter<Payload>.Outcome
                do {
                    try store.markRunStarted(ids[i])
                    outcome = .result(try run(i, pending[i], ids[i]))
                } catch {
                    let p = pending[i]
                    outcome = .failure(
                        StudyError(
                            (p.variant.map { "variant '\($0)', " } ?? "") + "replication \(p.replication): \(error)"))
                }
                writer.deliver(i, outcome)
            }
        }
        if let interrupted = writer.interruption {
            throw StudyInterrupted(
                reason: interrupted.reason, runsFinished: alreadyFinished + writer.written,
                runsInterrupted: interrupted.marked, database: store.path)
        }
        if let error = writer.firstError { throw error }
    }
}

/// Hands out run indices to workers and writes finished runs in index order.
///
/// A worker that delivers index i then writes every consecutive finished run from the next unwritten index on,
/// holding `writeLock`, so the database is written in plan order whatever the thread timing, and a finished
/// run's records are released as soon as they are stored. ``interrupt(reason:)`` takes the same lock, so it
/// never cuts a run's write in half.
final class OrderedWriter<Payload>: @unchecked Sendable {
    enum Outcome {
        case result(Payload)
        case failure(any Error)
        /// Not started: an earlier run failed, or the study was cancelled.
        case skipped
    }

    private let lock = NSLock()
    private let writeLock = NSLock()
    private let store: ResultsStore
    private let runIDs: [RunID]
    private let writeRun: (RunID, Payload) throws -> Void
    private var slots: [Outcome?]
    private var handedOut = 0
    private var nextToWrite = 0
    private var halted = false
    private var _stopped = false
    private var _firstError: (index: Int, error: any Error)?
    private var _interruption: (reason: String, marked: Int)?
    private(set) var written = 0

    init(store: ResultsStore, runIDs: [RunID], write: @escaping (RunID, Payload) throws -> Void) {
        self.store = store
        self.runIDs = runIDs
        self.writeRun = write
        slots = Array(repeating: nil, count: runIDs.count)
    }

    func nextIndex() -> Int? {
        lock.withLock {
            guard handedOut < runIDs.count else { return nil }
            handedOut += 1
            return handedOut - 1
        }
    }

    /// A run failed or the study was interrupted: start no more.
    var stopped: Bool { lock.withLock { _stopped } }

    var firstError: (any Error)? { lock.withLock { _firstError?.error } }

    var interruption: (reason: String, marked: Int)? { lock.withLock { _interruption } }

    /// Marks every run not yet written `interrupted` and writes nothing more. Returns once the database is final.
    func interrupt(reason: String) {
        writeLock.lock()
        defer { writeLock.unlock() }
        let remaining: [RunID] = lock.withLock {
            _stopped = true
            guard !halted else { return [] }
            halted = true
            return Array(runIDs[nextToWrite...])
        }
        guard !remaining.isEmpty || lock.withLock({ _interruption == nil }) else { return }
        let marked =
            (try? store.markInterrupted(remaining, message: "interrupted by \(reason) before it finished")) ?? 0
        lock.withLock { if _interruption == nil { _interruption = (reason, marked) } }
    }

    func deliver(_ i: Int, _ outcome: Outcome) {
        lock.withLock { slots[i] = outcome }
        writeLock.lock()
        defer { writeLock.unlock() }
        while true {
            let next: (Int, Outcome)? = lock.withLock {
                guard !halted, nextToWrite < slots.count, let o = slots[nextToWrite] else { return nil }
                slots[nextToWrite] = nil
                nextToWrite += 1
                return (nextToWrite - 1, o)
            }
            guard let next else { return }
            write(next.0, next.1)
        }
    }

    private func write(_ i: Int, _ outcome: Outcome) {
        let id = runIDs[i]
        switch outcome {
        case .result(let payload):
            do {
                try writeRun(id, payload)
                lock.withLock { written += 1 }
            } catch {
                fail(i, error)
            }
        case .failure(let error):
            fail(i, error)
        case .skipped:
            try? store.finishRun(id, status: .failed, metrics: [], error: "not run: an earlier run of the study failed")
        }
    }

    private func fail(_ i: Int, _ error: any Error) {
        lock.withLock {
            _stopped = true
            if _firstError == nil || i < _firstError!.index { _firstError = (i, error) }
        }
        try? store.finishRun(runIDs[i], status: .failed, metrics: [], error: "\(error)")
    }
}
