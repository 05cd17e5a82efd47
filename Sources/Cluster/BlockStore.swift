// A node's committed chain: blocks, commit certificates, state roots, validator sets and proposer selectors per
// height, and the block validity rules (the paper's valid(v) for blocks).

import Consensus
import Ledger

/// A block with the certificate that decided it (what block sync sends).
public struct CommittedBlock: Sendable {
    public var block: Block
    public var certificate: CommitCertificate
    public init(block: Block, certificate: CommitCertificate) {
        self.block = block
        self.certificate = certificate
    }
}

/// One offence: a validator's two votes of one type in one (height, round). Evidence is unique per offence, whichever
/// pair of conflicting votes (and in which order) a node happened to see.
public struct Offence: Hashable, Sendable {
    public var validator: Address
    public var height: Height
    public var round: Round
    public var type: VoteType

    public init(_ e: Evidence) {
        validator = e.first.validator
        height = e.first.height
        round = e.first.round
        type = e.first.type
    }
}

/// The committed chain of one node (its "disk": it survives a crash).
///
/// A class because the consensus core's `ValueValidity` closure reads it while the node appends to it.
/// Validator-set changes returned by `endBlock` at height H take effect at H+2 (CometBFT,
/// `spec/abci/abci++_methods.md`): after committing H the set of H+2 is known.
public final class BlockStore {
    public let chainID: String
    public let genesisStateRoot: Hash
    public let maxBlockTxs: Int
    /// How many of the newest blocks (with their certificates and proposer selectors) to keep (nil: all). Older
    /// ones are dropped in batches; roots, sizes and block hashes of every height stay. A peer further behind than
    /// this cannot catch up from this node by block sync (there is no state sync); evidence older than
    /// `maxEvidenceAge` is refused anyway, so the retention is at least that.
    public let retainBlocks: Int?
    /// The retained blocks, heights `firstRetainedHeight...height` (all of them unless `retainBlocks` is set).
    public private(set) var blocks: [Block] = []
    /// The certificates of the retained blocks (same heights as `blocks`).
    public private(set) var certificates: [CommitCertificate] = []
    /// Hash of every committed block (`blockHashes[h-1]`), retained or not.
    public private(set) var blockHashes: [Hash] = []
    /// The lowest height whose block, certificate and proposer selector are kept (1 until something is dropped).
    public private(set) var firstRetainedHeight: Height = 1
    /// Application state root after each block (`stateRoots[h-1]` after height h).
    public private(set) var stateRoots: [Hash] = []
    /// Merkle root of each block's receipts.
    public private(set) var resultsRoots: [Hash] = []
    /// Encoded size of each block.
    public private(set) var blockSizes: [Int] = []
    /// Validator set of height h at `validatorSets[h-1]`; always known up to `height + 2`.
    public private(set) var validatorSets: [ValidatorSet]
    /// Proposer selectors of heights `firstRetainedHeight...height + 1`; read through `selector(at:)`.
    private var selectors: [ProposerSelector]
    /// Hashes of every committed transaction (membership only; never iterated).
    private var committedTxs: Set<Hash> = []
    /// Offences with evidence in a committed block (membership only; never iterated).
    private var committedOffences: Set<Offence> = []
    /// Evidence older than this many heights (block height − evidence height) is not accepted in a block.
    public static let maxEvidenceAge: Height = 1_000

    public init(
        chainID: String, genesisStateRoot: Hash, validators: ValidatorSet, maxBlockTxs: Int, retainBlocks: Int? = nil
    ) {
        precondition(
            retainBlocks.map { $0 > Int(BlockStore.maxEvidenceAge) } ?? true, "retain more than the evidence age")
        if let problem = ChainID.problem(chainID) { preconditionFailure("block store: \(problem)") }
        self.chainID = chainID
        self.genesisStateRoot = genesisStateRoot
        self.maxBlockTxs = maxBlockTxs
        self.retainBlocks = retainBlocks
        validatorSets = [validators, validators]
        selectors = [ProposerSelector(validatorSet: validators)]
    }

