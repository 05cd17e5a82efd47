import DiscreteEvent
import Foundation
import LoadTest
import Results

/// What `readchain plot` reads of a load-test database (`readchain loadtest --out DB`): each point's mean metrics,
/// each run's per-height observations, and the fault schedule of the runs' command line.
public struct LoadTestPlotData: Sendable, Equatable {
    /// One (validators, offered rate) point: the mean over its finished replications of each stored metric.
    public struct Point: Sendable, Equatable {
        public var validators: Int
        public var rate: Double
        public var replications: Int
        /// Committed transactions per second (`committed_tps`).
        public var committedTPS: Double
        /// Submit-to-commit latency in seconds (`latency_avg`, `latency_p50`, `_p90`, `_p99`); NaN when not stored.
        public var latencyAvg: Double
        public var latencyP50: Double
        public var latencyP90: Double
        public var latencyP99: Double
    }

    /// One observation: the simulated time a height was decided (ticks) and the value.
    public struct Sample: Sendable, Equatable {
        public var time: Int64
        public var value: Double
    }

    /// One finished run with its per-height series (`block_time` and `block_txs`).
    public struct Run: Sendable, Equatable {
        public var id: RunID
        public var validators: Int
        public var rate: Double
        public var replication: Int
        public var blockTime: [Sample]
        public var blockTransactions: [Sample]
    }

    /// A span of simulated seconds during which a fault was in force.
    public struct FaultWindow: Sendable, Equatable {
        public var from: Double
        public var to: Double
        /// The fault as written without its time (`crash:1`, `partition:0,1|2,3`).
        public var label: String
    }

    public var commandLine: String
    public var scenarioSHA256: String
    public var points: [Point]
    public var runs: [Run]
    public var durationTicks: Int64
    public var warmupTicks: Int64
    /// Trimmed at the end (from `--cooldown` of the command line); nil when the command line does not say.
    public var cooldownTicks: Int64?
    /// The fault windows; nil when the runs' command line cannot be read for a fault schedule.
    public var faultWindows: [FaultWindow]?
    public var notes: [String]

    /// The point labels, in run order (`validators=4 rate=200`).
    public var labels: [String] { points.map { "validators=\($0.validators) rate=\(PlotFigureBuilder.num($0.rate))" } }

    /// Whether every run of the database is a load test's (and there is at least one).
    static func isLoadTest(_ reader: ResultsReader) throws -> Bool {
        let runs = try reader.runs()
        return !runs.isEmpty && runs.allSatisfy { $0.scenarioKind == "loadtest" }
    }

