import Cluster
import Consensus
import Contracts
import Ledger
import MarketModel
import Results

// Replaying a stored chain (issue 7, item 1): rebuild the application from the stored genesis and, height by
// height, decode the exact stored bytes, check the header chain, verify both commit certificates of the height
// against that height's validator set, check every root the headers commit to by re-executing the block through
// `ReadChainApp`, and hand each executed block to an observer (the metric recomputation and the audits).

/// One thing replay found wrong, at a height when it belongs to one.
public struct ReplayFailure: Codable, Sendable, Equatable, CustomStringConvertible {
    /// The height of the block concerned (nil for the genesis, the run as a whole or a stored metric).
    public var height: Int64?
    /// What failed: `genesis`, `missing-block`, `block-decode`, `header`, `tx-root`, `evidence`, `last-commit`,
    /// `certificate`, `transaction` (fails the envelope: signature, chain id, size), `state-root`, `results-root`,
    /// `final-state-root`, `event` (a receipt's or end-of-block event is not a well-formed `ContractEvent`),
    /// `block-summary`, `chain-facts`, `study`, `metric`, `no-chain`.
    public var kind: String
    public var message: String

    public init(height: Int64?, kind: String, message: String) {
        self.height = height
        self.kind = kind
        self.message = message
    }

    public var description: String {
        if let height { return "height \(height): \(kind): \(message)" }
        return "\(kind): \(message)"
    }
}

/// One executed block as replay saw it: what the observers of a replay (metrics, audits) read.
public struct ReplayedBlock {
    public var height: Int64
    public var block: Block
    /// The stored certificate that decided this height (verified, or a failure was recorded).
    public var certificate: CommitCertificate?
    /// One per transaction, in block order.
    public var receipts: [Receipt]
    /// The contract events of each receipt, decoded (one array per receipt, in block order). An event that does
    /// not decode is left out and recorded as an `event` failure.
    public var events: [[ContractEvent]]
    /// Events of `endBlock` (deadline expiries, hold-back time-outs, bonus periods), decoded likewise.
    public var endBlockEvents: [ContractEvent]
    /// The application after the block (its committed state at this height).
    public var stateRoot: Hash
}

/// Counts of what a replay checked.
public struct ReplayCounts: Codable, Sendable, Equatable {
    public var blocks = 0
    public var transactions = 0
    /// Transactions whose message failed in the block (fee and nonce still taken).
    public var failedTransactions = 0
    /// Signatures checked: each transaction's and each signature of the stored certificates and of the blocks'
    /// last commits.
    public var signaturesChecked = 0
    /// Real verifications performed, under the run's scheme (a signature seen twice, e.g. in a certificate and the
    /// next block's last commit, is verified once).
    public var signaturesVerified = 0
    public var evidence = 0
}

/// Re-executes a stored chain and checks everything its headers and certificates commit to.
public struct ChainReplayer {
    public let chain: RecordedChain
    public private(set) var failures: [ReplayFailure] = []
    public private(set) var counts = ReplayCounts()
    /// The genesis document, once decoded.
    public private(set) var genesis: Genesis?
    /// The application after the last replayed block.
    public private(set) var app: ReadChainApp?
    /// The state root after the last replayed block (the genesis state root before the first).
    public private(set) var finalStateRoot: Hash?
    /// The last height replayed (0 when none).
    public private(set) var lastHeight: Int64 = 0
    /// SHA-256 over (block hash, state root) of every replayed height (`readchain/replay-digest/v1`).
    public private(set) var replayDigest: Hash = .zero
    /// Whether replay stopped before the end (a structural failure: nothing after it can be checked).
    public private(set) var stopped = false

    /// The scheme the chain's signatures are checked under (the run's `chain_runs.signatures`).
    public let signatures: SignatureScheme
    private let cache: SignatureCache

    public init(chain: RecordedChain, signatures: SignatureScheme = .ed25519) {
        self.chain = chain
        self.signatures = signatures
        cache = SignatureCache(capacity: 1 << 16, scheme: signatures)
    }

    private mutating func fail(_ height: Int64?, _ kind: String, _ message: String) {
        failures.append(ReplayFailure(height: height, kind: kind, message: message))
    }

