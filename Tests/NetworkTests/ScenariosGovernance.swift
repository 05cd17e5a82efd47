// Accountability and governance (issue 17 item 4) at the cluster level, under the oracle and transaction load:
// B22 and B23 change the validator set through operators' governance transactions of `ReadChainApp`, B24 jails a
// double-signer through the committed evidence that reaches the application.

import Consensus
import Contracts
import DiscreteEvent
import Ledger
import Testing

@testable import Cluster

private let seed: UInt64 = 1
private func nodeKey(_ i: Int) -> SigningKey { ClusterConfig.nodeKey(i, seed: seed) }
private let operators = (0..<4).map { Workload.clientKey(900 + $0, seed: seed) }
private let clients = (0..<8).map { Workload.clientKey($0, seed: seed) }

/// The market's contracts with four operators (quorum: three approvals) and eight clients paying each other;
/// `genesisPowers`: the validators of the genesis (node i at power `genesisPowers[i]`, 0: not a validator).
private func governanceGenesis(_ genesisPowers: [UInt64]) -> Genesis {
    Genesis(
        chainID: simChainID,
        accounts: (clients + operators).map { GenesisAccount(address: $0.publicKey.address, balance: 1_000_000) },
        authorities: [], market: .postedPrice, feeCollector: clients[0].publicKey.address,
        validators: genesisPowers.enumerated().filter { $0.element > 0 }.map {
            ValidatorUpdate(publicKey: nodeKey($0.offset).publicKey, power: $0.element)
        },
        governance: GovernanceParameters(operators: operators.map(\.publicKey)))
}

/// Transfers among the clients at `rate` per second until `stop`.
private func transferLoad(rate: Double = 150, stop: SimTime = .distantFuture) -> Workload {
    let addresses = clients.map(\.publicKey.address)
    return Workload(clients: clients.count, ratePerSecond: rate, stop: stop) { c, key, nonce in
        let m = Message.transfer(to: addresses[(c + 1 + Int(nonce % 3)) % addresses.count], amount: 1 + nonce)
        return Transaction.signed(
            by: key, chainID: simChainID, nonce: nonce, fee: Amount(minorUnits: 10), message: m.canonicalBytes)
    }
}

private func governanceCluster(
    powers: [UInt64], genesis: Genesis, byzantine: [Int: any ByzantineBehaviour] = [:], load: Workload = transferLoad()
) -> ChainCluster<ReadChainApp, Never> {
    ChainCluster<ReadChainApp, Never>(
        config: ClusterConfig(
            seed: seed, chainID: simChainID, powers: powers, node: testNode, workload: load,
            termination: bound(n: powers.count), byzantine: byzantine),
        makeApp: { ReadChainApp(genesis: genesis) },
        invariant: { app in
            app.totalValue == app.genesis.supply ? nil : "total \(app.totalValue) ≠ supply \(app.genesis.supply)"
        })
}

private func governanceTx(_ op: Int, nonce: UInt64, _ m: Message) -> Transaction {
    Transaction.signed(
        by: operators[op], chainID: simChainID, nonce: nonce, fee: Amount(minorUnits: 10), message: m.canonicalBytes)
}

/// Operator 0 proposes `key` at `power` at `at`; operators 1 and 2 approve 100 ms and 200 ms later (the third
/// approval of four is the quorum). Returns the approving transaction that adopts it.
private func propose(
    _ c: ChainCluster<ReadChainApp, Never>, _ key: PublicKey, power: UInt64, at: SimTime, proposal: UInt64
) -> Transaction {
    c.inject(governanceTx(0, nonce: proposal - 1, .proposeValidatorChange(publicKey: key, power: power)), to: 1, at: at)
    c.inject(
        governanceTx(1, nonce: proposal - 1, .approveValidatorChange(proposalID: proposal)), to: 2,
        at: at + .milliseconds(100))
    let adopting = governanceTx(2, nonce: proposal - 1, .approveValidatorChange(proposalID: proposal))
    c.inject(adopting, to: 3, at: at + .milliseconds(200))
    return adopting
}

private func height(of tx: Transaction, in store: BlockStore) -> Height? {
    store.blocks.first { $0.transactions.contains(tx) }?.header.height
}

/// Whether `a` signed the certificate of height `h`.
private func signed(_ a: Address, _ h: Height, in store: BlockStore) -> Bool {
    let vs = store.validatorSet(at: h)
    return store.certificate(at: h).signatures.contains { vs.validators[Int($0.validatorIndex)].address == a }
}

