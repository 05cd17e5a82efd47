import Analysis
import Foundation
import Results
import Scenario
import Studies

/// Global sensitivity indices of a stored `method: morris` or `method: sobol` sweep (`readchain sensitivity`, and
/// the `sensitivity` figure of `readchain plot`): the design regenerated from the stored sweep file, each point's
/// output the mean of its finished replications, per design (market) and metric.
public enum SensitivityAnalysis {
    /// One index of one parameter, for one design and metric.
    public struct Row: Encodable, Equatable, Sendable {
        public var design: String
        public var metric: String
        public var parameter: String
        /// `S1`, `ST` (Sobol') or `mu_star`, `mu`, `sigma` (Morris).
        public var index: String
        public var value: Double?
        public var ciLow: Double?
        public var ciHigh: Double?
    }

    /// The indices of every (design, metric, parameter) of the sweep in `store`, and a header line.
    public static func analyse(_ store: ResultsStore, path: String, metrics: String?, bootstrap: Int) throws -> (
        SensitivityPlan, [Row], String
    ) {
        guard let settings = try store.studySettings(), settings.kind == "sweep" else {
            throw SweepError("\(path) is not a sweep's database (readchain sweep writes one)")
        }
        guard let plan = try SensitivityPlan.of(sweepText: settings.sourceText, path: "\(path) (stored sweep file)")
        else {
            throw SweepError(
                "\(path): sweep '\(settings.name)' is a grid or lhs sweep; sensitivity needs method: morris or sobol")
        }
        let design = plan.unitDesign()
        let points = Set(try store.sweepPoints().map(\.point))
        guard points.count == design.count else {
            throw SweepError(
                "\(path): the stored sweep has \(points.count) points but its \(plan.method.rawValue) design has "
                    + "\(design.count)")
        }
        // Per variant ("p<i>" or "p<i>/<design>"): each finished replication's metric values.
        var byVariant: [String: [[String: Double]]] = [:]
        for g in try store.finishedRunMetrics() {
            guard let v = g.variant else { continue }
            byVariant[v, default: []] += g.runs.map { $0.values.mapValues(\.value) }
        }
        let designs = Array(
            Set(byVariant.keys.compactMap { $0.split(separator: "/", maxSplits: 1).dropFirst().first })
                .map(String.init)
        ).sorted()
        let variantsOf: [(name: String, variant: (Int) -> String)] =
            designs.isEmpty ? [("all", { "p\($0)" })] : designs.map { d in (d, { "p\($0)/\(d)" }) }
        let wanted = metrics.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        let k = plan.factors.count
        var rows: [Row] = []
        var replications: Set<Int> = []
        for (name, variant) in variantsOf {
            let perPoint = try (0..<design.count).map { i -> [[String: Double]] in
                guard let runs = byVariant[variant(i)], !runs.isEmpty else {
                    throw SweepError(
                        "\(path): point p\(i) has no finished run for \(name); finish the sweep first (readchain sweep "
                            + "resumes it)")
                }
                replications.insert(runs.count)
                return runs
            }
            let names = Set(perPoint.flatMap { $0.flatMap(\.keys) }).sorted()
            for m in wanted ?? names {
                guard names.contains(m) else {
                    let hint = closestMatch(to: m, among: names).map { "did you mean '\($0)'? " } ?? ""
                    throw StudyOptionError("--metrics: no metric '\(m)' in \(path); \(hint)")
                }
                let y = perPoint.map { runs -> Double in
                    let values = runs.compactMap { $0[m] }.filter { !$0.isNaN }
                    return values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
                }
                // A metric undefined at some point (e.g. a turnaround of an urgency never posted) has no indices.
                guard !y.contains(where: \.isNaN) else {
                    if wanted != nil {
                        throw SweepError("\(path): metric '\(m)' is undefined at some point for \(name)")
                    }
                    continue
                }
                switch plan.method {
                case .sobol:
                    for s in Sensitivity.sobol(y, factors: k, bootstrap: bootstrap) {
                        let p = plan.factors[s.factor]
                        rows.append(Row(design: name, metric: m, parameter: p, index: "S1", s.first, s.firstInterval))
                        rows.append(Row(design: name, metric: m, parameter: p, index: "ST", s.total, s.totalInterval))
                    }
                case .morris:
                    for e in Sensitivity.morris(y, design: design, factors: k, bootstrap: bootstrap) {
                        let p = plan.factors[e.factor]
                        rows.append(
                            Row(design: name, metric: m, parameter: p, index: "mu_star", e.muStar, e.muStarInterval))
                        rows.append(Row(design: name, metric: m, parameter: p, index: "mu", e.mu, nil))
                        rows.append(Row(design: name, metric: m, parameter: p, index: "sigma", e.sigma, nil))
                    }
                }
            }
        }
        let size =
            plan.method == .sobol
            ? "samples \(plan.samples!) x (k + 2)"
            : "trajectories \(plan.trajectories!) x (k + 1), levels \(plan.levels)"
        let header =
            "sensitivity (\(plan.method.rawValue)) of sweep '\(settings.name)': k = \(k) parameters, \(design.count) "
            + "points (\(size)), replications per point \(replications.sorted().map(String.init).joined(separator: "/")); "
            + "95% bootstrap intervals (\(bootstrap) resamples)"
        return (plan, rows, header)
    }

