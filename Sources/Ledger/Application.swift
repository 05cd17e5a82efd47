// The ABCI-shaped boundary between consensus and the application, and envelope checks.

import Crypto
import DequeModule

/// A replicated application (in the shape of CometBFT's ABCI).
///
/// Call order per block: `beginBlock`, `deliverTx` for each transaction, `endBlock`, `commit`.
/// `checkTx` runs against a separate check state between blocks; `commit` resets it to the committed state.
/// `beginBlock` also carries the block's committed evidence, as `Misbehaviour` (ABCI++ `FinalizeBlock`'s
/// `misbehavior`): the application decides the consequence (e.g. jailing through a validator update).
public protocol ChainApplication {
    /// Mempool admission against the check state (nonce, balance, fee, message decodes, size limits).
    /// The envelope (chain id, signature) has already been verified by the Ledger.
    mutating func checkTx(_ tx: Transaction) -> TxCheck
    /// Starts a block. `misbehaviour`: the offences whose evidence this block commits, in block order.
    mutating func beginBlock(_ header: BlockHeader, misbehaviour: [Misbehaviour])
    /// Executes one transaction of the block (envelope already verified). A non-ok receipt must leave state
    /// unchanged, except the fee, which the application may charge (it documents which).
    mutating func deliverTx(_ tx: Transaction) -> Receipt
    mutating func endBlock() -> BlockOutcome
    /// Commits the block's changes and returns the state root; the check state is reset to the committed state.
    mutating func commit() -> Hash
    var stateRoot: Hash { get }
}

/// A change of a validator's voting power (0 removes it).
public struct ValidatorUpdate: CanonicalCodable, Equatable, Sendable {
    public var publicKey: PublicKey
    public var power: UInt64

    public init(publicKey: PublicKey, power: UInt64) {
        self.publicKey = publicKey
        self.power = power
    }

    public func encode(into w: inout CanonicalWriter) {
        w.write(publicKey)
        w.write(power)
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        publicKey = try r.read()
        power = try r.readUInt64()
    }
}

/// One offence whose evidence a block commits, as the application sees it (CometBFT's ABCI `Misbehavior`): the
/// consensus layer has verified the evidence; the offender is named by its public key, with its power and the
/// total power of the validator set at the offence's height.
public struct Misbehaviour: Equatable, Sendable {
    /// The kind of offence (CometBFT's `MisbehaviorType`).
    public enum Kind: UInt8, Equatable, Sendable {
        /// Two different votes of one type in one (height, round): `DuplicateVoteEvidence`.
        case duplicateVote = 1
    }

    public var kind: Kind
    public var validator: PublicKey
    /// The offender's power at `height`.
    public var power: UInt64
    /// The height of the offence (not of the block that commits the evidence).
    public var height: UInt64
    /// The total power of the validator set at `height`.
    public var totalPower: UInt64

    public init(kind: Kind, validator: PublicKey, power: UInt64, height: UInt64, totalPower: UInt64) {
        self.kind = kind
        self.validator = validator
        self.power = power
        self.height = height
        self.totalPower = totalPower
    }
}

/// What `endBlock` returns.
public struct BlockOutcome: Equatable, Sendable {
    public var validatorUpdates: [ValidatorUpdate]
    public var events: [Event]

    public init(validatorUpdates: [ValidatorUpdate] = [], events: [Event] = []) {
        self.validatorUpdates = validatorUpdates
        self.events = events
    }
}

/// A bounded cache of verified signatures (Ed25519, or the simulated scheme's), shared by the in-process nodes of one
/// replication.
///
/// Keyed by SHA-256(public key ‖ signature ‖ message) (Bitcoin's sigcache; the key and signature have fixed
/// lengths, so the concatenation is unambiguous); stores successes only, so a forged signature is re-checked (and
/// rejected) every time. FIFO eviction at `capacity`. Not thread-safe: one replication is single-threaded. Each
/// node is still *charged* the verification's CPU time on the simulated clock; the cache only saves real time.
public final class SignatureCache {
    /// The 32-byte digest as four words: stored inline in the set and the FIFO (no heap objects to retain, chase
    /// or free per entry), compared word by word.
    struct Key: Hashable {
        let w0: UInt64
        let w1: UInt64
        let w2: UInt64
        let w3: UInt64

        init(signature s: Signature, message: Bytes, key: PublicKey) {
            var h = SHA256()
            key.withUnsafeBytes { h.update(bufferPointer: $0) }
            s.withUnsafeBytes { h.update(bufferPointer: $0) }
            message.withUnsafeBytes { h.update(bufferPointer: $0) }
            (w0, w1, w2, w3) = h.finalize().withUnsafeBytes { r in
                (
                    r.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
                    r.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                    r.loadUnaligned(fromByteOffset: 16, as: UInt64.self),
                    r.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
                )
            }
        }

        /// One word of a uniformly random digest; equality still compares all four.
        func hash(into hasher: inout Hasher) { hasher.combine(w0) }
    }

