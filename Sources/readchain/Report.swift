import Analysis
import ArgumentParser
import Foundation
import Reporting
import Results

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a Markdown report of a market results database.",
        discussion: """
            The report names the scenario (file SHA-256, seed, replications, horizon, warm-up) and the runs' \
            provenance, and shows the per-design table with intervals, the paired comparisons (from the comparisons \
            table that `readchain compare` writes, else computed with the first design as baseline), each run's \
            configured and MSER-5 detected warm-up, the chain facts per run, notes on replication counts and \
            pairing, and every PNG in the plots directory (from `readchain plot`). It depends only on the database \
            and the plot files. Writes Results/<scenario>-report.md unless --out says otherwise.

            A sweep database (`readchain sweep`) gets a sweep report instead, Results/<sweep>-report.md: the \
            points and their parameter values, each (point, design)'s means, the paired differences of the points \
            from the baseline point (stored by `compare --by point`, else from the first point, Holm-adjusted) and \
            the forest plot from Plots/<sweep>/.
            """)

    @Argument(
        help: "The results database (from simulate, compare or sweep).", completion: .file(extensions: ["sqlite"]))
    var database: String

    @Option(name: .long, help: "The report to write (default Results/<scenario>-report.md).")
    var out: String?

    @Option(name: .long, help: "The directory of PNG plots to embed (default Plots/<scenario>/).")
    var plots: String?

    @OptionGroup var output: OutputOptions

    func run() throws {
        do throws(any Error) {
            try Compare.requireDatabase(database)
            let store = try ResultsStore(readingOnly: database)
            defer { try? store.close() }
            if try SweepComparison.isSweep(store) {
                try sweepReport(store)
                return
            }
            let scenario = try ComparisonStudy.load(store).scenario
            let path = out ?? "Results/\(scenario)-report.md"
            let plotsDirectory = plots ?? "Plots/\(scenario)/"
            let input = try ReportWriter.gather(
                store, databaseName: URL(fileURLWithPath: database).lastPathComponent,
                plots: try Self.plots(in: plotsDirectory, linkedFrom: path), plotsDirectory: plotsDirectory)
            try Compare.write(ReportWriter.render(input), to: path, createDirectory: out == nil)
            if output.json {
                print(
                    try JSONOutput.encode(
                        ReportOutput(
                            report: path, scenario: scenario, designs: input.study.designs,
                            plots: input.plots.map(\.link), comparisons: input.comparisons.count,
                            comparisonsStored: input.comparisonsStored, warmupRuns: input.warmup.count)))
            } else {
                print(
                    "report: \(path) (\(input.study.designs.count) designs, \(input.comparisons.count) comparisons, "
                        + "\(input.plots.count) plots)")
            }
        } catch {
            throw CLIFailure.report(error, json: output.json)
        }
    }

    /// The report of a sweep database: its points, each (point, design)'s means, the paired differences of the
    /// points against the first (or those `compare --by point` stored) and the forest plot.
    func sweepReport(_ store: ResultsStore) throws {
        let (sweep, comparisons, stored, note) = try SweepComparison.gather(store)
        let path = out ?? "Results/\(sweep.name)-report.md"
        let plotsDirectory = plots ?? "Plots/\(sweep.name)/"
        let images = try Self.plots(in: plotsDirectory, linkedFrom: path)
        let text = SweepReport.render(
            sweep, comparisons: comparisons, stored: stored, note: note,
            databaseName: URL(fileURLWithPath: database).lastPathComponent, plots: images,
            plotsDirectory: plotsDirectory)
        try Compare.write(text, to: path, createDirectory: out == nil)
        if output.json {
            print(
                try JSONOutput.encode(
                    ReportOutput(
                        report: path, scenario: sweep.name, designs: sweep.designs, plots: images.map(\.link),
                        comparisons: comparisons.count, comparisonsStored: stored, warmupRuns: 0)))
        } else {
            print(
                "report: \(path) (sweep of \(sweep.points.count) points, \(sweep.designs.count) designs, "
                    + "\(comparisons.count) comparisons, \(images.count) plots)")
        }
    }

    /// The PNG files of `directory` (none if it does not exist), by name, each linked relative to the report's
    /// directory.
    static func plots(in directory: String, linkedFrom report: String) throws -> [ReportPlot] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else { return [] }
        let names: [String]
        do throws(any Error) {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw InputFileError(message: "cannot list plots directory \(directory): \(error.localizedDescription)")
        }
        let from = URL(fileURLWithPath: report).deletingLastPathComponent()
        return names.filter { $0.lowercased().hasSuffix(".png") }.sorted().map { name in
            let file = URL(fileURLWithPath: directory).appendingPathComponent(name)
            return ReportPlot(link: relativePath(file, from: from), fileName: name)
        }
    }

    /// `file` relative to `directory` ("../Plots/x/a.png"), both made absolute and standardised first.
    static func relativePath(_ file: URL, from directory: URL) -> String {
        let f = file.standardizedFileURL.resolvingSymlinksInPath().pathComponents
        let d = directory.standardizedFileURL.resolvingSymlinksInPath().pathComponents
        var common = 0
        while common < f.count - 1, common < d.count, f[common] == d[common] { common += 1 }
        let up = Array(repeating: "..", count: d.count - common)
        return (up + f[common...]).joined(separator: "/")
    }
}

struct ReportOutput: Encodable {
    var report: String
    var scenario: String
    var designs: [String]
    var plots: [String]
    var comparisons: Int
    var comparisonsStored: Bool
    var warmupRuns: Int
}
