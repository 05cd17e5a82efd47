import Contracts
import Dispatch
import Foundation
import Market
import MarketModel
import Synchronization
import Testing

@Suite("AI dataset sharing lever")
struct AIDatasetSharingTests {
    /// Lever: `ai.dataset_sharing` on (every adjudicated read adds its label on chain: peer review, the outcome of
    /// a recommended follow-up, referrer feedback confirming a discrepancy) against off (no labels are shared).
    /// Outcome: the AI's dataset and so its accuracy, in the emergency-department market at the default
    /// parameters under posted prices, over 9 days (follow-ups are done 7 days after the report).
    ///
    /// Direction and amount: with sharing on, the dataset grows by at least half the adjudications the run can
    /// see: the peer-review rate (5%, domain-parameters.md §4 "Peer review (RADPEER pilot)") of the reports old
    /// enough to be reviewed, plus every report stating a finding old enough for its follow-up; peer review and
    /// follow-up each add labels, no study is labelled twice, and the CT tool's sensitivity rises accordingly.
    /// With sharing off the dataset stays at its initial size. The peer-review count is binomial (about 35 ± 6
    /// here) and the follow-ups are certain, so the half-expectation margin is over five standard deviations: a
    /// false failure is far rarer than 1% with one replication. With the lever disabled (sharing off in both
    /// runs) the test fails.
    @Test func sharingAdjudicatedLabelsGrowsTheDatasetAndTheAIsAccuracy() throws {
        let (seed, base) = try emergencyMarket()
        let posted = try design(base) { if case .postedPrice = $0 { true } else { false } }
        let horizon = 9 * dayTicks
        let specs = [true, false].map { sharing in
            var model = base
            model.ai.datasetSharing = sharing
            return MarketRunSpec(
                model: model, design: posted, seed: seed, replication: 0, horizonTicks: horizon, warmupTicks: 0)
        }
        let box = Mutex<[Result<(MarketRunResult, [LabelRecord]), any Error>?]>([nil, nil])
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            let r = Result {
                var labels: [LabelRecord] = []
                let result = try MarketSimulation.run(specs[i]) { nodes, _ in labels = nodes[0].app.labels }
                return (result, labels)
            }
            box.withLock { $0[i] = r }
        }
        let runs = try box.withLock { try $0.map { try $0!.get() } }
        let ((on, onLabels), (off, offLabels)) = (runs[0], runs[1])

        let initial = base.ai.initialDataset
        func reportedBefore(_ t: Int64) -> (StudyRecord) -> Bool { { $0.reportCommitted.map { $0 < t } ?? false } }
        let reviewable = on.studies.filter(reportedBefore(horizon - base.peerReview.delayTicks))
        let followable = on.studies.filter(reportedBefore(horizon - 7 * dayTicks)).filter(\.followUpRecommended)
        let expected =
            Double(base.peerReview.rateBasisPoints) / 10_000 * Double(reviewable.count)
            + Double(followable.count)
        let added = onLabels.count
        #expect(reviewable.count >= 300 && followable.count >= 10, "\(reviewable.count), \(followable.count)")
        #expect(Double(added) >= expected / 2, "\(added) labels; \(expected) adjudications expected")
        #expect(onLabels.contains { $0.source == .peerReview } && onLabels.contains { $0.source == .followUp })
        #expect(Set(onLabels.map(\.studyID)).count == added, "a study labelled twice")
        // The world's dataset is the chain's: the last hourly sample counts every label appended on chain.
        #expect(on.samples.last?.datasetSize == initial + added)
        #expect(offLabels.isEmpty && off.samples.allSatisfy { $0.datasetSize == initial })
        let ai = AISecondReaderModel(parameters: base.ai)
        func ctGain(_ labels: Double) -> Double {
            ai.sensitivity(.ct, datasetSize: initial + Int(labels)) - ai.sensitivity(.ct, datasetSize: initial)
        }
        #expect(ctGain(Double(added)) >= ctGain(expected / 2) && ctGain(expected / 2) > 0)
    }
}
