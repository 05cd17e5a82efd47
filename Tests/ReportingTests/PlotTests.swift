import DiscreteEvent
import Foundation
import Market
import MarketModel
import Results
import Scenario
import Studies
import Testing

@testable import Reporting

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// `readchain plot`'s engine on a real (tiny) market database: the files, valid PNG and SVG, one SVG series per
/// design, .dat row counts equal to what the database implies, byte-identical data and scripts on a second run.
@Suite struct PlotTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// A scratch directory, removed when the test ends.
    final class Scratch {
        let url: URL
        init() throws {
            url = FileManager.default.temporaryDirectory.appendingPathComponent("readchain-plot-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        }
        func path(_ name: String) -> String { url.appendingPathComponent(name).path }
        deinit { try? FileManager.default.removeItem(at: url) }
    }

    /// Simulates market-tiny (2 replications), optionally keeping only the first design, into `path`. With `fullDay`,
    /// 25 h and no warm-up: radiologist days are recorded at each day's end, and the income plot counts the days
    /// after the warm-up.
    static func simulateTiny(into path: String, onlyFirstDesign: Bool = false, fullDay: Bool = false) throws {
        var text = try String(
            contentsOf: root.appendingPathComponent("Scenarios/validation/market-tiny.yaml"), encoding: .utf8)
        if onlyFirstDesign {
            text = text.replacingOccurrences(of: "    - { name: intermediary, type: intermediary }\n", with: "")
        }
        if fullDay {
            text = text.replacingOccurrences(of: "horizon: 6 h", with: "horizon: 25 h")
                .replacingOccurrences(of: "warmup: 1 h", with: "warmup: 0 h")
        }
        let file = try ScenarioLoader.parse(text: text, path: "market-tiny.yaml").with(replications: 2)
        _ = try MarketStudy.run(file, options: StudyOptions(databasePath: path, jobs: 2))
    }

    @Test func plotsEveryFigureOfATinyMarket() throws {
        let tmp = try Scratch()
        let db = tmp.path("tiny.sqlite")
        try Self.simulateTiny(into: db, fullDay: true)
        let before = try Data(contentsOf: URL(fileURLWithPath: db))

        let out = tmp.path("plots")
        let report = try ResultsPlotter.plot(database: db, outputDirectory: out)
        #expect(report.scenario == "market-tiny")
        #expect(report.designs == ["posted-price", "intermediary"])
        let names = report.figures.map(\.name)
        #expect(
            names == [
                "turnaround-cdf-stat", "turnaround-cdf-urgent", "cost-vs-quality", "burnout-over-time",
                "ai-learning-curve", "income-per-hour", "chain-throughput-latency",
            ])
        #expect(try Data(contentsOf: URL(fileURLWithPath: db)) == before, "plot only reads the database")

        // Images: valid PNG and SVG, with one plotted series per design in every panel.
        for figure in report.figures {
            try PlotFileChecks.checkPNG(URL(fileURLWithPath: out).appendingPathComponent("\(figure.name).png"))
            let svg = try PlotFileChecks.svgSeries(
                URL(fileURLWithPath: out).appendingPathComponent("\(figure.name).svg"))
            #expect(svg == figure.seriesPerPanel, "\(figure.name): SVG series per panel")
            let perDesign =
                figure.name == "chain-throughput-latency" || figure.name == "ai-learning-curve"
                ? [2, 4] : Array(repeating: 2, count: svg.count)
            #expect(svg == perDesign, "\(figure.name)")
            #expect(FileManager.default.fileExists(atPath: "\(out)/\(figure.name).gp"))
        }

        // The turnaround curves have one row per distinct report time of the measured studies of each design and
        // urgency (Kaplan-Meier steps).
        let store = try ResultsStore(path: db)
        let runs = try store.runs()
        for urgency in [Urgency.stat, .urgent] {
            let dat = URL(fileURLWithPath: "\(out)/turnaround-cdf-\(urgency.name).dat")
            let blocks = try PlotFileChecks.dataBlocks(dat)
            var expected: [Int] = []
            for design in ["posted-price", "intermediary"] {
                var times = Set<Int64>()
                for run in runs where run.provenance.variant == design {
                    for s in try store.marketStudies(run: run.id) where s.measured && s.urgency == urgency {
                        if let t = s.turnaround { times.insert(t) }
                    }
                }
                expected.append(times.count)
            }
            #expect(blocks.map(\.count) == expected, "\(urgency)")
            #expect(expected.allSatisfy { $0 > 0 })
            // An ECDF: x ascending, y ascending and at most 1.
            for block in blocks {
                let xs = block.map { $0[0] }
                let ys = block.map { $0[1] }
                #expect(xs == xs.sorted() && ys == ys.sorted() && (ys.last ?? 0) <= 1)
            }
        }
        // Burnout: one row per hourly sample of a run; income: one per radiologist and replication.
        let samples = try PlotFileChecks.dataBlocks(URL(fileURLWithPath: "\(out)/burnout-over-time.dat"))
        let sampleRows = try store.marketRowCounts(run: runs[0].id).samples
        #expect(samples.map(\.count) == [sampleRows, sampleRows])
        let income = try PlotFileChecks.dataBlocks(URL(fileURLWithPath: "\(out)/income-per-hour.dat"))
        #expect(income.map(\.count) == [4, 4], "2 radiologists x 2 replications per design")
        let throughput = try PlotFileChecks.dataBlocks(URL(fileURLWithPath: "\(out)/chain-throughput.dat"))
        #expect(throughput.map(\.count) == [25, 25], "one row per hour of the 25 h horizon")
        try store.close()

        // Deterministic: a second run writes the same data and scripts, byte for byte.
        let again = tmp.path("again")
        _ = try ResultsPlotter.plot(database: db, outputDirectory: again)
        for file in try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        where file.hasSuffix(".dat") || file.hasSuffix(".gp") {
            #expect(
                try Data(contentsOf: URL(fileURLWithPath: "\(out)/\(file)"))
                    == Data(contentsOf: URL(fileURLWithPath: "\(again)/\(file)")), "\(file)")
        }
    }

    /// A database with one design gives one series per panel, and re-plotting into the same directory removes the
    /// files of figures the new database no longer has.
    @Test func seriesFollowTheDesignsInTheDatabase() throws {
        let tmp = try Scratch()
        let db = tmp.path("one.sqlite")
        try Self.simulateTiny(into: db, onlyFirstDesign: true)
        let out = tmp.path("plots")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try Data("stale".utf8).write(to: URL(fileURLWithPath: "\(out)/turnaround-cdf-routine.png"))
        try Data("keep".utf8).write(to: URL(fileURLWithPath: "\(out)/notes.txt"))
        let report = try ResultsPlotter.plot(database: db, outputDirectory: out, formats: [.svg])
        #expect(report.designs == ["posted-price"])
        for figure in report.figures {
            let svg = try PlotFileChecks.svgSeries(
                URL(fileURLWithPath: out).appendingPathComponent("\(figure.name).svg"))
            let expected =
                figure.name == "chain-throughput-latency" || figure.name == "ai-learning-curve"
                ? [1, 2] : Array(repeating: 1, count: svg.count)
            #expect(svg == expected, "\(figure.name)")
            #expect(!FileManager.default.fileExists(atPath: "\(out)/\(figure.name).png"), "--format svg only")
        }
        #expect(!FileManager.default.fileExists(atPath: "\(out)/turnaround-cdf-routine.png"), "stale plot removed")
        #expect(FileManager.default.fileExists(atPath: "\(out)/notes.txt"), "other files kept")
        #expect(
            !(try FileManager.default.contentsOfDirectory(atPath: tmp.url.path)).contains { $0.contains("plotting") })
    }

    /// The data files and scripts of a figure, from hand-made data: Kaplan-Meier heights over all measured studies
    /// (expired ones never reported, open ones censored), intervals with the mean at both ends when n < 2, fixed
    /// number formats.
    @Test func figureTextFromKnownData() throws {
        var design = MarketPlotData.Design(
            name: "a \"quoted\" design", replications: 1, detailReplications: 1,
            turnaround: ["stat": .init(reportedHours: [3, 0.5, 1.25], expired: 1)],
            cost: .init(mean: 12.5, low: 12.5, high: 12.5), errors: .init(mean: 40, low: 30, high: 50),
            majorMisses: nil,
            summaryN: 1, samples: [(SimTime.ticksPerHour, 0.25, 4)], incomePerHour: [(1, 0, 71.5)],
            throughput: [10, 20],
            latency: [(bin: 0, p50: 1.5, p90: 2.25, n: 3)])
        design.turnaround["urgent"] = .init(reportedHours: [], openHours: [0.5], expired: 1)
        // Reported after 1 h and 4 h, one open for 2 h at the end, one expired: at 1 h one of 4 at risk is reported
        // (1/4); the open one leaves the risk set at 2 h; at 4 h one of the 2 left is: 1 − 3/4 · 1/2 = 5/8.
        design.turnaround["routine"] = .init(reportedHours: [4, 1], openHours: [2], expired: 1)
        let data = MarketPlotData(
            scenario: "s", scenarioSHA256: String(repeating: "0", count: 64), horizonTicks: 2 * SimTime.ticksPerHour,
            warmupTicks: SimTime.ticksPerHour, currency: "USD", minorPerMajor: 100, binTicks: SimTime.ticksPerHour,
            urgencies: ["stat", "urgent", "routine"], requiredTurnaround: ["stat": 1], designs: [design], notes: [])
        let builder = PlotFigureBuilder(data: data, formats: [.png, .svg])
        let (figures, skipped) = builder.figures()
        #expect(
            figures.map(\.name) == [
                "turnaround-cdf-stat", "turnaround-cdf-routine", "cost-vs-quality", "burnout-over-time",
                "income-per-hour", "chain-throughput-latency",
            ])
        #expect(
            skipped == [
                "turnaround-cdf-urgent: no measured urgent study was reported",
                "ai-learning-curve: the AI second reader is off, or no market samples",
            ])
        let cdf = try #require(figures.first)
        let rows = cdf.dataFiles[0].text.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(
            rows == ["0.5 0.25", "1.25 0.5", "3 0.75"], "the expired study is never reported: the curve ends at 3/4")
        #expect(cdf.script.contains(#"title "a \"quoted\" design (3 of 4 reported)""#))
        #expect(cdf.script.contains("set arrow 1 from 1, graph 0 to 1, graph 1"), "the required turnaround")
        #expect(cdf.script.contains(#"formats = "png svg""#))
        let routine = figures[1].dataFiles[0].text
        #expect(routine.split(separator: "\n").filter { !$0.hasPrefix("#") } == ["1 0.25", "4 0.625"])
        #expect(routine.contains("2 of 4 measured studies reported, 1 never reported (expired), 1 still open"))
        let cost = figures[2]
        #expect(cost.dataFiles[0].text.contains(#""a \"quoted\" design" 12.5 12.5 12.5 40 30 50 NaN NaN NaN 1"#))
        #expect(cost.seriesPerPanel == [1, 1], "a placeholder when no design has major misses")
        let burnout = figures[3].dataFiles[0].text.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(burnout == ["1 25 4"], "hours, percent, radiologists")
        let latency = try #require(figures[5].dataFiles.first { $0.name == "chain-latency.dat" })
        #expect(latency.text.hasSuffix("0.5 1.5 2.25 3\n"))
        #expect(PlotFigureBuilder.num(1.0 / 3) == "0.3333333" && PlotFigureBuilder.num(.nan) == "NaN")
    }

    /// The AI learning curve from hand-made samples: labels over the initial dataset, and the scenario's curve of
    /// the chosen modality's tool at the mean dataset size.
    @Test func aiLearningCurveFromKnownData() throws {
        var design = MarketPlotData.Design(
            name: "a", replications: 2, detailReplications: 2, turnaround: [:], cost: nil, errors: nil,
            majorMisses: nil, summaryN: 2, samples: [], incomePerHour: [], throughput: [], latency: [])
        design.datasetMeans = [(SimTime.ticksPerHour, 2000), (2 * SimTime.ticksPerHour, 2010.5)]
        let ai = AISecondReader()
        let data = MarketPlotData(
            scenario: "s", scenarioSHA256: String(repeating: "0", count: 64), horizonTicks: 2 * SimTime.ticksPerHour,
            warmupTicks: 0, currency: "USD", minorPerMajor: 100, binTicks: SimTime.ticksPerHour, urgencies: [],
            requiredTurnaround: [:], designs: [design], notes: [], ai: ai, aiModality: .ct)
        let figure = try #require(PlotFigureBuilder(data: data, formats: [.png]).aiLearningCurve())
        #expect(figure.seriesPerPanel == [1, 2])
        let model = AISecondReaderModel(parameters: ai)
        let rows = figure.dataFiles[0].text.split(separator: "\n").filter { !$0.hasPrefix("#") }
        let n = PlotFigureBuilder.num
        #expect(
            rows == [
                "1 0 2000 \(n(model.sensitivity(.ct, datasetSize: 2000))) \(n(model.specificity(.ct, datasetSize: 2000)))",
                "2 10.5 2010.5 \(n(model.sensitivity(.ct, datasetSize: 2011))) "
                    + "\(n(model.specificity(.ct, datasetSize: 2011)))",
            ])
        #expect(figure.script.contains("the ct tool's curve"))
        var off = data
        off.ai = nil
        #expect(PlotFigureBuilder(data: off, formats: [.png]).aiLearningCurve() == nil)
    }

    /// Issue 15: two designs of equal cost are drawn side by side (they used to hide one another), the data file
    /// keeps their true cost; the income tic labels (two lines each) get a bottom margin that holds them; the chain
    /// panel names the post latency apart from the tables' commit latency.
    @Test func equalCostsAreOffsetAndLabelsFit() throws {
        func design(_ name: String, cost: Double) -> MarketPlotData.Design {
            MarketPlotData.Design(
                name: name, replications: 2, detailReplications: 2, turnaround: [:],
                cost: .init(mean: cost, low: cost - 1, high: cost + 1), errors: .init(mean: 40, low: 30, high: 50),
                majorMisses: nil, summaryN: 2, samples: [], incomePerHour: [(1, 0, 71.5)], throughput: [10],
                latency: [(bin: 0, p50: 1.5, p90: 2.25, n: 3)])
        }
        let data = MarketPlotData(
            scenario: "s", scenarioSHA256: String(repeating: "0", count: 64), horizonTicks: 2 * SimTime.ticksPerHour,
            warmupTicks: SimTime.ticksPerHour, currency: "USD", minorPerMajor: 100, binTicks: SimTime.ticksPerHour,
            urgencies: [], requiredTurnaround: [:],
            designs: [design("a", cost: 50), design("b", cost: 50), design("c", cost: 60)], notes: [])
        let figures = PlotFigureBuilder(data: data, formats: [.png]).figures().figures
        let cost = try #require(figures.first { $0.name == "cost-vs-quality" })
        let rows = cost.dataFiles[0].text.split(separator: "\n").filter { !$0.hasPrefix("#") }
            .map { $0.split(separator: " ").map(String.init) }
        #expect(rows.map { $0[1] } == ["50", "50", "60"], "the true costs")
        let drawn = rows.map { Double($0[11])! }
        #expect(drawn[0] < 50 && drawn[1] > 50 && drawn[2] == 60, "\(drawn)")
        #expect(abs((drawn[0] + drawn[1]) / 2 - 50) < 1e-9, "spread symmetrically")
        #expect(cost.script.contains("using 12:5:13:14:6:7"))
        let income = try #require(figures.first { $0.name == "income-per-hour" })
        #expect(income.script.contains("set bmargin \(PlotFigureBuilder.incomeTicLines + 2)"))
        let chain = try #require(figures.first { $0.name == "chain-throughput-latency" })
        #expect(chain.script.contains("Post latency") && !chain.script.contains("Commit latency"))
        #expect(PlotFigureBuilder.costOffsets([1, 2, 3], span: 10) == [0, 0, 0])
    }

    /// Bad input: a missing file, a file that is not a results database, a database with no finished market run.
    @Test func refusesWhatItCannotPlot() throws {
        let tmp = try Scratch()
        #expect(throws: PlotError.notFound("no such results database: \(tmp.path("none.sqlite"))")) {
            try ResultsPlotter.load(database: tmp.path("none.sqlite"))
        }
        let text = tmp.path("text.sqlite")
        try Data("hello, not a database at all, just text padding it out past a header".utf8).write(
            to: URL(fileURLWithPath: text))
        do {
            _ = try ResultsPlotter.load(database: text)
            Issue.record("a text file was accepted")
        } catch let error as PlotError {
            guard case .notAResultsDatabase(let m) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(m.contains("not an SQLite database"))
        }
        let empty = tmp.path("empty.sqlite")
        _ = try ResultsStore(path: empty)
        do {
            _ = try ResultsPlotter.load(database: empty)
            Issue.record("a database with no runs was accepted")
        } catch let error as PlotError {
            guard case .nothingToPlot(let m) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(m.contains("has no runs"))
        }
    }
}

