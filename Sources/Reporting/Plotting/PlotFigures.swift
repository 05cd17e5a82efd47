import DiscreteEvent
import Foundation
import Market
import MarketModel

/// One figure of `readchain plot`: its gnuplot script and data files, written next to the images it draws.
public struct PlotFigure: Sendable, Equatable {
    /// The file name without extension (`turnaround-cdf-stat`): the images are `<name>.png` and `<name>.svg`, the
    /// script `<name>.gp`.
    public var name: String
    /// Data files this figure's script reads: (file name, contents).
    public var dataFiles: [DataFile]
    /// The gnuplot script (draws every requested format).
    public var script: String
    /// Plotted series in each panel, in panel order (each is one `<g id="gnuplot_plot_N...">` group in the SVG).
    public var seriesPerPanel: [Int]

    public struct DataFile: Sendable, Equatable {
        public var name: String
        public var text: String
    }
}

/// Image formats `readchain plot` can write.
public enum PlotFormat: String, Sendable, CaseIterable, Comparable {
    case png, svg

    public static func < (a: PlotFormat, b: PlotFormat) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// Builds the figures of a market results database as gnuplot scripts and data files. Pure: the same data and
/// options give the same bytes (fixed number formats, fixed orders, no dates, no paths).
public struct PlotFigureBuilder: Sendable {
    public var data: MarketPlotData
    public var formats: [PlotFormat]
    /// gnuplot's PNG terminal: `pngcairo` where present, else the libgd `png` terminal.
    public var pngTerminal: String

    public init(data: MarketPlotData, formats: [PlotFormat], pngTerminal: String = "pngcairo") {
        self.data = data
        self.formats = formats
        self.pngTerminal = pngTerminal
    }

    /// Every figure the data allows, in a fixed order; `skipped` says which were left out and why.
    public func figures() -> (figures: [PlotFigure], skipped: [String]) {
        var figures: [PlotFigure] = []
        var skipped: [String] = []
        if data.hasDetail {
            for u in data.urgencies {
                if let f = turnaroundCDF(urgency: u) {
                    figures.append(f)
                } else {
                    skipped.append("turnaround-cdf-\(Self.slug(u)): no measured \(u) study was reported")
                }
            }
        } else {
            skipped.append("turnaround, burnout, income and chain plots: no run has per-study rows (--no-observations)")
        }
        if let f = costVsQuality() {
            figures.append(f)
        } else {
            skipped.append("cost-vs-quality: no design has a cost per study in summaries")
        }
        if data.hasDetail {
            if let f = burnoutOverTime() {
                figures.append(f)
            } else {
                skipped.append("burnout-over-time: no market samples")
            }
            if let f = aiLearningCurve() {
                figures.append(f)
            } else {
                skipped.append("ai-learning-curve: the AI second reader is off, or no market samples")
            }
            if let f = incomePerHour() {
                figures.append(f)
            } else {
                skipped.append("income-per-hour: no radiologist worked a shift hour after the warm-up")
            }
            if let f = chainThroughputLatency() {
                figures.append(f)
            } else {
                skipped.append("chain-throughput-latency: no committed blocks")
            }
        }
        return (figures, skipped)
    }

    // MARK: - Figures