    public static func csvText(_ rows: [Row]) -> String {
        func number(_ x: Double?) -> String { x.map { $0.isFinite ? "\($0)" : "" } ?? "" }
        var lines = ["design,metric,parameter,index,value,ci_low,ci_high"]
        for r in rows {
            lines.append(
                [r.design, r.metric, r.parameter, r.index, number(r.value), number(r.ciLow), number(r.ciHigh)]
                    .joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public static func table(_ plan: SensitivityPlan, _ rows: [Row], header: String) -> String {
        func f(_ x: Double?) -> String { x.map { String(format: "%.4f", $0) } ?? "-" }
        var lines = [header]
        var current = ""
        let width = max(9, plan.factors.map(\.count).max() ?? 0)
        let columns = plan.method == .sobol ? ["S1", "ST"] : ["mu_star", "mu", "sigma"]
        for r in rows where r.index == columns[0] {
            let key = "\(r.design) / \(r.metric)"
            if key != current {
                current = key
                lines.append("")
                lines.append(key)
                let title =
                    plan.method == .sobol
                    ? "first order S1 [95% CI]          total ST [95% CI]"
                    : "mu* [95% CI]                     mu         sigma"
                lines.append("  " + "parameter".padding(toLength: width, withPad: " ", startingAt: 0) + "  " + title)
            }
            let same = rows.filter { $0.design == r.design && $0.metric == r.metric && $0.parameter == r.parameter }
            var cells: [String] = []
            for c in columns {
                guard let x = same.first(where: { $0.index == c }) else { continue }
                cells.append(
                    x.ciLow == nil
                        ? f(x.value).padding(toLength: 10, withPad: " ", startingAt: 0)
                        : "\(f(x.value)) [\(f(x.ciLow)), \(f(x.ciHigh))]".padding(
                            toLength: 32, withPad: " ", startingAt: 0))
            }
            lines.append(
                "  " + r.parameter.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                    + cells.joined(separator: " ").replacingOccurrences(
                        of: " +$", with: "", options: .regularExpression))
        }
        return lines.joined(separator: "\n")
    }
}

extension SensitivityAnalysis.Row {
    init(design: String, metric: String, parameter: String, index: String, _ value: Double, _ ci: Sensitivity.Interval?)
    {
        self.init(
            design: design, metric: metric, parameter: parameter, index: index, value: value.isFinite ? value : nil,
            ciLow: ci.flatMap { $0.lower.isFinite ? $0.lower : nil },
            ciHigh: ci.flatMap { $0.upper.isFinite ? $0.upper : nil })
    }
}