@Suite("B: accountability and governance")
struct ScenariosGovernance {
    @Test("B22 Governance_ValidatorAddedUnderLoad")
    func b22() {
        // Node 4 runs but holds no power; the operators add it (power 1) by governance while clients transact.
        let powers: [UInt64] = [1, 1, 1, 1, 0]
        let c = governanceCluster(powers: powers, genesis: governanceGenesis(powers))
        let adopting = propose(c, nodeKey(4).publicKey, power: 1, at: .milliseconds(150), proposal: 1)
        c.run(until: .milliseconds(1_200))
        expectClean(c)
        let store = c.nodes[0].store
        guard let h = height(of: adopting, in: store) else {
            Issue.record("the adopting approval was not committed")
            return
        }
        let a4 = nodeKey(4).publicKey.address
        #expect(store.validatorSet(at: h + 1).validator(a4) == nil, "not yet at H+1")
        #expect(store.validatorSet(at: h + 2).validator(a4) != nil, "a member from H+2")
        #expect(!(1...(h + 1)).contains { signed(a4, $0, in: store) }, "no certificate counts it before H+2")
        #expect(((h + 2)...store.height).contains { signed(a4, $0, in: store) }, "its precommits count from H+2")
        #expect(store.height > h + 10, "live after the change")
        #expect(c.metrics.committed > 100, "under load")
        let app = c.nodes[0].app
        #expect(app.validatorView.contains { $0.publicKey == nodeKey(4).publicKey && $0.power == 1 })
    }

    @Test("B23 Governance_ValidatorRemovedUnderLoad")
    func b23() {
        // The operators remove node 0 (a quarter of the power: within the 1/3 budget) while clients transact.
        let powers: [UInt64] = [1, 1, 1, 1]
        let c = governanceCluster(powers: powers, genesis: governanceGenesis(powers))
        let adopting = propose(c, nodeKey(0).publicKey, power: 0, at: .milliseconds(150), proposal: 1)
        c.run(until: .milliseconds(1_200))
        expectClean(c)
        let store = c.nodes[1].store
        guard let h = height(of: adopting, in: store) else {
            Issue.record("the adopting approval was not committed")
            return
        }
        let a0 = nodeKey(0).publicKey.address
        #expect(store.validatorSet(at: h + 1).validator(a0) != nil, "still a member at H+1")
        #expect(
            ((h + 2)...store.height).allSatisfy { store.validatorSet(at: $0).validator(a0) == nil }, "gone from H+2")
        #expect(((h + 2)...store.height).allSatisfy { store.block(at: $0).header.proposer != a0 }, "no proposer turn")
        #expect(store.height > h + 10, "live with three validators")
        #expect(c.metrics.committed > 100, "under load")
    }

    @Test("B24 DoubleSigner_Jailed")
    func b24() {
        // Node 3 prevotes and precommits twice at every height; its evidence is committed, reaches the contracts,
        // and jails it: power 0 from two heights after the block that carried the evidence.
        let powers: [UInt64] = [1, 1, 1, 1]
        let c = governanceCluster(powers: powers, genesis: governanceGenesis(powers), byzantine: [3: DoubleVoter()])
        c.run(until: .milliseconds(900))
        expectClean(c)
        let a3 = nodeKey(3).publicKey.address
        let store = c.nodes[0].store
        guard let first = c.oracle.committedEvidence.first?.height else {
            Issue.record("no evidence committed")
            return
        }
        #expect(c.oracle.committedEvidence.allSatisfy { $0.offence.validator == a3 })
        #expect(store.validatorSet(at: first + 1).validator(a3) != nil, "still a member at H+1")
        #expect(((first + 2)...store.height).allSatisfy { store.validatorSet(at: $0).validator(a3) == nil })
        #expect(!((first + 2)...store.height).contains { signed(a3, $0, in: store) }, "its votes no longer count")
        #expect(store.height > first + 10, "live after jailing")
        #expect(c.metrics.committed > 50, "under load")
        let app = c.nodes[0].app
        #expect(app.jailed.map(\.publicKey) == [nodeKey(3).publicKey], "one jail record")
        #expect(app.jailed.first?.jailedAtHeight == first)
    }

    @Test("B24 DoubleSigner_Jailed (log application, the load tests' app)")
    func b24Log() {
        let powers: [UInt64] = [1, 1, 1, 1]
        let genesis = powers.enumerated().map {
            ValidatorUpdate(publicKey: nodeKey($0.offset).publicKey, power: $0.element)
        }
        let c = ChainCluster<LogApplication, Int>(
            config: ClusterConfig(
                seed: seed, chainID: simChainID, powers: powers, node: testNode, workload: logWorkload(),
                termination: bound(n: powers.count), byzantine: [3: DoubleVoter()]),
            makeApp: { LogApplication(validators: genesis) })
        c.run(until: .milliseconds(600))
        expectClean(c)
        let a3 = nodeKey(3).publicKey.address
        let store = c.nodes[0].store
        guard let first = c.oracle.committedEvidence.first?.height else {
            Issue.record("no evidence committed")
            return
        }
        #expect(((first + 2)...store.height).allSatisfy { store.validatorSet(at: $0).validator(a3) == nil })
        #expect(c.nodes[0].app.jailed.map(\.validator) == [nodeKey(3).publicKey])
        #expect(store.height > first + 10, "live after jailing")
    }
}