    /// Turnaround of one urgency as the share of measured studies reported within t: one step series per design,
    /// pooled over replications, the Kaplan–Meier estimate that counts the studies never reported (expired) and
    /// censors those still open at the horizon, so a curve levels off below 1 by the share never reported.
    func turnaroundCDF(urgency: String) -> PlotFigure? {
        let name = "turnaround-cdf-\(Self.slug(urgency))"
        let dat = "\(name).dat"
        var text = header(
            dat,
            "Kaplan-Meier share of measured \(urgency) studies reported within t (h), never-reported ones counted; "
                + "one block per design")
        text += "# columns: turnaround_h share_of_measured_reported_within\n"
        var clauses: [String] = []
        var block = 0
        for d in data.designs {
            guard let t = d.turnaround[urgency], !t.estimate.steps.isEmpty else { continue }
            if block > 0 { text += "\n\n" }
            text +=
                "# design \(Self.quoteless(d.name)): \(t.reported) of \(t.measured) measured studies reported, "
                + "\(t.expired) never reported (expired), \(t.open) still open at the end (censored)\n"
            for step in t.estimate.steps {
                text += "\(Self.num(step.time)) \(Self.num(step.share))\n"
            }
            clauses.append(
                "\"\(dat)\" index \(block) using 1:2 with steps linetype \(colour(d.name)) title "
                    + Self.quote("\(d.name) (\(t.reported) of \(t.measured) reported)"))
            block += 1
        }
        guard !clauses.isEmpty else { return nil }
        let label = Urgency(name: urgency) == .stat ? "STAT" : urgency
        var body = """
            set title \(Self.quote("Turnaround of \(label) studies by design (\(replicationText), measured studies)"))
            set xlabel "turnaround: arrival to report committed (hours)"
            set ylabel "share of measured studies reported within t (Kaplan-Meier)"
            set xrange [0:*]
            set yrange [0:1.02]
            set key bottom right box
            set grid

            """
        if let r = data.requiredTurnaround[urgency] {
            body +=
                "set arrow 1 from \(Self.num(r)), graph 0 to \(Self.num(r)), graph 1 nohead dashtype 2 lc rgb \"#555555\"\n"
            body +=
                "set label 1 \(Self.quote("required \(Self.num(r)) h")) at \(Self.num(r)), graph 0.05 offset 0.5,0\n"
        }
        body += "plot " + clauses.joined(separator: ", \\\n     ") + "\n"
        return PlotFigure(
            name: name, dataFiles: [.init(name: dat, text: text)], script: script(name, body: body),
            seriesPerPanel: [clauses.count])
    }

    /// Cost per study against reading errors and major misses per 1,000 reads: one point per design with its 95%
    /// interval in both directions, from `summaries`. Designs of equal cost (within 2.5% of the cost axis) are drawn
    /// side by side, offset along the cost axis (``costOffsets(_:span:)``), so none hides another; the data file
    /// keeps the true cost and adds the drawn one.
    func costVsQuality() -> PlotFigure? {
        let name = "cost-vs-quality"
        let dat = "\(name).dat"
        let costs = data.designs.compactMap(\.cost)
        guard !costs.isEmpty else { return nil }
        // Explicit ranges that hold every interval (gnuplot's autoscale leaves the bars out with `every`).
        let xLow = costs.map { min($0.low, $0.mean) }.min()!
        let xHigh = costs.map { max($0.high, $0.mean) }.max()!
        let pad = xHigh > xLow ? 0.08 * (xHigh - xLow) : max(0.1 * abs(xHigh), 1)
        let span = xHigh - xLow + 2 * pad
        let offsets = Self.costOffsets(costs.map(\.mean), span: span)
        var text = header(dat, "per design: summaries mean and 95% interval (mean at both ends when n < 2)")
        text +=
            "# columns: design cost cost_low cost_high errors errors_low errors_high majors majors_low "
            + "majors_high n cost_drawn cost_low_drawn cost_high_drawn  (cost in \(data.currency) per study; errors, "
            + "majors per 1000 reads; *_drawn: the cost shifted so designs of equal cost stand side by side)\n"
        var errorClauses: [String] = []
        var majorClauses: [String] = []
        var row = 0
        for d in data.designs {
            guard let c = d.cost else { continue }
            let e = d.errors ?? .init(mean: .nan, low: .nan, high: .nan)
            let m = d.majorMisses ?? .init(mean: .nan, low: .nan, high: .nan)
            let shift = offsets[row]
            text +=
                ([Self.quote(d.name)]
                + [c.mean, c.low, c.high, e.mean, e.low, e.high, m.mean, m.low, m.high]
                .map(Self.num) + [String(d.summaryN)] + [c.mean + shift, c.low + shift, c.high + shift].map(Self.num))
                .joined(separator: " ") + "\n"
            let title = Self.quote("\(d.name) (n = \(d.summaryN))")
            if d.errors != nil {
                errorClauses.append(
                    "\"\(dat)\" every ::\(row)::\(row) using 12:5:13:14:6:7 with xyerrorbars linetype \(colour(d.name)) "
                        + "pointtype 7 pointsize 1.5 title \(title)")
            }
            if d.majorMisses != nil {
                majorClauses.append(
                    "\"\(dat)\" every ::\(row)::\(row) using 12:8:13:14:9:10 with xyerrorbars linetype \(colour(d.name)) "
                        + "pointtype 7 pointsize 1.5 title \(title)")
            }
            row += 1
        }
        let xlabel =
            "client cost per study (\(data.currency), price + fees"
            + (offsets.contains { $0 != 0 } ? "; equal costs offset)" : ")")
        var body = """
            set multiplot layout 1,2 title \(Self.quote("Cost against quality by design (mean and 95% interval over replications)"))
            set xlabel \(Self.quote(xlabel))
            set grid
            set key below box

            """
        var panels: [Int] = []
        let maxShift = offsets.map(abs).max() ?? 0
        let left = Self.num(Self.round3(xLow - pad - maxShift))
        body += "set xrange [\(left):\(Self.num(Self.round3(xHigh + pad + maxShift)))]\n"
        // Rates from zero, since an interval's negative end means nothing for a rate.
        func top(_ interval: (MarketPlotData.Design) -> MarketPlotData.Interval?) -> Double {
            let highs = data.designs.filter { $0.cost != nil }.compactMap(interval).map { max($0.high, $0.mean) }
            let t = highs.max() ?? 0
            return t > 0 ? Self.round3(1.1 * t) : 1
        }
        for (clauses, what, top) in [
            (errorClauses, "reading errors (FN + FP)", top(\.errors)),
            (majorClauses, "major misses", top(\.majorMisses)),
        ] {
            body += "set title \(Self.quote("\(what) per 1,000 reads"))\n"
            body += "set yrange [0:\(Self.num(top))]\n"
            body += "set ylabel \(Self.quote("\(what) per 1,000 reads"))\n"
            if clauses.isEmpty {
                body += "set label 9 \"no design has this metric\" at graph 0.5, graph 0.5 center\n"
                body += "plot [0:1][0:1] NaN notitle\nunset label 9\n"
                panels.append(1)
            } else {
                body += "plot " + clauses.joined(separator: ", \\\n     ") + "\n"
                panels.append(clauses.count)
            }
        }
        body += "unset multiplot\n"
        return PlotFigure(
            name: name, dataFiles: [.init(name: dat, text: text)], script: script(name, body: body, size: (1200, 640)),
            seriesPerPanel: panels)
    }

