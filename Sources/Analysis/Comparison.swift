import DiscreteEvent
import Foundation

/// One headline metric's difference between a design and the baseline design, paired by replication.
///
/// Replication r of every design runs on the same random numbers (arrivals, latent findings, radiologists), so
/// the difference `variant_r − baseline_r` removes the noise the two runs share. The paired interval is the t
/// interval of those differences; the unpaired (Welch) interval is what the same two samples would give if they
/// were independent. Their ratio is the variance reduction pairing buys (below 1: pairing helped).
public struct PairedDifference: Codable, Sendable, Equatable {
    public var baseline: String
    public var variant: String
    public var metric: String
    public var label: String
    public var unit: String
    /// Replications where both designs define the metric (neither value NaN); every other field uses only these.
    public var n: Int
    /// Mean of `variant − baseline`; NaN when `n` is 0.
    public var meanDifference: Double
    /// Sample standard deviation of the differences; NaN when `n < 2`.
    public var sdDifference: Double
    /// The paired t interval `meanDifference ± halfWidthPaired`; NaN when `n < 2`.
    public var ciLow: Double
    public var ciHigh: Double
    public var halfWidthPaired: Double
    /// Welch's interval half-width for the same two samples treated as independent; NaN when `n < 2`.
    public var halfWidthUnpaired: Double
    /// The variance reduction common random numbers bought, free of the t quantiles' degrees of freedom:
    /// `Var(variant − baseline) / (Var(baseline) + Var(variant))` over the same replications (1: no
    /// correlation; below 1: positively correlated runs; Law & Kelton §11.2). NaN when `n < 2` or both samples
    /// are constant.
    public var varianceRatio: Double = .nan
    /// The baseline's and the variant's means over the same `n` replications; NaN when `n` is 0.
    public var baselineMean: Double
    public var variantMean: Double
    public var confidence: Double

    /// `halfWidthPaired / halfWidthUnpaired`: below 1 when pairing narrowed the interval. NaN when either is
    /// NaN or the unpaired half-width is 0 (both samples constant).
    public var halfWidthRatio: Double {
        guard halfWidthPaired.isFinite, halfWidthUnpaired.isFinite, halfWidthUnpaired > 0 else { return .nan }
        return halfWidthPaired / halfWidthUnpaired
    }

    /// `meanDifference / |baselineMean|`; NaN when the baseline mean is 0 or NaN.
    public var relativeDifference: Double {
        guard baselineMean.isFinite, baselineMean != 0 else { return .nan }
        return meanDifference / abs(baselineMean)
    }

    /// Whether the two designs gave exactly the same value in every shared replication (the difference is 0 in
    /// each): its paired half-width is 0 by construction, which says nothing about what pairing buys.
    public var identicalInEveryReplication: Bool {
        n >= 2 && meanDifference == 0 && sdDifference == 0
    }

    /// Whether the paired interval excludes 0 (the designs differ at this confidence level, one comparison alone).
    public var ciExcludesZero: Bool { ciLow.isFinite && ciHigh.isFinite && (ciLow > 0 || ciHigh < 0) }

    /// The two-sided p-value of the paired t test of a zero mean difference (`n − 1` d.f.): 1 when every difference
    /// is 0, 0 when they are all the same non-zero value; NaN when `n < 2`.
    public var pValue: Double {
        guard n >= 2, meanDifference.isFinite, sdDifference.isFinite else { return .nan }
        guard sdDifference > 0 else { return meanDifference == 0 ? 1 : 0 }
        let t = abs(meanDifference) / (sdDifference / Double(n).squareRoot())
        return min(1, 2 * studentTUpperTail(t, degreesOfFreedom: Double(n - 1)))
    }

    /// The p-value adjusted across the comparisons of a table (``Comparison/adjust(_:method:)``); NaN until
    /// adjusted, or when `pValue` is NaN. Not stored in the results database: recomputed from the stored rows.
    public var adjustedPValue: Double = .nan

