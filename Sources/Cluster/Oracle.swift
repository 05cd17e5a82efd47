// The invariants of consensus-tests.md §4.1, checked after every decision and at the end of a run.

import Consensus
import DiscreteEvent
import Ledger

/// The liveness bound after GST (`proof.tex`, Lemma round-synchronisation): all correct processes decide within
/// 4Δ + timeoutPrecommit(r−1) of the first correct process entering a round with a correct proposer. With f
/// faulty proposers in a row that can take f+1 rounds, so the bound allows `slackRounds` full rounds of timeouts
/// (propose + prevote + precommit of each round) plus 4Δ plus `extra` (re-broadcast period, block sync, CPU).
public struct TerminationBound: Sendable {
    /// Δ: the largest message delay after GST.
    public var delta: SimTime
    /// Rounds of slack (normally f+1).
    public var slackRounds: Int
    public var extra: SimTime
    /// Timeouts stretch by the slowest node's drift factor.
    public var drift: Double

    public init(delta: SimTime, slackRounds: Int, extra: SimTime = .zero, drift: Double = 1) {
        self.delta = delta
        self.slackRounds = slackRounds
        self.extra = extra
        self.drift = drift
    }

    /// The bound in ticks for `timeouts`.
    public func ticks(_ timeouts: TimeoutConfig) -> Int64 {
        var total: Int64 = 0
        for r in 0...Int64(max(0, slackRounds)) {
            total +=
                timeouts.duration(.propose, round: r) + timeouts.duration(.prevote, round: r)
                + timeouts.duration(.precommit, round: r)
        }
        return Int64(Double(total) * drift) + 4 * delta.ticks + extra.ticks
    }
}

/// Checks agreement, validity, certificate soundness, no double-signing, no lost/duplicated/invented
/// transactions, equal state roots, an application invariant (conservation of value), and the termination bound.
///
/// Violations are collected as readable strings (a test expects the list to be empty); the first few carry the
/// detail. Per-height data are arrays indexed by height; dictionaries are used for membership only.
public final class Oracle {
    public private(set) var violations: [String] = []
    /// The first decided block id, state root and validator set per height (`[h-1]`).
    public private(set) var chain: [Hash] = []
    public private(set) var roots: [Hash] = []
    public private(set) var sets: [ValidatorSet] = []
    /// Simulated time of the first decision of each height.
    public private(set) var firstDecisionTimes: [SimTime] = []
    private var signedVotes: [VoteKey: Hash?] = [:]
    private var signedProposals: [ProposalKey: Hash] = [:]
    /// Committed transaction → height, from the first decision of each height.
    private var txHeight: [Hash: Height] = [:]
    /// Every transaction any client submitted (nil: not tracked; then "invented" is not checked).
    private var submitted: Set<Hash>? = nil
    public let chainID: String
    let cache: SignatureCache
    public private(set) var checks = 0
    /// The first certificate of each height (`[h-1]`), to find who signed both sides of a fork.
    private var certificates: [CommitCertificate] = []
    /// The height index (`h-1`) of `certificates[0]`: with `retainHeights` set, older certificates and signed
    /// votes/proposals are dropped (a node lagging further cannot sync anyway, `BlockStore.retainBlocks`).
    private var certificateBase = 0
    /// Heights of certificates and signed votes/proposals to keep (nil: all).
    public let retainHeights: Int?
    /// Validators proven to have misbehaved (membership only; read through `accountable`).
    private var misbehaved: Set<Address> = []
    /// The offences with evidence in first-decided blocks, in chain order, with the height of the block.
    public private(set) var committedEvidence: [(height: Height, offence: Offence)] = []
    /// Who sent a prevote per (height, round, value), from every node's own sends (signatures of non-correct
    /// senders checked): the polkas that justify correct nodes' votes (`Oracle+Locks.swift`; membership only).
    var prevoteSigners: [PolkaKey: Set<Address>] = [:]
    /// Each correct validator's lock per height: the round and value of its latest non-nil precommit.
    var locks: [LockKey: (round: Round, value: Hash)] = [:]

    /// Validators with proof of misbehaviour (accountability, §4.1.10), sorted: evidence that correct nodes
    /// reported (double votes, double proposals) and validators whose precommits are in both of two conflicting
    /// certificates of one height and round.
    public var accountable: [Address] { misbehaved.sorted() }

    struct VoteKey: Hashable {
        var validator: Address
        var height: Height
        var round: Round
        var type: VoteType
    }

    struct ProposalKey: Hashable {
        var validator: Address
        var height: Height
        var round: Round
    }

