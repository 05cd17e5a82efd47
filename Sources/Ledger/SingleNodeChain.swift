// A single-validator chain driver for tests and benchmarks.

/// One validator that proposes, executes and commits every block itself. No consensus; the same block
/// execution (`SingleNodeChain.execute`) that real nodes will use.
public struct SingleNodeChain<App: ChainApplication> {
    public let chainID: String
    public let proposer: SigningKey
    public let limits: MempoolLimits
    public let cache: SignatureCache
    public let maxBlockTxs: Int
    public let maxBlockBytes: Int
    /// The application, as of the last commit.
    public private(set) var app: App
    /// Every block produced, height 1 first.
    public private(set) var blocks: [Block] = []
    /// The application's state root after each block (`stateRoots[i]` after `blocks[i]`).
    public private(set) var stateRoots: [Hash] = []
    /// The receipts of the last block (their Merkle root goes into the next header's `resultsRoot`).
    public private(set) var lastReceipts: [Receipt] = []
    public private(set) var mempool: Mempool

    public init(
        chainID: String, app: App, proposer: SigningKey, limits: MempoolLimits, cache: SignatureCache,
        maxBlockTxs: Int = 10_000, maxBlockBytes: Int = 1 << 22
    ) {
        if let problem = ChainID.problem(chainID) { preconditionFailure("single-node chain: \(problem)") }
        self.chainID = chainID
        self.app = app
        self.proposer = proposer
        self.limits = limits
        self.cache = cache
        self.maxBlockTxs = maxBlockTxs
        self.maxBlockBytes = maxBlockBytes
        self.mempool = Mempool(limits: limits)
    }

    /// The validator-set hash of a single validator with power 1.
    public var validatorsHash: Hash {
        var w = CanonicalWriter()
        w.writeArray([ValidatorUpdate(publicKey: proposer.publicKey, power: 1)])
        return Hash.sha256(domain: "readchain/validators/v1", w.bytes)
    }

    /// Envelope check, then mempool admission through the application's `checkTx`.
    public mutating func submit(_ tx: Transaction) -> TxCheck {
        let envelope = Envelope.verify(tx, chainID: chainID, maxTxBytes: limits.maxTxBytes, cache: cache)
        guard envelope.isOK else { return envelope }
        var pool = Mempool(limits: limits)
        swap(&pool, &mempool)
        let result = pool.add(tx) { app.checkTx($0) }
        swap(&pool, &mempool)
        return result
    }

    /// The commit certificate of a block: the proposer's signature over
    /// `Hash.sha256(domain: "readchain/commit/v1", block hash)`.
    public static func commitMessage(for blockHash: Hash) -> Bytes {
        Hash.sha256(domain: "readchain/commit/v1", blockHash.bytes).bytes
    }

    /// Reaps the mempool, builds and executes the next block, commits, and updates the mempool.
    public mutating func produceBlock(timeTicks: Int64) -> (block: Block, receipts: [Receipt], stateRoot: Hash) {
        let txs = mempool.reap(maxBytes: maxBlockBytes, maxTxs: maxBlockTxs)
        let lastCommit = blocks.last.map { proposer.sign(Self.commitMessage(for: $0.hash)).bytes } ?? []
        let header = BlockHeader(
            chainID: chainID, height: UInt64(blocks.count + 1), timeTicks: timeTicks,
            previousBlockHash: blocks.last?.hash ?? .zero, txRoot: Block.txRoot(txs), stateRoot: app.stateRoot,
            resultsRoot: MerkleTree.root(leaves: lastReceipts.map(\.canonicalBytes)),
            proposer: proposer.publicKey.address, lastCommitHash: Hash.sha256(lastCommit),
            validatorsHash: validatorsHash)
        let block = Block(header: header, transactions: txs, lastCommit: lastCommit)
        let (receipts, _, root) = Self.execute(
            block, app: &app, chainID: chainID, maxTxBytes: limits.maxTxBytes, cache: cache)
        blocks.append(block)
        stateRoots.append(root)
        lastReceipts = receipts
        var pool = Mempool(limits: limits)
        swap(&pool, &mempool)
        pool.update(committed: txs) { app.checkTx($0) }
        swap(&pool, &mempool)
        return (block, receipts, root)
    }

    /// Executes one block: `beginBlock`, the envelope check and `deliverTx` for each transaction (a transaction
    /// failing the envelope gets that code and never reaches the application), `endBlock`, `commit`.
    ///
    /// `verified`: transactions whose signature the caller has already verified (its mempool's), not looked up again.
    /// `misbehaviour`: the block's committed evidence as the application sees it (the caller decodes `block.evidence`,
    /// which the Ledger keeps opaque, against the validator set of each offence's height).
    public static func execute(
        _ block: Block, app: inout App, chainID: String, maxTxBytes: Int, cache: SignatureCache,
        misbehaviour: [Misbehaviour] = [], verified: (Transaction) -> Bool = { _ in false }
    ) -> (receipts: [Receipt], outcome: BlockOutcome, stateRoot: Hash) {
        app.beginBlock(block.header, misbehaviour: misbehaviour)
        var receipts: [Receipt] = []
        receipts.reserveCapacity(block.transactions.count)
        for tx in block.transactions {
            let envelope = Envelope.verify(
                tx, chainID: chainID, maxTxBytes: maxTxBytes, cache: cache, signatureKnownValid: verified(tx))
            if envelope.isOK {
                receipts.append(app.deliverTx(tx))
            } else {
                receipts.append(Receipt(txHash: tx.hash, code: envelope.code, log: envelope.log))
            }
        }
        let outcome = app.endBlock()
        let root = app.commit()
        return (receipts, outcome, root)
    }

    /// The envelope checks of `execute` alone (chain id, size, signature through `cache` unless `verified`), in
    /// the same order and with the same cache calls: what a node that takes a shared execution still does.
    public static func verifyEnvelopes(
        _ block: Block, chainID: String, maxTxBytes: Int, cache: SignatureCache,
        verified: (Transaction) -> Bool = { _ in false }
    ) {
        for tx in block.transactions {
            _ = Envelope.verify(
                tx, chainID: chainID, maxTxBytes: maxTxBytes, cache: cache, signatureKnownValid: verified(tx))
        }
    }

    /// Re-executes `blocks` from `genesisApp` and returns the state root after each block.
    public static func replay(
        blocks: [Block], genesisApp: App, chainID: String, maxTxBytes: Int = MempoolLimits().maxTxBytes,
        cache: SignatureCache = SignatureCache(capacity: 0)
    ) -> [Hash] {
        var app = genesisApp
        var roots: [Hash] = []
        roots.reserveCapacity(blocks.count)
        for b in blocks {
            roots.append(execute(b, app: &app, chainID: chainID, maxTxBytes: maxTxBytes, cache: cache).stateRoot)
        }
        return roots
    }
}
