import Foundation
import MarketModel

/// How pay incentives set the pace a radiologist chooses.
///
/// A radiologist picks the pace p on a grid over `[pace.minimum, pace.maximum]` maximising expected net income
/// over one shift of H hours:
///
///     U(p) = N(p) · pay − E(p) · L − c · N(1) · pay · p²
///
/// - N(p) = H · p / T reads (T = mean reading time at pace 1, hours; time scales as 1/p);
/// - E(p) = Σ over those reads of P(error) from ``ErrorModel`` at pace p, at each read's hour into the shift and
///   with the shift volume N(p) counted in CT equivalents, the same workload measure the read itself is judged by
///   (wRVU ÷ a CT's wRVU; Ivanovic's 26 studies a shift were neuroradiology CT and MR): so speed costs accuracy
///   both directly (elasticity 1.4, Sokolovskaya 2015) and through fatigue (more studies per shift, Ivanovic;
///   later hours, Hanna 2018);
/// - L = expected loss per error: liability under any design, plus, under value-based settlement, the hold-back
///   forfeited when the discrepancy is found and the quality bonus lost;
/// - the last term is the effort cost of reading fast, c = `effortCost` (default 0.5 **[assumption]**: it puts
///   the optimum with no penalty at p = 1/(2c) = 1, the normal pace the reading times were measured at, so the
///   pace moves only with what an error costs the reader).
///
/// Per-read pay: L is liability only, and the optimum rises with pay until the expected penalty binds.
/// Value-based: L grows by the forfeiture, and the optimum shifts slower.
public struct PaceChoice: Sendable, Equatable {
    /// What the radiologist earns and risks per read.
    public struct Terms: Sendable, Equatable {
        /// Pay per read, minor units.
        public var payPerRead: Double
        /// Expected loss per error, minor units (see ``PaceChoice/expectedLossPerError(liability:holdback:detectionProbability:bonusLostPerDetectedError:)``).
        public var expectedLossPerError: Double

        public init(payPerRead: Double, expectedLossPerError: Double) {
            self.payPerRead = payPerRead
            self.expectedLossPerError = expectedLossPerError
        }
    }

    /// Liability cost per error that the reader bears, minor units (default 100 = 1 USD **[assumption]**:
    /// malpractice cover costs $0.25–1 per read whatever the reader's errors (domain-parameters.md §3 "Radiologist
    /// pay per XR read and intermediary margin"), so an error's marginal cost to the insured reader is small; one
    /// read's cover is taken as that cost). Under per-read pay the chosen pace is then close to 1.
    public static let defaultLiabilityPerError = 100.0

    /// Expected loss per error: `liability + detectionProbability · (holdback + bonusLostPerDetectedError)`.
    /// - Parameters:
    ///   - holdback: the read's value-based hold-back, minor units (0 under per-read pay).
    ///   - detectionProbability: probability an error is found (peer review sampled and detected, or referrer
    ///     feedback below threshold).
    ///   - bonusLostPerDetectedError: quality bonus forgone per detected discrepancy, minor units.
    public static func expectedLossPerError(
        liability: Double = defaultLiabilityPerError, holdback: Double = 0, detectionProbability: Double = 0,
        bonusLostPerDetectedError: Double = 0
    ) -> Double {
        liability + detectionProbability * (holdback + bonusLostPerDetectedError)
    }

    public var errorModel: ErrorModel
    public var effortCost: Double
    /// Grid step of the pace search (default 0.001: fine enough that small changes in what an error costs show).
    public var gridStep: Double

    public init(errorModel: ErrorModel, effortCost: Double = 0.5, gridStep: Double = 0.001) {
        self.errorModel = errorModel
        self.effortCost = effortCost
        self.gridStep = gridStep
    }

    /// The paces searched, ascending.
    public var grid: [Double] {
        let p = errorModel.pace
        guard p.maximum > p.minimum else { return [p.minimum] }
        let steps = Int(((p.maximum - p.minimum) / gridStep).rounded())
        return (0...steps).map { p.minimum + Double($0) * (p.maximum - p.minimum) / Double(max(1, steps)) }
    }

    /// Reads and expected errors in a shift at pace p.
    /// - Parameters:
    ///   - meanReadHours: mean reading time at pace 1, hours (speed factor included).
    ///   - shiftHours: shift length, hours.
    ///   - prevalence: share of studies with a finding.
    ///   - equivalentsPerRead: CT equivalents per read (mean wRVU per read ÷ a CT's wRVU), the unit of the error
    ///     model's shift volume.
    public func shiftOutcome(
        pace p: Double, meanReadHours: Double, shiftHours: Double, prevalence: Double, equivalentsPerRead: Double = 1,
        burnedOut: Bool = false
    ) -> (reads: Double, errors: Double) {
        let reads = shiftHours * p / meanReadHours
        // The volume is continuous here: P(error) is interpolated between the whole volumes on either side, so the
        // utility has no steps where the expected volume crosses a whole number (with a rounded volume the optimum
        // sticks just below a step, and a dearer error could even choose a faster pace).
        let volume = reads * equivalentsPerRead
        let lower = Int(volume.rounded(.down))
        let fraction = volume - Double(lower)
        // Expected errors: integrate P(error) over the shift, reads spread evenly, in 40 slices.
        let slices = 40
        var errors = 0.0
        for i in 0..<slices {
            let hour = (Double(i) + 0.5) * shiftHours / Double(slices)
            var c = ReadConditions(pace: p, hoursIntoShift: hour, shiftVolume: lower, burnedOut: burnedOut)
            var probability = errorModel.errorProbability(c, prevalence: prevalence)
            if fraction > 0 {
                c.shiftVolume = lower + 1
                probability += fraction * (errorModel.errorProbability(c, prevalence: prevalence) - probability)
            }
            errors += reads / Double(slices) * probability
        }
        return (reads, errors)
    }

    /// Expected net income of a shift at pace p (the U(p) of the type's documentation).
    public func utility(
        pace p: Double, terms: Terms, meanReadHours: Double, shiftHours: Double, prevalence: Double,
        equivalentsPerRead: Double = 1, burnedOut: Bool = false
    ) -> Double {
        let (reads, errors) = shiftOutcome(
            pace: p, meanReadHours: meanReadHours, shiftHours: shiftHours, prevalence: prevalence,
            equivalentsPerRead: equivalentsPerRead, burnedOut: burnedOut)
        let incomeAtOne = shiftHours / meanReadHours * terms.payPerRead
        return reads * terms.payPerRead - errors * terms.expectedLossPerError - effortCost * incomeAtOne * p * p
    }

    /// The chosen pace: the grid point of highest utility (ties: the slower).
    public func choose(
        terms: Terms, meanReadHours: Double, shiftHours: Double, prevalence: Double, equivalentsPerRead: Double = 1,
        burnedOut: Bool = false
    ) -> Double {
        var best = grid[0]
        var bestUtility = -Double.infinity
        for p in grid {
            let u = utility(
                pace: p, terms: terms, meanReadHours: meanReadHours, shiftHours: shiftHours, prevalence: prevalence,
                equivalentsPerRead: equivalentsPerRead, burnedOut: burnedOut)
            if u > bestUtility + 1e-9 {
                best = p
                bestUtility = u
            }
        }
        return best
    }
}
