import CGSL

/// A distribution over indices `0..<weights.count`, with probabilities proportional to `weights`.
///
/// Uses Walker's alias method as implemented by `gsl_ran_discrete_preproc` (O(K) set-up) and
/// `gsl_ran_discrete` (O(1) per draw). A value type: copies share one immutable lookup table.
public struct Categorical: Distribution, Sendable {
    /// The normalised probabilities, `weights[i] / sum(weights)`.
    public let probabilities: [Double]
    private let table: DiscreteTable

    /// - Throws: `StochasticError` if `weights` is empty, has a negative, NaN or infinite entry,
    ///   or sums to zero; or if `gsl_ran_discrete_preproc` fails.
    /// - Complexity: O(K) for K weights.
    public init(weights: [Double]) throws(StochasticError) {
        guard !weights.isEmpty else { throw .invalid("categorical", "weights must not be empty", got: "[]") }
        for (index, weight) in weights.enumerated() where !(weight >= 0 && weight.isFinite) {
            throw .invalid("categorical", "weights[\(index)] must be >= 0 and finite", got: weight)
        }
        let total = weights.reduce(0, +)
        guard total > 0, total.isFinite else {
            throw .invalid("categorical", "weights must have a positive, finite sum", got: total)
        }
        probabilities = weights.map { $0 / total }
        table = try DiscreteTable(weights: weights)
    }

    /// - Complexity: O(1).
    public func sample(_ stream: RandomStream) -> Int { Int(gsl_ran_discrete(stream.rng, table.handle)) }

    /// The expected index, `Σ i pᵢ`.
    /// - Complexity: O(K).
    public var mean: Double {
        probabilities.enumerated().reduce(0) { $0 + Double($1.offset) * $1.element }
    }

    /// The variance of the index.
    /// - Complexity: O(K).
    public var variance: Double {
        let mean = self.mean
        return probabilities.enumerated().reduce(0) {
            let deviation = Double($1.offset) - mean
            return $0 + deviation * deviation * $1.element
        }
    }
}

/// Owns one `gsl_ran_discrete_t`, freed in `deinit`.
///
/// `@unchecked Sendable` is safe: the table is written only by `gsl_ran_discrete_preproc` during
/// `init`, and afterwards GSL only reads it (`gsl_ran_discrete` takes a `const gsl_ran_discrete_t *`),
/// so concurrent replications may share it.
final class DiscreteTable: @unchecked Sendable {
    let handle: UnsafeMutablePointer<gsl_ran_discrete_t>

    init(weights: [Double]) throws(StochasticError) {
        GSL.ensureInitialised()
        guard let handle = gsl_ran_discrete_preproc(weights.count, weights) else {
            // Our checks rule out GSL's GSL_EINVAL cases (K < 1, a negative weight), leaving allocation.
            throw .gsl(GSL.outOfMemory, "categorical: gsl_ran_discrete_preproc(K: \(weights.count)) failed")
        }
        self.handle = handle
    }

    deinit {
        gsl_ran_discrete_free(handle)
    }
}
