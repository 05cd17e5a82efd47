import Testing

@testable import Stochastic

@Suite("Discrete distributions")
struct DiscreteDistributionTests {
    let n = 200_000

    @Test(arguments: [0.7, 4.0, 37.5])
    func poisson(lambda: Double) throws {
        let d = try Poisson(mean: lambda)
        #expect(d.mean == lambda && d.variance == lambda)
        let xs = samples(n, stream: "poisson") { Double(d.sample($0)) }
        #expect(xs.allSatisfy { $0 >= 0 && $0 == $0.rounded() })
        // Poisson central moments: μ₄ = λ(1 + 3λ).
        expectMoments(xs, mean: lambda, variance: lambda, fourthCentralMoment: lambda * (1 + 3 * lambda))
    }

    @Test func poissonWithZeroMeanIsZero() throws {
        let d = try Poisson(mean: 0)
        let stream = RandomStreams(seed: 1, replication: 0).stream("p0")
        #expect((0..<1000).allSatisfy { _ in d.sample(stream) == 0 })
    }

    @Test(arguments: [(10, 0.3), (250, 0.02), (1000, 0.5)])
    func binomial(trials: Int, p: Double) throws {
        let d = try Binomial(trials: trials, probability: p)
        let t = Double(trials)
        let variance = t * p * (1 - p)
        #expect(isClose(d.mean, t * p) && isClose(d.variance, variance))
        let xs = samples(n, stream: "binomial") { Double(d.sample($0)) }
        #expect(xs.allSatisfy { $0 >= 0 && $0 <= t })
        // μ₄ = np(1 − p)[1 + 3(n − 2)p(1 − p)].
        expectMoments(
            xs, mean: t * p, variance: variance, fourthCentralMoment: variance * (1 + 3 * (t - 2) * p * (1 - p)))
    }

    @Test func binomialEdges() throws {
        let stream = RandomStreams(seed: 1, replication: 0).stream("b")
        let all = try Binomial(trials: 17, probability: 1)
        let none = try Binomial(trials: 17, probability: 0)
        let zeroTrials = try Binomial(trials: 0, probability: 0.5)
        for _ in 0..<100 {
            #expect(all.sample(stream) == 17 && none.sample(stream) == 0 && zeroTrials.sample(stream) == 0)
        }
    }

    @Test(arguments: [0.03, 0.5, 0.81])
    func bernoulli(p: Double) throws {
        let d = try Bernoulli(probability: p)
        #expect(d.mean == p && isClose(d.variance, p * (1 - p)))
        let xs = samples(n, stream: "bernoulli") { d.sample($0) ? 1 : 0 }
        // For an indicator, μ₄ = p(1 − p)(1 − 3p + 3p²).
        expectMoments(xs, mean: p, variance: p * (1 - p), fourthCentralMoment: p * (1 - p) * (1 - 3 * p + 3 * p * p))
    }

    @Test func bernoulliEdges() throws {
        let stream = RandomStreams(seed: 1, replication: 0).stream("bern")
        let never = try Bernoulli(probability: 0)
        let always = try Bernoulli(probability: 1)
        #expect((0..<1000).allSatisfy { _ in !never.sample(stream) && always.sample(stream) })
    }

    @Test func categoricalMoments() throws {
        let weights = [1.0, 0, 3, 2, 4]
        let d = try Categorical(weights: weights)
        #expect(d.probabilities == [0.1, 0, 0.3, 0.2, 0.4])
        let mean = 0.0 * 0.1 + 2 * 0.3 + 3 * 0.2 + 4 * 0.4
        let deviations = [0.0, 1, 2, 3, 4].map { $0 - mean }
        let p = d.probabilities
        let variance = zip(deviations, p).reduce(0) { $0 + $1.0 * $1.0 * $1.1 }
        let mu4 = zip(deviations, p).reduce(0) { $0 + $1.0 * $1.0 * $1.0 * $1.0 * $1.1 }
        #expect(isClose(d.mean, mean) && isClose(d.variance, variance))
        let xs = samples(n, stream: "categorical") { Double(d.sample($0)) }
        #expect(!xs.contains(1), "a zero-weight index was drawn")
        expectMoments(xs, mean: mean, variance: variance, fourthCentralMoment: mu4)
    }

    @Test func categoricalWithOneCategory() throws {
        let d = try Categorical(weights: [0.25])
        let stream = RandomStreams(seed: 1, replication: 0).stream("c1")
        #expect((0..<100).allSatisfy { _ in d.sample(stream) == 0 })
        #expect(d.mean == 0 && d.variance == 0)
    }

    @Test func categoricalCopiesShareTheTable() throws {
        let d = try Categorical(weights: [1, 2, 3])
        let copy = d
        let a = RandomStreams(seed: 9, replication: 0).stream("c")
        let b = RandomStreams(seed: 9, replication: 0).stream("c")
        #expect((0..<1000).map { _ in d.sample(a) } == (0..<1000).map { _ in copy.sample(b) })
    }
}
