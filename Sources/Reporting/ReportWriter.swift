import Analysis
import DiscreteEvent
import Foundation
import Results
import Studies

/// Number formats shared by `readchain compare`'s tables and the Markdown report.
public enum ReportFormat {
    /// Digits after the point that show `halfWidth` to two significant digits (0...6).
    static func digits(_ halfWidth: Double) -> Int { min(6, max(0, 1 - Int(log10(halfWidth).rounded(.down)))) }

    public static func fixed(_ x: Double, _ digits: Int) -> String {
        let text = String(format: "%.\(digits)f", x)
        return text.hasPrefix("-") && Double(text) == 0 ? String(text.dropFirst()) : text
    }

    public static func significant(_ x: Double, _ figures: Int) -> String {
        guard x != 0 else { return "0" }
        guard x.isFinite else { return x.isNaN ? "nan" : x > 0 ? "inf" : "-inf" }
        return fixed(x, min(6, max(0, figures - 1 - Int(log10(abs(x)).rounded(.down)))))
    }

    /// "mean ± half-width" as `readchain simulate` prints it; "-" for a NaN mean, the mean alone for a NaN
    /// half-width, and " [n=k]" when only k of `replications` define it.
    public static func meanCell(_ m: MetricSummary, replications: Int) -> String {
        guard !m.mean.isNaN else { return "-" }
        let suffix = m.n < replications ? " [n=\(m.n)]" : ""
        let h = m.halfWidth
        if !h.isFinite { return significant(m.mean, 4) + suffix }
        if h == 0 { return significant(m.mean, 4) + " ± 0" + suffix }
        return fixed(m.mean, digits(h)) + " ± " + fixed(h, digits(h)) + suffix
    }

    /// A paired difference, signed: "+0.036 ± 0.012"; "n/a (n=1)" when no interval can be computed; "-" when no
    /// replication defines it for both designs. (Significance has its own column.)
    public static func differenceCell(_ c: PairedDifference) -> String {
        guard c.n > 0, !c.meanDifference.isNaN else { return "-" }
        let h = c.halfWidthPaired
        guard h.isFinite else { return "n/a (n=\(c.n))" }
        if h == 0 { return signed(significant(c.meanDifference, 4), c.meanDifference) + " ± 0" }
        return signed(fixed(c.meanDifference, digits(h)), c.meanDifference) + " ± " + fixed(h, digits(h))
    }

    /// A p-value: three decimals, "<0.001" below that, "n/a" when undefined.
    public static func pValue(_ p: Double) -> String {
        guard p.isFinite else { return "n/a" }
        return p < 0.001 ? "<0.001" : String(format: "%.3f", p)
    }

    /// "yes" / "no" after the table's adjustment; "-" when the comparison has no p-value.
    public static func significantCell(_ c: PairedDifference) -> String {
        let p = c.adjustment == nil ? c.pValue : c.adjustedPValue
        return p.isFinite ? (c.significant ? "yes" : "no") : "-"
    }

    /// How a table's p-values were adjusted, for its footnote.
    public static func adjustmentText(_ a: PValueAdjustment?, count: Int) -> String {
        switch a ?? PValueAdjustment.none {
        case .holm: "Holm's step-down correction across the \(count) comparisons (family-wise error rate)"
        case .bh: "Benjamini-Hochberg correction across the \(count) comparisons (false discovery rate)"
        case .none: "no correction for multiple comparisons"
        }
    }

    static func signed(_ text: String, _ x: Double) -> String {
        text.hasPrefix("-") || Double(text) == 0 ? text : "+" + text
    }

    /// The paired/unpaired half-width ratio to two decimals; "n/a" when undefined.
    public static func ratio(_ x: Double) -> String { x.isFinite ? String(format: "%.2f", x) : "n/a" }

    /// Ticks as hours ("30 h", "1.50 h").
    public static func hours(_ ticks: Int64) -> String {
        let hour = SimTime.ticksPerHour
        return ticks % hour == 0 ? "\(ticks / hour) h" : String(format: "%.2f h", Double(ticks) / Double(hour))
    }

