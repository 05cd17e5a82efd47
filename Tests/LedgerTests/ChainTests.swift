import Stochastic
import Testing

@testable import Ledger

@Suite("Single-node chain")
struct ChainTests {
    let users = (0..<3).map { SigningKey.derive(label: "user\($0)", seed: 8) }
    let proposer = SigningKey.derive(label: "validator", seed: 8)

    func makeChain(cache: SignatureCache = SignatureCache(capacity: 1_000)) -> SingleNodeChain<KVApp> {
        SingleNodeChain(
            chainID: "kv", app: KVApp(), proposer: proposer, limits: MempoolLimits(maxTxs: 100), cache: cache,
            maxBlockTxs: 7)
    }

    /// Runs a random workload and returns the chain.
    func run(seed: UInt64, blocks: Int, cache: SignatureCache = SignatureCache(capacity: 1_000)) -> SingleNodeChain<
        KVApp
    > {
        var g = SplitMix64(seed: seed)
        var chain = makeChain(cache: cache)
        var nonces = [UInt64](repeating: 0, count: users.count)
        for b in 0..<blocks {
            for _ in 0..<g.int(0..<10) {
                let u = g.int(0..<users.count)
                let op: KVApp.Op
                switch g.int(0..<10) {
                case 0: op = .fail
                case 1..<3: op = .remove([UInt8(g.int(0..<8))])
                default: op = .set([UInt8(g.int(0..<8))], g.bytes(upTo: 4))
                }
                let tx = Transaction.signed(
                    by: users[u], chainID: "kv", nonce: nonces[u], fee: .zero, message: KVApp.encode(op))
                if chain.submit(tx).isOK { nonces[u] += 1 }
            }
            _ = chain.produceBlock(timeTicks: Int64(b) * 1_000_000)
            // Resync the client-side nonces with the chain after failures (`.fail` leaves the nonce unchanged).
            for u in 0..<users.count {
                nonces[u] = KVApp.nonce(chain.app.checkState, users[u].publicKey)
            }
        }
        return chain
    }

