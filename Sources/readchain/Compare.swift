import Analysis
import ArgumentParser
import Foundation
import Reporting
import Results
import Scenario
import Studies

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare market designs: paired differences under common random numbers, with intervals.",
        discussion: """
            Runs the scenario exactly as `simulate` does (writing Results/<scenario>.sqlite unless --out says \
            otherwise), or reads an existing results database with --from, then compares every design with the \
            baseline (the scenario's first design unless --baseline names another): for each headline metric the \
            mean paired difference (design − baseline over the replications both define) ± the half-width of its \
            95% t interval, and that half-width over Welch's unpaired one for the same replications (the variance \
            reduction common random numbers buy). It stores the comparisons and each run's MSER-5 warm-up in the \
            database (tables comparisons, warmup) and prints the per-design table, the paired table and a summary.

            At least 2 replications are needed (--replications 1, or a database whose designs share fewer than 2 \
            finished replications, is an error); a metric defined in fewer than 2 shared replications shows n/a.

            --from SWEEP.sqlite --by point compares the points of a sweep database (`readchain sweep`): every \
            point runs replication r of each design with the same seed, so point k minus the baseline point \
            (--baseline p<i>, default the first point), design by design, is a paired difference per replication. \
            The table, --markdown, --csv and --json are as above; the comparisons are stored under the sweep's \
            SHA-256, and `readchain plot` / `readchain report` of the sweep database draw and report them. \
            --by design compares the designs within each point (design minus --baseline, default the first \
            design, same point, same replications); printed and written, not stored.
            """)

    @Argument(
        help: "The market scenario (YAML). Optional with --from; if given, it must be the scenario the database ran.",
        completion: .file(extensions: ["yaml", "yml"]))
    var scenario: String?

    @Option(name: .long, help: "The design the others are compared with (default: the scenario's first design).")
    var baseline: String?

    @Option(
        name: .long,
        help: "Comma-separated designs to compare (and run); the baseline is always included.")
    var designs: String?

    @OptionGroup var study: StudyRunOptions

    @Option(name: .long, help: "Compare the runs of an existing results database instead of running the scenario.")
    var from: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "With --from a sweep database: 'point' compares every point with the baseline point (--baseline p<i>, "
                + "default the first), design by design, paired by replication; 'design' compares the designs "
                + "within each point with the baseline design (--baseline, default the first)."))
    var by: String?

    @Option(name: .long, help: "Also write the tables as Markdown to this file.")
    var markdown: String?

    @Option(name: .long, help: "Also write the paired comparisons as CSV to this file.")
    var csv: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Adjust the p-values across the table's comparisons: holm (family-wise error rate, the default), bh "
                + "(Benjamini-Hochberg, false discovery rate) or none; the significant column follows it."))
    var adjust: String = "holm"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A paired difference to detect, metric key = difference in its unit (repeatable), e.g. "
                + "errors_per_1000=2: prints the replications needed at 5% two-sided with 80% power, estimated "
                + "from these replications (an approximation)."))
    var detect: [String] = []

    @OptionGroup var output: OutputOptions

    var designList: [String]? {
        designs.map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        }
    }

    /// The --adjust method (checked by ``validate()``).
    var adjustment: PValueAdjustment { PValueAdjustment(rawValue: adjust.lowercased()) ?? .holm }

    func validate() throws {
        guard PValueAdjustment(rawValue: adjust.lowercased()) != nil else {
            throw ValidationError("--adjust must be holm, bh or none, got '\(adjust)'")
        }
        if let replications = study.replications, replications < 2 {
            throw ValidationError(
                "--replications must be at least 2 for compare (paired intervals need at least 2), got \(replications)")
        }
        _ = try detectTargets()
        if let list = designList {
            if list.contains("") { throw ValidationError("--designs has an empty name: '\(designs ?? "")'") }
            if Set(list).count != list.count {
                throw ValidationError("--designs names a design twice: '\(designs ?? "")'")
            }
        }
        if let by {
            guard by == "point" || by == "design" else {
                throw ValidationError("--by must be 'point' or 'design', got '\(by)'")
            }
            guard from != nil, scenario == nil else {
                throw ValidationError(
                    "--by \(by) compares within an existing sweep database: give --from SWEEP.sqlite "
                        + "(written by `readchain sweep`) and no scenario")
            }
            if designs != nil { throw ValidationError("--designs does not apply with --by \(by)") }
        }
        if from != nil {
            let ignored = study.given
            if !ignored.isEmpty {
                throw ValidationError(
                    "--from reads an existing database; \(ignored.joined(separator: ", ")) only apply when running")
            }
        } else if scenario == nil {
            throw ValidationError("give a scenario to run, or --from an existing results database")
        }
    }

    func run() throws {
        do throws(any Error) {
            var ran: MarketStudySummary?
            let path: String
            // Named outputs are checked before a run that may take minutes.
            for named in [markdown, csv].compactMap({ $0 }) {
                try Simulate.ensureParentDirectory(of: named, create: false)
            }
            if let from, by == "point" {
                try Self.requireDatabase(from)
                try comparePoints(database: from)
                return
            }
            if let from, by == "design" {
                try Self.requireDatabase(from)
                try compareDesignsWithinPoints(database: from)
                return
            }
            if let from {
                path = from
                try Self.requireDatabase(from)
                if let scenario { try checkSameScenario(scenario, database: from) }
            } else {
                let file = try selectDesigns(try study.load(scenario!))
                path = try study.databasePath(for: file)
                let bar = ProgressBar(label: file.name, enabled: !output.json && isatty(STDERR_FILENO) == 1)
                var options = study.studyOptions(path: path, recordObservations: true, progressBar: bar.enabled)
                if bar.enabled { options.simulatedProgress = { bar.update($0) } }
                let summary = try MarketStudy.run(file, options: options)
                bar.finish()
                Simulate.warnOracleViolations(summary)
                ran = summary
            }

            let store = try ResultsStore(path: path)
            defer { try? store.close() }
            let study = try ComparisonStudy.load(store)
            let (base, chosen, computed) = try ComparisonStudy.compare(
                study, baseline: baseline, designs: designList)
            try store.replaceComparisons(scenarioSHA256: study.scenarioSHA256, with: computed)
            // The p-values are adjusted across the whole table (every metric and design), not stored: recomputed
            // from the stored rows by whoever reads them.
            let comparisons = Comparison.adjust(computed, method: adjustment)
            let chosenIDs = Set(study.runs.filter { chosen.contains($0.design) }.map(\.record.id))
            let warmup = try ComparisonStudy.detectWarmup(store, study).filter { chosenIDs.contains($0.run) }
            try store.writeWarmup(warmup)
            let warnings = ComparisonStudy.warmupWarnings(warmup, study)

            var summary = ran ?? ComparisonStudy.summary(study)
            summary.designs = summary.designs.filter { chosen.contains($0.name) }
            summary.runs = summary.runs.filter { chosen.contains($0.design) }
            let pairing = Comparison.pairingSummary(comparisons)
            let power = try Self.detectionEstimates(comparisons, targets: try detectTargets())

            if let markdown {
                try Self.write(
                    Self.markdownText(summary, study: study, comparisons: comparisons, warmup: warmup), to: markdown)
            }
            if let csv { try Self.write(Self.csvText(comparisons, scenarioSHA256: study.scenarioSHA256), to: csv) }

            for w in warnings { FileHandle.standardError.write(Data(("warning: " + w + "\n").utf8)) }
            if output.json {
                let result = CompareOutput(
                    scenario: study.scenario, scenarioSHA256: study.scenarioSHA256, seed: study.seed,
                    replications: study.replications, database: path, baseline: base, designs: chosen,
                    confidence: MarketStudy.confidence, adjustment: adjustment.rawValue, summary: summary,
                    comparisons: comparisons, pairing: pairing,
                    warmup: warmup.map { w in
                        let run = study.runs.first { $0.record.id == w.run }
                        return WarmupOutput(
                            runID: w.run.rawValue, design: run?.design ?? "", replication: run?.replication ?? -1,
                            series: w.series, method: w.method, configuredTicks: w.configuredTicks,
                            detectedTicks: w.detectedTicks, batches: w.batches)
                    }, warnings: warnings, power: detect.isEmpty ? nil : power)
                print(try JSONOutput.encode(result))
            } else {
                print(MarketTable.render(summary))
                print("")
                print(Self.pairedText(comparisons, baseline: base))
                print("")
                print(ReportFormat.pairingLine(pairing))
                print(Self.warmupLine(warmup, warnings: warnings))
                if !detect.isEmpty {
                    print("")
                    print(Self.powerText(power))
                }
            }
        } catch {
            throw CLIFailure.report(error, json: output.json)
        }
    }

    /// Restricts the scenario's designs to --designs (in the scenario's order, the baseline always kept); checks
    /// the names, the kind and the replication count before anything runs.
    func selectDesigns(_ file: ScenarioFile) throws -> ScenarioFile {
        guard case .market(var model) = file.model else {
            throw ComparisonError(
                .noStudy,
                "\(file.path): compare needs a market scenario (designs to compare); this is a "
                    + "\(file.kind.rawValue) scenario")
        }
        guard file.replications >= 2 else {
            throw ComparisonError(
                .tooFewReplications,
                "\(file.path): \(file.replications) replication; paired intervals need at least 2 "
                    + "(pass --replications 2 or more)")
        }
        let names = model.designs.map(\.name)
        for name in (designList ?? []) + (baseline.map { [$0] } ?? []) where !names.contains(name) {
            throw ComparisonError(
                .unknownDesign,
                "\(file.path): no design '\(name)' (designs: \(names.joined(separator: ", ")))")
        }
        if let list = designList {
            model.designs = model.designs.filter { list.contains($0.name) || $0.name == baseline }
            if model.designs.count < 2 {
                throw ComparisonError(
                    .noStudy, "nothing to compare: only design '\(model.designs[0].name)' is selected")
            }
        } else if names.count < 2 {
            throw ComparisonError(.noStudy, "\(file.path): one design only ('\(names[0])'); nothing to compare")
        }
        return ScenarioFile(
            path: file.path, text: file.text, sha256: file.sha256, name: file.name, kind: file.kind,
            description: file.description, seed: file.seed, replications: file.replications,
            horizonTicks: file.horizonTicks, warmupTicks: file.warmupTicks, model: .market(model),
            warnings: file.warnings)
    }

    /// With --from and a scenario: the database must hold runs of exactly that file.
    func checkSameScenario(_ scenario: String, database: String) throws {
        let file = try ScenarioLoader.load(path: scenario)
        let store = try ResultsStore(readingOnly: database)
        defer { try? store.close() }
        let study = try ComparisonStudy.load(store)
        guard study.scenarioSHA256 == file.sha256 else {
            throw ComparisonError(
                .noStudy,
                "\(database) holds runs of scenario '\(study.scenario)' (SHA-256 \(study.scenarioSHA256.prefix(12))…), "
                    + "not of \(scenario) (SHA-256 \(file.sha256.prefix(12))…)")
        }
    }

    /// An existing, non-empty file (opening a missing or empty path would create a fresh database there).
    static func requireDatabase(_ path: String) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue else {
            throw InputFileError(message: "results database not found: \(path)")
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw InputFileError(message: "results database not readable: \(path)")
        }
        let size = (try? URL(fileURLWithPath: path).resourceValues(forKeys: [.fileSizeKey]))?.fileSize ?? 0
        guard size > 0 else {
            throw ResultsError("not a ReadChain results database: \(path) (the file is empty)", path: path)
        }
    }

    /// Writes `text` to `path` atomically (a temporary file renamed into place); its directory must exist unless
    /// `createDirectory` (a default path).
    static func write(_ text: String, to path: String, createDirectory: Bool = false) throws {
        try Simulate.ensureParentDirectory(of: path, create: createDirectory)
        do throws(any Error) {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw OutputPathError(message: "cannot write \(path): \(error.localizedDescription)")
        }
    }

    // MARK: Presentation

    /// One row per (metric, design): the difference from the baseline ± half-width, its p-value, adjusted p-value,
    /// significance after the adjustment, and the paired/unpaired ratio.
    static func pairedText(
        _ comparisons: [PairedDifference], baseline: String, variantHeader: String = "design",
        what: String? = nil
    ) -> String {
        let level = Int(((comparisons.first?.confidence ?? MarketStudy.confidence) * 100).rounded())
        let grid = ReportWriter.comparisonRows(comparisons, ratioHeader: "p/u", variantHeader: variantHeader)
        let rows = [grid.header] + grid.rows
        let tested = comparisons.filter { $0.pValue.isFinite }.count
        var lines = [
            (what ?? "paired differences vs '\(baseline)' (design − baseline, same replications)")
                + ", ± \(level)% CI half-width; "
                + "p: paired t test; significant: adjusted p < \(String(format: "%.2f", 1 - (comparisons.first?.confidence ?? MarketStudy.confidence))), "
                + ReportFormat.adjustmentText(comparisons.first?.adjustment, count: tested)
                + "; p/u: paired / unpaired (Welch) half-width", "",
        ]
        lines += align(rows, left: [0, 1, 3])
        if comparisons.contains(where: { $0.n > 0 && !$0.halfWidthPaired.isFinite }) {
            lines.append("n/a (n=k): defined in fewer than 2 replications of both designs; no interval")
        }
        return lines.joined(separator: "\n")
    }

    /// The warm-up summary line of the terminal output.
    static func warmupLine(_ warmup: [WarmupRow], warnings: [String]) -> String {
        guard !warmup.isEmpty else { return "warm-up: no market samples stored; MSER-5 not applied" }
        let detected = warmup.compactMap(\.detectedTicks)
        guard let longest = detected.max() else {
            return "warm-up: runs too short for MSER-5 (fewer than 10 hourly samples)"
        }
        var line =
            "warm-up: configured \(ReportFormat.hours(warmup[0].configuredTicks)); MSER-5 on hourly work in "
            + "system detected at most \(ReportFormat.hours(longest)) over \(detected.count) runs"
        if detected.count < warmup.count { line += " (\(warmup.count - detected.count) too short)" }
        // Each run's warning is printed once, on standard error (`warning: ...`); this line only counts them.
        if !warnings.isEmpty { line += "; longer than configured in \(warnings.count) run(s) (warnings above)" }
        return line
    }

    static func markdownText(
        _ summary: MarketStudySummary, study: StoredMarketStudy, comparisons: [PairedDifference], warmup: [WarmupRow]
    ) -> String {
        let input = ReportInput(
            study: study, summary: summary, comparisons: comparisons, comparisonsStored: true, comparisonNote: nil,
            warmup: warmup, warmupStored: true, databaseName: URL(fileURLWithPath: study.database).lastPathComponent,
            plots: [], plotsDirectory: "")
        var lines = ["# Comparison: \(summary.scenario)", ""]
        lines.append(
            "Scenario SHA-256 `\(summary.scenarioSHA256)`, seed \(summary.seed), \(summary.replications) replications "
                + "per design, horizon \(ReportFormat.hours(summary.horizonTicks)), warm-up "
                + "\(ReportFormat.hours(summary.warmupTicks)); money in \(summary.currency).")
        lines.append("")
        lines.append("## Results by design")
        lines.append("")
        var rows: [[String]] = []
        for (k, first) in (summary.designs.first?.metrics ?? []).enumerated() {
            rows.append(
                [first.label, "`\(first.name)`", first.unit]
                    + summary.designs.map { ReportFormat.meanCell($0.metrics[k], replications: summary.replications) })
        }
        lines += ReportWriter.table(["metric", "key", "unit"] + summary.designs.map(\.name), rows, align: "lllr")
        lines.append("")
        lines += ReportWriter.comparisonSection(input).map {
            $0 == "From the `comparisons` table (written by `readchain compare`)."
                ? "Stored in the `comparisons` table." : $0
        }
        lines.append("## Warm-up")
        lines.append("")
        lines += ReportWriter.warmupSection(input)
        return lines.joined(separator: "\n") + "\n"
    }

    static func csvText(_ comparisons: [PairedDifference], scenarioSHA256: String) -> String {
        let header = [
            "scenario_sha256", "baseline", "variant", "metric", "label", "unit", "n", "mean_diff", "sd_diff", "ci_low",
            "ci_high", "half_width_paired", "half_width_unpaired", "half_width_ratio", "baseline_mean",
            "variant_mean", "relative_diff", "confidence", "variance_ratio", "p_value", "p_adjusted", "adjustment",
            "significant",
        ]
        func number(_ x: Double) -> String { x.isFinite ? "\(x)" : "" }
        func field(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
                ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        var lines = [header.joined(separator: ",")]
        for c in comparisons {
            lines.append(
                ([scenarioSHA256, c.baseline, c.variant, c.metric, c.label, c.unit, "\(c.n)"].map(field)
                    + [
                        c.meanDifference, c.sdDifference, c.ciLow, c.ciHigh, c.halfWidthPaired, c.halfWidthUnpaired,
                        c.halfWidthRatio, c.baselineMean, c.variantMean, c.relativeDifference, c.confidence,
                        c.varianceRatio, c.pValue, c.adjustedPValue,
                    ].map(number) + [
                        c.adjustment?.rawValue ?? "none", c.pValue.isFinite ? (c.significant ? "1" : "0") : "",
                    ])
                    .joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Columns padded to a common width, `left` ones left-aligned and the rest right-aligned, header underlined.
    static func align(_ rows: [[String]], left: Set<Int> = [0, 1]) -> [String] {
        let widths = rows[0].indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
        var lines: [String] = []
        for (i, row) in rows.enumerated() {
            let cells = row.enumerated().map { c, text in
                left.contains(c)
                    ? text.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[c] - text.count) + text
            }
            lines.append(
                cells.joined(separator: "  ").replacingOccurrences(of: " +$", with: "", options: .regularExpression))
            if i == 0 { lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
        }
        return lines
    }

}

/// What `readchain compare --json` prints.
struct CompareOutput: Encodable {
    var scenario: String
    var scenarioSHA256: String
    var seed: UInt64
    var replications: Int
    var database: String
    var baseline: String
    var designs: [String]
    var confidence: Double
    /// How the comparisons' p-values were adjusted (holm, bh, none).
    var adjustment: String
    var summary: MarketStudySummary
    var comparisons: [PairedDifference]
    var pairing: PairingSummary
    var warmup: [WarmupOutput]
    var warnings: [String]
    /// With `--detect`: the replications needed per metric and design.
    var power: [DetectionEstimate]?
}

struct WarmupOutput: Encodable {
    var runID: Int64
    var design: String
    var replication: Int
    var series: String
    var method: String
    var configuredTicks: Int64
    var detectedTicks: Int64?
    var batches: Int
}