/// Checks of the files gnuplot wrote.
enum PlotFileChecks {
    struct Failure: Error, CustomStringConvertible { var description: String }

    /// PNG signature, an IHDR chunk first, a sane size, and more than a trivial number of bytes.
    static func checkPNG(_ url: URL) throws {
        let d = try Data(contentsOf: url)
        guard d.count > 4_000 else { throw Failure(description: "\(url.lastPathComponent): only \(d.count) bytes") }
        let b = [UInt8](d.prefix(24))
        guard b[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else {
            throw Failure(description: "\(url.lastPathComponent): no PNG signature")
        }
        guard String(decoding: b[12..<16], as: UTF8.self) == "IHDR" else {
            throw Failure(description: "\(url.lastPathComponent): first chunk is not IHDR")
        }
        let width = b[16..<20].reduce(0) { $0 << 8 | Int($1) }
        let height = b[20..<24].reduce(0) { $0 << 8 | Int($1) }
        guard (400...4000).contains(width), (300...4000).contains(height) else {
            throw Failure(description: "\(url.lastPathComponent): \(width) x \(height)")
        }
    }

    /// Parses the SVG as XML and counts gnuplot's plot groups (`gnuplot_plot_<n><panel letter>`) per panel.
    static func svgSeries(_ url: URL) throws -> [Int] {
        final class Delegate: NSObject, XMLParserDelegate {
            var panels: [String: Int] = [:]
            func parser(
                _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]
            ) {
                guard name == "g", let id = attributes["id"], id.hasPrefix("gnuplot_plot_") else { return }
                // `gnuplot_plot_3` in a single plot, `gnuplot_plot_3b` in the second panel of a multiplot.
                let panel = String(id.dropFirst("gnuplot_plot_".count).drop { $0.isNumber })
                panels[panel, default: 0] += 1
            }
        }
        let parser = try #require(XMLParser(contentsOf: url))
        let delegate = Delegate()
        parser.delegate = delegate
        guard parser.parse() else {
            throw Failure(
                description: "\(url.lastPathComponent): not well-formed XML: \(String(describing: parser.parserError))")
        }
        return delegate.panels.keys.sorted().map { delegate.panels[$0]! }
    }

    /// The numeric rows of a gnuplot data file, split into its blocks (separated by two blank lines).
    static func dataBlocks(_ url: URL) throws -> [[[Double]]] {
        let text = try String(contentsOf: url, encoding: .utf8)
        return text.components(separatedBy: "\n\n\n").map { block in
            block.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
                line.split(separator: " ").compactMap { Double($0) }
            }
        }
    }
}