    public init(chainID: String, cache: SignatureCache, trackSubmissions: Bool, retainHeights: Int? = nil) {
        self.chainID = chainID
        self.cache = cache
        self.retainHeights = retainHeights
        if trackSubmissions { submitted = [] }
    }

    func fail(_ s: String) {
        if violations.count < 100 { violations.append(s) }
    }

    /// A correct node holds evidence against `validator`.
    public func noteEvidence(_ validator: Address) { misbehaved.insert(validator) }

    /// A client submitted `tx`.
    public func noteSubmitted(_ tx: Hash) { submitted?.insert(tx) }

    /// A correct node signed and is about to send `m` (checked before the network sees it: no double-signing; its
    /// votes keep the lock invariants, checked with `validators`, the set of the vote's height).
    public func noteSigned(_ m: NetMessage, node: Int, validators: ValidatorSet) {
        switch m {
        case .vote(let v):
            let k = VoteKey(validator: v.validator, height: v.height, round: v.round, type: v.type)
            if let old = signedVotes[k] {
                if old != v.valueID {
                    fail(
                        "double-sign: node \(node) \(v.type) h=\(v.height) r=\(v.round) \(String(describing: old)) vs \(String(describing: v.valueID))"
                    )
                }
            } else {
                signedVotes[k] = v.valueID
                checkLocks(v, node: node, validators: validators)  // once per vote: re-sends are not new decisions
            }
        case .proposal(let p):
            let k = ProposalKey(validator: p.proposer, height: p.height, round: p.round)
            if let old = signedProposals[k] {
                if old != p.value.id { fail("double proposal: node \(node) h=\(p.height) r=\(p.round)") }
            } else {
                signedProposals[k] = p.value.id
            }
        default: break
        }
    }

    /// A node committed a block (by decision or block sync). `store` is that node's chain after the commit.
    /// Returns whether this was the first decision of the height anywhere.
    @discardableResult
    public func noteCommit(_ c: CommitRecord, node: Int, store: BlockStore, now: SimTime) -> Bool {
        checks += 1
        let h = c.height
        let id = c.block.hash
        let set = store.validatorSet(at: h)
        // Certificate soundness: > 2/3 of the height's power, valid signatures, for this block.
        // A certificate equal to the one already checked for this height (every correct node commits the same
        // one, usually) is not verified again: equal values, equal verdict.
        let i = Int(h) - 1
        let checkedBefore =
            i < chain.count && i >= certificateBase && chain[i] == id
            && certificates[i - certificateBase] == c.certificate
        if c.certificate.height != h || c.certificate.blockID != id
            || !(checkedBefore || c.certificate.verify(validatorSet: set, chainID: chainID, cache: cache))
        {
            fail("unsound certificate: node \(node) h=\(h)")
        }
        // Validity: header links and the proposer of a round ≤ the decision round.
        let hd = c.block.header
        if hd.height != h || !c.block.bodyMatchesHeader { fail("invalid block body/height: node \(node) h=\(h)") }
        if h > 1, Int(h) - 2 < chain.count, hd.previousBlockHash != chain[Int(h) - 2] {
            fail("broken link: node \(node) h=\(h)")
        }
        if c.round >= 0 {
            let sel = store.selector(at: h)
            if !(0...c.round).contains(where: { sel.proposer(round: $0).address == hd.proposer }) {
                fail("proposer \(hd.proposer) proposes no round ≤ \(c.round) at h=\(h) (node \(node))")
            }
        }
        var first = false
        if i == chain.count {
            first = true
            chain.append(id)
            roots.append(c.stateRoot)
            sets.append(set)
            certificates.append(c.certificate)
            prune(after: h)
            firstDecisionTimes.append(now)
            for (tx, r) in zip(c.block.transactions, c.receipts) {
                let th = tx.hash
                if let old = txHeight[th] { fail("duplicated tx \(th.hex.prefix(8)) at h=\(old) and h=\(h)") }
                txHeight[th] = h
                if let s = submitted, !s.contains(th) { fail("invented tx \(th.hex.prefix(8)) at h=\(h)") }
                _ = r
            }
            // Evidence in the block: verifiable against the set of its height, one block per offence in the chain.
            if !c.block.evidence.isEmpty {
                guard let evidence = BlockStore.decodeEvidence(c.block) else {
                    fail("undecodable evidence: node \(node) h=\(h)")
                    return first
                }
                for e in evidence {
                    let o = Offence(e)
                    if committedEvidence.contains(where: { $0.offence == o }) { fail("repeated evidence at h=\(h)") }
                    guard e.first.height >= 1, e.first.height <= h,
                        e.verify(validatorSet: store.validatorSet(at: e.first.height), chainID: chainID, cache: cache)
                    else {
                        fail("invalid evidence at h=\(h) (node \(node))")
                        continue
                    }
                    committedEvidence.append((h, o))
                    misbehaved.insert(o.validator)
                }
            }
        } else if i < chain.count {
            // Agreement and equal state roots.
            if chain[i] != id {
                fail("agreement: node \(node) decided \(id.hex.prefix(8)) at h=\(h), others \(chain[i].hex.prefix(8))")
                // Accountability: signers of both certificates of one round precommitted two blocks; across rounds,
                // amnesia (`attributeFork`).
                let other = i >= certificateBase ? certificates[i - certificateBase] : c.certificate
                if i >= certificateBase, other.round == c.certificate.round, set == sets[i] {
                    let mine = Set(c.certificate.signatures.map(\.validatorIndex))
                    for sig in other.signatures
                    where mine.contains(sig.validatorIndex) && Int(sig.validatorIndex) < set.count {
                        misbehaved.insert(set.validators[Int(sig.validatorIndex)].address)
                    }
                } else if i >= certificateBase, set == sets[i] {
                    misbehaved.formUnion(attributeFork(other, c.certificate, validators: set))
                }
            }
            if roots[i] != c.stateRoot { fail("state root differs: node \(node) h=\(h)") }
            if sets[i] != set { fail("validator set differs: node \(node) h=\(h)") }
        } else {
            fail("gap: node \(node) committed h=\(h) before any node committed h=\(chain.count + 1)")
        }
        return first
    }