    /// How ``adjustedPValue`` was adjusted; nil until ``Comparison/adjust(_:method:)``.
    public var adjustment: PValueAdjustment?

    /// Whether the designs differ at the table's level `1 − confidence`: the adjusted p-value is below it once the
    /// table is adjusted, else (a comparison alone) the paired interval excludes 0.
    public var significant: Bool {
        guard adjustment != nil else { return ciExcludesZero }
        return adjustedPValue.isFinite && adjustedPValue < 1 - confidence
    }

    /// Equal when every field is, NaN equal to NaN (a NULL read back from the results database).
    public static func == (lhs: PairedDifference, rhs: PairedDifference) -> Bool {
        func same(_ a: Double, _ b: Double) -> Bool { a == b || (a.isNaN && b.isNaN) }
        return lhs.baseline == rhs.baseline && lhs.variant == rhs.variant && lhs.metric == rhs.metric
            && lhs.label == rhs.label && lhs.unit == rhs.unit && lhs.n == rhs.n
            && same(lhs.meanDifference, rhs.meanDifference) && same(lhs.sdDifference, rhs.sdDifference)
            && same(lhs.ciLow, rhs.ciLow) && same(lhs.ciHigh, rhs.ciHigh)
            && same(lhs.halfWidthPaired, rhs.halfWidthPaired) && same(lhs.halfWidthUnpaired, rhs.halfWidthUnpaired)
            && same(lhs.varianceRatio, rhs.varianceRatio) && same(lhs.baselineMean, rhs.baselineMean)
            && same(lhs.variantMean, rhs.variantMean) && lhs.confidence == rhs.confidence
    }

    private enum CodingKeys: String, CodingKey {
        case baseline, variant, metric, label, unit, n, meanDifference, sdDifference, ciLow, ciHigh
        case halfWidthPaired, halfWidthUnpaired, varianceRatio, baselineMean, variantMean, confidence
        case halfWidthRatio, relativeDifference, significant, ciExcludesZero, pValue, adjustedPValue, adjustment
    }

