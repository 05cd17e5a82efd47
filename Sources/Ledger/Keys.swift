// Ed25519 signing keys and X25519 sealing (swift-crypto).

import Crypto
import Synchronization

// MARK: - Ed25519

/// An Ed25519 public key (32 bytes), stored inline like ``Hash``.
public struct PublicKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    private let w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    /// The 32 key bytes.
    public var bytes: Bytes { withUnsafeBytes { Bytes($0) } }

    /// Wraps 32 bytes; traps on any other length.
    public init(bytes: Bytes) {
        precondition(bytes.count == 32, "PublicKey needs 32 bytes")
        (w0, w1, w2, w3) = bytes.withUnsafeBytes { loadWords4($0) }
    }

    init(words w0: UInt64, _ w1: UInt64, _ w2: UInt64, _ w3: UInt64) {
        (self.w0, self.w1, self.w2, self.w3) = (w0, w1, w2, w3)
    }

    var words: (UInt64, UInt64, UInt64, UInt64) { (w0, w1, w2, w3) }

    /// Calls `body` with the 32 key bytes, without allocating.
    @inline(__always)
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var t = (w0.bigEndian, w1.bigEndian, w2.bigEndian, w3.bigEndian)
        return try Swift.withUnsafeBytes(of: &t, body)
    }

    /// The account address of this key.
    public var address: Address { Address(publicKey: self) }

    /// Whether `s` is a valid Ed25519 signature of `message` by this key. Never traps.
    ///
    /// - Complexity: one Ed25519 verification (tens of microseconds; see `LedgerBenchmark.signatures`).
    public func isValidSignature(_ s: Signature, for message: Bytes) -> Bool {
        guard let key = withUnsafeBytes({ try? Curve25519.Signing.PublicKey(rawRepresentation: $0) }) else {
            return false
        }
        return s.withUnsafeBytes { key.isValidSignature($0, for: message) }
    }

    /// Whether this encoding is a point of small order (1, 2, 4 or 8) on Curve25519, canonical or not.
    ///
    /// Such a key signs nothing: for the identity point, the signature R = identity, S = 0 verifies on *every*
    /// message under cofactorless verification (BoringSSL's, swift-crypto's; see `Ed25519VectorTests`), and for
    /// order 2, 4 or 8 on a half, quarter or eighth of all messages. Registration (validators, authorities,
    /// radiologists) refuses these keys. The test is libsodium's (`ge25519_has_small_order`): the encoding, sign
    /// bit ignored, is one of the seven y coordinates of the eight small-order points (0, 1, p - 1, and the two
    /// order-8 ones) or a non-canonical y >= p equal to one of them modulo p (p, p + 1).
    ///
    /// - Complexity: O(1), no curve arithmetic.
    public var hasSmallOrder: Bool {
        var b = bytes
        b[31] &= 0x7F
        return Self.smallOrderEncodings.contains(b)
    }

    /// The y coordinates (little-endian, sign bit clear) of the small-order points, and their non-canonical
    /// encodings y + p below 2^255 (libsodium `ed25519_ref10.c`, `ge25519_has_small_order`'s blacklist).
    static let smallOrderEncodings: [Bytes] = {
        func ff(_ first: UInt8) -> Bytes { [first] + Bytes(repeating: 0xFF, count: 30) + [0x7F] }
        return [
            Bytes(repeating: 0, count: 32),  // y = 0: order 4
            [1] + Bytes(repeating: 0, count: 31),  // y = 1: the identity, order 1
            parseHex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05")!,  // order 8
            parseHex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a")!,  // order 8
            ff(0xEC),  // y = p - 1: order 2
            ff(0xED),  // y = p, non-canonical 0: order 4
            ff(0xEE),  // y = p + 1, non-canonical 1: the identity
        ]
    }()

    public var hex: String { hexString(bytes) }
    public var description: String { hex }
    public static func < (a: PublicKey, b: PublicKey) -> Bool {
        a.w0 != b.w0 ? a.w0 < b.w0 : a.w1 != b.w1 ? a.w1 < b.w1 : a.w2 != b.w2 ? a.w2 < b.w2 : a.w3 < b.w3
    }

    /// Keys are uniformly random bytes: one word is enough for membership.
    public func hash(into hasher: inout Hasher) { hasher.combine(w0) }
}

/// An Ed25519 signature (64 bytes), stored inline as eight big-endian words.
public struct Signature: Hashable, Sendable, CustomStringConvertible {
    private let lo: (UInt64, UInt64, UInt64, UInt64)
    private let hi: (UInt64, UInt64, UInt64, UInt64)

    /// The 64 signature bytes.
    public var bytes: Bytes { withUnsafeBytes { Bytes($0) } }

