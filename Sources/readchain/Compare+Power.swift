import Analysis
import ArgumentParser
import Foundation
import Scenario
import Studies

// `compare --detect metric=delta`: replications needed to detect a paired difference, from the pilot (issue 15).
extension Compare {
    /// The `--detect` targets as (metric key, difference), in the order given.
    func detectTargets() throws -> [(metric: String, delta: Double)] {
        try detect.map { text in
            let parts = text.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, let delta = Double(parts[1]), delta.isFinite, delta != 0 else {
                throw ValidationError(
                    "--detect must be metric=difference with a non-zero number, e.g. errors_per_1000=2, got '\(text)'")
            }
            return (parts[0], delta)
        }
    }

    /// One estimate per target and compared design; a metric no comparison has is a command-line error (64).
    static func detectionEstimates(_ comparisons: [PairedDifference], targets: [(metric: String, delta: Double)])
        throws -> [DetectionEstimate]
    {
        var out: [DetectionEstimate] = []
        let known = Array(Set(comparisons.map(\.metric))).sorted()
        for t in targets {
            let found = DetectionEstimate.estimates(comparisons, metric: t.metric, delta: t.delta)
            guard !found.isEmpty else {
                let hint = closestMatch(to: t.metric, among: known).map { " (did you mean '\($0)'?)" } ?? ""
                throw StudyOptionError(
                    "--detect: '\(t.metric)' is not a compared metric\(hint); `readchain metrics` lists the keys")
            }
            out += found
        }
        return out
    }

    /// The power table: per metric and design, the difference, the pilot's paired sd and n, and the replications
    /// needed.
    static func powerText(_ estimates: [DetectionEstimate]) -> String {
        var rows: [[String]] = [["metric", "design", "difference", "pilot sd", "pilot n", "replications needed"]]
        for e in estimates {
            rows.append([
                e.metric, e.variant, LoadTestTable.fmt(e.delta),
                e.pilotSD.map { MarketTable.significant($0, 4) } ?? "n/a", String(e.pilotReplications),
                e.replicationsNeeded.map(String.init) ?? "n/a",
            ])
        }
        let widths = rows[0].indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
        var lines = [
            "replications to detect each paired difference (design − \(estimates.first?.baseline ?? "baseline")) at 5% "
                + "two-sided with 80% power,\nfrom these replications' paired sd: n = ((z0.975 + z0.8) · sd / difference)², "
                + "rounded up (an approximation: normal quantiles, the pilot's sd taken as known)"
        ]
        for (i, row) in rows.enumerated() {
            lines.append(
                row.enumerated().map { c, t in
                    c < 2
                        ? t.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                        : String(repeating: " ", count: widths[c] - t.count) + t
                }.joined(separator: "  "))
            if i == 0 { lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
        }
        return lines.joined(separator: "\n")
    }
}
