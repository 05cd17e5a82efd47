import Analysis
import Foundation
import Stochastic
import Yams

/// A bad sweep file or a sweep point the scenario loader refuses: where and what.
public struct SweepError: Error, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// One swept parameter: a path into the scenario YAML and its values (grid) or range (Latin hypercube).
public struct SweepParameter: Sendable, Equatable {
    /// As written, e.g. `market.cohorts[0].count`.
    public var path: String
    /// Grid: the YAML scalars to substitute, in order.
    public var values: [String]
    /// Latin hypercube: the range sampled, whether values are rounded to integers, and a unit appended.
    public var range: ClosedRange<Double>?
    public var integer: Bool
    public var unit: String?
    /// Where the parameter's `path`, each grid value and the lhs `range` are written in the sweep file.
    var pathMark: SourcePosition?
    var valueMarks: [SourcePosition?] = []
    var rangeMark: SourcePosition?
}

/// One point of a sweep: the value of each parameter and the scenario they make.
public struct SweepPoint: Sendable {
    public var index: Int
    /// (parameter path, YAML scalar substituted), in the sweep file's parameter order.
    public var values: [(parameter: String, value: String)]
    /// The base scenario with the values substituted, loaded and validated (its text is the substituted YAML).
    public var scenario: ScenarioFile

    /// `p<index>`, the prefix of the point's variants.
    public var label: String { "p\(index)" }
}

/// A sweep file: a base scenario and parameters to vary over a grid or a Latin hypercube.
///
/// ```yaml
/// schema: readchain-sweep/v1
/// name: tiny-sweep
/// scenario: ../validation/market-tiny.yaml   # relative to this file
/// method: grid                                # or lhs, with points: N and seed: S
/// replications: 2                             # optional: overrides the scenario's
/// parameters:
///   - path: market.cohorts[0].count
///     values: [2, 3]
///   - path: market.clients[0].volumes[0].volume   # lhs: range: [24, 60], unit: /d, integer: false
///     values: [48 /d, 72 /d]
/// ```
///
/// Each point is the base YAML with each parameter's scalar replaced (through Yams nodes), then loaded and
/// validated by the normal ``ScenarioLoader``; every error of every point is reported at once, at the sweep
/// file's line and column of the value (grid), the range (lhs) or the path (an unknown key) that caused it. A path
/// may name a key the base file leaves at its default: it is added. An lhs value with a `unit` of `%`, a currency
/// or a duration is rounded to that unit's precision (2 decimals, the currency's minor digits, whole microseconds).
/// Grid points enumerate every combination, the first parameter varying slowest. Latin hypercube points split
/// each range into `points` equal strata, take one value at a uniform position in each stratum and pair the
/// strata by a random permutation per parameter, all from `seed` (SplitMix64), so the same file gives the same
/// points everywhere.
public struct SweepFile: Sendable {
    public static let schema = "readchain-sweep/v1"

    public var path: String
    public var text: String
    public var sha256: String
    public var name: String
    public var description: String?
    /// `grid` or `lhs`.
    public var method: String
    public var base: ScenarioFile
    public var parameters: [SweepParameter]
    public var points: [SweepPoint]

