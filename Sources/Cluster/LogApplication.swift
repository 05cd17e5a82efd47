// A minimal application for consensus tests and load runs: an append-only log with validator updates.

import Ledger

/// Accepts every well-formed transaction and folds its hash into a running state root; a transaction whose
/// message is `LogApplication.validatorUpdateMessage(...)` also returns a validator update from `endBlock`
/// (for B14). Pure and deterministic.
public struct LogApplication: ChainApplication {
    public private(set) var stateRoot: Hash
    /// Number of transactions delivered.
    public private(set) var delivered: UInt64 = 0
    private var updates: [ValidatorUpdate] = []
    private static let updateTag: UInt8 = 0xA1

    public init() { stateRoot = Hash.sha256(domain: "readchain/log-app/v1") }

    /// A message asking for `publicKey` to get `power` (0 removes it).
    public static func validatorUpdateMessage(_ publicKey: PublicKey, power: UInt64) -> Bytes {
        [updateTag] + ValidatorUpdate(publicKey: publicKey, power: power).canonicalBytes
    }

    public mutating func checkTx(_ tx: Transaction) -> TxCheck {
        if tx.message.first == Self.updateTag {
            guard let u = try? ValidatorUpdate.decode(canonical: Array(tx.message.dropFirst())) else {
                return TxCheck(code: .malformed, log: "bad validator update")
            }
            if let problem = Self.problem(u) { return TxCheck(code: .malformed, log: problem) }
        }
        return .ok
    }

    /// Why `u` cannot be applied (nil when it can): a small-order key would sign every message (issue 17 item 5).
    static func problem(_ u: ValidatorUpdate) -> String? {
        u.power > 0 && u.publicKey.hasSmallOrder ? "validator key \(u.publicKey.hex) has small order" : nil
    }

    public mutating func beginBlock(_ header: BlockHeader) {}

    public mutating func deliverTx(_ tx: Transaction) -> Receipt {
        if tx.message.first == Self.updateTag {
            guard let u = try? ValidatorUpdate.decode(canonical: Array(tx.message.dropFirst())) else {
                return Receipt(txHash: tx.hash, code: .malformed, log: "bad validator update")
            }
            if let problem = Self.problem(u) { return Receipt(txHash: tx.hash, code: .malformed, log: problem) }
            updates.append(u)
        }
        delivered += 1
        stateRoot = Hash.sha256(domain: "readchain/log-app/v1", stateRoot.bytes, tx.hash.bytes)
        return Receipt(txHash: tx.hash, code: .ok)
    }

    public mutating func endBlock() -> BlockOutcome {
        defer { updates = [] }
        return BlockOutcome(validatorUpdates: updates)
    }

    public mutating func commit() -> Hash { stateRoot }
}
