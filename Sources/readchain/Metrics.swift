import ArgumentParser
import Foundation
import Reporting

/// `readchain metrics`: every metric the tables show, by its key, with unit and definition.
struct Metrics: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every metric the tables report: key, unit, label and definition.",
        discussion: """
            The key is the metric's name in the tables' key column, in run_metrics, summaries and comparisons, and \
            in --metrics. Market metrics count measured studies (arrived after the warm-up) and the days after it.
            """)

    @Option(name: .long, help: "Only this kind of study: market or queue.")
    var kind: String?

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let kind, !["market", "queue"].contains(kind) {
            throw ValidationError("--kind must be market or queue, got '\(kind)'")
        }
    }

    func run() throws {
        let entries = MetricCatalogue.all.filter { kind == nil || $0.kind == kind }
        if output.json {
            print(try JSONOutput.encode(entries))
            return
        }
        var lines: [String] = []
        for k in ["market", "queue"] where entries.contains(where: { $0.kind == k }) {
            if !lines.isEmpty { lines.append("") }
            lines.append("\(k) metrics")
            let rows =
                [["key", "unit", "definition"]]
                + entries.filter { $0.kind == k }.map { [$0.key, $0.unit, $0.definition] }
            lines += Compare.align(rows, left: [0, 1, 2])
        }
        print(lines.joined(separator: "\n"))
    }
}
