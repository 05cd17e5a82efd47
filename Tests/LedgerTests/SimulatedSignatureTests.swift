import Testing

@testable import Ledger

/// The simulated signature scheme (issue 16): a keyed hash of Ed25519's size, checked as strictly.
@Suite("Simulated signatures")
struct SimulatedSignatureTests {
    static let message = Bytes("study 42 report".utf8)

    @Test func sameKeySameSizeDeterministicAndNotEd25519() {
        let real = SigningKey.derive(label: "alice", seed: 7)
        let sim = SigningKey.derive(label: "alice", seed: 7, scheme: .simulated)
        #expect(sim.publicKey == real.publicKey && sim.publicKey.address == real.publicKey.address)
        #expect(real.signing(with: .simulated).sign(Self.message) == sim.sign(Self.message))
        let s = sim.sign(Self.message)
        #expect(s.bytes.count == 64)
        #expect(s == SigningKey.derive(label: "alice", seed: 7, scheme: .simulated).sign(Self.message))
        #expect(s != real.sign(Self.message))
        #expect(SignatureScheme.simulated.isValid(s, for: Self.message, by: sim.publicKey))
        // Neither scheme accepts the other's signature.
        #expect(!SignatureScheme.ed25519.isValid(s, for: Self.message, by: sim.publicKey))
        #expect(!SignatureScheme.simulated.isValid(real.sign(Self.message), for: Self.message, by: sim.publicKey))
    }

    @Test func forgedOrAlteredSignaturesAndMessagesFail() {
        let key = SigningKey.derive(label: "alice", seed: 7, scheme: .simulated)
        let sig = key.sign(Self.message)
        let scheme = SignatureScheme.simulated
        for i in 0..<(64 * 8) {
            var b = sig.bytes
            b[i / 8] ^= 1 << UInt8(i % 8)
            #expect(!scheme.isValid(Signature(bytes: b), for: Self.message, by: key.publicKey), "bit \(i)")
        }
        for i in 0..<(Self.message.count * 8) {
            var m = Self.message
            m[i / 8] ^= 1 << UInt8(i % 8)
            #expect(!scheme.isValid(sig, for: m, by: key.publicKey), "message bit \(i)")
        }
        #expect(!scheme.isValid(sig, for: Self.message + [0], by: key.publicKey))
        #expect(!scheme.isValid(sig, for: Array(Self.message.dropLast()), by: key.publicKey))
        #expect(!scheme.isValid(.zero, for: Self.message, by: key.publicKey))
        // Another key's signature does not pass as this key's, and this key's does not verify under another.
        let bob = SigningKey.derive(label: "bob", seed: 7, scheme: .simulated)
        #expect(!scheme.isValid(bob.sign(Self.message), for: Self.message, by: key.publicKey))
        #expect(!scheme.isValid(sig, for: Self.message, by: bob.publicKey))
    }

    @Test func cacheAndEnvelopeCheckUnderTheirScheme() {
        let key = SigningKey.derive(label: "alice", seed: 1, scheme: .simulated)
        let tx = Transaction.signed(by: key, chainID: "c", nonce: 3, fee: Amount(minorUnits: 5), message: [1, 2, 3])
        let cache = SignatureCache(capacity: 16, scheme: .simulated)
        #expect(Envelope.verify(tx, chainID: "c", maxTxBytes: 1 << 16, cache: cache) == .ok)
        var altered = tx
        altered.fee = Amount(minorUnits: 6)
        #expect(Envelope.verify(altered, chainID: "c", maxTxBytes: 1 << 16, cache: cache).code == .badSignature)
        altered = tx
        altered.sender = SigningKey.derive(label: "bob", seed: 1).publicKey
        #expect(Envelope.verify(altered, chainID: "c", maxTxBytes: 1 << 16, cache: cache).code == .badSignature)
        // An Ed25519 cache refuses the simulated signature, and a simulated cache an Ed25519 one.
        let real = SignatureCache(capacity: 16)
        #expect(Envelope.verify(tx, chainID: "c", maxTxBytes: 1 << 16, cache: real).code == .badSignature)
        let signedReal = Transaction.signed(
            by: key.signing(with: .ed25519), chainID: "c", nonce: 3, fee: Amount(minorUnits: 5), message: [1, 2, 3])
        #expect(Envelope.verify(signedReal, chainID: "c", maxTxBytes: 1 << 16, cache: real) == .ok)
        #expect(
            Envelope.verify(signedReal, chainID: "c", maxTxBytes: 1 << 16, cache: cache).code == .badSignature)
        // Lookups are counted alike in both schemes (the simulated CPU charge follows them).
        #expect(cache.hits + cache.misses == 4 && cache.verifications == 4 && cache.count == 1)
    }
}
