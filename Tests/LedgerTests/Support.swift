// Test support: a seeded generator, random values, and a tiny key-value application.

import Stochastic

@testable import Ledger

/// Random test values from Stochastic's SplitMix64 (a small seeded generator for reproducible test cases).
extension SplitMix64 {
    mutating func int(_ range: Range<Int>) -> Int { Int.random(in: range, using: &self) }
    mutating func bytes(_ n: Int) -> Bytes { (0..<n).map { _ in UInt8(truncatingIfNeeded: next()) } }
    mutating func bytes(upTo n: Int) -> Bytes { bytes(int(0..<(n + 1))) }
    mutating func string(upTo n: Int) -> String {
        let alphabet = Array("abcXYZ09 -/é漢🙂")
        return String((0..<int(0..<(n + 1))).map { _ in alphabet[int(0..<alphabet.count)] })
    }
    mutating func hash() -> Hash { Hash(bytes: bytes(32)) }
}

enum Fixtures {
    static let keys = (0..<4).map { SigningKey.derive(label: "user\($0)", seed: 42) }

    static func transaction(_ g: inout SplitMix64) -> Transaction {
        Transaction.signed(
            by: keys[g.int(0..<keys.count)], chainID: g.int(0..<4) == 0 ? "" : "test-chain",
            nonce: g.next() >> UInt64(g.int(0..<64)), fee: Amount(minorUnits: g.next() >> 40),
            message: g.bytes(upTo: 60))
    }

    static func event(_ g: inout SplitMix64) -> Event {
        Event(
            type: g.string(upTo: 8),
            attributes: (0..<g.int(0..<3)).map { _ in EventAttribute(key: g.string(upTo: 5), value: g.string(upTo: 9)) }
        )
    }

    static func receipt(_ g: inout SplitMix64) -> Receipt {
        Receipt(
            txHash: g.hash(), code: TxCode(rawValue: UInt32(truncatingIfNeeded: g.next() >> 50)),
            log: g.string(upTo: 10), events: (0..<g.int(0..<3)).map { _ in event(&g) }, gasUsed: g.next())
    }

    static func header(_ g: inout SplitMix64) -> BlockHeader {
        BlockHeader(
            chainID: g.string(upTo: 10), height: g.next(), timeTicks: Int64(bitPattern: g.next()),
            previousBlockHash: g.hash(), txRoot: g.hash(), stateRoot: g.hash(), resultsRoot: g.hash(),
            proposer: Address(bytes: g.bytes(20)), lastCommitHash: g.hash(), validatorsHash: g.hash(),
            evidenceHash: g.hash())
    }

    static func block(_ g: inout SplitMix64) -> Block {
        Block(
            header: header(&g), transactions: (0..<g.int(0..<3)).map { _ in transaction(&g) },
            evidence: (0..<g.int(0..<3)).map { _ in g.bytes(upTo: 40) }, lastCommit: g.bytes(upTo: 70))
    }

    static func stateProof(_ g: inout SplitMix64) -> StateProof {
        var s = StateStore()
        for _ in 0..<g.int(0..<20) { s.set(g.bytes(upTo: 3), g.bytes(upTo: 4)) }
        return s.prove(g.bytes(upTo: 3))
    }

    static func merkleProof(_ g: inout SplitMix64) -> MerkleProof {
        let leaves = (0..<g.int(1..<20)).map { _ in g.bytes(upTo: 4) }
        return MerkleTree.proof(leaves: leaves, index: g.int(0..<leaves.count))
    }

    static func sealedBox(_ g: inout SplitMix64) -> SealedBox {
        let to = SealingKey.derive(label: "r", seed: g.next()).publicKey
        return Sealing.seal(
            g.bytes(upTo: 40), to: to, ephemeral: SealingKey.derive(label: "e", seed: g.next()), info: [])
    }
}