    /// Reads, validates and expands the sweep file at `path`.
    public static func load(path: String, replications override: Int? = nil) throws -> SweepFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SweepError("\(path): cannot read the sweep file (no such file or not readable)")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw SweepError("\(path): not UTF-8 text") }
        return try parse(text: text, path: path, replications: override)
    }

    static func parse(text: String, path: String, replications override: Int?) throws -> SweepFile {
        let parser = try SweepFileParser(text: text, path: path)
        let top = parser.top
        let schema = try parser.string("schema")!
        guard schema == Self.schema else {
            throw parser.fail(top["schema"], "schema '\(schema)' is not \(Self.schema)")
        }
        let name = try parser.string("name")!
        let method = try parser.string("method")!
        guard Self.methods.contains(method) else {
            throw parser.fail(top["method"], "method must be grid, lhs, morris or sobol, got '\(method)'")
        }
        let (base, baseNode) = try parser.loadBase()
        let replications = try override ?? parser.int("replications", 1...100_000)
        let parameters = try parser.parameters(method: method)
        let assignments = try parser.assignments(method: method, parameters: parameters)
        try parser.checkPaths(parameters, in: baseNode)
        var points: [SweepPoint] = []
        var problems: [String] = []
        var bad = 0
        for (i, values) in assignments.enumerated() {
            switch point(i, values: values, parameters: parameters, baseNode: baseNode, parser: parser) {
            case .success(var p):
                if let replications { p.scenario = p.scenario.with(replications: replications) }
                points.append(p)
            case .failure(let refused):
                bad += 1
                problems += refused.lines
            }
        }
        guard problems.isEmpty else {
            let noun = assignments.count == 1 ? "point" : "points"
            throw SweepError(
                (["\(bad) of \(assignments.count) \(noun) are not valid scenarios:"] + problems).joined(separator: "\n")
            )
        }
        return SweepFile(
            path: path, text: text, sha256: ScenarioLoader.hexDigest(Data(text.utf8)), name: name,
            description: try parser.string("description", required: false), method: method, base: base,
            parameters: parameters, points: points)
    }

    /// The sweep methods: `grid` and `lhs` explore; `morris` and `sobol` are designs for global sensitivity
    /// analysis (``SensitivityPlan``, `readchain sensitivity`).
    public static let methods = ["grid", "lhs", "morris", "sobol"]

    /// Points of a unit-cube design (rows of coordinates in [0, 1]) mapped onto the parameters' ranges, rounded as
    /// lhs values are.
    static func scaled(_ design: [[Double]], _ parameters: [SweepParameter]) -> [[String]] {
        design.map { u in zip(parameters, u).map { p, x in value(p, unit: x) } }
    }

    /// The YAML scalar of parameter `p` at position `u` in [0, 1] of its range: an integer when `integer`, else
    /// rounded to the unit's precision (``decimals(ofUnit:)``), with the unit appended.
    static func value(_ p: SweepParameter, unit u: Double) -> String {
        let range = p.range!
        let x = range.lowerBound + u * (range.upperBound - range.lowerBound)
        let text =
            p.integer
            ? String(Int64(x.rounded()))
            : decimals(ofUnit: p.unit).map { String(format: "%.\($0)f", x) } ?? "\(x)"
        return p.unit.map { "\(text) \($0)" } ?? text
    }

    /// Latin hypercube assignments: `points` rows, one YAML scalar per parameter.
    static func latinHypercube(_ parameters: [SweepParameter], points n: Int, seed: UInt64) -> [[String]] {
        var rng = SplitMix64(seed: seed)
        var columns: [[String]] = []
        for p in parameters {
            var strata = Array(0..<n)
            for i in stride(from: n - 1, to: 0, by: -1) {
                let j = Int(rng.next() % UInt64(i + 1))
                strata.swapAt(i, j)
            }
            columns.append(strata.map { s in value(p, unit: (Double(s) + rng.uniform()) / Double(n)) })
        }
        return (0..<n).map { i in columns.map { $0[i] } }
    }

    /// `node` with the scalar at `steps` replaced by `value` (a plain YAML scalar, resolved as if written there).
    static func substitute(_ node: Node, steps: ArraySlice<PathStep>, value: String) throws -> Node {
        guard let step = steps.first else {
            guard node.scalar != nil else { throw SweepError("the path names a mapping or list, not a value") }
            return Node(value)
        }
        switch (step, node) {
        case (.key(let k), .mapping(var m)):
            guard let key = m.keys.first(where: { $0.string == k }), let child = m[key] else {
                // A key the base file leaves at its default: added, with any mappings on the way.
                m[Node(k)] =
                    steps.count == 1
                    ? Node(value) : try substitute(.mapping(Node.Mapping([])), steps: steps.dropFirst(), value: value)
                return .mapping(m)
            }
            m[key] = try substitute(child, steps: steps.dropFirst(), value: value)
            return .mapping(m)
        case (.index(let i), .sequence(var s)):
            guard s.indices.contains(i) else {
                throw SweepError("index [\(i)] is out of range (the list has \(s.count) items)")
            }
            s[i] = try substitute(s[i], steps: steps.dropFirst(), value: value)
            return .sequence(s)
        case (.key(let k), _):
            throw SweepError("'\(k)' is looked up in something that is not a mapping")
        case (.index(let i), _):
            throw SweepError("[\(i)] is looked up in something that is not a list")
        }
    }
}

