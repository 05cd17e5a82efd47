import ArgumentParser
import DiscreteEvent
import Foundation
import Replay
import Scenario

struct AuditAI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ai",
        abstract: "Rebuild the validated-label dataset and the AI second reader's learning curve from the chain.",
        discussion: """
            For every finished market run (or --run N): replays and verifies the stored chain as `readchain replay` \
            does, rebuilds the labelled dataset from the adjudicating transactions (peer review, follow-up, \
            confirming feedback) and checks it against the dataset in the final state, then prints it by modality \
            and by the read's outcome against the adjudicated truth (TP, FP, TN, FN) and, per time bin (a simulated \
            day unless --bin), the labels so far, the reads' sensitivity and specificity against adjudicated truth, \
            and the AI's sensitivity and specificity per modality on the scenario's learning curve at the chain's \
            dataset size. When the run stored its rows, the rebuilt dataset is compared with the simulator's own \
            records (hourly dataset size, each labelled study's row). Figures are withheld for a run that does not \
            verify; exits 65 on any failure.
            """)

    @Argument(help: "The results database (SQLite).", completion: .file(extensions: ["sqlite"]))
    var database: String

    @Option(name: .customLong("run"), help: "Audit only this run id.")
    var runID: Int64?

    @Option(name: .long, help: "Width of a time bin of the learning curve, as in scenario files ('1 d', '6 h').")
    var bin: String = "1 d"

    @Flag(name: .long, help: "Also list every dataset entry (sequence, study, height, modality, source, outcome).")
    var labels = false

    @OptionGroup var output: OutputOptions

    func validate() throws {
        _ = try binTicks()
    }

    func binTicks() throws -> Int64 {
        switch DurationText.ticks(bin) {
        case .success(let t) where t > 0: return t
        case .success: throw ValidationError("--bin '\(bin)' must be positive")
        case .failure(let e): throw ValidationError("--bin '\(bin)': \(e.reason)")
        }
    }

    func run() throws {
        guard FileManager.default.fileExists(atPath: database) else {
            throw CLIFailure.report(
                InputFileError(message: "no such results database: \(database)"), json: output.json)
        }
        let report: AIAuditReport
        do throws(any Error) {
            report = try AIAudit.audit(
                databasePath: database, run: runID, binTicks: try binTicks(), includeLabels: labels)
        } catch {
            throw CLIFailure.report(error, json: output.json)
        }
        if output.json {
            print(try JSONOutput.encode(report))
        } else {
            print(AIAuditTable.render(report), terminator: "")
        }
        if !report.ok { throw ExitCode(ExitStatus.dataError) }
    }
}

