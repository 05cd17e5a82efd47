import ArgumentParser
import Foundation
import Results
import Scenario
import Studies

struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a scenario's replications and write the results database.",
        discussion:
            "Writes Results/<scenario-name>.sqlite (replacing it, unless --resume) unless --out says otherwise. "
            + "A queue scenario prints each metric's mean with a 95% t interval next to Erlang C; a market scenario "
            + "prints, per design, each headline metric's mean ± the 95% interval's half-width over replications. "
            + "Ctrl-C (SIGINT) or SIGTERM stops at once: finished runs are kept, the others marked interrupted, exit "
            + "130 (SIGINT) or 143 (SIGTERM); --resume continues. --target-half-width runs replications in batches "
            + "until every watched metric's 95% half-width / |mean| is under the target (sequential stopping); with "
            + "--paired, until each design's paired difference from the baseline is that precise relative to the "
            + "baseline's mean.")

    @Argument(help: "The scenario file (YAML).", completion: .file(extensions: ["yaml", "yml"]))
    var scenario: String

    @OptionGroup var study: StudyRunOptions

    @Flag(
        name: .long,
        help: ArgumentHelp(
            "Store only run metrics and summaries: no per-customer waits (queue), no per-study, per-day, "
                + "per-sample or per-block rows (market; chain facts are kept)."))
    var noObservations = false

    @Option(
        name: .long, parsing: .unconditional,
        help: ArgumentHelp(
            "Sequential stopping: add replications in batches until, for every design, each watched metric's 95% "
                + "interval half-width / |mean| is below this (e.g. 0.05)."))
    var targetHalfWidth: Double?

    @Option(
        name: .long,
        help: "With --target-half-width: the metrics to watch, comma-separated (default: every headline metric).")
    var metrics: String?

    @Option(
        name: .long, parsing: .unconditional,
        help: "With --target-half-width: the most replications to run (default 50).")
    var maxReplications: Int?

    @Option(
        name: .long, parsing: .unconditional,
        help: "With --target-half-width: replications added per round (default 2).")
    var batch: Int?

    @Flag(
        name: .long,
        help: ArgumentHelp(
            "With --target-half-width (market): apply the target to each design's paired difference from the "
                + "baseline (95% half-width of design - baseline over |baseline mean|) instead of each design's mean."))
    var paired = false

    @Option(
        name: .long,
        help: "With --paired: the design the others are paired with (default: the scenario's first design).")
    var baseline: String?

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if targetHalfWidth == nil, metrics != nil || maxReplications != nil || batch != nil || paired {
            throw ValidationError("--metrics, --max-replications, --batch and --paired need --target-half-width")
        }
        if baseline != nil, !paired { throw ValidationError("--baseline needs --paired") }
        if let targetHalfWidth, !(targetHalfWidth > 0 && targetHalfWidth.isFinite) {
            throw ValidationError("--target-half-width must be a positive number, got \(targetHalfWidth)")
        }
        if let maxReplications, !(2...100_000).contains(maxReplications) {
            throw ValidationError("--max-replications must be in 2...100000, got \(maxReplications)")
        }
        if let batch, !(1...100_000).contains(batch) {
            throw ValidationError("--batch must be in 1...100000, got \(batch)")
        }
    }

    func run() throws {
        do throws(any Error) {
            let file = try study.load(scenario)
            let path = try study.databasePath(for: file)
            let bar = ProgressBar(label: file.name, enabled: !output.json && isatty(STDERR_FILENO) == 1)
            var options = study.studyOptions(path: path, recordObservations: !noObservations, progressBar: bar.enabled)
            if let targetHalfWidth {
                let rule = try StoppingRule(
                    targetHalfWidth: targetHalfWidth,
                    metrics: metrics.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } },
                    maxReplications: maxReplications ?? 50, batch: batch ?? 2,
                    pairedBaseline: paired ? (baseline ?? Self.firstDesign(file)) : nil)
                try runSequential(file, rule: rule, options: options, bar: bar)
                return
            }
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
                Self.warnOracleViolations(summary)
            }
        } catch {
            throw CLIFailure.report(error, json: output.json)
        }
    }

    /// Sequential stopping: the study's table, then how it stopped.
    func runSequential(_ file: ScenarioFile, rule: StoppingRule, options: StudyOptions, bar: ProgressBar) throws {
        var options = options
        let stopping: StoppingSummary
        switch file.model {
        case .queue:
            if bar.enabled { options.progress = { done, total in bar.update(done, total) } }
            let (summary, s) = try SequentialStudy.runQueue(file, rule: rule, options: options)
            bar.finish()
            stopping = s
            if output.json {
                print(try JSONOutput.encode(SequentialOutput(study: summary, stopping: s)))
                return
            }
            print(SummaryTable.render(summary))
        case .market:
            if bar.enabled { options.simulatedProgress = { bar.update($0) } }
            let (summary, s) = try SequentialStudy.runMarket(file, rule: rule, options: options)
            bar.finish()
            stopping = s
            if output.json {
                print(try JSONOutput.encode(SequentialOutput(study: summary, stopping: s)))
                return
            }
            print(MarketTable.render(summary))
        }
        print(StoppingText.render(stopping))
    }

    /// A market scenario's first design (the default baseline of `--paired`); "" for a queue scenario, which
    /// ``SequentialStudy/runQueue(_:rule:options:)`` refuses with paired stopping.
    static func firstDesign(_ file: ScenarioFile) -> String {
        if case .market(let model) = file.model { return model.designs.first?.name ?? "" }
        return ""
    }

    /// One warning line on standard error per run whose chain oracle found violations.
    static func warnOracleViolations(_ summary: MarketStudySummary) {
        for run in summary.runs where !run.oracleViolations.isEmpty {
            FileHandle.standardError.write(
                Data(
                    ("warning: design '\(run.design)', replication \(run.replication): chain oracle found "
                        + "\(run.oracleViolations.count) violation(s): \(run.oracleViolations[0])\n").utf8))
        }
    }

    /// Checks that `path`'s directory exists (exit 73 otherwise). A path the user named (`--out`, `--markdown`,
    /// `--csv`) must be in an existing directory, so a mistyped directory is not silently created; a default path
    /// (`Results/<name>.sqlite`, `create` true) has its directory created.
    static func ensureParentDirectory(of path: String, create: Bool) throws {
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) {
            if !isDir.boolValue { throw OutputPathError(message: "cannot create \(path): \(dir) is not a directory") }
            return
        }
        guard create else {
            throw OutputPathError(
                message: "cannot create \(path): directory \(dir) does not exist (create it first: mkdir -p \(dir))")
        }
        do throws(any Error) {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw OutputPathError(message: "cannot create directory \(dir) for \(path): \(error.localizedDescription)")
        }
    }
}