    /// "pairing narrowed intervals: median paired/unpaired half-width 0.42 over 60 (metric, design) pairs ..."
    public static func pairingLine(_ p: PairingSummary) -> String {
        guard p.pairs > 0 else { return "pairing: no (metric, design) pair has both intervals (too few replications)" }
        let verb = p.medianRatio < 1 ? "narrowed" : "did not narrow"
        var line =
            "pairing \(verb) intervals: median paired/unpaired half-width \(ratio(p.medianRatio)) over \(p.pairs) "
            + "(metric, design) pairs; \(p.narrowed) of \(p.pairs) narrower"
        // The half-width ratio also carries the t quantiles' degrees of freedom (n − 1 paired, more for Welch), which
        // penalise pairing at few replications; the variance ratio is the reduction itself.
        if p.variancePairs > 0 {
            line +=
                "; variance of the differences \(ratio(p.medianVarianceRatio)) of independent sampling's (median; "
                + "\(p.varianceReduced) of \(p.variancePairs) reduced)"
        }
        if p.identical > 0 {
            line += "; \(p.identical) pair(s) identical in every replication left out"
        }
        return line
    }
}

/// One plot the report embeds.
public struct ReportPlot: Sendable, Equatable {
    /// The link from the report's directory, e.g. `../Plots/default/cost-vs-quality.png`.
    public var link: String
    /// The file name, e.g. `cost-vs-quality.png`.
    public var fileName: String

    public init(link: String, fileName: String) {
        self.link = link
        self.fileName = fileName
    }

    /// The caption: the file name without extension, dashes and underscores as spaces, first letter capitalised.
    public var caption: String {
        let stem = (fileName as NSString).deletingPathExtension
        let words = stem.replacingOccurrences(of: "_", with: " ").replacingOccurrences(of: "-", with: " ")
        return words.prefix(1).uppercased() + words.dropFirst()
    }
}

/// Everything the report shows, gathered from a results database.
public struct ReportInput: Sendable {
    public var study: StoredMarketStudy
    public var summary: MarketStudySummary
    /// From the `comparisons` table, or computed for the report when it is empty (`comparisonsStored` false).
    public var comparisons: [PairedDifference]
    public var comparisonsStored: Bool
    /// Why there are no comparisons (e.g. too few replications), when there are none.
    public var comparisonNote: String?
    /// From the `warmup` table, or computed for the report when it is empty (`warmupStored` false).
    public var warmup: [WarmupRow]
    public var warmupStored: Bool
    /// The database as the report names it (its file name: the report must not depend on where it was opened).
    public var databaseName: String
    public var plots: [ReportPlot]
    /// Where plots were looked for, as the report names it (e.g. `Plots/default/`).
    public var plotsDirectory: String
    /// Mean chosen pace over the measured reads of each design's runs (``ReportWriter/publishedLevelsSection(_:)``).
    public var meanPace: [String: Double]

    public init(
        study: StoredMarketStudy, summary: MarketStudySummary, comparisons: [PairedDifference], comparisonsStored: Bool,
        comparisonNote: String?, warmup: [WarmupRow], warmupStored: Bool, databaseName: String, plots: [ReportPlot],
        plotsDirectory: String, meanPace: [String: Double] = [:]
    ) {
        self.study = study
        self.summary = summary
        self.comparisons = comparisons
        self.comparisonsStored = comparisonsStored
        self.comparisonNote = comparisonNote
        self.warmup = warmup
        self.warmupStored = warmupStored
        self.databaseName = databaseName
        self.plots = plots
        self.plotsDirectory = plotsDirectory
        self.meanPace = meanPace
    }
}

/// The Markdown report of a results database (`readchain report`). Deterministic given the database and the
/// plot files: no clock, no absolute paths, no host state beyond what the database records.
public enum ReportWriter {
    /// Reads what the report needs: the study, its comparisons (computed with the first design as baseline when
    /// the table is empty) and warm-ups (detected when the table is empty). Writes nothing.
    public static func gather(
        _ store: ResultsStore, databaseName: String, plots: [ReportPlot], plotsDirectory: String
    ) throws -> ReportInput {
        let study = try ComparisonStudy.load(store)
        var comparisons = try store.comparisons(scenarioSHA256: study.scenarioSHA256, label: ComparisonStudy.label)
        let stored = !comparisons.isEmpty
        var note: String?
        if !stored {
            do {
                comparisons = try ComparisonStudy.compare(study).comparisons
            } catch let e as ComparisonError {
                note = e.message
            }
        }
        let ids = Set(study.runs.map(\.record.id))
        var warmup = try store.warmup().filter { ids.contains($0.run) }
        // Stored rows count only when they cover every run (a resumed study adds runs compare has not seen).
        let warmupStored = !warmup.isEmpty && Set(warmup.map(\.run)) == ids
        if !warmupStored { warmup = try ComparisonStudy.detectWarmup(store, study) }
        var meanPace: [String: Double] = [:]
        for design in study.designs {
            var sum = 0.0
            var n = 0
            for run in study.runs(of: design) {
                for row in try store.marketStudies(run: run.record.id) where row.measured {
                    guard let p = row.pace else { continue }
                    sum += p
                    n += 1
                }
            }
            if n > 0 { meanPace[design] = sum / Double(n) }
        }
        // The report's table is one family: Holm's correction, as `readchain compare` applies by default.
        comparisons = Comparison.adjust(comparisons, method: .holm)
        return ReportInput(
            study: study, summary: ComparisonStudy.summary(study), comparisons: comparisons, comparisonsStored: stored,
            comparisonNote: note, warmup: warmup, warmupStored: warmupStored, databaseName: databaseName, plots: plots,
            plotsDirectory: plotsDirectory, meanPace: meanPace)
    }

