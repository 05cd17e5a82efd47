import Testing

@testable import Ledger

@Suite("Mempool and signature cache")
struct MempoolTests {
    let alice = SigningKey.derive(label: "alice", seed: 3)
    let bob = SigningKey.derive(label: "bob", seed: 3)

    func tx(_ k: SigningKey, _ nonce: UInt64, _ size: Int = 4) -> Transaction {
        Transaction.signed(
            by: k, chainID: "c", nonce: nonce, fee: .zero, message: Bytes(repeating: UInt8(nonce & 0xff), count: size))
    }

    @Test func duplicatesAndSenderNonceConflicts() {
        var m = Mempool(limits: MempoolLimits(maxTxs: 10, maxBytes: 10_000, maxTxBytes: 1_000))
        #expect(m.add(tx(alice, 0)) { _ in .ok } == .ok)
        #expect(m.add(tx(alice, 0)) { _ in .ok }.code == .duplicate)
        #expect(m.add(tx(alice, 0, 5)) { _ in .ok }.code == .badNonce)
        var called = false
        _ = m.add(tx(alice, 0)) { _ in
            called = true
            return .ok
        }
        #expect(!called, "check is not run for a duplicate")
        #expect(m.add(tx(bob, 0)) { _ in TxCheck(code: .insufficientFunds) }.code == .insufficientFunds)
        #expect(m.count == 1)
    }

    @Test func limits() {
        var m = Mempool(limits: MempoolLimits(maxTxs: 3, maxBytes: 10_000, maxTxBytes: 200))
        #expect(m.add(tx(alice, 0, 500)) { _ in .ok }.code == .txTooLarge)
        for n in 0..<3 { #expect(m.add(tx(alice, UInt64(n))) { _ in .ok } == .ok) }
        #expect(m.add(tx(alice, 3)) { _ in .ok }.code == .mempoolFull)
        let one = tx(alice, 0).encodedSize
        var b = Mempool(limits: MempoolLimits(maxTxs: 100, maxBytes: 2 * one, maxTxBytes: 200))
        #expect(b.add(tx(bob, 0)) { _ in .ok } == .ok)
        #expect(b.add(tx(bob, 1)) { _ in .ok } == .ok)
        #expect(b.add(tx(bob, 2)) { _ in .ok }.code == .mempoolFull)
        #expect(b.bytes == 2 * one)
    }

    @Test func reapOrdersNoncesPerSenderAndInterleavesByArrival() {
        var m = Mempool(limits: MempoolLimits())
        // Arrivals: alice 2, bob 0, alice 0, alice 1, bob 1 (the mempool itself does not enforce nonce gaps).
        let arrivals = [tx(alice, 2), tx(bob, 0), tx(alice, 0), tx(alice, 1), tx(bob, 1)]
        for t in arrivals { #expect(m.add(t) { _ in .ok } == .ok) }
        let reaped = m.reap(maxBytes: 1 << 20, maxTxs: 100)
        #expect(
            reaped.map { [$0.sender == alice.publicKey ? 0 : 1, Int($0.nonce)] } == [
                [0, 0], [1, 0], [0, 1], [0, 2], [1, 1],
            ])
        #expect(m.reap(maxBytes: 1 << 20, maxTxs: 2).count == 2)
        #expect(m.reap(maxBytes: 1 << 20, maxTxs: 100) == reaped, "deterministic")
        // Byte limit: only what fits, never skipping a nonce of a sender.
        let one = arrivals[0].encodedSize
        let small = m.reap(maxBytes: one * 3 / 2, maxTxs: 100)
        #expect(small.count == 1)
        // Same arrivals in a fresh pool reap the same.
        var m2 = Mempool(limits: MempoolLimits())
        for t in arrivals { _ = m2.add(t) { _ in .ok } }
        #expect(m2.reap(maxBytes: 1 << 20, maxTxs: 100) == reaped)
    }

    @Test func updateDropsCommittedAndInvalidAndRejectsReplays() {
        var m = Mempool(limits: MempoolLimits())
        let a0 = tx(alice, 0)
        let a1 = tx(alice, 1)
        let b0 = tx(bob, 0)
        for t in [a0, a1, b0] { _ = m.add(t) { _ in .ok } }
        // Commit a0; bob's tx is now invalid (say his balance went).
        m.update(committed: [a0]) { $0.sender == bob.publicKey ? TxCheck(code: .insufficientFunds) : .ok }
        #expect(m.transactions == [a1])
        #expect(m.add(a0) { _ in .ok }.code == .duplicate, "replay of a committed transaction")
        #expect(m.bytes == a1.encodedSize)
        // After a0 is dropped, the same nonce can be used by a different transaction again only via check.
        #expect(m.add(tx(alice, 0, 9)) { _ in TxCheck(code: .badNonce) }.code == .badNonce)
    }

    @Test func signatureCache() {
        let cache = SignatureCache(capacity: 3)
        let msgs = (0..<5).map { Bytes("m\($0)".utf8) }
        let sigs = msgs.map { alice.sign($0) }
        #expect(cache.verify(sigs[0], message: msgs[0], key: alice.publicKey))
        #expect(cache.verifications == 1 && cache.misses == 1 && cache.hits == 0)
        #expect(cache.verify(sigs[0], message: msgs[0], key: alice.publicKey))
        #expect(cache.hits == 1 && cache.verifications == 1)
        // Failures are not cached.
        #expect(!cache.verify(sigs[1], message: msgs[0], key: alice.publicKey))
        #expect(!cache.verify(sigs[1], message: msgs[0], key: alice.publicKey))
        #expect(cache.verifications == 3)
        #expect(!cache.verify(sigs[0], message: msgs[0], key: bob.publicKey))
        // A cached signature is matched with its whole message: another message under it fails.
        #expect(!cache.verify(sigs[0], message: msgs[1], key: alice.publicKey))
        #expect(!cache.verify(sigs[0], message: msgs[0] + [0], key: alice.publicKey))
        #expect(cache.count == 1 && cache.verifications == 6)
        // Eviction: FIFO, bounded by capacity.
        for i in 1..<5 { #expect(cache.verify(sigs[i], message: msgs[i], key: alice.publicKey)) }
        #expect(cache.count == 3)
        let before = cache.verifications
        #expect(cache.verify(sigs[0], message: msgs[0], key: alice.publicKey))  // evicted: verified again
        #expect(cache.verifications == before + 1)
        #expect(cache.verify(sigs[4], message: msgs[4], key: alice.publicKey))  // still cached
        #expect(cache.verifications == before + 1)
    }

    @Test func envelope() {
        let cache = SignatureCache(capacity: 10)
        let t = tx(alice, 0)
        #expect(Envelope.verify(t, chainID: "c", maxTxBytes: 1_000, cache: cache) == .ok)
        #expect(Envelope.verify(t, chainID: "d", maxTxBytes: 1_000, cache: cache).code == .wrongChainID)
        #expect(Envelope.verify(t, chainID: "c", maxTxBytes: 10, cache: cache).code == .txTooLarge)
        var bad = t
        bad.nonce = 1
        #expect(Envelope.verify(bad, chainID: "c", maxTxBytes: 1_000, cache: cache).code == .badSignature)
    }
}
