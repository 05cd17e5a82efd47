/// One problem found in a scenario file, positioned like a compiler message.
///
/// `description` is `path:line:column: error: message` (or `warning:`), with 1-based line and
/// column (columns count Unicode scalars, as libyaml does), so editors can jump to it.
public struct Diagnostic: Sendable, Equatable, CustomStringConvertible {
    /// How serious a diagnostic is: errors stop the load, warnings do not.
    public enum Severity: String, Sendable, Equatable {
        case error
        case warning
    }

    /// The file the diagnostic refers to.
    public let path: String
    /// 1-based line.
    public let line: Int
    /// 1-based column.
    public let column: Int
    /// Error or warning.
    public let severity: Severity
    /// What is wrong, and where possible how to fix it.
    public let message: String

    public init(path: String, line: Int, column: Int, severity: Severity, message: String) {
        self.path = path
        self.line = line
        self.column = column
        self.severity = severity
        self.message = message
    }

    /// `path:line:column: severity: message`.
    public var description: String {
        "\(path):\(line):\(column): \(severity.rawValue): \(message)"
    }

    /// The description followed by the offending source line and a caret under the column.
    ///
    /// - Parameter text: The scenario text the diagnostic was made from.
    public func rendered(in text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard line >= 1, line <= lines.count else { return description }
        var source = String(lines[line - 1])
        if source.hasSuffix("\r") { source.removeLast() }
        let pad = String(repeating: " ", count: max(0, column - 1))
        return "\(description)\n\(source)\n\(pad)^"
    }
}

extension Diagnostic {
    /// Renders diagnostics one per entry, each with its source line and caret, ending in a count.
    ///
    /// - Parameters:
    ///   - diagnostics: What to render, in order.
    ///   - text: The scenario text, for the source lines; `nil` prints descriptions only.
    public static func render(_ diagnostics: [Diagnostic], text: String?) -> String {
        var out = diagnostics.map { d in text.map { d.rendered(in: $0) } ?? d.description }
        let errors = diagnostics.count { $0.severity == .error }
        let warnings = diagnostics.count - errors
        var summary: [String] = []
        if errors > 0 { summary.append("\(errors) error\(errors == 1 ? "" : "s")") }
        if warnings > 0 { summary.append("\(warnings) warning\(warnings == 1 ? "" : "s")") }
        if !summary.isEmpty { out.append(summary.joined(separator: ", ")) }
        return out.joined(separator: "\n")
    }
}

/// Why a scenario could not be loaded.
public enum ScenarioLoadError: Error, CustomStringConvertible, Equatable {
    /// The file could not be read (missing, a directory, not UTF-8...).
    case unreadable(path: String, reason: String)
    /// The file was read but has problems; every problem found is listed, errors and warnings,
    /// sorted by position.
    case invalid([Diagnostic])

    /// The diagnostics, for `.invalid`; for `.unreadable`, one diagnostic at 1:1.
    public var diagnostics: [Diagnostic] {
        switch self {
        case .unreadable(let path, let reason):
            [Diagnostic(path: path, line: 1, column: 1, severity: .error, message: "cannot read scenario: \(reason)")]
        case .invalid(let diagnostics):
            diagnostics
        }
    }

    /// One diagnostic per line, `path:line:column: error: message`.
    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            "\(path): error: cannot read scenario: \(reason)"
        case .invalid(let diagnostics):
            diagnostics.map(\.description).joined(separator: "\n")
        }
    }
}
