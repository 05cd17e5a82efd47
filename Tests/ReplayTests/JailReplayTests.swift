import Cluster
import Consensus
import Contracts
import DiscreteEvent
import Ledger
import MarketModel
import Replay
import Testing

/// A stored chain whose blocks commit evidence replays: replay hands the same misbehaviour to the contracts as the
/// nodes did (`BlockStore.misbehaviour`), so the jailing, its state roots and the set of H+2 all verify.
@Suite struct JailReplayTests {
    @Test func aChainThatJailsADoubleSignerReplays() throws {
        let chainID = "readchain-jail"
        let nodeKeys = (0..<4).map { ClusterConfig.nodeKey($0, seed: 1) }
        let client = Workload.clientKey(0, seed: 1)
        let genesis = Genesis(
            chainID: chainID, accounts: [GenesisAccount(address: client.publicKey.address, balance: 1_000_000)],
            authorities: [], market: .postedPrice, feeCollector: client.publicKey.address,
            validators: nodeKeys.map { ValidatorUpdate(publicKey: $0.publicKey, power: 1) })
        let to = nodeKeys[0].publicKey.address
        let load = Workload(clients: 1, ratePerSecond: 100) { _, key, nonce in
            Transaction.signed(
                by: key, chainID: chainID, nonce: nonce, fee: Amount(minorUnits: 10),
                message: Message.transfer(to: to, amount: 1).canonicalBytes)
        }
        let c = ChainCluster<ReadChainApp, Never>(
            config: ClusterConfig(
                seed: 1, chainID: chainID, powers: [1, 1, 1, 1],
                node: NodeConfig(chainID: chainID, commitTimeout: 20_000),
                workload: load, byzantine: [3: DoubleVoter()]),
            makeApp: { ReadChainApp(genesis: genesis) })
        c.run(until: .milliseconds(500))
        c.finish()
        #expect(c.oracle.violations.isEmpty)
        let store = c.nodes[0].store
        let blocks = store.blocks
        #expect(blocks.contains { !$0.evidence.isEmpty }, "evidence committed")
        #expect(c.nodes[0].app.jailed.count == 1)
        // Each height's certificate as the next block carries it (what the market's recorder stores).
        let recorded = blocks.enumerated().map { i, b in
            RecordedChainBlock(
                height: Int64(b.header.height), block: b.canonicalBytes,
                certificate: i + 1 < blocks.count
                    ? blocks[i + 1].lastCommit : store.certificate(at: b.header.height).canonicalBytes)
        }
        var replayer = ChainReplayer(
            chain: RecordedChain(
                chainID: chainID, maxTxBytes: MempoolLimits().maxTxBytes, genesis: genesis.canonicalBytes,
                blocks: recorded))
        replayer.run()
        #expect(replayer.failures.isEmpty, "\(replayer.failures.prefix(3))")
        #expect(replayer.counts.evidence > 0)
        #expect(replayer.app?.jailed.map(\.publicKey) == [nodeKeys[3].publicKey])
        #expect(replayer.finalStateRoot == store.lastStateRoot)
    }
}
