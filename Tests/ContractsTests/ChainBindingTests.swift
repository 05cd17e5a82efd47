import Contracts
import Ledger
import Testing

/// Issue 7, item 5: signatures are bound to the chain id, nonces stop replays (at admission and in a block, after
/// commit), and an access link re-sealed after a missed deadline opens only for the new assignee. RejectionTests
/// covers the in-block codes; these add the admission path, a transaction moved from another chain, the mempool
/// after commit, and reassignment.
@Suite struct ChainBindingTests {
    let c = Cast()

    func chain(_ genesis: Genesis) -> SingleNodeChain<ReadChainApp> {
        SingleNodeChain(
            chainID: genesis.chainID, app: ReadChainApp(genesis: genesis), proposer: c.validator.signing,
            limits: MempoolLimits(), cache: SignatureCache(capacity: 1 << 10))
    }

    @Test func aTransactionFromAnotherChainIsRejectedWithNoStateChange() {
        var node = chain(c.genesis(.postedPrice))
        let before = node.app.stateRoot
        let message = Message.transfer(to: c.c2.address, amount: 5).canonicalBytes
        // Signed for another chain: refused at admission (envelope and the application's own check), and in a block.
        let foreign = Transaction.signed(
            by: c.c1.signing, chainID: "readchain-elsewhere", nonce: 0, fee: Amount(minorUnits: fee), message: message)
        #expect(node.submit(foreign).code == .wrongChainID)
        var app = node.app
        #expect(app.checkTx(foreign).code == .wrongChainID)
        // The same transaction with its chain id rewritten to this chain: the signature no longer covers it.
        var moved = foreign
        moved.chainID = node.chainID
        #expect(node.submit(moved).code == .badSignature)
        #expect(node.mempool.count == 0)
        // Forced into a block anyway (a faulty proposer): both fail before the application; nothing changes.
        var replayApp = node.app
        let header = BlockHeader(
            chainID: node.chainID, height: 1, timeTicks: minute, previousBlockHash: .zero,
            txRoot: Block.txRoot([foreign, moved]), stateRoot: before, resultsRoot: MerkleTree.root(leaves: []),
            proposer: c.validator.address, lastCommitHash: Hash.sha256([]), validatorsHash: node.validatorsHash)
        let (receipts, _, root) = SingleNodeChain<ReadChainApp>.execute(
            Block(header: header, transactions: [foreign, moved], lastCommit: []), app: &replayApp,
            chainID: node.chainID, maxTxBytes: MempoolLimits().maxTxBytes, cache: SignatureCache(capacity: 0))
        #expect(receipts.map(\.code) == [.wrongChainID, .badSignature])
        #expect(receipts.allSatisfy { $0.events.isEmpty })
        #expect(root == before)
        #expect(replayApp.balance(of: c.c1.address) == Cast.clientBalance && replayApp.nonce(of: c.c1.address) == 0)
        // The check state was not advanced either: the honest transaction with nonce 0 is admitted.
        let honest = Transaction.signed(
            by: c.c1.signing, chainID: node.chainID, nonce: 0, fee: Amount(minorUnits: fee), message: message)
        #expect(node.submit(honest).code == .ok)
    }

