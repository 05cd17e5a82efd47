// The double-sign guard (CometBFT privval's `LastSignState`, `TestSignSameVoteTwice`).

import Ledger
import Synchronization

/// What a validator last signed. Persisted by the driver (`ConsensusOutput.persistSignerState`) *before* the
/// signed message leaves the node, and handed back to `ConsensusCore.init` after a restart.
public struct SignerState: Hashable, Sendable, CanonicalCodable {
    /// Step order within a round: proposal 1 < prevote 2 < precommit 3 (0: nothing signed yet).
    public enum SignStep: UInt8, Comparable, Sendable {
        case none = 0
        case proposal = 1
        case prevote = 2
        case precommit = 3
        public static func < (a: SignStep, b: SignStep) -> Bool { a.rawValue < b.rawValue }
    }

    public var height: Height
    public var round: Round
    public var step: SignStep
    public var signBytes: Bytes
    public var signature: Signature

    public init(height: Height, round: Round, step: SignStep, signBytes: Bytes, signature: Signature) {
        self.height = height
        self.round = round
        self.step = step
        self.signBytes = signBytes
        self.signature = signature
    }

    /// Nothing signed yet.
    public static let initial = SignerState(height: 0, round: -1, step: .none, signBytes: [], signature: .zero)

    public func encode(into w: inout CanonicalWriter) {
        w.write(height)
        w.write(round)
        w.write(step.rawValue)
        w.writeBytes(signBytes)
        w.write(signature)
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        height = try r.readUInt64()
        round = try r.readInt64()
        guard let s = SignStep(rawValue: try r.readUInt8()) else { throw r.error("unknown sign step") }
        step = s
        signBytes = try r.readBytes(maxLength: 4096)
        signature = try r.read()
    }
}

/// Signs consensus messages, never two different messages for the same (height, round, step).
///
/// The last signed (height, round, step) and message are recorded before the signature is returned; a request
/// for an earlier (h, r, step) is refused; a request for the same (h, r, step) gets the recorded signature if
/// the message is identical and is refused otherwise. After a restart from a persisted `SignerState` the node
/// therefore re-emits the same signed vote or nothing (A14).
public struct Signer: Sendable {
    public enum Outcome: Equatable, Sendable {
        /// A new signature; `state` changed and must be persisted before the message is sent.
        case signed(Signature)
        /// The same message was signed before; here is that signature (no new state).
        case repeated(Signature)
        /// Signing would regress or conflict with `state`.
        case refused
    }

    public let key: SigningKey
    public private(set) var state: SignerState
    /// The `noPersistLastSigned` mutant: no record, no check.
    public let guardDisabled: Bool

    /// Optional memo of signatures (Ed25519 is deterministic, so it never changes an answer).
    public let memo: SigningMemo?

    public init(key: SigningKey, state: SignerState = .initial, guardDisabled: Bool = false, memo: SigningMemo? = nil) {
        self.key = key
        self.state = state
        self.guardDisabled = guardDisabled
        self.memo = memo
    }

    private func rawSign(_ bytes: Bytes) -> Signature { memo?.sign(bytes, with: key) ?? key.sign(bytes) }

    public var address: Address { key.publicKey.address }

    /// Signs `signBytes` for (height, round, step) unless that would double-sign.
    public mutating func sign(height: Height, round: Round, step: SignerState.SignStep, signBytes: Bytes) -> Outcome {
        if guardDisabled { return .signed(rawSign(signBytes)) }
        let now = (height, round, step.rawValue)
        let last = (state.height, state.round, state.step.rawValue)
        if now < last { return .refused }
        if now == last {
            return signBytes == state.signBytes ? .repeated(state.signature) : .refused
        }
        let signature = rawSign(signBytes)
        state = SignerState(height: height, round: round, step: step, signBytes: signBytes, signature: signature)
        return .signed(signature)
    }
}

/// A memo of Ed25519 signatures keyed by (public key, scheme, message), shared by the cores of a large test sweep.
///
/// Ed25519 signatures are deterministic (RFC 8032), so a memoised signature is the one the key would produce:
/// the memo saves time and never changes behaviour. Cleared when `capacity` is reached. Thread-safe (a mutex).
public final class SigningMemo: Sendable {
    struct Key: Hashable {
        let publicKey: PublicKey
        let scheme: SignatureScheme
        let message: Bytes
    }

    public let capacity: Int
    private let memo = Mutex<[Key: Signature]>([:])

    public init(capacity: Int = 100_000) { self.capacity = capacity }

    /// `key.sign(message)`, memoised.
    public func sign(_ message: Bytes, with key: SigningKey) -> Signature {
        let k = Key(publicKey: key.publicKey, scheme: key.scheme, message: message)
        if let s = memo.withLock({ $0[k] }) { return s }
        let s = key.sign(message)
        memo.withLock { m in
            if m.count >= capacity { m.removeAll(keepingCapacity: true) }
            m[k] = s
        }
        return s
    }
}
