import Yams

/// A value read from the scenario, with where it was written.
struct Located<Value> {
    var value: Value
    var mark: SourcePosition
}

/// One key a mapping may hold.
struct FieldSpec: Sendable, Equatable {
    var key: String
    var required: Bool

    static func required(_ key: String) -> FieldSpec { FieldSpec(key: key, required: true) }
    static func optional(_ key: String) -> FieldSpec { FieldSpec(key: key, required: false) }
}

/// Walks a composed YAML tree against a schema, recording every problem and carrying on.
///
/// Readers return `nil` after recording a diagnostic, so a caller builds its model only when
/// every field it needs came back; nothing stops at the first problem. Kinds share the walker
/// and the typed readers of ``MappingReader``; each kind only lists its fields and ranges.
final class SchemaWalker {
    let path: String
    private(set) var diagnostics: [Diagnostic] = []

    init(path: String) {
        self.path = path
    }

    var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    func error(_ message: String, at mark: SourcePosition?) {
        record(.error, message, at: mark)
    }

    func warning(_ message: String, at mark: SourcePosition?) {
        record(.warning, message, at: mark)
    }

    private func record(_ severity: Diagnostic.Severity, _ message: String, at mark: SourcePosition?) {
        diagnostics.append(
            Diagnostic(
                path: path, line: mark?.line ?? 1, column: mark?.column ?? 1, severity: severity, message: message))
    }

    /// Diagnostics sorted by position; ties keep the order they were found in.
    var sortedDiagnostics: [Diagnostic] {
        diagnostics.enumerated()
            .sorted {
                ($0.element.line, $0.element.column, $0.offset) < ($1.element.line, $1.element.column, $1.offset)
            }
            .map(\.element)
    }

    /// Opens `node` as a mapping with the given fields: reports unknown keys (with the closest
    /// known key) and missing required keys (at the mapping itself).
    ///
    /// - Parameters:
    ///   - node: The value that should be a mapping.
    ///   - label: How messages name this mapping (`"the scenario"`, `"'queue'"`).
    ///   - fields: The keys it may hold.
    ///   - misplaced: For an unknown key, where it belongs instead, if anywhere (a hint).
    /// - Returns: A reader, or `nil` (after a diagnostic) if `node` is not a mapping.
    func mapping(
        _ node: Node, label: String, fields: [FieldSpec], misplaced: (String) -> String? = { _ in nil }
    ) -> MappingReader? {
        guard case .mapping(let mapping) = node else {
            error("\(label) must be a mapping of keys to values, got \(describe(node))", at: node.position)
            return nil
        }
        let mark = mapping.mark.map(SourcePosition.init) ?? SourcePosition(line: 1, column: 1)
        var entries: [MappingReader.Entry] = []
        let known = fields.map(\.key)
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                error("keys in \(label) must be plain names, got \(describe(keyNode))", at: keyNode.position)
                continue
            }
            let key = scalar.string
            let keyMark = keyNode.position ?? mark
            if known.contains(key) {
                entries.append(MappingReader.Entry(key: key, keyMark: keyMark, value: value))
            } else if let home = misplaced(key) {
                error("unknown key '\(key)' in \(label) (it belongs \(home))", at: keyMark)
            } else if let suggestion = closestMatch(to: key, among: known) {
                error("unknown key '\(key)' (did you mean '\(suggestion)'?)", at: keyMark)
            } else {
                error("unknown key '\(key)' in \(label) (known keys: \(known.joined(separator: ", ")))", at: keyMark)
            }
        }
        for field in fields where field.required && !entries.contains(where: { $0.key == field.key }) {
            error("missing required key '\(field.key)' in \(label)", at: mark)
        }
        return MappingReader(walker: self, label: label, mark: mark, fields: fields, entries: entries)
    }
}

/// Typed access to one mapping's fields; every reader records a diagnostic instead of failing.
struct MappingReader {
    struct Entry {
        var key: String
        var keyMark: SourcePosition
        var value: Node
    }

    let walker: SchemaWalker
    let label: String
    /// Where the mapping starts (its first key, for a block mapping).
    let mark: SourcePosition
    let fields: [FieldSpec]
    let entries: [Entry]

    /// The entry for `key`, which must be one of the declared fields.
    func entry(_ key: String) -> Entry? {
        assert(fields.contains { $0.key == key }, "reading undeclared key '\(key)'")
        return entries.first { $0.key == key }
    }

    /// Whether the mapping has `key`.
    func contains(_ key: String) -> Bool { entry(key) != nil }

