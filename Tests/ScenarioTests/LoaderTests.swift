import Foundation
import Testing

@testable import Scenario

@Suite struct ShippedScenarios {
    @Test func mmcLoadsWithConvertedValues() throws {
        let scenario = try ScenarioLoader.load(path: repoPath("Scenarios/validation/mmc.yaml"))
        #expect(scenario.name == "mmc-validation")
        #expect(scenario.kind == .queue)
        #expect(scenario.seed == 20_261_129)
        #expect(scenario.replications == 10)
        #expect(scenario.horizonTicks == 72_000_000_000_000)
        #expect(scenario.warmupTicks == 7_200_000_000_000)
        #expect(scenario.description?.hasPrefix("M/M/c queue checked against Erlang C") == true)
        #expect(scenario.warnings.isEmpty)
        guard case .queue(let queue) = scenario.model else {
            Issue.record("expected a queue model")
            return
        }
        #expect(queue.arrivalRatePerSecond == 0.0025)
        #expect(queue.serviceRatePerSecond == 1.0 / 3600)
        #expect(queue.servers == 10)
        #expect(abs(queue.offeredLoad - 9) < 1e-12)
        #expect(abs(queue.utilisation - 0.9) < 1e-12)
    }

    @Test func sha256IsOfTheExactBytes() throws {
        let path = repoPath("Scenarios/validation/mmc.yaml")
        let scenario = try ScenarioLoader.load(path: path)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(scenario.sha256 == ScenarioLoader.hexDigest(bytes))
        #expect(scenario.sha256.count == 64)
        #expect(scenario.text.utf8.elementsEqual(bytes))
        // Known vector: SHA-256("abc").
        #expect(
            ScenarioLoader.hexDigest(Data("abc".utf8))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        // parse(text:) hashes the text's UTF-8, so it agrees with load(path:).
        #expect(try ScenarioLoader.parse(text: scenario.text, path: path).sha256 == scenario.sha256)
    }

    @Test func brokenExampleListsEveryProblemWithPositions() {
        let path = repoPath("Scenarios/validation/broken-example.yaml")
        let found: [Diagnostic]
        do {
            _ = try ScenarioLoader.load(path: path)
            Issue.record("broken example loaded")
            return
        } catch {
            found = error.diagnostics
        }
        #expect(found.allSatisfy { $0.path == path && $0.severity == .error })
        let positions = found.map { "\($0.line):\($0.column)" }
        #expect(
            positions == ["4:7", "5:7", "6:15", "7:10", "8:9", "10:3", "10:17", "11:17", "12:3"],
            "\(found.map(\.description).joined(separator: "\n"))")
        let messages = found.map(\.message)
        #expect(messages[0].contains("'name' must match [A-Za-z0-9._-]+"))
        #expect(messages[1].contains("'seed' must be a non-negative integer"))
        #expect(messages[2].contains("'replications' must be between 1 and 100000, got 0"))
        #expect(messages[3].contains("duration needs a unit, e.g. '2000 h'"))
        #expect(messages[4].contains("not a whole number of microseconds"))
        #expect(messages[5] == "missing required key 'servers' in 'queue'")
        #expect(messages[6].contains("unknown time unit 'hr' (did you mean 'h'?)"))
        #expect(messages[7].contains("got the duration '1 h'"))
        #expect(messages[8] == "unknown key 'servres' (did you mean 'servers'?)")
    }

    @Test func missingFileIsUnreadable() {
        #expect(throws: ScenarioLoadError.unreadable(path: "/nonexistent/x.yaml", reason: "no such file")) {
            try ScenarioLoader.load(path: "/nonexistent/x.yaml")
        }
        #expect(throws: ScenarioLoadError.unreadable(path: repoPath("Scenarios"), reason: "is a directory")) {
            try ScenarioLoader.load(path: repoPath("Scenarios"))
        }
    }
}

@Suite struct DiagnosticFormat {
    @Test func descriptionIsCompilerStyle() {
        let d = Diagnostic(path: "a/b.yaml", line: 3, column: 7, severity: .error, message: "bad thing")
        #expect(d.description == "a/b.yaml:3:7: error: bad thing")
        let w = Diagnostic(path: "x.yaml", line: 1, column: 1, severity: .warning, message: "hm")
        #expect(w.description == "x.yaml:1:1: warning: hm")
    }