    /// Reads a load-test database's finished runs.
    ///
    /// - Throws: ``PlotError/nothingToPlot(_:)`` when no run is finished; ``ResultsError``.
    static func load(_ store: ResultsStore, path: String) throws -> LoadTestPlotData {
        let all = try store.runs()
        let finished = all.filter { $0.status == .finished }
        guard let first = finished.first else {
            throw PlotError.nothingToPlot(
                "\(path) has no finished load-test run (\(all.count) runs, none finished): nothing to plot")
        }
        var notes: [String] = []
        if finished.count < all.count {
            notes.append(
                "\(all.count - finished.count) of \(all.count) load-test runs are not finished (an oracle violation "
                    + "or an interrupted run) and are left out")
        }
        let shas = Set(finished.map(\.provenance.scenarioSHA256))
        guard shas.count == 1 else {
            throw PlotError.nothingToPlot(
                "\(path) holds load-test runs of \(shas.count) command lines; plot one loadtest output at a time")
        }
        var runs: [Run] = []
        var metrics: [[String: Double]] = []
        for r in finished {
            guard let (validators, rate) = Self.point(of: r.provenance.variant ?? "") else {
                throw PlotError.nothingToPlot(
                    "\(path): run \(r.id.rawValue) has variant '\(r.provenance.variant ?? "")', not "
                        + "'validators=N rate=R': not a load test this build reads")
            }
            var blockTime: [Sample] = []
            var blockTxs: [Sample] = []
            for s in try store.series(run: r.id) where s.name == "block_time" || s.name == "block_txs" {
                let samples = try store.observations(series: s.id).map { Sample(time: $0.time, value: $0.value) }
                if s.name == "block_time" { blockTime = samples } else { blockTxs = samples }
            }
            runs.append(
                Run(
                    id: r.id, validators: validators, rate: rate, replication: r.provenance.replication,
                    blockTime: blockTime, blockTransactions: blockTxs))
            var m: [String: Double] = [:]
            for metric in try store.metrics(run: r.id) { m[metric.name] = metric.value }
            metrics.append(m)
        }
        // Points in run order (validators outer, rates inner, as the load test begins them).
        var keys: [[Double]] = []
        for r in runs where !keys.contains([Double(r.validators), r.rate]) {
            keys.append([Double(r.validators), r.rate])
        }
        let points = keys.map { key -> Point in
            let members = runs.indices.filter { Double(runs[$0].validators) == key[0] && runs[$0].rate == key[1] }
            func mean(_ name: String) -> Double {
                let xs = members.compactMap { metrics[$0][name] }.filter(\.isFinite)
                return xs.isEmpty ? .nan : xs.reduce(0, +) / Double(xs.count)
            }
            return Point(
                validators: Int(key[0]), rate: key[1], replications: members.count,
                committedTPS: mean("committed_tps"), latencyAvg: mean("latency_avg"), latencyP50: mean("latency_p50"),
                latencyP90: mean("latency_p90"), latencyP99: mean("latency_p99"))
        }
        let text = first.provenance.scenarioText
        let duration = first.provenance.horizonTicks
        let options = Self.options(text)
        var cooldown: Int64?
        if let c = options.cooldown, let t = try? LoadTestSpec.duration(c, option: "--cooldown") { cooldown = t.ticks }
        var windows: [FaultWindow]?
        if let faults = options.faults {
            windows = Self.windows(faults, end: Double(duration) / Double(SimTime.ticksPerSecond))
        } else {
            notes.append(
                "the runs' command line is not one `readchain loadtest` writes, so the fault schedule is unknown: "
                    + "loadtest-blocks has no fault shading")
        }
        return LoadTestPlotData(
            commandLine: text, scenarioSHA256: first.provenance.scenarioSHA256, points: points, runs: runs,
            durationTicks: duration, warmupTicks: first.provenance.warmupTicks, cooldownTicks: cooldown,
            faultWindows: windows, notes: notes)
    }

    /// (validators, rate) of a point label `validators=4 rate=200`.
    static func point(of label: String) -> (Int, Double)? {
        var validators: Int?
        var rate: Double?
        for part in label.split(separator: " ") {
            let kv = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else { return nil }
            if kv[0] == "validators" { validators = Int(kv[1]) }
            if kv[0] == "rate" { rate = Double(kv[1]) }
        }
        guard let validators, let rate else { return nil }
        return (validators, rate)
    }

    /// The faults (nil when the text is not a `readchain loadtest` command line or a fault does not parse) and the
    /// `--cooldown` text of a canonical command line (`... --fault 'crash:1@10s' ...`, single-quoted values).
    static func options(_ commandLine: String) -> (faults: [FaultSpec]?, cooldown: String?) {
        var tokens: [String] = []
        var current = ""
        var quoted = false
        var inToken = false
        for c in commandLine {
            if c == "'" {
                quoted.toggle()
                inToken = true
            } else if c == " " && !quoted {
                if inToken { tokens.append(current) }
                current = ""
                inToken = false
            } else {
                current.append(c)
                inToken = true
            }
        }
        if inToken { tokens.append(current) }
        guard tokens.count >= 2, tokens[0] == "readchain", tokens[1] == "loadtest", !quoted else { return (nil, nil) }
        var faults: [FaultSpec] = []
        var cooldown: String?
        for (i, t) in tokens.enumerated() where i + 1 < tokens.count {
            if t == "--fault" {
                guard let f = try? FaultSpec.parse(tokens[i + 1]) else { return (nil, nil) }
                faults.append(f)
            } else if t == "--cooldown" {
                cooldown = tokens[i + 1]
            }
        }
        return (faults, cooldown)
    }

