// Tendermint, Algorithm 1 (Buchman, Kwon, Milosevic 2018), as a pure state machine.

import Ledger

extension ConsensusCore {
    // MARK: - The upon rules

    mutating func isValid(_ v: ProposedValue) -> Bool {
        if let known = validityMemo[v.id] { return known }
        let ok = v.isSelfConsistent && v.payload.count <= config.maxValueBytes && validity(height, v)
        validityMemo[v.id] = ok
        return ok
    }

    /// Applies every enabled upon-rule until none is (each application changes the state, so this ends).
    mutating func applyRules(_ out: inout [ConsensusOutput]) {
        while decision == nil {
            if l49(&out) || l55(&out) || l22or28(&out) || l34(&out) || l36(&out) || l44(&out) || l47(&out) {
                continue
            }
            return
        }
    }

    /// L22 (fresh proposal) and L28 (proposal with a proof of lock change from round vr).
    mutating func l22or28(_ out: inout [ConsensusOutput]) -> Bool {
        guard step == .propose, let p = proposals[round], let votes else { return false }
        let v = p.value
        let vote: Hash?
        if p.validRound == -1 {  // L22
            let lockOK = lockedRound == -1 || lockedValue?.id == v.id || mutations.contains(.dropLockCheck)
            // PBTS (CometBFT): a fresh proposal must also be timely when first seen; a re-proposal (L28) need not.
            let timely = timelyRounds[round] ?? true
            vote = isValid(v) && timely && lockOK ? v.id : nil  // L23–26
        } else {  // L28
            guard p.validRound < round, votes.hasQuorum(.prevote, round: p.validRound, valueID: v.id) else {
                return false
            }
            let roundOK =
                mutations.contains(.lockedRoundLessThanInsteadOfLE)
                ? lockedRound < p.validRound : lockedRound <= p.validRound
            let lockOK = roundOK || lockedValue?.id == v.id || mutations.contains(.dropLockCheck)
            vote = isValid(v) && lockOK ? v.id : nil  // L29–32
        }
        awaitingValue = nil
        castVote(.prevote, vote, &out)
        step = .prevote  // L27 / L33
        return true
    }

    /// L34: 2f+1 ⟨PREVOTE, h_p, round_p, ∗⟩ while step = prevote, for the first time: schedule OnTimeoutPrevote.
    mutating func l34(_ out: inout [ConsensusOutput]) -> Bool {
        guard step == .prevote, !prevoteTimeoutScheduled.contains(round),
            votes?.hasQuorumForAny(.prevote, round: round) == true
        else { return false }
        prevoteTimeoutScheduled.insert(round)
        schedule(.prevote, round, &out)  // L35
        return true
    }

    /// L36: proposal v for round_p with 2f+1 prevotes for id(v), valid(v), step ≥ prevote, first time.
    mutating func l36(_ out: inout [ConsensusOutput]) -> Bool {
        guard step >= .prevote, !l36Done.contains(round), let p = proposals[round],
            votes?.hasQuorum(.prevote, round: round, valueID: p.value.id) == true, isValid(p.value)
        else { return false }
        l36Done.insert(round)
        let wasPrevote = step == .prevote
        if wasPrevote || !mutations.contains(.validValueOnlyInPrevote) {
            validValue = p.value  // L42 (set before the precommit so that one WAL record carries both)
            validRound = round  // L43
        }
        if wasPrevote {  // L37
            lockedValue = p.value  // L38
            lockedRound = round  // L39
            out.append(.persistWAL(walRecord))  // the lock is durable before the precommit leaves (B04)
            castVote(.precommit, p.value.id, &out)  // L40
            step = .precommit  // L41
        } else {
            out.append(.persistWAL(walRecord))
        }
        return true
    }

    /// L44: 2f+1 ⟨PREVOTE, h_p, round_p, nil⟩ while step = prevote: precommit nil.
    mutating func l44(_ out: inout [ConsensusOutput]) -> Bool {
        guard step == .prevote, votes?.hasQuorum(.prevote, round: round, valueID: nil) == true else { return false }
        castVote(.precommit, nil, &out)  // L45
        step = .precommit  // L46
        return true
    }

    /// L47: 2f+1 ⟨PRECOMMIT, h_p, round_p, ∗⟩ for the first time: schedule OnTimeoutPrecommit.
    mutating func l47(_ out: inout [ConsensusOutput]) -> Bool {
        guard !precommitTimeoutScheduled.contains(round), votes?.hasQuorumForAny(.precommit, round: round) == true
        else { return false }
        precommitTimeoutScheduled.insert(round)
        schedule(.precommit, round, &out)  // L48
        return true
    }

    /// L49: a value v and 2f+1 ⟨PRECOMMIT, h_p, r, id(v)⟩ for any round r, while decision_p[h_p] = nil.
    mutating func l49(_ out: inout [ConsensusOutput]) -> Bool {
        guard let votes else { return false }
        for (r, maybeID) in votes.precommitQuorums {
            guard let id = maybeID else { continue }
            guard let v = values[id] else {
                if valuesNeeded.insert(id).inserted {
                    out.append(.needValue(height: height, round: r, valueID: id))
                    return true
                }
                continue
            }
            guard isValid(v) else { continue }  // L50
            let vs = votes.validatorSet
            let signatures = votes.votes(.precommit, round: r, valueID: id).map { vote in
                CommitSignature(validatorIndex: UInt32(vs.index(of: vote.validator)!), signature: vote.signature)
            }
            let d = Decision(
                height: height, round: r, value: v,
                certificate: CommitCertificate(height: height, round: r, blockID: id, signatures: signatures))
            decision = d  // L51
            step = .decided
            out.append(.decide(d))
            return true  // L52–54 (h_p + 1, reset, StartRound(0)) happen at the driver's startHeight
        }
        return false
    }

    /// L55: f+1 ⟨∗, h_p, round, ∗, ∗⟩ with round > round_p: StartRound(round).
    ///
    /// Messages beyond the round window are not stored (B16); for them the rule is applied to each validator's
    /// highest far round: if validators with more than 1/3 of the power each sent a message from a round ≥ r'
    /// (r' the largest such round), StartRound(r'). Some correct process is then in a round ≥ r', which is what
    /// L55 relies on for liveness; safety never depends on which round a process is in.
    mutating func l55(_ out: inout [ConsensusOutput]) -> Bool {
        guard !mutations.contains(.skipL55), let votes else { return false }
        for r in votes.roundsSeen.reversed() where r > round {
            if votes.validatorSet.isOneThirdPlus(votes.senderPower(round: r)) {
                startRound(r, &out)  // L56
                return true
            }
        }
        if !farRounds.isEmpty {
            var power: UInt64 = 0
            let ranked = farRounds.sorted { a, b in a.value != b.value ? a.value > b.value : a.key < b.key }
            for (a, r) in ranked where r > round {
                power += votes.validatorSet.power(of: a)
                if votes.validatorSet.isOneThirdPlus(power) {
                    startRound(r, &out)  // L56, far-round form
                    farRounds = farRounds.filter { $0.value > r }
                    return true
                }
            }
        }
        return false
    }
}
