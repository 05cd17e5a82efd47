import DiscreteEvent
import Foundation
import MarketModel
import Stochastic

/// The log-odds helpers the error model is written in.
@inlinable func logit(_ p: Double) -> Double { log(p / (1 - p)) }
@inlinable func logistic(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

/// Where a radiologist stands when a read starts.
public struct ReadConditions: Sendable, Equatable {
    /// Chosen pace (1 = normal; 2 = twice as fast).
    public var pace: Double
    /// Hours since the start of the shift.
    public var hoursIntoShift: Double
    /// The shift's volume in studies: the wiring layer passes ``ErrorModel/projectedShiftVolume(readSoFar:hoursIntoShift:shiftHours:)``,
    /// so a busy shift counts as busy from its start (Ivanovic compares whole shifts by their volume).
    public var shiftVolume: Int
    /// Whether the radiologist is burned out (``BurnoutModel/isBurnedOut``).
    public var burnedOut: Bool
    /// Whether the requisition carries a clinical question.
    public var goodRequisition: Bool
    /// The odds ratio of a miss from an answered consult with the referrer (1: no consult).
    public var consultMissOddsRatio: Double

    public init(
        pace: Double = 1, hoursIntoShift: Double = 0, shiftVolume: Int = 0, burnedOut: Bool = false,
        goodRequisition: Bool = true, consultMissOddsRatio: Double = 1
    ) {
        self.consultMissOddsRatio = consultMissOddsRatio
        self.pace = pace
        self.hoursIntoShift = hoursIntoShift
        self.shiftVolume = shiftVolume
        self.burnedOut = burnedOut
        self.goodRequisition = goodRequisition
    }
}

/// A discrepancy between the report and the truth.
public enum Discrepancy: Int, Sendable, Equatable, Comparable {
    case none = 0
    case minor, major
    public static func < (a: Discrepancy, b: Discrepancy) -> Bool { a.rawValue < b.rawValue }
}

/// The result of a read: its outcome against the truth (``ReadOutcome``), the discrepancy, and whether the AI
/// changed it.
public struct ReadResult: Sendable, Equatable {
    public var classification: ReadOutcome
    /// FN: the missed finding's severity; FP: minor (an over-call seldom changes management, Garland's false
    /// positives in domain-parameters.md §4 "Retrospective error rate"); otherwise none.
    public var discrepancy: Discrepancy
    /// Whether the AI second reader's flag changed the radiologist's call.
    public var changedByAI: Bool
    /// The AI second reader's own verdict (true: "finding"), before the radiologist's final call; nil when no AI
    /// read the study. The report carries it on chain (`ReportSubmission.aiFinding`).
    public var aiSaysFinding: Bool?

    public init(
        classification: ReadOutcome, discrepancy: Discrepancy, changedByAI: Bool = false, aiSaysFinding: Bool? = nil
    ) {
        self.classification = classification
        self.discrepancy = discrepancy
        self.changedByAI = changedByAI
        self.aiSaysFinding = aiSaysFinding
    }

    /// Whether the report states a finding (what goes into `SubmitReport.findings`).
    public var reportsFinding: Bool { classification.reportsFinding }
}

/// Probability of a miss and of an over-call, as a logistic model on the odds.
///
/// Functional form (log-odds add; every factor is an odds ratio):
///
///     logit P(miss)     = logit(accuracy.missProbability)
///                       + elasticity · ln(pace)                                  Sokolovskaya 2015, §4
///                       + ln(fatigue.oddsRatioPerHour) · max(0, hours − onset)   Hanna 2018, Patel 2020, §4
///                       + ln(fatigue.oddsRatioPer10Studies) · max(0, volume − threshold) / 10   Ivanovic, §4
///                       + ln(burnout.errorOddsRatio) · [burned out]             Panagioti 2018, §4
///                       + ln(accuracy.poorRequisitionOddsRatio) · [no clinical question]   Lacson 2018, §7
///     logit P(over-call) = logit(accuracy.overcallProbability) + the same pace, fatigue and burnout terms
///
/// The requisition term applies to misses only: added clinical history raises sensitivity *and* false
/// positives (Castillo 2021, §7 "Effect of clinical information on accuracy"), so lacking it does not raise
/// over-calls. Sokolovskaya's elasticity is for a relative risk (miss ∝ speed^1.4); on odds it is the same to
/// first order at the low base rates here. The AI second reader is applied after the human read
/// (``AISecondReaderModel/review(_:truth:modality:datasetSize:verdictDraw:adoptDraw:)``).
public struct ErrorModel: Sendable, Equatable {
    public var accuracy: Accuracy
    public var fatigue: Fatigue
    public var burnout: Burnout
    public var pace: Pace

    public init(
        accuracy: Accuracy = Accuracy(), fatigue: Fatigue = Fatigue(), burnout: Burnout = Burnout(),
        pace: Pace = Pace()
    ) {
        self.accuracy = accuracy
        self.fatigue = fatigue
        self.burnout = burnout
        self.pace = pace
    }

    public init(cohort: RadiologistCohort) {
        self.init(accuracy: cohort.accuracy, fatigue: cohort.fatigue, burnout: cohort.burnout, pace: cohort.pace)
    }

    /// The projected shift volume at a read: studies read so far, extrapolated to the whole shift at the rate so
    /// far (once an hour has passed), never less than the studies already read plus this one.
    public static func projectedShiftVolume(readSoFar: Int, hoursIntoShift: Double, shiftHours: Double) -> Int {
        guard hoursIntoShift >= 1, shiftHours > hoursIntoShift else { return readSoFar + 1 }
        return max(readSoFar + 1, Int((Double(readSoFar) / hoursIntoShift * shiftHours).rounded()))
    }

    /// The log of the odds ratio shared by misses and over-calls (pace, fatigue, burnout).
    public func sharedLogOddsRatio(_ c: ReadConditions) -> Double {
        let onsetHours = Double(fatigue.onsetTicks) / Double(SimTime.ticksPerHour)
        var x = pace.elasticity * log(c.pace)
        x += log(fatigue.oddsRatioPerHour) * max(0, c.hoursIntoShift - onsetHours)
        x += log(fatigue.oddsRatioPer10Studies) * Double(max(0, c.shiftVolume - fatigue.volumeThreshold)) / 10
        if c.burnedOut { x += log(burnout.errorOddsRatio) }
        return x
    }

    /// P(miss | finding present), in (0, 1).
    public func missProbability(_ c: ReadConditions) -> Double {
        var x = logit(accuracy.missProbability) + sharedLogOddsRatio(c)
        if !c.goodRequisition { x += log(accuracy.poorRequisitionOddsRatio) }
        if c.consultMissOddsRatio != 1 { x += log(c.consultMissOddsRatio) }
        return logistic(x)
    }

    /// P(over-call | no finding), in (0, 1).
    public func overcallProbability(_ c: ReadConditions) -> Double {
        logistic(logit(accuracy.overcallProbability) + sharedLogOddsRatio(c))
    }

    /// P(error) for a study with finding prevalence `prevalence`.
    public func errorProbability(_ c: ReadConditions, prevalence: Double) -> Double {
        prevalence * missProbability(c) + (1 - prevalence) * overcallProbability(c)
    }

    /// The human read of a study with the given truth: one uniform drawn from `stream` per read.
    public func read(truth: LatentTruth, conditions: ReadConditions, stream: RandomStream) -> ReadResult {
        read(truth: truth, conditions: conditions, uniform: stream.uniform())
    }

    /// The human read of a study with the given truth, decided by the uniform `u` in [0, 1): wrong when `u` falls
    /// below the miss (finding present) or over-call (no finding) probability. The world passes the study's own
    /// uniform (``ReadDraws/error``), so one study read under two designs is wrong under both or under the one
    /// with the higher error probability only.
    public func read(truth: LatentTruth, conditions: ReadConditions, uniform u: Double) -> ReadResult {
        if truth.hasFinding {
            return u < missProbability(conditions)
                ? ReadResult(
                    classification: .falseNegative, discrepancy: truth.severity == .major ? .major : .minor,
                    changedByAI: false)
                : ReadResult(classification: .truePositive, discrepancy: .none, changedByAI: false)
        }
        return u < overcallProbability(conditions)
            ? ReadResult(classification: .falsePositive, discrepancy: .minor, changedByAI: false)
            : ReadResult(classification: .trueNegative, discrepancy: .none, changedByAI: false)
    }

    /// The read, then the AI second reader's review of a `modality` study when `ai` is given (pass `nil` when it
    /// is off), from `stream` (the read's uniform, then the AI's two).
    public func read(
        truth: LatentTruth, conditions: ReadConditions, ai: AISecondReaderModel?, modality: Modality,
        datasetSize: Int, stream: RandomStream
    ) -> ReadResult {
        let human = read(truth: truth, conditions: conditions, stream: stream)
        guard let ai else { return human }
        return ai.review(human, truth: truth, modality: modality, datasetSize: datasetSize, stream: stream)
    }

    /// The read, then the AI second reader's review of a `modality` study when `ai` is given (pass `nil` when it
    /// is off), from one read's keyed uniforms (``ReadDraws``: `error`, `aiVerdict`, `aiAdoption`).
    public func read(
        truth: LatentTruth, conditions: ReadConditions, ai: AISecondReaderModel?, modality: Modality,
        datasetSize: Int, draws: ReadDraws
    ) -> ReadResult {
        let human = read(truth: truth, conditions: conditions, uniform: draws.error)
        guard let ai else { return human }
        return ai.review(
            human, truth: truth, modality: modality, datasetSize: datasetSize, verdictDraw: draws.aiVerdict,
            adoptDraw: draws.aiAdoption)
    }
}
