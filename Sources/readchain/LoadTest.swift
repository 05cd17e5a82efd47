import ArgumentParser
import Foundation
import LoadTest

struct LoadTest: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loadtest",
        abstract: "Offered-load runs and sweeps of the BFT chain (CometBFT QA / Caliper style report).",
        discussion: """
            Lists sweep: --validators 4,7,10,16 --rate 100,200,400. Faults (repeatable): crash:1@10s, \
            restart:1@20s, partition:0,1|2,3@30s, isolate:2@5s, heal@40s. Writes Results/loadtest.sqlite \
            (replacing it) unless --out says otherwise.
            """)

    // Numeric options take the next word even when it starts with "-", so `--rate -5` is refused as a bad rate
    // (exit 64, naming the option) instead of "Missing value".
    @Option(parsing: .unconditional, help: "Validators (equal power), or a comma-separated sweep.") var validators = "4"
    @Option(parsing: .unconditional, help: "Offered load in tx/s, or a comma-separated sweep.") var rate = "200"
    @Option(
        name: .customLong("tx-size"), parsing: .unconditional,
        help: "Encoded transaction size in bytes (--app log; default 1024).")
    var txSize: Int?
    @Option(
        parsing: .unconditional, help: "Clients, each with one outstanding transaction (default: max(16, 4 x rate)).")
    var clients: Int?
    @Option(help: "Latency profile: lan, wan, constant:<ms> or lognormal:<ms>,<cv>.") var latency = "lan"
    @Option(help: "Node timeouts: cometbft (3 s propose, 1 s commit) or test (40 ms propose, 20 ms commit).")
    var timeouts = "cometbft"
    @Option(name: .customLong("verify-cost"), help: "Simulated CPU per signature check, e.g. 77us.")
    var verifyCost = "77us"
    @Option(parsing: .unconditional, help: "Simulated duration, e.g. 60s.") var duration = "60s"
    @Option(
        parsing: .unconditional, help: "Trimmed from the start of the statistics (default: a tenth of the duration).")
    var warmup: String?
    @Option(parsing: .unconditional, help: "Trimmed from the end of the statistics (default: a tenth of the duration).")
    var cooldown: String?
    @Option(name: .customLong("fault"), help: "A scheduled fault (repeatable).") var faults: [String] = []
    @Option(parsing: .unconditional, help: "Master seed.") var seed: UInt64 = 1
    @Option(parsing: .unconditional, help: "Replications per point (means and 95% t intervals when more than one).")
    var replications = 1
    @Option(help: "Application: market (ReadChainApp transfers) or log (LogApplication, any tx size).")
    var app = "market"
    @Option(parsing: .unconditional, help: "Replications run at once (wall-clock figures are per run).") var jobs = 1
    @Option(help: "Verified-signature cache: shared (one for all in-process validators) or per-node.")
    var signatureCache = "shared"
    @Option(help: "The results database to write (default Results/loadtest.sqlite).") var out: String?
    @Flag(name: .long, help: "Do not store per-transaction and per-height observations.") var noObservations = false
    @Option(
        name: .customLong("csv"),
        help: "Also write every committed transaction's latency (measurement window) to this CSV file.")
    var csv: String?
    @Flag(
        name: .long, help: "Print one line per point (counts, tx/s, latency avg/sd/p50/p99/max) instead of the table.")
    var summary = false
    @OptionGroup var output: OutputOptions

    func run() throws {
        do throws(any Error) {
            let spec = try makeSpec()
            try Simulate.ensureParentDirectory(of: out ?? Self.defaultOut, create: out == nil)
            if let csv { try Simulate.ensureParentDirectory(of: csv, create: false) }
            let report = try LoadTestStudy.run(
                spec,
                options: LoadTestOptions(
                    databasePath: out ?? Self.defaultOut, jobs: jobs, recordObservations: !noObservations,
                    gitRevision: GitRevision.current()))
            if let csv {
                do {
                    try LoadTestTable.latencyCSV(report).write(toFile: csv, atomically: true, encoding: .utf8)
                } catch {
                    throw OutputPathError(message: "cannot write \(csv): \(error.localizedDescription)")
                }
            }
            if output.json {
                print(try JSONOutput.encode(report))
            } else {
                print(summary ? LoadTestTable.summaryLines(report) : LoadTestTable.render(report))
            }
        } catch {
            throw CLIFailure.report(error, json: output.json)
        }
    }

    static let defaultOut = "Results/loadtest.sqlite"

    func makeSpec() throws(LoadTestSpecError) -> LoadTestSpec {
        var s = LoadTestSpec()
        s.validators = try LoadTestSpec.integers(validators, option: "--validators")
        s.rates = try LoadTestSpec.numbers(rate, option: "--rate")
        s.txSize = txSize
        s.clients = clients
        s.latency = try LatencyProfile.parse(latency)
        guard let t = TimeoutProfile(rawValue: timeouts.lowercased()) else {
            throw LoadTestSpecError(option: "--timeouts", text: timeouts, reason: "expected cometbft or test")
        }
        s.timeouts = t
        s.duration = try LoadTestSpec.duration(duration, option: "--duration")
        s.verifyCost = try LoadTestSpec.duration(verifyCost, option: "--verify-cost")
        if let warmup { s.warmup = try LoadTestSpec.duration(warmup, option: "--warmup") }
        if let cooldown { s.cooldown = try LoadTestSpec.duration(cooldown, option: "--cooldown") }
        s.faults = try faults.map { f throws(LoadTestSpecError) in try FaultSpec.parse(f) }
        s.seed = seed
        s.replications = replications
        guard let a = LoadTestApp(rawValue: app.lowercased()) else {
            throw LoadTestSpecError(option: "--app", text: app, reason: "expected market or log")
        }
        s.app = a
        switch signatureCache.lowercased() {
        case "shared": s.signatureCaches = .shared
        case "per-node", "pernode": s.signatureCaches = .perNode
        default:
            throw LoadTestSpecError(
                option: "--signature-cache", text: signatureCache, reason: "expected shared or per-node")
        }
        if jobs < 1 { throw LoadTestSpecError(option: "--jobs", text: "\(jobs)", reason: "must be at least 1") }
        try s.validate()
        s.commandLine = LoadTestTable.canonicalCommand(s)
        return s
    }
}

