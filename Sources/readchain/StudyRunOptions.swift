import ArgumentParser
import Foundation
import MarketModel
import Scenario
import Studies

/// The options `simulate` and `compare` share for running a scenario's replications into a results database.
struct StudyRunOptions: ParsableArguments {
    @Option(name: .long, help: "The results database to write (default Results/<scenario-name>.sqlite).")
    var out: String?

    @Option(name: .long, parsing: .unconditional, help: "Replications to run at once (default: the number of cores).")
    var jobs: Int?

    @Option(name: .long, parsing: .unconditional, help: "Override the scenario's number of replications.")
    var replications: Int?

    @Option(name: .long, parsing: .unconditional, help: "Override the scenario's master seed.")
    var seed: UInt64?

    @Flag(
        name: .long,
        help: ArgumentHelp(
            "Continue the database instead of replacing it: same scenario text, seed, --no-observations and "
                + "--no-chain required; finished runs are kept, unfinished ones (interrupted, incomplete, failed) "
                + "redone, missing ones run; summaries recomputed. With --replications N, extends a finished set to N.")
    )
    var resume = false

    /// What --take-over does (simulate, compare and sweep say it alike).
    static let takeOverHelp =
        "redo runs left 'running' by a process on another host (e.g. a failed cluster node); this host cannot "
        + "check whether that process still lives, so use it only when it is gone."

    @Flag(name: .long, help: ArgumentHelp("With --resume: " + takeOverHelp))
    var takeOver = false

    @Flag(
        name: .long,
        help: ArgumentHelp(
            "Market: do not keep each run's chain (genesis, blocks, commit certificates); replay and audit then "
                + "cannot check the run."))
    var noChain = false

    @Option(name: .long, help: ArgumentHelp(SignatureOption.help, valueName: "ed25519|simulated"))
    var signatures: String?

    /// The options that only apply when a scenario runs (for `compare --from`, which runs nothing).
    var given: [String] {
        [
            ("--out", out != nil), ("--replications", replications != nil), ("--seed", seed != nil),
            ("--jobs", jobs != nil), ("--resume", resume), ("--take-over", takeOver), ("--no-chain", noChain),
            ("--signatures", signatures != nil),
        ].filter { $0.1 }.map { $0.0 }
    }

    func validate() throws {
        _ = try SignatureOption.parse(signatures)
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
        if let replications, !(1...100_000).contains(replications) {
            throw ValidationError("--replications must be in 1...100000, got \(replications)")
        }
        if takeOver && !resume { throw ValidationError("--take-over only applies with --resume") }
    }

    /// Loads the scenario with the --replications and --seed overrides, printing its warnings.
    func load(_ scenario: String) throws -> ScenarioFile {
        var file = try ScenarioLoader.load(path: scenario)
        if let replications { file = file.with(replications: replications) }
        if let seed { file = file.with(seed: seed) }
        for w in file.warnings { FileHandle.standardError.write(Data((w.description + "\n").utf8)) }
        return file
    }

    /// The database path (--out or Results/<name>.sqlite), its directory created.
    func databasePath(for file: ScenarioFile) throws -> String {
        let path = out ?? "Results/\(file.name).sqlite"
        try Simulate.ensureParentDirectory(of: path, create: out == nil)
        return path
    }

    /// The study options for `path`, with Ctrl-C / SIGTERM handling installed.
    func studyOptions(path: String, recordObservations: Bool, progressBar: Bool) -> StudyOptions {
        var options = StudyOptions(
            databasePath: path, jobs: jobs ?? ProcessInfo.processInfo.activeProcessorCount,
            recordObservations: recordObservations, gitRevision: GitRevision.current())
        options.recordChain = !noChain
        options.signatures = try? SignatureOption.parse(signatures)  // checked by validate()
        options.resume = resume
        options.takeOver = takeOver
        options.cancellation = Interruption.install(
            database: path, resumeCommand: Interruption.resumeCommand(adding: "--resume"), progressBar: progressBar)
        return options
    }
}

/// `--signatures ed25519|simulated` (simulate, compare, sweep, bench market): the chain's signature scheme, overriding
/// the scenario's `chain.signatures`.
enum SignatureOption {
    static let help =
        "The chain's signature scheme, overriding the scenario's chain.signatures: ed25519 (real signatures; for audits "
        + "and load tests) or simulated (a keyed hash of the same size and simulated CPU cost: the same market "
        + "results, faster; for sweeps)."

    /// The scheme named `text` (nil when not given).
    static func parse(_ text: String?) throws -> ChainParameters.Signatures? {
        guard let text else { return nil }
        guard let s = ChainParameters.Signatures(rawValue: text) else {
            throw ValidationError("--signatures must be ed25519 or simulated, got '\(text)'")
        }
        return s
    }
}
