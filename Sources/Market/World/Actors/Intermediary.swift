// The intermediary (a teleradiology company) as a state machine: asked to dispatch, it waits a little to batch,
// then assigns each open study, earliest deadline first, to the eligible on-shift radiologist with the shortest
// queue, paying the client price less its margin.

import Contracts
import DiscreteEvent
import Ledger
import MarketModel

/// The intermediary of the intermediary design.
struct Intermediary {
    /// What happens to the intermediary.
    enum Event: Equatable {
        /// Something changed (a study opened, a shift started, a radiologist is free): dispatch soon.
        case wake
        /// The dispatch timer.
        case dispatch
    }

    /// What the world does for the intermediary, in order.
    enum Action: Equatable {
        /// Set the dispatch timer at `time`.
        case schedule(at: Int64)
        /// The study is being assigned to the radiologist (in flight until its transaction commits).
        case dispatched(StudyID, to: RadiologistID)
        /// Sign and send a transaction as the intermediary.
        case submit(Message, TxKind)
    }

    /// Time between being asked and dispatching.
    static let delayTicks = 10 * SimTime.ticksPerSecond

    private(set) var dispatchScheduled = false

    /// The intermediary's step on `event`, seeing `market` and the radiologists.
    mutating func handle(_ event: Event, in market: MarketView, radiologists: [Radiologist]) -> [Action] {
        switch event {
        case .wake:
            guard market.terms.isIntermediary, !dispatchScheduled else { return [] }
            dispatchScheduled = true
            return [.schedule(at: market.now + Self.delayTicks)]
        case .dispatch:
            dispatchScheduled = false
            return dispatch(market, radiologists)
        }
    }

    /// What the operator pays for a read of `modality` at its list client price (what a radiologist expects).
    static func pay(for modality: Modality, _ terms: MarketDesignSpec.Intermediary, _ model: MarketParameters)
        -> UInt64
    {
        terms.pay(price: terms.clientPrices[modality], wRVU: model.studyWRVU[modality])
    }

    private func dispatch(_ market: MarketView, _ radiologists: [Radiologist]) -> [Action] {
        guard case .intermediary(let terms) = market.terms.mechanism else { return [] }
        var out: [Action] = []
        /// Assignments sent in this dispatch, per radiologist (on top of what each holds and has in flight).
        var sent = Array(repeating: 0, count: radiologists.count)
        var dispatched: [StudyID] = []
        func load(_ r: RadiologistID) -> Int {
            radiologists[r].held.count + radiologists[r].pending.count + sent[r.index]
        }
        // Earliest deadline first (STAT before urgent before routine; ties in posting order), as a teleradiology
        // company's worklist triages.
        let worklist = market.book.filter { market.studies[$0].phase == .open }.sorted {
            (market.studies[$0].deadline, $0) < (market.studies[$1].deadline, $1)
        }
        for s in worklist where !dispatched.contains(s) {
            let study = market.studies[s]
            var best: RadiologistID?
            for r in radiologists.ids
            where radiologists[r].onShift && radiologists[r].isEligible(for: study, market.terms) {
                let l = load(r)
                guard l < Int(radiologists[r].capacity) else { continue }
                if let b = best, load(b) <= l { continue }
                best = r
            }
            guard let r = best, let id = study.chainID else { continue }
            let m = study.generated.study.modality
            let pay = terms.pay(price: study.maxPrice, wRVU: market.terms.model.studyWRVU[m])
            sent[r.index] += 1
            dispatched.append(s)
            out.append(.dispatched(s, to: r))
            out.append(
                .submit(
                    .assignStudy(studyID: id, radiologist: radiologists[r].address, pay: pay),
                    .assign(rad: r, study: s)))
        }
        return out
    }
}
