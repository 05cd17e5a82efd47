import Foundation

/// What MSER-5 found in one output series.
public struct WarmupDetection: Codable, Sendable, Equatable {
    /// Observations per batch (5 for MSER-5).
    public var batchSize: Int
    /// Whole batches in the series (a trailing partial batch is dropped).
    public var batches: Int
    /// The chosen truncation d*, in batches.
    public var truncatedBatches: Int
    /// The chosen truncation in observations: `truncatedBatches · batchSize`.
    public var truncatedObservations: Int { truncatedBatches * batchSize }
    /// MSER(d*): the squared standard error of the mean of the batches kept.
    public var statistic: Double
    /// Whether d* is the largest truncation searched (half the batches): the transient may not have ended within
    /// the run, and the run is probably too short to say.
    public var atLimit: Bool

    public init(batchSize: Int, batches: Int, truncatedBatches: Int, statistic: Double, atLimit: Bool) {
        self.batchSize = batchSize
        self.batches = batches
        self.truncatedBatches = truncatedBatches
        self.statistic = statistic
        self.atLimit = atLimit
    }
}

/// MSER-5 warm-up detection (White 1997; White, Cobb & Spratt 2000; Franklin & White 2008).
///
/// The series is cut into batches of 5 and their means Z₁…Z_k taken. For each truncation d the statistic is
/// `MSER(d) = Σ_{j>d} (Z_j − Z̄_d)² / (k − d)²`, where Z̄_d is the mean of the batches kept: the squared standard
/// error of the truncated mean, which falls while dropping biased early batches and rises again once dropping
/// only costs data. d* minimises it over the first half of the batches (d ≤ ⌊(k − 1)/2⌋, so at least half
/// the batches are always kept); the earliest minimum wins a tie. Pure.
public enum MSER {
    /// The batch size of MSER-5.
    public static let batchSize = 5

    /// The truncation that minimises the MSER statistic of `series`.
    ///
    /// - Parameters:
    ///   - series: Observations in time order, equally spaced; NaN values are not allowed.
    ///   - batchSize: Observations per batch (5).
    /// - Returns: nil when the series has fewer than two whole batches (nothing can be decided).
    public static func detect(_ series: [Double], batchSize: Int = MSER.batchSize) -> WarmupDetection? {
        precondition(batchSize >= 1, "batch size must be positive")
        precondition(!series.contains { $0.isNaN }, "MSER needs a series without NaN")
        let k = series.count / batchSize
        guard k >= 2 else { return nil }
        var z: [Double] = []
        z.reserveCapacity(k)
        for j in 0..<k {
            var s = 0.0
            for i in (j * batchSize)..<((j + 1) * batchSize) { s += series[i] }
            z.append(s / Double(batchSize))
        }
        // O(k²) with the squares taken about each truncation's own mean (no cancellation); a simulated year of
        // hourly samples is 1,752 batches.
        let limit = (k - 1) / 2
        var best = (d: 0, value: Double.infinity)
        for d in 0...limit {
            let kept = z[d...]
            let mean = kept.reduce(0, +) / Double(kept.count)
            let ss = kept.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            let value = ss / Double(kept.count * kept.count)
            if value < best.value { best = (d, value) }
        }
        return WarmupDetection(
            batchSize: batchSize, batches: k, truncatedBatches: best.d, statistic: best.value,
            atLimit: best.d == limit && limit > 0)
    }
}
