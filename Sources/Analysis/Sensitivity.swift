import Foundation
import Stochastic

/// Global sensitivity analysis: which of a model's inputs matter for an output, over the whole of their ranges.
///
/// Two methods, each a design of points in the unit cube [0, 1)^k (the caller maps each coordinate onto its input's
/// range) and an estimator over the model's output at those points, in the design's order:
///
/// - **Morris** elementary effects (Morris 1991; μ* of Campolongo, Cariboni and Saltelli 2007): `r` trajectories
///   of k + 1 points on a p-level grid, each step moving one input by Δ = p / (2(p − 1)). Cost r·(k + 1) runs. A
///   screening: μ* ranks the inputs, σ flags non-linearity or interaction.
/// - **Sobol'** variance-based indices with Saltelli's sampling (Saltelli 2002; Saltelli et al. 2010) and Jansen's
///   estimators (Jansen 1999): matrices A and B of n rows from a 2k-dimensional Sobol' sequence (GSL) and, for each
///   input i, A with its column i taken from B (A_B^i). Cost n·(k + 2) runs. First-order S_i (the share of the
///   output's variance due to input i alone) and total S_Ti (its share including every interaction):
///
///       V     = variance of f over the 2n points of A and B
///       S_i   = (V − 1/(2n) Σ_j (f(B)_j − f(A_B^i)_j)²) / V
///       S_Ti  = 1/(2n) Σ_j (f(A)_j − f(A_B^i)_j)² / V
///
/// Every index has a bootstrap percentile interval (rows j, or trajectories, resampled with replacement from a
/// seeded SplitMix64, so the same inputs give the same intervals).
public enum Sensitivity {
    /// A confidence interval.
    public struct Interval: Sendable, Equatable, Codable {
        public var lower: Double
        public var upper: Double
        public init(lower: Double, upper: Double) {
            self.lower = lower
            self.upper = upper
        }
        public func contains(_ x: Double) -> Bool { lower <= x && x <= upper }
    }

    /// One input's Sobol' indices with their bootstrap intervals.
    public struct SobolIndex: Sendable, Equatable, Codable {
        public var factor: Int
        public var first: Double
        public var firstInterval: Interval
        public var total: Double
        public var totalInterval: Interval
    }

    /// One input's Morris statistics: mean elementary effect μ, mean absolute effect μ* (with its bootstrap
    /// interval) and the effects' standard deviation σ.
    public struct MorrisEffect: Sendable, Equatable, Codable {
        public var factor: Int
        public var mu: Double
        public var muStar: Double
        public var muStarInterval: Interval
        public var sigma: Double
    }

    // MARK: Sobol'

    /// Saltelli's design: for each of n rows, A_j, B_j, then A_B^1_j ... A_B^k_j (k + 2 points per row), from the
    /// Sobol' sequence of dimension 2k after its first point (the origin). - Precondition: 1 ≤ k ≤ 20, n ≥ 2.
    public static func saltelliDesign(factors k: Int, samples n: Int) -> [[Double]] {
        precondition(k >= 1 && 2 * k <= SobolSequence.maxDimension, "Saltelli design: 1...20 factors")
        precondition(n >= 2, "Saltelli design: at least 2 samples")
        let sequence = SobolSequence(dimension: 2 * k)
        _ = sequence.next()  // the origin
        var points: [[Double]] = []
        points.reserveCapacity(n * (k + 2))
        for _ in 0..<n {
            let x = sequence.next()
            let a = Array(x[0..<k])
            let b = Array(x[k..<(2 * k)])
            points.append(a)
            points.append(b)
            for i in 0..<k {
                var ab = a
                ab[i] = b[i]
                points.append(ab)
            }
        }
        return points
    }

    /// Jansen's first-order and total indices from outputs `y` in ``saltelliDesign(factors:samples:)`` order, with
    /// bootstrap percentile intervals at `confidence` over `bootstrap` resamples of the rows.
    /// - Precondition: `y.count == n·(k + 2)` for some n ≥ 2.
    public static func sobol(
        _ y: [Double], factors k: Int, bootstrap: Int = 1000, confidence: Double = 0.95, seed: UInt64 = 1
    ) -> [SobolIndex] {
        precondition(k >= 1 && y.count % (k + 2) == 0 && y.count / (k + 2) >= 2, "outputs must be n·(k + 2), n ≥ 2")
        let n = y.count / (k + 2)
        func value(_ row: Int, _ column: Int) -> Double { y[row * (k + 2) + column] }
        func indices(_ rows: [Int]) -> (first: [Double], total: [Double]) {
            var sum = 0.0
            var sumSquares = 0.0
            for j in rows {
                for c in 0..<2 {
                    let v = value(j, c)
                    sum += v
                    sumSquares += v * v
                }
            }
            let m = Double(2 * rows.count)
            let variance = sumSquares / m - (sum / m) * (sum / m)
            var first = [Double](repeating: .nan, count: k)
            var total = [Double](repeating: .nan, count: k)
            guard variance > 0 else { return (first, total) }
            for i in 0..<k {
                var dFirst = 0.0
                var dTotal = 0.0
                for j in rows {
                    let ab = value(j, 2 + i)
                    dFirst += (value(j, 1) - ab) * (value(j, 1) - ab)
                    dTotal += (value(j, 0) - ab) * (value(j, 0) - ab)
                }
                first[i] = (variance - dFirst / m) / variance
                total[i] = dTotal / m / variance
            }
            return (first, total)
        }
        let point = indices(Array(0..<n))
        var rng = SplitMix64(seed: seed)
        var firstDraws = [[Double]](repeating: [], count: k)
        var totalDraws = [[Double]](repeating: [], count: k)
        for _ in 0..<bootstrap {
            let rows = (0..<n).map { _ in Int(rng.next() % UInt64(n)) }
            let b = indices(rows)
            for i in 0..<k {
                firstDraws[i].append(b.first[i])
                totalDraws[i].append(b.total[i])
            }
        }
        return (0..<k).map { i in
            SobolIndex(
                factor: i, first: point.first[i],
                firstInterval: percentile(firstDraws[i], confidence: confidence, fallback: point.first[i]),
                total: point.total[i],
                totalInterval: percentile(totalDraws[i], confidence: confidence, fallback: point.total[i]))
        }
    }

