import Testing

@testable import Ledger

@Suite("Keys, signatures, addresses, sealing, amounts")
struct CryptoTests {
    @Test func signaturesVerifyAndFailOnAnyFlippedBit() {
        let key = SigningKey.derive(label: "alice", seed: 7)
        let message = Bytes("study 42".utf8)
        let sig = key.sign(message)
        #expect(key.publicKey.isValidSignature(sig, for: message))
        #expect(sig == key.sign(message), "Ed25519 signatures are deterministic")
        for i in 0..<(64 * 8) {
            var b = sig.bytes
            b[i / 8] ^= 1 << UInt8(i % 8)
            #expect(!key.publicKey.isValidSignature(Signature(bytes: b), for: message))
        }
        for i in 0..<(message.count * 8) {
            var m = message
            m[i / 8] ^= 1 << UInt8(i % 8)
            #expect(!key.publicKey.isValidSignature(sig, for: m))
        }
        let other = SigningKey.derive(label: "bob", seed: 7)
        #expect(!other.publicKey.isValidSignature(sig, for: message))
    }

    @Test func transactionSignatureCoversEveryField() {
        let key = SigningKey.derive(label: "alice", seed: 1)
        let tx = Transaction.signed(by: key, chainID: "c", nonce: 3, fee: Amount(minorUnits: 5), message: [1, 2, 3])
        #expect(tx.hasValidSignature)
        var t = tx
        t.nonce = 4
        #expect(!t.hasValidSignature)
        t = tx
        t.fee = Amount(minorUnits: 6)
        #expect(!t.hasValidSignature)
        t = tx
        t.chainID = "d"
        #expect(!t.hasValidSignature)
        t = tx
        t.message = [1, 2, 4]
        #expect(!t.hasValidSignature)
        t = tx
        t.sender = SigningKey.derive(label: "bob", seed: 1).publicKey
        #expect(!t.hasValidSignature)
        #expect(tx.hash == Hash.sha256(tx.canonicalBytes))
    }

    @Test func derivedKeysAreDeterministicAndDistinct() throws {
        #expect(SigningKey.derive(label: "a", seed: 1).publicKey == SigningKey.derive(label: "a", seed: 1).publicKey)
        #expect(SigningKey.derive(label: "a", seed: 1).publicKey != SigningKey.derive(label: "a", seed: 2).publicKey)
        #expect(SigningKey.derive(label: "a", seed: 1).publicKey != SigningKey.derive(label: "b", seed: 1).publicKey)
        #expect(throws: (any Error).self) { try SigningKey(seed: [1, 2, 3]) }
    }

    @Test func addresses() {
        let pk = SigningKey.derive(label: "a", seed: 1).publicKey
        let a = pk.address
        #expect(a.bytes.count == 20)
        #expect(a.bytes == Array(Hash.sha256(Bytes("readchain/address/v1".utf8) + pk.bytes).bytes.prefix(20)))
        #expect(Address(hex: a.hex) == a)
        #expect(a.hex.count == 40)
        #expect(Address(hex: "zz") == nil)
        #expect(pk.address != SigningKey.derive(label: "b", seed: 1).publicKey.address)
    }

    @Test func hashesAndHex() {
        #expect(Hash.sha256([]).hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let h = Hash.sha256(Bytes("abc".utf8))
        #expect(h.hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Hash(hex: h.hex.uppercased()) == h)
        #expect(Hash(hex: "abc") == nil)
        // Domain separation: moving bytes between parts changes the hash.
        #expect(Hash.sha256(domain: "d", [1, 2], [3]) != Hash.sha256(domain: "d", [1], [2, 3]))
        #expect(Hash.sha256(domain: "d", [1]) != Hash.sha256(domain: "e", [1]))
    }

    @Test func amounts() {
        let a = Amount(minorUnits: 100)
        #expect(a.adding(Amount(minorUnits: 5)) == Amount(minorUnits: 105))
        #expect(Amount(minorUnits: .max).adding(Amount(minorUnits: 1)) == nil)
        #expect(a.subtracting(Amount(minorUnits: 101)) == nil)
        #expect(a.subtracting(a) == .zero)
        #expect(Amount(minorUnits: 999).multipliedBy(basisPoints: 250) == Amount(minorUnits: 24))
        #expect(Amount(minorUnits: .max).multipliedBy(basisPoints: 10_000) == Amount(minorUnits: .max))
        #expect(Amount(minorUnits: .max).multipliedBy(basisPoints: 10_001) == nil)
        #expect(Amount(minorUnits: .max).multipliedBy(basisPoints: 5_000) == Amount(minorUnits: .max / 2))
    }

    @Test func sealing() throws {
        let recipient = SealingKey.derive(label: "radiologist-1", seed: 9)
        let other = SealingKey.derive(label: "radiologist-2", seed: 9)
        let eph = SealingKey.derive(label: "study-7", seed: 9)
        let secret = Bytes("https://pacs.example/study/7?token=abc".utf8)
        let info = Bytes("study-7".utf8)
        let box = Sealing.seal(secret, to: recipient.publicKey, ephemeral: eph, info: info)
        #expect(box == Sealing.seal(secret, to: recipient.publicKey, ephemeral: eph, info: info), "deterministic")
        #expect(try Sealing.open(box, with: recipient, info: info) == secret)
        #expect(throws: SealingError.self) { try Sealing.open(box, with: other, info: info) }
        #expect(throws: SealingError.self) { try Sealing.open(box, with: eph, info: info) }
        #expect(throws: SealingError.self) { try Sealing.open(box, with: recipient, info: [1]) }
        for i in 0..<box.ciphertext.count {
            var t = box
            t.ciphertext[i] ^= 0x01
            #expect(throws: SealingError.self) { try Sealing.open(t, with: recipient, info: info) }
        }
        var t = box
        t.ciphertext.removeLast()
        #expect(throws: SealingError.self) { try Sealing.open(t, with: recipient, info: info) }
        #expect(!box.ciphertext.contains(secret[0..<8]))
    }

    @Test func lowOrderSealingKeyIsRejectedWithoutCrashing() {
        let zero = SealingPublicKey(bytes: Bytes(repeating: 0, count: 32))
        #expect(!zero.isValid)
        #expect(SealingKey.derive(label: "x", seed: 1).publicKey.isValid)
        let box = Sealing.seal([1, 2, 3], to: zero, ephemeral: SealingKey.derive(label: "e", seed: 1), info: [])
        #expect(box.ciphertext.isEmpty)
    }
}

extension CryptoTests {
    @Test func lowOrderEphemeralKeyCannotOpen() {
        let recipient = SealingKey.derive(label: "r", seed: 1)
        let box = SealedBox(
            ephemeralPublicKey: SealingPublicKey(bytes: Bytes(repeating: 0, count: 32)),
            ciphertext: Bytes(repeating: 1, count: 40))
        #expect(throws: SealingError.self) { try Sealing.open(box, with: recipient, info: []) }
    }
}