    /// The last committed height (0 before the first block).
    public var height: Height { Height(blockHashes.count) }
    public var lastBlockHash: Hash { blockHashes.last ?? .zero }
    /// The last block's time (`Int64.min` before the first block).
    public var lastBlockTime: Int64 { blocks.last?.header.timeTicks ?? .min }
    public var lastStateRoot: Hash { stateRoots.last ?? genesisStateRoot }
    public var lastResultsRoot: Hash { resultsRoots.last ?? MerkleTree.root(leaves: []) }

    public func validatorSet(at h: Height) -> ValidatorSet { validatorSets[Int(h) - 1] }
    /// The proposer selector of height h, for `firstRetainedHeight <= h <= height + 1`.
    public func selector(at h: Height) -> ProposerSelector { selectors[Int(h - firstRetainedHeight)] }
    /// The block of height h, for `firstRetainedHeight <= h <= height` (see `isRetained`).
    public func block(at h: Height) -> Block { blocks[Int(h - firstRetainedHeight)] }
    /// The certificate of the block of height h, for `firstRetainedHeight <= h <= height`.
    public func certificate(at h: Height) -> CommitCertificate { certificates[Int(h - firstRetainedHeight)] }
    /// Whether the block of height h is committed and still kept.
    public func isRetained(_ h: Height) -> Bool { h >= firstRetainedHeight && h <= height }
    public func isCommitted(tx hash: Hash) -> Bool { committedTxs.contains(hash) }
    /// Whether a committed block already holds evidence of this offence.
    public func isCommitted(_ offence: Offence) -> Bool { committedOffences.contains(offence) }

    /// The evidence of a block, decoded (nil if an item does not decode).
    public static func decodeEvidence(_ block: Block) -> [Evidence]? {
        var out: [Evidence] = []
        for e in block.evidence {
            guard let d = try? Evidence.decode(canonical: e) else { return nil }
            out.append(d)
        }
        return out
    }

    /// The committed evidence of a (valid) block as the application sees it: one `Misbehaviour` per item, in block
    /// order, the offender's key and power and the total power taken from `validatorSet(eh)`, the set of the
    /// offence's height `eh` (an item of an unknown height, nil, or whose signer is not in that set is left out: a
    /// valid block has none).
    public static func misbehaviour(of block: Block, validatorSet: (Height) -> ValidatorSet?) -> [Misbehaviour] {
        guard !block.evidence.isEmpty, let evidence = decodeEvidence(block) else { return [] }
        return evidence.compactMap { e in
            guard let set = validatorSet(e.first.height), let v = set.validator(e.first.validator) else { return nil }
            return Misbehaviour(
                kind: .duplicateVote, validator: v.publicKey, power: v.power, height: e.first.height,
                totalPower: set.totalPower)
        }
    }

    /// Whether `e` may go into the block of height `h` (the next height): of a height in (h − maxEvidenceAge) … h,
    /// two conflicting votes (same type, height and round, different values) both signed by one validator of that
    /// height's set, for an offence with no committed evidence.
    ///
    /// - Complexity: two signature checks (cached).
    public func isAdmissible(_ e: Evidence, atHeight h: Height, cache: SignatureCache) -> Bool {
        let eh = e.first.height
        guard eh >= 1, eh <= h, eh + BlockStore.maxEvidenceAge >= h, eh <= height + 2, !isCommitted(Offence(e))
        else { return false }
        return e.verify(validatorSet: validatorSet(at: eh), chainID: chainID, cache: cache)
    }

