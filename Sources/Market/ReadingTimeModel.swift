import MarketModel
import Stochastic

/// How long a read takes: `time = X · s / p · (1 + aiEffect)`, where X is drawn from the cohort's reading-time
/// distribution for the modality (lognormal by mean and CV, or exponential), s is the radiologist's personal speed
/// factor (drawn once, lognormal with mean 1 and CV `speedCV`; s > 1 is slower), p is the chosen pace (time
/// scales as 1/p, `Pace` in MarketParameters; Sokolovskaya 2015 varies speed the same way), and aiEffect is
/// `AISecondReader.readingTimeEffectBasisPoints` when the AI is used (−10%: domain-parameters.md §8 "AI effect
/// on CXR reading time").
public struct ReadingTimeModel: Sendable {
    public let readingTime: PerModality<ReadingTime>
    private let distributions: [ReadingDistribution]

    enum ReadingDistribution: Sendable {
        case lognormal(LogNormal)
        case exponential(Exponential)
    }

    /// - Throws: `StochasticError` for a non-positive mean or CV.
    public init(readingTime: PerModality<ReadingTime>) throws(StochasticError) {
        self.readingTime = readingTime
        var distributions: [ReadingDistribution] = []
        for spec in readingTime.values {
            switch spec.distribution {
            case .lognormal:
                distributions.append(
                    .lognormal(try LogNormal(mean: Double(spec.meanTicks), coefficientOfVariation: spec.cv)))
            case .exponential:
                distributions.append(.exponential(try Exponential(mean: Double(spec.meanTicks))))
            }
        }
        self.distributions = distributions
    }

    /// A radiologist's personal speed factor: lognormal with mean 1 and CV `speedCV` (1 when `speedCV` is 0).
    /// Draw it once per radiologist, from a stream named for the radiologist (e.g. `speed.<name>`).
    public static func drawSpeedFactor(speedCV: Double, stream: RandomStream) -> Double {
        guard speedCV > 0, let distribution = try? LogNormal(mean: 1, coefficientOfVariation: speedCV) else {
            return 1
        }
        return distribution.sample(stream)
    }

    /// Expected reading time, ticks.
    public func meanTicks(_ modality: Modality, speedFactor: Double, pace: Double, aiEffectBasisPoints: Int = 0)
        -> Double
    {
        Double(readingTime[modality].meanTicks) * speedFactor / pace * (1 + Double(aiEffectBasisPoints) / 10_000)
    }

    /// One read's duration, ticks, at least 1, from one uniform of `stream`
    /// (``sampleTicks(_:speedFactor:pace:aiEffectBasisPoints:uniform:)``).
    public func sampleTicks(
        _ modality: Modality, speedFactor: Double, pace: Double, aiEffectBasisPoints: Int = 0, stream: RandomStream
    ) -> Int64 {
        sampleTicks(
            modality, speedFactor: speedFactor, pace: pace, aiEffectBasisPoints: aiEffectBasisPoints,
            uniform: stream.uniformPositive())
    }

    /// One read's duration, ticks, at least 1: X is the modality's distribution inverted at `u` (its quantile),
    /// so one study's uniform (``ReadDraws/readingTime``) gives the same X to every reader, scaled by each one's
    /// speed factor and pace.
    /// - Parameters:
    ///   - speedFactor: the radiologist's personal factor (> 0).
    ///   - pace: chosen pace (> 0).
    ///   - aiEffectBasisPoints: change in time with the AI second reader (0 without it).
    ///   - u: uniform in (0, 1).
    public func sampleTicks(
        _ modality: Modality, speedFactor: Double, pace: Double, aiEffectBasisPoints: Int = 0, uniform u: Double
    ) -> Int64 {
        precondition(speedFactor > 0 && pace > 0, "speed factor and pace must be positive")
        let index = Modality.allCases.firstIndex(of: modality)!
        let base: Double =
            switch distributions[index] {
            case .lognormal(let d): d.quantile(u)
            case .exponential(let d): d.quantile(u)
            }
        let ticks = base * speedFactor / pace * max(0, 1 + Double(aiEffectBasisPoints) / 10_000)
        return max(1, Int64(ticks.rounded()))
    }
}
