// Vocabulary of the consensus core: heights, rounds, steps, values, timeouts, mutation knobs.
//
// Tendermint, Algorithm 1 of Buchman, Kwon and Milosevic, "The latest gossip on BFT consensus" (2018,
// arXiv:1807.04938). Line numbers `Lnn` in this module refer to that algorithm.

import Ledger
import Synchronization

/// A block height (the paper's `h_p`). Heights start at 1.
public typealias Height = UInt64

/// A round within a height (the paper's `round_p`). `-1` is the paper's "no round" (e.g. `validRound = −1`).
public typealias Round = Int64

/// The paper's `step_p`, plus `decided` (between a decision and the driver's next `startHeight`).
public enum Step: UInt8, Comparable, Sendable, CustomStringConvertible {
    case propose = 1
    case prevote = 2
    case precommit = 3
    case decided = 4

    public static func < (a: Step, b: Step) -> Bool { a.rawValue < b.rawValue }
    public var description: String {
        switch self {
        case .propose: "propose"
        case .prevote: "prevote"
        case .precommit: "precommit"
        case .decided: "decided"
        }
    }
}

/// The two vote types of the paper.
public enum VoteType: UInt8, Hashable, Sendable, CustomStringConvertible {
    case prevote = 1
    case precommit = 2

    public var description: String { self == .prevote ? "prevote" : "precommit" }
}

/// A proposed value: opaque bytes (normally a canonically encoded `Block`) and its id.
///
/// Proposals carry the whole value; votes carry only `id` (the paper's `id(v)`). The id is bound to the payload
/// in one of two ways, checked by `isSelfConsistent`: the SHA-256 of the payload under the domain
/// `readchain/value/v1` (opaque values, used in tests), or the payload decodes to a `Block` whose `hash` is `id`.
public struct ProposedValue: Hashable, Sendable, CanonicalCodable, CustomStringConvertible {
    public var id: Hash
    public var payload: Bytes

    /// An opaque value; `id` is the domain-separated SHA-256 of the payload.
    public init(payload: Bytes) {
        self.id = Self.opaqueID(payload)
        self.payload = payload
    }

    /// A block; `id` is the block's hash.
    public init(block: Block) {
        self.id = block.hash
        self.payload = block.canonicalBytes
    }

    /// A value with an explicit id (not checked; see `isSelfConsistent`). For tests of malformed input.
    public init(id: Hash, payload: Bytes) {
        self.id = id
        self.payload = payload
    }

    /// `Hash.sha256(domain: "readchain/value/v1", payload)`.
    public static func opaqueID(_ payload: Bytes) -> Hash { Hash.sha256(domain: "readchain/value/v1", payload) }

    /// Whether `id` really names `payload` (opaque hash, or a decodable block with that hash).
    ///
    /// - Complexity: one SHA-256 of the payload; one block decode if that fails.
    public var isSelfConsistent: Bool {
        if Self.consistentBlocks.withLock({ $0.contains { $0.id == id && $0.payload == payload } }) { return true }
        if id == Self.opaqueID(payload) { return true }
        if let block = try? Block.decode(canonical: payload), block.hash == id {
            Self.consistentBlocks.withLock {
                if $0.count >= 8 { $0.removeFirst() }
                $0.append((id, payload))
            }
            return true
        }
        return false
    }

    /// Block values recently found self-consistent (a pure function of id and payload, so remembering it changes
    /// no answer): every node checks each proposal's value on receipt and again before voting, and decoding a
    /// block of 2,000 transactions (each re-hashed) was a few per cent of a load test's wall time. The payload
    /// comparison is O(1) when the buffers are shared, a byte comparison otherwise.
    private static let consistentBlocks = Mutex<[(id: Hash, payload: Bytes)]>([])

    public func encode(into w: inout CanonicalWriter) {
        w.write(id)
        w.writeBytes(payload)
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        id = try r.read()
        payload = try r.readBytes()
    }

    public var description: String { "value(\(id.hex.prefix(8)))" }
}

/// The three timeouts of the paper (L57 OnTimeoutPropose, L61 OnTimeoutPrevote, L65 OnTimeoutPrecommit).
public enum TimeoutStep: UInt8, Hashable, Sendable {
    case propose = 1
    case prevote = 2
    case precommit = 3
}

/// A timeout for (height, round, step); the driver feeds it back as `ConsensusInput.timeout` when it fires.
public struct Timeout: Hashable, Sendable, CustomStringConvertible {
    public var height: Height
    public var round: Round
    public var step: TimeoutStep

    public init(height: Height, round: Round, step: TimeoutStep) {
        self.height = height
        self.round = round
        self.step = step
    }

    public var description: String { "timeout(\(height)/\(round)/\(step))" }
}

/// Timeout durations in ticks (1 tick = 1 µs), growing linearly with the round: `timeoutX(r) = initX + r·deltaX`
/// (`consensus.tex` l.223: timeouts increase with the round so that they eventually exceed the unknown Δ).
public struct TimeoutConfig: Hashable, Sendable {
    public var proposeInit: Int64
    public var proposeDelta: Int64
    public var prevoteInit: Int64
    public var prevoteDelta: Int64
    public var precommitInit: Int64
    public var precommitDelta: Int64