    /// The report as Markdown.
    public static func render(_ r: ReportInput) -> String {
        let s = r.study
        var out: [String] = []
        out.append("# ReadChain report: \(s.scenario)")
        out.append("")
        out.append(
            "A market study of \(s.designs.count) designs under common random numbers: replication r of every design "
                + "sees the same arrivals, latent findings and radiologists. Generated by `readchain report` from "
                + "`\(r.databaseName)`.")
        out.append("")

        out.append(contentsOf: scenarioSection(r))
        out.append(contentsOf: provenanceSection(r))
        out.append(contentsOf: resultsSection(r))
        out.append(contentsOf: publishedLevelsSection(r))

        out.append(contentsOf: comparisonSection(r))

        out.append("## Warm-up")
        out.append("")
        out.append(contentsOf: warmupSection(r))
        out.append("")

        out.append(contentsOf: chainSection(r))

        out.append("## Notes")
        out.append("")
        out.append(contentsOf: notes(r).map { "- " + $0 })
        out.append("")

        out.append(contentsOf: plotsSection(r))
        return out.joined(separator: "\n").trimmingCharacters(in: .newlines) + "\n"
    }

    /// The scenario facts table.
    static func scenarioSection(_ r: ReportInput) -> [String] {
        let s = r.study
        var out: [String] = []
        out.append("## Scenario")
        out.append("")
        let counts = s.designs.map { d in "\(d) \(s.runs(of: d).count)" }.joined(separator: ", ")
        var facts: [(String, String)] = [
            ("scenario", "`\(s.scenario)`"),
            ("scenario file SHA-256", "`\(s.scenarioSHA256)`"),
            ("master seed", "\(s.seed)"),
            ("designs", s.designs.map { d in "`\(d)` (\(r.summary.design(d)?.type ?? "?"))" }.joined(separator: ", ")),
            ("replications (finished runs per design)", counts),
            ("horizon", ReportFormat.hours(s.horizonTicks)),
            ("warm-up, configured", ReportFormat.hours(s.warmupTicks)),
            ("currency", s.currency.code),
        ]
        if s.unfinishedRuns > 0 { facts.append(("unfinished runs (not reported)", "\(s.unfinishedRuns)")) }
        if let d = s.scenarioFile?.description { facts.append(("description", d)) }
        out.append(contentsOf: table(["", "value"], facts.map { [$0.0, $0.1] }, align: "l"))
        out.append("")
        return out
    }

    /// Versions, hosts and times of the runs.
    static func provenanceSection(_ r: ReportInput) -> [String] {
        let s = r.study
        var out: [String] = []
        out.append("## Provenance")
        out.append("")
        let recs = s.runs.map(\.record)
        func distinct(_ values: [String]) -> String { orderedUnique(values).map { "`\($0)`" }.joined(separator: ", ") }
        let prov: [[String]] = [
            ["code version", distinct(recs.map(\.provenance.codeVersion))],
            ["git revision", distinct(recs.map(\.provenance.gitRevision))],
            ["GSL generator", distinct(recs.map(\.provenance.gslGenerator))],
            ["GSL version", distinct(recs.map(\.provenance.gslVersion))],
            ["SQLite version", distinct(recs.map(\.sqliteVersion))],
            ["hosts", distinct(recs.map(\.host))],
            [
                "runs started (first, last)",
                "\(recs.map(\.startedAt).min() ?? "?"), \(recs.map(\.startedAt).max() ?? "?")",
            ],
            ["runs ended (last)", recs.compactMap(\.endedAt).max() ?? "?"],
        ]
        out.append(contentsOf: table(["", "value"], prov, align: "l"))
        out.append("")
        return out
    }

