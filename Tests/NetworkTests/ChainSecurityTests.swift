import Consensus
import DiscreteEvent
import Ledger
import Testing

@testable import Cluster
@testable import Network

/// Issue 17's smaller fixes at the node level: validator keys of small order, next-height messages against the
/// next height's set, block sync that rotates peers.
@Suite("Chain security (issue 17 item 5)")
struct ChainSecurityTests {
    /// The identity point: with R = identity, S = 0 it "signs" every message (`Ed25519VectorTests`).
    static let identity = PublicKey(bytes: [1] + Bytes(repeating: 0, count: 31))

    @Test("B14 ValidatorSetChange: a small-order validator key is refused, with no state change")
    func b14SmallOrderKeyRefused() {
        var app = LogApplication()
        let key = Workload.clientKey(7, seed: 1)
        let add = Transaction.signed(
            by: key, chainID: simChainID, nonce: 0, fee: Amount(minorUnits: 0),
            message: LogApplication.validatorUpdateMessage(Self.identity, power: 1))
        let check = app.checkTx(add)
        #expect(check.code == .malformed && check.log.contains("small order"))
        let root = app.stateRoot
        #expect(app.deliverTx(add).code == .malformed)
        #expect(app.endBlock().validatorUpdates.isEmpty)
        #expect(app.stateRoot == root && app.delivered == 0)
        // An application that forwards one anyway: the block store never adds it.
        let set = ValidatorSet([Validator(publicKey: key.publicKey, power: 1)])
        let next = BlockStore.apply([ValidatorUpdate(publicKey: Self.identity, power: 5)], to: set)
        #expect(next.validators.map(\.publicKey) == [key.publicKey])
    }
}
