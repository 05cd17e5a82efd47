import Analysis
import ArgumentParser
import Foundation
import Reporting
import Results

/// `readchain export`: a results database's tables as tidy CSV for pandas or R.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a results database's table as tidy CSV (one row per observation) for pandas or R.",
        discussion: """
            Tables: runs (one row per run: design, sweep point, replication, seed, status, horizon_h, warmup_h, \
            every sweep parameter as a numeric column without its unit text, every run metric as a column), \
            studies, days, samples (one row per study, radiologist-day or hourly sample of every market run, after \
            run_id, design, point, replication; every *_ticks column as *_h in hours), comparisons (the stored paired \
            comparisons with Holm-adjusted p-values, as compare --csv writes them). Empty fields are undefined \
            values. The database is only read.
            """)

    @Argument(help: "The results database.", completion: .file(extensions: ["sqlite"]))
    var database: String

    @Option(name: .long, help: "runs (default), studies, days, samples or comparisons.")
    var table = "runs"

    @Option(name: .long, help: "Output format: csv (the only one).")
    var format = "csv"

    @Option(name: .long, help: "Write to this file (its directory must exist) instead of standard output.")
    var out: String?

    func validate() throws {
        guard Self.tables.contains(table) else {
            throw ValidationError("--table must be one of \(Self.tables.joined(separator: ", ")), got '\(table)'")
        }
        guard format == "csv" else { throw ValidationError("--format must be csv, got '\(format)'") }
    }

    static let tables = ExportTable.allCases.map(\.rawValue) + ["comparisons"]

    func run() throws {
        do throws(any Error) {
            if let out { try Simulate.ensureParentDirectory(of: out, create: false) }
            try Compare.requireDatabase(database)
            let store = try ResultsStore(readingOnly: database)
            defer { try? store.close() }
            let text: String
            if let t = ExportTable(rawValue: table) {
                text = try store.export(t).csv
            } else {
                // A sweep's comparisons of its points are stored under the sweep file's SHA-256.
                let sweep = try SweepComparison.isSweep(store)
                let sha =
                    sweep
                    ? try SweepComparison.load(store).sweepSHA256 : try ComparisonStudy.load(store).scenarioSHA256
                let rows = try store.comparisons(scenarioSHA256: sha, label: ComparisonStudy.label)
                guard !rows.isEmpty else {
                    throw ComparisonError(
                        .noStudy,
                        "\(database) holds no stored comparisons; run `readchain compare --from \(database)"
                            + (sweep ? " --by point`" : "`"))
                }
                text = Compare.csvText(Comparison.adjust(rows, method: .holm), scenarioSHA256: sha)
            }
            if let out {
                try Compare.write(text, to: out)
            } else {
                FileHandle.standardOutput.write(Data(text.utf8))
            }
        } catch {
            throw CLIFailure.report(error, json: false)
        }
    }
}
