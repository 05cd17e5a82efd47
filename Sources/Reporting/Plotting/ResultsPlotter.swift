import Analysis
import Foundation
import Results
import Scenario

/// Why `readchain plot` could not draw: each case maps to one exit status in the CLI.
public enum PlotError: Error, CustomStringConvertible, Equatable {
    /// The database file does not exist or cannot be read (exit 66).
    case notFound(String)
    /// The file is not a results database this build reads (exit 65).
    case notAResultsDatabase(String)
    /// A results database with nothing to plot: no runs, only queue runs, no finished market run (exit 65).
    case nothingToPlot(String)
    /// gnuplot is not installed, or lacks a terminal (exit 69).
    case gnuplotMissing(String)
    /// gnuplot ran a script and failed (exit 70): the script and gnuplot's standard error.
    case gnuplotFailed(script: String, status: Int32, stderr: String)
    /// The output directory cannot be created or written (exit 73).
    case cannotCreate(String)

    public var description: String {
        switch self {
        case .notFound(let m), .notAResultsDatabase(let m), .nothingToPlot(let m), .gnuplotMissing(let m),
            .cannotCreate(let m):
            return m
        case .gnuplotFailed(let script, let status, let stderr):
            return "gnuplot failed on \(script) (exit status \(status)):\n\(stderr)"
        }
    }
}

/// What ``ResultsPlotter/plot(database:outputDirectory:formats:)`` wrote.
public struct PlotReport: Codable, Sendable, Equatable {
    public struct Figure: Codable, Sendable, Equatable {
        public var name: String
        /// Series per panel (one per design, or per design and quantile).
        public var seriesPerPanel: [Int]
        /// Every file of the figure: images, data, script.
        public var files: [String]
    }

    public var scenario: String
    public var designs: [String]
    /// The directory holding the files.
    public var directory: String
    public var figures: [Figure]
    /// Figures left out, with the reason.
    public var skipped: [String]
    /// Remarks: runs left out, gnuplot's warnings.
    public var notes: [String]
}

/// Draws the plots of a results database (a market study, a sweep or a load test) with gnuplot.
///
/// The data files, scripts and images are made in a staging directory next to the output directory and moved into
/// it only when every gnuplot run succeeded; files of earlier plot runs that this run does not make again
/// (`turnaround-cdf-*`, a design's worth of series) are removed, so the directory never mixes two databases.
public enum ResultsPlotter {
    /// File-name stems this tool writes; files with these stems are replaced or removed by the next run.
    static let ownedStems = [
        "turnaround-cdf-", "cost-vs-quality", "burnout-over-time", "ai-learning-curve", "income-per-hour",
        "chain-throughput", "chain-latency", "sweep-forest", "sensitivity", "loadtest-",
    ]
    static let ownedExtensions: Set<String> = ["png", "svg", "dat", "gp"]

    /// The default output directory: `Plots/<scenario>`.
    public static func defaultDirectory(scenario: String) -> String {
        let safe = scenario.map { c -> Character in c == "/" || c == "\\" ? "-" : c }
        let name = String(safe).hasPrefix(".") ? "_" + String(safe) : String(safe)
        return "Plots/\(name.isEmpty ? "_" : name)"
    }

    /// Reads the database (read-only) and its data, for a caller that wants to choose the directory from it.
    ///
    /// - Throws: ``PlotError`` for a missing file, a file that is not a results database, or nothing to plot;
    ///   ``ResultsError`` on a database error.
    public static func load(database: String) throws -> MarketPlotData {
        try check(database: database)
        let reader = try ResultsReader(path: database)
        defer { try? reader.close() }
        return try MarketPlotData.load(reader)
    }