    public init(
        baseline: String, variant: String, metric: String, label: String, unit: String, n: Int,
        meanDifference: Double, sdDifference: Double, ciLow: Double, ciHigh: Double, halfWidthPaired: Double,
        halfWidthUnpaired: Double, baselineMean: Double, variantMean: Double, confidence: Double
    ) {
        self.baseline = baseline
        self.variant = variant
        self.metric = metric
        self.label = label
        self.unit = unit
        self.n = n
        self.meanDifference = meanDifference
        self.sdDifference = sdDifference
        self.ciLow = ciLow
        self.ciHigh = ciHigh
        self.halfWidthPaired = halfWidthPaired
        self.halfWidthUnpaired = halfWidthUnpaired
        self.baselineMean = baselineMean
        self.variantMean = variantMean
        self.confidence = confidence
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            baseline: try c.decode(String.self, forKey: .baseline),
            variant: try c.decode(String.self, forKey: .variant),
            metric: try c.decode(String.self, forKey: .metric), label: try c.decode(String.self, forKey: .label),
            unit: try c.decode(String.self, forKey: .unit), n: try c.decode(Int.self, forKey: .n),
            meanDifference: try c.decode(Double.self, forKey: .meanDifference),
            sdDifference: try c.decode(Double.self, forKey: .sdDifference),
            ciLow: try c.decode(Double.self, forKey: .ciLow), ciHigh: try c.decode(Double.self, forKey: .ciHigh),
            halfWidthPaired: try c.decode(Double.self, forKey: .halfWidthPaired),
            halfWidthUnpaired: try c.decode(Double.self, forKey: .halfWidthUnpaired),
            baselineMean: try c.decode(Double.self, forKey: .baselineMean),
            variantMean: try c.decode(Double.self, forKey: .variantMean),
            confidence: try c.decode(Double.self, forKey: .confidence))
        varianceRatio = try c.decodeIfPresent(Double.self, forKey: .varianceRatio) ?? .nan
        adjustedPValue = try c.decodeIfPresent(Double.self, forKey: .adjustedPValue) ?? .nan
        adjustment = try c.decodeIfPresent(String.self, forKey: .adjustment).flatMap(PValueAdjustment.init(rawValue:))
    }

    /// Encodes the stored fields and the derived ratio, relative difference and significance.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(baseline, forKey: .baseline)
        try c.encode(variant, forKey: .variant)
        try c.encode(metric, forKey: .metric)
        try c.encode(label, forKey: .label)
        try c.encode(unit, forKey: .unit)
        try c.encode(n, forKey: .n)
        try c.encode(meanDifference, forKey: .meanDifference)
        try c.encode(sdDifference, forKey: .sdDifference)
        try c.encode(ciLow, forKey: .ciLow)
        try c.encode(ciHigh, forKey: .ciHigh)
        try c.encode(halfWidthPaired, forKey: .halfWidthPaired)
        try c.encode(halfWidthUnpaired, forKey: .halfWidthUnpaired)
        try c.encode(varianceRatio, forKey: .varianceRatio)
        try c.encode(baselineMean, forKey: .baselineMean)
        try c.encode(variantMean, forKey: .variantMean)
        try c.encode(confidence, forKey: .confidence)
        try c.encode(halfWidthRatio, forKey: .halfWidthRatio)
        try c.encode(relativeDifference, forKey: .relativeDifference)
        try c.encode(significant, forKey: .significant)
        try c.encode(ciExcludesZero, forKey: .ciExcludesZero)
        try c.encode(pValue, forKey: .pValue)
        try c.encode(adjustedPValue, forKey: .adjustedPValue)
        try c.encode(adjustment?.rawValue ?? "none", forKey: .adjustment)
    }
}

/// How the p-values of a table's comparisons are adjusted for testing many at once.
public enum PValueAdjustment: String, Codable, Sendable, CaseIterable {
    /// Holm's step-down method: controls the family-wise error rate (Holm, *Scand. J. Statist.* 1979).
    case holm
    /// Benjamini–Hochberg: controls the false discovery rate (Benjamini & Hochberg, *JRSS B* 1995).
    case bh
    /// No adjustment: each comparison alone.
    case none
}

/// How much pairing narrowed the intervals over a set of comparisons.
public struct PairingSummary: Codable, Sendable, Equatable {
    /// (metric, design) pairs with a finite paired/unpaired ratio.
    public var pairs: Int
    /// Median of `halfWidthPaired / halfWidthUnpaired` over those pairs; NaN when there are none.
    public var medianRatio: Double
    /// Pairs whose paired interval is narrower than the unpaired one (ratio below 1).
    public var narrowed: Int
    /// Median of `varianceRatio` over the pairs where it is finite (NaN when none: e.g. rows stored without it).
    public var medianVarianceRatio: Double = .nan
    /// Pairs with a finite variance ratio, and those below 1.
    public var variancePairs = 0
    public var varianceReduced = 0
    /// Pairs left out of every count above because the two designs gave exactly the same value in every shared
    /// replication (``PairedDifference/identicalInEveryReplication``): their ratios are 0 by construction, not a
    /// gain from pairing.
    public var identical = 0

    public init(pairs: Int, medianRatio: Double, narrowed: Int) {
        self.pairs = pairs
        self.medianRatio = medianRatio
        self.narrowed = narrowed
    }
}

/// Paired comparisons of designs run under common random numbers. Pure: no clock, no files.
public enum Comparison {
    /// One headline metric as the comparison labels it.
    public struct Metric: Sendable, Equatable {
        public var name: String
        public var label: String
        public var unit: String

        public init(name: String, label: String, unit: String) {
            self.name = name
            self.label = label
            self.unit = unit
        }
    }