    /// When each fault was in force: a crash until the same node restarts, a partition or an isolation until the
    /// next heal, each otherwise until `end` (seconds). Ordered by start, then as written.
    static func windows(_ faults: [FaultSpec], end: Double) -> [FaultWindow] {
        let ordered = faults.enumerated().sorted { ($0.element.fault.at, $0.offset) < ($1.element.fault.at, $1.offset) }
        var done: [(Int, FaultWindow)] = []
        // Open windows: (order, crashed node or nil for a network fault, window).
        var open: [(Int, Int?, FaultWindow)] = []
        for (k, f) in ordered {
            let at = f.fault.at.seconds
            let head = f.text.split(separator: "@", maxSplits: 1).first.map(String.init) ?? f.text
            let kind = head.split(separator: ":", maxSplits: 1).first.map { $0.lowercased() } ?? head
            switch kind {
            case "crash":
                open.append((k, f.nodes.first, FaultWindow(from: at, to: end, label: head)))
            case "restart":
                for o in open where o.1 != nil && o.1 == f.nodes.first { done.append((o.0, with(o.2, to: at))) }
                open.removeAll { $0.1 != nil && $0.1 == f.nodes.first }
            case "heal":
                for o in open where o.1 == nil { done.append((o.0, with(o.2, to: at))) }
                open.removeAll { $0.1 == nil }
            default:  // partition, isolate
                open.append((k, nil, FaultWindow(from: at, to: end, label: head)))
            }
        }
        done += open.map { ($0.0, $0.2) }
        return done.sorted { ($0.1.from, $0.0) < ($1.1.from, $1.0) }.map(\.1)
    }

    private static func with(_ w: FaultWindow, to: Double) -> FaultWindow {
        var w = w
        w.to = to
        return w
    }
}

/// The figures of a load-test database: latency against throughput per validator count, and block time and
/// transactions per block over time per run. Pure: the same data give the same bytes.
public struct LoadTestPlot: Sendable {
    public var data: LoadTestPlotData
    public var formats: [PlotFormat]
    public var pngTerminal: String

    public init(data: LoadTestPlotData, formats: [PlotFormat], pngTerminal: String = "pngcairo") {
        self.data = data
        self.formats = formats
        self.pngTerminal = pngTerminal
    }

    typealias B = PlotFigureBuilder

    /// Every figure the data allow; `skipped` says which were left out and why.
    public func figures() -> (figures: [PlotFigure], skipped: [String]) {
        var figures: [PlotFigure] = []
        var skipped: [String] = []
        if let f = latencyThroughput() {
            figures.append(f)
        } else {
            skipped.append("loadtest-latency-throughput: no point has a committed throughput and a latency")
        }
        if let f = blocks() {
            figures.append(f)
        } else {
            skipped.append("loadtest-blocks: no run has per-height observations (--no-observations)")
        }
        return (figures, skipped)
    }

    var source: String { "load test `\(B.quoteless(data.commandLine))` (sha256 \(data.scenarioSHA256))" }

    /// The validator counts in run order.
    var validatorCounts: [Int] {
        var counts: [Int] = []
        for p in data.points where !counts.contains(p.validators) { counts.append(p.validators) }
        return counts
    }

    var replicationText: String {
        let counts = Set(data.points.map(\.replications))
        let n = counts.count == 1 ? "\(counts.first!)" : "\(counts.min()!)-\(counts.max()!)"
        return "\(n) replication\(n == "1" ? "" : "s") per point"
    }

