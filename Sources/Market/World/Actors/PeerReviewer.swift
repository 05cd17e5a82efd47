// The peer-review programme as a state machine: when the chain samples a reported study it picks a reviewer in
// rotation; when the review is due, the reviewer re-reads the study (RADPEER score from the reviewer's own
// stream) and signs the review.

import Contracts
import Ledger
import MarketModel
import Stochastic

/// Picks peer reviewers in rotation and makes their reviews.
struct PeerReviewer {
    /// What happens to the programme.
    enum Event: Equatable {
        /// The chain sampled the study `author` reported, at `time`.
        case sampled(StudyID, author: RadiologistID, at: Int64)
        /// The review of `study` by `reviewer` is due.
        case due(reviewer: RadiologistID, study: StudyID)
    }

    /// What the world does for the programme, in order.
    enum Action: Equatable {
        /// `reviewer` reviews the study at `time` (its ``Event/due(reviewer:study:)``).
        case schedule(reviewer: RadiologistID, study: StudyID, at: Int64)
        /// Record the review's RADPEER label and whether it caught an error.
        case scored(StudyID, score: ReviewScore, detected: Bool?)
        /// Sign and send a transaction as the reviewer.
        case submit(RadiologistID, Message, TxKind)
    }

    let model: PeerReviewModel
    /// Each radiologist's stream for its reviews (`review.<radiologist>`), by `RadiologistID`.
    let streams: [RandomStream]
    /// Where the rotation resumes.
    private(set) var cursor = 0

    init(model: PeerReviewModel, streams: [RandomStream]) {
        self.model = model
        self.streams = streams
    }

    /// The programme's step on `event`, seeing `market` and the radiologists.
    mutating func handle(_ event: Event, in market: MarketView, radiologists: [Radiologist]) -> [Action] {
        switch event {
        case .sampled(let s, let author, let t):
            guard let reviewer = chooseReviewer(for: market.studies[s], author: author, radiologists, market.terms)
            else { return [] }
            return [.schedule(reviewer: reviewer, study: s, at: t + market.terms.model.peerReview.delayTicks)]
        case .due(let r, let s):
            return review(by: r, s, market)
        }
    }

    /// The next radiologist in rotation, after the last one chosen, who may review the study.
    private mutating func chooseReviewer(
        for study: LocalStudy, author: RadiologistID, _ radiologists: [Radiologist], _ terms: MarketTerms
    ) -> RadiologistID? {
        let n = radiologists.count
        for k in 0..<n {
            let r = RadiologistID((cursor + k) % n)
            guard r != author, radiologists[r].canReview(study, terms) else { continue }
            cursor = r.index + 1
            return r
        }
        return nil
    }

    private func review(by r: RadiologistID, _ s: StudyID, _ market: MarketView) -> [Action] {
        let study = market.studies[s]
        guard let id = study.chainID, market.now < market.terms.horizonTicks else { return [] }
        let outcome = study.outcome ?? ReadResult(classification: .trueNegative, discrepancy: .none)
        let score = model.score(outcome, stream: streams[r.index])
        return [
            .scored(s, score: score, detected: outcome.classification.isError ? score.isDiscrepancy : nil),
            .submit(
                r, .submitPeerReview(studyID: id, score: score, labels: market.sharedLabels(of: s)),
                .review(rad: r, study: s)),
        ]
    }
}
