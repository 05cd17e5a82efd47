import Foundation
import Results
import Testing

/// `readchain plot` of a load-test database (issue 15, item 7): a tiny loadtest, plotted; every number the figures
/// draw is the number the database stores.
@Suite struct LoadTestPlotCLITests {
    /// The data blocks of a gnuplot `.dat` file: (the block's `#` comment lines, its rows of numbers).
    static func blocks(_ text: String) -> [(comments: [String], rows: [[Double]])] {
        var out: [(comments: [String], rows: [[Double]])] = []
        for chunk in text.components(separatedBy: "\n\n\n") {
            let lines = chunk.split(separator: "\n").map(String.init)
            let rows = lines.filter { !$0.hasPrefix("#") }.map { $0.split(separator: " ").map { Double($0) ?? .nan } }
            out.append((lines.filter { $0.hasPrefix("#") }, rows))
        }
        return out
    }

    static func close(_ a: Double, _ b: Double) -> Bool {
        a == b || abs(a - b) <= 1e-6 * max(abs(a), abs(b))
    }

    @Test func plotsALoadTestWithTheStoredNumbers() throws {
        let tmp = try TempDir()
        let db = tmp.path("lt.sqlite")
        let lt = try CLI.run([
            "loadtest", "--validators", "4,5", "--rate", "40,80", "--duration", "4s", "--fault", "crash:3@1s",
            "--fault", "restart:3@2500ms", "--out", db,
        ])
        #expect(lt.status == 0, "\(lt.stderr)")
        let out = tmp.path("plots")
        let p = try CLI.run(["plot", db, "--out-dir", out, "--json"])
        #expect(p.status == 0, "\(p.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(p.stdout.utf8)) as? [String: Any])
        let figures = try #require(obj["figures"] as? [[String: Any]]).compactMap { $0["name"] as? String }
        #expect(figures == ["loadtest-latency-throughput", "loadtest-blocks"])
        for stem in figures {
            let png = try Data(contentsOf: URL(fileURLWithPath: "\(out)/\(stem).png"))
            #expect(png.count > 4_000 && png.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
            #expect(FileManager.default.fileExists(atPath: "\(out)/\(stem).svg"))
        }

        let store = try ResultsStore(readingOnly: db)
        defer { try? store.close() }
        let runs = try store.runs()
        #expect(runs.count == 4)
        func metric(_ run: RunRecord, _ name: String) throws -> Double {
            try #require(try store.metrics(run: run.id).first { $0.name == name }).value
        }

        // One block per validator count, one row per offered rate: the run's stored metrics (one replication).
        let curve = try String(contentsOfFile: "\(out)/loadtest-latency-throughput.dat", encoding: .utf8)
        let curveBlocks = Self.blocks(curve)
        #expect(curveBlocks.count == 2)
        var checked = 0
        for block in curveBlocks {
            let validators = try #require(block.comments.last?.split(separator: " ").last.flatMap { Int($0) })
            #expect(block.rows.count == 2)
            for row in block.rows {
                let label = "validators=\(validators) rate=\(Int(row[0]))"
                let run = try #require(runs.first { $0.provenance.variant == label }, "\(label)")
                let stored = try ["committed_tps", "latency_avg", "latency_p50", "latency_p90", "latency_p99"].map {
                    try metric(run, $0)
                }
                for (k, value) in stored.enumerated() {
                    #expect(Self.close(row[k + 1], value), "\(label) column \(k + 2): \(row[k + 1]) vs stored \(value)")
                }
                #expect(row[6] == 1)
                checked += 1
            }
        }
        #expect(checked == 4)
        // The script draws p50, p90 and p99 (columns 4, 5, 6) against committed throughput (column 2).
        let curveScript = try String(contentsOfFile: "\(out)/loadtest-latency-throughput.gp", encoding: .utf8)
        for (column, quantile) in [(4, "p50"), (5, "p90"), (6, "p99")] {
            let line = curveScript.split(separator: "\n").first { $0.contains("title \"4 validators \(quantile)\"") }
            #expect(line?.contains("index 0 using 2:($\(column)*") == true, "\(quantile): \(line ?? "")")
        }

        // Block time and transactions per block: one block per run, each row a stored observation (time in s).
        for (file, series) in [("loadtest-block-time.dat", "block_time"), ("loadtest-block-txs.dat", "block_txs")] {
            let blocks = Self.blocks(try String(contentsOfFile: "\(out)/\(file)", encoding: .utf8))
            #expect(blocks.count == runs.count, "\(file)")
            for (run, block) in zip(runs, blocks) {
                #expect(block.comments.contains { $0.hasPrefix("# run \(run.id.rawValue):") }, "\(file)")
                let id = try #require(try store.series(run: run.id).first { $0.name == series }).id
                let stored = try store.observations(series: id)
                #expect(!stored.isEmpty)
                #expect(block.rows.count == stored.count, "\(file) run \(run.id.rawValue)")
                for (row, o) in zip(block.rows, stored) {
                    #expect(Self.close(row[0], Double(o.time) / 1e6) && Self.close(row[1], o.value), "\(file) \(row)")
                }
            }
        }

        // The crash window of the stored command line is shaded, from the crash to the restart.
        let gp = try String(contentsOfFile: "\(out)/loadtest-blocks.gp", encoding: .utf8)
        #expect(gp.contains("set object 1 rect from 1, graph 0 to 2.5, graph 1"), "\(gp)")
        #expect(gp.contains("\"crash:3\""))
    }
}
