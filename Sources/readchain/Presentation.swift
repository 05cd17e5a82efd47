import DiscreteEvent
import Foundation
import Studies

/// A one-line progress bar on standard error, drawn only on a terminal: the bar, the share done, elapsed wall time
/// and an estimate of the time left. The estimate extrapolates the share done (of all runs' simulated time for a
/// market, of replications for a queue) at the pace so far. Wall time is only ever shown here, never stored or
/// used by the study.
final class ProgressBar: @unchecked Sendable {
    let label: String
    let enabled: Bool
    private let lock = NSLock()
    private var drawn = false
    private let clock = ContinuousClock()
    private let started: ContinuousClock.Instant

    init(label: String, enabled: Bool) {
        self.label = label
        self.enabled = enabled
        started = clock.now
    }

    private var elapsedSeconds: Double {
        let d = clock.now - started
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    func update(_ done: Int, _ total: Int) {
        guard enabled, total > 0 else { return }
        draw(
            Self.line(
                label: label, fraction: Double(done) / Double(total), detail: "\(done)/\(total) replications",
                elapsedSeconds: elapsedSeconds))
    }

    /// A market study: the share of all runs' simulated time, and runs finished.
    func update(_ p: StudyProgress) {
        guard enabled else { return }
        draw(
            Self.line(
                label: label, fraction: p.fraction, detail: "\(p.runsFinished)/\(p.runs) runs",
                elapsedSeconds: elapsedSeconds))
    }

    private func draw(_ line: String) {
        lock.lock()
        defer { lock.unlock() }
        // Clear to the end of the line: the line can get shorter.
        FileHandle.standardError.write(Data(("\r" + line + "\u{1B}[K").utf8))
        drawn = true
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    /// `label [####------]  42.0%, 3/8 runs, elapsed 1m05s, ETA 1m30s`: the estimate is `elapsed × (1 − f) / f`,
    /// shown once at least 1% is done and a second has passed (`ETA --` before).
    static func line(label: String, fraction: Double, detail: String, elapsedSeconds: Double) -> String {
        let f = min(1, max(0, fraction.isFinite ? fraction : 0))
        let width = 30
        let filled = min(width, Int(f * Double(width)))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let eta =
            f >= 1 ? "0s" : f >= 0.01 && elapsedSeconds >= 1 ? clockText(elapsedSeconds * (1 - f) / f) : "--"
        return "\(label) [\(bar)] \(String(format: "%5.1f%%", f * 100)), \(detail), elapsed "
            + "\(clockText(elapsedSeconds)), ETA \(eta)"
    }

    /// Seconds as `42s`, `3m05s` or `2h07m`.
    static func clockText(_ seconds: Double) -> String {
        let s = Int(max(0, seconds).rounded())
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m" + String(format: "%02ds", s % 60) }
        return "\(s / 3600)h" + String(format: "%02dm", (s % 3600) / 60)
    }
}

/// The git revision of the source tree this binary was built from, for provenance: `READCHAIN_GIT_REVISION` when
/// set, else the commit checked out in that tree, read from its `.git` files (no `git` process, so it works where
/// git is not installed or refuses the directory), else "unknown" (the tree is gone or is not a repository).
/// Uncommitted changes are not detected.
enum GitRevision {
    /// The package root: this file is `Sources/readchain/Presentation.swift` in it.
    static let sourceRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func current() -> String {
        if let env = ProcessInfo.processInfo.environment["READCHAIN_GIT_REVISION"], !env.isEmpty { return env }
        return revision(ofTree: sourceRoot) ?? "unknown"
    }

    /// The commit `HEAD` names in the repository (or worktree) at `root`: `.git` a directory, or a file
    /// `gitdir: <path>` (a worktree or submodule); a symbolic `HEAD` is resolved through the loose ref file, then
    /// `packed-refs`, in the git directory and in its `commondir`.
    static func revision(ofTree root: URL) -> String? {
        let dotGit = root.appendingPathComponent(".git")
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dotGit.path, isDirectory: &isDir) else { return nil }
        var gitDir = dotGit
        if !isDir.boolValue {
            guard let line = read(dotGit), line.hasPrefix("gitdir:") else { return nil }
            let target = line.dropFirst("gitdir:".count).trimmingCharacters(in: .whitespaces)
            gitDir = target.hasPrefix("/") ? URL(fileURLWithPath: target) : root.appendingPathComponent(target)
        }
        guard let head = read(gitDir.appendingPathComponent("HEAD")) else { return nil }
        guard head.hasPrefix("ref:") else { return isObjectName(head) ? head : nil }
        let ref = head.dropFirst("ref:".count).trimmingCharacters(in: .whitespaces)
        var dirs = [gitDir]
        if let common = read(gitDir.appendingPathComponent("commondir")) {
            dirs.append(common.hasPrefix("/") ? URL(fileURLWithPath: common) : gitDir.appendingPathComponent(common))
        }
        for dir in dirs {
            if let sha = read(dir.appendingPathComponent(ref)), isObjectName(sha) { return sha }
        }
        for dir in dirs {
            guard let packed = try? String(contentsOf: dir.appendingPathComponent("packed-refs"), encoding: .utf8)
            else { continue }
            for line in packed.split(separator: "\n") {
                let parts = line.split(separator: " ")
                if parts.count == 2, parts[1] == ref, isObjectName(String(parts[0])) { return String(parts[0]) }
            }
        }
        return nil
    }

    /// The first line of a small text file, trimmed.
    private static func read(_ url: URL) -> String? {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return nil }
        return text.split(separator: "\n").first.map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// A full SHA-1 or SHA-256 object name in hex.
    static func isObjectName(_ s: String) -> Bool {
        (s.count == 40 || s.count == 64) && s.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }
}

/// `--json` output: sorted keys; an undefined value (NaN) is `null`, an infinite one the string `"inf"` or `"-inf"`
/// (a turnaround quantile the reports never reach), since JSON has no number for either.
enum JSONOutput {
    /// What NaN encodes as before it becomes `null` (JSONEncoder cannot write a bare `null` for a Double).
    static let undefined = "__readchain_undefined_value__"

