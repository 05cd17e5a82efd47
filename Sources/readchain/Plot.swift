import ArgumentParser
import Foundation
import Reporting
import Results

/// `readchain plot`: draws a market results database with gnuplot into `Plots/<scenario>/`.
struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw a market results database's plots (PNG and SVG, with gnuplot).",
        discussion: """
            Writes into Plots/<scenario>/ (or --out-dir): turnaround-cdf-<urgency>, cost-vs-quality, \
            burnout-over-time, ai-learning-curve, income-per-hour and chain-throughput-latency, each as images, \
            its gnuplot script (.gp) and its data (.dat): edit a script and run `gnuplot <name>.gp` in that \
            directory to redraw. \
            A sweep database (`readchain sweep`) gets sweep-forest instead: the paired differences of its \
            points from the baseline point (stored by `compare --by point`, else from the first point), one panel \
            per headline metric, one row per (point, design) with its interval. \
            The database is only read. Exit status: 65 not a results database or nothing to plot (no finished \
            market run; queue runs are not plotted), 66 database not found, 69 gnuplot missing, 70 gnuplot \
            failed, 73 output directory cannot be written, 74 database error.
            """)

    @Argument(
        help: "The results database (written by `readchain simulate`, `compare` or `sweep`).",
        completion: .file(extensions: ["sqlite"]))
    var database: String

    @Option(name: .long, help: "The directory to write (default: Plots/<scenario>).")
    var outDir: String?

    @Option(name: .long, help: "Image formats, comma-separated: png, svg.")
    var format: String = "png,svg"

    @OptionGroup var output: OutputOptions

    func validate() throws { _ = try formats() }

    func formats() throws -> [PlotFormat] {
        var result: [PlotFormat] = []
        for part in format.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) {
            guard let f = PlotFormat(rawValue: part) else {
                throw ValidationError("--format: unknown format '\(part)' (use png, svg or png,svg)")
            }
            if !result.contains(f) { result.append(f) }
        }
        guard !result.isEmpty else { throw ValidationError("--format: name at least one of png, svg") }
        return result
    }

    func run() throws {
        do throws(any Error) {
            let report = try ResultsPlotter.plot(database: database, outputDirectory: outDir, formats: try formats())
            for note in report.notes { FileHandle.standardError.write(Data(("note: " + note + "\n").utf8)) }
            for skip in report.skipped { FileHandle.standardError.write(Data(("skipped: " + skip + "\n").utf8)) }
            if output.json {
                print(try JSONOutput.encode(report))
            } else {
                print(
                    "plots of \(report.scenario) (\(report.designs.joined(separator: ", "))) in \(report.directory)/:")
                for figure in report.figures {
                    let images = figure.files.filter { $0.hasSuffix(".png") || $0.hasSuffix(".svg") }
                    print("  \(images.joined(separator: ", "))")
                }
            }
        } catch {
            throw CLIFailure.report(error, json: output.json)
        }
    }
}
