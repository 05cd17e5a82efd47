import ArgumentParser
import Foundation
import Scenario
import Simulator

struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a scenario's replications and write the results database.",
        discussion: "Writes Results/<scenario-name>.sqlite (replacing it) unless --out says otherwise.")

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

    @Flag(name: .long, help: "Do not store per-customer observations, only run metrics and summaries.")
    var noObservations = false

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
            guard case .queue = file.model else {
                throw UnavailableError(
                    message: "\(file.path): '\(file.kind.rawValue)' scenarios can be validated but not simulated yet "
                        + "(the market simulation is issue 5); nothing was written")
            }
            let path = out ?? "Results/\(file.name).sqlite"
            try Self.ensureParentDirectory(of: path)
            let bar = ProgressBar(label: file.name, enabled: !output.json && isatty(STDERR_FILENO) == 1)
            var progress: (@Sendable (Int, Int) -> Void)? = nil
            if bar.enabled { progress = { done, total in bar.update(done, total) } }
            let options = StudyOptions(
                databasePath: path, jobs: jobs ?? ProcessInfo.processInfo.activeProcessorCount,
                recordObservations: !noObservations, gitRevision: GitRevision.current(), progress: progress)
            let summary = try QueueStudy.run(file, options: options)
            bar.finish()
            if output.json {
                print(try JSONOutput.encode(summary))
            } else {
                print(SummaryTable.render(summary))
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