    /// Wraps 64 bytes; traps on any other length.
    public init(bytes: Bytes) {
        precondition(bytes.count == 64, "Signature needs 64 bytes")
        (lo, hi) = bytes.withUnsafeBytes { (loadWords4($0), loadWords4(UnsafeRawBufferPointer(rebasing: $0[32...]))) }
    }

    init(words lo: (UInt64, UInt64, UInt64, UInt64), _ hi: (UInt64, UInt64, UInt64, UInt64)) {
        self.lo = lo
        self.hi = hi
    }

    var words: (lo: (UInt64, UInt64, UInt64, UInt64), hi: (UInt64, UInt64, UInt64, UInt64)) { (lo, hi) }

    /// Calls `body` with the 64 signature bytes, without allocating.
    @inline(__always)
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var t = (
            lo.0.bigEndian, lo.1.bigEndian, lo.2.bigEndian, lo.3.bigEndian,
            hi.0.bigEndian, hi.1.bigEndian, hi.2.bigEndian, hi.3.bigEndian
        )
        return try Swift.withUnsafeBytes(of: &t, body)
    }

    /// 64 zero bytes: a placeholder that never verifies.
    public static let zero = Signature(bytes: Bytes(repeating: 0, count: 64))

    public var description: String { hexString(bytes) }

    public static func == (a: Signature, b: Signature) -> Bool {
        a.lo.0 == b.lo.0 && a.lo.1 == b.lo.1 && a.lo.2 == b.lo.2 && a.lo.3 == b.lo.3
            && a.hi.0 == b.hi.0 && a.hi.1 == b.hi.1 && a.hi.2 == b.hi.2 && a.hi.3 == b.hi.3
    }

    /// Signatures are uniformly random bytes: one word is enough for membership.
    public func hash(into hasher: inout Hasher) { hasher.combine(lo.0) }
}

/// Four big-endian words from the first 32 bytes of `raw`.
@inline(__always)
func loadWords4(_ raw: UnsafeRawBufferPointer) -> (UInt64, UInt64, UInt64, UInt64) {
    (
        UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
        UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
        UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self)),
        UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
    )
}

/// An Ed25519 private key. Signatures are deterministic (RFC 8032; BoringSSL on Linux).
///
/// Under ``SignatureScheme/simulated`` the key (and so its public key and address) is the same, but it signs with
/// the scheme's keyed hash instead.
public struct SigningKey: Sendable {
    /// The public half.
    public let publicKey: PublicKey
    /// How this key signs.
    public let scheme: SignatureScheme
    /// The expanded private key, built once (re-deriving it from the seed on every signature was the
    /// largest non-crypto cost of a load test, bench/README.md), and the simulated scheme's secret.
    private let box: PrivateKeyBox

    private var key: Curve25519.Signing.PrivateKey { box.key }

    /// A key from its 32-byte seed. Throws if the seed is not 32 bytes.
    public init(seed: Bytes, scheme: SignatureScheme = .ed25519) throws {
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        let publicKey = PublicKey(bytes: Bytes(key.publicKey.rawRepresentation))
        box = PrivateKeyBox(key, simulated: SimulatedSignature.keyed(publicKey))
        self.publicKey = publicKey
        self.scheme = scheme
    }

    private init(publicKey: PublicKey, scheme: SignatureScheme, box: PrivateKeyBox) {
        self.publicKey = publicKey
        self.scheme = scheme
        self.box = box
    }

    /// A deterministic key: seed = `Hash.sha256(domain: "readchain/signing-key/v1", u64 seed, label)`.
    public static func derive(label: String, seed: UInt64, scheme: SignatureScheme = .ed25519) -> SigningKey {
        var w = CanonicalWriter()
        w.write(seed)
        let s = Hash.sha256(domain: "readchain/signing-key/v1", w.bytes, Bytes(label.utf8))
        // A 32-byte seed is always accepted.
        return try! SigningKey(seed: s.bytes, scheme: scheme)
    }

    /// The same key signing under `scheme` (same public key and address).
    public func signing(with scheme: SignatureScheme) -> SigningKey {
        SigningKey(publicKey: publicKey, scheme: scheme, box: box)
    }

    /// Signs `message` (deterministically) under the key's scheme.
    public func sign(_ message: Bytes) -> Signature {
        switch scheme {
        case .ed25519:
            SignatureCounters.ed25519Signatures.add(1, ordering: .relaxed)
            // BoringSSL's Ed25519 signing cannot fail for a valid key.
            return Signature(bytes: Bytes(try! key.signature(for: message)))
        case .simulated:
            return SimulatedSignature.sign(message, keyed: box.simulated)
        }
    }
}