    public init(
        proposeInit: Int64, proposeDelta: Int64, prevoteInit: Int64, prevoteDelta: Int64, precommitInit: Int64,
        precommitDelta: Int64
    ) {
        self.proposeInit = proposeInit
        self.proposeDelta = proposeDelta
        self.prevoteInit = prevoteInit
        self.prevoteDelta = prevoteDelta
        self.precommitInit = precommitInit
        self.precommitDelta = precommitDelta
    }

    /// CometBFT's defaults (`config/config.go`): propose 3 s + 0.5 s/round, prevote and precommit 1 s + 0.5 s/round.
    public static let cometBFT = TimeoutConfig(
        proposeInit: 3_000_000, proposeDelta: 500_000, prevoteInit: 1_000_000, prevoteDelta: 500_000,
        precommitInit: 1_000_000, precommitDelta: 500_000)

    /// The test configuration: propose 40 ms + 10 ms/round, prevote and precommit 10 ms + 10 ms/round.
    public static let test = TimeoutConfig(
        proposeInit: 40_000, proposeDelta: 10_000, prevoteInit: 10_000, prevoteDelta: 10_000,
        precommitInit: 10_000, precommitDelta: 10_000)

    /// The duration of `step`'s timeout in `round`; with `constantTimeouts` (a mutant) the delta is ignored.
    public func duration(_ step: TimeoutStep, round: Round, constant: Bool = false) -> Int64 {
        let r = constant ? 0 : max(round, 0)
        switch step {
        case .propose: return proposeInit + r * proposeDelta
        case .prevote: return prevoteInit + r * prevoteDelta
        case .precommit: return precommitInit + r * precommitDelta
        }
    }
}

#if CONSENSUS_MUTATIONS
    /// Deliberate bugs for the mutation-kill negative control (NC-2, consensus-tests.md §5.3). Default: none.
    ///
    /// Each knob breaks exactly one rule of the algorithm; the suite must fail with any of them on. The knobs exist
    /// only in test builds: Package.swift defines `CONSENSUS_MUTATIONS` (for Consensus, Network and their tests) when
    /// `READCHAIN_TEST_BUILD` is set, as `make test` and `make soak` do in their own scratch path. A production build
    /// has no `ConsensusConfig.mutations` (nor `NodeConfig.mutations`); this type is internal there and always empty,
    /// so every rule check reads as written.
    public struct ConsensusMutations: OptionSet, Hashable, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
    }
#else
    /// No deliberate bugs in a production build (see the test build's declaration): the rule checks ask an empty set.
    struct ConsensusMutations: OptionSet, Hashable, Sendable {
        let rawValue: UInt32
    }
#endif

extension ConsensusMutations {
    /// L23/L29: prevote for any valid proposal, ignoring the lock.
    public static let dropLockCheck = ConsensusMutations(rawValue: 1 << 0)
    /// L29: `lockedRound < vr` instead of `lockedRound ≤ vr`.
    public static let lockedRoundLessThanInsteadOfLE = ConsensusMutations(rawValue: 1 << 1)
    /// "2f+1" replaced by "2f": power ≥ 2·fmax, where fmax = ⌊(total − 1)/3⌋ is the largest tolerated faulty power.
    public static let thresholdTwoF = ConsensusMutations(rawValue: 1 << 2)
    /// Every accepted vote message adds power, even a duplicate or a conflicting vote of the same validator.
    public static let countPerMessageNotPerValidator = ConsensusMutations(rawValue: 1 << 3)
    /// Keep lockedValue/lockedRound/validValue/validRound across heights.
    public static let noResetAtNewHeight = ConsensusMutations(rawValue: 1 << 4)
    /// L42–43: update validValue/validRound only when step = prevote.
    public static let validValueOnlyInPrevote = ConsensusMutations(rawValue: 1 << 5)
    /// Never apply L55 (round skip on f+1 messages from a higher round).
    public static let skipL55 = ConsensusMutations(rawValue: 1 << 6)
    /// Timeouts do not grow with the round.
    public static let constantTimeouts = ConsensusMutations(rawValue: 1 << 7)
    /// The signer neither persists nor checks the last signed (height, round, step).
    public static let noPersistLastSigned = ConsensusMutations(rawValue: 1 << 8)

    /// Every knob, with its name (for reports).
    public static let all: [(name: String, mutation: ConsensusMutations)] = [
        ("dropLockCheck", .dropLockCheck), ("lockedRoundLessThanInsteadOfLE", .lockedRoundLessThanInsteadOfLE),
        ("thresholdTwoF", .thresholdTwoF), ("countPerMessageNotPerValidator", .countPerMessageNotPerValidator),
        ("noResetAtNewHeight", .noResetAtNewHeight), ("validValueOnlyInPrevote", .validValueOnlyInPrevote),
        ("skipL55", .skipL55), ("constantTimeouts", .constantTimeouts), ("noPersistLastSigned", .noPersistLastSigned),
    ]
}