    static func encode<T: Encodable>(_ value: T) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        e.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: undefined)
        return String(decoding: try e.encode(value), as: UTF8.self)
            .replacingOccurrences(of: "\"\(undefined)\"", with: "null")
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
        let header = ["metric", "key", "unit", "mean", "\(level)% CI", "Erlang C", "in CI"]
        var rows: [[String]] = [header]
        for m in s.metrics {
            rows.append([
                m.label, m.name, m.unit, fmt(m.mean), "[\(fmt(m.ciLow)), \(fmt(m.ciHigh))]",
                m.analytic.map(fmt) ?? "-", m.analyticInInterval.map { $0 ? "yes" : "NO" } ?? "-",
            ])
        }
        let widths = header.indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
        for (i, row) in rows.enumerated() {
            let cells = row.enumerated().map { c, cell in
                c < 3
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
        let header = ["metric", "key", "unit"] + s.designs.map(\.name)
        var rows: [[String]] = [header]
        for (k, first) in (s.designs.first?.metrics ?? []).enumerated() {
            var row = [first.label, first.name, first.unit]
            for d in s.designs { row.append(cell(d.metrics[k], replications: s.replications)) }
            rows.append(row)
        }
        let widths = header.indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
        for (i, row) in rows.enumerated() {
            let cells = row.enumerated().map { c, text in
                c < 3
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
        return interval(m.mean, halfWidth: m.halfWidth) + suffix
    }

    /// `mean ± h` rounded to the half-width's second significant digit; the mean alone to four significant
    /// figures when there is no half-width (nan: one replication).
    static func interval(_ mean: Double, halfWidth h: Double) -> String {
        if h.isNaN || h.isInfinite { return significant(mean, 4) }
        if h == 0 { return significant(mean, 4) + " ± 0" }
        let digits = min(6, max(0, 1 - Int(log10(h).rounded(.down))))
        return fixed(mean, digits) + " ± " + fixed(h, digits)
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
