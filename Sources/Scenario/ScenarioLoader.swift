import Crypto
import Foundation
import MarketModel
import Yams

/// Reads scenario files and turns them into ``ScenarioFile`` values, or into every problem found.
public enum ScenarioLoader {
    /// Values of `schema:` this loader reads.
    public static var supportedSchemas: [String] { ScenarioSchema.supportedSchemas }

    /// Reads and validates the scenario at `path`.
    ///
    /// - Parameter path: A file path, absolute or relative to the working directory.
    /// - Returns: The scenario; its `sha256` is of the exact bytes read.
    /// - Throws: `.unreadable` if the file cannot be read as UTF-8, `.invalid` with every problem
    ///   found (errors and warnings, sorted by position) if it has any error.
    public static func load(path: String) throws(ScenarioLoadError) -> ScenarioFile {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .unreadable(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw .unreadable(path: path, reason: "is a directory") }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw .unreadable(path: path, reason: "not valid UTF-8 text")
        }
        return try parse(text: text, path: path, sha256: hexDigest(data))
    }

    /// Validates scenario `text` as if read from `path` (used in messages and kept in the result).
    ///
    /// - Returns: The scenario; its `sha256` is of `text` encoded as UTF-8.
    /// - Throws: `.invalid` with every problem found, sorted by position, if there is any error.
    public static func parse(text: String, path: String) throws(ScenarioLoadError) -> ScenarioFile {
        try parse(text: text, path: path, sha256: hexDigest(Data(text.utf8)))
    }

    /// Every diagnostic for `text`, errors and warnings, sorted by position; empty if clean.
    public static func check(text: String, path: String) -> [Diagnostic] {
        do {
            return try parse(text: text, path: path).warnings
        } catch {
            return error.diagnostics
        }
    }

    /// Lower-case hex SHA-256 of `data`.
    public static func hexDigest(_ data: Data) -> String {
        SHA256.hash(data: data).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    static func parse(text: String, path: String, sha256: String) throws(ScenarioLoadError) -> ScenarioFile {
        let walker = SchemaWalker(path: path)
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            let (mark, message) = syntaxProblem(error, text: text)
            walker.error(message, at: mark)
            throw .invalid(walker.sortedDiagnostics)
        } catch {
            walker.error("YAML syntax error: \(error)", at: nil)
            throw .invalid(walker.sortedDiagnostics)
        }
        guard let root else {
            walker.error(
                "scenario file is empty: it needs at least 'schema: readchain/v1' and 'kind: queue'", at: nil)
            throw .invalid(walker.sortedDiagnostics)
        }
        let scenario = read(root, walker: walker, path: path, text: text, sha256: sha256)
        guard let scenario, !walker.hasErrors else { throw .invalid(walker.sortedDiagnostics) }
        return scenario
    }

    /// Reads the whole document; `nil` when a needed field was bad (already diagnosed).
    private static func read(
        _ root: Node, walker: SchemaWalker, path: String, text: String, sha256: String
    ) -> ScenarioFile? {
        guard
            let top = walker.mapping(
                root, label: "the scenario", fields: ScenarioSchema.topLevelFields,
                misplaced: ScenarioSchema.homeOfTopLevelKey)
        else { return nil }

        if let schema = top.requireString("schema"), !ScenarioSchema.supportedSchemas.contains(schema.value) {
            let supported = ScenarioSchema.supportedSchemas.joined(separator: ", ")
            walker.error("unsupported schema '\(schema.value)' (supported: \(supported))", at: schema.mark)
        }
        var kind: ScenarioKind?
        if let written = top.requireString("kind") {
            kind = ScenarioKind(rawValue: written.value)
            if kind == nil {
                let names = ScenarioKind.allCases.map(\.rawValue)
                let hint = closestMatch(to: written.value, among: names).map { " (did you mean '\($0)'?)" } ?? ""
                walker.error(
                    "unsupported kind '\(written.value)'\(hint) (supported: \(names.joined(separator: ", ")))",
                    at: written.mark)
            }
        }
        let name = top.requireString("name")
        if let name, !ScenarioSchema.isValidName(name.value) {
            walker.error(
                "'name' must match [A-Za-z0-9._-]+ (it becomes a file name), got '\(name.value)'", at: name.mark)
        }
        let description = top.optionalString("description")
        let seed = top.requireUInt64("seed")
        let replications = top.requireInt("replications", in: ScenarioSchema.replicationRange)
        let horizon = top.requireDuration("horizon")
        let warmup = top.optionalDuration("warmup")
        var timesValid = true
        if let warmup, warmup.value < 0 {
            walker.error("'warmup' must not be negative", at: warmup.mark)
            timesValid = false
        }
        if let horizon {
            let warmupTicks = warmup?.value ?? 0
            if horizon.value <= 0 {
                walker.error("'horizon' must be greater than zero", at: horizon.mark)
                timesValid = false
            } else if horizon.value <= warmupTicks {
                walker.error(
                    "'horizon' must be longer than 'warmup' (observations start after the warmup)",
                    at: horizon.mark)
                timesValid = false
            }
        }

        guard let kind else {
            // Still check whichever sections are present, so one run reports every problem.
            for other in ScenarioKind.allCases where top.contains(ScenarioSchema.sectionKey(for: other)) {
                _ = readModel(of: other, top, walker: walker)
            }
            return nil
        }
        let sectionKey = ScenarioSchema.sectionKey(for: kind)
        if !top.contains(sectionKey) {
            walker.error(
                "missing required key '\(sectionKey)' in the scenario (kind '\(kind.rawValue)' needs it)",
                at: top.mark)
        }
        for other in ScenarioKind.allCases where other != kind && top.contains(ScenarioSchema.sectionKey(for: other)) {
            let key = ScenarioSchema.sectionKey(for: other)
            walker.error("'\(key)' does not apply to kind '\(kind.rawValue)'", at: top.keyMark(key))
        }
        let model = readModel(of: kind, top, walker: walker)
        if case .market(let m) = model, let horizon {
            for message in Self.marketWarnings(m, horizonTicks: horizon.value) {
                walker.warning(message, at: horizon.mark)
            }
        }

        guard let name, let seed, let replications, let horizon, let model, timesValid else { return nil }
        return ScenarioFile(
            path: path, text: text, sha256: sha256, name: name.value, kind: kind,
            description: description?.value, seed: seed.value, replications: replications.value,
            horizonTicks: horizon.value, warmupTicks: warmup?.value ?? 0, model: model,
            warnings: walker.sortedDiagnostics.filter { $0.severity == .warning })
    }

    /// The section of a scenario of `kind`; `nil` if absent or bad (diagnosed).
    private static func readModel(of kind: ScenarioKind, _ top: MappingReader, walker: SchemaWalker) -> ScenarioModel? {
        switch kind {
        case .queue: readQueue(top, walker: walker).map(ScenarioModel.queue)
        case .market: MarketReader(walker: walker).read(top).map(ScenarioModel.market)
        }
    }

    /// The `queue:` section of a `kind: queue` scenario.
    private static func readQueue(_ top: MappingReader, walker: SchemaWalker) -> QueueModel? {
        guard
            let queue = top.section(
                "queue", fields: ScenarioSchema.queueFields, misplaced: ScenarioSchema.homeOfSectionKey)
        else { return nil }
        let arrival = queue.requireRate("arrival_rate")
        let service = queue.requireRate("service_rate")
        let servers = queue.requireInt("servers", in: 1...Int.max)
        guard let arrival, let service, let servers else { return nil }
        let model = QueueModel(
            arrivalRatePerSecond: arrival.value, serviceRatePerSecond: service.value, servers: servers.value)
        if !model.isStable {
            let rho = (model.utilisation * 1000).rounded() / 1000
            walker.warning(
                "unstable queue: waits grow without bound (utilisation arrival_rate / (servers * service_rate) = \(rho) >= 1)",
                at: top.keyMark("queue"))
        }
        return model
    }

    /// Position and message of a YAML syntax error.
    private static func syntaxProblem(_ error: YamlError, text: String) -> (SourcePosition?, String) {
        func withContext(_ problem: String, _ context: YamlError.Context?) -> String {
            guard let context else { return "YAML syntax error: \(problem)" }
            return "YAML syntax error: \(problem) (\(context.text) at \(context.mark.line):\(context.mark.column))"
        }
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            return (SourcePosition(mark), withContext(problem, context))
        case .reader(let problem, let offset, _, _):
            return (offset.map { mark(ofCharacterOffset: $0, in: text) }, "cannot read YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let key = duplicates.first ?? "?"
            let at =
                secondOccurrence(of: key, after: SourcePosition(context.mark), in: text) ?? SourcePosition(context.mark)
            let list = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return (at, "duplicate key \(list) in the same mapping")
        default:
            return (nil, "YAML error: \(error)")
        }
    }

    /// 1-based position of the character at `offset`.
    private static func mark(ofCharacterOffset offset: Int, in text: String) -> SourcePosition {
        var line = 1
        var column = 1
        for character in text.prefix(offset) {
            if character == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return SourcePosition(line: line, column: column)
    }

    /// Where `key` is written again at the same indentation after `first` (Yams points at the first).
    private static func secondOccurrence(of key: String, after first: SourcePosition, in text: String)
        -> SourcePosition?
    {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard first.line >= 1, first.line < lines.count else { return nil }
        for index in first.line..<lines.count {
            let line = lines[index].unicodeScalars
            let indent = line.prefix { $0 == " " }.count
            guard indent == first.column - 1 else { continue }
            let rest = Substring(line.dropFirst(indent))
            for candidate in [key, "\"\(key)\"", "'\(key)'"] where rest.hasPrefix(candidate) {
                let after = rest.dropFirst(candidate.count).drop { $0 == " " }
                if after.hasPrefix(":") { return SourcePosition(line: index + 1, column: first.column) }
            }
        }
        return nil
    }

    /// Warnings about a market the run cannot show well: a horizon shorter than a value-based design's hold-back
    /// time-out or bonus period (hold-backs or bonuses would not settle within the run), and an offered reading
    /// load above the rostered capacity or far below it (under a tenth: radiologists idle nine hours in ten).
    static func marketWarnings(_ m: MarketParameters, horizonTicks: Int64) -> [String] {
        var out: [String] = []
        for d in m.designs {
            guard let v = d.valueBased else { continue }
            if horizonTicks < v.holdbackTimeoutTicks {
                out.append(
                    "horizon is shorter than the holdback_timeout of design '\(d.name)': hold-backs still waiting for an outcome at the end are reported unsettled"
                )
            }
            if horizonTicks < v.bonusPeriodTicks {
                out.append(
                    "horizon is shorter than the bonus_period of design '\(d.name)': no bonus is paid within the run")
            }
        }
        // Offered load: reading hours a day at pace 1, each study at the mean of the cohorts' reading times for its
        // modality; capacity: rostered shift hours a day.
        let hour = 3_600_000_000.0
        var offered = 0.0
        for group in m.clients {
            for v in group.volumes {
                let means = m.cohorts.map { Double($0.readingTime[v.modality].meanTicks) }
                guard !means.isEmpty else { continue }
                offered += Double(group.count) * v.studiesPerDay * means.reduce(0, +) / Double(means.count) / hour
            }
        }
        let capacity = m.cohorts.reduce(0.0) {
            $0 + Double($1.count) * Double($1.shift.daysPerWeek) / 7 * Double($1.shift.lengthTicks) / hour
        }
        if capacity > 0, offered > capacity {
            out.append(
                "the offered reading load (\(Int(offered.rounded())) h a day at pace 1) exceeds the rostered capacity (\(Int(capacity.rounded())) shift hours a day): queues will grow without bound"
            )
        } else if capacity > 0, offered > 0, offered < capacity / 10 {
            out.append(
                "the offered reading load (\(String(format: "%.1f", offered)) h a day at pace 1) is under a tenth of the rostered capacity (\(Int(capacity.rounded())) shift hours a day): radiologists will sit idle"
            )
        }
        return out
    }
}
