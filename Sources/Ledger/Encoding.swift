// The canonical binary encoding of every Ledger type that is hashed, signed or sent.

/// # ReadChain canonical encoding (v1)
///
/// One encoding, used for hashing, signing and transport. Every value has exactly one encoding, and the
/// decoder accepts exactly those bytes: anything else throws `DecodingError` (never traps).
///
/// ## Scalars
/// - `u8`, `u16`, `u32`, `u64`: fixed width, big-endian.
/// - `i64`: two's complement, 8 bytes big-endian (simulated time in ticks, 1 tick = 1 µs).
/// - `bool`: one byte, `0x00` or `0x01`; any other value is rejected.
/// - `bytes`: `u32` length, then the bytes. At most `CanonicalReader.maxByteLength` (1 MiB) unless a type
///   sets a smaller cap.
/// - `string`: like `bytes`, holding UTF-8; invalid UTF-8 is rejected.
/// - `fixed(n)`: exactly n raw bytes, no prefix (hashes 32, addresses 20, public keys 32, signatures 64).
/// - `optional<T>`: tag `0x00` (absent) or `0x01` followed by `T`; other tags are rejected.
/// - `array<T>`: `u32` count, then the elements in order. The count is capped
///   (`CanonicalReader.maxArrayCount` = 2^20 unless a type sets a smaller cap) and may not exceed the
///   remaining bytes (every element encodes to at least one byte).
/// - Enums: a `u8` tag, then the case's fields.
/// - Trailing bytes after a top-level value are rejected.
///
/// ## Types (fields in this order)
/// - `Hash`: fixed(32). `Address`: fixed(20). `PublicKey`: fixed(32). `Signature`: fixed(64).
///   `Amount`: u64. `TxCode`: u32. `SealingPublicKey`: fixed(32).
/// - `Transaction`: chainID string, sender PublicKey, nonce u64, fee Amount, message bytes, signature.
/// - Transaction sign bytes: string `"readchain/tx/v1"`, chainID string, sender, nonce u64, fee u64,
///   message bytes (the transaction's encoding without the signature, behind a domain tag).
/// - `EventAttribute`: key string, value string. `Event`: type string, array<EventAttribute>.
/// - `Receipt`: txHash, code u32, log string, array<Event>, gasUsed u64.
/// - `BlockHeader`: chainID string, height u64, timeTicks i64, previousBlockHash, txRoot, stateRoot,
///   resultsRoot, proposer Address, lastCommitHash, validatorsHash.
/// - `Block`: header, array<Transaction>, lastCommit bytes.
/// - `MerkleProof`: index u64, leafCount u64, array<Hash>.
/// - `StateProof`: key bytes, optional<bytes> value, optional<(key bytes, value bytes)> neighbour,
///   array<(bit u32, sibling Hash)> steps (root first).
/// - `ValidatorUpdate`: publicKey, power u64. `SealedBox`: ephemeral SealingPublicKey, ciphertext bytes.
///
/// ## Hashes and domain separation
/// - `Hash.sha256(domain:parts…)` = SHA-256(u32 len(domain) ‖ domain ‖ for each part: u32 len ‖ part).
/// - Transaction hash: SHA-256(canonical bytes) (plain, as CometBFT does for tx hashes).
/// - Signatures cover the sign bytes above, which begin with the tag `"readchain/tx/v1"`.
/// - Block hash: `Hash.sha256(domain: "readchain/header/v1", header canonical bytes)`.
/// - Single-node commit certificate: Ed25519 signature over
///   `Hash.sha256(domain: "readchain/commit/v1", block hash)`; `lastCommitHash` = SHA-256(lastCommit bytes).
/// - Address: first 20 bytes of SHA-256("readchain/address/v1" ‖ public key) (no length prefix; fixed tag).
/// - Merkle trees (tx root, results root): RFC 6962, leaf = SHA-256(0x00 ‖ leaf bytes),
///   node = SHA-256(0x01 ‖ left ‖ right), empty = SHA-256(""). Leaves are canonical encodings.
/// - State trie: leaf = SHA-256(0x00 ‖ u32 len(key) ‖ key ‖ u32 len(value) ‖ value),
///   inner = SHA-256(0x01 ‖ u32 bit ‖ left ‖ right), empty root = `Hash.sha256(domain: "readchain/state/empty/v1")`.
/// - Keys: `SigningKey.derive` = seed SHA-256(domain "readchain/signing-key/v1", u64 seed, label);
///   `SealingKey.derive` likewise with "readchain/sealing-key/v1".
/// - Sealing: X25519 shared secret → HKDF-SHA256(salt = ephemeral pub ‖ recipient pub,
///   info = "readchain/seal/v1" ‖ caller info) → 32-byte ChaCha20-Poly1305 key ‖ 12-byte nonce.
public enum CanonicalEncoding {
    /// Encoding version described above.
    public static let version: UInt32 = 1
}