    /// Burned-out share of active radiologists, and active radiologists, over time: one line per design, the mean
    /// over replications at each hourly sample.
    func burnoutOverTime() -> PlotFigure? {
        let name = "burnout-over-time"
        let dat = "\(name).dat"
        var text = header(dat, "hourly market samples, mean over replications; one block per design")
        text += "# columns: time_\(timeUnit.name) burned_out_share_percent active_radiologists\n"
        var top: [String] = []
        var bottom: [String] = []
        var block = 0
        for d in data.designs where !d.samples.isEmpty {
            if block > 0 { text += "\n\n" }
            text += "# design \(Self.quoteless(d.name)): \(d.detailReplications) replications\n"
            for s in d.samples {
                text +=
                    "\(Self.num(Double(s.time) / timeUnit.ticks)) \(Self.num(100 * s.burnoutShare)) \(Self.num(s.active))\n"
            }
            top.append(
                "\"\(dat)\" index \(block) using 1:2 with lines linetype \(colour(d.name)) title \(Self.quote(d.name))")
            bottom.append(
                "\"\(dat)\" index \(block) using 1:3 with lines linetype \(colour(d.name)) title \(Self.quote(d.name))")
            block += 1
        }
        guard block > 0 else { return nil }
        let shareTop = Self.headroom(data.designs.flatMap { $0.samples.map { 100 * $0.burnoutShare } })
        let activeTop = Self.headroom(data.designs.flatMap { $0.samples.map(\.active) })
        let body = """
            set multiplot layout 2,1 title \(Self.quote("Burnout and active radiologists over time (mean over \(replicationText))"))
            set xlabel \(Self.quote("simulated time (\(timeUnit.name))"))
            set xrange [0:\(Self.num(Double(data.horizonTicks) / timeUnit.ticks))]
            set grid
            set key outside right top box
            set lmargin at screen 0.08
            set rmargin at screen 0.78
            \(warmupMarker)
            set title "Burned-out radiologists"
            set ylabel "share of active radiologists (%)"
            set yrange [0:\(Self.num(shareTop))]
            plot \(top.joined(separator: ", \\\n     "))
            set title "Radiologists in the market"
            set ylabel "active radiologists"
            set yrange [0:\(Self.num(activeTop))]
            plot \(bottom.joined(separator: ", \\\n     "))
            unset multiplot

            """
        return PlotFigure(
            name: name, dataFiles: [.init(name: dat, text: text)], script: script(name, body: body, size: (1100, 800)),
            seriesPerPanel: [top.count, bottom.count])
    }

