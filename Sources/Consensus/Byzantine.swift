// Byzantine validators as pure, pluggable wrappers around a correct core (issue 4 item 3; consensus-tests.md
// §4.2 "explicit misbehaviour adapters"; malachite `overview.md` "Byzantine behaviours to handle").
//
// A behaviour sees the inputs before the wrapped correct core does and rewrites the core's outputs. It signs
// forged messages with the validator's `SigningKey` directly, bypassing the `Signer` guard on purpose: the guard
// is what keeps a correct node honest.

import Ledger

/// What a behaviour may look at: the key, the chain, the peers (validators other than this one, in
/// validator-set order) and the wrapped core's state after the input.
public struct ByzantineContext {
    public let key: SigningKey
    public let chainID: String
    public let peers: [Address]
    public let core: ConsensusCore

    public var address: Address { key.publicKey.address }

    /// Signs a vote with the raw key (no double-sign guard).
    public func forgeVote(_ type: VoteType, height: Height, round: Round, valueID: Hash?) -> Vote {
        let bytes = Vote.signBytes(chainID: chainID, type: type, height: height, round: round, valueID: valueID)
        return Vote(
            chainID: chainID, type: type, height: height, round: round, valueID: valueID, validator: address,
            signature: key.sign(bytes))
    }

    /// Signs a proposal with the raw key (no double-sign guard).
    public func forgeProposal(height: Height, round: Round, value: ProposedValue, validRound: Round) -> Proposal {
        let bytes = Proposal.signBytes(
            chainID: chainID, height: height, round: round, valueID: value.id, validRound: validRound)
        return Proposal(
            chainID: chainID, height: height, round: round, value: value, validRound: validRound, proposer: address,
            signature: key.sign(bytes))
    }
}

/// A Byzantine behaviour: a pure rewrite of a correct core's inputs and outputs.
///
/// Outputs may use the addressed forms `sendProposal(_:to:)` and `sendVote(_:to:)` to tell different peers
/// different things; everything else (timeouts, `requestValue`, decisions) is normally passed through so the
/// driver keeps the wrapped core running.
public protocol ByzantineBehaviour: Sendable {
    /// The inputs the wrapped core sees instead of `input` (default: `[input]`).
    mutating func inputs(for input: ConsensusInput, _ context: ByzantineContext) -> [ConsensusInput]
    /// What the node does instead of the correct `outputs`.
    mutating func outputs(for outputs: [ConsensusOutput], _ context: ByzantineContext) -> [ConsensusOutput]
    /// Whether the node's driver answers block-sync requests (default: yes). One that does not is a silent sync
    /// peer, which a lagging node must time out (issue 17).
    var servesBlockSync: Bool { get }
}

extension ByzantineBehaviour {
    public var servesBlockSync: Bool { true }

    public mutating func inputs(for input: ConsensusInput, _ context: ByzantineContext) -> [ConsensusInput] {
        [input]
    }
}

/// A correct core driven through a Byzantine behaviour. Use it wherever a `ConsensusCore` is driven.
public struct ByzantineNode {
    public private(set) var core: ConsensusCore
    public var behaviour: any ByzantineBehaviour
    public let key: SigningKey
    public let peers: [Address]

    /// - Parameters:
    ///   - core: a correct core built with `key`.
    ///   - peers: the other validators, addressed by the behaviour.
    public init(core: ConsensusCore, key: SigningKey, peers: [Address], behaviour: any ByzantineBehaviour) {
        self.core = core
        self.key = key
        self.peers = peers
        self.behaviour = behaviour
    }

    private var context: ByzantineContext {
        ByzantineContext(key: key, chainID: core.config.chainID, peers: peers, core: core)
    }

    /// Applies one input through the behaviour.
    public mutating func handle(_ input: ConsensusInput) -> [ConsensusOutput] {
        let inputs = behaviour.inputs(for: input, context)
        var out: [ConsensusOutput] = []
        for i in inputs { out += core.handle(i) }
        return behaviour.outputs(for: out, context)
    }
}

/// Several behaviours applied in order (inputs and outputs).
public struct CombinedBehaviour: ByzantineBehaviour {
    public var parts: [any ByzantineBehaviour]

    public init(_ parts: [any ByzantineBehaviour]) { self.parts = parts }

    public mutating func inputs(for input: ConsensusInput, _ context: ByzantineContext) -> [ConsensusInput] {
        var current = [input]
        for i in parts.indices { current = current.flatMap { parts[i].inputs(for: $0, context) } }
        return current
    }