/// A decoding failure: where, and why.
public struct DecodingError: Error, Equatable, CustomStringConvertible {
    /// Byte offset in the input where the problem was found.
    public var offset: Int
    public var message: String

    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }

    public var description: String { "decoding error at byte \(offset): \(message)" }
}

/// A type with one canonical binary encoding.
public protocol CanonicalEncodable {
    func encode(into w: inout CanonicalWriter)
}

/// A type that can be decoded from its canonical encoding, rejecting every other input.
public protocol CanonicalDecodable {
    init(from r: inout CanonicalReader) throws(DecodingError)
}

public typealias CanonicalCodable = CanonicalEncodable & CanonicalDecodable

extension CanonicalEncodable {
    /// The canonical encoding of `self`.
    public var canonicalBytes: Bytes {
        var w = CanonicalWriter()
        encode(into: &w)
        return w.bytes
    }
}

extension CanonicalDecodable {
    /// Decodes a value that must occupy all of `canonical`.
    public static func decode(canonical: Bytes) throws(DecodingError) -> Self {
        var r = CanonicalReader(canonical)
        let v = try Self(from: &r)
        try r.finish()
        return v
    }
}

/// Appends canonical encodings to a byte buffer.
public struct CanonicalWriter: Sendable {
    public var bytes: Bytes

    public init() { bytes = [] }

    public mutating func write(_ v: UInt8) { bytes.append(v) }

    public mutating func write(_ v: UInt16) {
        bytes.append(UInt8(v >> 8))
        bytes.append(UInt8(truncatingIfNeeded: v))
    }

    public mutating func write(_ v: UInt32) {
        var shift = 24
        while shift >= 0 {
            bytes.append(UInt8(truncatingIfNeeded: v >> UInt32(shift)))
            shift -= 8
        }
    }

    public mutating func write(_ v: UInt64) {
        var shift = 56
        while shift >= 0 {
            bytes.append(UInt8(truncatingIfNeeded: v >> UInt64(shift)))
            shift -= 8
        }
    }

    public mutating func write(_ v: Int64) { write(UInt64(bitPattern: v)) }

    public mutating func write(_ v: Bool) { bytes.append(v ? 1 : 0) }

    /// A value's own canonical encoding.
    public mutating func write(_ v: some CanonicalEncodable) { v.encode(into: &self) }

    /// `u32` length prefix, then the bytes.
    public mutating func writeBytes(_ b: Bytes) {
        precondition(b.count <= Int(UInt32.max), "byte string too long to encode")
        write(UInt32(b.count))
        bytes.append(contentsOf: b)
    }

    /// UTF-8 with a `u32` length prefix.
    public mutating func writeString(_ s: String) { writeBytes(Bytes(s.utf8)) }

    /// Raw bytes, no prefix (for fixed-width fields).
    public mutating func writeFixed(_ b: Bytes) { bytes.append(contentsOf: b) }

    /// `0x00`, or `0x01` and the value written by `body`.
    public mutating func writeOptional<T>(_ v: T?, _ body: (inout CanonicalWriter, T) -> Void) {
        if let v {
            write(UInt8(1))
            body(&self, v)
        } else {
            write(UInt8(0))
        }
    }

    /// `0x00`, or `0x01` and the value's canonical encoding.
    public mutating func writeOptional(_ v: (some CanonicalEncodable)?) {
        writeOptional(v) { w, x in x.encode(into: &w) }
    }

    /// `u32` count, then each element written by `body`.
    public mutating func writeArray<T>(_ a: [T], _ body: (inout CanonicalWriter, T) -> Void) {
        precondition(a.count <= Int(UInt32.max), "array too long to encode")
        write(UInt32(a.count))
        for x in a { body(&self, x) }
    }

    /// `u32` count, then each element's canonical encoding.
    public mutating func writeArray(_ a: [some CanonicalEncodable]) {
        writeArray(a) { w, x in x.encode(into: &w) }
    }
}

/// Reads canonical encodings, bounds-checking every step. Never traps on any input.
public struct CanonicalReader: Sendable {
    /// Default cap on a byte or string field (1 MiB).
    public static let maxByteLength = 1 << 20
    /// Default cap on an array's element count.
    public static let maxArrayCount = 1 << 20

    public let bytes: Bytes
    /// The next byte to read.
    public private(set) var offset: Int

    public init(_ bytes: Bytes) {
        self.bytes = bytes
        self.offset = 0
    }

    /// Bytes not read yet.
    public var remaining: Int { bytes.count - offset }

