// Tendermint, Algorithm 1 (Buchman, Kwon, Milosevic 2018), as a pure state machine.

import Ledger

extension ConsensusCore {
    // MARK: - Heights and rounds

    mutating func startHeight(_ h: Height, _ selector: ProposerSelector, _ out: inout [ConsensusOutput]) {
        precondition(proposers == nil || h > height, "heights must increase")
        if let d = decision, d.height + 1 == h, let vs = validatorSet {
            lastCommit = d.certificate
            lastCommitValidators = vs
        } else {
            lastCommit = nil
            lastCommitValidators = nil
        }
        height = h
        proposers = selector
        votes = VoteKeeper(validatorSet: selector.validatorSet, mutations: mutations)
        proposals = [:]
        values = [:]
        validityMemo = [:]
        proposerMemo = [:]
        prevoteTimeoutScheduled = []
        precommitTimeoutScheduled = []
        l36Done = []
        valuesNeeded = []
        awaitingValue = nil
        ownProposals = [:]
        ownVotes = [:]
        farRounds = [:]
        timelyRounds = [:]
        proposalEvidenceRounds = []
        votesRequestedFor = []
        decision = nil
        if !mutations.contains(.noResetAtNewHeight) {
            lockedValue = nil
            lockedRound = -1
            validValue = nil
            validRound = -1
        }
        var firstRound: Round = 0
        if let w = recovery, w.height == h {  // B04: resume from the write-ahead log
            lockedValue = w.lockedValue
            lockedRound = w.lockedRound
            validValue = w.validValue
            validRound = w.validRound
            firstRound = max(w.round, 0)
            for v in [w.lockedValue, w.validValue].compactMap({ $0 }) { values[v.id] = v }
        }
        recovery = nil
        startRound(firstRound, &out)  // L10 / L54
        let pending = buffered
        buffered = []
        bufferedPerSender = [:]
        bufferedSignatures = []
        defer { bufferedTimely = [:] }
        for input in pending {
            switch input {
            case .proposal(let p) where p.height == h: receiveProposal(p, &out)
            case .vote(let v) where v.height == h: receiveVote(v, &out)
            default: break
            }
        }
    }

    /// L11 StartRound(r).
    mutating func startRound(_ r: Round, _ out: inout [ConsensusOutput]) {
        round = r  // L12
        step = .propose  // L13
        awaitingValue = nil
        out.append(.persistWAL(walRecord))  // the round survives a restart
        if let me = address, proposer(round: r) == me {  // L14
            if let v = validValue {  // L15–16
                propose(v, validRound: validRound, &out)  // L19
            } else {
                awaitingValue = r
                out.append(.requestValue(height: height, round: r))  // L18 getValue()
                schedule(.propose, r, &out)  // not in the paper: getValue() is asynchronous here
            }
        } else {
            schedule(.propose, r, &out)  // L21
        }
    }

    func schedule(_ s: TimeoutStep, _ r: Round, _ out: inout [ConsensusOutput]) {
        let d = config.timeouts.duration(s, round: r, constant: mutations.contains(.constantTimeouts))
        out.append(.scheduleTimeout(Timeout(height: height, round: r, step: s), duration: d))
    }
}
