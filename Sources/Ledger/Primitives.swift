// Chain primitives: bytes, hashes, addresses and amounts.

import Crypto

/// A byte string. Everything hashed, signed or encoded is `Bytes`.
public typealias Bytes = [UInt8]

// MARK: - Hash

/// A SHA-256 digest (32 bytes).
public struct Hash: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The 32 digest bytes.
    public let bytes: Bytes

    /// Wraps 32 bytes; traps on any other length (use `init?(hex:)` or the decoder for untrusted input).
    public init(bytes: Bytes) {
        precondition(bytes.count == 32, "Hash needs 32 bytes")
        self.bytes = bytes
    }

    /// The all-zero hash, used where there is nothing to point at (the genesis block's previous hash).
    public static let zero = Hash(bytes: Bytes(repeating: 0, count: 32))

    /// SHA-256 of `data`, without domain separation.
    public static func sha256(_ data: Bytes) -> Hash {
        Hash(digest: SHA256.hash(data: data))
    }

    /// Wraps a SHA-256 digest (one copy of its 32 bytes, not an element-by-element sequence copy).
    init(digest: SHA256Digest) {
        self.bytes = digest.withUnsafeBytes { Bytes($0) }
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
        self.bytes = b
    }

    public var description: String { hex }

    public static func < (a: Hash, b: Hash) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }
}

// MARK: - Address

/// An account address: the first 20 bytes of `SHA-256("readchain/address/v1" ‖ public key)`.
public struct Address: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The 20 address bytes.
    public let bytes: Bytes

    /// Wraps 20 bytes; traps on any other length.
    public init(bytes: Bytes) {
        precondition(bytes.count == 20, "Address needs 20 bytes")
        self.bytes = bytes
    }

    /// The address of an Ed25519 public key.
    public init(publicKey: PublicKey) {
        var hasher = SHA256()
        hasher.update(data: Bytes("readchain/address/v1".utf8))
        hasher.update(data: publicKey.bytes)
        self.bytes = Bytes(Bytes(hasher.finalize()).prefix(20))
    }

    /// Parses 40 hex digits.
    public init?(hex: String) {
        guard let b = parseHex(hex), b.count == 20 else { return nil }
        self.bytes = b
    }

    /// Lower-case hex, 40 characters.
    public var hex: String { hexString(bytes) }
    public var description: String { hex }
    public static func < (a: Address, b: Address) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }
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
    return [UInt8(v >> 24), UInt8(truncatingIfNeeded: v >> 16), UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)]
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

// MARK: - Fast hashing of fixed-size byte values

// The derived `Hashable` conformances feed a `[UInt8]` to the hasher one byte at a time, which showed up as
// several per cent of a load test's profile (hash sets of transaction hashes, the signature cache's keys).
// Digests, addresses, keys and signatures are uniformly random bytes, so these feed only their first 8 bytes,
// as one word; equality is unchanged (still the derived byte-wise `==`). Only membership depends on hash values.

extension Hash {
    public func hash(into hasher: inout Hasher) { hashPrefix(bytes, into: &hasher) }
}

extension Address {
    public func hash(into hasher: inout Hasher) { hashPrefix(bytes, into: &hasher) }
}

extension PublicKey {
    public func hash(into hasher: inout Hasher) { hashPrefix(bytes, into: &hasher) }
}

extension Signature {
    public func hash(into hasher: inout Hasher) { hashPrefix(bytes, into: &hasher) }
}

/// Feeds `bytes`' first 8 bytes (all of them when shorter) to `hasher`, as one word.
@inline(__always)
func hashPrefix(_ bytes: Bytes, into hasher: inout Hasher) {
    bytes.withUnsafeBytes { raw in
        if raw.count >= 8 { hasher.combine(raw.loadUnaligned(as: UInt64.self)) } else { hasher.combine(bytes: raw) }
    }
}