    public mutating func outputs(for outputs: [ConsensusOutput], _ context: ByzantineContext) -> [ConsensusOutput] {
        var current = outputs
        for i in parts.indices { current = parts[i].outputs(for: current, context) }
        return current
    }
}

/// A value that differs from `v` (same kind of payload, a suffix appended): what an equivocator proposes or
/// votes for besides `v`.
public func conflictingValue(_ v: ProposedValue, tag: String = "/conflict") -> ProposedValue {
    ProposedValue(payload: v.payload + Array(tag.utf8))
}

/// Equivocating proposer (B08): its proposal goes to `groupA`, a conflicting proposal (same round, same vr) to
/// every other peer. With `alsoVotes`, its own votes for the proposal follow the same split (votes for the
/// conflicting value go to the others), as in CometBFT's `ByzantineConflictingProposalsWithPartition`.
///
/// `conflict` makes the second value from the first (default `conflictingValue`; a chain passes one that builds
/// another *valid* block, e.g. with a different timestamp). With `followOthers` the node also splits its votes
/// for other proposers' proposals (v to group A, `conflict(v)` to the others): two such nodes, one proposing
/// and one following, with the proposer in the follower's group A, make a fork beyond f (NC-1).
public struct EquivocatingProposer: ByzantineBehaviour {
    public var groupA: [Address]
    public var alsoVotes: Bool
    public var followOthers: Bool
    public var conflict: @Sendable (ProposedValue) -> ProposedValue
    /// (height, round) → the two value ids, for the vote split.
    private var split: [Round: (height: Height, a: Hash, b: Hash)] = [:]

    public init(
        groupA: [Address], alsoVotes: Bool = true, followOthers: Bool = false,
        conflict: @escaping @Sendable (ProposedValue) -> ProposedValue = { conflictingValue($0) }
    ) {
        self.groupA = groupA
        self.alsoVotes = alsoVotes
        self.followOthers = followOthers
        self.conflict = conflict
    }

    public mutating func inputs(for input: ConsensusInput, _ c: ByzantineContext) -> [ConsensusInput] {
        if followOthers, case .proposal(let p) = input, p.proposer != c.address, p.height >= c.core.height {
            if split[p.round]?.height != p.height { split[p.round] = (p.height, p.value.id, conflict(p.value).id) }
        }
        return [input]
    }

    public mutating func outputs(for outputs: [ConsensusOutput], _ c: ByzantineContext) -> [ConsensusOutput] {
        var out: [ConsensusOutput] = []
        for o in outputs {
            switch o {
            case .broadcastProposal(let p):
                let other = conflict(p.value)
                let q = c.forgeProposal(height: p.height, round: p.round, value: other, validRound: p.validRound)
                split[p.round] = (p.height, p.value.id, other.id)
                for peer in c.peers {
                    out.append(groupA.contains(peer) ? .sendProposal(p, to: peer) : .sendProposal(q, to: peer))
                }
            case .broadcastVote(let v) where alsoVotes:
                if let s = split[v.round], s.height == v.height {
                    // Votes both: v_A to group A, v_B to the others, whatever the wrapped core chose.
                    let a = c.forgeVote(v.type, height: v.height, round: v.round, valueID: s.a)
                    let b = c.forgeVote(v.type, height: v.height, round: v.round, valueID: s.b)
                    for peer in c.peers {
                        out.append(groupA.contains(peer) ? .sendVote(a, to: peer) : .sendVote(b, to: peer))
                    }
                } else {
                    out.append(o)
                }
            default:
                out.append(o)
            }
        }
        return out
    }
}

/// Double votes (B09): for each own vote of the chosen types, a second vote for another value (nil ↔ a value).
/// With `split`, the first half of the peers gets the real vote and the second half the other; otherwise every
/// peer gets both, real first.
public struct DoubleVoter: ByzantineBehaviour {
    public var prevotes: Bool
    public var precommits: Bool
    public var split: Bool

    public init(prevotes: Bool = true, precommits: Bool = true, split: Bool = false) {
        self.prevotes = prevotes
        self.precommits = precommits
        self.split = split
    }

    public mutating func outputs(for outputs: [ConsensusOutput], _ c: ByzantineContext) -> [ConsensusOutput] {
        var out: [ConsensusOutput] = []
        for o in outputs {
            guard case .broadcastVote(let v) = o, v.type == .prevote ? prevotes : precommits else {
                out.append(o)
                continue
            }
            let otherID: Hash? =
                v.valueID == nil ? ProposedValue.opaqueID(Array("double vote \(v.height)/\(v.round)".utf8)) : nil
            let w = c.forgeVote(v.type, height: v.height, round: v.round, valueID: otherID)
            if split {
                let half = c.peers.count / 2
                for (i, peer) in c.peers.enumerated() { out.append(.sendVote(i < half ? v : w, to: peer)) }
            } else {
                out.append(o)
                out.append(.broadcastVote(w))
            }
        }
        return out
    }
}