    /// The mean ± half-width of every metric, per design.
    static func resultsSection(_ r: ReportInput) -> [String] {
        var out: [String] = []
        out.append("## Results by design")
        out.append("")
        let level = Int((r.summary.confidence * 100).rounded())
        out.append(
            "Mean over replications ± the half-width of the \(level)% t interval. [n=k]: the metric was defined in "
                + "only k replications; -: in none.")
        out.append("")
        var rows: [[String]] = []
        for (k, first) in (r.summary.designs.first?.metrics ?? []).enumerated() {
            rows.append(
                [first.label, "`\(first.name)`", first.unit]
                    + r.summary.designs.map {
                        ReportFormat.meanCell($0.metrics[k], replications: r.summary.replications)
                    })
        }
        out.append(contentsOf: table(["metric", "key", "unit"] + r.summary.designs.map(\.name), rows, align: "lllr"))
        out.append("")
        return out
    }

    /// Per-run chain summaries and the oracle verdict.
    static func chainSection(_ r: ReportInput) -> [String] {
        let s = r.study
        var out: [String] = []
        out.append("## Chain")
        out.append("")
        let chainRows = s.runs.map { run -> [String] in
            let c = run.chain
            return [
                run.design, "\(run.replication)", c.map { "\($0.blocks)" } ?? "-", c.map { "\($0.committed)" } ?? "-",
                c.map { "\($0.failed)" } ?? "-", c.map { "\($0.studies)" } ?? "-",
                c.map { "\($0.oracleViolations.count)" } ?? "-", c.map { "`\($0.chainDigest)`" } ?? "-",
            ]
        }
        out.append(
            contentsOf: table(
                [
                    "design", "replication", "blocks", "tx committed", "tx failed", "studies", "oracle violations",
                    "chain digest",
                ], chainRows, align: "llrrrrrl"))
        let violations = s.runs.reduce(0) { $0 + ($1.chain?.oracleViolations.count ?? 0) }
        out.append("")
        out.append(
            violations == 0
                ? "The chain oracle found no violation in any run."
                : "**The chain oracle found \(violations) violation(s)** (see `chain_runs.oracle_violation_text`).")
        out.append("")
        return out
    }

    /// Links to the plots (or how to produce them).
    static func plotsSection(_ r: ReportInput) -> [String] {
        var out: [String] = []
        out.append("## Plots")
        out.append("")
        if r.plots.isEmpty {
            out.append(
                "No plots in `\(r.plotsDirectory)`. Produce them with `readchain plot \(r.databaseName)` and run "
                    + "`readchain report` again.")
        } else {
            for p in r.plots {
                out.append("![\(p.caption)](\(p.link))")
                out.append("")
                out.append("*\(p.caption)* (`\(p.fileName)`)")
                out.append("")
            }
        }
        return out
    }

    /// The paired comparison section (also what `readchain compare --markdown` writes after the design table).
    public static func comparisonSection(_ r: ReportInput) -> [String] {
        var out: [String] = []
        guard let baseline = r.comparisons.first?.baseline else {
            out.append("## Paired comparisons")
            out.append("")
            out.append("No paired comparison: \(r.comparisonNote ?? "nothing to compare").")
            out.append("")
            return out
        }
        out.append("## Paired comparisons against `\(baseline)`")
        out.append("")
        out.append(
            r.comparisonsStored
                ? "From the `comparisons` table (written by `readchain compare`)."
                : "Computed for this report (the `comparisons` table is empty; `readchain compare --from` stores them)."
        )
        out.append("")
        out.append(contentsOf: comparisonTable(r.comparisons))
        out.append("")
        out.append(ReportFormat.pairingLine(Comparison.pairingSummary(r.comparisons)) + ".")
        out.append("")
        return out
    }