    /// The AI's learning curve: the validated labels its dataset gained on chain over time (top), and the
    /// sensitivity (solid) and specificity (dashed) of the scenario's commonest modality's tool on the scenario's
    /// curve at that dataset size (bottom); one line per design, the mean over replications at each hourly sample.
    /// The samples are the simulator's record; `readchain audit ai` rebuilds the same series from the chain.
    func aiLearningCurve() -> PlotFigure? {
        guard let ai = data.ai, let modality = data.aiModality else { return nil }
        let model = AISecondReaderModel(parameters: ai)
        let name = "ai-learning-curve"
        let dat = "\(name).dat"
        var text = header(
            dat,
            "hourly market samples, mean over replications; the AI curve of the \(modality.name) tool at the mean "
                + "dataset size; one block per design")
        text += "# columns: time_\(timeUnit.name) labels_on_chain dataset_size ai_sensitivity ai_specificity\n"
        var top: [String] = []
        var bottom: [String] = []
        var block = 0
        var most = 0.0
        for d in data.designs where !d.datasetMeans.isEmpty {
            if block > 0 { text += "\n\n" }
            text += "# design \(Self.quoteless(d.name)): \(d.detailReplications) replications\n"
            for s in d.datasetMeans {
                let size = Int(s.size.rounded())
                let labels = s.size - Double(ai.initialDataset)
                most = max(most, labels)
                text +=
                    "\(Self.num(Double(s.time) / timeUnit.ticks)) \(Self.num(labels)) \(Self.num(s.size)) "
                    + "\(Self.num(model.sensitivity(modality, datasetSize: size))) "
                    + "\(Self.num(model.specificity(modality, datasetSize: size)))\n"
            }
            let line = "\"\(dat)\" index \(block) using 1:"
            top.append("\(line)2 with lines linetype \(colour(d.name)) title \(Self.quote(d.name))")
            bottom.append("\(line)4 with lines linetype \(colour(d.name)) title \(Self.quote("\(d.name) sens."))")
            bottom.append(
                "\(line)5 with lines linetype \(colour(d.name)) dashtype 2 title "
                    + Self.quote("\(d.name) spec."))
            block += 1
        }
        guard block > 0 else { return nil }
        let body = """
            set multiplot layout 2,1 title \(Self.quote("AI second reader: validated labels on chain and the \(modality.name) tool's curve (mean over \(replicationText))"))
            set xlabel \(Self.quote("simulated time (\(timeUnit.name))"))
            set xrange [0:\(Self.num(Double(data.horizonTicks) / timeUnit.ticks))]
            set grid
            set key outside right top box
            set lmargin at screen 0.08
            set rmargin at screen 0.68
            \(warmupMarker)
            set title "Validated labels in the AI's dataset (adjudicated on chain)"
            set ylabel "labels"
            set yrange [0:\(Self.num(Self.headroom([most, 1])))]
            plot \(top.joined(separator: ", \\\n     "))
            set title \(Self.quote("AI \(modality.name) tool at that dataset size (scenario's learning curve)"))
            set ylabel "sensitivity, specificity"
            set yrange [0:1]
            plot \(bottom.joined(separator: ", \\\n     "))
            unset multiplot

            """
        return PlotFigure(
            name: name, dataFiles: [.init(name: dat, text: text)], script: script(name, body: body, size: (1100, 800)),
            seriesPerPanel: [top.count, bottom.count])
    }

