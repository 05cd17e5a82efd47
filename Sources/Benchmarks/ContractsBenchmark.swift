import Contracts
import Ledger

/// Throughput and footprint of the contracts, for `make bench` and the CLI. The only file in this module that
/// reads a clock (ContinuousClock, to time execution); nothing it measures feeds back into chain state.
public enum ContractsBenchmark {
    /// Figures from one run.
    public struct Figures: Sendable {
        public var completedStudies: Int
        /// Bytes of all the lifecycle blocks (headers, commits, transactions) per completed study.
        public var bytesPerCompletedStudy: Double
        /// Transaction bytes alone per completed study.
        public var transactionBytesPerStudy: Double
        public var transactionsPerSecondWithSignatures: Double
        public var transactionsPerSecondWithoutSignatures: Double
        public var transactions: Int
        /// `name=value` lines, the format `make bench` records.
        public var lines: [String] {
            [
                "contracts_bytes_per_study=\(Int(bytesPerCompletedStudy.rounded()))",
                "contracts_tx_bytes_per_study=\(Int(transactionBytesPerStudy.rounded()))",
                "contracts_tx_per_s_with_signatures=\(Int(transactionsPerSecondWithSignatures.rounded()))",
                "contracts_tx_per_s_without_signatures=\(Int(transactionsPerSecondWithoutSignatures.rounded()))",
            ]
        }
    }

    /// Runs `studies` posted-price lifecycles (post, claim, grant access, report, feedback), `studiesPerBlock` at a
    /// time, through `SingleNodeChain`, and measures bytes per study; then re-executes the same blocks with and
    /// without signature verification to measure transactions per second.
    public static func run(studies: Int = 500, studiesPerBlock: Int = 50) -> Figures {
        let world = BenchmarkWorld(clients: 10, radiologists: 10)
        var chain = SingleNodeChain(
            chainID: world.genesis.chainID, app: ReadChainApp(genesis: world.genesis), proposer: world.validator,
            limits: MempoolLimits(), cache: SignatureCache(capacity: 100_000))
        let genesisApp = chain.app
        var nonces: [Address: UInt64] = [:]
        func submit(_ key: SigningKey, _ m: Message) {
            let a = key.publicKey.address
            let n = nonces[a, default: 0]
            nonces[a] = n + 1
            let tx = Transaction.signed(
                by: key, chainID: world.genesis.chainID, nonce: n, fee: Amount(minorUnits: world.fee),
                message: m.canonicalBytes)
            let check = chain.submit(tx)
            precondition(check.isOK, "benchmark tx rejected: \(check)")
        }
        var time: Int64 = 1_000_000
        func block() -> Block {
            time += 1_000_000
            let (b, receipts, _) = chain.produceBlock(timeTicks: time)
            precondition(receipts.allSatisfy(\.code.isOK), "benchmark block had a failure")
            return b
        }
        for m in world.setupMessages() { submit(m.0, m.1) }
        _ = block()

        var lifecycleBlocks: [Block] = []
        var nextID: UInt64 = 1
        var remaining = studies
        while remaining > 0 {
            let n = min(studiesPerBlock, remaining)
            remaining -= n
            let ids = (0..<n).map { nextID + UInt64($0) }
            nextID += UInt64(n)
            let pairs = ids.map { id in
                (
                    client: world.clients[Int(id) % world.clients.count],
                    rad: world.radiologists[Int(id) % world.radiologists.count]
                )
            }
            for (i, _) in ids.enumerated() {
                submit(pairs[i].client.signing, .postStudy(world.order(deadline: time + 3_600_000_000)))
            }
            lifecycleBlocks.append(block())
            for (i, id) in ids.enumerated() { submit(pairs[i].rad.signing, .claimStudy(studyID: id)) }
            lifecycleBlocks.append(block())
            for (i, id) in ids.enumerated() {
                let grant = world.grant(studyID: id, to: pairs[i].rad.sealing.publicKey)
                submit(
                    pairs[i].client.signing,
                    .grantAccess(studyID: id, recipient: pairs[i].rad.sealing.publicKey, sealedLink: grant))
            }
            lifecycleBlocks.append(block())
            for (i, id) in ids.enumerated() {
                submit(pairs[i].rad.signing, .submitReport(studyID: id, report: world.report(id)))
            }
            lifecycleBlocks.append(block())
            for (i, id) in ids.enumerated() { submit(pairs[i].client.signing, .submitFeedback(studyID: id, score: 4)) }
            lifecycleBlocks.append(block())
        }
        let totalBytes = lifecycleBlocks.reduce(0) { $0 + $1.encodedSize }
        let txBytes = lifecycleBlocks.reduce(0) { $0 + $1.transactions.reduce(0) { $0 + $1.canonicalBytes.count } }
        let txCount = lifecycleBlocks.reduce(0) { $0 + $1.transactions.count }

        let allBlocks = chain.blocks
        let without = replayRate(allBlocks, from: genesisApp, chainID: world.genesis.chainID, verify: false)
        let with = replayRate(allBlocks, from: genesisApp, chainID: world.genesis.chainID, verify: true)
        return Figures(
            completedStudies: studies, bytesPerCompletedStudy: Double(totalBytes) / Double(studies),
            transactionBytesPerStudy: Double(txBytes) / Double(studies), transactionsPerSecondWithSignatures: with,
            transactionsPerSecondWithoutSignatures: without, transactions: txCount)
    }

    /// Transactions per second re-executing `blocks` from `genesisApp`, with the envelope checks (signatures
    /// verified, no cache) or with the contracts only.
    static func replayRate(_ allBlocks: [Block], from genesisApp: ReadChainApp, chainID: String, verify: Bool) -> Double
    {
        let clock = ContinuousClock()
        var app = genesisApp
        let start = clock.now
        for b in allBlocks {
            if verify {
                _ = SingleNodeChain<ReadChainApp>.execute(
                    b, app: &app, chainID: chainID, maxTxBytes: 1 << 16,
                    cache: SignatureCache(capacity: 0))
            } else {
                app.beginBlock(b.header, misbehaviour: [])
                for tx in b.transactions { _ = app.deliverTx(tx) }
                _ = app.endBlock()
                _ = app.commit()
            }
        }
        let d = clock.now - start
        let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        return Double(allBlocks.reduce(0) { $0 + $1.transactions.count }) / seconds
    }
}