    /// Where `key` is written, or the mapping's own position if it is absent.
    func keyMark(_ key: String) -> SourcePosition { entry(key)?.keyMark ?? mark }

    func value(_ key: String, required: Bool) -> (Node, SourcePosition)? {
        assert(fields.contains { $0.key == key && $0.required == required }, "'\(key)' read with wrong requiredness")
        guard let entry = entry(key) else { return nil }
        return (entry.value, entry.value.position ?? entry.keyMark)
    }

    // MARK: Strings

    func requireString(_ key: String) -> Located<String>? { string(key, required: true) }
    func optionalString(_ key: String) -> Located<String>? { string(key, required: false) }

    private func string(_ key: String, required: Bool) -> Located<String>? {
        guard let (node, mark) = value(key, required: required) else { return nil }
        guard case .scalar(let scalar) = node, node.tag.rawValue == Tag.Name.str.rawValue else {
            walker.error("'\(key)' must be a string, got \(describe(node))", at: mark)
            return nil
        }
        return Located(value: scalar.string, mark: mark)
    }

    // MARK: Integers

    func requireInt(_ key: String, in range: ClosedRange<Int>) -> Located<Int>? { int(key, in: range, required: true) }
    func optionalInt(_ key: String, in range: ClosedRange<Int>) -> Located<Int>? {
        int(key, in: range, required: false)
    }