    /// With `retainHeights` = K: every K heights, drops certificates and signed votes/proposals older than K heights
    /// (amortised O(1) per height). Votes signed for a dropped height again would go unnoticed; correct nodes never
    /// sign below their working height, and a Byzantine one gains nothing there (no node accepts them).
    private func prune(after h: Height) {
        guard let k = retainHeights, h % Height(k) == 0, h > Height(k) else { return }
        let cutoff = h - Height(k)
        signedVotes = signedVotes.filter { $0.key.height >= cutoff }
        prevoteSigners = prevoteSigners.filter { $0.key.height >= cutoff }
        locks = locks.filter { $0.key.height >= cutoff }
        signedProposals = signedProposals.filter { $0.key.height >= cutoff }
        let drop = Int(cutoff) - 1 - certificateBase
        if drop > 0 {
            certificates.removeFirst(drop)
            certificateBase += drop
        }
    }

    /// An application invariant (e.g. conservation of value) failed.
    public func noteInvariant(_ problem: String) { fail(problem) }

    /// The termination bound: a new height took `gap` ticks while liveness was expected.
    public func noteTermination(height: Height, gapTicks: Int64, boundTicks: Int64) {
        if gapTicks > boundTicks { fail("termination: height \(height) took \(gapTicks) µs > bound \(boundTicks) µs") }
    }

    /// End of run: every acknowledged-committed transaction appears exactly once on every chain that reached its
    /// height, and every chain is a prefix of the canonical one. (Blocks above the canonical height were executed
    /// by a node whose CPU had not finished yet when the run stopped; they are checked when released.)
    public func finalCheck(stores: [BlockStore], acknowledged: [Hash]) {
        for (n, s) in stores.enumerated() {
            // Every height's hash is kept, pruned or not (`BlockStore.blockHashes`).
            for (i, hash) in s.blockHashes.enumerated() where i < chain.count && chain[i] != hash {
                fail("final: node \(n) block at h=\(i + 1) not canonical")
            }
        }
        // Occurrences of each transaction per (node, height), counted once per block: linear in the chain.
        var counts: [[Height: [Hash: Int]]] = Array(repeating: [:], count: stores.count)
        for tx in acknowledged {
            guard let h = txHeight[tx] else {
                fail("lost tx \(tx.hex.prefix(8))")
                continue
            }
            // A height a node no longer keeps (`BlockStore.retainBlocks`): its block hash equals the canonical one
            // (checked above), so it holds the same transactions as the block counted where it is retained.
            for (n, s) in stores.enumerated() where s.height >= h && s.isRetained(h) {
                if counts[n][h] == nil {
                    var c: [Hash: Int] = [:]
                    for t in s.block(at: h).transactions { c[t.hash, default: 0] += 1 }
                    counts[n][h] = c
                }
                let count = counts[n][h]![tx] ?? 0
                if count != 1 || !s.isCommitted(tx: tx) { fail("tx \(tx.hex.prefix(8)) missing on node \(n)") }
            }
        }
    }
}