/// A sequential study's JSON: the study's summary and how it stopped.
struct SequentialOutput<Study: Encodable>: Encodable {
    var study: Study
    var stopping: StoppingSummary
}

/// The lines saying how a sequential study stopped.
enum StoppingText {
    static func render(_ s: StoppingSummary) -> String {
        let measure =
            s.pairedBaseline.map { "paired half-width of design - \($0) / |\($0) mean|" } ?? "95% half-width / |mean|"
        var lines = [
            "sequential stopping: target \(measure) < \(s.targetHalfWidth) on "
                + (s.metrics.count > 6 ? "\(s.metrics.count) headline metrics" : s.metrics.joined(separator: ", "))
                + "; stopped after \(s.replications) replications: "
                + (s.reason == "target_met" ? "target met" : "reached --max-replications \(s.maxReplications)")
        ]
        for v in s.variants {
            let worst =
                v.worstMetric.map { m in
                    "widest \(m) "
                        + (v.worstRelativeHalfWidth.map { $0.isFinite ? String(format: "%.4f", $0) : "undefined" } ?? "")
                } ?? (v.reason == "baseline" ? "the baseline" : "no watched metric defined")
            lines.append("  \(v.variant ?? "all"): \(v.replications) replications, \(v.reason), \(worst)")
        }
        return lines.joined(separator: "\n")
    }
}

/// Ctrl-C and SIGTERM for long commands: stop the study cleanly, say how to resume, exit 130 / 143.
///
/// The handlers run on a dispatch queue (not in a signal context). They cancel the study's
/// ``StudyCancellation`` (which marks every run not yet written `interrupted`, waiting for a run being written to
/// finish its transaction), print how to resume, and exit at once without waiting for runs in flight: their
/// rows were never written, and a resume redoes them.
enum Interruption {
    nonisolated(unsafe) static var sources: [any DispatchSourceSignal] = []

    static func install(database: String, resumeCommand: String, progressBar: Bool) -> StudyCancellation {
        let cancellation = StudyCancellation()
        for (signo, name, status) in [(SIGINT, "SIGINT", Int32(130)), (SIGTERM, "SIGTERM", Int32(143))] {
            signal(signo, SIG_IGN)
            let source = DispatchSource.makeSignalSource(
                signal: signo, queue: DispatchQueue(label: "readchain.\(name)"))
            source.setEventHandler {
                cancellation.cancel(reason: name)
                fflush(nil)
                let text =
                    (progressBar ? "\n" : "")
                    + "readchain: interrupted by \(name): finished runs are kept in \(database); runs not finished are "
                    + "marked interrupted.\nresume with: \(resumeCommand)\n"
                FileHandle.standardError.write(Data(text.utf8))
                _exit(status)
            }
            source.resume()
            sources.append(source)
        }
        return cancellation
    }

    /// This process's command line, shell-quoted, with `flag` added if absent.
    static func resumeCommand(adding flag: String?) -> String {
        var args = Array(CommandLine.arguments.dropFirst())
        if let flag, !args.contains(flag) { args.append(flag) }
        return (["readchain"] + args).map(shellQuoted).joined(separator: " ")
    }

    static func shellQuoted(_ s: String) -> String {
        let safe = s.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:,+@%".contains($0) }
        return safe && !s.isEmpty ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