    /// The paired table both the terminal (`readchain compare`) and the report render, one row per (metric,
    /// design), metric-major: the metric key, the design, "difference ± half-width", the unit, the p-value, the
    /// adjusted p-value (``Comparison/adjust(_:method:)``), whether the difference is significant after the
    /// adjustment, and the paired/unpaired half-width ratio (`ratioHeader`).
    public static func comparisonRows(
        _ comparisons: [PairedDifference], ratioHeader: String, variantHeader: String = "design"
    ) -> (header: [String], rows: [[String]]) {
        let method = comparisons.first?.adjustment ?? PValueAdjustment.none
        let header = [
            "metric", variantHeader, "difference", "unit", "p", "p (\(method.rawValue))", "significant", ratioHeader,
        ]
        var rows: [[String]] = []
        for metric in orderedUnique(comparisons.map(\.metric)) {
            for c in comparisons where c.metric == metric {
                rows.append([
                    c.metric, c.variant, ReportFormat.differenceCell(c), c.unit, ReportFormat.pValue(c.pValue),
                    ReportFormat.pValue(c.adjustedPValue), ReportFormat.significantCell(c),
                    ReportFormat.ratio(c.halfWidthRatio),
                ])
            }
        }
        return (header, rows)
    }

    /// The paired table in Markdown, with its footnote; `variantHeader` names the second column and `difference`
    /// what is subtracted (by default "design − `<baseline>`").
    public static func comparisonTable(
        _ comparisons: [PairedDifference], variantHeader: String = "design", difference: String? = nil
    ) -> [String] {
        guard let first = comparisons.first else { return [] }
        let level = Int((first.confidence * 100).rounded())
        let grid = comparisonRows(comparisons, ratioHeader: "paired/unpaired", variantHeader: variantHeader)
        var lines = table(grid.header, grid.rows, align: "lllrrrlr")
        lines.append("")
        lines.append(
            "Difference (\(difference ?? "design − `\(first.baseline)`")) paired by replication, ± the half-width of its \(level)% t "
                + "interval; p: the paired t test of a zero difference; `significant`: the adjusted p is below "
                + "\(String(format: "%.2f", 1 - first.confidence)) (\(ReportFormat.adjustmentText(first.adjustment, count: comparisons.filter { $0.pValue.isFinite }.count))). "
                + "paired/unpaired: that half-width over Welch's for the same replications treated as independent "
                + "(below 1: common random numbers narrowed it). Metric keys: `readchain metrics`.")
        return lines
    }

    /// The warm-up section's body: the configured warm-up and each run's MSER-5 detection.
    public static func warmupSection(_ r: ReportInput) -> [String] {
        let s = r.study
        var out: [String] = []
        guard !r.warmup.isEmpty else {
            out.append(
                "Configured warm-up \(ReportFormat.hours(s.warmupTicks)). No market samples are stored (the study ran "
                    + "with `--no-observations`), so MSER-5 could not check it.")
            return out
        }
        out.append(
            "Configured warm-up \(ReportFormat.hours(s.warmupTicks)). MSER-5 (batch means of 5, the truncation that "
                + "minimises the squared standard error of the mean kept, searched over the first half of the batches) "
                + "on each run's hourly work in system (every study from posting until reported or given up on)"
                + (r.warmupStored ? ", from the `warmup` table:" : ", computed for this report:"))
        out.append("")
        let rows = r.warmup.map { w -> [String] in
            let run = s.runs.first { $0.record.id == w.run }
            let detected = w.detectedTicks.map(ReportFormat.hours) ?? "too short"
            let verdict: String
            if let d = w.detectedTicks {
                verdict = d > w.configuredTicks ? "**longer than configured**" : "ok"
            } else {
                verdict = "fewer than 2 batches"
            }
            return [
                run?.design ?? "?", run.map { "\($0.replication)" } ?? "?", "\(w.run.rawValue)",
                ReportFormat.hours(w.configuredTicks), detected, "\(w.batches)", verdict,
            ]
        }
        out.append(
            contentsOf: table(
                ["design", "replication", "run", "configured", "detected", "batches", ""], rows, align: "llrrrrl"))
        let warnings = ComparisonStudy.warmupWarnings(r.warmup, s)
        if !warnings.isEmpty {
            out.append("")
            out.append(contentsOf: warnings.map { "- " + $0 })
        }
        return out
    }