    /// Commit latency (p50 solid, p90 dashed, p99 dotted) against committed throughput: one curve per validator
    /// count, one point per offered rate (labelled with it), in offered-rate order.
    func latencyThroughput() -> PlotFigure? {
        let name = "loadtest-latency-throughput"
        let dat = "\(name).dat"
        let usable = data.points.filter { $0.committedTPS.isFinite && $0.latencyP50.isFinite }
        guard !usable.isEmpty else { return nil }
        let slowest = usable.flatMap { [$0.latencyP50, $0.latencyP90, $0.latencyP99] }.filter(\.isFinite).max() ?? 0
        let (unit, scale) = slowest < 1 ? ("ms", 1000.0) : ("s", 1.0)
        var text =
            "# \(dat): per point, the mean over its finished replications of the stored run metrics; latency in "
            + "seconds; one block per validator count\n# \(source)\n"
        text += "# columns: offered_rate committed_tps latency_avg latency_p50 latency_p90 latency_p99 replications\n"
        var clauses: [String] = []
        let s = B.num(scale)
        for (block, n) in validatorCounts.enumerated() {
            if block > 0 { text += "\n\n" }
            text += "# validators \(n)\n"
            let ps = data.points.filter { $0.validators == n }.sorted { $0.rate < $1.rate }
            for p in ps {
                text +=
                    [p.rate, p.committedTPS, p.latencyAvg, p.latencyP50, p.latencyP90, p.latencyP99].map(B.num)
                    .joined(separator: " ") + " \(p.replications)\n"
            }
            let lt = block % B.palette.count + 1
            let head = "\"\(dat)\" index \(block) using 2:"
            clauses.append(
                "\(head)($4*\(s)) with linespoints linetype \(lt) pointtype 7 pointsize 1.1 title "
                    + B.quote("\(n) validators p50"))
            if ps.contains(where: { $0.latencyP90.isFinite }) {
                clauses.append(
                    "\(head)($5*\(s)) with linespoints linetype \(lt) dashtype 2 pointtype 6 title "
                        + B.quote("\(n) validators p90"))
            }
            if ps.contains(where: { $0.latencyP99.isFinite }) {
                clauses.append(
                    "\(head)($6*\(s)) with linespoints linetype \(lt) dashtype 3 pointtype 4 title "
                        + B.quote("\(n) validators p99"))
            }
            clauses.append(
                "\(head)($4*\(s)):(sprintf(\"%g/s\", $1)) with labels left offset 0.6,-0.6 textcolor lt \(lt) "
                    + "notitle")
        }
        let top = B.headroom(usable.flatMap { [$0.latencyP50, $0.latencyP90, $0.latencyP99] }.map { $0 * scale })
        let right = B.headroom(usable.map(\.committedTPS))
        let body = """
            set title \(B.quote("Commit latency against committed throughput (\(replicationText); labels: offered rate)"))
            set xlabel "committed throughput (tx/s)"
            set ylabel \(B.quote("commit latency: submission to commit (\(unit))"))
            set xrange [0:\(B.num(right))]
            set yrange [0:\(B.num(top))]
            set key outside right top box
            set grid
            plot \(clauses.joined(separator: ", \\\n     "))

            """
        return PlotFigure(
            name: name, dataFiles: [.init(name: dat, text: text)],
            script: B.script(
                name, source: source, formats: formats, pngTerminal: pngTerminal, body: body, size: (1100, 650)),
            seriesPerPanel: [clauses.count])
    }