/// The terminal form of `readchain audit ai`.
enum AIAuditTable {
    static func render(_ report: AIAuditReport) -> String {
        var lines: [String] = []
        for r in report.runs {
            let head = "run \(r.runID) (\(r.design), replication \(r.replication), \(r.signatures) signatures)"
            guard r.ok || (r.failures.allSatisfy { $0.kind == "simulator" } && !r.bins.isEmpty) else {
                lines.append(
                    "\(head): FAIL (\(r.failures.count) failure\(r.failures.count == 1 ? "" : "s")); "
                        + "figures withheld: the chain or its records do not verify")
                for f in r.failures { lines.append("  \(f.description)") }
                continue
            }
            lines.append(
                "\(head): chain verified: \(r.counts.blocks) blocks, \(r.counts.transactions) transactions, "
                    + "\(r.counts.signaturesChecked) signatures checked; \(r.labels) labels on chain "
                    + "(\(r.findings) findings), equal to the dataset in the final state")
            if let c = r.simulatorCheck {
                lines.append(
                    "  simulator's records: \(c.ok ? "equal" : "DIFFER"): \(c.samplesCompared) hourly dataset sizes, "
                        + "\(c.studiesCompared) labelled studies' rows, \(c.adjudicatedRowsChecked) adjudicated rows, "
                        + "\(c.aiVerdictsCompared) reports' AI verdicts")
            } else {
                lines.append("  simulator's records: none stored (--no-observations)")
            }
            for f in r.failures { lines.append("  \(f.description)") }
            lines.append(
                "  AI second reader (scenario, off chain): "
                    + (r.aiEnabled.map { $0 ? "on" : "off" } ?? "unknown")
                    + ", labels shared: \(r.datasetSharing.map { $0 ? "yes" : "no" } ?? "unknown")"
                    + ", initial dataset \(r.initialDataset.map(String.init) ?? "unknown")")
            lines.append("")
            lines.append("  validated labels by modality (findings by the read's outcome; cases by source)")
            var rows = [
                ["modality", "TP", "FP", "TN", "FN", "sens", "spec", "ai_sens", "ai_spec", "peer_review", "follow_up"]
                    + ["feedback"]
            ]
            for t in r.totals {
                var row = [t.modality] + counts(t.outcomes)
                row += [fraction(t.readSensitivity), fraction(t.readSpecificity)]
                row += [fraction(t.aiSensitivity), fraction(t.aiSpecificity)]
                row += [t.peerReview, t.followUp, t.referrerFeedback].map { String($0) }
                rows.append(row)
            }
            lines += table(rows, indent: "  ")
            lines.append("")
            let modalities = r.bins.first?.modalities.map(\.modality) ?? []
            lines.append(
                "  learning curve, per \(binText(report.binHours)) by block time (cumulative; read: the reports, "
                    + "after the AI, against adjudicated truth; peer: the same on peer-review labels alone, a random "
                    + "sample; ai_meas: the AI's own verdicts in the reports on chain against adjudicated truth; "
                    + "AI: the scenario's curve at the dataset size)")
            var curve = [
                ["bin", "to_h", "new", "labels", "dataset", "TP", "FP", "TN", "FN", "read_sens", "read_spec"]
                    + ["peer_sens", "peer_spec", "ai_meas_sens", "ai_meas_spec"]
                    + modalities.map { "ai_\($0)_sens/spec" }
            ]
            for b in r.bins {
                var row = [String(b.index), hoursText(b.toHours), String(b.newLabels), String(b.labels)]
                row.append(b.datasetSize.map { String($0) } ?? "-")
                row += counts(b.cumulative)
                row += [fraction(b.readSensitivity), fraction(b.readSpecificity)]
                row += [fraction(b.peerReviewSensitivity), fraction(b.peerReviewSpecificity)]
                row += [fraction(b.aiMeasuredSensitivity), fraction(b.aiMeasuredSpecificity)]
                row += b.modalities.map { m in fraction(m.aiSensitivity) + "/" + fraction(m.aiSpecificity) }
                curve.append(row)
            }
            lines += table(curve, indent: "  ")
            lines.append("")
            if let entries = r.labelEntries {
                lines.append("  dataset entries (block time in hours)")
                var list = [["seq", "study", "height", "time_h", "modality", "source", "finding", "outcome"]]
                for e in entries {
                    let time = String(format: "%.4f", Double(e.blockTimeTicks) / Double(SimTime.ticksPerHour))
                    for f in e.findings {
                        var row = [String(e.seq), String(e.study), String(e.height), time]
                        row += [e.modality, e.source, String(f.findingCode), f.outcome]
                        list.append(row)
                    }
                }
                lines += table(list, indent: "  ")
                lines.append("")
            }
        }
        lines.append(
            report.ok
                ? "OK: \(report.runs.count) run\(report.runs.count == 1 ? "" : "s") verified and rebuilt from the chain"
                : "FAIL")
        return lines.joined(separator: "\n") + "\n"
    }

    /// TP, FP, TN, FN.
    static func counts(_ o: OutcomeCounts) -> [String] {
        [o.truePositive, o.falsePositive, o.trueNegative, o.falseNegative].map { String($0) }
    }

    static func fraction(_ x: Double?) -> String { x.map { String(format: "%.3f", $0) } ?? "-" }

    static func hoursText(_ h: Double) -> String {
        h == h.rounded() ? String(Int(h)) : String(format: "%.2f", h)
    }

    static func binText(_ hours: Double) -> String {
        if hours == 24 { return "simulated day" }
        return hours.truncatingRemainder(dividingBy: 24) == 0 ? "\(Int(hours / 24)) d" : "\(hoursText(hours)) h"
    }

    /// Left-aligned first column, the others right-aligned, two spaces apart, a rule under the header.
    static func table(_ rows: [[String]], indent: String) -> [String] {
        guard let header = rows.first else { return [] }
        let widths = header.indices.map { c in rows.map { $0.indices.contains(c) ? $0[c].count : 0 }.max() ?? 0 }
        var out: [String] = []
        for (i, row) in rows.enumerated() {
            let cells = row.enumerated().map { c, text in
                c == 0
                    ? text.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[c] - text.count) + text
            }
            out.append(indent + cells.joined(separator: "  "))
            if i == 0 { out.append(indent + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
        }
        return out
    }
}
