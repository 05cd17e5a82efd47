// The chain gateway without a chain: signing, fees, nonces, resubmission, admission refusals, commits.

import Contracts
import Ledger
import MarketModel
import Testing

@testable import Market

@Suite("Chain gateway")
struct ChainGatewayTests {
    func gateway(perByte: UInt64 = 0) -> ChainGateway {
        let party = { (label: String, node: Int) in Party(label: label, seed: 3, gateway: node) }
        return ChainGateway(
            chainID: "test", minFee: 10, perByte: perByte, validators: 4, clients: [party("c", 2)],
            radiologists: [party("r", 3)], authority: party("a", 0), intermediary: party("i", 1))
    }

    /// Each party signs at its own next nonce, at `minFee + perByte × size`; the transaction goes to the party's
    /// validator after the link's delay, and is checked after the resubmission wait.
    @Test func signsAtConsecutiveNoncesAndTheExactFee() {
        var g = gateway(perByte: 2)
        let first = g.submit(
            .completeFollowUp(studyID: 1), as: .client(ClientID(0)), kind: .followUp(StudyID(0)), now: 100)
        let second = g.submit(
            .completeFollowUp(studyID: 2), as: .client(ClientID(0)), kind: .followUp(StudyID(1)), now: 100)
        let other = g.submit(.claimStudy(studyID: 1), as: .radiologist(RadiologistID(0)), kind: .setup, now: 100)
        #expect(g.txs.map(\.tx.nonce) == [0, 1, 0])
        let tx = g.txs[0].tx
        #expect(first.fee == 10 + 2 * UInt64(tx.encodedSize) && tx.fee.minorUnits == first.fee)
        #expect(
            first.actions == [
                .send(tx, node: 2, at: 300), .checkCommitted(tx: 0, at: 100 + ChainGateway.resubmitAfter),
            ])
        #expect(second.index == 1 && other.index == 2)
        if case .send(_, let node, _) = other.actions[0] { #expect(node == 3) }
        #expect(g[.client(ClientID(0))].feesToday == first.fee + second.fee)
        #expect(g.takeFeesToday(RadiologistID(0)) == other.fee)
        #expect(g.takeFeesToday(RadiologistID(0)) == 0)
    }

    /// Not committed in time: the same bytes go to the next running validator, checked after a doubled wait;
    /// committed, nothing more happens, and the commit is routed once to its kind.
    @Test func resubmitsToTheNextRunningValidatorUntilCommitted() {
        var g = gateway()
        let s = g.submit(.claimStudy(studyID: 7), as: .client(ClientID(0)), kind: .post(StudyID(3)), now: 0)
        let tx = g.txs[0].tx
        let again = g.resubmit(s.index, now: 1_000, isUp: { $0 != 3 })
        #expect(
            again == [
                .send(tx, node: 0, at: 1_200), .checkCommitted(tx: 0, at: 1_000 + 2 * ChainGateway.resubmitAfter),
            ])
        let routed = g.committed(tx.hash)
        #expect(routed?.kind == .post(StudyID(3)) && routed?.submitted == 0)
        #expect(g.committed(tx.hash) == nil)
        #expect(g.resubmit(s.index, now: 2_000, isUp: { _ in true }).isEmpty)
        #expect(g.committed == 1)
    }

    /// Refusals at admission count, except duplicates and a resubmission racing its original.
    @Test func countsRefusalsAtAdmission() {
        var g = gateway()
        _ = g.submit(.claimStudy(studyID: 1), as: .client(ClientID(0)), kind: .setup, now: 0)
        let hash = g.txs[0].tx.hash
        g.admission(hash, TxCheck(code: .duplicate))
        g.admission(hash, .ok)
        #expect(g.refused == 0)
        g.admission(hash, TxCheck(code: .badNonce))
        #expect(g.refused == 1)
        _ = g.resubmit(0, now: 10, isUp: { _ in true })
        g.admission(hash, TxCheck(code: .badNonce))
        #expect(g.refused == 1)
        g.admission(Hash.sha256(domain: "other", []), TxCheck(code: .badSignature))
        #expect(g.refused == 1)
    }
}
