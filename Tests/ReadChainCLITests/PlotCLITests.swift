import Foundation
import Results
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// `readchain plot` as a user runs it: a simulated market end to end, and every kind of bad input with its exit
/// status and message.
@Suite struct PlotCLITests {
    @Test func plotsASimulatedMarket() throws {
        let tmp = try TempDir()
        let db = tmp.path("tiny.sqlite")
        // market-tiny over 25 h without its warm-up: a whole radiologist day after the warm-up for the income plot.
        let tiny = try String(contentsOfFile: CLI.path("Scenarios/validation/market-tiny.yaml"), encoding: .utf8)
        let scenario = try tmp.write(
            "tiny.yaml",
            tiny.replacingOccurrences(of: "warmup: 1 h", with: "warmup: 0 h")
                .replacingOccurrences(of: "horizon: 6 h", with: "horizon: 25 h"))
        let sim = try CLI.run(["simulate", scenario, "--replications", "2", "--out", db])
        #expect(sim.status == 0, "\(sim.stderr)")
        let out = tmp.path("plots")
        let r = try CLI.run(["plot", db, "--out-dir", out])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("plots of market-tiny (posted-price, intermediary) in \(out)/"), "\(r.stdout)")
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: out))
        for stem in [
            "turnaround-cdf-stat", "turnaround-cdf-urgent", "cost-vs-quality", "burnout-over-time", "ai-learning-curve",
            "income-per-hour", "chain-throughput-latency",
        ] {
            for ext in ["png", "svg", "gp"] { #expect(files.contains("\(stem).\(ext)"), "\(stem).\(ext)") }
            let png = try Data(contentsOf: URL(fileURLWithPath: "\(out)/\(stem).png"))
            #expect(png.count > 4_000 && png.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
            let svg = try Data(contentsOf: URL(fileURLWithPath: "\(out)/\(stem).svg"))
            let parser = XMLParser(data: svg)
            #expect(parser.parse(), "\(stem).svg is well-formed XML")
        }
        #expect(files.contains("chain-throughput.dat") && files.contains("chain-latency.dat"))
        // The scripts redraw the images as they stand in the directory.
        try FileManager.default.removeItem(atPath: "\(out)/income-per-hour.png")
        let gp = Process()
        gp.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        gp.arguments = ["gnuplot", "income-per-hour.gp"]
        gp.currentDirectoryURL = URL(fileURLWithPath: out)
        try gp.run()
        gp.waitUntilExit()
        #expect(gp.terminationStatus == 0 && FileManager.default.fileExists(atPath: "\(out)/income-per-hour.png"))

        // --json: the figures and their series per panel; --format svg writes no PNG.
        let svgOnly = tmp.path("svg-only")
        let j = try CLI.run(["plot", db, "--out-dir", svgOnly, "--format", "svg", "--json"])
        #expect(j.status == 0, "\(j.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any])
        #expect(obj["designs"] as? [String] == ["posted-price", "intermediary"])
        let figures = try #require(obj["figures"] as? [[String: Any]])
        #expect(figures.count == 7)
        #expect(figures.first { $0["name"] as? String == "cost-vs-quality" }?["seriesPerPanel"] as? [Int] == [2, 2])
        #expect(try FileManager.default.contentsOfDirectory(atPath: svgOnly).allSatisfy { !$0.hasSuffix(".png") })
    }

    @Test func badInputGetsAClearMessageAndExitStatus() throws {
        let tmp = try TempDir()
        // Missing file: 66.
        let missing = try CLI.run(["plot", tmp.path("nope.sqlite")])
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("no such results database: \(tmp.path("nope.sqlite"))"))

        // Not a database: 65, the file untouched.
        let text = try tmp.write("notes.sqlite", "just some text, certainly not an SQLite database file\n")
        let notDB = try CLI.run(["plot", text])
        #expect(notDB.status == 65, "\(notDB.stderr)")
        #expect(notDB.stderr.contains("not a ReadChain results database: \(text)"))
        #expect(try String(contentsOfFile: text, encoding: .utf8).hasPrefix("just some text"))

        // A queue study: nothing to plot, 65.
        let scenario = try tmp.write("small.yaml", smallScenario(replications: 1, horizon: "400 h"))
        let queueDB = tmp.path("queue.sqlite")
        #expect(try CLI.run(["simulate", scenario, "--out", queueDB]).status == 0)
        let queue = try CLI.run(["plot", queueDB, "--out-dir", tmp.path("q")])
        #expect(queue.status == 65)
        #expect(queue.stderr.contains("holds only queue runs (scenario small)"), "\(queue.stderr)")
        #expect(queue.stderr.contains("nothing to plot"))
        #expect(!FileManager.default.fileExists(atPath: tmp.path("q")))

        // A market database whose only run failed: 65.
        let failedDB = tmp.path("failed.sqlite")
        do {
            let store = try ResultsStore(path: failedDB)
            let text = "kind: market\n"
            let run = try store.beginRun(
                RunProvenance(
                    scenarioName: "m", scenarioKind: "market", variant: "posted-price", scenarioText: text,
                    scenarioSHA256: RunProvenance.sha256Hex(text), masterSeed: 1, replication: 0, codeVersion: "t",
                    gitRevision: "t", gslGenerator: "mt19937", gslVersion: "2", horizonTicks: 10, warmupTicks: 0))
            try store.finishRun(run, status: .failed, metrics: [], error: "boom")
            try store.close()
        }
        let failed = try CLI.run(["plot", failedDB, "--out-dir", tmp.path("f")])
        #expect(failed.status == 65)
        #expect(failed.stderr.contains("has no finished market run (1 runs, none finished)"), "\(failed.stderr)")

        // A market database, but gnuplot is not on PATH: 69 with the install hint; the output directory unmade.
        let db = tmp.path("tiny.sqlite")
        #expect(
            try CLI.run(["simulate", "Scenarios/validation/market-tiny.yaml", "--replications", "1", "--out", db])
                .status == 0)
        let noGnuplot = try CLI.run(
            ["plot", db, "--out-dir", tmp.path("g")], environment: ["PATH": tmp.path("empty-bin")])
        #expect(noGnuplot.status == 69)
        #expect(noGnuplot.stderr.contains("apt-get install gnuplot-nox"), "\(noGnuplot.stderr)")
        #expect(!FileManager.default.fileExists(atPath: tmp.path("g")))

        // An output directory under a regular file: 73.
        let blocker = try tmp.write("blocker", "a file\n")
        let cannot = try CLI.run(["plot", db, "--out-dir", "\(blocker)/plots"])
        #expect(cannot.status == 73)
        #expect(cannot.stderr.contains("cannot create directory \(blocker)"), "\(cannot.stderr)")

        // A bad --format: 64.
        let format = try CLI.run(["plot", db, "--format", "gif"])
        #expect(format.status == 64)
        #expect(format.stderr.contains("unknown format 'gif'"))
    }
}
