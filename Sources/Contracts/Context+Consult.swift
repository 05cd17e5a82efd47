import Ledger
import MarketModel

/// Consults (issue 18 item 1): a study's reader asks the client's referring clinician about a hard or ambiguous
/// read, and the client records the referrer's reply. Both are transactions; the state keeps one byte per study
/// (`cst/<id>`), and no clinical content goes on chain.
/// The stored state of a study's consult.
public enum ConsultState: UInt8, Sendable {
    case requested = 0
    case answered = 1
    case declined = 2
}

extension Context {
    /// The study's consult state (nil: none requested).
    func consultState(_ id: UInt64) -> ConsultState? {
        guard let v = store.get(StateKeys.consult(id)), v.count == 1 else { return nil }
        return ConsultState(rawValue: v[0])
    }

    /// The assignee of an assigned study asks for a consult, once per study.
    mutating func requestConsult(_ id: UInt64, sender: Address) throws(ContractError) {
        let s = try study(id)
        guard s.state == .assigned, let rad = s.assignee else {
            throw ContractError(.wrongStudyState, "study is \(s.state)")
        }
        guard rad == sender else { throw ContractError(.notAssignee, "only the assigned reader asks for a consult") }
        guard consultState(id) == nil else { throw ContractError(.alreadyExists, "a consult was already requested") }
        store.set(StateKeys.consult(id), [ConsultState.requested.rawValue])
        emit(.consultRequested(study: id, radiologist: rad))
    }

    /// The study's client records the referrer's reply to its open consult, once.
    mutating func answerConsult(_ id: UInt64, answered: Bool, sender: Address) throws(ContractError) {
        let s = try study(id)
        guard s.client == sender else { throw ContractError(.unauthorized, "only the study's client answers") }
        guard let state = consultState(id) else { throw ContractError(.notFound, "no consult requested") }
        guard state == .requested else { throw ContractError(.alreadyExists, "the consult was already answered") }
        store.set(StateKeys.consult(id), [(answered ? ConsultState.answered : ConsultState.declined).rawValue])
        emit(.consultAnswered(study: id, answered: answered))
    }
}
