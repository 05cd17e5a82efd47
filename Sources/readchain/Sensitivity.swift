import Analysis
import ArgumentParser
import Foundation
import Reporting
import Results
import Scenario
import Studies

/// `readchain sensitivity`: global sensitivity indices of a `method: morris` or `method: sobol` sweep database.
struct SensitivityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sensitivity",
        abstract: "Global sensitivity indices (Morris or Sobol') of a morris or sobol sweep's results database.",
        discussion: """
            The sweep's file (stored in the database) names the method and the design, which is regenerated exactly. \
            Each point's output is the mean of its finished replications; indices are computed per design (market) \
            and per headline metric. Sobol': Jansen's first-order S1 and total ST; Morris: mu*, mu and sigma of the \
            elementary effects (in the metric's unit per whole range of the parameter). Every index has a 95% \
            bootstrap percentile interval. Cost: a sobol sweep is samples*(k+2) points, a morris sweep \
            trajectories*(k+1), each run for every design and replication. The database is only read.
            """)

    @Argument(help: "The sweep's results database (`readchain sweep` of a morris or sobol sweep file).")
    var database: String

    @Option(name: .long, help: "The metrics, comma-separated (default: every metric defined at every point).")
    var metrics: String?

    @Option(name: .long, parsing: .unconditional, help: "Bootstrap resamples per index (default 1000).")
    var bootstrap = 1000

    @Option(name: .long, help: "Also write the indices as CSV to this file (its directory must exist).")
    var csv: String?

    @Flag(name: .long, help: "Print JSON instead of the table.")
    var json = false

    func validate() throws {
        guard (10...100_000).contains(bootstrap) else {
            throw ValidationError("--bootstrap must be in 10...100000, got \(bootstrap)")
        }
    }

    func run() throws {
        do throws(any Error) {
            if let csv { try Simulate.ensureParentDirectory(of: csv, create: false) }
            try Compare.requireDatabase(database)
            let store = try ResultsStore(readingOnly: database)
            defer { try? store.close() }
            let (plan, rows, header) = try SensitivityAnalysis.analyse(
                store, path: database, metrics: metrics, bootstrap: bootstrap)
            if let csv { try Compare.write(SensitivityAnalysis.csvText(rows), to: csv) }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                encoder.keyEncodingStrategy = .convertToSnakeCase
                print(String(decoding: try encoder.encode(rows), as: UTF8.self))
            } else {
                print(SensitivityAnalysis.table(plan, rows, header: header))
            }
        } catch {
            throw CLIFailure.report(error, json: json)
        }
    }
}