    /// Whether `block` may be the next block (`height + 1`): links, a time after the last block's, roots, validator
    /// set, proposer, last commit,
    /// no transaction repeated (within the block or from the chain), and admissible evidence (`isAdmissible`), at
    /// most one item per offence (within the block or from the chain).
    ///
    /// - Complexity: O(txs) hashes plus the last commit's signature checks (cached).
    public func isValidNext(_ block: Block, cache: SignatureCache) -> Bool {
        let h = height + 1
        let hd = block.header
        guard ChainID.same(hd.chainID, chainID), hd.height == h, hd.previousBlockHash == lastBlockHash,
            hd.timeTicks > lastBlockTime,
            hd.stateRoot == lastStateRoot, hd.resultsRoot == lastResultsRoot,
            block.transactions.count <= maxBlockTxs
        else { return false }
        let set = validatorSet(at: h)
        guard hd.validatorsHash == set.hash, set.validator(hd.proposer) != nil, block.bodyMatchesHeader else {
            return false
        }
        if h == 1 {
            guard block.lastCommit.isEmpty else { return false }
        } else {
            guard let c = try? CommitCertificate.decode(canonical: block.lastCommit), c.height == h - 1,
                c.blockID == lastBlockHash,
                c.verify(validatorSet: validatorSet(at: h - 1), chainID: chainID, cache: cache)
            else { return false }
        }
        var seen: Set<Hash> = []
        for tx in block.transactions {
            let th = tx.hash
            guard !committedTxs.contains(th), seen.insert(th).inserted else { return false }
        }
        // Evidence: each item canonical, admissible, and one per offence within the block.
        guard !block.evidence.isEmpty else { return true }
        guard let evidence = BlockStore.decodeEvidence(block) else { return false }
        var offences: Set<Offence> = []
        for (e, bytes) in zip(evidence, block.evidence) {
            guard e.canonicalBytes == bytes, offences.insert(Offence(e)).inserted,
                isAdmissible(e, atHeight: h, cache: cache)
            else { return false }
        }
        return true
    }

    /// Appends a committed block and records the validator updates it produced (effective at height + 2).
    func append(
        _ block: Block, certificate: CommitCertificate, stateRoot: Hash, resultsRoot: Hash,
        updates: [ValidatorUpdate]
    ) {
        precondition(block.header.height == height + 1, "blocks must be appended in order")
        let h = block.header.height
        blocks.append(block)
        certificates.append(certificate)
        blockHashes.append(block.hash)
        stateRoots.append(stateRoot)
        resultsRoots.append(resultsRoot)
        blockSizes.append(block.encodedSize)
        for tx in block.transactions { committedTxs.insert(tx.hash) }
        for e in BlockStore.decodeEvidence(block) ?? [] { committedOffences.insert(Offence(e)) }
        // The set of h+2 from that of h+1 and this block's updates.
        validatorSets.append(Self.apply(updates, to: validatorSet(at: h + 1)))
        // The selector of h+1: advanced once; when the set changed, priorities are carried over as CometBFT does.
        var s = selector(at: h)
        s.advanceHeight(to: validatorSet(at: h + 1))
        selectors.append(s)
        prune()
    }

    /// Drops the oldest blocks, certificates and selectors once twice `retainBlocks` are held, down to
    /// `retainBlocks` (amortised O(1) per block).
    private func prune() {
        guard let keep = retainBlocks, blocks.count >= 2 * keep else { return }
        let drop = blocks.count - keep
        blocks.removeFirst(drop)
        certificates.removeFirst(drop)
        selectors.removeFirst(drop)
        firstRetainedHeight += Height(drop)
    }

    /// `set` with `updates` applied in order (power 0 removes; a new key is added). A new key of small order is
    /// never added (`PublicKey.hasSmallOrder`: it would sign every message); applications refuse such an update
    /// first, with a receipt that says so (`LogApplication`), so this only guards against one that does not.
    public static func apply(_ updates: [ValidatorUpdate], to set: ValidatorSet) -> ValidatorSet {
        guard !updates.isEmpty else { return set }
        var vs = set.validators
        for u in updates {
            if let i = vs.firstIndex(where: { $0.publicKey == u.publicKey }) {
                if u.power == 0 { vs.remove(at: i) } else { vs[i] = Validator(publicKey: u.publicKey, power: u.power) }
            } else if u.power > 0, !u.publicKey.hasSmallOrder {
                vs.append(Validator(publicKey: u.publicKey, power: u.power))
            }
        }
        precondition(!vs.isEmpty, "validator updates removed every validator")
        return ValidatorSet(vs)
    }

    /// Blocks `from`… (at most `limit`) with their certificates, for block sync.
    public func range(from: Height, limit: Int) -> [CommittedBlock] {
        guard from >= firstRetainedHeight, from <= height else { return [] }
        let lo = Int(from - firstRetainedHeight)
        let hi = min(blocks.count, lo + limit)
        return (lo..<hi).map { CommittedBlock(block: blocks[$0], certificate: certificates[$0]) }
    }
}