    public let capacity: Int
    /// How signatures are checked (every node and the oracle of a run share one scheme).
    public let scheme: SignatureScheme
    private var members: Set<Key> = []
    private var order: Deque<Key> = []
    /// The simulated scheme's keyed HMAC state per public key (`SimulatedSignature.keyed`); looked up, never
    /// iterated.
    private var simulatedKeys: [PublicKey: HMAC<SHA512>] = [:]
    /// The last `recentCapacity` successes by signature, with their key and message (FIFO `recentOrder`): a
    /// look-up compares them in full, so a hit here is exactly a hit of `members`. Looked up, never iterated.
    private var recent: [Signature: (key: PublicKey, message: Bytes)] = [:]
    private var recentOrder: Deque<Signature> = []
    /// Lookups answered from the cache.
    public private(set) var hits = 0
    /// Lookups that needed a verification.
    public private(set) var misses = 0
    /// Real verifications performed (Ed25519, or keyed hashes under the simulated scheme).
    public private(set) var verifications = 0

    public init(capacity: Int, scheme: SignatureScheme = .ed25519) {
        precondition(capacity >= 0, "capacity must be non-negative")
        self.capacity = capacity
        self.scheme = scheme
    }

    /// Number of cached successes.
    public var count: Int { order.count }

    /// Whether `s` is valid for `message` under `key`, verifying only on a cache miss.
    ///
    /// - Complexity: O(message length) for the hash, plus one verification under `scheme` on a miss.
    public func verify(_ s: Signature, message: Bytes, key: PublicKey) -> Bool {
        // The recent successes by signature, compared in full: most look-ups are of a signature verified moments
        // ago (a vote arriving at the next node, a certificate of the votes just counted), and comparing its key
        // and message costs less than hashing them.
        if let r = recent[s], r.key == key, Self.sameBytes(r.message, message) {
            hits += 1
            return true
        }
        let k = Key(signature: s, message: message, key: key)
        if members.contains(k) {
            hits += 1
            return true
        }
        misses += 1
        verifications += 1
        let valid =
            scheme == .ed25519
            ? scheme.isValid(s, for: message, by: key) : SimulatedSignature.sign(message, keyed: keyed(key)) == s
        guard valid else { return false }
        if capacity > 0 {
            if order.count >= capacity, let old = order.popFirst() { members.remove(old) }
            members.insert(k)
            order.append(k)
            // At most as many as `members` holds, in the same FIFO order: every recent entry is also a member.
            if recentOrder.count >= min(capacity, Self.recentCapacity), let old = recentOrder.popFirst() {
                recent[old] = nil
            }
            if recent.updateValue((key, message), forKey: s) == nil { recentOrder.append(s) }
        }
        return true
    }

    /// The simulated scheme's HMAC state for `key`, kept per key (one validator set signs almost everything).
    private func keyed(_ key: PublicKey) -> HMAC<SHA512> {
        if let k = simulatedKeys[key] { return k }
        let k = SimulatedSignature.keyed(key)
        simulatedKeys[key] = k
        return k
    }

    /// How many recent successes are kept with their messages (`recent`).
    static var recentCapacity: Int { 4_096 }

    /// Byte equality, eight bytes at a time.
    private static func sameBytes(_ a: Bytes, _ b: Bytes) -> Bool {
        guard a.count == b.count else { return false }
        return a.withUnsafeBytes { x in
            b.withUnsafeBytes { y in
                let n = x.count
                var i = 0
                while i + 8 <= n {
                    if x.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                        != y.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                    {
                        return false
                    }
                    i += 8
                }
                while i < n {
                    if x[i] != y[i] { return false }
                    i += 1
                }
                return true
            }
        }
    }
}

/// Ledger-level checks of a transaction's envelope, before the application sees it.
/// An application whose whole value after `commit()` is a function of its committed state (and its genesis): no
/// per-node configuration, caches or counters that execution depends on. In-process nodes may then share one
/// execution of a block from the same parent state (`ExecutionMemo` in Cluster); other applications (test doubles
/// that diverge on one node, say) are executed by every node.
public protocol ExecutionShareable: ChainApplication {}

public enum Envelope {
    /// Checks chain id, size and signature (in that order; the signature last because it is the costly one).
    ///
    /// `signatureKnownValid`: the caller already holds this exact transaction (same hash, so the same signature
    /// bytes) as verified, e.g. admitted to its mempool after this check; the signature is then not looked up
    /// again (a cache hit still re-encodes the sign bytes and hashes them).
    public static func verify(
        _ tx: Transaction, chainID: String, maxTxBytes: Int, cache: SignatureCache, signatureKnownValid: Bool = false
    ) -> TxCheck {
        guard ChainID.same(tx.chainID, chainID) else {
            return TxCheck(code: .wrongChainID, log: "chain id \(tx.chainID) is not \(chainID)")
        }
        guard tx.encodedSize <= maxTxBytes else {
            return TxCheck(code: .txTooLarge, log: "transaction of \(tx.encodedSize) bytes exceeds \(maxTxBytes)")
        }
        guard signatureKnownValid || cache.verify(tx.signature, message: tx.signBytes, key: tx.sender) else {
            return TxCheck(code: .badSignature, log: "invalid signature")
        }
        return .ok
    }
}
