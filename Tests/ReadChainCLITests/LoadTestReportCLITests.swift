import Foundation
import Testing

/// `readchain loadtest` reports the way CometBFT's tooling does (issue 15, item 7): latency standard deviation,
/// raw latencies as CSV, a one-line summary, the market tables' number format.
@Suite struct LoadTestReportCLITests {
    /// The CSV holds one row per committed transaction of the window, and its latencies' sample standard deviation
    /// is the reported `latency.sd`.
    @Test func csvOfRawLatenciesAndTheirStandardDeviation() throws {
        let tmp = try TempDir()
        let csv = tmp.path("lat.csv")
        let r = try CLI.run([
            "loadtest", "--duration", "3 s", "--rate", "50", "--json", "--csv", csv, "--out", tmp.path("lt.sqlite"),
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let point = try #require((obj["points"] as? [[String: Any]])?.first)
        let rep = try #require((point["replications"] as? [[String: Any]])?.first)
        let committed = try #require(rep["committed"] as? Int)
        let sd = try #require((rep["latency"] as? [String: Any])?["sd"] as? Double)
        let summary = try #require(point["summary"] as? [[String: Any]])
        #expect(summary.contains { $0["name"] as? String == "latency_sd" })

        let lines = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "validators,offered_rate,replication,submitted_s,latency_s")
        let latencies = try lines.dropFirst().map { line in
            let fields = line.split(separator: ",")
            #expect(fields.count == 5 && fields[0] == "4" && fields[1] == "50" && fields[2] == "0")
            return try #require(Double(fields[4]))
        }
        #expect(latencies.count == committed && committed > 2)
        let mean = latencies.reduce(0, +) / Double(latencies.count)
        let sample = (latencies.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(latencies.count - 1))
            .squareRoot()
        #expect(abs(sample - sd) < 1e-9 && sd > 0, "csv \(sample) vs reported \(sd)")
    }

    /// `--summary`: one line per point, with the latency's mean and standard deviation.
    @Test func summaryIsOneLinePerPoint() throws {
        let tmp = try TempDir()
        let r = try CLI.run([
            "loadtest", "--duration", "2s", "--rate", "50,100", "--summary", "--out", tmp.path("lt.sqlite"),
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 2, "\(r.stdout)")
        #expect(lines.first?.hasPrefix("N=4 rate=50/s reps=1: submitted ") == true, "\(r.stdout)")
        #expect(lines.last?.hasPrefix("N=4 rate=100/s reps=1: submitted ") == true, "\(r.stdout)")
        #expect(lines.allSatisfy { $0.contains(" latency_s avg ") && $0.contains(" sd ") }, "\(r.stdout)")
    }

    /// The table writes values to four significant figures, as the market tables do, and never in exponent
    /// notation (`1.1671e+06` before).
    @Test func numbersFollowTheMarketTablesRule() throws {
        let tmp = try TempDir()
        let args = [
            "loadtest", "--duration", "2s", "--rate", "400", "--app", "log", "--tx-size", "4096", "--out",
            tmp.path("lt.sqlite"),
        ]
        let r = try CLI.run(args)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stdout.contains("e+") && !r.stdout.contains("e-0"), "\(r.stdout)")
        let j = try CLI.run(args + ["--json"])
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any])
        let rep = try #require(((obj["points"] as? [[String: Any]])?.first?["replications"] as? [[String: Any]])?.first)
        let min = try #require((rep["latency"] as? [String: Any])?["min"] as? Double)
        let digits = Swift.min(6, Swift.max(0, 3 - Int(log10(min).rounded(.down))))
        let row = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("latency min ") })
        #expect(row.hasSuffix(" " + String(format: "%.\(digits)f", min)), "\(row) vs \(min)")
        let bytes = try #require(rep["bytesPerHeight"] as? Double)
        #expect(bytes >= 1e6, "the run must have a value the old format wrote in exponent notation: \(bytes)")
    }
}
