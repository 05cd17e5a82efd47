import ArgumentParser
import Foundation
import Results
import Studies

struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Merge sweep shard databases into one.",
        discussion: """
            The inputs must come from the same sweep file (and base scenario, seed, detail setting). Finished runs \
            are copied with all their rows; a run finished in two inputs must have identical results; every run of \
            the sweep's full list must be finished in some input unless --allow-partial. Summaries are recomputed. \
            The output is written beside itself and moved into place only when complete. Prints results_digest.
            """)

    @Option(name: .long, help: "The merged database to write (replaced).")
    var out: String

    @Flag(name: .long, help: "Merge even if runs are missing; list them.")
    var allowPartial = false

    @Argument(help: "Shard databases.", completion: .file(extensions: ["sqlite"]))
    var inputs: [String]

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if inputs.isEmpty { throw ValidationError("give at least one input database") }
    }

    func run() throws {
        do throws(any Error) {
            for input in inputs where !FileManager.default.fileExists(atPath: input) {
                throw InputFileError(message: "no such database: \(input)")
            }
            try Simulate.ensureParentDirectory(of: out, create: false)
            let report = try SweepStudy.merge(inputs: inputs, output: out, allowPartial: allowPartial)
            let store = try ResultsStore(path: out)
            let digest = try store.resultsDigest()
            try store.close()
            if output.json {
                struct Out: Encodable {
                    var database: String
                    var copied: Int
                    var duplicates: Int
                    var unfinishedSkipped: Int
                    var missing: [String]
                    var resultsDigest: String
                }
                print(
                    try JSONOutput.encode(
                        Out(
                            database: out, copied: report.copied, duplicates: report.duplicates,
                            unfinishedSkipped: report.unfinishedSkipped,
                            missing: report.missing.map { "\($0.variant) replication \($0.replication)" },
                            resultsDigest: digest)))
            } else {
                print(
                    "merged \(inputs.count) databases into \(out): \(report.copied) runs copied, \(report.duplicates) "
                        + "identical duplicates, \(report.unfinishedSkipped) unfinished runs skipped")
                if !report.missing.isEmpty {
                    print("MISSING \(report.missing.count) runs (--allow-partial):")
                    for m in report.missing { print("  \(m.variant) replication \(m.replication)") }
                }
                print("results_digest=\(digest)")
            }
        } catch {
            throw CLIFailure.report(error, json: output.json)
        }
    }
}