/// One step of a parameter path: a mapping key or a list index.
enum PathStep: Sendable, Equatable {
    case key(String)
    case index(Int)

    /// `a.b[0].c` as steps.
    static func parse(_ path: String) -> Result<[PathStep], SweepError> {
        var steps: [PathStep] = []
        for part in path.split(separator: ".", omittingEmptySubsequences: false) {
            var rest = Substring(part)
            guard let keyEnd = rest.firstIndex(of: "[") ?? Optional(rest.endIndex) else { break }
            let key = rest[..<keyEnd]
            guard !key.isEmpty else { return .failure(SweepError("bad parameter path '\(path)': empty key")) }
            steps.append(.key(String(key)))
            rest = rest[keyEnd...]
            while !rest.isEmpty {
                guard rest.first == "[", let close = rest.firstIndex(of: "]"),
                    let i = Int(rest[rest.index(after: rest.startIndex)..<close]), i >= 0
                else { return .failure(SweepError("bad parameter path '\(path)': expected [index]")) }
                steps.append(.index(i))
                rest = rest[rest.index(after: close)...]
            }
        }
        return .success(steps)
    }
}

/// A sweep file being parsed: its path and YAML, and errors that point at `path:line:column`.
struct SweepFileParser {
    let path: String
    let root: Node
    let top: Node.Mapping

    /// Composes `text` and checks its top-level keys.
    init(text: String, path: String) throws {
        self.path = path
        let root: Node
        do {
            guard let r = try Yams.compose(yaml: text) else { throw Self.fail(path, nil, "empty sweep file") }
            root = r
        } catch let e as SweepError {
            throw e
        } catch {
            throw Self.fail(path, nil, "not valid YAML: \(error)")
        }
        self.root = root
        guard let top = root.mapping else { throw Self.fail(path, root, "a sweep file is a mapping") }
        self.top = top
        let known: Set<String> = [
            "schema", "name", "description", "scenario", "method", "points", "seed", "replications", "parameters",
            "trajectories", "levels", "samples",
        ]
        for (k, _) in top {
            guard let key = k.string, known.contains(key) else {
                throw fail(
                    k, "unknown key '\(k.string ?? "?")' (expected one of \(known.sorted().joined(separator: ", ")))")
            }
        }
    }

    static func fail(_ path: String, _ node: Node?, _ message: String) -> SweepError {
        SweepError("\(path)" + (node?.mark.map { ":\($0.line):\($0.column)" } ?? "") + ": \(message)")
    }

    func fail(_ node: Node?, _ message: String) -> SweepError { Self.fail(path, node, message) }

    func string(_ key: String, required: Bool = true) throws -> String? {
        guard let n = top[key] else {
            if required { throw fail(root, "missing '\(key)'") }
            return nil
        }
        guard let s = n.scalar?.string, !s.isEmpty else { throw fail(n, "'\(key)' must be a non-empty string") }
        return s
    }

