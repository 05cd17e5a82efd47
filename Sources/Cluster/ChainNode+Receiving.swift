// A chain node: the input handling (boot, messages, mempool) and the consensus outputs it carries out.

import Consensus
import DiscreteEvent
import Ledger
import Network

extension ChainNode {
    // MARK: - Boot

    func boot(now: SimTime, _ step: inout NodeStep) {
        let store = self.store
        let cache = self.cache
        let recovered = walRecord.flatMap { $0.height == workingHeight ? $0 : nil }
        var consensus = ConsensusConfig(chainID: config.chainID, timeouts: config.timeouts)
        #if CONSENSUS_MUTATIONS
            consensus.mutations = config.mutations
        #endif
        let c = ConsensusCore(
            config: consensus,
            key: key, signerState: signerState, recovering: recovered, cache: cache, signingMemo: nil,
            validity: { [unowned self] h, v in
                guard h == store.height + 1, let b = self.decodeBlock(v.payload) else { return false }
                return store.isValidNext(b, cache: cache)
            },
            timely: config.synchrony.map { sync in
                { [unowned self] _, r, v in
                    guard let b = self.decodeBlock(v.payload) else { return false }
                    return sync.isTimely(time: b.header.timeTicks, received: self.localClock, round: r)
                }
            })
        core = c
        var dummy = (0, 0)
        startWorkingHeight(now: now, &step, &dummy.0, &dummy.1)
    }

    /// No empty blocks and nothing to propose: the working height waits for a transaction.
    var hasNothingToPropose: Bool { !config.createEmptyBlocks && mempool.count == 0 }

    /// Starts the working height in the core, or (no empty blocks, nothing to propose) waits for a transaction.
    func startWorkingHeight(now: SimTime, _ step: inout NodeStep, _ txv: inout Int, _ execCalls: inout Int) {
        if hasNothingToPropose {
            isWaitingForTransactions = core != nil
            return
        }
        beginWorkingHeight(now: now, &step, &txv, &execCalls)
    }

    /// A transaction was admitted, or a peer works on the height: start a waiting height.
    func wakeIfWaiting(now: SimTime, _ step: inout NodeStep, _ txv: inout Int, _ execCalls: inout Int) {
        guard isWaitingForTransactions else { return }
        beginWorkingHeight(now: now, &step, &txv, &execCalls)
    }

    func beginWorkingHeight(now: SimTime, _ step: inout NodeStep, _ txv: inout Int, _ execCalls: inout Int) {
        isWaitingForTransactions = false
        guard var c = core.take() else { return }
        let h = workingHeight
        let outputs = handleCore(
            &c,
            .startHeight(
                height: h, proposers: store.selector(at: h), nextValidators: store.validatorSet(at: h + 1)))
        core = consume c
        carryOut(outputs, now: now, &step, &txv, &execCalls)
    }

    // MARK: - Messages

    func receive(
        _ m: NetMessage, from: Int, now: SimTime, _ step: inout NodeStep, _ txv: inout Int, _ execCalls: inout Int
    ) {
        switch m {
        case .proposal(let p):
            noteHeight(p.height, from: from, now: now, &step)
            if p.height == workingHeight { wakeIfWaiting(now: now, &step, &txv, &execCalls) }
            drive(.proposal(p), now: now, &step, &txv, &execCalls)
        case .vote(let v):
            noteHeight(v.height, from: from, now: now, &step)
            if v.height == workingHeight { wakeIfWaiting(now: now, &step, &txv, &execCalls) }
            drive(.vote(v), now: now, &step, &txv, &execCalls)
        case .tx(let tx):
            if admit(tx).isOK { wakeIfWaiting(now: now, &step, &txv, &execCalls) }
        case .blockRequest(let h):
            guard behaviour?.servesBlockSync ?? true else { break }
            let bs = store.range(from: h, limit: config.syncBatch)
            if !bs.isEmpty { step.actions.append(.send(to: from, .blocks(bs))) }
        case .blocks(let bs):
            applySynced(bs, from: from, now: now, &step, &txv, &execCalls)
        case .valueRequest(let h, let id):
            if h == workingHeight, let c = core {
                if let v = c.value(id: id) { step.actions.append(.send(to: from, .value(height: h, v))) }
            } else if store.isRetained(h), store.block(at: h).hash == id {
                step.actions.append(.send(to: from, .value(height: h, ProposedValue(block: store.block(at: h)))))
            }
        case .value(let h, let v):
            if h == workingHeight { drive(.valueReceived(v), now: now, &step, &txv, &execCalls) }
        case .voteRequest(let h, let r):
            // The core names the requester by address only to echo it back; the reply goes to `from`.
            replyTo = from
            defer { replyTo = nil }
            drive(
                .votesRequested(height: h, round: r, from: Address(bytes: Bytes(repeating: 0, count: 20))),
                now: now, &step, &txv, &execCalls)
        }
    }

