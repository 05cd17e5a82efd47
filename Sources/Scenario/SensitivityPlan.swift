import Analysis
import Foundation
import Yams

/// The design of a `method: morris` or `method: sobol` sweep: which inputs (the parameters, in order), and the
/// design's size, from which the points in the unit cube are regenerated exactly (``unitDesign()``) when a stored
/// sweep is analysed (`readchain sensitivity`).
///
/// ```yaml
/// method: sobol          # Saltelli's design: samples · (k + 2) points; samples: N (2...100000, a power of 2 is best)
/// samples: 64
/// ---
/// method: morris         # r trajectories of k + 1 points on a p-level grid
/// trajectories: 10       # r, 2...10000
/// levels: 4              # p, even, 2...100 (default 4)
/// seed: 7                # the trajectories' random starts, orders and directions
/// ```
///
/// Each parameter gives `range: [low, high]` (with `integer` and `unit` as for lhs); the design's coordinate u in
/// [0, 1] maps to low + u · (high − low), rounded as lhs values are, so an integer or a coarse unit makes the
/// realised steps differ a little from the design's (the estimators use the design's coordinates).
public struct SensitivityPlan: Sendable, Equatable {
    public enum Method: String, Sendable { case morris, sobol }
    public var method: Method
    /// The inputs: the sweep's parameter paths, in order.
    public var factors: [String]
    /// Sobol': the base samples n.
    public var samples: Int?
    /// Morris: the trajectories r, the grid levels p and the seed.
    public var trajectories: Int?
    public var levels: Int
    public var seed: UInt64?

    /// The design's points in the unit cube, in sweep-point order.
    public func unitDesign() -> [[Double]] {
        switch method {
        case .sobol: return Sensitivity.saltelliDesign(factors: factors.count, samples: samples!)
        case .morris:
            return Sensitivity.morrisDesign(
                factors: factors.count, trajectories: trajectories!, levels: levels, seed: seed!)
        }
    }

    /// Runs per design and replication: n·(k + 2) (Sobol') or r·(k + 1) (Morris).
    public var points: Int {
        switch method {
        case .sobol: return samples! * (factors.count + 2)
        case .morris: return trajectories! * (factors.count + 1)
        }
    }

    /// The plan of a stored sweep file's text (as `study_settings.source_text` holds it), without loading its base
    /// scenario; nil for a grid or lhs sweep.
    public static func of(sweepText text: String, path: String) throws -> SensitivityPlan? {
        let parser = try SweepFileParser(text: text, path: path)
        guard let method = parser.top["method"]?.string, method == "morris" || method == "sobol" else { return nil }
        let factors = (parser.top["parameters"]?.sequence ?? []).compactMap { $0.mapping?["path"]?.string }
        return try parse(parser, factors: factors)
    }

    static func parse(_ parser: SweepFileParser, factors: [String]) throws -> SensitivityPlan {
        let top = parser.top
        let method = Method(rawValue: top["method"]?.string ?? "")!
        if let points = top["points"] {
            throw parser.fail(points, "'points' is for lhs; \(method.rawValue) sizes its design otherwise")
        }
        switch method {
        case .sobol:
            for key in ["trajectories", "levels", "seed"] where top[key] != nil {
                throw parser.fail(top[key], "'\(key)' is for morris; sobol takes 'samples: N'")
            }
            guard factors.count <= 20 else {
                throw parser.fail(
                    top["parameters"], "sobol takes at most 20 parameters (GSL's Sobol' sequence has 40 dimensions)")
            }
            guard let n = try parser.int("samples", 2...100_000) else {
                throw parser.fail(parser.root, "sobol needs 'samples: N' (the base samples; N·(k + 2) runs)")
            }
            return SensitivityPlan(
                method: .sobol, factors: factors, samples: n, trajectories: nil, levels: 0, seed: nil)
        case .morris:
            if top["samples"] != nil { throw parser.fail(top["samples"], "'samples' is for sobol") }
            guard let r = try parser.int("trajectories", 2...10_000) else {
                throw parser.fail(parser.root, "morris needs 'trajectories: R' (R·(k + 1) runs)")
            }
            let p = try parser.int("levels", 2...100) ?? 4
            guard p % 2 == 0 else { throw parser.fail(top["levels"], "'levels' must be even, got \(p)") }
            guard let seedNode = top["seed"], let text = seedNode.scalar?.string, let seed = UInt64(text) else {
                throw parser.fail(top["seed"] ?? parser.root, "morris needs 'seed:' (an unsigned integer)")
            }
            return SensitivityPlan(
                method: .morris, factors: factors, samples: nil, trajectories: r, levels: p, seed: seed)
        }
    }
}