    static func notes(_ r: ReportInput) -> [String] {
        let s = r.study
        var notes: [String] = []
        let perDesign = s.designs.map { s.runs(of: $0).count }
        if Set(perDesign).count == 1 {
            notes.append(
                "Every design has \(perDesign[0]) finished replications; intervals are t intervals with "
                    + "\(max(0, perDesign[0] - 1)) degrees of freedom"
                    + (perDesign[0] < 5 ? ", so they are wide: more replications narrow them roughly as 1/√n." : "."))
        } else {
            notes.append(
                "Designs have different numbers of finished replications ("
                    + zip(s.designs, perDesign).map { "\($0) \($1)" }.joined(separator: ", ")
                    + "); paired differences use only the replications both designs finished.")
        }
        let sparse = r.summary.designs.flatMap { d in
            d.metrics.filter { $0.n > 0 && $0.n < r.summary.replications }.map { "\($0.label) (\(d.name), n=\($0.n))" }
        }
        if !sparse.isEmpty {
            notes.append("Defined in only some replications: " + sparse.joined(separator: "; ") + ".")
        }
        let p = Comparison.pairingSummary(r.comparisons)
        if p.pairs > 0 {
            notes.append(ReportFormat.pairingLine(p) + ".")
            // A difference that is exactly 0 in every replication has a zero paired half-width by construction:
            // not a gain from pairing, so it is left out of the ranking and counted apart.
            let identical = r.comparisons.filter(\.identicalInEveryReplication)
            let ranked = r.comparisons.filter { $0.halfWidthRatio.isFinite && !$0.identicalInEveryReplication }.sorted {
                $0.halfWidthRatio != $1.halfWidthRatio
                    ? $0.halfWidthRatio < $1.halfWidthRatio : ($0.metric, $0.variant) < ($1.metric, $1.variant)
            }
            let helped = ranked.prefix(3).map {
                "\($0.label), \($0.variant) (\(ReportFormat.ratio($0.halfWidthRatio)))"
            }
            if !helped.isEmpty { notes.append("Pairing helped most for: " + helped.joined(separator: "; ") + ".") }
            if !identical.isEmpty {
                notes.append(
                    "\(identical.count) (metric, design) pair(s) are identical in every replication (difference "
                        + "exactly 0), so not counted as pairing gains: "
                        + identical.prefix(3).map { "\($0.label), \($0.variant)" }.joined(separator: "; ")
                        + (identical.count > 3 ? " and \(identical.count - 3) more" : "") + ".")
            }
            let notHelped = ranked.filter { $0.halfWidthRatio >= 1 }
            if !notHelped.isEmpty {
                notes.append(
                    "Pairing did not narrow \(notHelped.count) interval(s) (ratio ≥ 1: the designs' values were not "
                        + "positively correlated across replications there, e.g. one of them constant): "
                        + notHelped.prefix(3).map { "\($0.label), \($0.variant)" }.joined(separator: "; ") + ".")
            }
            let significant = r.comparisons.filter(\.significant)
            let tested = r.comparisons.filter { $0.pValue.isFinite }.count
            notes.append(
                "\(significant.count) of \(r.comparisons.count) paired differences are significant at the "
                    + "\(Int((r.comparisons[0].confidence * 100).rounded()))% level after "
                    + ReportFormat.adjustmentText(r.comparisons[0].adjustment, count: tested) + "; "
                    + "\(r.comparisons.filter(\.ciExcludesZero).count) intervals exclude 0 taken one at a time.")
        } else if let note = r.comparisonNote {
            notes.append("No paired comparison: \(note).")
        }
        let warnings = ComparisonStudy.warmupWarnings(r.warmup, s)
        if !warnings.isEmpty {
            notes.append(
                "MSER-5 detected a longer warm-up than configured in \(warnings.count) of \(r.warmup.count) runs: "
                    + "consider a longer `warmup` (and horizon).")
        } else if r.warmup.contains(where: { $0.detectedTicks != nil }) {
            let checked = r.warmup.filter { $0.detectedTicks != nil }.count
            notes.append("MSER-5 found the configured warm-up long enough in all \(checked) runs it could check.")
        } else if !r.warmup.isEmpty {
            notes.append("The runs are too short for MSER-5 (fewer than 10 hourly samples): the warm-up is unchecked.")
        }
        return notes
    }

    /// A Markdown table; `align` gives each column's alignment (`l` or `r`), its last letter repeating.
    public static func table(_ header: [String], _ rows: [[String]], align: String) -> [String] {
        func escape(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|") }
        let letters = Array(align)
        let rule = header.indices.map { i -> String in
            let a = i < letters.count ? letters[i] : (letters.last ?? "l")
            return a == "r" ? "---:" : "---"
        }
        var lines = [
            "| " + header.map(escape).joined(separator: " | ") + " |", "| " + rule.joined(separator: " | ") + " |",
        ]
        for row in rows { lines.append("| " + row.map(escape).joined(separator: " | ") + " |") }
        return lines
    }

    static func orderedUnique(_ values: [String]) -> [String] {
        var seen: Set<String> = []
        return values.filter { seen.insert($0).inserted }
    }
}
