import Analysis
import ArgumentParser
import Foundation
import Reporting
import Results
import Studies

// `compare --from SWEEP.sqlite --by point`: paired differences between the points of a sweep (issue 15, item 1).
extension Compare {
    /// Compares every point of the sweep database with the baseline point, design by design; stores the comparisons
    /// under the sweep's SHA-256 and prints (or writes) them as the design comparison does.
    func comparePoints(database: String) throws {
        let store = try ResultsStore(path: database)
        defer { try? store.close() }
        let sweep = try SweepComparison.load(store)
        let (base, computed) = try SweepComparison.compareByPoint(sweep, baseline: baseline)
        try store.replaceComparisons(scenarioSHA256: sweep.sweepSHA256, with: computed)
        try show(
            sweep, computed, database: database, by: "point", baseline: base.label,
            what: "paired differences vs point \(base.label) (point − \(base.label), same design, same replications)"
        ) { comparisons in Self.sweepMarkdown(sweep, baseline: base, comparisons: comparisons) }
    }

    /// `--by design`: the designs within each point against the baseline design; printed (or written), not
    /// stored (the stored comparisons of a sweep are the points', which plot and report draw).
    func compareDesignsWithinPoints(database: String) throws {
        let store = try ResultsStore(readingOnly: database)
        defer { try? store.close() }
        let sweep = try SweepComparison.load(store)
        let (base, computed) = try SweepComparison.compareByDesign(sweep, baseline: baseline)
        let what =
            "paired differences vs design \(base) within each point (design − \(base), same point, same replications)"
        try show(sweep, computed, database: database, by: "design", baseline: base, what: what) { comparisons in
            var lines = ["# Comparison of designs within the points of sweep \(sweep.name)", ""]
            lines += SweepReport.pointsSection(sweep)
            lines += SweepReport.resultsSection(sweep)
            lines += ["## " + what, ""]
            lines += ["```", Self.pairedText(comparisons, baseline: base, variantHeader: "point/design"), "```"]
            return lines.joined(separator: "\n") + "\n"
        }
    }

    /// A sweep's comparisons (`--by point` or `--by design`), adjusted across the table: `markdown(comparisons)` to
    /// --markdown, the CSV to --csv, then the JSON or the terminal table with the pairing line and --detect's
    /// estimates.
    private func show(
        _ sweep: StoredSweep, _ computed: [PairedDifference], database: String, by: String, baseline base: String,
        what: String, markdown markdownText: ([PairedDifference]) -> String
    ) throws {
        let comparisons = Comparison.adjust(computed, method: adjustment)
        let pairing = Comparison.pairingSummary(comparisons)
        let power = try Self.detectionEstimates(comparisons, targets: try detectTargets())
        let replications = SweepComparison.variantSummaries(sweep).map(\.replications).max() ?? 0
        if let markdown { try Self.write(markdownText(comparisons), to: markdown) }
        if let csv { try Self.write(Self.csvText(comparisons, scenarioSHA256: sweep.sweepSHA256), to: csv) }
        if output.json {
            print(
                try JSONOutput.encode(
                    SweepCompareOutput(
                        sweep: sweep.name, sweepSHA256: sweep.sweepSHA256, scenario: sweep.scenario, seed: sweep.seed,
                        database: database, by: by, baseline: base, points: sweep.points,
                        designs: sweep.designs, replications: replications, confidence: MarketStudy.confidence,
                        adjustment: adjustment.rawValue, comparisons: comparisons, pairing: pairing,
                        power: detect.isEmpty ? nil : power)))
            return
        }
        print(Self.sweepHeader(sweep, replications: replications))
        print("")
        print(Self.pairedText(comparisons, baseline: base, variantHeader: "point/design", what: what))
        print("")
        print(ReportFormat.pairingLine(pairing))
        if !detect.isEmpty {
            print("")
            print(Self.powerText(power))
        }
    }

    /// The sweep, its points and their parameter values, for the terminal.
    static func sweepHeader(_ s: StoredSweep, replications: Int) -> String {
        var lines = [
            "sweep '\(s.name)' (SHA-256 \(s.sweepSHA256.prefix(12))…, seed \(s.seed)) over scenario '\(s.scenario)': "
                + "\(s.pointsWithRuns.count) points with finished runs, designs \(s.designs.joined(separator: ", ")), "
                + "up to \(replications) replications per (point, design)"
        ]
        if s.unfinishedRuns > 0 { lines.append("(\(s.unfinishedRuns) unfinished runs left out)") }
        let parameters = s.points.first?.values.map { $0[0] } ?? []
        let rows = [["point"] + parameters] + s.pointsWithRuns.map { [$0.label] + $0.values.map { $0[1] } }
        lines += align(rows, left: [0])
        return lines.joined(separator: "\n")
    }

    /// `compare --by point --markdown`: the points, each variant's means, the paired table and the pairing line.
    static func sweepMarkdown(_ s: StoredSweep, baseline: StoredSweepPoint, comparisons: [PairedDifference])
        -> String
    {
        var lines = ["# Comparison of sweep points: \(s.name)", ""]
        lines.append(
            "Sweep SHA-256 `\(s.sweepSHA256)`, seed \(s.seed), scenario `\(s.scenario)`, horizon "
                + "\(ReportFormat.hours(s.horizonTicks)), warm-up \(ReportFormat.hours(s.warmupTicks)); money in "
                + "\(s.currency.code).")
        lines.append("")
        lines += SweepReport.pointsSection(s)
        lines += SweepReport.resultsSection(s)
        lines += SweepReport.comparisonSection(
            comparisons, baseline: baseline.label, stored: true, note: nil)
        return lines.joined(separator: "\n") + "\n"
    }
}

/// What `readchain compare --by point --json` prints.
struct SweepCompareOutput: Encodable {
    var sweep: String
    var sweepSHA256: String
    var scenario: String
    var seed: UInt64
    var database: String
    var by: String
    /// The baseline point, `p<i>`.
    var baseline: String
    var points: [StoredSweepPoint]
    var designs: [String]
    var replications: Int
    var confidence: Double
    var adjustment: String
    var comparisons: [PairedDifference]
    var pairing: PairingSummary
    var power: [DetectionEstimate]?
}
