// A minimal application for consensus tests and load runs: an append-only log with validator updates.

import Ledger

/// Accepts every well-formed transaction and folds its hash into a running state root; a transaction whose
/// message is `LogApplication.validatorUpdateMessage(...)` also returns a validator update from `endBlock`
/// (for B14). Pure and deterministic.
///
/// **Jailing** (issue 17 item 4, B24), when built with `init(validators:)`: the application then tracks the
/// validator set its updates lead to, and each committed `Misbehaviour` jails the offender: `endBlock` of that
/// block returns power 0 for it (effective at H+2, `BlockStore`), and it is kept in `jailed`. The rule is
/// `ReadChainApp`'s: an offender no longer in the set is not jailed again, and one whose removal would leave no
/// validator is not jailed (kept in `jailRefused`). `init()` tracks no set and ignores misbehaviour (as before).
public struct LogApplication: ChainApplication, ExecutionShareable {
    public private(set) var stateRoot: Hash
    /// Number of transactions delivered.
    public private(set) var delivered: UInt64 = 0
    private var updates: [ValidatorUpdate] = []
    private static let updateTag: UInt8 = 0xA1
    /// The validator set after every update returned so far (nil: not tracked, no jailing).
    public private(set) var validators: [ValidatorUpdate]?
    /// Jailed offenders, in the order jailed, with the height of the block that committed the evidence.
    public private(set) var jailed: [(validator: PublicKey, atHeight: UInt64)] = []
    /// Offenders not jailed because their removal would have left no validator.
    public private(set) var jailRefused: [PublicKey] = []
    private var height: UInt64 = 0

    public init() { stateRoot = Hash.sha256(domain: "readchain/log-app/v1") }

    /// A log application that jails double-signers; `validators`: the genesis set (powers > 0).
    public init(validators: [ValidatorUpdate]) {
        self.init()
        self.validators = validators.filter { $0.power > 0 }
    }

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

    public mutating func beginBlock(_ header: BlockHeader, misbehaviour: [Misbehaviour]) {
        height = header.height
        guard var set = validators else { return }
        for m in misbehaviour {
            guard let i = set.firstIndex(where: { $0.publicKey == m.validator }) else { continue }
            guard set.count > 1 else {
                jailRefused.append(m.validator)
                continue
            }
            set.remove(at: i)
            updates.append(ValidatorUpdate(publicKey: m.validator, power: 0))
            jailed.append((m.validator, height))
            stateRoot = Hash.sha256(domain: "readchain/log-app/jail/v1", stateRoot.bytes, m.validator.bytes)
        }
        validators = set
    }

    public mutating func deliverTx(_ tx: Transaction) -> Receipt {
        if tx.message.first == Self.updateTag {
            guard let u = try? ValidatorUpdate.decode(canonical: Array(tx.message.dropFirst())) else {
                return Receipt(txHash: tx.hash, code: .malformed, log: "bad validator update")
            }
            if let problem = Self.problem(u) { return Receipt(txHash: tx.hash, code: .malformed, log: problem) }
            if validators != nil {
                let next = Self.applying(u, to: validators ?? [])
                guard !next.isEmpty else {
                    return Receipt(txHash: tx.hash, code: .malformed, log: "would leave no validator")
                }
                validators = next
            }
            updates.append(u)
        }
        delivered += 1
        stateRoot = Hash.sha256(domain: "readchain/log-app/v1", stateRoot.bytes, tx.hash.bytes)
        return Receipt(txHash: tx.hash, code: .ok)
    }

    /// `set` with `u` applied as `BlockStore.apply` does.
    static func applying(_ u: ValidatorUpdate, to set: [ValidatorUpdate]) -> [ValidatorUpdate] {
        var s = set
        if let i = s.firstIndex(where: { $0.publicKey == u.publicKey }) {
            if u.power == 0 { s.remove(at: i) } else { s[i] = u }
        } else if u.power > 0 {
            s.append(u)
        }
        return s
    }

    public mutating func endBlock() -> BlockOutcome {
        defer { updates = [] }
        return BlockOutcome(validatorUpdates: updates)
    }

    public mutating func commit() -> Hash { stateRoot }
}