    /// A peer works on a height above ours: it decided ours. Ask it for blocks (at most one request in flight).
    ///
    /// A request that goes unanswered for `syncRetry` while this node has not moved times the peer out: the next
    /// request goes to the next peer in index order (cyclically) that has claimed a height above ours, not to
    /// whoever sent the latest message, so a silent peer, or one that keeps claiming heights it never serves,
    /// cannot hold a lagging node back (issue 17 item 5).
    func noteHeight(_ h: Height, from: Int, now: SimTime, _ step: inout NodeStep) {
        guard h > workingHeight else { return }
        if from >= 0, from < claimedHeights.count, claimedHeights[from] < h { claimedHeights[from] = h }
        var to = from
        if let at = syncRequestedAt, syncTarget >= workingHeight {
            guard now.ticks - at.ticks >= config.syncRetry else { return }
            syncTimeouts += 1
            to = nextSyncPeer(after: syncPeer ?? from)
        }
        requestBlocks(from: to, now: now, &step)
    }

    /// Sends a block request for the working height on to `peer`.
    func requestBlocks(from peer: Int, now: SimTime, _ step: inout NodeStep) {
        syncRequestedAt = now
        syncTarget = workingHeight
        syncPeer = peer
        step.actions.append(.send(to: peer, .blockRequest(from: workingHeight)))
    }

    /// The first peer after `peer` (cyclically, by index, never this node) that has claimed a height above the
    /// working height; `peer` itself when there is no other.
    func nextSyncPeer(after peer: Int) -> Int {
        let n = claimedHeights.count
        for k in 1..<max(n, 1) {
            let q = (peer + k) % n
            if q != index, claimedHeights[q] > workingHeight { return q }
        }
        return peer
    }

    func applySynced(
        _ bs: [CommittedBlock], from: Int, now: SimTime, _ step: inout NodeStep, _ txv: inout Int,
        _ execCalls: inout Int
    ) {
        var applied = false
        for cb in bs {
            let h = cb.block.header.height
            if h <= store.height { continue }
            guard h == store.height + 1, cb.certificate.height == h, cb.certificate.blockID == cb.block.hash,
                cb.certificate.verify(validatorSet: store.validatorSet(at: h), chainID: config.chainID, cache: cache),
                store.isValidNext(cb.block, cache: cache)
            else { break }
            noteConflicts(with: cb.certificate, &step)
            commit(cb.block, cb.certificate, round: -1, bySync: true, &step, &txv, &execCalls)
            applied = true
        }
        guard applied else { return }
        syncRequestedAt = nil
        if bs.count >= config.syncBatch { requestBlocks(from: from, now: now, &step) }  // the peer may have more
        if core != nil { startWorkingHeight(now: now, &step, &txv, &execCalls) }
    }

    /// A synced certificate of the height the core is on: a precommit in it that contradicts the precommit the
    /// core counted from the same validator in that round is equivocation evidence (B08: the node saw one side of
    /// a Byzantine split, the certificate shows the other).
    func noteConflicts(with cert: CommitCertificate, _ step: inout NodeStep) {
        guard let c = core, c.height == cert.height, let keeper = c.votes else { return }
        let vs = keeper.validatorSet
        for sig in cert.signatures where Int(sig.validatorIndex) < vs.count {
            let who = vs.validators[Int(sig.validatorIndex)].address
            guard let mine = keeper.vote(.precommit, round: cert.round, validator: who), mine.valueID != cert.blockID
            else { continue }
            let theirs = Vote(
                chainID: config.chainID, type: .precommit, height: cert.height, round: cert.round,
                valueID: cert.blockID, validator: who, signature: sig.signature)
            let e = Evidence(first: mine, second: theirs)
            keepEvidence(e)
            step.actions.append(.evidence(e))
        }
    }

    /// The block a value's payload decodes to. The last decoding is kept: a node checks the validity of a
    /// proposed block and then executes the same payload when it is decided (the comparison is O(1) when the
    /// payload shares its buffer, as the in-process messages do, and a byte comparison otherwise).
    func decodeBlock(_ payload: Bytes) -> Block? {
        if let d = decoded.last, d.payload == payload { return d.block }
        guard let b = try? Block.decode(canonical: payload) else { return nil }
        decoded.last = (payload, b)
        return b
    }

    // MARK: - Mempool

    func admit(_ tx: Transaction) -> TxCheck {
        let h = tx.hash
        if mempool.contains(h) || store.isCommitted(tx: h) { return TxCheck(code: .duplicate, log: "known") }
        let envelope = Envelope.verify(
            tx, chainID: config.chainID, maxTxBytes: config.mempool.maxTxBytes, cache: cache)
        guard envelope.isOK else { return envelope }
        var pool = Mempool(limits: config.mempool)
        swap(&pool, &mempool)
        let r = pool.add(tx) { app.checkTx($0) }
        swap(&pool, &mempool)
        return r
    }
}
