// Tendermint, Algorithm 1 (Buchman, Kwon, Milosevic 2018), as a pure state machine.

import Ledger

extension ConsensusCore {
    // MARK: - Receiving

    /// Buffers a message for the next height. Bounded: a total cap, a per-sender cap, duplicates dropped; when a
    /// validator set is known, the sender must be in the *next* height's set (`nextValidatorSet`, from the driver;
    /// it differs from this height's when an update of H-1 takes effect) and the signature must verify against that
    /// key, so junk cannot take an honest sender's share, a validator leaving at h+1 cannot fill the buffer and one
    /// joining at h+1 is not turned away.
    mutating func buffer(_ input: ConsensusInput, _ out: inout [ConsensusOutput]) {
        let sender: Address
        let signature: Signature
        let signBytes: Bytes
        switch input {
        case .proposal(let p): (sender, signature, signBytes) = (p.proposer, p.signature, p.signBytes)
        case .vote(let v): (sender, signature, signBytes) = (v.validator, v.signature, v.signBytes)
        default: return
        }
        guard buffered.count < config.maxBufferedMessages else { return out.append(.rejected(.bufferFull)) }
        if let vs = bufferValidatorSet {
            guard let v = vs.validator(sender) else { return out.append(.rejected(.nonValidator)) }
            guard cache.verify(signature, message: signBytes, key: v.publicKey) else {
                return out.append(.rejected(.badSignature))
            }
        }
        guard !bufferedSignatures.contains(signature) else { return }
        guard bufferedPerSender[sender, default: 0] < config.maxBufferedPerSender else {
            return out.append(.rejected(.senderQuotaFull))
        }
        bufferedPerSender[sender, default: 0] += 1
        bufferedSignatures.insert(signature)
        buffered.append(input)
        // PBTS: a proposal's receive time is when it arrived, not when its height starts.
        if case .proposal(let p) = input, let timeliness {
            bufferedTimely[signature] = timeliness(p.height, p.round, p.value)
        }
    }

    /// Number of buffered next-height messages (B16: bounded by `maxBufferedMessages`).
    public var bufferedCount: Int { buffered.count }

    /// A rough count of the messages and entries the core holds for the current height (B16: bounded memory).
    public var footprint: Int {
        (votes?.storedVotes ?? 0) + proposals.count + values.count + buffered.count + farRounds.count
            + evidencePool.count + proposalEvidencePool.count + ownVotes.values.reduce(0) { $0 + $1.count }
    }

    /// Whether `r` is too far ahead to store: it only updates the sender's far round (B16).
    mutating func tooFar(_ r: Round, _ sender: Address, _ out: inout [ConsensusOutput]) -> Bool {
        guard r > round + config.roundWindow else { return false }
        if r > farRounds[sender, default: -1] { farRounds[sender] = r }
        out.append(.rejected(.roundTooFar))
        return true
    }

    mutating func record(_ e: Evidence, _ out: inout [ConsensusOutput]) {
        if evidencePool.count >= config.maxEvidence { evidencePool.removeFirst() }
        evidencePool.append(e)
        out.append(.evidence(e))
    }

