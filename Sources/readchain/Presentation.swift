import Foundation
import Simulator

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
        lines.append("scenario \(s.scenario) (\(s.kind)), seed \(s.seed), \(s.replications) replications, "
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
                c < 2 ? cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
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
