import Ledger

// The only file that touches the Ledger's CanonicalWriter/CanonicalReader method names directly: every record in
// this module encodes through these helpers, so the byte layout of Contracts state is defined in one place.

extension CanonicalWriter {
    mutating func putU8(_ v: UInt8) { write(v) }
    mutating func putU16(_ v: UInt16) { write(v) }
    mutating func putU32(_ v: UInt32) { write(v) }
    mutating func putU64(_ v: UInt64) { write(v) }
    mutating func putI64(_ v: Int64) { write(v) }
    mutating func putBool(_ v: Bool) { write(v) }
    mutating func putString(_ s: String) { writeString(s) }
    mutating func putBytes(_ b: Bytes) { writeBytes(b) }
    mutating func put<T: CanonicalEncodable>(_ v: T) { v.encode(into: &self) }
    mutating func putArray<T: CanonicalEncodable>(_ a: [T]) {
        putU32(UInt32(a.count))
        for x in a { x.encode(into: &self) }
    }
    mutating func putU16Array(_ a: [UInt16]) {
        putU32(UInt32(a.count))
        for x in a { putU16(x) }
    }
    mutating func putStringArray(_ a: [String]) {
        putU32(UInt32(a.count))
        for x in a { putString(x) }
    }
    mutating func putOptional<T: CanonicalEncodable>(_ v: T?) {
        if let v {
            putU8(1)
            v.encode(into: &self)
        } else {
            putU8(0)
        }
    }
    // The primitives' own encodings write the same bytes as `writeFixed(bytes)`, without an array.
    mutating func putHash(_ h: Hash) { h.encode(into: &self) }
    mutating func putAddress(_ a: Address) { a.encode(into: &self) }
    mutating func putPublicKey(_ k: PublicKey) { k.encode(into: &self) }
    mutating func putSealingKey(_ k: SealingPublicKey) { writeFixed(k.bytes) }
}

/// Upper bound on any array count this module decodes; individual messages enforce tighter `SizeLimits`.
let maxDecodedArrayCount = 4096

extension CanonicalReader {
    mutating func takeU8() throws(DecodingError) -> UInt8 { try readUInt8() }
    mutating func takeU16() throws(DecodingError) -> UInt16 { try readUInt16() }
    mutating func takeU32() throws(DecodingError) -> UInt32 { try readUInt32() }
    mutating func takeU64() throws(DecodingError) -> UInt64 { try readUInt64() }
    mutating func takeI64() throws(DecodingError) -> Int64 { try readInt64() }
    mutating func takeBool() throws(DecodingError) -> Bool { try readBool() }
    /// A `u64` that must fit an `Int` (clamping instead would give two encodings of `Int.max`).
    mutating func takeInt() throws(DecodingError) -> Int {
        let start = offset
        let v = try takeU64()
        guard let n = Int(exactly: v) else { throw DecodingError(offset: start, message: "\(v) exceeds Int.max") }
        return n
    }
    mutating func takeString() throws(DecodingError) -> String { try readString() }
    mutating func takeBytes() throws(DecodingError) -> Bytes { try readBytes() }
    mutating func take<T: CanonicalDecodable>(_: T.Type = T.self) throws(DecodingError) -> T {
        try T(from: &self)
    }
    mutating func takeCount() throws(DecodingError) -> Int {
        let n = Int(try takeU32())
        if n > maxDecodedArrayCount { throw DecodingError(offset: 0, message: "array count \(n) too large") }
        return n
    }
    mutating func takeArray<T: CanonicalDecodable>(_: T.Type = T.self) throws(DecodingError) -> [T] {
        let n = try takeCount()
        var out: [T] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try T(from: &self)) }
        return out
    }
    mutating func takeU16Array() throws(DecodingError) -> [UInt16] {
        let n = try takeCount()
        var out: [UInt16] = []
        for _ in 0..<n { out.append(try takeU16()) }
        return out
    }
    mutating func takeStringArray() throws(DecodingError) -> [String] {
        let n = try takeCount()
        var out: [String] = []
        for _ in 0..<n { out.append(try takeString()) }
        return out
    }
    mutating func takeOptional<T: CanonicalDecodable>(_: T.Type = T.self) throws(DecodingError) -> T? {
        switch try takeU8() {
        case 0: return nil
        case 1: return try T(from: &self)
        case let b: throw DecodingError(offset: 0, message: "bad optional tag \(b)")
        }
    }
    mutating func takeHash() throws(DecodingError) -> Hash {
        try Hash(from: &self)
    }
    mutating func takeAddress() throws(DecodingError) -> Address {
        try Address(from: &self)
    }
    mutating func takePublicKey() throws(DecodingError) -> PublicKey {
        try PublicKey(from: &self)
    }
    mutating func takeSealingKey() throws(DecodingError) -> SealingPublicKey {
        try SealingPublicKey(from: &self)
    }
    mutating func takeEnum<E: RawRepresentable>(_: E.Type) throws(DecodingError) -> E where E.RawValue == UInt8 {
        let raw = try takeU8()
        guard let e = E(rawValue: raw) else { throw DecodingError(offset: 0, message: "bad \(E.self) \(raw)") }
        return e
    }
}

extension UInt64 {
    /// Big-endian bytes, used in state keys so that key order is numeric order.
    package var bigEndianBytes: Bytes { withUnsafeBytes(of: self.bigEndian) { Array($0) } }
}

extension Int64 {
    /// Big-endian bytes of a non-negative time, so that key order is time order.
    var bigEndianBytes: Bytes { UInt64(bitPattern: self).bigEndianBytes }
}

extension Bytes {
    /// Reads a big-endian UInt64 from the first 8 bytes.
    func readBigEndianUInt64(at offset: Int = 0) -> UInt64 {
        var v: UInt64 = 0
        for i in offset..<(offset + 8) { v = (v << 8) | UInt64(self[i]) }
        return v
    }
}
