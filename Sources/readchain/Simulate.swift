import ArgumentParser
import Foundation
import Scenario
import Simulator

struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a scenario's replications and write the results database.",
        discussion: "Writes Results/<scenario-name>.sqlite (replacing it) unless --out says otherwise. A queue "
            + "scenario prints each metric's mean with a 95% t interval next to Erlang C; a market scenario "
            + "prints, per design, each headline metric's mean ± the 95% interval's half-width over replications.")

    @Argument(help: "The scenario file (YAML).", completion: .file(extensions: ["yaml", "yml"]))
    var scenario: String

    @Option(name: .long, help: "The results database to write.")
    var out: String?

    @Option(name: .long, help: "Replications to run at once (default: the number of cores).")
    var jobs: Int?

    @Option(name: .long, help: "Override the scenario's number of replications.")
    var replications: Int?

    @Option(name: .long, help: "Override the scenario's master seed.")
    var seed: UInt64?

    @Flag(
        name: .long,
        help: ArgumentHelp(
            "Store only run metrics and summaries: no per-customer waits (queue), no per-study, per-day, "
                + "per-sample or per-block rows (market; chain facts are kept)."))
    var noObservations = false

    @Flag(
        name: .long,
        help: ArgumentHelp(
            "Market: do not keep each run's chain (genesis, blocks, commit certificates); replay and audit then "
                + "cannot check the run."))
    var noChain = false

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
        if let replications, !(1...100_000).contains(replications) {
            throw ValidationError("--replications must be in 1...100000, got \(replications)")
        }
    }

    func run() throws {
        do throws(any Error) {
            var file = try ScenarioLoader.load(path: scenario)
            if let replications { file = file.with(replications: replications) }
            if let seed { file = file.with(seed: seed) }
            for w in file.warnings { FileHandle.standardError.write(Data((w.description + "\n").utf8)) }
            let path = out ?? "Results/\(file.name).sqlite"
            try Self.ensureParentDirectory(of: path)
            let bar = ProgressBar(label: file.name, enabled: !output.json && isatty(STDERR_FILENO) == 1)
            var options = StudyOptions(
                databasePath: path, jobs: jobs ?? ProcessInfo.processInfo.activeProcessorCount,
                recordObservations: !noObservations, gitRevision: GitRevision.current())
            options.recordChain = !noChain
            switch file.model {
            case .queue:
                if bar.enabled { options.progress = { done, total in bar.update(done, total) } }
                let summary = try QueueStudy.run(file, options: options)
                bar.finish()
                print(try output.json ? JSONOutput.encode(summary) : SummaryTable.render(summary))
            case .market:
                if bar.enabled { options.simulatedProgress = { bar.update($0) } }
                let summary = try MarketStudy.run(file, options: options)
                bar.finish()
                print(try output.json ? JSONOutput.encode(summary) : MarketTable.render(summary))
                for run in summary.runs where !run.oracleViolations.isEmpty {
                    FileHandle.standardError.write(
                        Data(("warning: design '\(run.design)', replication \(run.replication): chain oracle found "
                            + "\(run.oracleViolations.count) violation(s): \(run.oracleViolations[0])\n").utf8))
                }
            }
        } catch {
            throw CLIFailure.report(error, json: output.json)
        }
    }

    static func ensureParentDirectory(of path: String) throws {
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) {
            if !isDir.boolValue { throw OutputPathError(message: "cannot create \(path): \(dir) is not a directory") }
            return
        }
        do throws(any Error) {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw OutputPathError(message: "cannot create directory \(dir) for \(path): \(error.localizedDescription)")
        }
    }
}