/// Amnesia (B09): a locked node prevotes for the round's proposal although its lock forbids it (L22/L28), i.e. it
/// votes against its own lock.
public struct Amnesia: ByzantineBehaviour {
    /// How many prevotes were rewritten against the lock (a test requires > 0: the behaviour really fired).
    public private(set) var fired = 0

    public init() {}

    public mutating func outputs(for outputs: [ConsensusOutput], _ c: ByzantineContext) -> [ConsensusOutput] {
        outputs.map { o in
            guard case .broadcastVote(let v) = o, v.type == .prevote, let locked = c.core.lockedValue,
                c.core.height == v.height, let p = c.core.proposals[v.round], p.value.id != locked.id,
                v.valueID != p.value.id
            else { return o }
            fired += 1
            return .broadcastVote(c.forgeVote(.prevote, height: v.height, round: v.round, valueID: p.value.id))
        }
    }
}

/// Withholding: drops the node's own proposals and/or votes (the core keeps running; only sends are dropped).
public struct Withholding: ByzantineBehaviour {
    public var proposals: Bool
    public var prevotes: Bool
    public var precommits: Bool

    public init(proposals: Bool = true, prevotes: Bool = true, precommits: Bool = true) {
        self.proposals = proposals
        self.prevotes = prevotes
        self.precommits = precommits
    }

    public mutating func outputs(for outputs: [ConsensusOutput], _ c: ByzantineContext) -> [ConsensusOutput] {
        outputs.filter { o in
            switch o {
            case .broadcastProposal, .sendProposal: return !proposals
            case .broadcastVote(let v), .sendVote(let v, _): return v.type == .prevote ? !prevotes : !precommits
            default: return true
            }
        }
    }
}

/// A lunatic proposer: proposes an invalid value instead of its own (the payload gets `invalidPrefix`, which the
/// application's valid(v) must reject) and prevotes and precommits for it.
public struct LunaticProposer: ByzantineBehaviour {
    public var invalidPrefix: Bytes
    private var replaced: [Hash: Hash] = [:]

    public init(invalidPrefix: Bytes = Array("!".utf8)) { self.invalidPrefix = invalidPrefix }

    public mutating func outputs(for outputs: [ConsensusOutput], _ c: ByzantineContext) -> [ConsensusOutput] {
        outputs.map { o in
            switch o {
            case .broadcastProposal(let p):
                let bad = ProposedValue(payload: invalidPrefix + Array("lunatic \(p.height)/\(p.round)".utf8))
                replaced[p.value.id] = bad.id
                return .broadcastProposal(
                    c.forgeProposal(height: p.height, round: p.round, value: bad, validRound: -1))
            case .broadcastVote(let v):
                guard let id = v.valueID, let bad = replaced[id] else { return o }
                return .broadcastVote(c.forgeVote(v.type, height: v.height, round: v.round, valueID: bad))
            default:
                return o
            }
        }
    }
}

/// Far-future spam and junk (B16): with every input, `perInput` extra messages cycling through validly signed
/// votes and proposals for heights and rounds far ahead, next-height votes for ever-new rounds, and junk (bad
/// signatures, a wrong chain id). Deterministic (a counter, no randomness).
public struct FarFutureSpammer: ByzantineBehaviour {
    public var perInput: Int
    public var heightsAhead: Height
    public var roundsAhead: Round
    public private(set) var sent = 0

    public init(perInput: Int = 8, heightsAhead: Height = 1_000_000, roundsAhead: Round = 1_000_000) {
        self.perInput = perInput
        self.heightsAhead = heightsAhead
        self.roundsAhead = roundsAhead
    }