/// A tiny key-value application: messages set or remove a key, or deliberately fail. Per-sender nonces.
///
/// Message encoding: u8 op (1 = set key value, 2 = remove key, 3 = fail), then bytes fields.
struct KVApp: ChainApplication {
    static let failCode = TxCode(rawValue: 100)
    enum Op: Equatable {
        case set(Bytes, Bytes)
        case remove(Bytes)
        case fail
    }

    var committed = StateStore()
    var deliverState = StateStore()
    var checkState = StateStore()
    var heights: [UInt64] = []

    static func encode(_ op: Op) -> Bytes {
        var w = CanonicalWriter()
        switch op {
        case .set(let k, let v):
            w.write(UInt8(1))
            w.writeBytes(k)
            w.writeBytes(v)
        case .remove(let k):
            w.write(UInt8(2))
            w.writeBytes(k)
        case .fail:
            w.write(UInt8(3))
        }
        return w.bytes
    }

    static func decode(_ m: Bytes) -> Op? {
        var r = CanonicalReader(m)
        do {
            let op: Op
            switch try r.readUInt8() {
            case 1: op = .set(try r.readBytes(maxLength: 64), try r.readBytes(maxLength: 64))
            case 2: op = .remove(try r.readBytes(maxLength: 64))
            case 3: op = .fail
            default: return nil
            }
            try r.finish()
            return op
        } catch { return nil }
    }

    static func nonceKey(_ pk: PublicKey) -> Bytes { Bytes("n/".utf8) + pk.bytes }
    static func dataKey(_ k: Bytes) -> Bytes { Bytes("d/".utf8) + k }

    static func nonce(_ s: StateStore, _ pk: PublicKey) -> UInt64 {
        guard let b = s.get(nonceKey(pk)) else { return 0 }
        return (try? UInt64Box.decode(canonical: b).v) ?? 0
    }

    static func setNonce(_ s: inout StateStore, _ pk: PublicKey, _ n: UInt64) {
        s.set(nonceKey(pk), UInt64Box(v: n).canonicalBytes)
    }

    mutating func checkTx(_ tx: Transaction) -> TxCheck {
        guard KVApp.decode(tx.message) != nil else { return TxCheck(code: .unknownMessage) }
        let n = KVApp.nonce(checkState, tx.sender)
        guard tx.nonce == n else { return TxCheck(code: .badNonce, log: "expected \(n)") }
        KVApp.setNonce(&checkState, tx.sender, n + 1)
        return .ok
    }

    mutating func beginBlock(_ header: BlockHeader, misbehaviour: [Misbehaviour]) { heights.append(header.height) }

    mutating func deliverTx(_ tx: Transaction) -> Receipt {
        guard let op = KVApp.decode(tx.message) else { return Receipt(txHash: tx.hash, code: .unknownMessage) }
        let n = KVApp.nonce(deliverState, tx.sender)
        guard tx.nonce == n else { return Receipt(txHash: tx.hash, code: .badNonce) }
        var s = deliverState
        KVApp.setNonce(&s, tx.sender, n + 1)
        switch op {
        case .set(let k, let v): s.set(KVApp.dataKey(k), v)
        case .remove(let k): s.remove(KVApp.dataKey(k))
        case .fail: return Receipt(txHash: tx.hash, code: KVApp.failCode, log: "asked to fail")
        }
        deliverState = s
        return Receipt(txHash: tx.hash, code: .ok, events: [Event("kv", ["op": "\(op)"])], gasUsed: 10)
    }

    mutating func endBlock() -> BlockOutcome { BlockOutcome() }

    mutating func commit() -> Hash {
        committed = deliverState
        checkState = deliverState
        return committed.rootHash
    }

    var stateRoot: Hash { committed.rootHash }
}

struct UInt64Box: CanonicalCodable {
    var v: UInt64
    init(v: UInt64) { self.v = v }
    func encode(into w: inout CanonicalWriter) { w.write(v) }
    init(from r: inout CanonicalReader) throws(DecodingError) { v = try r.readUInt64() }
}