    /// A run's headline values: `values[metric]`, NaN or absent when the run does not define it.
    public struct RunValues: Sendable, Equatable {
        public var design: String
        public var replication: Int
        public var values: [String: Double]

        public init(design: String, replication: Int, values: [String: Double]) {
            self.design = design
            self.replication = replication
            self.values = values
        }
    }

    /// The paired difference `variant − baseline` of one metric.
    ///
    /// - Parameters:
    ///   - baseline: The baseline's value per replication.
    ///   - variant: The variant's value per replication.
    ///   - confidence: The interval's level, in (0, 1).
    /// - Returns: Statistics over the replications both define (present and not NaN), in replication order.
    public static func paired(
        baseline: [Int: Double], variant: [Int: Double], confidence: Double, baselineName: String = "baseline",
        variantName: String = "variant", metric: Metric = Metric(name: "metric", label: "metric", unit: "")
    ) -> PairedDifference {
        precondition(confidence > 0 && confidence < 1, "confidence must be in (0, 1)")
        let common = baseline.keys.filter { r in
            guard let b = baseline[r], let v = variant[r] else { return false }
            return !b.isNaN && !v.isNaN
        }.sorted()
        let b = common.map { baseline[$0]! }
        let v = common.map { variant[$0]! }
        let diffs = Tally(zip(v, b).map { $0 - $1 })
        let tb = Tally(b)
        let tv = Tally(v)
        let n = common.count
        let ci = diffs.confidenceInterval(level: confidence)
        var result = PairedDifference(
            baseline: baselineName, variant: variantName, metric: metric.name, label: metric.label, unit: metric.unit,
            n: n, meanDifference: n > 0 ? diffs.mean : .nan, sdDifference: n >= 2 ? diffs.standardDeviation : .nan,
            ciLow: ci?.lower ?? .nan, ciHigh: ci?.upper ?? .nan, halfWidthPaired: ci?.halfWidth ?? .nan,
            halfWidthUnpaired: welchHalfWidth(tb, tv, confidence: confidence), baselineMean: n > 0 ? tb.mean : .nan,
            variantMean: n > 0 ? tv.mean : .nan, confidence: confidence)
        if n >= 2, tb.variance + tv.variance > 0 { result.varianceRatio = diffs.variance / (tb.variance + tv.variance) }
        return result
    }

    /// The half-width of Welch's t interval for the difference of two independent samples' means:
    /// `t(1 − α/2, ν) · √(s₁²/n₁ + s₂²/n₂)` with the Welch–Satterthwaite degrees of freedom ν.
    ///
    /// NaN when either sample has fewer than two values; 0 when both have zero variance.
    public static func welchHalfWidth(_ a: Tally, _ b: Tally, confidence: Double) -> Double {
        guard a.count >= 2, b.count >= 2 else { return .nan }
        let va = a.variance / Double(a.count)
        let vb = b.variance / Double(b.count)
        let se2 = va + vb
        guard se2 > 0 else { return 0 }
        let dof = se2 * se2 / (va * va / Double(a.count - 1) + vb * vb / Double(b.count - 1))
        return studentTQuantile(0.5 + confidence / 2, degreesOfFreedom: dof) * se2.squareRoot()
    }

    /// Every design other than the baseline against the baseline, for every metric.
    ///
    /// - Parameters:
    ///   - runs: Headline values per (design, replication); a (design, replication) given twice is a caller bug.
    ///   - designs: The designs to compare, in the order to report them; must include `baseline`.
    ///   - baseline: The design the others are compared with.
    ///   - metrics: The metrics, in the order to report them.
    /// - Returns: Metric-major: for each metric, each non-baseline design in `designs` order.
    public static func compare(
        runs: [RunValues], designs: [String], baseline: String, metrics: [Metric], confidence: Double
    ) -> [PairedDifference] {
        precondition(designs.contains(baseline), "the baseline must be one of the designs")
        func column(_ design: String, _ metric: String) -> [Int: Double] {
            var values: [Int: Double] = [:]
            for run in runs where run.design == design {
                precondition(values[run.replication] == nil, "design \(design) replication \(run.replication) twice")
                values[run.replication] = run.values[metric] ?? .nan
            }
            return values
        }
        var result: [PairedDifference] = []
        for m in metrics {
            let base = column(baseline, m.name)
            for d in designs where d != baseline {
                result.append(
                    paired(
                        baseline: base, variant: column(d, m.name), confidence: confidence, baselineName: baseline,
                        variantName: d, metric: m))
            }
        }
        return result
    }

