import Analysis
import Foundation

/// The forest plot of a sweep database (`readchain plot SWEEP.sqlite`): one panel per headline metric, one row per
/// (design, point) with the paired difference from the baseline point and its interval, a line at zero. Pure: the
/// same comparisons give the same bytes.
public struct SweepForestPlot: Sendable {
    public var sweep: StoredSweep
    /// Metric-major, as ``SweepComparison/compareByPoint(_:baseline:confidence:)`` returns them.
    public var comparisons: [PairedDifference]
    public var formats: [PlotFormat]
    public var pngTerminal: String

    public static let name = "sweep-forest"

    public init(sweep: StoredSweep, comparisons: [PairedDifference], formats: [PlotFormat], pngTerminal: String) {
        self.sweep = sweep
        self.comparisons = comparisons
        self.formats = formats
        self.pngTerminal = pngTerminal
    }

    /// The figure; nil when no comparison has a finite difference.
    public func figure() -> PlotFigure? {
        typealias B = PlotFigureBuilder
        let name = Self.name
        let dat = "\(name).dat"
        var metrics: [String] = []
        for c in comparisons where !metrics.contains(c.metric) { metrics.append(c.metric) }
        // A panel for each metric with at least one finite difference.
        let panels = metrics.filter { m in comparisons.contains { $0.metric == m && $0.meanDifference.isFinite } }
        guard !panels.isEmpty, let baseline = comparisons.first?.baseline else { return nil }
        let basePoint = SweepReport.pointLabel(baseline)
        let level = Int((comparisons[0].confidence * 100).rounded())
        // Rows of every panel, top to bottom: design by design, point by point (the comparisons' own order).
        let rowKeys = comparisons.filter { $0.metric == panels[0] }.map(\.variant)
        // Row labels: the point, its values under the parameter's last path component, and the design.
        let captions = Dictionary(
            uniqueKeysWithValues: sweep.points.map { p in
                (
                    p.label,
                    p.label + " "
                        + p.values.map { v in
                            "\(v[0].split(separator: ".").last.map(String.init) ?? v[0])=\(v[1])"
                        }.joined(separator: " ")
                )
            })
        var text =
            "# \(dat): paired differences (point - \(basePoint), same design, same replications) with their \(level)% "
            + "t intervals; one block per metric\n# sweep \(B.quoteless(sweep.name)), sha256 \(sweep.sweepSHA256)\n"
        text += "# columns: row design_index variant mean_diff ci_low ci_high n p_adjusted\n"
        var ytics: [String] = []
        var blankTics: [String] = []
        var widest = 0
        for (k, variant) in rowKeys.enumerated() {
            let y = rowKeys.count - k
            let point = SweepReport.pointLabel(variant)
            let design = String(variant.dropFirst(point.count + 1))
            let label = "\(captions[point] ?? point) \(design)"
            widest = max(widest, label.count)
            // A tic label is a format string to gnuplot: a literal % is written %%.
            ytics.append("\(B.quote(label.replacingOccurrences(of: "%", with: "%%"))) \(y)")
            blankTics.append("\"\" \(y)")
        }
        // Equal panels in a grid; the row labels (point, values, design) only left of the first column.
        let cols = min(3, panels.count)
        let rows = (panels.count + cols - 1) / cols
        let labelWidth = 8 * widest + 40
        let panelWidth = 360
        let gap = 50
        let panelHeight = 40 + 22 * rowKeys.count
        let width = labelWidth + cols * panelWidth + (cols - 1) * gap + 30
        let height = 85 + rows * panelHeight + (rows - 1) * 75 + 45
        func frac(_ px: Int, _ of: Int) -> String { String(format: "%.4f", Double(px) / Double(of)) }
        var body =
            "set multiplot layout \(rows),\(cols) rowsfirst margins \(frac(labelWidth, width)), "
            + "\(frac(width - 30, width)), \(frac(45, height)), \(frac(height - 85, height)) spacing "
            + "\(frac(gap, width)), \(frac(75, height)) title "
            + B.quote(
                "Paired differences from point \(basePoint) (\(level)% intervals, same design, same replications)")
            + "\n"
        body += "set grid xtics\nunset key\n"
        body += "set yrange [0.5:\(rowKeys.count).5]\n"
        var seriesPerPanel: [Int] = []
        for (block, metric) in panels.enumerated() {
            let rowsOfMetric = comparisons.filter { $0.metric == metric }
            if block > 0 { text += "\n\n" }
            text += "# metric \(metric)\n"
            for c in rowsOfMetric {
                let y = rowKeys.count - (rowKeys.firstIndex(of: c.variant) ?? 0)
                let design = String(c.variant.dropFirst(SweepReport.pointLabel(c.variant).count + 1))
                let d = (sweep.designs.firstIndex(of: design) ?? 0) + 1
                text +=
                    "\(y) \(d) \(B.quote(c.variant)) "
                    + [c.meanDifference, c.ciLow, c.ciHigh].map(B.num).joined(separator: " ")
                    + " \(c.n) \(B.num(c.adjustedPValue))\n"
            }
            let values = rowsOfMetric.flatMap { [$0.meanDifference, $0.ciLow, $0.ciHigh] }.filter(\.isFinite) + [0]
            let low = values.min()!
            let high = values.max()!
            let pad = high > low ? 0.08 * (high - low) : 1
            let unit = rowsOfMetric.first?.unit ?? ""
            body += "set title \(B.quote(metric + (unit.isEmpty ? "" : " (\(unit))")))\n"
            body += "set xrange [\(B.num(B.round3(low - pad))):\(B.num(B.round3(high + pad)))]\n"
            body += "set arrow 1 from 0, graph 0 to 0, graph 1 nohead dashtype 2 lc rgb \"#555555\"\n"
            body += "set ytics (" + (block % cols == 0 ? ytics : blankTics).joined(separator: ", ") + ")\n"
            var clauses: [String] = []
            for (i, design) in sweep.designs.enumerated() {
                clauses.append(
                    "\"\(dat)\" index \(block) using ($2 == \(i + 1) ? $4 : NaN):1:5:6 with xerrorbars linetype "
                        + "\(i % B.palette.count + 1) pointtype 7 pointsize 1.2 notitle")
            }
            body += "plot " + clauses.joined(separator: ", \\\n     ") + "\n"
            seriesPerPanel.append(clauses.count)
        }
        body += "unset multiplot\n"
        let size = (width, height)
        let script = B.script(
            name, source: "sweep \(B.quoteless(sweep.name)) (sha256 \(sweep.sweepSHA256))", formats: formats,
            pngTerminal: pngTerminal, body: body, size: size)
        return PlotFigure(
            name: name, dataFiles: [.init(name: dat, text: text)], script: script, seriesPerPanel: seriesPerPanel)
    }
}