/// Process-wide counts of real signature work, for benchmarks that price it (`bench market`'s
/// `crypto_bound_ratio`): read before and after a run. Never part of a result.
public enum SignatureCounters {
    /// Real Ed25519 signatures made (by agents, proposers and voters; a memoised signature is not made again).
    public static let ed25519Signatures = Atomic<Int>(0)
}

/// Holds a swift-crypto private key, which is not `Sendable` by declaration. It is immutable after init
/// and BoringSSL's Ed25519 signing only reads it, so sharing it across threads is safe.
private final class PrivateKeyBox: @unchecked Sendable {
    let key: Curve25519.Signing.PrivateKey
    /// The simulated scheme's HMAC keyed with this key's secret (`SimulatedSignature.keyed`).
    let simulated: HMAC<SHA512>
    init(_ key: Curve25519.Signing.PrivateKey, simulated: HMAC<SHA512>) {
        self.key = key
        self.simulated = simulated
    }
}

// MARK: - X25519 sealing

/// An X25519 public key for sealing (32 bytes).
public struct SealingPublicKey: Hashable, Sendable, CustomStringConvertible {
    public let bytes: Bytes

    /// Wraps 32 bytes; traps on any other length.
    public init(bytes: Bytes) {
        precondition(bytes.count == 32, "SealingPublicKey needs 32 bytes")
        self.bytes = bytes
    }

    /// False for low-order points (whose shared secret would be all zeros, known to everyone).
    /// Contracts should reject such keys when they are registered.
    public var isValid: Bool {
        sharedSecret(probeKey, self) != nil
    }

    public var description: String { hexString(bytes) }
}

private let probeKey = SealingKey.derive(label: "probe", seed: 0)

/// The X25519 shared secret, or nil if the public key is malformed or of low order (all-zero secret).
private func sharedSecret(_ key: SealingKey, _ peer: SealingPublicKey) -> SharedSecret? {
    guard let pub = try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: peer.bytes),
        let secret = try? key.key.sharedSecretFromKeyAgreement(with: pub)
    else { return nil }
    let allZero = secret.withUnsafeBytes { raw in raw.allSatisfy { $0 == 0 } }
    return allZero ? nil : secret
}

/// An X25519 private key for opening sealed boxes.
public struct SealingKey: Sendable {
    private let raw: Bytes
    public let publicKey: SealingPublicKey

    fileprivate var key: Curve25519.KeyAgreement.PrivateKey {
        try! Curve25519.KeyAgreement.PrivateKey(rawRepresentation: raw)
    }

    /// A key from 32 raw bytes. Throws if not 32 bytes.
    public init(rawBytes: Bytes) throws {
        let key = try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: rawBytes)
        raw = rawBytes
        publicKey = SealingPublicKey(bytes: Bytes(key.publicKey.rawRepresentation))
    }

    /// A deterministic key: raw = `Hash.sha256(domain: "readchain/sealing-key/v1", u64 seed, label)`.
    public static func derive(label: String, seed: UInt64) -> SealingKey {
        var w = CanonicalWriter()
        w.write(seed)
        let s = Hash.sha256(domain: "readchain/sealing-key/v1", w.bytes, Bytes(label.utf8))
        return try! SealingKey(rawBytes: s.bytes)
    }
}

/// A sealed message: the sender's ephemeral X25519 public key and ChaCha20-Poly1305 ciphertext ‖ 16-byte tag.
public struct SealedBox: CanonicalCodable, Hashable, Sendable {
    public var ephemeralPublicKey: SealingPublicKey
    public var ciphertext: Bytes

    public init(ephemeralPublicKey: SealingPublicKey, ciphertext: Bytes) {
        self.ephemeralPublicKey = ephemeralPublicKey
        self.ciphertext = ciphertext
    }

    public func encode(into w: inout CanonicalWriter) {
        w.write(ephemeralPublicKey)
        w.writeBytes(ciphertext)
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        ephemeralPublicKey = try r.read()
        ciphertext = try r.readBytes()
    }
}

/// Why a sealed box did not open.
public enum SealingError: Error, Equatable, Sendable {
    case invalidKey
    case authenticationFailure
}

/// Deterministic public-key encryption: X25519 + HKDF-SHA256 + ChaCha20-Poly1305 (not HPKE, whose random
/// ephemeral keys would make block execution non-deterministic).
///
/// The key and nonce both come from the shared secret, so **an ephemeral key must seal one message only**
/// (derive it from a unique label such as the study id and the recipient).
public enum Sealing {
    /// Seals `plaintext` to `recipient`. Never traps: if `recipient` is not a usable key (a low-order point,
    /// see `SealingPublicKey.isValid`), the box has an empty ciphertext that no one can open.
    public static func seal(
        _ plaintext: Bytes, to recipient: SealingPublicKey, ephemeral: SealingKey, info: Bytes
    ) -> SealedBox {
        guard let secret = sharedSecret(ephemeral, recipient) else {
            return SealedBox(ephemeralPublicKey: ephemeral.publicKey, ciphertext: [])
        }
        let (key, nonce) = derive(secret, ephemeral: ephemeral.publicKey, recipient: recipient, info: info)
        let box = try! ChaChaPoly.seal(plaintext, using: key, nonce: nonce)
        return SealedBox(ephemeralPublicKey: ephemeral.publicKey, ciphertext: Bytes(box.ciphertext) + Bytes(box.tag))
    }