    // MARK: Morris

    /// The step of a p-level Morris grid, p / (2(p − 1)).
    public static func morrisDelta(levels p: Int) -> Double { Double(p) / (2 * Double(p - 1)) }

    /// Morris's design: `r` trajectories of k + 1 points each, on the grid {0, 1/(p−1), ..., 1}. Each trajectory
    /// starts at a random grid point, then moves the inputs one at a time, in a random order, by +Δ or −Δ (a random
    /// direction per input), staying in [0, 1]. - Precondition: k ≥ 1, r ≥ 2, p even and ≥ 2.
    public static func morrisDesign(factors k: Int, trajectories r: Int, levels p: Int, seed: UInt64) -> [[Double]] {
        precondition(k >= 1 && r >= 2 && p >= 2 && p % 2 == 0, "Morris design: k >= 1, r >= 2, even p >= 2")
        let delta = morrisDelta(levels: p)
        var rng = SplitMix64(seed: seed)
        var points: [[Double]] = []
        points.reserveCapacity(r * (k + 1))
        for _ in 0..<r {
            // Base levels l/(p−1), l < p/2, so that base + Δ ≤ 1; a downward move starts at base + Δ.
            var x = (0..<k).map { _ in Double(Int(rng.next() % UInt64(p / 2))) / Double(p - 1) }
            let up = (0..<k).map { _ in rng.next() & 1 == 0 }
            for i in 0..<k where !up[i] { x[i] += delta }
            var order = Array(0..<k)
            for i in stride(from: k - 1, to: 0, by: -1) { order.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
            points.append(x)
            for i in order {
                x[i] += up[i] ? delta : -delta
                points.append(x)
            }
        }
        return points
    }

    /// Morris statistics from outputs `y` at the points of `design` (``morrisDesign(factors:trajectories:levels:seed:)``,
    /// in order): each step's elementary effect (f(after) − f(before)) / (the input's change), per input; μ*'s
    /// interval resamples the trajectories. - Precondition: `design.count == y.count == r·(k + 1)`, r ≥ 2, and each
    /// step of a trajectory changes exactly one input.
    public static func morris(
        _ y: [Double], design: [[Double]], factors k: Int, bootstrap: Int = 1000, confidence: Double = 0.95,
        seed: UInt64 = 1
    ) -> [MorrisEffect] {
        precondition(y.count == design.count && y.count % (k + 1) == 0 && y.count / (k + 1) >= 2, "r·(k + 1) outputs")
        let r = y.count / (k + 1)
        // effects[t][i]: trajectory t's elementary effect of input i.
        var effects = [[Double]](repeating: [Double](repeating: .nan, count: k), count: r)
        for t in 0..<r {
            for s in 0..<k {
                let a = t * (k + 1) + s
                let changed = (0..<k).filter { design[a][$0] != design[a + 1][$0] }
                precondition(changed.count == 1, "a Morris step must change exactly one input")
                let i = changed[0]
                effects[t][i] = (y[a + 1] - y[a]) / (design[a + 1][i] - design[a][i])
            }
        }
        func muStar(_ rows: [Int], _ i: Int) -> Double {
            rows.map { abs(effects[$0][i]) }.reduce(0, +) / Double(rows.count)
        }
        var rng = SplitMix64(seed: seed)
        var draws = [[Double]](repeating: [], count: k)
        for _ in 0..<bootstrap {
            let rows = (0..<r).map { _ in Int(rng.next() % UInt64(r)) }
            for i in 0..<k { draws[i].append(muStar(rows, i)) }
        }
        return (0..<k).map { i in
            let e = effects.map { $0[i] }
            let mean = e.reduce(0, +) / Double(r)
            let sd = (e.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(r - 1)).squareRoot()
            let star = muStar(Array(0..<r), i)
            return MorrisEffect(
                factor: i, mu: mean, muStar: star,
                muStarInterval: percentile(draws[i], confidence: confidence, fallback: star), sigma: sd)
        }
    }

    // MARK: Helpers

    /// The bootstrap percentile interval of `draws` (NaN draws left out); `fallback` at both ends without draws.
    static func percentile(_ draws: [Double], confidence: Double, fallback: Double) -> Interval {
        let sorted = draws.filter { !$0.isNaN }.sorted()
        guard !sorted.isEmpty else { return Interval(lower: fallback, upper: fallback) }
        func at(_ q: Double) -> Double {
            let h = q * Double(sorted.count - 1)
            let lo = Int(h.rounded(.down))
            let hi = min(lo + 1, sorted.count - 1)
            return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
        }
        return Interval(lower: at((1 - confidence) / 2), upper: at((1 + confidence) / 2))
    }
}
