import Foundation
import Testing

@testable import Scenario

/// The package root, found from this file's path (Tests/ScenarioTests/Support.swift).
let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()
    .deletingLastPathComponent()
    .deletingLastPathComponent()

/// Absolute path of a file in the repository.
func repoPath(_ relative: String) -> String {
    packageRoot.appendingPathComponent(relative).path
}

/// A valid queue scenario; tests edit one line of it to break it.
let validQueueYAML = """
    schema: readchain/v1
    kind: queue
    name: t
    seed: 1
    replications: 2
    horizon: 10 h
    warmup: 1 h
    queue:
      arrival_rate: 9 /h
      service_rate: 1 /h
      servers: 10
    """

/// `validQueueYAML` with the line that starts with `prefix` (after indentation) replaced.
func replacing(_ prefix: String, with line: String?, in text: String = validQueueYAML) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false)
        .compactMap { original -> String? in
            let trimmed = original.drop { $0 == " " }
            guard trimmed.hasPrefix(prefix) else { return String(original) }
            guard let line else { return nil }
            return String(original.prefix { $0 == " " }) + line
        }
        .joined(separator: "\n")
}

/// Every diagnostic for `text`, read as `t.yaml`.
func diagnostics(_ text: String) -> [Diagnostic] {
    ScenarioLoader.check(text: text, path: "t.yaml")
}

/// `line:column: severity: message` of each diagnostic, without the path.
func brief(_ text: String) -> [String] {
    diagnostics(text).map { "\($0.line):\($0.column): \($0.severity.rawValue): \($0.message)" }
}