    func int(_ key: String, _ range: ClosedRange<Int>) throws -> Int? {
        guard let n = top[key] else { return nil }
        guard let v = n.int, range.contains(v) else {
            throw fail(n, "'\(key)' must be an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return v
    }

    /// The base scenario (loaded and validated) and its YAML node.
    func loadBase() throws -> (ScenarioFile, Node) {
        let scenarioPath = try string("scenario")!
        let resolved =
            scenarioPath.hasPrefix("/")
            ? scenarioPath
            : URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(scenarioPath).standardized
                .path
        let base: ScenarioFile
        do throws(ScenarioLoadError) {
            base = try ScenarioLoader.load(path: resolved)
        } catch {
            throw fail(
                top["scenario"],
                "base scenario \(resolved): " + error.diagnostics.map(\.description).joined(separator: "; "))
        }
        let baseNode: Node
        do {
            guard let n = try Yams.compose(yaml: base.text) else {
                throw fail(top["scenario"], "base scenario is empty")
            }
            baseNode = n
        } catch let e as SweepError {
            throw e
        } catch {
            throw fail(top["scenario"], "base scenario \(resolved) is not valid YAML: \(error)")
        }
        return (base, baseNode)
    }

    /// The `parameters:` list: grid parameters with their values, lhs parameters with their ranges.
    func parameters(method: String) throws -> [SweepParameter] {
        guard let list = top["parameters"]?.sequence, !list.isEmpty else {
            throw fail(top["parameters"] ?? root, "'parameters' must be a non-empty list")
        }
        var parameters: [SweepParameter] = []
        for item in list {
            guard let m = item.mapping else {
                throw fail(item, "a parameter is a mapping with path and values or range")
            }
            for (k, _) in m where !["path", "values", "range", "integer", "unit"].contains(k.string ?? "") {
                throw fail(k, "unknown parameter key '\(k.string ?? "?")' (path, values, range, integer, unit)")
            }
            guard let p = m["path"]?.scalar?.string, !p.isEmpty else { throw fail(item, "parameter without 'path'") }
            _ = try PathStep.parse(p).get()
            if parameters.contains(where: { $0.path == p }) { throw fail(item, "parameter '\(p)' listed twice") }
            var parameter = SweepParameter(
                path: p, values: [], range: nil, integer: m["integer"]?.bool ?? false, unit: m["unit"]?.scalar?.string,
                pathMark: m["path"]?.mark.map(SourcePosition.init))
            if method == "grid" {
                guard let values = m["values"]?.sequence, !values.isEmpty else {
                    throw fail(item, "grid parameter '\(p)' needs a non-empty 'values' list")
                }
                parameter.values = try values.map { v in
                    guard let s = v.scalar?.string else { throw fail(v, "values of '\(p)' must be scalars") }
                    return s
                }
                parameter.valueMarks = values.map { $0.mark.map(SourcePosition.init) }
            } else {
                guard let r = m["range"]?.sequence, r.count == 2, let lo = r[0].float, let hi = r[1].float,
                    lo.isFinite, hi.isFinite, lo <= hi
                else { throw fail(item, "\(method) parameter '\(p)' needs 'range: [low, high]' with low <= high") }
                parameter.range = lo...hi
                parameter.rangeMark = m["range"]?.mark.map(SourcePosition.init)
            }
            parameters.append(parameter)
        }
        return parameters
    }

    /// One row of YAML scalars per point: every grid combination, or the Latin hypercube of `points` and `seed`.
    func assignments(method: String, parameters: [SweepParameter]) throws -> [[String]] {
        var assignments: [[String]]
        if method == "grid" {
            assignments = [[]]
            for p in parameters { assignments = assignments.flatMap { a in p.values.map { a + [$0] } } }
            guard assignments.count <= 100_000 else {
                throw fail(top["parameters"], "the grid has \(assignments.count) points; at most 100000")
            }
        } else if method == "morris" || method == "sobol" {
            let plan = try SensitivityPlan.parse(self, factors: parameters.map(\.path))
            assignments = SweepFile.scaled(plan.unitDesign(), parameters)
            guard assignments.count <= 100_000 else {
                throw fail(top["parameters"], "the \(method) design has \(assignments.count) points; at most 100000")
            }
        } else {
            guard let n = try int("points", 1...100_000) else { throw fail(root, "lhs needs 'points: N'") }
            guard let seedNode = top["seed"], let seedText = seedNode.scalar?.string, let seed = UInt64(seedText) else {
                throw fail(top["seed"] ?? root, "lhs needs 'seed:' (an unsigned integer)")
            }
            assignments = SweepFile.latinHypercube(parameters, points: n, seed: seed)
        }
        return assignments
    }
}
