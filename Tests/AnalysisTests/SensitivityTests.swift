import Analysis
import Foundation
import Stochastic
import Testing

/// The sensitivity estimators against functions whose indices are known in closed form.
@Suite struct SensitivityTests {
    /// Ishigami–Homma (a = 7, b = 0.1), inputs uniform on [−π, π]: S1 = (0.3139, 0.4424, 0), ST = (0.5576, 0.4424,
    /// 0.2437) analytically (Ishigami and Homma 1990; the reference values SALib's documentation quotes for its
    /// Saltelli–Sobol example).
    static func ishigami(_ u: [Double]) -> Double {
        let x = u.map { -Double.pi + 2 * Double.pi * $0 }
        return sin(x[0]) + 7 * pow(sin(x[1]), 2) + 0.1 * pow(x[2], 4) * sin(x[0])
    }
    static let ishigamiFirst = [0.3139, 0.4424, 0.0]
    static let ishigamiTotal = [0.5576, 0.4424, 0.2437]

    /// Sobol' on Ishigami with n = 4096 (20,480 runs): every index within 0.02 of its analytic value, and every
    /// 95% bootstrap interval contains it.
    @Test func sobolIndicesOfIshigami() {
        let design = Sensitivity.saltelliDesign(factors: 3, samples: 4096)
        #expect(design.count == 4096 * 5)
        let indices = Sensitivity.sobol(design.map(Self.ishigami), factors: 3, bootstrap: 500)
        for i in 0..<3 {
            let s = indices[i]
            #expect(abs(s.first - Self.ishigamiFirst[i]) < 0.02, "S1[\(i)] \(s.first)")
            #expect(abs(s.total - Self.ishigamiTotal[i]) < 0.02, "ST[\(i)] \(s.total)")
            #expect(s.firstInterval.contains(Self.ishigamiFirst[i]), "S1[\(i)] \(s.firstInterval)")
            #expect(s.totalInterval.contains(Self.ishigamiTotal[i]), "ST[\(i)] \(s.totalInterval)")
        }
    }

    /// A linear model y = Σ a_i x_i with independent uniform inputs: S_i = ST_i = a_i² / Σ a_j² (no interactions),
    /// so (16, 4, 1, 0)/21 for a = (4, 2, 1, 0); Jansen's estimators give them within 0.01 at n = 2048.
    @Test func sobolIndicesOfALinearModel() {
        let a = [4.0, 2.0, 1.0, 0.0]
        let design = Sensitivity.saltelliDesign(factors: 4, samples: 2048)
        let y = design.map { x in zip(a, x).map { $0 * $1 }.reduce(0, +) }
        let indices = Sensitivity.sobol(y, factors: 4, bootstrap: 200)
        for i in 0..<4 {
            let exact = a[i] * a[i] / 21
            #expect(abs(indices[i].first - exact) < 0.01, "S1[\(i)] \(indices[i].first) vs \(exact)")
            #expect(abs(indices[i].total - exact) < 0.01, "ST[\(i)] \(indices[i].total) vs \(exact)")
        }
        #expect(indices[3].total == 0, "an input the output ignores has a total index of exactly 0")
    }

    /// Morris on the same linear model: every elementary effect of input i is a_i exactly, so μ = μ* = |a_i| and
    /// σ = 0; the design is r·(k + 1) points, each step moving one input by ±Δ = p/(2(p − 1)) inside [0, 1].
    @Test func morrisEffectsOfALinearModel() {
        let a = [4.0, -2.0, 1.0, 0.0]
        let design = Sensitivity.morrisDesign(factors: 4, trajectories: 10, levels: 4, seed: 7)
        #expect(design.count == 10 * 5)
        #expect(design.allSatisfy { $0.allSatisfy { (0...1).contains($0) } })
        let delta = Sensitivity.morrisDelta(levels: 4)
        for t in 0..<10 {
            for s in 0..<4 {
                let before = design[t * 5 + s]
                let after = design[t * 5 + s + 1]
                let moved = zip(before, after).filter { abs($0 - $1) > 0 }
                #expect(moved.count == 1 && abs(abs(moved[0].0 - moved[0].1) - delta) < 1e-12)
            }
        }
        let y = design.map { x in zip(a, x).map { $0 * $1 }.reduce(0, +) }
        let effects = Sensitivity.morris(y, design: design, factors: 4, bootstrap: 100)
        for i in 0..<4 {
            #expect(abs(effects[i].mu - a[i]) < 1e-9, "mu[\(i)] \(effects[i].mu)")
            #expect(abs(effects[i].muStar - abs(a[i])) < 1e-9, "mu*[\(i)] \(effects[i].muStar)")
            #expect(effects[i].sigma < 1e-9)
        }
    }

    /// Morris on Ishigami ranks the inputs as the total indices do (x1, then x2, then x3, with x3 acting only
    /// through its interaction with x1: μ of x3 near 0 but σ large) — the screening's purpose.
    @Test func morrisRanksIshigamisInputs() {
        let design = Sensitivity.morrisDesign(factors: 3, trajectories: 200, levels: 4, seed: 11)
        let effects = Sensitivity.morris(design.map(Self.ishigami), design: design, factors: 3, bootstrap: 200)
        #expect(effects[0].muStar > effects[2].muStar && effects[1].muStar > effects[2].muStar, "\(effects)")
        #expect(effects[2].sigma > abs(effects[2].mu) * 2, "x3 acts through an interaction: \(effects[2])")
        #expect(effects.allSatisfy { $0.muStarInterval.contains($0.muStar) })
    }
}