    /// Block time (top) and transactions per block (bottom) against simulated time, one series per run, with the
    /// fault windows shaded and the measurement window marked.
    func blocks() -> PlotFigure? {
        let name = "loadtest-blocks"
        let timeDat = "loadtest-block-time.dat"
        let txDat = "loadtest-block-txs.dat"
        let runs = data.runs.filter { !$0.blockTime.isEmpty || !$0.blockTransactions.isEmpty }
        guard !runs.isEmpty else { return nil }
        let manyReplications = data.points.contains { $0.replications > 1 }
        func caption(_ r: LoadTestPlotData.Run) -> String {
            "\(r.validators) validators, \(B.num(r.rate)) tx/s" + (manyReplications ? ", rep \(r.replication)" : "")
        }
        let second = Double(SimTime.ticksPerSecond)
        var t =
            "# \(timeDat): block time (s) of each height after the first, at the simulated time it was decided (s); "
            + "one block per run\n# \(source)\n# columns: decided_s block_time_s\n"
        var x =
            "# \(txDat): transactions in each height's block, at the simulated time it was decided (s); one block per "
            + "run\n# \(source)\n# columns: decided_s transactions\n"
        var top: [String] = []
        var bottom: [String] = []
        for (k, r) in runs.enumerated() {
            let lt = k % B.palette.count + 1
            let comment = "# run \(r.id.rawValue): \(caption(r))\n"
            if k > 0 {
                t += "\n\n"
                x += "\n\n"
            }
            t += comment
            x += comment
            for o in r.blockTime { t += "\(B.num(Double(o.time) / second)) \(B.num(o.value))\n" }
            for o in r.blockTransactions { x += "\(B.num(Double(o.time) / second)) \(B.num(o.value))\n" }
            // An empty block would end the index early; a NaN row keeps gnuplot's block numbering.
            if r.blockTime.isEmpty { t += "NaN NaN\n" }
            if r.blockTransactions.isEmpty { x += "NaN NaN\n" }
            top.append(
                "\"\(timeDat)\" index \(k) using 1:2 with linespoints linetype \(lt) pointtype 7 pointsize 0.4 title "
                    + B.quote(caption(r)))
            bottom.append(
                "\"\(txDat)\" index \(k) using 1:2 with linespoints linetype \(lt) pointtype 7 pointsize 0.4 title "
                    + B.quote(caption(r)))
        }
        let end = Double(data.durationTicks) / second
        var marks = ""
        var n = 1
        for w in data.faultWindows ?? [] {
            marks +=
                "set object \(n) rect from \(B.num(w.from)), graph 0 to \(B.num(w.to)), graph 1 behind "
                + "fillcolor rgb \"#E8C8C8\" fillstyle solid 0.5 noborder\n"
            marks +=
                "set label \(n) \(B.quote(w.label)) at \(B.num(w.from)), graph 0.95 offset 0.4,-\(n - 1) "
                + "textcolor rgb \"#884444\"\n"
            n += 1
        }
        var edges: [(Double, String)] = []
        if data.warmupTicks > 0 { edges.append((Double(data.warmupTicks) / second, "end of warm-up")) }
        if let c = data.cooldownTicks, c > 0 { edges.append((end - Double(c) / second, "start of cool-down")) }
        for (i, (at, what)) in edges.enumerated() {
            marks +=
                "set arrow \(i + 1) from \(B.num(at)), graph 0 to \(B.num(at)), graph 1 nohead dashtype 3 "
                + "lc rgb \"#777777\"\n"
            marks +=
                "set label \(n) \(B.quote(what)) at \(B.num(at)), graph 0.05 offset 0.5,0 textcolor rgb \"#555555\"\n"
            n += 1
        }
        let shading =
            data.faultWindows == nil
            ? "fault schedule unknown" : (data.faultWindows!.isEmpty ? "no faults" : "faults shaded")
        let topMax = runs.flatMap { $0.blockTime.map(\.value) }
        let bottomMax = runs.flatMap { $0.blockTransactions.map(\.value) }
        let body = """
            set multiplot layout 2,1 title \(B.quote("Blocks over time, one series per run (\(shading); dotted: measurement window)"))
            set xlabel "simulated time (s)"
            set xrange [0:\(B.num(end))]
            set grid
            set key outside right top box
            set lmargin at screen 0.08
            set rmargin at screen 0.74
            \(marks)set title "Block time: from the previous height's decision to this one's"
            set ylabel "block time (s)"
            set yrange [0:\(B.num(B.headroom(topMax)))]
            plot \(top.joined(separator: ", \\\n     "))
            set title "Transactions per block"
            set ylabel "transactions"
            set yrange [0:\(B.num(B.headroom(bottomMax)))]
            plot \(bottom.joined(separator: ", \\\n     "))
            unset multiplot

            """
        return PlotFigure(
            name: name, dataFiles: [.init(name: timeDat, text: t), .init(name: txDat, text: x)],
            script: B.script(
                name, source: source, formats: formats, pngTerminal: pngTerminal, body: body, size: (1100, 800)),
            seriesPerPanel: [top.count, bottom.count])
    }
}
