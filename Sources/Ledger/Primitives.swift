// Chain primitives: bytes, hashes, addresses and amounts.

import Crypto

/// A byte string. Everything hashed, signed or encoded is `Bytes`.
public typealias Bytes = [UInt8]

// MARK: - Hash

/// A SHA-256 digest (32 bytes).
///
/// Stored inline as four big-endian words, not as a heap array: a chain run holds millions of digests (block
/// headers, votes, certificates, the oracle's records), and an array each cost an allocation and ~3x the bytes.
/// `bytes` materialises the 32 bytes; hot paths feed `withUnsafeBytes` to a hasher instead.
public struct Hash: Hashable, Comparable, Sendable, CustomStringConvertible {
    // Big-endian words: w0 holds bytes 0...7. Word-wise comparison in order is byte-wise lexicographic order.
    private let w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    /// The 32 digest bytes.
    public var bytes: Bytes { withUnsafeBytes { Bytes($0) } }

    /// Wraps 32 bytes; traps on any other length (use `init?(hex:)` or the decoder for untrusted input).
    public init(bytes: Bytes) {
        precondition(bytes.count == 32, "Hash needs 32 bytes")
        self = bytes.withUnsafeBytes { Hash(raw: $0) }
    }

    /// The first 32 bytes of `raw` (which has at least 32).
    @inline(__always)
    init(raw: UnsafeRawBufferPointer) {
        w0 = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        w1 = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        w2 = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
        w3 = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
    }

    /// From the four big-endian words (the canonical decoder reads them as integers).
    init(words w0: UInt64, _ w1: UInt64, _ w2: UInt64, _ w3: UInt64) {
        self.w0 = w0
        self.w1 = w1
        self.w2 = w2
        self.w3 = w3
    }

    /// The four big-endian words, in byte order (the canonical encoder writes them as integers).
    var words: (UInt64, UInt64, UInt64, UInt64) { (w0, w1, w2, w3) }

    /// Calls `body` with the 32 digest bytes, without allocating.
    @inline(__always)
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var t = (w0.bigEndian, w1.bigEndian, w2.bigEndian, w3.bigEndian)
        return try Swift.withUnsafeBytes(of: &t, body)
    }

    /// The all-zero hash, used where there is nothing to point at (the genesis block's previous hash).
    public static let zero = Hash(bytes: Bytes(repeating: 0, count: 32))

    /// SHA-256 of `data`, without domain separation.
    public static func sha256(_ data: Bytes) -> Hash {
        Hash(digest: SHA256.hash(data: data))
    }

    /// Wraps a SHA-256 digest (one copy of its 32 bytes, not an element-by-element sequence copy).
    init(digest: SHA256Digest) {
        self = digest.withUnsafeBytes { Hash(raw: $0) }
    }

    /// Domain-separated SHA-256: `SHA-256(u32 len(domain) ‖ domain ‖ for each part: u32 len(part) ‖ part)`.
    ///
    /// Every length is a big-endian `u32`, so no two different (domain, parts) lists hash the same input.
    public static func sha256(domain: String, _ parts: Bytes...) -> Hash {
        sha256(domain: domain, parts: parts)
    }

    /// Domain-separated SHA-256 over an array of parts (same layout as the variadic form).
    public static func sha256(domain: String, parts: [Bytes]) -> Hash {
        var hasher = SHA256()
        let d = Bytes(domain.utf8)
        hasher.update(data: bigEndian32(d.count))
        hasher.update(data: d)
        for part in parts {
            hasher.update(data: bigEndian32(part.count))
            hasher.update(data: part)
        }
        return Hash(digest: hasher.finalize())
    }

    /// Lower-case hex, 64 characters.
    public var hex: String { hexString(bytes) }

    /// Parses 64 hex digits (either case).
    public init?(hex: String) {
        guard let b = parseHex(hex), b.count == 32 else { return nil }
        self.init(bytes: b)
    }

    public var description: String { hex }

    public static func < (a: Hash, b: Hash) -> Bool {
        a.w0 != b.w0 ? a.w0 < b.w0 : a.w1 != b.w1 ? a.w1 < b.w1 : a.w2 != b.w2 ? a.w2 < b.w2 : a.w3 < b.w3
    }

    /// Membership only depends on hash values, and digests are uniformly random: one word is enough.
    public func hash(into hasher: inout Hasher) { hasher.combine(w0) }
}

// MARK: - Address

/// An account address: the first 20 bytes of `SHA-256("readchain/address/v1" ‖ public key)`.
///
/// Stored inline as big-endian words (8 + 8 + 4 bytes), like ``Hash``.
public struct Address: Hashable, Comparable, Sendable, CustomStringConvertible {
    private let w0: UInt64, w1: UInt64, w2: UInt32

