import Stochastic
import Testing

@testable import Ledger

@Suite("Canonical encoding")
struct EncodingTests {
    func roundTrip<T: CanonicalCodable & Equatable>(_ v: T) throws {
        let b = v.canonicalBytes
        let d = try T.decode(canonical: b)
        #expect(d == v)
        #expect(d.canonicalBytes == b)
    }

    @Test func roundTripsOfEveryType() throws {
        var g = SplitMix64(seed: 1)
        for _ in 0..<200 {
            try roundTrip(Fixtures.transaction(&g))
            try roundTrip(Fixtures.event(&g))
            try roundTrip(Fixtures.receipt(&g))
            try roundTrip(Fixtures.header(&g))
            try roundTrip(Fixtures.block(&g))
            try roundTrip(Fixtures.stateProof(&g))
            try roundTrip(Fixtures.merkleProof(&g))
            try roundTrip(Fixtures.sealedBox(&g))
            try roundTrip(ValidatorUpdate(publicKey: Fixtures.keys[g.int(0..<4)].publicKey, power: g.next()))
            try roundTrip(g.hash())
            try roundTrip(Amount(minorUnits: g.next()))
            try roundTrip(TxCode(rawValue: UInt32(truncatingIfNeeded: g.next())))
            try roundTrip(Address(bytes: g.bytes(20)))
            try roundTrip(EventAttribute(key: g.string(upTo: 4), value: g.string(upTo: 4)))
        }
    }

    @Test func transactionEncodedSizeMatches() {
        var g = SplitMix64(seed: 2)
        for _ in 0..<100 {
            let tx = Fixtures.transaction(&g)
            #expect(tx.encodedSize == tx.canonicalBytes.count)
        }
    }

    @Test func blockEncodedSizeMatches() {
        var g = SplitMix64(seed: 3)
        for _ in 0..<100 {
            let b = Fixtures.block(&g)
            #expect(b.encodedSize == b.canonicalBytes.count)
        }
    }

    @Test func knownLayout() {
        var w = CanonicalWriter()
        w.write(UInt16(0x0102))
        w.write(UInt32(0x0304_0506))
        w.write(Int64(-1))
        w.write(true)
        w.writeString("hé")
        w.writeOptional(Optional<Hash>.none)
        #expect(
            w.bytes == [1, 2, 3, 4, 5, 6, 255, 255, 255, 255, 255, 255, 255, 255, 1, 0, 0, 0, 3, 0x68, 0xC3, 0xA9, 0])
    }

    @Test func rejectsNonCanonicalInputs() {
        // bool 2
        var r = CanonicalReader([2])
        #expect(throws: DecodingError.self) { try r.readBool() }
        // optional tag 2
        r = CanonicalReader([2])
        #expect(throws: DecodingError.self) { try r.readOptional(Hash.self) }
        // invalid UTF-8
        r = CanonicalReader([0, 0, 0, 1, 0xFF])
        #expect(throws: DecodingError.self) { try r.readString() }
        // length beyond the cap
        r = CanonicalReader([0x7F, 0xFF, 0xFF, 0xFF])
        #expect(throws: DecodingError.self) { try r.readBytes() }
        // array count beyond remaining bytes
        r = CanonicalReader([0, 0, 0, 9])
        #expect(throws: DecodingError.self) { try r.readArray(of: Hash.self) }
        // trailing bytes
        #expect(throws: DecodingError.self) { try Amount.decode(canonical: Bytes(repeating: 0, count: 9)) }
        // truncated
        #expect(throws: DecodingError.self) { try Amount.decode(canonical: Bytes(repeating: 0, count: 7)) }
        // chain id too long
        var g = SplitMix64(seed: 99)
        var tx = Fixtures.transaction(&g)
        tx.chainID = String(repeating: "x", count: Transaction.maxChainIDLength + 1)
        #expect(throws: DecodingError.self) { try Transaction.decode(canonical: tx.canonicalBytes) }
    }

    /// Decodes `bytes` as `T`: either it throws `DecodingError`, or the value re-encodes to exactly `bytes`.
    func check<T: CanonicalCodable>(_: T.Type, _ bytes: Bytes) -> Bool {
        do {
            let v = try T.decode(canonical: bytes)
            return v.canonicalBytes == bytes
        } catch {
            return true
        }
    }

    func mutate(_ b: Bytes, _ g: inout SplitMix64) -> Bytes {
        var b = b
        switch g.int(0..<6) {
        case 0 where !b.isEmpty: b[g.int(0..<b.count)] ^= UInt8(1 << g.int(0..<8))
        case 1 where !b.isEmpty: b[g.int(0..<b.count)] = UInt8(truncatingIfNeeded: g.next())
        case 2 where !b.isEmpty: b.removeLast(g.int(1..<(b.count + 1)))
        case 3: b.insert(UInt8(truncatingIfNeeded: g.next()), at: g.int(0..<(b.count + 1)))
        case 4: b.append(contentsOf: g.bytes(g.int(1..<4)))
        default:
            // Overwrite a length-like window with extreme values.
            if b.count >= 4 {
                let i = g.int(0..<(b.count - 3))
                let v: [UInt8] = g.int(0..<2) == 0 ? [0xFF, 0xFF, 0xFF, 0xFF] : [0, 0, 0, UInt8(g.int(0..<256))]
                b.replaceSubrange(i..<(i + 4), with: v)
            }
        }
        return b
    }

    @Test func fuzzedDecodingNeverCrashes() {
        var g = SplitMix64(seed: 0xF022)
        typealias Sampler = (inout SplitMix64) -> (Bytes, (Bytes) -> Bool)
        let samplers: [Sampler] = [
            { g in (Fixtures.transaction(&g).canonicalBytes, { check(Transaction.self, $0) }) },
            { g in (Fixtures.block(&g).canonicalBytes, { check(Block.self, $0) }) },
            { g in (Fixtures.header(&g).canonicalBytes, { check(BlockHeader.self, $0) }) },
            { g in (Fixtures.receipt(&g).canonicalBytes, { check(Receipt.self, $0) }) },
            { g in (Fixtures.event(&g).canonicalBytes, { check(Event.self, $0) }) },
            { g in (Fixtures.stateProof(&g).canonicalBytes, { check(StateProof.self, $0) }) },
            { g in (Fixtures.merkleProof(&g).canonicalBytes, { check(MerkleProof.self, $0) }) },
            { g in (Fixtures.sealedBox(&g).canonicalBytes, { check(SealedBox.self, $0) }) },
            { g in
                (
                    ValidatorUpdate(publicKey: Fixtures.keys[0].publicKey, power: g.next()).canonicalBytes,
                    { check(ValidatorUpdate.self, $0) }
                )
            },
        ]
        var failures = 0
        for i in 0..<20_000 {
            let (valid, decodes) = samplers[i % samplers.count](&g)
            var input: Bytes
            if i % 5 == 0 {
                input = g.bytes(upTo: 200)
            } else {
                input = valid
                for _ in 0..<g.int(1..<4) { input = mutate(input, &g) }
            }
            if !decodes(input) { failures += 1 }
        }
        #expect(failures == 0)
    }
}
