import Foundation
import Testing

/// `readchain export` (issue 15, item 4): tidy CSV that Python's csv module reads with the expected types.
@Suite struct ExportCLITests {
    /// Loads `csv` with Python's csv module and checks each named column's values all parse as `kind` (`int`,
    /// `float`, `str`; empty means undefined and is allowed where `allowEmpty`), returning python's report.
    static func checkWithPython(_ csv: String, _ columns: [(String, String)], rows: Int) throws -> (Int32, String) {
        let spec = columns.map { "(\"\($0.0)\", \"\($0.1)\")" }.joined(separator: ", ")
        let script = """
            import csv, sys
            rows = list(csv.DictReader(open(sys.argv[1], newline="")))
            assert len(rows) == \(rows), f"rows: {len(rows)}"
            for name, kind in [\(spec)]:
                assert name in rows[0], f"no column {name}: {list(rows[0])}"
                for r in rows:
                    v = r[name]
                    if v == "":
                        continue
                    if kind == "int":
                        int(v)
                    elif kind == "float":
                        float(v)
            print("ok", len(rows))
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script, csv]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    /// A queue sweep: one row per run, the swept values as numbers without their unit, the metrics as columns.
    @Test func runsOfASweep() throws {
        let tmp = try TempDir()
        _ = try tmp.write("q.yaml", smallScenario(replications: 2, horizon: "400 h"))
        let sweep = try tmp.write(
            "s.yaml",
            """
            schema: readchain-sweep/v1
            name: q-sweep
            scenario: q.yaml
            method: grid
            replications: 2
            parameters:
              - path: queue.arrival_rate
                values: [6 /h, 8.5 /h]
              - path: queue.servers
                values: [10, 12]
            """)
        let db = tmp.path("s.sqlite")
        let s = try CLI.run(["sweep", sweep, "--out", db, "--jobs", "2"])
        #expect(s.status == 0, "\(s.stderr)")
        let csv = tmp.path("runs.csv")
        let e = try CLI.run(["export", db, "--table", "runs", "--format", "csv", "--out", csv])
        #expect(e.status == 0, "\(e.stderr)")
        let text = try Self.lines(csv)
        #expect(
            text[0].hasPrefix("run_id,scenario,kind,design,point,variant,replication,seed,status,horizon_h,warmup_h,"))
        #expect(text[0].contains(",queue.arrival_rate,queue.servers,") && text[0].contains(",mean_wait,"))
        #expect(text.count == 9, "a header and 4 points x 2 replications")
        #expect(text[1].contains(",6,10,"), "values without their unit: \(text[1])")
        #expect(text.contains { $0.contains(",8.5,12,") })
        #expect(text[1].contains(",400.0,300.0,"), "horizon and warm-up in hours: \(text[1])")
        let (status, report) = try Self.checkWithPython(
            csv,
            [
                ("run_id", "int"), ("point", "int"), ("replication", "int"), ("horizon_h", "float"),
                ("queue.arrival_rate", "float"), ("queue.servers", "int"), ("mean_wait", "float"),
                ("utilisation", "float"), ("status", "str"),
            ], rows: 8)
        #expect(status == 0, "\(report)")
        // Standard output by default; the same bytes.
        let stdout = try CLI.run(["export", db])
        let written = try String(contentsOfFile: csv, encoding: .utf8)
        #expect(stdout.status == 0 && stdout.stdout == written)
        #expect(try CLI.run(["export", db, "--table", "blocks"]).status == 64)
        #expect(try CLI.run(["export", db, "--format", "xlsx"]).status == 64)
        #expect(try CLI.run(["export", tmp.path("none.sqlite")]).status == 66)
    }

    /// A market: studies, radiologist-days and samples with the run's identity and times in hours.
    @Test func marketDetailTables() throws {
        let tmp = try TempDir()
        let db = tmp.path("m.sqlite")
        let s = try CLI.run(["simulate", "Scenarios/validation/market-tiny.yaml", "--out", db, "--jobs", "2"])
        #expect(s.status == 0, "\(s.stderr)")
        let studies = tmp.path("studies.csv")
        #expect(try CLI.run(["export", db, "--table", "studies", "--out", studies]).status == 0)
        let header = try #require(try Self.lines(studies).first)
        #expect(header.hasPrefix("run_id,design,point,replication,study_key,"))
        #expect(header.contains(",arrival_h,") && header.contains(",turnaround_h,") && !header.contains("_ticks"))
        let count = try Self.lines(studies).count - 1
        #expect(count > 10)
        let (status, report) = try Self.checkWithPython(
            studies,
            [
                ("run_id", "int"), ("replication", "int"), ("arrival_h", "float"), ("turnaround_h", "float"),
                ("price_paid_minor", "int"), ("urgency", "str"), ("measured", "int"), ("pace", "float"),
            ], rows: count)
        #expect(status == 0, "\(report)")
        let samples = tmp.path("samples.csv")
        #expect(try CLI.run(["export", db, "--table", "samples", "--out", samples]).status == 0)
        let sampleLines = try Self.lines(samples)
        #expect(sampleLines[0].hasPrefix("run_id,design,point,replication,time_h,open_orders,"))
        #expect(sampleLines[1].contains(",posted-price,,0,1.0,"), "hour 1 of the first run: \(sampleLines[1])")
        let days = try CLI.run(["export", db, "--table", "days"])
        #expect(days.status == 0 && days.stdout.hasPrefix("run_id,design,point,replication,radiologist,day,"))
        let none = try CLI.run(["export", db, "--table", "comparisons"])
        #expect(none.status == 65 && none.stderr.contains("readchain compare --from"), "\(none.stderr)")
        #expect(try CLI.run(["compare", "--from", db]).status == 0)
        let cmp = try CLI.run(["export", db, "--table", "comparisons"])
        #expect(cmp.status == 0 && cmp.stdout.hasPrefix("scenario_sha256,baseline,variant,metric,"))
    }
}