    /// Income per shift hour of each radiologist (days after the warm-up), as a box plot per design.
    func incomePerHour() -> PlotFigure? {
        let name = "income-per-hour"
        let dat = "\(name).dat"
        var text = header(
            dat,
            "income per shift hour (\(data.currency)) of each radiologist of each replication, days after the "
                + "warm-up; one block per design")
        text += "# columns: income_per_hour run radiologist\n"
        var clauses: [String] = []
        var tics: [String] = []
        var block = 0
        for d in data.designs where !d.incomePerHour.isEmpty {
            if block > 0 { text += "\n\n" }
            text += "# design \(Self.quoteless(d.name)): \(d.incomePerHour.count) radiologist-replications\n"
            for v in d.incomePerHour { text += "\(Self.num(v.value)) \(v.run) \(v.radiologist)\n" }
            clauses.append(
                "\"\(dat)\" index \(block) using (\(block + 1)):1 with boxplot linetype \(colour(d.name)) "
                    + "fillstyle transparent solid 0.3 border title \(Self.quote(d.name))")
            tics.append("\(Self.quote(d.name).dropLast())\\n(n = \(d.incomePerHour.count))\" \(block + 1)")
            block += 1
        }
        guard block > 0 else { return nil }
        // Each tic label is two lines (design, n); gnuplot's automatic bottom margin leaves room for one, which cut
        // the second off. The margin is counted in character heights: the label lines plus one each side.
        let body = """
            set title \(Self.quote("Radiologist income per shift hour by design (each radiologist of each replication, after warm-up)"))
            set ylabel \(Self.quote("income per shift hour (\(data.currency))"))
            set bmargin \(Self.incomeTicLines + 2)
            set xtics (\(tics.joined(separator: ", "))) scale 0
            set xrange [0.4:\(Self.num(Double(block) + 0.6))]
            set yrange [0:*]
            set style boxplot outliers pointtype 7
            set style data boxplot
            set boxwidth 0.5
            set grid ytics
            set key off
            plot \(clauses.joined(separator: ", \\\n     "))

            """
        return PlotFigure(
            name: name, dataFiles: [.init(name: dat, text: text)], script: script(name, body: body),
            seriesPerPanel: [clauses.count])
    }

    /// Offsets along the cost axis for designs whose costs lie within 2.5% of `span` of each other (in order; a
    /// point is about that wide at the figure's size): a group of m is spread symmetrically, 3% of `span` apart; a
    /// design alone keeps 0.
    static func costOffsets(_ costs: [Double], span: Double) -> [Double] {
        let near = 0.025 * span
        let step = 0.03 * span
        var offsets = Array(repeating: 0.0, count: costs.count)
        var grouped = Array(repeating: false, count: costs.count)
        for i in costs.indices where !grouped[i] {
            let group = costs.indices.filter { j in !grouped[j] && abs(costs[j] - costs[i]) <= near }
            for (k, j) in group.enumerated() {
                grouped[j] = true
                offsets[j] = (Double(k) - Double(group.count - 1) / 2) * step
            }
        }
        return offsets
    }

    /// Lines of each tic label of `income-per-hour` (the design, then its count).
    static let incomeTicLines = 2