    public mutating func outputs(for outputs: [ConsensusOutput], _ c: ByzantineContext) -> [ConsensusOutput] {
        var out = outputs
        let h = max(c.core.height, 1)
        for _ in 0..<perInput {
            let k = sent
            sent += 1
            let spread = Round(k)
            switch k % 6 {
            case 0:
                out.append(.broadcastVote(c.forgeVote(.prevote, height: h + heightsAhead, round: spread, valueID: nil)))
            case 1:
                out.append(
                    .broadcastVote(c.forgeVote(.precommit, height: h, round: roundsAhead + spread, valueID: nil)))
            case 2:
                let v = ProposedValue(payload: Array("spam \(k)".utf8))
                out.append(
                    .broadcastProposal(
                        c.forgeProposal(height: h, round: roundsAhead + spread, value: v, validRound: -1)))
            case 3:
                out.append(.broadcastVote(c.forgeVote(.prevote, height: h + 1, round: spread, valueID: nil)))
            case 4:
                var v = c.forgeVote(.prevote, height: h, round: spread % 1000, valueID: nil)
                v.valueID = ProposedValue.opaqueID(Array("junk \(k)".utf8))  // the signature no longer matches
                out.append(.broadcastVote(v))
            default:
                let bytes = Vote.signBytes(
                    chainID: "junk-chain", type: .prevote, height: h, round: 0, valueID: nil)
                out.append(
                    .broadcastVote(
                        Vote(
                            chainID: "junk-chain", type: .prevote, height: h, round: 0, valueID: nil,
                            validator: c.address, signature: c.key.sign(bytes))))
            }
        }
        return out
    }
}

/// Twins (Bano et al., "Twins: BFT Systems Made Robust", 2022): two independent correct cores with one key and
/// one initial signer state. Each twin's guard protects only itself, so together they equivocate whenever the
/// network shows them different things.
public enum Twins {
    public static func make(
        config: ConsensusConfig, key: SigningKey, signerState: SignerState = .initial, cache: SignatureCache,
        signingMemo: SigningMemo? = nil, validity: @escaping ValueValidity
    ) -> (ConsensusCore, ConsensusCore) {
        func one() -> ConsensusCore {
            ConsensusCore(
                config: config, key: key, signerState: signerState, recovering: nil, cache: cache,
                signingMemo: signingMemo, validity: validity)
        }
        return (one(), one())
    }
}

/// A proposer that lies about time (issue 17, B21): every fresh block it proposes (valid round −1) is re-dated
/// and re-signed; it prevotes and precommits for the re-dated block. With proposer-based timestamps the correct
/// validators find it untimely and prevote nil; without, it is decided and moves block time where it says.
public struct TimestampLiar: ByzantineBehaviour {
    /// Where the lie puts the block time.
    public enum Lie: String, Sendable, CaseIterable {
        /// `offset` ahead of the honest time (e.g. a day: every deadline of the day expires at once).
        case farFuture
        /// The earliest time the chain accepts: one tick after the previous block (`Int64.min + 1` at height 1).
        case farPast
        /// `Int64.max`: after it no block can be valid (times must increase), and `time + 1` traps.
        case int64Max
    }

    public var lie: Lie
    /// How far ahead `farFuture` dates, ticks.
    public var offset: Int64
    /// Every block this node re-dated, by value id: (honest time, the lie), for the tests.
    public private(set) var lies: [Hash: (honest: Int64, told: Int64)] = [:]
    private var replaced: [Hash: Hash] = [:]
    /// The time of the last block its core decided (`farPast` dates one tick after it).
    private var lastDecidedTime: Int64?

    public init(_ lie: Lie, offset: Int64 = 86_400_000_000) {
        self.lie = lie
        self.offset = offset
    }

    /// `v` re-dated, or nil when `v` is not a block.
    func redate(_ v: ProposedValue, previousTime: Int64?) -> (ProposedValue, Int64, Int64)? {
        guard let b = try? Block.decode(canonical: v.payload) else { return nil }
        var header = b.header
        let honest = header.timeTicks
        switch lie {
        case .farFuture: header.timeTicks = honest.saturatingAdd(offset)
        case .farPast: header.timeTicks = (previousTime ?? .min).saturatingAdd(1)
        case .int64Max: header.timeTicks = .max
        }
        let block = Block(header: header, transactions: b.transactions, evidence: b.evidence, lastCommit: b.lastCommit)
        return (ProposedValue(block: block), honest, header.timeTicks)
    }

    public mutating func outputs(for outputs: [ConsensusOutput], _ c: ByzantineContext) -> [ConsensusOutput] {
        outputs.map { o in
            switch o {
            case .decide(let d):
                if let b = try? Block.decode(canonical: d.value.payload) { lastDecidedTime = b.header.timeTicks }
                return o
            case .broadcastProposal(let p) where p.validRound == -1:
                guard let (v, honest, told) = redate(p.value, previousTime: lastDecidedTime) else { return o }
                replaced[p.value.id] = v.id
                lies[v.id] = (honest, told)
                return .broadcastProposal(
                    c.forgeProposal(height: p.height, round: p.round, value: v, validRound: -1))
            case .broadcastVote(let v):
                guard let id = v.valueID, let lie = replaced[id] else { return o }
                return .broadcastVote(c.forgeVote(v.type, height: v.height, round: v.round, valueID: lie))
            default:
                return o
            }
        }
    }
}