    @Test func headersChain() {
        let chain = run(seed: 1, blocks: 30)
        #expect(chain.blocks.count == 30)
        var previous: Block?
        var previousReceipts: [Receipt] = []
        var genesisApp = KVApp()
        for (i, block) in chain.blocks.enumerated() {
            let h = block.header
            #expect(h.height == UInt64(i + 1))
            #expect(h.chainID == "kv")
            #expect(h.previousBlockHash == (previous?.hash ?? .zero))
            #expect(block.bodyMatchesHeader)
            #expect(h.stateRoot == (i == 0 ? StateStore.emptyRoot : chain.stateRoots[i - 1]))
            #expect(h.proposer == proposer.publicKey.address)
            if let previous {
                let sig = Signature(bytes: block.lastCommit)
                #expect(
                    proposer.publicKey.isValidSignature(
                        sig, for: SingleNodeChain<KVApp>.commitMessage(for: previous.hash)))
            } else {
                #expect(block.lastCommit.isEmpty)
            }
            let (receipts, _, root) = SingleNodeChain<KVApp>.execute(
                block, app: &genesisApp, chainID: "kv", maxTxBytes: 1 << 16, cache: SignatureCache(capacity: 0))
            #expect(h.resultsRoot == MerkleTree.root(leaves: previousReceipts.map(\.canonicalBytes)))
            #expect(root == chain.stateRoots[i])
            previous = block
            previousReceipts = receipts
            #expect(try! Block.decode(canonical: block.canonicalBytes) == block)
        }
        #expect(chain.blocks.contains { !$0.transactions.isEmpty })
    }

    @Test func replayReproducesEveryStateRoot() {
        let chain = run(seed: 2, blocks: 40)
        let roots = SingleNodeChain<KVApp>.replay(blocks: chain.blocks, genesisApp: KVApp(), chainID: "kv")
        #expect(roots == chain.stateRoots)
        #expect(Set(roots).count > 5, "the workload changes the state")
        // Same seed, separate run: identical chain.
        let again = run(seed: 2, blocks: 40)
        #expect(again.blocks == chain.blocks)
        // A tampered block diverges.
        var blocks = chain.blocks
        if let i = blocks.firstIndex(where: { !$0.transactions.isEmpty }) {
            blocks[i].transactions.removeFirst()
            #expect(
                SingleNodeChain<KVApp>.replay(blocks: blocks, genesisApp: KVApp(), chainID: "kv") != chain.stateRoots)
        }
    }

    @Test func rejectedTransactionsChangeNothingAndGetCodes() {
        var chain = makeChain()
        let u = users[0]
        let set = Transaction.signed(by: u, chainID: "kv", nonce: 0, fee: .zero, message: KVApp.encode(.set([1], [2])))
        #expect(chain.submit(set) == .ok)
        #expect(chain.submit(set).code == .duplicate)
        let wrongChain = Transaction.signed(by: u, chainID: "other", nonce: 1, fee: .zero, message: KVApp.encode(.fail))
        #expect(chain.submit(wrongChain).code == .wrongChainID)
        var forged = Transaction.signed(by: u, chainID: "kv", nonce: 1, fee: .zero, message: KVApp.encode(.fail))
        forged.message = KVApp.encode(.set([1], [3]))
        #expect(chain.submit(forged).code == .badSignature)
        let badNonce = Transaction.signed(by: u, chainID: "kv", nonce: 5, fee: .zero, message: KVApp.encode(.fail))
        #expect(chain.submit(badNonce).code == .badNonce)
        let garbage = Transaction.signed(by: u, chainID: "kv", nonce: 1, fee: .zero, message: [9, 9])
        #expect(chain.submit(garbage).code == .unknownMessage)
        let fail = Transaction.signed(by: u, chainID: "kv", nonce: 1, fee: .zero, message: KVApp.encode(.fail))
        #expect(chain.submit(fail) == .ok)
        let out = chain.produceBlock(timeTicks: 0)
        #expect(out.receipts.map(\.code) == [.ok, KVApp.failCode])
        let afterFirst = chain.app.committed
        #expect(afterFirst.get(KVApp.dataKey([1])) == [2])
        // Replay of a committed transaction is refused by the mempool.
        #expect(chain.submit(set).code == .duplicate)
        // A block containing a forged transaction executes it as badSignature without touching state.
        var app = chain.app
        let root = app.stateRoot
        let header = chain.blocks[0].header
        let block = Block(header: header, transactions: [forged], lastCommit: [])
        let (receipts, _, newRoot) = SingleNodeChain<KVApp>.execute(
            block, app: &app, chainID: "kv", maxTxBytes: 1 << 16, cache: SignatureCache(capacity: 0))
        #expect(receipts.map(\.code) == [.badSignature])
        #expect(newRoot == root)
    }

    @Test func cacheAvoidsSecondVerificationAtExecution() {
        let cache = SignatureCache(capacity: 1_000)
        var chain = makeChain(cache: cache)
        for (i, u) in users.enumerated() {
            let t = Transaction.signed(
                by: u, chainID: "kv", nonce: 0, fee: .zero, message: KVApp.encode(.set([UInt8(i)], [1])))
            #expect(chain.submit(t) == .ok)
        }
        #expect(cache.verifications == 3)
        _ = chain.produceBlock(timeTicks: 1)
        #expect(cache.verifications == 3)
        #expect(cache.hits == 3)
    }

    @Test func headerCommitsToTransactionsAndEvidence() {
        let chain = run(seed: 2, blocks: 3)
        let base = chain.blocks[2]
        #expect(!base.transactions.isEmpty)
        // The tx root is the RFC 6962 root over the transaction hashes (CometBFT's Txs.Hash).
        #expect(base.header.txRoot == MerkleTree.root(leaves: base.transactions.map(\.hash.bytes)))
        #expect(base.header.evidenceHash == Block.evidenceRoot([]) && base.evidence.isEmpty)
        // Evidence is part of the body the header commits to, and of the block's encoding.
        let items: [Bytes] = [[1, 2, 3], Bytes(repeating: 7, count: 300)]
        var header = base.header
        header.evidenceHash = Block.evidenceRoot(items)
        let withEvidence = Block(
            header: header, transactions: base.transactions, evidence: items, lastCommit: base.lastCommit)
        #expect(withEvidence.bodyMatchesHeader)
        #expect(withEvidence.hash != base.hash)
        #expect(try! Block.decode(canonical: withEvidence.canonicalBytes) == withEvidence)
        var tampered = withEvidence
        tampered.evidence[0] = [1, 2, 4]
        #expect(!tampered.bodyMatchesHeader)
        tampered = withEvidence
        tampered.evidence.removeLast()
        #expect(!tampered.bodyMatchesHeader)
        #expect(
            !Block(header: base.header, transactions: base.transactions, evidence: items, lastCommit: base.lastCommit)
                .bodyMatchesHeader)
        // Bounds: count and item size, in the decoder and in the body check.
        let many = (0...Block.maxEvidence).map { Bytes([UInt8($0)]) }
        header.evidenceHash = Block.evidenceRoot(many)
        let tooMany = Block(header: header, transactions: [], evidence: many, lastCommit: [])
        #expect(!tooMany.bodyMatchesHeader)
        #expect((try? Block.decode(canonical: tooMany.canonicalBytes)) == nil)
        let big = [Bytes(repeating: 1, count: Block.maxEvidenceBytes + 1)]
        header.evidenceHash = Block.evidenceRoot(big)
        let tooBig = Block(header: header, transactions: [], evidence: big, lastCommit: [])
        #expect(!tooBig.bodyMatchesHeader)
        #expect((try? Block.decode(canonical: tooBig.canonicalBytes)) == nil)
    }

    @Test func stateProofAgainstBlockHeader() {
        let chain = run(seed: 3, blocks: 10)
        // The state after block 9 is committed in block 10's header.
        let header = chain.blocks[9].header
        let app = SingleNodeChain<KVApp>.replay(
            blocks: Array(chain.blocks.prefix(9)), genesisApp: KVApp(), chainID: "kv")
        #expect(app.last == header.stateRoot)
        var replayed = KVApp()
        for b in chain.blocks.prefix(9) {
            _ = SingleNodeChain<KVApp>.execute(
                b, app: &replayed, chainID: "kv", maxTxBytes: 1 << 16, cache: SignatureCache(capacity: 0))
        }
        for k in 0..<8 {
            let p = replayed.committed.prove(KVApp.dataKey([UInt8(k)]))
            #expect(p.verify(root: header.stateRoot))
        }
    }
}