    /// Chain throughput (transactions committed per hour, mean over replications) and post latency (first commit −
    /// submission of each study's post transaction, p50 and p90 per time bin, pooled over replications), over time.
    /// Post latency is named apart from the tables' `commit_latency_*`, which pool every agent transaction.
    func chainThroughputLatency() -> PlotFigure? {
        let name = "chain-throughput-latency"
        let tput = "chain-throughput.dat"
        let lat = "chain-latency.dat"
        let binName = data.binTicks == SimTime.ticksPerHour ? "hour" : "day"
        let binUnits = Double(data.binTicks) / timeUnit.ticks
        var t = header(
            tput, "transactions committed per hour in each \(binName), mean over replications; one block per design")
        t += "# columns: bin_mid_\(timeUnit.name) transactions_per_hour\n"
        var l = header(
            lat,
            "post latency: first commit - submission of each study's post transaction (s), by the \(binName) it "
                + "was posted, pooled over replications (not the tables' commit_latency, which pools every agent tx); "
                + "one block per design")
        l += "# columns: bin_mid_\(timeUnit.name) p50_s p90_s studies\n"
        var top: [String] = []
        var bottom: [String] = []
        var tb = 0
        var lb = 0
        for d in data.designs {
            if !d.throughput.isEmpty && d.detailReplications > 0 {
                if tb > 0 { t += "\n\n" }
                t += "# design \(Self.quoteless(d.name))\n"
                for (i, v) in d.throughput.enumerated() {
                    t += "\(Self.num((Double(i) + 0.5) * binUnits)) \(Self.num(v))\n"
                }
                top.append(
                    "\"\(tput)\" index \(tb) using 1:2 with lines linetype \(colour(d.name)) title \(Self.quote(d.name))"
                )
                tb += 1
            }
            if !d.latency.isEmpty {
                if lb > 0 { l += "\n\n" }
                l += "# design \(Self.quoteless(d.name))\n"
                for b in d.latency {
                    l += "\(Self.num((Double(b.bin) + 0.5) * binUnits)) \(Self.num(b.p50)) \(Self.num(b.p90)) \(b.n)\n"
                }
                bottom.append(
                    "\"\(lat)\" index \(lb) using 1:2 with linespoints linetype \(colour(d.name)) pointtype 7 pointsize 0.5 "
                        + "title \(Self.quote("\(d.name) p50"))")
                bottom.append(
                    "\"\(lat)\" index \(lb) using 1:3 with lines linetype \(colour(d.name)) dashtype 2 "
                        + "title \(Self.quote("\(d.name) p90"))")
                lb += 1
            }
        }
        guard tb > 0 || lb > 0 else { return nil }
        let slowest = data.designs.flatMap { $0.latency.map(\.p90) }.filter(\.isFinite).max() ?? 0
        let (latencyUnit, latencyScale) = slowest < 1 ? ("ms", 1000.0) : ("s", 1.0)
        let latencyTop = slowest > 0 ? Self.round3(1.15 * slowest * latencyScale) : 1
        bottom = bottom.map {
            $0.replacingOccurrences(of: "using 1:2 ", with: "using 1:($2*\(Self.num(latencyScale))) ")
                .replacingOccurrences(of: "using 1:3 ", with: "using 1:($3*\(Self.num(latencyScale))) ")
        }
        func panel(_ clauses: [String]) -> String {
            clauses.isEmpty
                ? "set label 9 \"no data\" at graph 0.5, graph 0.5 center\nplot NaN notitle\nunset label 9"
                : "plot " + clauses.joined(separator: ", \\\n     ")
        }
        let body = """
            set multiplot layout 2,1 title \(Self.quote("Chain throughput and post latency over time (\(replicationText))"))
            set xlabel \(Self.quote("simulated time (\(timeUnit.name)), bins of one \(binName)"))
            set xrange [0:\(Self.num(Double(data.horizonTicks) / timeUnit.ticks))]
            set grid
            set key outside right top box
            set lmargin at screen 0.08
            set rmargin at screen 0.78
            \(warmupMarker)
            set title "Throughput: transactions committed (mean over replications)"
            set ylabel "transactions per hour"
            set yrange [0:\(Self.num(Self.headroom(data.designs.flatMap(\.throughput))))]
            \(panel(top))
            set title "Post latency: a study's post transaction, submission to first commit (pooled over replications)"
            set ylabel "post latency (\(latencyUnit))"
            set yrange [0:\(Self.num(latencyTop))]
            \(panel(bottom))
            unset multiplot

            """
        return PlotFigure(
            name: name, dataFiles: [.init(name: tput, text: t), .init(name: lat, text: l)],
            script: script(name, body: body, size: (1100, 800)),
            seriesPerPanel: [max(top.count, 1), max(bottom.count, 1)])
    }

    // MARK: - Script pieces

    /// The whole script: provenance, colours, and the body drawn once per requested format.
    ///
    /// Over the ~80-line limit on purpose: it is one gnuplot template (a multi-line string literal read as the
    /// script it writes); splitting it would scatter the script across functions.
    func script(_ name: String, body: String, size: (Int, Int) = (1000, 650)) -> String {
        Self.script(
            name, source: "scenario \(Self.quoteless(data.scenario)) (sha256 \(data.scenarioSHA256))", formats: formats,
            pngTerminal: pngTerminal, body: body, size: size)
    }