    /// Adjusts the p-values of `comparisons` as one family (``adjustedPValues(_:method:)`` over every comparison
    /// with a finite ``PairedDifference/pValue``; the others keep a NaN adjusted p-value). Order is kept.
    public static func adjust(_ comparisons: [PairedDifference], method: PValueAdjustment) -> [PairedDifference] {
        var result = comparisons
        let family = result.indices.filter { result[$0].pValue.isFinite }
        let adjusted = adjustedPValues(family.map { result[$0].pValue }, method: method)
        for i in result.indices { result[i].adjustment = method }
        for (k, i) in family.enumerated() { result[i].adjustedPValue = adjusted[k] }
        return result
    }

    /// Adjusted p-values of one family of m tests, in the input order (R's `p.adjust`):
    ///
    /// - Holm: with p sorted ascending, `p̃(i) = max over j ≤ i of min(1, (m − j + 1) · p(j))`.
    /// - Benjamini–Hochberg: `p̃(i) = min over j ≥ i of min(1, m · p(j) / j)`.
    /// - None: `p̃ = p`.
    ///
    /// Ties keep their input order (a stable sort), so the result is deterministic.
    /// - Precondition: every p is finite. - Complexity: O(m log m).
    public static func adjustedPValues(_ p: [Double], method: PValueAdjustment) -> [Double] {
        precondition(p.allSatisfy(\.isFinite), "p-values must be finite")
        let order = p.indices.sorted { p[$0] < p[$1] || (p[$0] == p[$1] && $0 < $1) }
        let m = Double(p.count)
        var adjusted = p
        switch method {
        case .none:
            break
        case .holm:
            var running = 0.0
            for (k, i) in order.enumerated() {
                running = max(running, min(1, (m - Double(k)) * p[i]))
                adjusted[i] = running
            }
        case .bh:
            var running = 1.0
            for (k, i) in order.enumerated().reversed() {
                running = min(running, min(1, m * p[i] / Double(k + 1)))
                adjusted[i] = running
            }
        }
        return adjusted
    }

    /// The median paired/unpaired half-width ratio over the comparisons where it is finite.
    ///
    /// A comparison whose difference is exactly 0 in every replication (the same value under both designs, e.g. a
    /// metric the design cannot move) has a paired half-width of 0 by construction, so a ratio of 0: it says nothing
    /// about what pairing buys and is left out of the medians and counts (counted in ``PairingSummary/identical``).
    public static func pairingSummary(_ comparisons: [PairedDifference]) -> PairingSummary {
        let informative = comparisons.filter { !$0.identicalInEveryReplication }
        let ratios = informative.map(\.halfWidthRatio).filter(\.isFinite).sorted()
        var summary = PairingSummary(
            pairs: ratios.count, medianRatio: median(ratios), narrowed: ratios.filter { $0 < 1 }.count)
        let variances = informative.map(\.varianceRatio).filter(\.isFinite).sorted()
        summary.medianVarianceRatio = median(variances)
        summary.variancePairs = variances.count
        summary.varianceReduced = variances.filter { $0 < 1 }.count
        summary.identical = comparisons.count - informative.count
        return summary
    }

    /// The median of sorted values (mean of the middle two for an even count); NaN when empty.
    static func median(_ sorted: [Double]) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let m = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2
    }
}
