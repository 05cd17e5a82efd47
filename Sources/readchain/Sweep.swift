import ArgumentParser
import Foundation
import Results
import Scenario
import Studies

struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a parameter sweep (grid or Latin hypercube) over a scenario, or one shard of it.",
        discussion: """
            Each point of the sweep file is its base scenario with the listed values substituted, validated as a \
            scenario; each (point, design, replication) is a run, with variant p<i>/<design> (market) or p<i> \
            (queue). --shard K/N (1 <= K <= N) runs the runs whose index in the full list is K-1 modulo N; merge \
            shard databases with `readchain merge`. The database is resumable: running the same command again skips \
            finished runs and redoes unfinished ones. Ctrl-C / SIGTERM stop cleanly (exit 130 / 143).
            """)

    @Argument(help: "The sweep file (YAML).", completion: .file(extensions: ["yaml", "yml"]))
    var sweep: String

    @Option(name: .long, help: "The results database (default Results/<sweep-name>.sqlite, or .shard-K-of-N.sqlite).")
    var out: String?

    @Option(name: .long, help: "Run shard K of N (K from 1), e.g. --shard \"$SLURM_ARRAY_TASK_ID/4\".")
    var shard: String?

    @Option(name: .long, help: "Runs at once (default: the number of cores).")
    var jobs: Int?

    @Option(name: .long, help: "Replications per point (overrides the sweep file and the scenario).")
    var replications: Int?

    @Flag(name: .long, help: "List the points and the runs, and run nothing.")
    var dryRun = false

    @Flag(name: .long, help: "Store only run metrics and summaries (no detail rows).")
    var noObservations = false

    @Flag(
        name: .long,
        help: "Market: do not keep each run's chain (genesis, blocks, certificates); replay and audit cannot check it.")
    var noChain = false

    @Flag(
        name: .long, help: ArgumentHelp("For a shard requeued after its node failed: " + StudyRunOptions.takeOverHelp))
    var takeOver = false

    @Option(name: .long, help: ArgumentHelp(SignatureOption.help, valueName: "ed25519|simulated"))
    var signatures: String?

    @OptionGroup var output: OutputOptions

    func validate() throws {
        _ = try SignatureOption.parse(signatures)
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
        if let replications, !(1...100_000).contains(replications) {
            throw ValidationError("--replications must be in 1...100000, got \(replications)")
        }
    }

    func run() throws {
        do throws(any Error) {
            let shard = try shard.map(SweepShard.parse) ?? .whole
            let file = try SweepFile.load(path: sweep, replications: replications)
            if dryRun {
                print(SweepText.dryRun(file, shard: shard))
                return
            }
            let path =
                out
                ?? (shard.count == 1
                    ? "Results/\(file.name).sqlite"
                    : "Results/\(file.name).shard-\(shard.index)-of-\(shard.count).sqlite")
            try Simulate.ensureParentDirectory(of: path, create: out == nil)
            var options = StudyOptions(
                databasePath: path, jobs: jobs ?? ProcessInfo.processInfo.activeProcessorCount,
                recordObservations: !noObservations, gitRevision: GitRevision.current())
            options.takeOver = takeOver
            options.signatures = try SignatureOption.parse(signatures)
            options.recordChain = !noChain
            options.cancellation = Interruption.install(
                database: path, resumeCommand: Interruption.resumeCommand(adding: nil), progressBar: false)
            let summary = try SweepStudy.run(file, shard: shard, options: options)
            print(try output.json ? JSONOutput.encode(summary) : SweepText.render(summary))
        } catch {
            throw CLIFailure.report(error, json: output.json)
        }
    }
}

/// Text output of `readchain sweep`.
enum SweepText {
    static func dryRun(_ f: SweepFile, shard: SweepShard) -> String {
        var lines = ["sweep \(f.name) (\(f.method)) over \(f.base.name) (\(f.base.kind.rawValue)), sha256 \(f.sha256)"]
        var total = 0
        for p in f.points {
            let designs: Int
            if case .market(let m) = p.scenario.model { designs = m.designs.count } else { designs = 1 }
            let runs = designs * p.scenario.replications
            total += runs
            lines.append(
                "  \(p.label): " + p.values.map { "\($0.parameter)=\($0.value)" }.joined(separator: ", ")
                    + "  (\(runs) runs, scenario sha256 \(p.scenario.sha256.prefix(12)))")
        }
        let mine = (0..<total).filter(shard.contains).count
        lines.append("\(f.points.count) points, \(total) runs; shard \(shard) runs \(mine)")
        return lines.joined(separator: "\n")
    }

    /// One row per (point, variant): the parameter values, finished replications and a few headline means.
    static func render(_ s: SweepSummary) -> String {
        let watched =
            s.kind == "market"
            ? ["cost_per_study", "turnaround_p90_stat", "errors_per_1000", "income_per_hour"]
            : ["mean_wait", "utilisation", "wait_p90"]
        let parameters = s.points.first?.values.map { $0[0] } ?? []
        var rows: [[String]] = [["variant"] + parameters + ["n"] + watched]
        for p in s.points {
            for v in p.variants {
                var row = [v.variant] + p.values.map { $0[1] } + [String(v.replications)]
                for name in watched {
                    guard let m = v.metrics.first(where: { $0.name == name }) else {
                        row.append("-")
                        continue
                    }
                    row.append(MarketTable.cell(m, replications: v.replications))
                }
                rows.append(row)
            }
        }
        let widths = rows[0].indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
        var lines = ["sweep \(s.sweep) (\(s.method), \(s.kind)), shard \(s.shard): mean ± 95% CI half-width per point"]
        for (i, row) in rows.enumerated() {
            lines.append(
                row.enumerated().map { c, t in t.padding(toLength: widths[c], withPad: " ", startingAt: 0) }
                    .joined(separator: "  "))
            if i == 0 { lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
        }
        lines.append(
            "runs: \(s.runsInSweep) in the sweep, \(s.runsInShard) in this shard, \(s.runsFinished) finished in "
                + "\(s.database); wall time \(String(format: "%.1f", s.wallSeconds)) s")
        return lines.joined(separator: "\n")
    }
}
