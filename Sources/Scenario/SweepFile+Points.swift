import Foundation
import MarketModel
import Yams

/// The errors of one refused sweep point, one `path:line:column: error: ...` line each.
struct RefusedPoint: Error {
    var lines: [String]
}

extension SweepFile {
    /// Point `i`: the base scenario with `values` substituted, loaded and validated; or every error the loader
    /// found in it, each placed at the sweep file's line and column of the parameter that caused it.
    static func point(
        _ i: Int, values: [String], parameters: [SweepParameter], baseNode: Node, parser: SweepFileParser
    ) -> Result<SweepPoint, RefusedPoint> {
        let settings = zip(parameters, values).map { "\($0.path)=\($1)" }.joined(separator: ", ")
        let prefix = "point p\(i) (\(settings))"
        var node = baseNode
        let yaml: String
        do {
            for (p, v) in zip(parameters, values) {
                node = try substitute(node, steps: PathStep.parse(p.path).get()[...], value: v)
            }
            yaml = try Yams.serialize(node: node)
        } catch {
            return .failure(RefusedPoint(lines: [parser.locate(parser.parametersMark, "\(prefix): \(error)")]))
        }
        let scenario: ScenarioFile
        do throws(ScenarioLoadError) {
            scenario = try ScenarioLoader.parse(text: yaml, path: "\(parser.path)#p\(i)")
        } catch {
            let written = (try? Yams.compose(yaml: yaml)) ?? nil
            let lines = error.diagnostics.filter { $0.severity == .error }.map { d in
                let here = SourcePosition(line: d.line, column: d.column)
                for (p, v) in zip(parameters, values) {
                    let steps = (try? PathStep.parse(p.path).get()) ?? []
                    let (key, value) = written.map { marks(of: steps[...], in: $0) } ?? (nil, nil)
                    if here == value {
                        let valueMark = p.valueMarks.indices.first { p.values[$0] == v }.flatMap { p.valueMarks[$0] }
                        return parser.locate(valueMark ?? p.rangeMark ?? p.pathMark, "\(prefix): \(d.message)")
                    }
                    if here == key { return parser.locate(p.pathMark, "\(prefix): \(d.message)") }
                }
                return parser.locate(
                    parser.parametersMark, "\(prefix): \(d.message) (line \(d.line) of the point's scenario)")
            }
            return .failure(RefusedPoint(lines: lines))
        }
        return .success(
            SweepPoint(index: i, values: zip(parameters, values).map { ($0.path, $1) }, scenario: scenario))
    }

    /// Where the key and the value at `steps` are in `node` (as composed from the point's YAML).
    static func marks(of steps: ArraySlice<PathStep>, in node: Node) -> (key: SourcePosition?, value: SourcePosition?) {
        var current = node
        var key: Node?
        for step in steps {
            switch (step, current) {
            case (.key(let k), .mapping(let m)):
                guard let found = m.keys.first(where: { $0.string == k }), let child = m[found] else {
                    return (nil, nil)
                }
                key = found
                current = child
            case (.index(let i), .sequence(let s)) where s.indices.contains(i):
                key = nil
                current = s[i]
            default:
                return (nil, nil)
            }
        }
        return (key?.mark.map(SourcePosition.init), current.mark.map(SourcePosition.init))
    }

    /// Decimal places an lhs value keeps for `unit`: 2 for `%` (whole basis points), the minor digits of a
    /// currency, whole microseconds for a duration; `nil` (as drawn) for anything else, such as a rate.
    static func decimals(ofUnit unit: String?) -> Int? {
        guard let unit = unit?.trimmingCharacters(in: .whitespaces) else { return nil }
        if unit == "%" { return 2 }
        if let currency = Currency.named(unit) { return currency.minorDigits }
        if let time = TimeUnit(rawValue: unit) { return time.microseconds.exponent }
        return nil
    }
}

extension SweepFileParser {
    /// Where `parameters:` is written, for a point error no single parameter caused.
    var parametersMark: SourcePosition? {
        top.keys.first { $0.string == "parameters" }?.mark.map(SourcePosition.init)
    }

    /// `path:line:column: error: message` (without line and column when `mark` is unknown).
    func locate(_ mark: SourcePosition?, _ message: String) -> String {
        "\(path)" + (mark.map { ":\($0.line):\($0.column)" } ?? "") + ": error: \(message)"
    }

    /// Checks every parameter's path against the base scenario at once (an index out of range, a step into a
    /// value), each at the sweep file's line of its `path`.
    func checkPaths(_ parameters: [SweepParameter], in base: Node) throws {
        var problems: [String] = []
        for p in parameters {
            do {
                _ = try SweepFile.substitute(base, steps: PathStep.parse(p.path).get()[...], value: "0")
            } catch {
                problems.append(locate(p.pathMark, "parameter \(p.path): \(error)"))
            }
        }
        guard problems.isEmpty else {
            let noun = problems.count == 1 ? "parameter path does" : "parameter paths do"
            throw SweepError(
                (["\(problems.count) \(noun) not fit the base scenario:"] + problems).joined(separator: "\n"))
        }
    }
}