    @Test func aReplayedTransactionIsRejectedByTheMempoolAndTheAppAfterCommit() {
        var node = chain(c.genesis(.postedPrice))
        let tx = Transaction.signed(
            by: c.c1.signing, chainID: node.chainID, nonce: 0, fee: Amount(minorUnits: fee),
            message: Message.transfer(to: c.c2.address, amount: 5).canonicalBytes)
        #expect(node.submit(tx).code == .ok)
        #expect(node.submit(tx).code != .ok)  // the same bytes again, before commit
        let (block, receipts, _) = node.produceBlock(timeTicks: minute)
        #expect(block.transactions == [tx] && receipts[0].code == .ok)
        let afterCommit = node.app.stateRoot
        // After commit: the mempool refuses it (it remembers committed transactions; the application's check
        // state has moved the nonce on) ...
        #expect(node.submit(tx).code == .duplicate)
        var checker = node.app
        #expect(checker.checkTx(tx).code == .badNonce)
        #expect(node.mempool.count == 0)
        // ... and a proposer that includes it anyway gets a bad-nonce receipt and no state change.
        var app = node.app
        let header = BlockHeader(
            chainID: node.chainID, height: 2, timeTicks: 2 * minute, previousBlockHash: block.hash,
            txRoot: Block.txRoot([tx]), stateRoot: afterCommit,
            resultsRoot: MerkleTree.root(leaves: receipts.map(\.canonicalBytes)),
            proposer: c.validator.address, lastCommitHash: Hash.sha256([]), validatorsHash: node.validatorsHash)
        let (again, _, root) = SingleNodeChain<ReadChainApp>.execute(
            Block(header: header, transactions: [tx], lastCommit: []), app: &app, chainID: node.chainID,
            maxTxBytes: MempoolLimits().maxTxBytes, cache: SignatureCache(capacity: 0))
        #expect(again[0].code == .badNonce && again[0].events.isEmpty)
        #expect(root == afterCommit)
        #expect(app.balance(of: c.c2.address) == Cast.clientBalance + 5)
    }

    /// A study claimed by r1 expires unreported; the client reposts it and r2 claims the new study; the link the
    /// client re-seals for the new study opens for r2 only: r1 (the first assignee) cannot open it, and r1's
    /// grant for the first study does not open under the new study.
    @Test func aRepostedStudysLinkOpensOnlyForTheNewAssignee() throws {
        var h = Harness(c.genesis(.postedPrice), proposer: c.validator.signing)
        h.ok(at: minute, c.setup())
        h.ok(at: 2 * minute, [(c.c1, .postStudy(c.order(c.c1, deadline: hour)))])
        h.ok(at: 3 * minute, [(c.r1, .claimStudy(studyID: 1))])
        let r1Key = try #require(h.app.profile(of: c.r1.address)?.sealingKey)
        let firstInfo = Message.accessInfo(studyID: 1, recipient: r1Key)
        let firstBox = Sealing.seal(
            Cast.link, to: r1Key, ephemeral: SealingKey.derive(label: "grant-1", seed: 1), info: firstInfo)
        h.ok(at: 4 * minute, [(c.c1, .grantAccess(studyID: 1, recipient: r1Key, sealedLink: firstBox))])
        // r1 misses the deadline: the block after it expires the study (escrow refunded, assignment lost).
        let expired = h.block(at: hour + minute, [])
        #expect(expired.outcome.contract.contains { if case .studyExpired = $0 { true } else { false } })
        #expect(h.app.metrics(of: c.r1.address).missedDeadlines == 1)
        #expect(h.one(at: hour + 2 * minute, c.r1, .submitReport(studyID: 1, report: c.report(1))).code != .ok)

        // Repost with a fresh deadline; r2 claims it.
        h.ok(at: hour + 3 * minute, [(c.c1, .postStudy(c.order(c.c1, deadline: 3 * hour)))])
        h.ok(at: hour + 4 * minute, [(c.r2, .claimStudy(studyID: 2))])
        #expect(h.app.study(2)?.assignee == c.r2.address)
        let r2Key = try #require(h.app.profile(of: c.r2.address)?.sealingKey)
        let info = Message.accessInfo(studyID: 2, recipient: r2Key)
        // Sealing the new link to the first assignee is refused by the contract.
        let toR1 = Sealing.seal(
            Cast.link, to: r1Key, ephemeral: SealingKey.derive(label: "grant-2-r1", seed: 2),
            info: Message.accessInfo(studyID: 2, recipient: r1Key))
        #expect(
            h.one(at: hour + 5 * minute, c.c1, .grantAccess(studyID: 2, recipient: r1Key, sealedLink: toR1)).code
                == .notAssignee)
        let box = Sealing.seal(
            Cast.link, to: r2Key, ephemeral: SealingKey.derive(label: "grant-2", seed: 2), info: info)
        h.ok(at: hour + 6 * minute, [(c.c1, .grantAccess(studyID: 2, recipient: r2Key, sealedLink: box))])