    /// Opens `box` with the recipient's key. Throws `SealingError` for a wrong key or any tampering.
    public static func open(_ box: SealedBox, with key: SealingKey, info: Bytes) throws -> Bytes {
        guard box.ciphertext.count >= 16, let secret = sharedSecret(key, box.ephemeralPublicKey) else {
            throw SealingError.invalidKey
        }
        let (sym, nonce) = derive(secret, ephemeral: box.ephemeralPublicKey, recipient: key.publicKey, info: info)
        let n = box.ciphertext.count - 16
        do {
            let sealed = try ChaChaPoly.SealedBox(
                nonce: nonce, ciphertext: box.ciphertext[..<n], tag: box.ciphertext[n...])
            return Bytes(try ChaChaPoly.open(sealed, using: sym))
        } catch {
            throw SealingError.authenticationFailure
        }
    }

    private static func derive(
        _ secret: SharedSecret, ephemeral: SealingPublicKey, recipient: SealingPublicKey, info: Bytes
    ) -> (SymmetricKey, ChaChaPoly.Nonce) {
        let okm = secret.hkdfDerivedSymmetricKey(
            using: SHA256.self, salt: ephemeral.bytes + recipient.bytes,
            sharedInfo: Bytes("readchain/seal/v1".utf8) + info, outputByteCount: 44)
        let raw = okm.withUnsafeBytes { Bytes($0) }
        return (SymmetricKey(data: raw[0..<32]), try! ChaChaPoly.Nonce(data: raw[32..<44]))
    }
}

// MARK: - Canonical encodings of the primitives

// Hash and Address are written as their big-endian words: the same bytes as `writeFixed(bytes)`, no array.
extension Hash: CanonicalCodable {
    public func encode(into w: inout CanonicalWriter) {
        let (a, b, c, d) = words
        w.write(a)
        w.write(b)
        w.write(c)
        w.write(d)
    }
    public init(from r: inout CanonicalReader) throws(DecodingError) {
        self.init(words: try r.readUInt64(), try r.readUInt64(), try r.readUInt64(), try r.readUInt64())
    }
}

extension Address: CanonicalCodable {
    public func encode(into w: inout CanonicalWriter) {
        let (a, b, c) = words
        w.write(a)
        w.write(b)
        w.write(c)
    }
    public init(from r: inout CanonicalReader) throws(DecodingError) {
        self.init(words: try r.readUInt64(), try r.readUInt64(), try r.readUInt32())
    }
}

extension PublicKey: CanonicalCodable {
    public func encode(into w: inout CanonicalWriter) {
        let (a, b, c, d) = words
        w.write(a)
        w.write(b)
        w.write(c)
        w.write(d)
    }
    public init(from r: inout CanonicalReader) throws(DecodingError) {
        self.init(words: try r.readUInt64(), try r.readUInt64(), try r.readUInt64(), try r.readUInt64())
    }
}

extension Signature: CanonicalCodable {
    public func encode(into w: inout CanonicalWriter) {
        let (lo, hi) = words
        w.write(lo.0)
        w.write(lo.1)
        w.write(lo.2)
        w.write(lo.3)
        w.write(hi.0)
        w.write(hi.1)
        w.write(hi.2)
        w.write(hi.3)
    }
    public init(from r: inout CanonicalReader) throws(DecodingError) {
        let lo = (try r.readUInt64(), try r.readUInt64(), try r.readUInt64(), try r.readUInt64())
        let hi = (try r.readUInt64(), try r.readUInt64(), try r.readUInt64(), try r.readUInt64())
        self.init(words: lo, hi)
    }
}

extension SealingPublicKey: CanonicalCodable {
    public func encode(into w: inout CanonicalWriter) { w.writeFixed(bytes) }
    public init(from r: inout CanonicalReader) throws(DecodingError) { self.init(bytes: try r.readFixed(32)) }
}

extension Amount: CanonicalCodable {
    public func encode(into w: inout CanonicalWriter) { w.write(minorUnits) }
    public init(from r: inout CanonicalReader) throws(DecodingError) { self.init(minorUnits: try r.readUInt64()) }
}
