import DiscreteEvent
import Foundation
import Studies

/// A one-line progress bar on standard error, drawn only on a terminal.
final class ProgressBar: @unchecked Sendable {
    let label: String
    let enabled: Bool
    private let lock = NSLock()
    private var drawn = false

    init(label: String, enabled: Bool) {
        self.label = label
        self.enabled = enabled
    }

    func update(_ done: Int, _ total: Int) {
        guard enabled, total > 0 else { return }
        lock.lock()
        defer { lock.unlock() }
        let width = 30
        let filled = done * width / total
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(done)/\(total) replications".utf8))
        drawn = true
    }

    /// A market study: the share of all runs' simulated time, and runs finished.
    func update(_ p: StudyProgress) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        let width = 30
        let filled = min(width, max(0, Int(p.fraction * Double(width))))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let percent = String(format: "%5.1f%%", p.fraction * 100)
        FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(percent), \(p.runsFinished)/\(p.runs) runs".utf8))
        drawn = true
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

/// The git revision of the working tree the command runs in, for provenance ("unknown" outside git).
enum GitRevision {
    static func current() -> String {
        if let env = ProcessInfo.processInfo.environment["READCHAIN_GIT_REVISION"], !env.isEmpty { return env }
        guard let rev = run(["rev-parse", "HEAD"]) else { return "unknown" }
        let dirty = (run(["status", "--porcelain", "--untracked-files=no"]) ?? "").isEmpty ? "" : "-dirty"
        return rev + dirty
    }

    private static func run(_ args: [String]) -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git"] + args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

enum JSONOutput {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        e.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try e.encode(value), as: UTF8.self)
    }
}

/// The summary table `simulate` prints.
enum SummaryTable {
    static func render(_ s: StudySummary) -> String {
        var lines: [String] = []
        lines.append(
            "scenario \(s.scenario) (\(s.kind)), seed \(s.seed), \(s.replications) replications, "
                + "\(s.customers) customers, \(s.events) events")
        lines.append("results: \(s.database)")
        let level = Int((s.confidence * 100).rounded())
        let header = ["metric", "unit", "mean", "\(level)% CI", "Erlang C", "in CI"]
        var rows: [[String]] = [header]
        for m in s.metrics {
            rows.append([
                m.label, m.unit, fmt(m.mean), "[\(fmt(m.ciLow)), \(fmt(m.ciHigh))]",
                m.analytic.map(fmt) ?? "-", m.analyticInInterval.map { $0 ? "yes" : "NO" } ?? "-",
            ])
        }
        let widths = header.indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
        for (i, row) in rows.enumerated() {
            let cells = row.enumerated().map { c, cell in
                c < 2
                    ? cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[c] - cell.count) + cell
            }
            lines.append(cells.joined(separator: "  "))
            if i == 0 { lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
        }
        return lines.joined(separator: "\n")
    }

    static func fmt(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        let a = abs(x)
        if a != 0 && (a < 1e-3 || a >= 1e6) { return String(format: "%.4e", x) }
        return String(format: "%.4f", x)
    }
}

/// The table `simulate` prints for a market study: one row per headline metric, one column per design, each
/// cell the mean over replications ± the half-width of its 95% t interval.
enum MarketTable {
    static func render(_ s: MarketStudySummary) -> String {
        var lines: [String] = []
        let level = Int((s.confidence * 100).rounded())
        lines.append(
            "scenario \(s.scenario) (\(s.kind)), seed \(s.seed): \(s.designs.count) designs under common random "
                + "numbers, mean ± \(level)% CI half-width over replications")
        lines.append("")
        let header = ["metric", "unit"] + s.designs.map(\.name)
        var rows: [[String]] = [header]
        for (k, first) in (s.designs.first?.metrics ?? []).enumerated() {
            var row = [first.label, first.unit]
            for d in s.designs { row.append(cell(d.metrics[k], replications: s.replications)) }
            rows.append(row)
        }
        let widths = header.indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
        for (i, row) in rows.enumerated() {
            let cells = row.enumerated().map { c, text in
                c < 2
                    ? text.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[c] - text.count) + text
            }
            lines.append(cells.joined(separator: "  "))
            if i == 0 { lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
        }
        lines.append("")
        let counts = s.designs.flatMap { $0.metrics.map(\.n) }
        if counts.contains(where: { $0 > 0 && $0 < s.replications }) {
            lines.append("[n=k]: the metric was defined in only k replications (e.g. no STAT study after warm-up)")
        }
        if counts.contains(0) {
            lines.append("-: defined in no replication (e.g. no such study; day metrics need a whole simulated day)")
        }
        lines.append(
            "replications \(s.replications) per design; horizon \(duration(s.horizonTicks)), warm-up "
                + "\(duration(s.warmupTicks)); money in \(s.currency)")
        lines.append(
            "studies simulated \(s.studies), transactions committed \(s.transactionsCommitted) "
                + "(\(s.runs.count) runs); wall time \(String(format: "%.1f", s.wallSeconds)) s")
        let violations = s.runs.reduce(0) { $0 + $1.oracleViolations.count }
        if violations > 0 { lines.append("CHAIN ORACLE VIOLATIONS: \(violations) (see chain_runs)") }
        lines.append("results: \(s.database)" + (s.detailRecorded ? "" : " (run metrics and chain facts only)"))
        return lines.joined(separator: "\n")
    }

    /// "mean ± half-width", both to the decimals that show the half-width to two significant digits (at most
    /// six); a zero half-width (every replication equal) shows the mean to four significant digits, and a NaN one
    /// (fewer than two replications) the mean alone. "-" when no replication defines the metric.
    static func cell(_ m: MetricSummary, replications: Int) -> String {
        guard !m.mean.isNaN else { return "-" }
        let suffix = m.n < replications ? " [n=\(m.n)]" : ""
        let h = m.halfWidth
        if h.isNaN || h.isInfinite { return significant(m.mean, 4) + suffix }
        if h == 0 { return significant(m.mean, 4) + " ± 0" + suffix }
        let digits = min(6, max(0, 1 - Int(log10(h).rounded(.down))))
        return fixed(m.mean, digits) + " ± " + fixed(h, digits) + suffix
    }

    static func fixed(_ x: Double, _ digits: Int) -> String {
        let text = String(format: "%.\(digits)f", x)
        return text.hasPrefix("-") && Double(text) == 0 ? String(text.dropFirst()) : text
    }

    static func significant(_ x: Double, _ figures: Int) -> String {
        guard x != 0 else { return "0" }
        guard x.isFinite else { return x.isNaN ? "nan" : x > 0 ? "inf" : "-inf" }
        return fixed(x, min(6, max(0, figures - 1 - Int(log10(abs(x)).rounded(.down)))))
    }

    /// Ticks as days, hours or minutes, whichever divides them (else hours with two decimals).
    static func duration(_ ticks: Int64) -> String {
        let (minute, hour, day) = (SimTime.ticksPerMinute, SimTime.ticksPerHour, SimTime.ticksPerDay)
        if ticks == 0 { return "0" }
        if ticks % day == 0 { return "\(ticks / day) d" }
        if ticks % hour == 0 { return "\(ticks / hour) h" }
        if ticks % minute == 0 { return "\(ticks / minute) min" }
        return String(format: "%.2f h", Double(ticks) / Double(hour))
    }
}