        let stored = try #require(h.app.study(2)?.accessGrant)
        #expect(try Sealing.open(stored, with: c.r2.sealing, info: info) == Cast.link)
        #expect(throws: (any Error).self) { try Sealing.open(stored, with: c.r1.sealing, info: info) }
        #expect(throws: (any Error).self) {
            try Sealing.open(stored, with: c.r1.sealing, info: Message.accessInfo(studyID: 2, recipient: r1Key))
        }
        // The first grant stays bound to study 1: it does not open as study 2's link, for anyone.
        let old = try #require(h.app.study(1)?.accessGrant)
        #expect(throws: (any Error).self) { try Sealing.open(old, with: c.r1.sealing, info: info) }
        #expect(throws: (any Error).self) { try Sealing.open(old, with: c.r2.sealing, info: info) }
        h.ok(at: hour + 7 * minute, [(c.r2, .submitReport(studyID: 2, report: c.report(2)))])
    }

    /// Issue 17 item 5: a genesis with a non-ASCII chain id is refused with a clear problem, and the application
    /// compares a transaction's chain id as bytes: one signed for the Kelvin-sign (U+212A) twin of "K-chain", a
    /// Unicode-equivalent string, is from another chain.
    @Test func chainIdsAreASCIIAndComparedAsBytes() {
        for id in ["caf\u{e9}", "cafe\u{301}"] {
            #expect(c.genesis(.postedPrice, chainID: id).problems().contains { $0.contains("not printable ASCII") })
        }
        var app = ReadChainApp(genesis: c.genesis(.postedPrice, chainID: "K-chain"))
        let before = app.stateRoot
        let message = Message.transfer(to: c.c2.address, amount: 5).canonicalBytes
        let twin = Transaction.signed(
            by: c.c1.signing, chainID: "\u{212A}-chain", nonce: 0, fee: Amount(minorUnits: fee), message: message)
        #expect(twin.chainID == "K-chain", "the premise: equal as Swift strings")
        #expect(app.checkTx(twin).code == .wrongChainID)
        #expect(app.stateRoot == before)
        let own = Transaction.signed(
            by: c.c1.signing, chainID: "K-chain", nonce: 0, fee: Amount(minorUnits: fee), message: message)
        #expect(app.checkTx(own).code == .ok)
    }

    /// Issue 17 item 5: a small-order Ed25519 key cannot register. The identity key's forged signature (R = identity,
    /// S = 0) verifies on every message in BoringSSL, so its transactions pass the envelope; registration is refused
    /// before the fee (no state change), and a genesis naming such a validator or authority is invalid.
    @Test func aSmallOrderKeyCannotRegister() {
        let identity = PublicKey(bytes: [1] + Bytes(repeating: 0, count: 31))
        var genesis = c.genesis(.postedPrice)
        genesis.accounts.append(GenesisAccount(address: identity.address, balance: Cast.radBalance))
        var app = ReadChainApp(genesis: genesis)
        let before = app.stateRoot
        let forgery = Signature(bytes: [1] + Bytes(repeating: 0, count: 63))
        let register = Transaction(
            chainID: genesis.chainID, sender: identity, nonce: 0, fee: Amount(minorUnits: fee),
            message: Message.registerRadiologist(c.profile(c.r1)).canonicalBytes, signature: forgery)
        #expect(register.hasValidSignature, "the premise: BoringSSL accepts the forgery")
        let check = app.checkTx(register)
        #expect(check.code == .invalidArgument && check.log.contains("small order"))
        let receipt = app.deliverTx(register)
        #expect(receipt.code == .invalidArgument)
        #expect(app.stateRoot == before, "no fee, no nonce, no profile")
        #expect(app.balance(of: identity.address) == Cast.radBalance && app.nonce(of: identity.address) == 0)
        var bad = c.genesis(.postedPrice)
        bad.validators.append(ValidatorUpdate(publicKey: identity, power: 1))
        bad.authorities.append(PublicKey(bytes: Bytes(repeating: 0, count: 32)))
        #expect(bad.problems().filter { $0.contains("small order") }.count == 2)
    }
}