    private func int(_ key: String, in range: ClosedRange<Int>, required: Bool) -> Located<Int>? {
        guard let (node, mark) = value(key, required: required) else { return nil }
        guard let text = integerText(key, node, mark) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            let bounds =
                range.upperBound == Int.max
                ? "at least \(range.lowerBound)" : "between \(range.lowerBound) and \(range.upperBound)"
            walker.error("'\(key)' must be \(bounds), got \(text)", at: mark)
            return nil
        }
        return Located(value: value, mark: mark)
    }

    func requireUInt64(_ key: String) -> Located<UInt64>? { uint64(key, required: true) }
    func optionalUInt64(_ key: String) -> Located<UInt64>? { uint64(key, required: false) }

    private func uint64(_ key: String, required: Bool) -> Located<UInt64>? {
        guard let (node, mark) = value(key, required: required) else { return nil }
        guard let text = integerText(key, node, mark) else { return nil }
        if text.hasPrefix("-") {
            walker.error("'\(key)' must be a non-negative integer, got \(text)", at: mark)
            return nil
        }
        guard let value = UInt64(text.hasPrefix("+") ? String(text.dropFirst()) : text) else {
            walker.error("'\(key)' is too large: it must fit in 64 bits (at most \(UInt64.max)), got \(text)", at: mark)
            return nil
        }
        return Located(value: value, mark: mark)
    }

    /// The decimal digits (with sign, without `_`) of an integer scalar, or `nil` after a diagnostic.
    private func integerText(_ key: String, _ node: Node, _ mark: SourcePosition) -> String? {
        guard case .scalar(let scalar) = node, node.tag.rawValue == Tag.Name.int.rawValue else {
            walker.error("'\(key)' must be an integer, got \(describe(node))", at: mark)
            return nil
        }
        let text = scalar.string.replacingOccurrences(of: "_", with: "")
        let digits = text.drop { $0 == "+" || $0 == "-" }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            walker.error("'\(key)' must be a decimal integer, got \(scalar.string)", at: mark)
            return nil
        }
        return text
    }

    // MARK: Durations and rates

    func requireDuration(_ key: String) -> Located<Int64>? { duration(key, required: true) }
    func optionalDuration(_ key: String) -> Located<Int64>? { duration(key, required: false) }

    private func duration(_ key: String, required: Bool) -> Located<Int64>? {
        guard let (node, mark) = value(key, required: required) else { return nil }
        let example = "'2000 h'"
        guard case .scalar(let scalar) = node else {
            walker.error("'\(key)' must be a duration like \(example), got \(describe(node))", at: mark)
            return nil
        }
        let text = scalar.string
        if isNumber(node) {
            walker.error("'\(key)': duration needs a unit, e.g. '\(text) h' (units: \(TimeUnit.list))", at: mark)
            return nil
        }
        do {
            return Located(value: try Units.duration(text), mark: mark)
        } catch {
            switch error {
            case .notANumber:
                walker.error("'\(key)' must be a duration like \(example), got \(describe(node))", at: mark)
            case .missingUnit:
                walker.error("'\(key)': duration needs a unit, e.g. '\(text) h' (units: \(TimeUnit.list))", at: mark)
            case .unknownUnit(let unit):
                walker.error(unknownUnitMessage(key, unit), at: mark)
            case .wrongShape:
                walker.error("'\(key)' must be a duration like \(example), got the rate '\(text)'", at: mark)
            case .overflow:
                walker.error(
                    "'\(key)': '\(text)' is too long: durations must fit in Int64 microseconds (about 292,000 years)",
                    at: mark)
            case .notWholeTicks:
                walker.error(
                    "'\(key)': '\(text)' is not a whole number of microseconds (1 tick = 1 us)", at: mark)
            }
            return nil
        }
    }

    /// A rate in events per second; must be finite and greater than zero.
    func requireRate(_ key: String) -> Located<Double>? { rate(key, required: true) }
    func optionalRate(_ key: String) -> Located<Double>? { rate(key, required: false) }

    private func rate(_ key: String, required: Bool) -> Located<Double>? {
        guard let (node, mark) = value(key, required: required) else { return nil }
        let example = "'9 /h' or '0.5 per min'"
        guard case .scalar(let scalar) = node else {
            walker.error("'\(key)' must be a rate like \(example), got \(describe(node))", at: mark)
            return nil
        }
        let text = scalar.string
        if isNumber(node) {
            walker.error("'\(key)': rate needs a unit, e.g. '\(text) /h' (units: \(TimeUnit.list))", at: mark)
            return nil
        }
        let perSecond: Double
        do {
            perSecond = try Units.ratePerSecond(text)
        } catch {
            switch error {
            case .notANumber, .overflow, .notWholeTicks:
                walker.error("'\(key)' must be a rate like \(example), got \(describe(node))", at: mark)
            case .missingUnit:
                walker.error("'\(key)': rate needs a unit, e.g. '\(text) /h' (units: \(TimeUnit.list))", at: mark)
            case .unknownUnit(let unit):
                walker.error(unknownUnitMessage(key, unit), at: mark)
            case .wrongShape:
                walker.error(
                    "'\(key)' must be a rate like \(example), got the duration '\(text)' (write '<number> /<unit>')",
                    at: mark)
            }
            return nil
        }
        guard perSecond.isFinite else {
            walker.error("'\(key)' must be finite, got '\(text)'", at: mark)
            return nil
        }
        guard perSecond > 0 else {
            walker.error("'\(key)' must be greater than zero, got '\(text)'", at: mark)
            return nil
        }
        return Located(value: perSecond, mark: mark)
    }

    private func unknownUnitMessage(_ key: String, _ unit: String) -> String {
        let hint = closestMatch(to: unit, among: TimeUnit.allCases.map(\.rawValue)).map { " (did you mean '\($0)'?)" }
        return "'\(key)': unknown time unit '\(unit)'\(hint ?? "") (units: \(TimeUnit.list))"
    }

    private func isNumber(_ node: Node) -> Bool {
        let tag = node.tag.rawValue
        return tag == Tag.Name.int.rawValue || tag == Tag.Name.float.rawValue
    }

    // MARK: Nested mappings

    /// The mapping under `key`, opened with its own fields; `nil` if absent (the caller decides
    /// whether that is an error) or not a mapping (diagnosed).
    func section(
        _ key: String, fields: [FieldSpec], misplaced: (String) -> String? = { _ in nil }
    ) -> MappingReader? {
        guard let entry = entry(key) else { return nil }
        return walker.mapping(entry.value, label: "'\(key)'", fields: fields, misplaced: misplaced)
    }
}

/// How a node reads in a message: "string 'ten'", "integer 3", "a list"...
func describe(_ node: Node) -> String {
    switch node {
    case .scalar(let scalar):
        switch node.tag.rawValue {
        case Tag.Name.str.rawValue: "string '\(scalar.string)'"
        case Tag.Name.int.rawValue: "integer \(scalar.string)"
        case Tag.Name.float.rawValue: "number \(scalar.string)"
        case Tag.Name.bool.rawValue: "boolean \(scalar.string)"
        case Tag.Name.null.rawValue: "no value"
        case Tag.Name.timestamp.rawValue: "date \(scalar.string)"
        default: "'\(scalar.string)'"
        }
    case .mapping: "a mapping"
    case .sequence: "a list"
    case .alias: "an alias"
    }
}

/// A 1-based line and column in the scenario text (columns count Unicode scalars, as libyaml does).
struct SourcePosition: Equatable {
    var line: Int
    var column: Int

    init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    init(_ mark: Mark) {
        self.init(line: mark.line, column: mark.column)
    }
}

extension Node {
    /// Where this node starts in the text.
    var position: SourcePosition? { mark.map(SourcePosition.init) }
}