    /// The file exists, is readable and is a results database this build reads.
    ///
    /// - Throws: ``PlotError/notFound(_:)``, ``PlotError/notAResultsDatabase(_:)``.
    static func check(database: String) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: database, isDirectory: &isDir) else {
            throw PlotError.notFound("no such results database: \(database)")
        }
        guard !isDir.boolValue else { throw PlotError.notFound("\(database) is a directory, not a results database") }
        guard FileManager.default.isReadableFile(atPath: database) else {
            throw PlotError.notFound("cannot read \(database): permission denied")
        }
        if let refusal = try ResultsReader.identify(path: database).refusal(path: database) {
            throw PlotError.notAResultsDatabase(refusal)
        }
    }

    /// A load-test database's points, runs and fault schedule; nil for any other database.
    ///
    /// - Throws: ``PlotError/nothingToPlot(_:)`` for a load test without a finished run; ``ResultsError``.
    static func loadLoadTest(database: String) throws -> LoadTestPlotData? {
        let reader = try ResultsReader(path: database)
        let loadTest = try LoadTestPlotData.isLoadTest(reader)
        try reader.close()
        guard loadTest else { return nil }
        let store = try ResultsStore(readingOnly: database)
        defer { try? store.close() }
        return try LoadTestPlotData.load(store, path: database)
    }

    /// A morris or sobol sweep's name, design and indices (every metric, 1,000 bootstrap resamples); nil for any
    /// other database.
    ///
    /// - Throws: ``PlotError/nothingToPlot(_:)`` for such a sweep that is unfinished or has no defined index.
    static func loadSensitivity(database: String) throws -> (String, SensitivityPlan, [SensitivityAnalysis.Row])? {
        let reader = try ResultsReader(path: database)
        let sweep = try reader.isSweep()
        try reader.close()
        guard sweep else { return nil }
        let store = try ResultsStore(readingOnly: database)
        defer { try? store.close() }
        guard let settings = try store.studySettings(),
            (try? SensitivityPlan.of(sweepText: settings.sourceText, path: database)) != nil
        else { return nil }
        do {
            let (plan, rows, _) = try SensitivityAnalysis.analyse(
                store, path: database, metrics: nil, bootstrap: 1000)
            return (settings.name, plan, rows)
        } catch let e as SweepError {
            throw PlotError.nothingToPlot(e.message)
        }
    }

    /// A sweep database's runs and the paired differences of its points (stored by `compare --by point`, else
    /// against the first point); nil for a database that is not a sweep's.
    ///
    /// - Throws: ``PlotError/nothingToPlot(_:)`` for a sweep without finished market runs or without two points to
    ///   compare; ``ResultsError``.
    static func loadSweep(database: String) throws -> (sweep: StoredSweep, comparisons: [PairedDifference])? {
        let reader = try ResultsReader(path: database)
        let sweep = try reader.isSweep()
        try reader.close()
        guard sweep else { return nil }
        // A sweep database is read through the results store (read-only; an older schema is migrated once first).
        let store = try ResultsStore(readingOnly: database)
        defer { try? store.close() }
        do {
            let gathered = try SweepComparison.gather(store)
            guard !gathered.comparisons.isEmpty else {
                throw PlotError.nothingToPlot(
                    "\(database): no paired difference between the sweep's points to plot: "
                        + (gathered.note ?? "nothing to compare"))
            }
            return (gathered.sweep, gathered.comparisons)
        } catch let e as ComparisonError {
            throw PlotError.nothingToPlot(e.message)
        }
    }

    /// Draws every plot the database allows into `outputDirectory` (default `Plots/<scenario>`).
    ///
    /// - Parameters:
    ///   - formats: Image formats, each drawn by every script.
    ///   - gnuplot: The gnuplot to run (default: found on `PATH`).
    /// - Throws: ``PlotError`` (see its cases) or ``ResultsError``; the output directory is then unchanged when gnuplot or a query failed (a failure while moving the finished files into place can leave it part-updated).
    public static func plot(
        database: String, outputDirectory: String? = nil, formats: [PlotFormat] = PlotFormat.allCases,
        gnuplot: Gnuplot? = nil
    ) throws -> PlotReport {
        try check(database: database)
        let loadTest = try loadLoadTest(database: database)
        let sensitivity = loadTest == nil ? try loadSensitivity(database: database) : nil
        let sweep = loadTest == nil && sensitivity == nil ? try loadSweep(database: database) : nil
        let data = loadTest == nil && sweep == nil && sensitivity == nil ? try load(database: database) : nil
        let gnuplot = try gnuplot ?? Gnuplot.locate()
        let png = formats.contains(.png) ? try gnuplot.pngTerminal() : "pngcairo"
        if formats.contains(.svg) && !gnuplot.hasTerminal("svg") {
            throw PlotError.gnuplotMissing(
                "\(gnuplot.url.path) has no svg terminal; install Debian's gnuplot-nox, or plot with --format png")
        }
        let figures: [PlotFigure]
        let skipped: [String]
        let name: String
        let designs: [String]
        var notes: [String]
        if let data {
            (figures, skipped) = PlotFigureBuilder(data: data, formats: formats.sorted(), pngTerminal: png).figures()
            (name, designs, notes) = (data.scenario, data.designs.map(\.name), data.notes)
        } else if let loadTest {
            let plot = LoadTestPlot(data: loadTest, formats: formats.sorted(), pngTerminal: png)
            var left: [String]
            (figures, left) = plot.figures()
            guard !figures.isEmpty else {
                throw PlotError.nothingToPlot("\(database): " + left.joined(separator: "; "))
            }
            left.insert(
                "turnaround, cost-vs-quality, burnout, income and chain plots: drawn per design of a market study; a "
                    + "load test gets loadtest-latency-throughput and loadtest-blocks", at: 0)
            skipped = left
            (name, designs, notes) = ("loadtest", loadTest.labels, loadTest.notes)
        } else if let (sweepName, plan, rows) = sensitivity {
            let plot = SensitivityPlot(
                sweepName: sweepName, plan: plan, rows: rows, formats: formats.sorted(), pngTerminal: png)
            guard let (figure, omitted) = plot.figure() else {
                throw PlotError.nothingToPlot("\(database): no sensitivity index of the sweep is defined")
            }
            figures = [figure]
            skipped = [
                "turnaround, cost-vs-quality, burnout, income and chain plots: drawn per design of one scenario; a "
                    + "\(plan.method.rawValue) sweep gets its sensitivity figure (its points are a design, not levels to "
                    + "compare, so no forest plot)"
            ]
            var seen: [String] = []
            for r in rows where !seen.contains(r.design) { seen.append(r.design) }
            (name, designs) = (sweepName, seen)
            notes =
                omitted > 0
                ? [
                    "\(omitted) (design, metric) panels left out (at most \(SensitivityPlot.maxPanels)); "
                        + "`readchain sensitivity --csv` has every index"
                ] : []
        } else {
            let (s, comparisons) = sweep!
            let forest = SweepForestPlot(
                sweep: s, comparisons: comparisons, formats: formats.sorted(), pngTerminal: png)
            guard let figure = forest.figure() else {
                throw PlotError.nothingToPlot("\(database): no paired difference between the sweep's points is defined")
            }
            figures = [figure]
            skipped = [
                "turnaround, cost-vs-quality, burnout, income and chain plots: drawn per design of one scenario "
                    + "(simulate one point's scenario for them); a sweep gets its forest plot"
            ]
            (name, designs) = (s.name, s.designs)
            notes = s.unfinishedRuns > 0 ? ["\(s.unfinishedRuns) unfinished runs of the sweep are left out"] : []
        }
        let directory = outputDirectory ?? defaultDirectory(scenario: name)

        let out = URL(fileURLWithPath: directory)
        let staging = try makeStaging(for: out)
        defer { try? FileManager.default.removeItem(at: staging) }
        var reportFigures: [PlotReport.Figure] = []
        for figure in figures {
            var files: [String] = []
            for file in figure.dataFiles {
                try write(file.text, to: staging.appendingPathComponent(file.name))
                files.append(file.name)
            }
            let script = "\(figure.name).gp"
            try write(figure.script, to: staging.appendingPathComponent(script))
            let warnings = try gnuplot.runScript(script, in: staging)
            if !warnings.isEmpty { notes.append("gnuplot, \(script): \(warnings)") }
            for format in formats.sorted() {
                let image = "\(figure.name).\(format.rawValue)"
                let size =
                    (try? FileManager.default.attributesOfItem(atPath: staging.appendingPathComponent(image).path))?[
                        .size]
                    as? Int ?? 0
                guard size > 0 else {
                    throw PlotError.gnuplotFailed(
                        script: script, status: 0,
                        stderr: "it wrote no \(image)" + (warnings.isEmpty ? "" : ": \(warnings)"))
                }
                files.append(image)
            }
            files.append(script)
            reportFigures.append(.init(name: figure.name, seriesPerPanel: figure.seriesPerPanel, files: files.sorted()))
        }
        try install(staging: staging, into: out, keep: Set(reportFigures.flatMap(\.files)))
        return PlotReport(
            scenario: name, designs: designs, directory: directory, figures: reportFigures,
            skipped: skipped, notes: notes)
    }

    /// A fresh, empty directory beside `out` (so the final moves stay on one file system).
    static func makeStaging(for out: URL) throws -> URL {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: out.path, isDirectory: &isDir), !isDir.boolValue {
            throw PlotError.cannotCreate("cannot write plots into \(out.path): it is a file, not a directory")
        }
        let parent = out.deletingLastPathComponent()
        do {
            try fm.createDirectory(at: parent, withIntermediateDirectories: true)
        } catch {
            throw PlotError.cannotCreate("cannot create directory \(parent.path): \(error.localizedDescription)")
        }
        let staging = parent.appendingPathComponent(
            ".\(out.lastPathComponent).plotting-\(ProcessInfo.processInfo.processIdentifier)")
        try? fm.removeItem(at: staging)
        do {
            try fm.createDirectory(at: staging, withIntermediateDirectories: false)
        } catch {
            throw PlotError.cannotCreate("cannot create directory \(staging.path): \(error.localizedDescription)")
        }
        return staging
    }

    static func write(_ text: String, to url: URL) throws {
        do { try Data(text.utf8).write(to: url) } catch {
            throw PlotError.cannotCreate("cannot write \(url.path): \(error.localizedDescription)")
        }
    }

    /// Moves the staged files into `out`, replacing same-named files, and removes this tool's older files that were
    /// not made again.
    static func install(staging: URL, into out: URL, keep: Set<String>) throws {
        let fm = FileManager.default
        do {
            try fm.createDirectory(at: out, withIntermediateDirectories: true)
        } catch {
            throw PlotError.cannotCreate("cannot create directory \(out.path): \(error.localizedDescription)")
        }
        do {
            for old in try fm.contentsOfDirectory(atPath: out.path).sorted() where !keep.contains(old) {
                let ext = (old as NSString).pathExtension
                if ownedExtensions.contains(ext) && ownedStems.contains(where: { old.hasPrefix($0) }) {
                    try fm.removeItem(at: out.appendingPathComponent(old))
                }
            }
            for name in keep.sorted() {
                let target = out.appendingPathComponent(name)
                if fm.fileExists(atPath: target.path) { try fm.removeItem(at: target) }
                try fm.moveItem(at: staging.appendingPathComponent(name), to: target)
            }
        } catch {
            throw PlotError.cannotCreate("cannot write plots into \(out.path): \(error.localizedDescription)")
        }
    }
}