    mutating func receiveProposal(_ p: Proposal, _ out: inout [ConsensusOutput]) {
        guard ChainID.same(p.chainID, config.chainID) else { return out.append(.rejected(.wrongChainID)) }
        guard let vs = validatorSet else { return buffer(.proposal(p), &out) }
        if p.height == height + 1 { return buffer(.proposal(p), &out) }
        guard p.height == height else { return out.append(.rejected(.wrongHeight)) }
        guard p.round >= 0, p.validRound >= -1, p.validRound < p.round else {
            return out.append(.rejected(.malformed))
        }
        guard let sender = vs.validator(p.proposer) else { return out.append(.rejected(.nonValidator)) }
        if p.round > round + config.roundWindow {  // before proposer(round:), whose cost grows with the round
            guard cache.verify(p.signature, message: p.signBytes, key: sender.publicKey) else {
                return out.append(.rejected(.badSignature))
            }
            _ = tooFar(p.round, p.proposer, &out)
            return
        }
        guard proposer(round: p.round) == p.proposer else { return out.append(.rejected(.notProposer)) }
        guard p.value.payload.count <= config.maxValueBytes else { return out.append(.rejected(.oversizeValue)) }
        guard p.value.isSelfConsistent else { return out.append(.rejected(.malformed)) }
        guard cache.verify(p.signature, message: p.signBytes, key: sender.publicKey) else {
            return out.append(.rejected(.badSignature))
        }
        if let first = proposals[p.round] {
            // Equivocating proposer: the first proposal stands; the pair is evidence (once per round).
            guard first != p else { return }
            if first.signBytes != p.signBytes, proposalEvidenceRounds.insert(p.round).inserted {
                // Keep the second value too (once per round: bounded), so that a precommit quorum for it decides
                // (L49) without fetching it, and so the driver can serve it to peers.
                if values[p.value.id] == nil { values[p.value.id] = p.value }
                let e = ProposalEvidence(first: first, second: p)
                if proposalEvidencePool.count >= config.maxEvidence { proposalEvidencePool.removeFirst() }
                proposalEvidencePool.append(e)
                out.append(.proposalEvidence(e))
            }
            out.append(.rejected(.conflictingProposal))
            return
        }
        accept(p)
        // A re-proposal whose proof of lock change (L28) we lack: ask for the prevotes of round vr.
        if p.validRound >= 0, votes?.hasQuorum(.prevote, round: p.validRound, valueID: p.value.id) == false,
            votesRequestedFor.insert(p.validRound).inserted
        {
            out.append(.requestVotes(height: height, round: p.validRound))
        }
    }

    mutating func accept(_ p: Proposal) {
        proposals[p.round] = p
        if let timeliness {
            timelyRounds[p.round] = bufferedTimely[p.signature] ?? timeliness(height, p.round, p.value)
        }
        values[p.value.id] = p.value
        votes?.noteSender(p.proposer, round: p.round)
    }

    mutating func receiveVote(_ v: Vote, _ out: inout [ConsensusOutput]) {
        guard ChainID.same(v.chainID, config.chainID) else { return out.append(.rejected(.wrongChainID)) }
        guard let vs = validatorSet else { return buffer(.vote(v), &out) }
        if v.height == height + 1 { return buffer(.vote(v), &out) }
        if v.height + 1 == height, v.type == .precommit { return addToLastCommit(v, &out) }
        guard v.height == height else { return out.append(.rejected(.wrongHeight)) }
        guard v.round >= 0 else { return out.append(.rejected(.malformed)) }
        guard let sender = vs.validator(v.validator) else { return out.append(.rejected(.nonValidator)) }
        guard cache.verify(v.signature, message: v.signBytes, key: sender.publicKey) else {
            return out.append(.rejected(.badSignature))
        }
        if tooFar(v.round, v.validator, &out) { return }
        count(v, &out)
    }

    mutating func count(_ v: Vote, _ out: inout [ConsensusOutput]) {
        guard case .conflicting(let e)? = votes?.add(v), let e else { return }
        record(e, &out)
    }

    /// A late precommit of the previous height for its decided block: added to `lastCommit`.
    mutating func addToLastCommit(_ v: Vote, _ out: inout [ConsensusOutput]) {
        guard var c = lastCommit, let vs = lastCommitValidators, v.round == c.round, v.valueID == c.blockID,
            let i = vs.index(of: v.validator)
        else { return out.append(.rejected(.wrongHeight)) }
        let index = UInt32(i)
        guard !c.signatures.contains(where: { $0.validatorIndex == index }) else { return }
        guard cache.verify(v.signature, message: v.signBytes, key: vs.validators[i].publicKey) else {
            return out.append(.rejected(.badSignature))
        }
        c.signatures.append(CommitSignature(validatorIndex: index, signature: v.signature))
        c.signatures.sort { $0.validatorIndex < $1.validatorIndex }
        lastCommit = c
    }

    mutating func receiveValue(_ v: ProposedValue, _ out: inout [ConsensusOutput]) {
        guard proposers != nil else { return out.append(.rejected(.notStarted)) }
        guard valuesNeeded.contains(v.id), values[v.id] == nil else { return out.append(.rejected(.unexpectedValue)) }
        guard v.payload.count <= config.maxValueBytes else { return out.append(.rejected(.oversizeValue)) }
        guard v.isSelfConsistent else { return out.append(.rejected(.malformed)) }
        values[v.id] = v
    }
}
