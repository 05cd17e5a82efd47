// A chain node: the input handling (boot, messages, mempool) and the consensus outputs it carries out.

import Consensus
import DiscreteEvent
import Ledger
import Network

extension ChainNode {
    // MARK: - Consensus outputs

    func drive(
        _ input: ConsensusInput, now: SimTime, _ step: inout NodeStep, _ txv: inout Int, _ execCalls: inout Int
    ) {
        // Moved out and back (`take`, `consume`), not copied: a copy retains and releases every field of the core.
        guard var c = core.take() else { return }
        let outputs = handleCore(&c, input)
        core = consume c
        carryOut(outputs, now: now, &step, &txv, &execCalls)
    }

    /// One input to the core, through the Byzantine behaviour if the node has one.
    func handleCore(_ c: inout ConsensusCore, _ input: ConsensusInput) -> [ConsensusOutput] {
        defer { if trackFootprint { maxFootprint = max(maxFootprint, c.footprint) } }
        guard let b = behaviour, let key else { return c.handle(input) }
        let me = key.publicKey.address
        let peers = store.validatorSet(at: workingHeight).validators.map(\.address).filter { $0 != me }
        var node = ByzantineNode(core: c, key: key, peers: peers, behaviour: b)
        let out = node.handle(input)
        c = node.core
        behaviour = node.behaviour
        return out
    }

    func carryOut(
        _ outputs: [ConsensusOutput], now: SimTime, _ step: inout NodeStep, _ txv: inout Int, _ execCalls: inout Int
    ) {
        var queue = outputs[...]
        while let o = queue.popFirst() {
            switch o {
            case .persistSignerState(let s):
                signerState = s  // durable at once: before any broadcast of this input leaves
            case .broadcastProposal(let p):
                step.actions.append(.broadcast(.proposal(p)))
            case .broadcastVote(let v):
                step.actions.append(.broadcast(.vote(v)))
            case .scheduleTimeout(let t, let d):
                step.actions.append(.scheduleTimeout(t, after: d))
            case .requestValue(let h, let r):
                guard h == workingHeight, var c = core.take() else { continue }
                let value = ProposedValue(block: buildBlock(now: now))
                let more = handleCore(&c, .proposeValue(height: h, round: r, value: value))
                core = consume c
                queue.append(contentsOf: more)
            case .decide(let d):
                guard d.height == workingHeight, let b = decodeBlock(d.value.payload) else { continue }
                commit(b, d.certificate, round: d.round, bySync: false, &step, &txv, &execCalls)
                if config.commitTimeout > 0 {
                    step.actions.append(.scheduleStart(workingHeight, after: config.commitTimeout))
                    continue
                }
                guard core != nil else { continue }
                if hasNothingToPropose {
                    isWaitingForTransactions = true
                    continue
                }
                var c = core.take()!
                let more = handleCore(
                    &c,
                    .startHeight(
                        height: workingHeight, proposers: store.selector(at: workingHeight),
                        nextValidators: store.validatorSet(at: workingHeight + 1)))
                core = consume c
                queue.append(contentsOf: more)
            case .evidence(let e):
                keepEvidence(e)
                step.actions.append(.evidence(e))
            case .needValue(let h, _, let id):
                step.actions.append(.broadcast(.valueRequest(height: h, valueID: id)))
            case .persistWAL(let record):
                walRecord = record  // durable at once, like the signer state
            case .requestVotes(let h, let r):
                step.actions.append(.broadcast(.voteRequest(height: h, round: r)))
            case .sendVote(let v, let to):
                step.actions.append(address(to, .vote(v)))
            case .sendProposal(let p, let to):
                step.actions.append(address(to, .proposal(p)))
            case .proposalEvidence(let e):
                proposalEvidenceCount += 1
                step.actions.append(.proposalEvidence(e))
            case .rejected:
                break
            }
        }
    }

    /// Where an addressed output goes: the node of that validator; else the peer being answered; else everyone.
    func address(_ to: Address, _ m: NetMessage) -> NodeAction {
        if let peer = nodeOfAddress[to], peer != index { return .send(to: peer, m) }
        if let peer = replyTo { return .send(to: peer, m) }
        return .broadcast(m)
    }

    /// A valid block that differs from the one `v` carries (its timestamp moved by one tick): what an
    /// equivocating proposer sends some peers instead (`EquivocatingProposer.conflict`). Non-blocks are returned
    /// with a byte appended.
    public static func conflictingBlockValue(_ v: ProposedValue) -> ProposedValue {
        guard let b = try? Block.decode(canonical: v.payload) else { return conflictingValue(v) }
        var header = b.header
        header.timeTicks = header.timeTicks.saturatingAdd(1)
        return ProposedValue(
            block: Block(header: header, transactions: b.transactions, evidence: b.evidence, lastCommit: b.lastCommit))
    }

