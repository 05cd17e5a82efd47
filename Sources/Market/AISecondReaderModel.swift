import Foundation
import MarketModel
import Stochastic

/// The AI second reader: one tool per modality (``AISecondReader/sensitivityAtReference``), each on a power-law
/// learning curve in the validated dataset, and its effect on a human read.
///
/// **Learning curve** (Hestness 2017, domain-parameters.md §8 "Generalisation error vs data"): for each of
/// e = 1 − sensitivity and e = 1 − specificity,
///
///     e(m) = (e_ref − γ) · (m / m_ref)^β + γ,   β = `exponent` (default −0.3; §8: −0.07…−0.35, Thian 2022
///                                                −0.28…−0.52), γ = `irreducibleError`
///
/// clamped to [γ, 1 − γ] and evaluated at m ≥ 1.
///
/// **Second reading.** The AI's verdict is independent of the human's given the truth. When it contradicts
/// the human, the radiologist adopts it with probability `acceptanceProbability` if the AI is right, and with
/// `acceptanceProbability × falseFlagAcceptanceRatio` if it is wrong (radiologists re-look and mostly reject a
/// wrong flag). The ratio default, 0.02, is **[derived]** from §8 MASAI: detection rose 20% while false
/// positives stayed at 1.5% in both arms, so wrong flags were almost never adopted. So the AI catches
/// `sensitivity × acceptance` of misses and costs `(1 − specificity) × acceptance × ratio` in added over-calls.
public struct AISecondReaderModel: Sendable, Equatable {
    public var parameters: AISecondReader
    public var falseFlagAcceptanceRatio: Double

    public init(parameters: AISecondReader = AISecondReader(), falseFlagAcceptanceRatio: Double = 0.02) {
        self.parameters = parameters
        self.falseFlagAcceptanceRatio = falseFlagAcceptanceRatio
    }

    func error(atReference reference: Double, datasetSize: Int) -> Double {
        let g = parameters.irreducibleError
        let m = Double(max(1, datasetSize)) / Double(max(1, parameters.referenceDataset))
        let e = (reference - g) * pow(m, parameters.exponent) + g
        return min(max(e, g), 1 - g)
    }

    /// Sensitivity of the `modality` tool with `datasetSize` validated cases.
    public func sensitivity(_ modality: Modality, datasetSize: Int) -> Double {
        1 - error(atReference: 1 - parameters.sensitivityAtReference[modality], datasetSize: datasetSize)
    }

    /// Specificity of the `modality` tool with `datasetSize` validated cases.
    public func specificity(_ modality: Modality, datasetSize: Int) -> Double {
        1 - error(atReference: 1 - parameters.specificityAtReference[modality], datasetSize: datasetSize)
    }

    /// The read after the AI's review. Draws two uniforms from `stream` (the AI's verdict, the adoption).
    public func review(
        _ human: ReadResult, truth: LatentTruth, modality: Modality, datasetSize: Int, stream: RandomStream
    ) -> ReadResult {
        let verdictDraw = stream.uniform()
        let adoptDraw = stream.uniform()
        return review(
            human, truth: truth, modality: modality, datasetSize: datasetSize, verdictDraw: verdictDraw,
            adoptDraw: adoptDraw)
    }

    /// The read of a `modality` study after the AI's review: the AI says "finding" when `verdictDraw` falls below
    /// its sensitivity (finding present) or at or above its specificity (none); a contradicting flag is adopted
    /// when `adoptDraw` falls below the adoption probability. Both uniforms in [0, 1).
    public func review(
        _ human: ReadResult, truth: LatentTruth, modality: Modality, datasetSize: Int, verdictDraw: Double,
        adoptDraw: Double
    ) -> ReadResult {
        guard parameters.enabled else { return human }
        let aiSaysFinding =
            truth.hasFinding
            ? verdictDraw < sensitivity(modality, datasetSize: datasetSize)
            : verdictDraw >= specificity(modality, datasetSize: datasetSize)
        var kept = human
        kept.aiSaysFinding = aiSaysFinding
        guard aiSaysFinding != human.reportsFinding else { return kept }
        let aiRight = aiSaysFinding == truth.hasFinding
        let adopt = parameters.acceptanceProbability * (aiRight ? 1 : falseFlagAcceptanceRatio)
        guard adoptDraw < adopt else { return kept }
        var flipped: ReadResult =
            switch human.classification {
            case .falseNegative: ReadResult(classification: .truePositive, discrepancy: .none, changedByAI: true)
            case .truePositive:
                ReadResult(
                    classification: .falseNegative, discrepancy: truth.severity == .major ? .major : .minor,
                    changedByAI: true)
            case .falsePositive: ReadResult(classification: .trueNegative, discrepancy: .none, changedByAI: true)
            case .trueNegative: ReadResult(classification: .falsePositive, discrepancy: .minor, changedByAI: true)
            }
        flipped.aiSaysFinding = aiSaysFinding
        return flipped
    }
}