    /// The 20 address bytes.
    public var bytes: Bytes { withUnsafeBytes { Bytes($0) } }

    /// Wraps 20 bytes; traps on any other length.
    public init(bytes: Bytes) {
        precondition(bytes.count == 20, "Address needs 20 bytes")
        self = bytes.withUnsafeBytes { Address(raw: $0) }
    }

    /// The first 20 bytes of `raw` (which has at least 20).
    @inline(__always)
    init(raw: UnsafeRawBufferPointer) {
        w0 = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        w1 = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        w2 = UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt32.self))
    }

    init(words w0: UInt64, _ w1: UInt64, _ w2: UInt32) {
        self.w0 = w0
        self.w1 = w1
        self.w2 = w2
    }

    var words: (UInt64, UInt64, UInt32) { (w0, w1, w2) }

    /// Calls `body` with the 20 address bytes, without allocating.
    @inline(__always)
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var t = (w0.bigEndian, w1.bigEndian, w2.bigEndian)
        return try Swift.withUnsafeBytes(of: &t) { try body(UnsafeRawBufferPointer(rebasing: $0[0..<20])) }
    }

    /// The address of an Ed25519 public key.
    public init(publicKey: PublicKey) {
        var hasher = SHA256()
        hasher.update(data: Bytes("readchain/address/v1".utf8))
        publicKey.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        self = hasher.finalize().withUnsafeBytes { Address(raw: $0) }
    }

    /// Parses 40 hex digits.
    public init?(hex: String) {
        guard let b = parseHex(hex), b.count == 20 else { return nil }
        self.init(bytes: b)
    }

    /// Lower-case hex, 40 characters.
    public var hex: String { hexString(bytes) }
    public var description: String { hex }
    public static func < (a: Address, b: Address) -> Bool {
        a.w0 != b.w0 ? a.w0 < b.w0 : a.w1 != b.w1 ? a.w1 < b.w1 : a.w2 < b.w2
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(w0) }
}

// MARK: - Amount

/// Money as an integer count of minor units (cents). No floating point ever touches an `Amount`.
public struct Amount: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var minorUnits: UInt64

    public init(minorUnits: UInt64) { self.minorUnits = minorUnits }

    public static let zero = Amount(minorUnits: 0)

    /// The sum, or nil on overflow.
    public func adding(_ other: Amount) -> Amount? {
        let (v, o) = minorUnits.addingReportingOverflow(other.minorUnits)
        return o ? nil : Amount(minorUnits: v)
    }

    /// The difference, or nil if `other` is larger.
    public func subtracting(_ other: Amount) -> Amount? {
        let (v, o) = minorUnits.subtractingReportingOverflow(other.minorUnits)
        return o ? nil : Amount(minorUnits: v)
    }

    /// `self × basisPoints / 10_000`, rounded down; nil on overflow. Exact (uses a 128-bit intermediate).
    public func multipliedBy(basisPoints: UInt64) -> Amount? {
        let product = minorUnits.multipliedFullWidth(by: basisPoints)
        guard product.high < 10_000 else { return nil }
        let (q, _) = UInt64(10_000).dividingFullWidth(product)
        return Amount(minorUnits: q)
    }

    public var description: String { "\(minorUnits)" }
    public static func < (a: Amount, b: Amount) -> Bool { a.minorUnits < b.minorUnits }
}

// MARK: - Helpers

@inline(__always)
func bigEndian32(_ n: Int) -> Bytes {
    let v = UInt32(truncatingIfNeeded: n)
    return [
        UInt8(v >> 24), UInt8(truncatingIfNeeded: v >> 16), UInt8(truncatingIfNeeded: v >> 8),
        UInt8(truncatingIfNeeded: v),
    ]
}

private let hexDigits: [Character] = Array("0123456789abcdef")

func hexString(_ bytes: Bytes) -> String {
    var s = ""
    s.reserveCapacity(bytes.count * 2)
    for b in bytes {
        s.append(hexDigits[Int(b >> 4)])
        s.append(hexDigits[Int(b & 0x0f)])
    }
    return s
}

func parseHex(_ s: String) -> Bytes? {
    let u = Array(s.utf8)
    guard u.count % 2 == 0 else { return nil }
    func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
    var out = Bytes()
    out.reserveCapacity(u.count / 2)
    var i = 0
    while i < u.count {
        guard let h = nibble(u[i]), let l = nibble(u[i + 1]) else { return nil }
        out.append(h << 4 | l)
        i += 2
    }
    return out
}