    /// Replays every stored block in height order, calling `observe` after each executed block.
    public mutating func run(observe: (ReplayedBlock) -> Void = { _ in }) {
        guard let checked = checkedGenesis() else { return }
        let (g, initial) = checked
        genesis = g
        var app = ReadChainApp(genesis: g)
        var sets = [initial, initial]  // sets[h-1]: the validator set of height h
        var offences: Set<Offence> = []  // membership only: one committed item per offence, as `BlockStore` requires
        var selector = ProposerSelector(validatorSet: initial)  // of the height being replayed
        var previous = Previous(state: app.stateRoot)
        var digestParts: [Bytes] = []
        finalStateRoot = previous.state

        for (i, stored) in chain.blocks.enumerated() {
            let h = Int64(i + 1)
            guard let block = storedBlock(storedHeight: stored.height, bytes: stored.block, height: h) else {
                stopped = true
                break
            }
            let hd = block.header
            let set = sets[i]
            let fatal = checkHeader(block, height: h, chainID: g.chainID, set: set, previous: previous)
            // The previous height's certificate as the proposer included it.
            if h == 1 {
                if !block.lastCommit.isEmpty { fail(h, "last-commit", "the first block carries a last commit") }
            } else {
                checkCertificate(
                    bytes: block.lastCommit, height: h, certifies: h - 1, blockID: previous.hash, set: sets[i - 1],
                    kind: "last-commit", chainID: g.chainID)
            }
            // The stored certificate of the previous height must be the one this block commits to.
            if h > 1, chain.blocks[i - 1].certificate != block.lastCommit {
                fail(h - 1, "certificate", "stored certificate differs from the last commit that block \(h) commits to")
            }
            // The stored certificate that decided this height.
            let certificate = checkCertificate(
                bytes: stored.certificate, height: h, certifies: h, blockID: block.hash, set: set, kind: "certificate",
                chainID: g.chainID)
            checkProposer(hd.proposer, height: h, certificate: certificate, selector: &selector, set: set)
            checkEvidence(block, height: h, sets: sets, chainID: g.chainID, offences: &offences)
            if fatal {
                stopped = true
                break
            }
            // Execute: envelope (chain id, size, signature) and the contracts, as every node did.
            // The block's committed evidence reaches the application as the nodes passed it (`BlockStore`).
            // (A tampered item of another height is a failure above and is not passed.)
            let misbehaviour = BlockStore.misbehaviour(of: block) { eh in
                eh >= 1 && eh <= UInt64(h) ? sets[Int(eh) - 1] : nil
            }
            let (receipts, outcome, root) = SingleNodeChain<ReadChainApp>.execute(
                block, app: &app, chainID: g.chainID, maxTxBytes: chain.maxTxBytes, cache: cache,
                misbehaviour: misbehaviour)
            countExecuted(block, height: h, receipts: receipts)
            previous = Previous(
                hash: block.hash, time: hd.timeTicks, state: root,
                results: MerkleTree.root(leaves: receipts.map(\.canonicalBytes)))
            digestParts.append(block.hash.bytes)
            digestParts.append(root.bytes)
            sets.append(BlockStore.apply(outcome.validatorUpdates, to: sets[i + 1]))
            selector.advanceHeight(to: sets[i + 1])
            lastHeight = h
            finalStateRoot = root
            let decoded = Self.contractEvents(height: h, receipts: receipts, endBlock: outcome.events)
            failures += decoded.failures
            observe(
                ReplayedBlock(
                    height: h, block: block, certificate: certificate, receipts: receipts, events: decoded.receipts,
                    endBlockEvents: decoded.endBlock, stateRoot: root))
        }
        counts.signaturesVerified = cache.verifications
        replayDigest = Hash.sha256(domain: "readchain/replay-digest/v1", parts: digestParts)
        self.app = app
    }

    /// What the next block's header must chain to: the previous block's hash and time, and the state and
    /// results roots its execution gave.
    struct Previous {
        var hash = Hash.zero
        var time = Int64.min
        var state: Hash
        var results = MerkleTree.root(leaves: [])
    }

    /// The genesis and its initial validator set, or `nil` (a failure, replay stopped) if it is unusable.
    private mutating func checkedGenesis() -> (Genesis, ValidatorSet)? {
        let g: Genesis
        do { g = try Genesis.decode(canonical: chain.genesis) } catch {
            fail(nil, "genesis", "genesis bytes do not decode: \(error)")
            stopped = true
            return nil
        }
        guard ChainID.same(g.chainID, chain.chainID) else {
            fail(nil, "genesis", "genesis chain id '\(g.chainID)' is not the stored chain id '\(chain.chainID)'")
            stopped = true
            return nil
        }
        if let problem = g.problems().first {
            fail(nil, "genesis", "genesis is not usable: \(problem)")
            stopped = true
            return nil
        }
        let members = g.validators.filter { $0.power > 0 }
        guard !members.isEmpty, Set(members.map(\.publicKey.address)).count == members.count else {
            fail(nil, "genesis", "genesis has no validators, or a validator twice")
            stopped = true
            return nil
        }
        return (g, ValidatorSet(members.map { Validator(publicKey: $0.publicKey, power: $0.power) }))
    }