    /// The time a proposer dates its block: its own clock, but at least one tick after the last block (saturating:
    /// after a block at `Int64.max` no valid block can follow, and the chain stops instead of trapping).
    func proposalTime(now: SimTime) -> Int64 {
        max(now.ticks.saturatingAdd(config.clockOffset), store.lastBlockTime.saturatingAdd(1))
    }

    /// getValue(): the next block from the mempool, with the header the chain requires.
    func buildBlock(now: SimTime) -> Block {
        let h = workingHeight
        let txs = mempool.reap(maxBytes: config.maxBlockBytes, maxTxs: config.maxBlockTxs).filter {
            !store.isCommitted(tx: $0.hash)
        }
        let lastCommit = h > 1 ? store.certificate(at: h - 1).canonicalBytes : []
        // Pending evidence, oldest first: its signatures were checked when it was collected (no second check, no
        // CPU charged); the validators check it against the set of its height (`BlockStore.isValidNext`).
        var evidence: [Bytes] = []
        for e in pendingEvidence where evidence.count < Block.maxEvidence {
            let eh = e.first.height
            guard eh >= 1, eh <= h, eh + BlockStore.maxEvidenceAge >= h, !store.isCommitted(Offence(e)) else {
                continue
            }
            let bytes = e.canonicalBytes
            if bytes.count <= Block.maxEvidenceBytes { evidence.append(bytes) }
        }
        let header = BlockHeader(
            chainID: config.chainID, height: h, timeTicks: proposalTime(now: now),
            previousBlockHash: store.lastBlockHash,
            txRoot: Block.txRoot(txs), stateRoot: store.lastStateRoot, resultsRoot: store.lastResultsRoot,
            proposer: key?.publicKey.address ?? Address(bytes: Bytes(repeating: 0, count: 20)),
            lastCommitHash: Hash.sha256(lastCommit), validatorsHash: store.validatorSet(at: h).hash,
            evidenceHash: Block.evidenceRoot(evidence))
        return Block(header: header, transactions: txs, evidence: evidence, lastCommit: lastCommit)
    }

    /// Executes and stores a decided (or synced) block, and updates the mempool.
    func commit(
        _ block: Block, _ cert: CommitCertificate, round: Round, bySync: Bool, _ step: inout NodeStep,
        _ txv: inout Int, _ execCalls: inout Int
    ) {
        // Transactions this node admitted were verified then; the others are verified now.
        for tx in block.transactions where !mempool.contains(tx.hash) { txv += 1 }
        let before = cache.hits + cache.misses
        let receipts: [Receipt]
        let outcome: BlockOutcome
        let root: Hash
        let resultsRoot: Hash
        let key = ExecutionMemo<App>.Key(parentStateRoot: app.stateRoot, block: block.hash)
        if let shared = executions.lookup(key) {
            // Executed already by a node with the same state: the same checks, then its result.
            SingleNodeChain<App>.verifyEnvelopes(
                block, chainID: config.chainID, maxTxBytes: config.mempool.maxTxBytes, cache: cache,
                verified: { self.mempool.contains($0.hash) })
            app = shared.app
            (receipts, outcome, root, resultsRoot) = (
                shared.receipts, shared.outcome, shared.stateRoot, shared.resultsRoot
            )
        } else {
            (receipts, outcome, root) = SingleNodeChain<App>.execute(
                block, app: &app, chainID: config.chainID, maxTxBytes: config.mempool.maxTxBytes, cache: cache,
                misbehaviour: BlockStore.misbehaviour(of: block) { self.store.validatorSet(at: $0) },
                verified: { self.mempool.contains($0.hash) })
            resultsRoot = MerkleTree.root(leaves: receipts.map { $0.canonicalBytes })
            executions.record(
                .init(
                    key: key, app: app, receipts: receipts, outcome: outcome, stateRoot: root, resultsRoot: resultsRoot)
            )
        }
        execCalls += cache.hits + cache.misses - before
        step.cpuTicks += config.execCostPerTx * Int64(block.transactions.count)
        store.append(
            block, certificate: cert, stateRoot: root, resultsRoot: resultsRoot, updates: outcome.validatorUpdates)
        decisionRounds.append(round)
        if bySync { syncedBlocks += 1 }
        if !block.evidence.isEmpty { pendingEvidence.removeAll { store.isCommitted(Offence($0)) } }
        var pool = Mempool(limits: config.mempool)
        swap(&pool, &mempool)
        pool.update(committed: block.transactions) { app.checkTx($0) }
        swap(&pool, &mempool)
        step.actions.append(
            .committed(
                CommitRecord(
                    height: block.header.height, round: round, block: block, certificate: cert, receipts: receipts,
                    endBlockEvents: outcome.events, stateRoot: root, bySync: bySync)))
    }
}