    /// An error at the current offset.
    public func error(_ message: String) -> DecodingError { DecodingError(offset: offset, message: message) }

    /// Throws unless every byte has been consumed.
    public func finish() throws(DecodingError) {
        guard offset == bytes.count else { throw error("\(remaining) trailing bytes") }
    }

    private mutating func take(_ n: Int) throws(DecodingError) -> ArraySlice<UInt8> {
        guard n >= 0, n <= remaining else { throw error("need \(n) bytes, \(remaining) left") }
        let s = bytes[offset..<(offset + n)]
        offset += n
        return s
    }

    public mutating func readUInt8() throws(DecodingError) -> UInt8 {
        guard remaining >= 1 else { throw error("need 1 byte, 0 left") }
        let v = bytes[offset]
        offset += 1
        return v
    }

    public mutating func readUInt16() throws(DecodingError) -> UInt16 {
        let s = try take(2)
        return s.reduce(0) { $0 << 8 | UInt16($1) }
    }

    public mutating func readUInt32() throws(DecodingError) -> UInt32 {
        let s = try take(4)
        return s.reduce(0) { $0 << 8 | UInt32($1) }
    }

    public mutating func readUInt64() throws(DecodingError) -> UInt64 {
        let s = try take(8)
        return s.reduce(0) { $0 << 8 | UInt64($1) }
    }

    public mutating func readInt64() throws(DecodingError) -> Int64 { Int64(bitPattern: try readUInt64()) }

    /// `0x00` or `0x01`; anything else throws.
    public mutating func readBool() throws(DecodingError) -> Bool {
        let start = offset
        switch try readUInt8() {
        case 0: return false
        case 1: return true
        case let b: throw DecodingError(offset: start, message: "bool must be 0 or 1, got \(b)")
        }
    }

    /// A value's canonical encoding.
    public mutating func read<T: CanonicalDecodable>(_: T.Type = T.self) throws(DecodingError) -> T {
        try T(from: &self)
    }

    /// A `u32`-prefixed byte string of at most `maxLength` bytes.
    public mutating func readBytes(maxLength: Int = CanonicalReader.maxByteLength) throws(DecodingError) -> Bytes {
        let start = offset
        let n = Int(try readUInt32())
        guard n <= maxLength else {
            throw DecodingError(offset: start, message: "length \(n) exceeds limit \(maxLength)")
        }
        return Bytes(try take(n))
    }

    /// A `u32`-prefixed UTF-8 string of at most `maxLength` bytes; invalid UTF-8 throws.
    public mutating func readString(maxLength: Int = CanonicalReader.maxByteLength) throws(DecodingError) -> String {
        let start = offset
        let b = try readBytes(maxLength: maxLength)
        guard let s = String(validating: b, as: UTF8.self) else {
            throw DecodingError(offset: start, message: "invalid UTF-8")
        }
        return s
    }

    /// Exactly `count` raw bytes.
    public mutating func readFixed(_ count: Int) throws(DecodingError) -> Bytes { Bytes(try take(count)) }

    /// Tag `0x00` (nil) or `0x01` followed by a value read by `body`.
    public mutating func readOptional<T>(
        _ body: (inout CanonicalReader) throws(DecodingError) -> T
    ) throws(DecodingError) -> T? {
        let start = offset
        switch try readUInt8() {
        case 0: return nil
        case 1: return try body(&self)
        case let t: throw DecodingError(offset: start, message: "optional tag must be 0 or 1, got \(t)")
        }
    }

    /// An optional canonical value.
    public mutating func readOptional<T: CanonicalDecodable>(_: T.Type) throws(DecodingError) -> T? {
        try readOptional { (r: inout CanonicalReader) throws(DecodingError) -> T in try T(from: &r) }
    }

    /// A `u32` count (at most `maxCount`, and at most the remaining bytes), then the elements.
    public mutating func readArray<T>(
        maxCount: Int = CanonicalReader.maxArrayCount,
        _ body: (inout CanonicalReader) throws(DecodingError) -> T
    ) throws(DecodingError) -> [T] {
        let start = offset
        let n = Int(try readUInt32())
        guard n <= maxCount else { throw DecodingError(offset: start, message: "count \(n) exceeds limit \(maxCount)") }
        guard n <= remaining else { throw DecodingError(offset: start, message: "count \(n) exceeds remaining bytes") }
        var out: [T] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try body(&self)) }
        return out
    }

    /// An array of canonical values.
    public mutating func readArray<T: CanonicalDecodable>(
        of _: T.Type, maxCount: Int = CanonicalReader.maxArrayCount
    ) throws(DecodingError) -> [T] {
        try readArray(maxCount: maxCount) { (r: inout CanonicalReader) throws(DecodingError) -> T in try T(from: &r) }
    }
}
