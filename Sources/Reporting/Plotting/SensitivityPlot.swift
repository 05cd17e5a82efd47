import Foundation
import Scenario

/// The `sensitivity` figure of a morris or sobol sweep (`readchain plot SWEEP.sqlite`): one panel per (design,
/// metric), the parameters sorted by their total index (Sobol': ST as bars with their intervals, S1 as points with
/// theirs) or by μ* (Morris: μ* with its interval, σ as points); metrics no input moves get no panel. Pure: the same
/// rows give the same bytes.
public struct SensitivityPlot: Sendable {
    public var sweepName: String
    public var plan: SensitivityPlan
    public var rows: [SensitivityAnalysis.Row]
    public var formats: [PlotFormat]
    public var pngTerminal: String

    public static let name = "sensitivity"
    /// At most this many panels (the first (design, metric) pairs in the rows' order); the CSV of `readchain
    /// sensitivity` has every index.
    public static let maxPanels = 12

    public init(
        sweepName: String, plan: SensitivityPlan, rows: [SensitivityAnalysis.Row], formats: [PlotFormat],
        pngTerminal: String
    ) {
        self.sweepName = sweepName
        self.plan = plan
        self.rows = rows
        self.formats = formats
        self.pngTerminal = pngTerminal
    }

    /// The figure and how many panels were left out; nil when no index is defined.
    public func figure() -> (figure: PlotFigure, omitted: Int)? {
        typealias B = PlotFigureBuilder
        let sobol = plan.method == .sobol
        let (main, second) = sobol ? ("ST", "S1") : ("mu_star", "sigma")
        var keys: [String] = []
        // A (design, metric) whose inputs all have an index of 0 (e.g. a metric no input moves) gets no panel.
        for r in rows where r.index == main && (r.value ?? 0) > 0 {
            let key = "\(r.design)\t\(r.metric)"
            if !keys.contains(key) { keys.append(key) }
        }
        guard !keys.isEmpty else { return nil }
        let shown = Array(keys.prefix(Self.maxPanels))
        let dat = "\(Self.name).dat"
        var text =
            "# \(dat): \(sobol ? "Sobol' total (ST) and first-order (S1) indices" : "Morris mu* and sigma") with 95% "
            + "bootstrap intervals; one block per (design, metric), parameters sorted by \(main), largest on top\n"
            + "# sweep \(B.quoteless(sweepName))\n# columns: row parameter \(main) low high \(second) low high\n"
        let cols = min(3, shown.count)
        let gridRows = (shown.count + cols - 1) / cols
        let k = plan.factors.count
        let widest = plan.factors.map(\.count).max() ?? 10
        let labelWidth = 7 * widest + 40
        let panelWidth = 330
        let panelHeight = 60 + 24 * k
        let width = labelWidth + cols * (panelWidth + labelWidth) + 30
        let height = 85 + gridRows * panelHeight + (gridRows - 1) * 70 + 45
        var body =
            "set multiplot layout \(gridRows),\(cols) rowsfirst title "
            + B.quote(
                "Sensitivity of sweep \(sweepName) (\(plan.method.rawValue)): "
                    + (sobol
                        ? "total index ST (bars) and first-order S1 (points), 95% bootstrap intervals"
                        : "mu* (bars) and sigma (points) of the elementary effects, 95% intervals on mu*")) + "\n"
        body += "set grid xtics\nset key outside right top\nset style fill solid 0.35\nset yrange [0.4:\(k).6]\n"
        body += "set lmargin \(max(10, widest + 2))\n"
        var seriesPerPanel: [Int] = []
        for (block, key) in shown.enumerated() {
            let parts = key.split(separator: "\t", maxSplits: 1).map(String.init)
            let of = rows.filter { $0.design == parts[0] && $0.metric == parts[1] }
            func value(_ p: String, _ index: String) -> SensitivityAnalysis.Row? {
                of.first { $0.parameter == p && $0.index == index }
            }
            let sorted = plan.factors.sorted { a, b in
                let x = value(a, main)?.value ?? -.infinity
                let y = value(b, main)?.value ?? -.infinity
                return x != y ? x < y : a > b
            }
            if block > 0 { text += "\n\n" }
            text += "# \(parts[0]) / \(parts[1])\n"
            var tics: [String] = []
            for (i, p) in sorted.enumerated() {
                let m = value(p, main)
                let s = value(p, second)
                func n(_ x: Double?) -> String { x.map(B.num) ?? "NaN" }
                text +=
                    "\(i + 1) \(B.quote(p)) \(n(m?.value)) \(n(m?.ciLow)) \(n(m?.ciHigh)) \(n(s?.value)) "
                    + "\(n(s?.ciLow)) \(n(s?.ciHigh))\n"
                tics.append("\(B.quote(p)) \(i + 1)")
            }
            body += "set title \(B.quote(parts[0] == "all" ? parts[1] : "\(parts[1]), \(parts[0])"))\n"
            body += "set ytics (" + tics.joined(separator: ", ") + ")\n"
            body += sobol ? "set xrange [-0.05:1.1]\n" : "set xrange [0:*]\n"
            let boxes =
                "\"\(dat)\" index \(block) using 3:1:(0):3:($1-0.3):($1+0.3) with boxxyerror "
                + "linetype 1 title \(B.quote(main == "ST" ? "ST" : "mu*"))"
            let bars = "\"\(dat)\" index \(block) using 3:1:4:5 with xerrorbars linetype 8 pointtype 0 notitle"
            let points =
                sobol
                ? "\"\(dat)\" index \(block) using 6:($1-0.15):7:8 with xerrorbars linetype 2 pointtype 7 title \"S1\""
                : "\"\(dat)\" index \(block) using 6:($1-0.15) with points linetype 2 pointtype 7 title \"sigma\""
            body += "plot \(boxes), \\\n     \(bars), \\\n     \(points)\n"
            seriesPerPanel.append(3)
        }
        body += "unset multiplot\n"
        let script = B.script(
            Self.name, source: "sweep \(B.quoteless(sweepName))", formats: formats, pngTerminal: pngTerminal,
            body: body, size: (width, height))
        return (
            PlotFigure(
                name: Self.name, dataFiles: [.init(name: dat, text: text)], script: script,
                seriesPerPanel: seriesPerPanel),
            keys.count - shown.count
        )
    }
}
