import CGSL

/// The Poisson distribution (`gsl_ran_poisson`).
public struct Poisson: Distribution, Sendable, Equatable {
    public let mean: Double
    /// The largest accepted mean: GSL returns an `unsigned int`, so counts must stay well below 2³².
    public static let maximumMean = 1e9

    /// - Throws: `StochasticError` unless `0 <= mean <= maximumMean`.
    public init(mean: Double) throws(StochasticError) {
        guard mean >= 0, mean <= Poisson.maximumMean else {
            throw .invalid("poisson", "mean must be in [0, \(Poisson.maximumMean)]", got: mean)
        }
        self.mean = mean
    }

    /// - Complexity: O(log mean) expected (GSL reduces large means through gamma and binomial draws).
    public func sample(_ stream: RandomStream) -> Int { Int(gsl_ran_poisson(stream.rng, mean)) }
    public var variance: Double { mean }
}

/// The binomial distribution: successes in `trials` independent trials (`gsl_ran_binomial`).
public struct Binomial: Distribution, Sendable, Equatable {
    public let trials: Int
    public let probability: Double

    /// - Throws: `StochasticError` unless `0 <= trials <= UInt32.max` and `probability` is in [0, 1].
    public init(trials: Int, probability: Double) throws(StochasticError) {
        guard trials >= 0, trials <= Int(UInt32.max) else {
            throw .invalid("binomial", "trials must be in [0, \(UInt32.max)]", got: trials)
        }
        self.trials = trials
        self.probability = try Check.probability(probability, "binomial")
    }

    /// - Complexity: O(1) expected (BTPE for large `trials`).
    public func sample(_ stream: RandomStream) -> Int {
        Int(gsl_ran_binomial(stream.rng, probability, UInt32(trials)))
    }
    public var mean: Double { Double(trials) * probability }
    public var variance: Double { Double(trials) * probability * (1 - probability) }
}

/// The Bernoulli distribution: `true` with `probability` (`gsl_ran_bernoulli`).
public struct Bernoulli: Distribution, Sendable, Equatable {
    public let probability: Double

    /// - Throws: `StochasticError` unless `probability` is in [0, 1].
    public init(probability: Double) throws(StochasticError) {
        self.probability = try Check.probability(probability, "bernoulli")
    }

    /// - Complexity: O(1).
    public func sample(_ stream: RandomStream) -> Bool { gsl_ran_bernoulli(stream.rng, probability) == 1 }
    public var mean: Double { probability }
    public var variance: Double { probability * (1 - probability) }
}
