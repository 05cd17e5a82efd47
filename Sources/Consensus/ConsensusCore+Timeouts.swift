// Tendermint, Algorithm 1 (Buchman, Kwon, Milosevic 2018), as a pure state machine.

import Ledger

extension ConsensusCore {
    // MARK: - Timeouts (L57, L61, L65)

    mutating func onTimeout(_ t: Timeout, _ out: inout [ConsensusOutput]) {
        // Stale timeouts (another height, round or step) are no-ops.
        guard t.height == height, t.round == round, decision == nil else { return }
        switch t.step {
        case .propose:  // L57 OnTimeoutPropose
            guard step == .propose else { return }  // L58 (the paper: step_p = propose)
            castVote(.prevote, nil, &out)  // L59
            step = .prevote  // L60
        case .prevote:  // L61 OnTimeoutPrevote
            guard step == .prevote else { return }  // L62
            castVote(.precommit, nil, &out)  // L63
            step = .precommit  // L64
        case .precommit:  // L65 OnTimeoutPrecommit
            startRound(round + 1, &out)  // L67
        }
    }
}