/// The terminal report of `readchain loadtest`.
enum LoadTestTable {
    /// The command line that reproduces `s` (experiment options only, defaults spelled out).
    static func canonicalCommand(_ s: LoadTestSpec) -> String {
        func secs(_ t: Double) -> String { fmtNumber(t) + "s" }
        var parts = [
            "readchain loadtest", "--validators \(s.validators.map(String.init).joined(separator: ","))",
            "--rate \(s.rates.map(fmtNumber).joined(separator: ","))", "--app \(s.app.rawValue)",
        ]
        if s.app == .log { parts.append("--tx-size \(s.txSize ?? 1024)") }
        if let c = s.clients { parts.append("--clients \(c)") }
        parts += [
            "--latency \(s.latency)", "--timeouts \(s.timeouts.rawValue)", "--verify-cost \(s.verifyCost.ticks)us",
            "--duration \(secs(s.duration.seconds))",
            "--warmup \(secs(s.warmupTime.seconds))", "--cooldown \(secs(s.cooldownTime.seconds))",
        ]
        parts += s.faults.map { "--fault '\($0.text)'" }
        if s.signatureCaches == .perNode { parts.append("--signature-cache per-node") }
        parts += ["--seed \(s.seed)", "--replications \(s.replications)"]
        return parts.joined(separator: " ")
    }

    static func fmtNumber(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(x)
    }

