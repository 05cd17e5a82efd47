// Tendermint, Algorithm 1 (Buchman, Kwon, Milosevic 2018), as a pure state machine.

import Ledger

extension ConsensusCore {
    // MARK: - Sending

    mutating func propose(_ v: ProposedValue, validRound vr: Round, _ out: inout [ConsensusOutput]) {
        guard var s = signer else { return }
        let bytes = Proposal.signBytes(
            chainID: config.chainID, height: height, round: round, valueID: v.id, validRound: vr)
        let signature: Signature
        switch s.sign(height: height, round: round, step: .proposal, signBytes: bytes) {
        case .signed(let sig):
            signature = sig
            if !s.guardDisabled { out.append(.persistSignerState(s.state)) }
        case .repeated(let sig):
            signature = sig
        case .refused:
            return
        }
        signer = s
        let p = Proposal(
            chainID: config.chainID, height: height, round: round, value: v, validRound: vr, proposer: s.address,
            signature: signature)
        out.append(.broadcastProposal(p))  // L19
        ownProposals[round] = p
        if proposals[round] == nil { accept(p) }
    }

    /// Signs and broadcasts a vote for the current round, and counts it locally.
    mutating func castVote(_ type: VoteType, _ id: Hash?, _ out: inout [ConsensusOutput]) {
        guard var s = signer, validatorSet?.validator(s.address) != nil else { return }
        let bytes = Vote.signBytes(chainID: config.chainID, type: type, height: height, round: round, valueID: id)
        let signature: Signature
        switch s.sign(height: height, round: round, step: type == .prevote ? .prevote : .precommit, signBytes: bytes) {
        case .signed(let sig):
            signature = sig
            if !s.guardDisabled { out.append(.persistSignerState(s.state)) }
        case .repeated(let sig):
            signature = sig
        case .refused:
            return  // the double-sign guard: say nothing rather than contradict an earlier signature
        }
        signer = s
        let v = Vote(
            chainID: config.chainID, type: type, height: height, round: round, valueID: id, validator: s.address,
            signature: signature)
        out.append(.broadcastVote(v))
        ownVotes[round, default: []].append(v)
        count(v, &out)
    }

    func rebroadcast(_ out: inout [ConsensusOutput]) {
        guard proposers != nil, let votes else { return }
        var rounds = [round]
        if let d = decision, d.round != round { rounds.insert(d.round, at: 0) }
        var sent = Set<Signature>()
        // The decision's precommits, so that a peer that missed some can still decide (L49) without block sync:
        // the certificate of this height while waiting for `startHeight`, then the last commit of the previous
        // height (extended by late precommits).
        if let d = decision, let vs = validatorSet {
            for v in commitVotes(d.certificate, vs) where sent.insert(v.signature).inserted {
                out.append(.broadcastVote(v))
            }
        } else if let c = lastCommit, let vs = lastCommitValidators {
            for v in commitVotes(c, vs) where sent.insert(v.signature).inserted { out.append(.broadcastVote(v)) }
        }
        for r in rounds {
            if let p = ownProposals[r] {
                out.append(.broadcastProposal(p))
                // The proof of lock change that justifies a re-proposal (L28): 2f+1 prevotes for id(v) in vr.
                if p.validRound >= 0 {
                    for v in votes.votes(.prevote, round: p.validRound, valueID: p.value.id)
                    where sent.insert(v.signature).inserted {
                        out.append(.broadcastVote(v))
                    }
                }
            }
            for v in ownVotes[r] ?? [] where sent.insert(v.signature).inserted { out.append(.broadcastVote(v)) }
        }
    }

    /// "Need votes for (h, r)": every counted vote of round r (h = h_p), or the last commit (h = h_p − 1).
    func answerVoteRequest(_ h: Height, _ r: Round, _ to: Address, _ out: inout [ConsensusOutput]) {
        guard let votes else { return }
        if h == height {
            for type in [VoteType.prevote, .precommit] {
                for v in votes.allVotes(type, round: r) { out.append(.sendVote(v, to: to)) }
            }
        } else if h + 1 == height, let c = lastCommit, let vs = lastCommitValidators, c.round == r {
            for v in commitVotes(c, vs) { out.append(.sendVote(v, to: to)) }
        }
    }

    /// The precommits of a certificate, as votes.
    func commitVotes(_ c: CommitCertificate, _ vs: ValidatorSet) -> [Vote] {
        c.signatures.compactMap { s in
            guard Int(s.validatorIndex) < vs.count else { return nil }
            return Vote(
                chainID: config.chainID, type: .precommit, height: c.height, round: c.round, valueID: c.blockID,
                validator: vs.validators[Int(s.validatorIndex)].address, signature: s.signature)
        }
    }

    /// A value of the current height known by id: a proposal's value (including a conflicting proposal's), a value
    /// fetched after `needValue`, or one restored from the write-ahead log. Lets the driver answer value requests.
    public func value(id: Hash) -> ProposedValue? { values[id] }
}