    /// The whole script for any figure: `source` names what it was drawn from (`scenario x (sha256 ...)`).
    static func script(
        _ name: String, source: String, formats: [PlotFormat], pngTerminal: String, body: String, size: (Int, Int)
    ) -> String {
        var s = """
            # \(name).gp: drawn by `readchain plot` from \(source).
            # Re-draw after editing: `gnuplot \(name).gp` in this directory. Formats: edit `formats` below.
            formats = "\(formats.map(\.rawValue).joined(separator: " "))"
            set encoding utf8

            """
        for (i, c) in Self.palette.enumerated() { s += "set linetype \(i + 1) linecolor rgb \"\(c)\" linewidth 2\n" }
        s += """
            do for [format in formats] {
                reset
                if (format eq "png") {
                    set terminal \(pngTerminal) size \(size.0),\(size.1) \(pngTerminal == "pngcairo" ? "font \"DejaVu Sans,11\" " : "")noenhanced
                } else {
                    set terminal svg size \(size.0),\(size.1) dynamic font "DejaVu Sans,11" noenhanced
                }
                set output "\(name)." . format

            """
        for line in body.split(separator: "\n", omittingEmptySubsequences: false) {
            s += line.isEmpty ? "\n" : "    \(line)\n"
        }
        s += "    unset output\n}\n"
        return s
    }

    var warmupMarker: String {
        guard data.warmupTicks > 0 else { return "" }
        let x = Self.num(Double(data.warmupTicks) / timeUnit.ticks)
        return "set arrow 1 from \(x), graph 0 to \(x), graph 1 nohead dashtype 3 lc rgb \"#777777\"\n"
            + "set label 1 \"end of warm-up\" at \(x), graph 0.93 offset 0.5,0 textcolor rgb \"#555555\""
    }

    /// Hours up to 72 h of horizon, days beyond.
    var timeUnit: (name: String, ticks: Double) {
        data.horizonTicks <= 72 * SimTime.ticksPerHour
            ? ("hours", Double(SimTime.ticksPerHour)) : ("days", Double(SimTime.ticksPerDay))
    }

    var replicationText: String {
        let counts = Set(data.designs.map(\.replications))
        let n = counts.count == 1 ? "\(counts.first!)" : "\(counts.min()!)-\(counts.max()!)"
        return "\(n) replication\(n == "1" ? "" : "s") per design"
    }

    /// The line style of a design: its position in the study's design order, cycling through the palette.
    func colour(_ design: String) -> Int {
        (data.designs.firstIndex { $0.name == design } ?? 0) % Self.palette.count + 1
    }

    func header(_ file: String, _ what: String) -> String {
        "# \(file): \(what)\n# scenario \(Self.quoteless(data.scenario)), sha256 \(data.scenarioSHA256)\n"
    }

    /// Okabe-Ito colours (distinguishable with colour-vision deficiencies), black last.
    static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]

    /// A number in a fixed format: 7 significant digits, `NaN` for NaN (gnuplot reads it as missing).
    static func num(_ x: Double) -> String {
        guard x.isFinite else { return "NaN" }
        if x == x.rounded() && abs(x) < 1e15 { return String(Int64(x)) }
        return String(format: "%.7g", x)
    }

    /// The top of a zero-based axis: 10% above the largest value (so a line at the maximum clears the border),
    /// to 3 significant digits; 1 when there is nothing above zero.
    static func headroom(_ values: [Double]) -> Double {
        let top = values.filter(\.isFinite).max() ?? 0
        return top > 0 ? round3(1.1 * top) : 1
    }

    /// `x` to 3 significant digits, for axis ranges.
    static func round3(_ x: Double) -> Double {
        guard x != 0, x.isFinite else { return x }
        let scale = pow(10, 2 - floor(log10(abs(x))))
        return (x * scale).rounded() / scale
    }

    /// A gnuplot double-quoted string.
    static func quote(_ s: String) -> String {
        "\""
            + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: " ") + "\""
    }

    /// Text safe in a `#` comment line.
    static func quoteless(_ s: String) -> String { s.replacingOccurrences(of: "\n", with: " ") }

    /// A file-name-safe form: lower-case letters, digits and `-`.
    static func slug(_ s: String) -> String {
        String(s.lowercased().map { c -> Character in c.isASCII && (c.isLetter || c.isNumber) ? c : "-" })
    }
}