    @Test func loadErrorDescriptionListsOneDiagnosticPerLine() {
        let text = replacing("servers:", with: "servers: ten", in: replacing("seed:", with: "seed: x"))
        do {
            _ = try ScenarioLoader.parse(text: text, path: "s.yaml")
            Issue.record("parsed")
        } catch {
            #expect(
                error.description == """
                    s.yaml:4:7: error: 'seed' must be an integer, got string 'x'
                    s.yaml:11:12: error: 'servers' must be an integer, got string 'ten'
                    """)
        }
    }

    @Test func renderedShowsSourceLineAndCaret() {
        let text = replacing("servers:", with: "servers: ten")
        let d = diagnostics(text)
        #expect(d.count == 1)
        #expect(d[0].rendered(in: text) == "\(d[0].description)\n  servers: ten\n           ^")
        #expect(Diagnostic.render(d, text: nil) == "\(d[0].description)\n1 error")
    }
}

@Suite struct Validation {
    @Test func validTextHasNoDiagnostics() {
        #expect(diagnostics(validQueueYAML).isEmpty)
    }

    @Test func unknownKeySuggestsClosest() {
        #expect(
            brief(replacing("servers:", with: "servres: 10")) == [
                "8:1: error: missing required key 'servers' in 'queue'".replacingOccurrences(of: "8:1", with: "9:3"),
                "11:3: error: unknown key 'servres' (did you mean 'servers'?)",
            ])
        #expect(
            brief(replacing("replications:", with: "replicatoins: 2")) == [
                "1:1: error: missing required key 'replications' in the scenario",
                "5:1: error: unknown key 'replicatoins' (did you mean 'replications'?)",
            ])
        // Nothing close: list the known keys instead.
        #expect(
            brief(validQueueYAML + "\ncolour: red").last
                == "12:1: error: unknown key 'colour' in the scenario (known keys: schema, kind, name, description, seed, replications, horizon, warmup, queue, market)"
        )
    }

    @Test func misplacedKeysSayWhereTheyBelong() {
        #expect(
            brief(validQueueYAML + "\nservers: 3") == [
                "12:1: error: unknown key 'servers' in the scenario (it belongs under 'queue:')"
            ])
        #expect(
            brief(validQueueYAML + "\n  seed: 3") == [
                "12:3: error: unknown key 'seed' in 'queue' (it belongs at the top level)"
            ])
    }

    static let typeCases: [(String, String, String)] = [
        ("servers:", "servers: ten", "11:12: error: 'servers' must be an integer, got string 'ten'"),
        ("servers:", "servers: 2.5", "11:12: error: 'servers' must be an integer, got number 2.5"),
        ("servers:", "servers: \"10\"", "11:12: error: 'servers' must be an integer, got string '10'"),
        ("servers:", "servers:", "11:11: error: 'servers' must be an integer, got no value"),
        ("servers:", "servers: [1, 2]", "11:12: error: 'servers' must be an integer, got a list"),
        ("servers:", "servers: 0", "11:12: error: 'servers' must be at least 1, got 0"),
        ("servers:", "servers: 0x10", "11:12: error: 'servers' must be a decimal integer, got 0x10"),
        ("name:", "name: 42", "3:7: error: 'name' must be a string, got integer 42"),
        (
            "name:", "name: ../etc",
            "3:7: error: 'name' must match [A-Za-z0-9._-]+ (it becomes a file name), got '../etc'"
        ),
        ("kind:", "kind: true", "2:7: error: 'kind' must be a string, got boolean true"),
        ("seed:", "seed: -1", "4:7: error: 'seed' must be a non-negative integer, got -1"),
        (
            "seed:", "seed: 18446744073709551616",
            "4:7: error: 'seed' is too large: it must fit in 64 bits (at most 18446744073709551615), got 18446744073709551616"
        ),
        (
            "replications:", "replications: 100001",
            "5:15: error: 'replications' must be between 1 and 100000, got 100001"
        ),
        ("queue:", "queue: 3", "8:8: error: 'queue' must be a mapping of keys to values, got integer 3"),
    ]

    @Test(arguments: typeCases)
    func wrongTypesAndRanges(prefix: String, line: String, expected: String) {
        var text = replacing(prefix, with: line)
        if prefix == "queue:" {
            text = text.split(separator: "\n").filter { !$0.hasPrefix("  ") }.joined(separator: "\n")
        }
        #expect(brief(text) == [expected])
    }

    @Test func seedBoundsAreInclusive() throws {
        let text = replacing("seed:", with: "seed: 18446744073709551615")
        #expect(try ScenarioLoader.parse(text: text, path: "t.yaml").seed == UInt64.max)
        #expect(try ScenarioLoader.parse(text: replacing("seed:", with: "seed: 0"), path: "t.yaml").seed == 0)
    }

    @Test func missingKeysArePositionedAtTheirMapping() {
        let text = """
            schema: readchain/v1
            kind: queue
            queue:
              servers: 1
            """
        #expect(
            brief(text) == [
                "1:1: error: missing required key 'name' in the scenario",
                "1:1: error: missing required key 'seed' in the scenario",
                "1:1: error: missing required key 'replications' in the scenario",
                "1:1: error: missing required key 'horizon' in the scenario",
                "4:3: error: missing required key 'arrival_rate' in 'queue'",
                "4:3: error: missing required key 'service_rate' in 'queue'",
            ])
        #expect(
            brief(
                replacing("queue:", with: nil).split(separator: "\n").filter { !$0.hasPrefix("  ") }
                    .joined(separator: "\n")) == [
                    "1:1: error: missing required key 'queue' in the scenario (kind 'queue' needs it)"
                ])
    }

    @Test func emptyAndNonMappingFiles() {
        #expect(
            brief("") == [
                "1:1: error: scenario file is empty: it needs at least 'schema: readchain/v1' and 'kind: queue'"
            ])
        #expect(brief("- a\n- b") == ["1:1: error: the scenario must be a mapping of keys to values, got a list"])
    }

    @Test func unsupportedSchemaAndKind() {
        #expect(
            brief(replacing("schema:", with: "schema: readchain/v2")) == [
                "1:9: error: unsupported schema 'readchain/v2' (supported: readchain/v1)"
            ])
        #expect(
            brief(replacing("kind:", with: "kind: loadtest")) == [
                "2:7: error: unsupported kind 'loadtest' (supported: queue, market)"
            ])
        #expect(
            brief(replacing("kind:", with: "kind: queu")) == [
                "2:7: error: unsupported kind 'queu' (did you mean 'queue'?) (supported: queue, market)"
            ])
    }

    static let unitCases: [(String, String, String)] = [
        (
            "horizon:", "horizon: 2000",
            "6:10: error: 'horizon': duration needs a unit, e.g. '2000 h' (units: us, ms, s, min, h, d, w)"
        ),
        (
            "horizon:", "horizon: 1.5",
            "6:10: error: 'horizon': duration needs a unit, e.g. '1.5 h' (units: us, ms, s, min, h, d, w)"
        ),
        (
            "horizon:", "horizon: \"2000\"",
            "6:10: error: 'horizon': duration needs a unit, e.g. '2000 h' (units: us, ms, s, min, h, d, w)"
        ),
        (
            "horizon:", "horizon: 10 hours",
            "6:10: error: 'horizon': unknown time unit 'hours' (units: us, ms, s, min, h, d, w)"
        ),
        (
            "horizon:", "horizon: 10 mins",
            "6:10: error: 'horizon': unknown time unit 'mins' (did you mean 'min'?) (units: us, ms, s, min, h, d, w)"
        ),
        ("horizon:", "horizon: 9 /h", "6:10: error: 'horizon' must be a duration like '2000 h', got the rate '9 /h'"),
        ("horizon:", "horizon: long", "6:10: error: 'horizon' must be a duration like '2000 h', got string 'long'"),
        (
            "horizon:", "horizon: 100000000 w",
            "6:10: error: 'horizon': '100000000 w' is too long: durations must fit in Int64 microseconds (about 292,000 years)"
        ),
        (
            "horizon:", "horizon: 9223372036854775808 us",
            "6:10: error: 'horizon': '9223372036854775808 us' is too long: durations must fit in Int64 microseconds (about 292,000 years)"
        ),
        (
            "warmup:", "warmup: 1.5 us",
            "7:9: error: 'warmup': '1.5 us' is not a whole number of microseconds (1 tick = 1 us)"
        ),
        ("warmup:", "warmup: -1 h", "7:9: error: 'warmup' must not be negative"),
        (
            "warmup:", "warmup: 10 h",
            "6:10: error: 'horizon' must be longer than 'warmup' (observations start after the warmup)"
        ),
        ("horizon:", "horizon: 0 s", "6:10: error: 'horizon' must be greater than zero"),
        (
            "arrival_rate:", "arrival_rate: 9",
            "9:17: error: 'arrival_rate': rate needs a unit, e.g. '9 /h' (units: us, ms, s, min, h, d, w)"
        ),
        (
            "arrival_rate:", "arrival_rate: 9 h",
            "9:17: error: 'arrival_rate' must be a rate like '9 /h' or '0.5 per min', got the duration '9 h' (write '<number> /<unit>')"
        ),
        (
            "arrival_rate:", "arrival_rate: 9 /hr",
            "9:17: error: 'arrival_rate': unknown time unit 'hr' (did you mean 'h'?) (units: us, ms, s, min, h, d, w)"
        ),
        ("arrival_rate:", "arrival_rate: 0 /h", "9:17: error: 'arrival_rate' must be greater than zero, got '0 /h'"),
        ("arrival_rate:", "arrival_rate: -2 /h", "9:17: error: 'arrival_rate' must be greater than zero, got '-2 /h'"),
        ("arrival_rate:", "arrival_rate: 1e400 /h", "9:17: error: 'arrival_rate' must be finite, got '1e400 /h'"),
        (
            "arrival_rate:", "arrival_rate: fast",
            "9:17: error: 'arrival_rate' must be a rate like '9 /h' or '0.5 per min', got string 'fast'"
        ),
    ]

    @Test(arguments: unitCases)
    func badUnitsAndValues(prefix: String, line: String, expected: String) {
        #expect(brief(replacing(prefix, with: line)) == [expected])
    }

    @Test func sectionIsCheckedEvenWhenKindIsBad() {
        #expect(
            brief(replacing("servers:", with: "servers: 0", in: replacing("kind:", with: "kind: markt"))) == [
                "2:7: error: unsupported kind 'markt' (did you mean 'market'?) (supported: queue, market)",
                "11:12: error: 'servers' must be at least 1, got 0",
            ])
    }

    @Test func unstableQueueIsAWarningNotAnError() throws {
        let text = replacing("arrival_rate:", with: "arrival_rate: 10 /h")
        let scenario = try ScenarioLoader.parse(text: text, path: "t.yaml")
        #expect(
            scenario.warnings.map(\.description) == [
                "t.yaml:8:1: warning: unstable queue: waits grow without bound (utilisation arrival_rate / (servers * service_rate) = 1.0 >= 1)"
            ])
        // Alongside an error, the warning is still listed.
        let both = brief(replacing("seed:", with: "seed: x", in: text))
        #expect(both.count == 2)
        #expect(both[1].hasPrefix("8:1: warning: unstable queue"))
    }

    @Test func everyProblemIsReportedAtOnce() {
        var text = validQueueYAML
        text = replacing("schema:", with: "schema: v0", in: text)
        text = replacing("name:", with: "name: a b", in: text)
        text = replacing("horizon:", with: "horizon: 5", in: text)
        text = replacing("service_rate:", with: "service_rate: 1 per fortnight", in: text)
        text = replacing("servers:", with: "servrs: 3", in: text)
        #expect(diagnostics(text).map(\.line) == [1, 3, 6, 9, 10, 11])
    }
}

@Suite struct YAMLSyntax {
    @Test func syntaxErrorsUseYamsMark() {
        let text = """
            schema: readchain/v1
            kind: queue
            name: [unclosed
            seed: 1
            """
        let d = diagnostics(text)
        #expect(d.count == 1)
        #expect(d.first?.message.hasPrefix("YAML syntax error: ") == true)
        #expect(d.first.map { ($0.line, $0.column) } ?? (0, 0) == (4, 5))
    }

    @Test func badIndentation() {
        let d = diagnostics("schema: readchain/v1\nkind: queue\n  name: x\n")
        #expect(d.count == 1)
        #expect(d.first.map { ($0.line, $0.column) } ?? (0, 0) == (3, 7))
        #expect(d.first?.message.contains("mapping values are not allowed") == true)
    }

    @Test func tabIndentation() {
        let d = diagnostics("schema: readchain/v1\nqueue:\n\tservers: 1\n")
        #expect(d.count == 1)
        #expect(d.first?.line == 3)
    }

    @Test func duplicateKeyPointsAtTheSecond() {
        let d = brief(validQueueYAML + "\n  servers: 3")
        #expect(d == ["12:3: error: duplicate key 'servers' in the same mapping"])
    }
}
