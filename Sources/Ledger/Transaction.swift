// Transactions, result codes, events and receipts.

/// A signed transaction. The `message` is the application's encoded message, opaque to the Ledger.
public struct Transaction: CanonicalCodable, Hashable, Sendable {
    /// Cap on the decoded chain id (bytes).
    public static let maxChainIDLength = 64

    public var chainID: String { didSet { rehash() } }
    public var sender: PublicKey { didSet { rehash() } }
    public var nonce: UInt64 { didSet { rehash() } }
    public var fee: Amount { didSet { rehash() } }
    public var message: Bytes { didSet { rehash() } }
    public var signature: Signature { didSet { rehash() } }

    /// SHA-256 of the canonical bytes, kept up to date on every change: the mempool, the signature cache and
    /// the oracle ask for it many times per transaction.
    public private(set) var hash: Hash = .zero

    public init(chainID: String, sender: PublicKey, nonce: UInt64, fee: Amount, message: Bytes, signature: Signature) {
        self.chainID = chainID
        self.sender = sender
        self.nonce = nonce
        self.fee = fee
        self.message = message
        self.signature = signature
        rehash()
    }

    private mutating func rehash() { hash = Hash.sha256(canonicalBytes) }

    /// The bytes the sender signs: the tag `"readchain/tx/v1"` then every field but the signature.
    public static func signBytes(chainID: String, sender: PublicKey, nonce: UInt64, fee: Amount, message: Bytes)
        -> Bytes
    {
        var w = CanonicalWriter()
        w.writeString("readchain/tx/v1")
        w.writeString(chainID)
        w.write(sender)
        w.write(nonce)
        w.write(fee)
        w.writeBytes(message)
        return w.bytes
    }

    /// This transaction's sign bytes.
    public var signBytes: Bytes {
        Transaction.signBytes(chainID: chainID, sender: sender, nonce: nonce, fee: fee, message: message)
    }

    /// A transaction signed by `key`.
    public static func signed(by key: SigningKey, chainID: String, nonce: UInt64, fee: Amount, message: Bytes)
        -> Transaction
    {
        let sb = signBytes(chainID: chainID, sender: key.publicKey, nonce: nonce, fee: fee, message: message)
        return Transaction(
            chainID: chainID, sender: key.publicKey, nonce: nonce, fee: fee, message: message,
            signature: key.sign(sb))
    }

    /// Whether the signature is valid for the sender (uncached; see `SignatureCache`).
    public var hasValidSignature: Bool { sender.isValidSignature(signature, for: signBytes) }

    /// Length of the canonical encoding: 4+len(chainID) + 32 + 8 + 8 + 4+len(message) + 64.
    public var encodedSize: Int { 120 + chainID.utf8.count + message.count }

    public func encode(into w: inout CanonicalWriter) {
        w.writeString(chainID)
        w.write(sender)
        w.write(nonce)
        w.write(fee)
        w.writeBytes(message)
        w.write(signature)
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        chainID = try r.readString(maxLength: Transaction.maxChainIDLength)
        sender = try r.read()
        nonce = try r.readUInt64()
        fee = try r.read()
        message = try r.readBytes()
        signature = try r.read()
        rehash()
    }
}

/// A transaction result code. Ledger codes are below 100; applications add theirs from 100 up.
public struct TxCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let ok = TxCode(rawValue: 0)
    public static let malformed = TxCode(rawValue: 1)
    public static let wrongChainID = TxCode(rawValue: 2)
    public static let badSignature = TxCode(rawValue: 3)
    public static let txTooLarge = TxCode(rawValue: 4)
    public static let badNonce = TxCode(rawValue: 5)
    public static let insufficientFunds = TxCode(rawValue: 6)
    public static let insufficientFee = TxCode(rawValue: 7)
    public static let unknownMessage = TxCode(rawValue: 8)
    public static let fieldTooLarge = TxCode(rawValue: 9)
    public static let duplicate = TxCode(rawValue: 10)
    public static let mempoolFull = TxCode(rawValue: 11)

    private static let names = [
        "ok", "malformed", "wrongChainID", "badSignature", "txTooLarge", "badNonce", "insufficientFunds",
        "insufficientFee", "unknownMessage", "fieldTooLarge", "duplicate", "mempoolFull",
    ]

    public var isOK: Bool { self == .ok }

    public var description: String {
        rawValue < TxCode.names.count ? TxCode.names[Int(rawValue)] : "code(\(rawValue))"
    }
}

extension TxCode: CanonicalCodable {
    public func encode(into w: inout CanonicalWriter) { w.write(rawValue) }
    public init(from r: inout CanonicalReader) throws(DecodingError) { self.init(rawValue: try r.readUInt32()) }
}

/// One key/value attribute of an event.
public struct EventAttribute: CanonicalCodable, Equatable, Sendable {
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }

    public func encode(into w: inout CanonicalWriter) {
        w.writeString(key)
        w.writeString(value)
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        key = try r.readString()
        value = try r.readString()
    }
}

/// Something that happened on chain, for observers (agents see committed events only).
public struct Event: CanonicalCodable, Equatable, Sendable {
    public var type: String
    public var attributes: [EventAttribute]

    public init(type: String, attributes: [EventAttribute] = []) {
        self.type = type
        self.attributes = attributes
    }

    /// Convenience: `Event("study.posted", ["id": "7"])` keeps the pairs in the order given.
    public init(_ type: String, _ pairs: KeyValuePairs<String, String>) {
        self.type = type
        self.attributes = pairs.map { EventAttribute(key: $0.key, value: $0.value) }
    }

    /// The first attribute named `key`.
    public subscript(key: String) -> String? { attributes.first { $0.key == key }?.value }

    public func encode(into w: inout CanonicalWriter) {
        w.writeString(type)
        w.writeArray(attributes)
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        type = try r.readString()
        attributes = try r.readArray(of: EventAttribute.self, maxCount: 1 << 16)
    }
}

/// The outcome of executing one transaction in a block.
public struct Receipt: CanonicalCodable, Equatable, Sendable {
    public var txHash: Hash
    public var code: TxCode
    public var log: String
    public var events: [Event]
    public var gasUsed: UInt64

    public init(txHash: Hash, code: TxCode, log: String = "", events: [Event] = [], gasUsed: UInt64 = 0) {
        self.txHash = txHash
        self.code = code
        self.log = log
        self.events = events
        self.gasUsed = gasUsed
    }

    public func encode(into w: inout CanonicalWriter) {
        w.write(txHash)
        w.write(code)
        w.writeString(log)
        w.writeArray(events)
        w.write(gasUsed)
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        txHash = try r.read()
        code = try r.read()
        log = try r.readString()
        events = try r.readArray(of: Event.self, maxCount: 1 << 16)
        gasUsed = try r.readUInt64()
    }
}

/// The result of mempool admission (`checkTx`).
public struct TxCheck: Equatable, Sendable {
    public var code: TxCode
    public var log: String
    public var gasWanted: UInt64

    public init(code: TxCode, log: String = "", gasWanted: UInt64 = 0) {
        self.code = code
        self.log = log
        self.gasWanted = gasWanted
    }

    public static let ok = TxCheck(code: .ok)

    public var isOK: Bool { code == .ok }
}
