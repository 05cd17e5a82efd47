#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A probability distribution that can be sampled from a `RandomStream`.
///
/// Parameters are validated once, in a throwing initialiser; `sample` never throws and never fails.
/// `mean` and `variance` are the theoretical moments (tests compare them with sample moments).
public protocol Distribution {
    /// What one draw produces (`Double`, `Int` or `Bool`).
    associatedtype Value
    /// One draw, consuming numbers from `stream`.
    func sample(_ stream: RandomStream) -> Value
    /// The expected value (for `Bool`, the probability of `true`).
    var mean: Double { get }
    /// The variance.
    var variance: Double { get }
}

/// Shared parameter checks. Each returns the value or throws a `GSL_EINVAL` `StochasticError`
/// whose message names the distribution and the parameter.
enum Check {
    static func positiveFinite(_ value: Double, _ distribution: String, _ parameter: String) throws(StochasticError)
        -> Double
    {
        guard value > 0, value.isFinite else {
            throw .invalid(distribution, "\(parameter) must be > 0 and finite", got: value)
        }
        return value
    }

    static func finite(_ value: Double, _ distribution: String, _ parameter: String) throws(StochasticError)
        -> Double
    {
        guard value.isFinite else { throw .invalid(distribution, "\(parameter) must be finite", got: value) }
        return value
    }

    static func probability(_ value: Double, _ distribution: String, _ parameter: String = "probability")
        throws(StochasticError) -> Double
    {
        guard value >= 0, value <= 1 else {
            throw .invalid(distribution, "\(parameter) must be in [0, 1]", got: value)
        }
        return value
    }
}