    /// The block stored at height `h`, or `nil` (a failure; the caller stops) if it is missing, out of order or
    /// does not decode. A non-canonical encoding is a failure but not a stop.
    private mutating func storedBlock(storedHeight: Int64, bytes: [UInt8], height h: Int64) -> Block? {
        guard storedHeight == h else {
            if storedHeight > h {
                fail(
                    h, "missing-block",
                    "no block stored at height \(h) (the next stored block is at height \(storedHeight))")
            } else {
                fail(storedHeight, "missing-block", "block stored out of order after height \(h - 1)")
            }
            return nil
        }
        let block: Block
        do { block = try Block.decode(canonical: bytes) } catch {
            fail(h, "block-decode", "block bytes do not decode: \(error)")
            return nil
        }
        if block.canonicalBytes != bytes {
            fail(h, "block-decode", "block bytes are not the canonical encoding of the block they decode to")
        }
        return block
    }

    /// Checks the header of the block at height `h` against the chain so far; returns whether a failure is fatal
    /// (a wrong height or previous hash: the block does not chain on).
    private mutating func checkHeader(
        _ block: Block, height h: Int64, chainID: String, set: ValidatorSet, previous: Previous
    ) -> Bool {
        let hd = block.header
        var fatal = false
        if hd.height != UInt64(h) {
            fail(h, "header", "header says height \(hd.height)")
            fatal = true
        }
        if !ChainID.same(hd.chainID, chainID) { fail(h, "header", "chain id '\(hd.chainID)' is not '\(chainID)'") }
        if hd.previousBlockHash != previous.hash {
            fail(
                h, "header",
                "previous block hash \(hd.previousBlockHash.hex) is not the hash of height \(h - 1), \(previous.hash.hex)"
            )
            fatal = true
        }
        if hd.timeTicks <= previous.time {
            fail(h, "header", "block time \(hd.timeTicks) is not after the previous block's \(previous.time)")
        }
        if hd.validatorsHash != set.hash {
            fail(
                h, "header", "validators hash \(hd.validatorsHash.hex) is not that of the height's set, \(set.hash.hex)"
            )
        }
        if hd.txRoot != Block.txRoot(block.transactions) {
            fail(
                h, "tx-root",
                "header says \(hd.txRoot.hex), the block's transactions give \(Block.txRoot(block.transactions).hex)")
        }
        if hd.evidenceHash != Block.evidenceRoot(block.evidence) {
            fail(h, "evidence", "evidence hash \(hd.evidenceHash.hex) does not match the block's evidence")
        }
        if hd.lastCommitHash != Hash.sha256(block.lastCommit) {
            fail(h, "last-commit", "last commit hash \(hd.lastCommitHash.hex) does not match the block's last commit")
        }
        if hd.stateRoot != previous.state {
            fail(
                h, "state-root",
                "state root mismatch: header says \(hd.stateRoot.hex), replay gives \(previous.state.hex)")
        }
        if hd.resultsRoot != previous.results {
            fail(
                h, "results-root",
                "results root mismatch: header says \(hd.resultsRoot.hex), replay gives \(previous.results.hex)")
        }
        return fatal
    }

    /// The proposer: the selector's proposer of some round up to the decision round (a block re-proposed in a
    /// later round keeps the proposer that made it).
    private mutating func checkProposer(
        _ proposer: Address, height h: Int64, certificate: CommitCertificate?, selector: inout ProposerSelector,
        set: ValidatorSet
    ) {
        if let c = certificate, c.round >= 0, c.round < 1_000 {
            let rounds = (0...c.round).map { selector.proposer(round: $0).address }
            if !rounds.contains(proposer) {
                fail(h, "header", "proposer \(proposer.hex) is not a proposer of rounds 0...\(c.round) at this height")
            }
        } else if set.validator(proposer) == nil {
            fail(h, "header", "proposer \(proposer.hex) is not a validator of this height")
        }
    }