    static func render(_ r: LoadTestReport) -> String {
        var lines: [String] = []
        lines.append(r.command)
        lines.append(
            "app \(r.app), latency \(r.latency), timeouts \(r.timeouts)"
                + (r.txSize.map { ", tx \($0) B" } ?? "") + ", window \(fmtNumber(r.warmupSeconds))s.."
                + "\(fmtNumber(r.durationSeconds - r.cooldownSeconds))s of \(fmtNumber(r.durationSeconds))s"
                + (r.faults.isEmpty ? "" : ", faults \(r.faults.joined(separator: " "))"))
        lines.append("results: \(r.database)")
        lines.append("")
        lines.append(
            "simulated time"
                + (r.replicationsPerPoint > 1
                    ? " (mean ± 95% t half-width over \(r.replicationsPerPoint) replications)" : ""))
        let rows = metricRows(r)
        lines += table(rows, leftColumns: 2)

        lines += saturationLines(r)
        lines.append("")
        lines.append(
            String(
                format:
                    "simulator speed (wall clock): %.2f s, %.0f events/s, %.1f simulated blocks/s, %.0f real Ed25519 verifications/s",
                r.wall.seconds, r.wall.eventsPerSecond, r.wall.blocksPerSecond, r.wall.verificationsPerSecond))
        return lines.joined(separator: "\n")
    }

    /// The table of headline metrics (mean ± half-width per point), round histograms, oracle violations and
    /// chain digests, header row first.
    static func metricRows(_ r: LoadTestReport) -> [[String]] {
        let labels: [(String, String)] = [
            ("submitted", "submitted (= committed + rejected + pending)"), ("committed", "committed (in a block)"),
            ("rejected", "rejected (refused, never committed)"), ("pending", "pending at end (never refused)"),
            ("resubmissions", "resubmissions (sent again, whole run)"),
            ("clients_busy", "offered, all clients busy (whole run)"), ("send_rate", "send rate"),
            ("committed_tps", "committed tx/s"), ("latency_min", "latency min"), ("latency_avg", "latency avg"),
            ("latency_sd", "latency sd"),
            ("latency_p50", "latency p50"), ("latency_p90", "latency p90"), ("latency_p95", "latency p95"),
            ("latency_p99", "latency p99"), ("latency_max", "latency max"), ("blocks", "blocks"),
            ("block_time_avg", "block time avg"), ("block_time_sd", "block time sd"),
            ("block_time_min", "block time min"), ("block_time_max", "block time max"),
            ("blocks_per_minute", "blocks per minute"), ("messages_per_height", "messages per height (all nodes)"),
            ("bytes_per_height", "bytes per height (all nodes)"),
            ("messages_per_height_per_node", "messages per height per node"),
            ("bytes_per_height_per_node", "bytes per height per node"),
            ("verifications_per_height", "signature checks per height"),
            ("cpu_per_committed_tx", "CPU per committed tx (all nodes)"), ("peak_mempool", "peak mempool"),
        ]
        var header = ["metric", "unit"]
        header += r.points.map { "N=\($0.validators) r=\(fmtNumber($0.offeredRate))" }
        var rows: [[String]] = [header]
        for (name, label) in labels {
            guard let unit = r.points.first?.metric(name)?.unit else { continue }
            var row = [label, unit]
            for p in r.points {
                guard let m = p.metric(name) else {
                    row.append("-")
                    continue
                }
                row.append(cell(m))
            }
            rows.append(row)
        }
        var roundsRow = ["rounds per height", "heights r0/r1/…"]
        for p in r.points {
            let hist = p.replications.reduce(into: [Int]()) { acc, rep in
                for (k, c) in rep.roundsHistogram.enumerated() {
                    while acc.count <= k { acc.append(0) }
                    acc[k] += c
                }
            }
            roundsRow.append(hist.isEmpty ? "-" : hist.map(String.init).joined(separator: "/"))
        }
        rows.append(roundsRow)
        var safety = ["oracle violations", "count"]
        for p in r.points { safety.append(String(p.replications.reduce(0) { $0 + $1.oracleViolations.count })) }
        rows.append(safety)
        var digest = ["chain digest (rep 0)", "sha256"]
        for p in r.points { digest.append(String(p.replications.first?.chainDigest.prefix(16) ?? "-")) }
        rows.append(digest)
        return rows
    }

    /// The saturation table and each validator count's saturation point and latency knee (none for one rate).
    static func saturationLines(_ r: LoadTestReport) -> [String] {
        var lines: [String] = []
        if r.saturation.contains(where: { $0.rows.count > 1 }) {
            lines.append("")
            lines.append(
                "saturation (sustained: committed tx/s ≥ \(fmtNumber(r.sustainedFraction * 100))% of offered; "
                    + "knee: p50 latency > 2x the lowest rate's)")
            var srows: [[String]] = [
                ["N", "offered tx/s", "sent tx/s", "committed tx/s", "ratio", "p50 s", "p99 s", "sustained"]
            ]
            for t in r.saturation {
                for row in t.rows {
                    srows.append([
                        String(t.validators), fmtNumber(row.offeredRate), fmt(row.sendRate), fmt(row.committedTPS),
                        String(format: "%.3f", row.ratio), fmt(row.latencyP50), fmt(row.latencyP99),
                        row.sustained ? "yes" : "NO",
                    ])
                }
            }
            lines += table(srows, leftColumns: 0)
            for t in r.saturation {
                lines.append(
                    "N=\(t.validators): saturation point \(t.saturationRate.map { fmtNumber($0) + " tx/s" } ?? "below the lowest rate"), "
                        + "latency knee \(t.latencyKneeRate.map { fmtNumber($0) + " tx/s" } ?? "not reached"))")
            }
        }
        return lines
    }

    static func table(_ rows: [[String]], leftColumns: Int) -> [String] {
        let widths = rows[0].indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
        var out: [String] = []
        for (i, row) in rows.enumerated() {
            let cells = row.enumerated().map { c, cell in
                c < leftColumns
                    ? cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[c] - cell.count) + cell
            }
            out.append(cells.joined(separator: "  "))
            if i == 0 { out.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
        }
        return out
    }

    /// A value as the market tables write it: four significant figures, never in exponent notation; a whole
    /// number (a count) as it is.
    static func fmt(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : MarketTable.significant(x, 4)
    }

    /// A mean and its 95% half-width as the market tables write them: both rounded to the half-width's second
    /// significant digit.
    static func cell(_ m: LoadTestMetric) -> String {
        guard let lo = m.ciLow, let hi = m.ciHigh else { return fmt(m.mean) }
        return MarketTable.interval(m.mean, halfWidth: (hi - lo) / 2)
    }

    /// One line per point, as CometBFT's `loadtime report` summarises an experiment.
    static func summaryLines(_ r: LoadTestReport) -> String {
        r.points.map { p in
            func v(_ name: String) -> String { p.metric(name).map { cell($0) } ?? "-" }
            return "N=\(p.validators) rate=\(fmtNumber(p.offeredRate))/s reps=\(p.replications.count): "
                + "submitted \(v("submitted")) committed \(v("committed")) rejected \(v("rejected")) "
                + "pending \(v("pending")) tps \(v("committed_tps")) latency_s avg \(v("latency_avg")) "
                + "sd \(v("latency_sd")) p50 \(v("latency_p50")) p99 \(v("latency_p99")) max \(v("latency_max")) "
                + "block_time_s \(v("block_time_avg"))"
        }.joined(separator: "\n")
    }

    /// Every committed transaction of the measurement window, one row each: the point, the replication, when it
    /// was first submitted and its submit-to-commit latency (simulated seconds, exact to the microsecond).
    static func latencyCSV(_ r: LoadTestReport) -> String {
        var lines = ["validators,offered_rate,replication,submitted_s,latency_s"]
        for p in r.points {
            for rep in p.replications {
                for o in rep.latencies {
                    lines.append(
                        "\(p.validators),\(fmtNumber(p.offeredRate)),\(rep.replication),"
                            + String(format: "%.6f,%.6f", o.submitted.seconds, o.seconds))
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