    /// Evidence, by the validators' rule (`BlockStore.isAdmissible`): each item decodes canonically, is of a
    /// height in (h − maxEvidenceAge)...h, is signed by a validator of that height's set, and is the only
    /// committed item for its offence.
    private mutating func checkEvidence(
        _ block: Block, height h: Int64, sets: [ValidatorSet], chainID: String, offences: inout Set<Offence>
    ) {
        for (k, e) in block.evidence.enumerated() {
            counts.evidence += 1
            guard let ev = try? Evidence.decode(canonical: e), ev.canonicalBytes == e else {
                fail(h, "evidence", "evidence item \(k) does not decode canonically")
                continue
            }
            let eh = ev.first.height  // a Height (UInt64): compared before any conversion, so no trap
            guard eh >= 1, eh <= UInt64(h), eh + BlockStore.maxEvidenceAge >= UInt64(h),
                ev.verify(validatorSet: sets[Int(eh) - 1], chainID: chainID, cache: cache)
            else {
                fail(
                    h, "evidence",
                    "evidence item \(k) (height \(eh)) is not admissible at height \(h) or does not verify")
                continue
            }
            if !offences.insert(Offence(ev)).inserted {
                fail(h, "evidence", "evidence item \(k) repeats an offence already committed")
            }
        }
    }

    /// Counts an executed block and reports the transactions whose envelope fails.
    private mutating func countExecuted(_ block: Block, height h: Int64, receipts: [Receipt]) {
        counts.blocks += 1
        counts.transactions += block.transactions.count
        counts.signaturesChecked += block.transactions.count
        counts.failedTransactions += receipts.filter { $0.code != .ok }.count
        for (k, r) in receipts.enumerated()
        where r.code == .badSignature || r.code == .wrongChainID || r.code == .txTooLarge {
            fail(h, "transaction", "transaction \(k) (\(block.transactions[k].hash.hex)) fails the envelope: \(r.log)")
        }
    }

    /// Decodes the contract events of one executed block's receipts and of its end-of-block step. An event that
    /// is not a canonical `ContractEvent` is left out and reported as an `event` failure at `height`, naming the
    /// transaction (or the end of the block), the event's position and what is wrong with it.
    static func contractEvents(
        height: Int64, receipts: [Receipt], endBlock: [Event]
    ) -> (receipts: [[ContractEvent]], endBlock: [ContractEvent], failures: [ReplayFailure]) {
        var failures: [ReplayFailure] = []
        func decode(_ events: [Event], _ place: @autoclosure () -> String) -> [ContractEvent] {
            var out: [ContractEvent] = []
            for (j, e) in events.enumerated() {
                do { out.append(try ContractEvent(e)) } catch {
                    let message = "\(place()), event \(j): \(error)"
                    failures.append(ReplayFailure(height: height, kind: "event", message: message))
                }
            }
            return out
        }
        let perReceipt = receipts.enumerated().map { k, r in
            decode(r.events, "transaction \(k) (\(r.txHash.hex))")
        }
        let atEnd = decode(endBlock, "end of block")
        return (perReceipt, atEnd, failures)
    }

    /// Decodes and verifies a commit certificate, recording what is wrong; returns it when it decoded.
    @discardableResult
    private mutating func checkCertificate(
        bytes: Bytes, height h: Int64, certifies: Int64, blockID: Hash, set: ValidatorSet, kind: String,
        chainID: String
    ) -> CommitCertificate? {
        let what = kind == "certificate" ? "commit certificate" : "last commit (certificate of height \(certifies))"
        let c: CommitCertificate
        do { c = try CommitCertificate.decode(canonical: bytes) } catch {
            fail(h, kind, "\(what) does not decode: \(error)")
            return nil
        }
        if c.height != UInt64(certifies) { fail(h, kind, "\(what) is for height \(c.height)") }
        if c.blockID != blockID { fail(h, kind, "\(what) certifies block \(c.blockID.hex), not \(blockID.hex)") }
        let message = Vote.signBytes(
            chainID: chainID, type: .precommit, height: c.height, round: c.round, valueID: c.blockID)
        var power: UInt64 = 0
        var previous = -1
        for s in c.signatures {
            let i = Int(s.validatorIndex)
            guard i > previous else {
                fail(h, kind, "\(what): validator \(i) out of order or repeated")
                continue
            }
            previous = i
            guard i < set.count else {
                fail(h, kind, "\(what): validator index \(i) outside the set of \(set.count)")
                continue
            }
            counts.signaturesChecked += 1
            if cache.verify(s.signature, message: message, key: set.validators[i].publicKey) {
                power += set.validators[i].power
            } else {
                fail(h, kind, "\(what): signature of validator \(i) invalid")
            }
        }
        if !set.isQuorum(power) {
            fail(h, kind, "\(what): valid signatures carry power \(power) of \(set.totalPower), not more than 2/3")
        }
        return c
    }
}
