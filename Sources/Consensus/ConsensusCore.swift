// Tendermint, Algorithm 1 (Buchman, Kwon, Milosevic 2018), as a pure state machine.

import Ledger

/// What the driver feeds into the core.
public enum ConsensusInput: Sendable {
    /// Start `height` (the paper's h_p ← height; StartRound(0), L10/L54). The selector carries the height's
    /// validator set and its proposer priorities; the driver advances it (`advanceHeight()`) or builds a new
    /// one when the set changes.
    case startHeight(height: Height, proposers: ProposerSelector)
    /// A ⟨PROPOSAL⟩ from the network.
    case proposal(Proposal)
    /// A ⟨PREVOTE⟩ or ⟨PRECOMMIT⟩ from the network.
    case vote(Vote)
    /// A timeout the core scheduled earlier has fired (L57, L61, L65).
    case timeout(Timeout)
    /// A value (block) fetched after `needValue`: 2f+1 precommits arrived for an id never proposed to us (L49).
    case valueReceived(ProposedValue)
    /// The application's answer to `requestValue` (the paper's getValue(), L18).
    case proposeValue(height: Height, round: Round, value: ProposedValue)
    /// Re-emit this node's latest proposal and votes for the current round (the gossip assumption, B10).
    case rebroadcastTick
}

/// What the core asks the driver to do, in order. `persistSignerState` must be durable before any later
/// broadcast in the same batch is sent.
public enum ConsensusOutput: Hashable, Sendable {
    case persistSignerState(SignerState)
    case broadcastProposal(Proposal)
    case broadcastVote(Vote)
    /// Feed `.timeout(timeout)` back after `duration` ticks.
    case scheduleTimeout(Timeout, duration: Int64)
    /// getValue(): answer with `.proposeValue(height:round:value:)`.
    case requestValue(height: Height, round: Round)
    /// decision_p[h_p] = v (L51). The driver applies the block, then starts the next height.
    case decide(Decision)
    /// A validator signed two conflicting votes.
    case evidence(Evidence)
    /// 2f+1 precommits for `valueID` but no value with that id: fetch it and send `.valueReceived`.
    case needValue(height: Height, round: Round, valueID: Hash)
    /// An input was ignored (no state change); for diagnostics and counters.
    case rejected(Rejection)
}

/// Why an input was ignored.
public enum Rejection: Hashable, Sendable {
    case notStarted
    case wrongChainID
    case wrongHeight
    case malformed
    case nonValidator
    case notProposer
    case oversizeValue
    case badSignature
    case conflictingProposal
    case unexpectedValue
    case bufferFull
}

/// A decision with its proof.
public struct Decision: Hashable, Sendable {
    public var height: Height
    public var round: Round
    public var value: ProposedValue
    public var certificate: CommitCertificate
}

/// Static parameters of a node's consensus.
public struct ConsensusConfig: Sendable {
    public var chainID: String
    public var timeouts: TimeoutConfig
    /// Largest accepted value payload (A13 "oversize block").
    public var maxValueBytes: Int
    /// Largest number of buffered next-height messages.
    public var maxBufferedMessages: Int
    public var mutations: ConsensusMutations

    public init(
        chainID: String, timeouts: TimeoutConfig = .test, maxValueBytes: Int = 4 << 20,
        maxBufferedMessages: Int = 10_000, mutations: ConsensusMutations = []
    ) {
        self.chainID = chainID
        self.timeouts = timeouts
        self.maxValueBytes = maxValueBytes
        self.maxBufferedMessages = maxBufferedMessages
        self.mutations = mutations
    }
}

/// The paper's valid(v), supplied by the application (block checks against the ledger). Must be a pure
/// function of (height, value); the core memoises it per value id for the height.
public typealias ValueValidity = (Height, ProposedValue) -> Bool

/// The round state a test compares before and after an input.
public struct RoundState: Hashable, Sendable {
    public var height: Height
    public var round: Round
    public var step: Step
    public var lockedValueID: Hash?
    public var lockedRound: Round
    public var validValueID: Hash?
    public var validRound: Round
    public var decided: Bool
}

/// One process of Algorithm 1.
///
/// Pure apart from the injected `SignatureCache` (a memo of verified signatures that never changes an answer)
/// and the injected `ValueValidity`: no clock, no randomness, no I/O. Everything the process would *do* is a
/// `ConsensusOutput`.
///
/// Where this differs from the paper's text, on purpose:
/// * `valid(v)` is a closure given at init (`ValueValidity`), memoised per id; ids must name their payloads
///   (`ProposedValue.isSelfConsistent`), so L49 may use a value fetched by id instead of the round-r proposal.
/// * getValue() is asynchronous (`requestValue` / `proposeValue`); while waiting, the proposer also schedules
///   timeoutPropose so that a silent application cannot stall the round.
/// * After deciding (L49) the core waits in step `decided` for the driver's `startHeight(h+1)`, which carries the
///   next validator set (the paper's h_p ← h_p + 1; StartRound(0) happens then). Messages for h+1 received in
///   the meantime are buffered (bounded) and replayed.
/// * A non-validator node (no key) follows the protocol without signing.
public struct ConsensusCore {
    public let config: ConsensusConfig
    private let cache: SignatureCache
    private let validity: ValueValidity
    public private(set) var signer: Signer?

    // The paper's state (§ "State per process p").
    public private(set) var height: Height = 0
    public private(set) var round: Round = -1
    public private(set) var step: Step = .propose
    public private(set) var lockedValue: ProposedValue?
    public private(set) var lockedRound: Round = -1
    public private(set) var validValue: ProposedValue?
    public private(set) var validRound: Round = -1
    public private(set) var decision: Decision?

    // Message log of the height.
    public private(set) var proposers: ProposerSelector?
    public private(set) var votes: VoteKeeper?
    public private(set) var proposals: [Round: Proposal] = [:]
    private var values: [Hash: ProposedValue] = [:]
    private var validityMemo: [Hash: Bool] = [:]
    private var proposerMemo: [Round: Address] = [:]
    // "for the first time" guards.
    private var prevoteTimeoutScheduled: Set<Round> = []
    private var precommitTimeoutScheduled: Set<Round> = []
    private var l36Done: Set<Round> = []
    private var valuesNeeded: Set<Hash> = []
    private var awaitingValue: Round?
    // Own signed messages of the height, for re-broadcast.
    private var ownProposals: [Round: Proposal] = [:]
    private var ownVotes: [Round: [Vote]] = [:]
    // Next-height messages.
    private var buffered: [ConsensusInput] = []
    /// Every conflicting vote pair seen, across heights (candidates for inclusion in a block).
    public private(set) var evidencePool: [Evidence] = []

    /// - Parameters:
    ///   - key: the validator's key; nil for a non-validating node.
    ///   - signerState: the persisted double-sign record (after a restart), or `.initial`.
    ///   - cache: shared verified-signature cache.
    ///   - validity: the paper's valid(v).
    public init(
        config: ConsensusConfig, key: SigningKey?, signerState: SignerState = .initial, cache: SignatureCache,
        validity: @escaping ValueValidity
    ) {
        self.config = config
        self.cache = cache
        self.validity = validity
        self.signer = key.map {
            Signer(
                key: $0, state: signerState, guardDisabled: config.mutations.contains(.noPersistLastSigned))
        }
    }

    private var mutations: ConsensusMutations { config.mutations }
    public var address: Address? { signer?.address }
    public var validatorSet: ValidatorSet? { proposers?.validatorSet }

    public var roundState: RoundState {
        RoundState(
            height: height, round: round, step: step, lockedValueID: lockedValue?.id, lockedRound: lockedRound,
            validValueID: validValue?.id, validRound: validRound, decided: decision != nil)
    }

    /// proposer(h_p, r).
    public mutating func proposer(round r: Round) -> Address? {
        guard let proposers else { return nil }
        if let a = proposerMemo[r] { return a }
        let a = proposers.proposer(round: r).address
        proposerMemo[r] = a
        return a
    }

    /// Applies one input and returns the resulting actions, in order.
    public mutating func handle(_ input: ConsensusInput) -> [ConsensusOutput] {
        var out: [ConsensusOutput] = []
        switch input {
        case .startHeight(let h, let selector):
            startHeight(h, selector, &out)
        case .proposal(let p):
            receiveProposal(p, &out)
        case .vote(let v):
            receiveVote(v, &out)
        case .timeout(let t):
            onTimeout(t, &out)
        case .valueReceived(let v):
            receiveValue(v, &out)
        case .proposeValue(let h, let r, let v):
            if h == height, r == round, awaitingValue == r, step == .propose, decision == nil {
                awaitingValue = nil
                propose(v, validRound: -1, &out)
            }
        case .rebroadcastTick:
            rebroadcast(&out)
        }
        if proposers != nil { applyRules(&out) }
        return out
    }

    // MARK: - Heights and rounds

    private mutating func startHeight(_ h: Height, _ selector: ProposerSelector, _ out: inout [ConsensusOutput]) {
        precondition(proposers == nil || h > height, "heights must increase")
        height = h
        proposers = selector
        votes = VoteKeeper(validatorSet: selector.validatorSet, mutations: mutations)
        proposals = [:]
        values = [:]
        validityMemo = [:]
        proposerMemo = [:]
        prevoteTimeoutScheduled = []
        precommitTimeoutScheduled = []
        l36Done = []
        valuesNeeded = []
        awaitingValue = nil
        ownProposals = [:]
        ownVotes = [:]
        decision = nil
        if !mutations.contains(.noResetAtNewHeight) {
            lockedValue = nil
            lockedRound = -1
            validValue = nil
            validRound = -1
        }
        startRound(0, &out)  // L10 / L54
        let pending = buffered
        buffered = []
        for input in pending {
            switch input {
            case .proposal(let p) where p.height == h: receiveProposal(p, &out)
            case .vote(let v) where v.height == h: receiveVote(v, &out)
            default: break
            }
        }
    }

    /// L11 StartRound(r).
    private mutating func startRound(_ r: Round, _ out: inout [ConsensusOutput]) {
        round = r  // L12
        step = .propose  // L13
        awaitingValue = nil
        if let me = address, proposer(round: r) == me {  // L14
            if let v = validValue {  // L15–16
                propose(v, validRound: validRound, &out)  // L19
            } else {
                awaitingValue = r
                out.append(.requestValue(height: height, round: r))  // L18 getValue()
                schedule(.propose, r, &out)  // not in the paper: getValue() is asynchronous here
            }
        } else {
            schedule(.propose, r, &out)  // L21
        }
    }

    private func schedule(_ s: TimeoutStep, _ r: Round, _ out: inout [ConsensusOutput]) {
        let d = config.timeouts.duration(s, round: r, constant: mutations.contains(.constantTimeouts))
        out.append(.scheduleTimeout(Timeout(height: height, round: r, step: s), duration: d))
    }

    // MARK: - Receiving

    private mutating func buffer(_ input: ConsensusInput, _ out: inout [ConsensusOutput]) {
        guard buffered.count < config.maxBufferedMessages else { return out.append(.rejected(.bufferFull)) }
        buffered.append(input)
    }

    private mutating func receiveProposal(_ p: Proposal, _ out: inout [ConsensusOutput]) {
        guard p.chainID == config.chainID else { return out.append(.rejected(.wrongChainID)) }
        guard let vs = validatorSet else { return buffer(.proposal(p), &out) }
        if p.height == height + 1 { return buffer(.proposal(p), &out) }
        guard p.height == height else { return out.append(.rejected(.wrongHeight)) }
        guard p.round >= 0, p.validRound >= -1, p.validRound < p.round else {
            return out.append(.rejected(.malformed))
        }
        guard let sender = vs.validator(p.proposer) else { return out.append(.rejected(.nonValidator)) }
        guard proposer(round: p.round) == p.proposer else { return out.append(.rejected(.notProposer)) }
        guard p.value.payload.count <= config.maxValueBytes else { return out.append(.rejected(.oversizeValue)) }
        guard p.value.isSelfConsistent else { return out.append(.rejected(.malformed)) }
        guard cache.verify(p.signature, message: p.signBytes, key: sender.publicKey) else {
            return out.append(.rejected(.badSignature))
        }
        if let first = proposals[p.round] {
            // Equivocating proposer: the first proposal stands.
            if first != p { out.append(.rejected(.conflictingProposal)) }
            return
        }
        accept(p)
    }

    private mutating func accept(_ p: Proposal) {
        proposals[p.round] = p
        values[p.value.id] = p.value
        votes?.noteSender(p.proposer, round: p.round)
    }

    private mutating func receiveVote(_ v: Vote, _ out: inout [ConsensusOutput]) {
        guard v.chainID == config.chainID else { return out.append(.rejected(.wrongChainID)) }
        guard let vs = validatorSet else { return buffer(.vote(v), &out) }
        if v.height == height + 1 { return buffer(.vote(v), &out) }
        guard v.height == height else { return out.append(.rejected(.wrongHeight)) }
        guard v.round >= 0 else { return out.append(.rejected(.malformed)) }
        guard let sender = vs.validator(v.validator) else { return out.append(.rejected(.nonValidator)) }
        guard cache.verify(v.signature, message: v.signBytes, key: sender.publicKey) else {
            return out.append(.rejected(.badSignature))
        }
        count(v, &out)
    }

    private mutating func count(_ v: Vote, _ out: inout [ConsensusOutput]) {
        guard case .conflicting(let e)? = votes?.add(v), let e else { return }
        evidencePool.append(e)
        out.append(.evidence(e))
    }

    private mutating func receiveValue(_ v: ProposedValue, _ out: inout [ConsensusOutput]) {
        guard proposers != nil else { return out.append(.rejected(.notStarted)) }
        guard valuesNeeded.contains(v.id), values[v.id] == nil else { return out.append(.rejected(.unexpectedValue)) }
        guard v.payload.count <= config.maxValueBytes else { return out.append(.rejected(.oversizeValue)) }
        guard v.isSelfConsistent else { return out.append(.rejected(.malformed)) }
        values[v.id] = v
    }

    // MARK: - Sending

    private mutating func propose(_ v: ProposedValue, validRound vr: Round, _ out: inout [ConsensusOutput]) {
        guard var s = signer else { return }
        let bytes = Proposal.signBytes(
            chainID: config.chainID, height: height, round: round, valueID: v.id, validRound: vr)
        let signature: Signature
        switch s.sign(height: height, round: round, step: .proposal, signBytes: bytes) {
        case .signed(let sig):
            signature = sig
            if !s.guardDisabled { out.append(.persistSignerState(s.state)) }
        case .repeated(let sig):
            signature = sig
        case .refused:
            return
        }
        signer = s
        let p = Proposal(
            chainID: config.chainID, height: height, round: round, value: v, validRound: vr, proposer: s.address,
            signature: signature)
        out.append(.broadcastProposal(p))  // L19
        ownProposals[round] = p
        if proposals[round] == nil { accept(p) }
    }

    /// Signs and broadcasts a vote for the current round, and counts it locally.
    private mutating func castVote(_ type: VoteType, _ id: Hash?, _ out: inout [ConsensusOutput]) {
        guard var s = signer, validatorSet?.validator(s.address) != nil else { return }
        let bytes = Vote.signBytes(chainID: config.chainID, type: type, height: height, round: round, valueID: id)
        let signature: Signature
        switch s.sign(height: height, round: round, step: type == .prevote ? .prevote : .precommit, signBytes: bytes) {
        case .signed(let sig):
            signature = sig
            if !s.guardDisabled { out.append(.persistSignerState(s.state)) }
        case .repeated(let sig):
            signature = sig
        case .refused:
            return  // the double-sign guard: say nothing rather than contradict an earlier signature
        }
        signer = s
        let v = Vote(
            chainID: config.chainID, type: type, height: height, round: round, valueID: id, validator: s.address,
            signature: signature)
        out.append(.broadcastVote(v))
        ownVotes[round, default: []].append(v)
        count(v, &out)
    }

    private func rebroadcast(_ out: inout [ConsensusOutput]) {
        guard proposers != nil else { return }
        var rounds = [round]
        if let d = decision, d.round != round { rounds.insert(d.round, at: 0) }
        for r in rounds {
            if let p = ownProposals[r] { out.append(.broadcastProposal(p)) }
            for v in ownVotes[r] ?? [] { out.append(.broadcastVote(v)) }
        }
    }

    // MARK: - Timeouts (L57, L61, L65)

    private mutating func onTimeout(_ t: Timeout, _ out: inout [ConsensusOutput]) {
        // Stale timeouts (another height, round or step) are no-ops.
        guard t.height == height, t.round == round, decision == nil else { return }
        switch t.step {
        case .propose:  // L57 OnTimeoutPropose
            guard step == .propose else { return }  // L58 (the paper: step_p = propose)
            castVote(.prevote, nil, &out)  // L59
            step = .prevote  // L60
        case .prevote:  // L61 OnTimeoutPrevote
            guard step == .prevote else { return }  // L62
            castVote(.precommit, nil, &out)  // L63
            step = .precommit  // L64
        case .precommit:  // L65 OnTimeoutPrecommit
            startRound(round + 1, &out)  // L67
        }
    }

    // MARK: - The upon rules

    private mutating func isValid(_ v: ProposedValue) -> Bool {
        if let known = validityMemo[v.id] { return known }
        let ok = v.isSelfConsistent && v.payload.count <= config.maxValueBytes && validity(height, v)
        validityMemo[v.id] = ok
        return ok
    }

    /// Applies every enabled upon-rule until none is (each application changes the state, so this ends).
    private mutating func applyRules(_ out: inout [ConsensusOutput]) {
        while decision == nil {
            if l49(&out) || l55(&out) || l22or28(&out) || l34(&out) || l36(&out) || l44(&out) || l47(&out) {
                continue
            }
            return
        }
    }

    /// L22 (fresh proposal) and L28 (proposal with a proof of lock change from round vr).
    private mutating func l22or28(_ out: inout [ConsensusOutput]) -> Bool {
        guard step == .propose, let p = proposals[round], let votes else { return false }
        let v = p.value
        let vote: Hash?
        if p.validRound == -1 {  // L22
            let lockOK = lockedRound == -1 || lockedValue?.id == v.id || mutations.contains(.dropLockCheck)
            vote = isValid(v) && lockOK ? v.id : nil  // L23–26
        } else {  // L28
            guard p.validRound < round, votes.hasQuorum(.prevote, round: p.validRound, valueID: v.id) else {
                return false
            }
            let roundOK =
                mutations.contains(.lockedRoundLessThanInsteadOfLE)
                ? lockedRound < p.validRound : lockedRound <= p.validRound
            let lockOK = roundOK || lockedValue?.id == v.id || mutations.contains(.dropLockCheck)
            vote = isValid(v) && lockOK ? v.id : nil  // L29–32
        }
        awaitingValue = nil
        castVote(.prevote, vote, &out)
        step = .prevote  // L27 / L33
        return true
    }

    /// L34: 2f+1 ⟨PREVOTE, h_p, round_p, ∗⟩ while step = prevote, for the first time: schedule OnTimeoutPrevote.
    private mutating func l34(_ out: inout [ConsensusOutput]) -> Bool {
        guard step == .prevote, !prevoteTimeoutScheduled.contains(round),
            votes?.hasQuorumForAny(.prevote, round: round) == true
        else { return false }
        prevoteTimeoutScheduled.insert(round)
        schedule(.prevote, round, &out)  // L35
        return true
    }

    /// L36: proposal v for round_p with 2f+1 prevotes for id(v), valid(v), step ≥ prevote, first time.
    private mutating func l36(_ out: inout [ConsensusOutput]) -> Bool {
        guard step >= .prevote, !l36Done.contains(round), let p = proposals[round],
            votes?.hasQuorum(.prevote, round: round, valueID: p.value.id) == true, isValid(p.value)
        else { return false }
        l36Done.insert(round)
        let wasPrevote = step == .prevote
        if wasPrevote {  // L37
            lockedValue = p.value  // L38
            lockedRound = round  // L39
            castVote(.precommit, p.value.id, &out)  // L40
            step = .precommit  // L41
        }
        if wasPrevote || !mutations.contains(.validValueOnlyInPrevote) {
            validValue = p.value  // L42
            validRound = round  // L43
        }
        return true
    }

    /// L44: 2f+1 ⟨PREVOTE, h_p, round_p, nil⟩ while step = prevote: precommit nil.
    private mutating func l44(_ out: inout [ConsensusOutput]) -> Bool {
        guard step == .prevote, votes?.hasQuorum(.prevote, round: round, valueID: nil) == true else { return false }
        castVote(.precommit, nil, &out)  // L45
        step = .precommit  // L46
        return true
    }

    /// L47: 2f+1 ⟨PRECOMMIT, h_p, round_p, ∗⟩ for the first time: schedule OnTimeoutPrecommit.
    private mutating func l47(_ out: inout [ConsensusOutput]) -> Bool {
        guard !precommitTimeoutScheduled.contains(round), votes?.hasQuorumForAny(.precommit, round: round) == true
        else { return false }
        precommitTimeoutScheduled.insert(round)
        schedule(.precommit, round, &out)  // L48
        return true
    }

    /// L49: a value v and 2f+1 ⟨PRECOMMIT, h_p, r, id(v)⟩ for any round r, while decision_p[h_p] = nil.
    private mutating func l49(_ out: inout [ConsensusOutput]) -> Bool {
        guard let votes else { return false }
        for (r, maybeID) in votes.precommitQuorums {
            guard let id = maybeID else { continue }
            guard let v = values[id] else {
                if valuesNeeded.insert(id).inserted {
                    out.append(.needValue(height: height, round: r, valueID: id))
                    return true
                }
                continue
            }
            guard isValid(v) else { continue }  // L50
            let vs = votes.validatorSet
            let signatures = votes.votes(.precommit, round: r, valueID: id).map { vote in
                CommitSignature(validatorIndex: UInt32(vs.index(of: vote.validator)!), signature: vote.signature)
            }
            let d = Decision(
                height: height, round: r, value: v,
                certificate: CommitCertificate(height: height, round: r, blockID: id, signatures: signatures))
            decision = d  // L51
            step = .decided
            out.append(.decide(d))
            return true  // L52–54 (h_p + 1, reset, StartRound(0)) happen at the driver's startHeight
        }
        return false
    }

    /// L55: f+1 ⟨∗, h_p, round, ∗, ∗⟩ with round > round_p: StartRound(round).
    private mutating func l55(_ out: inout [ConsensusOutput]) -> Bool {
        guard !mutations.contains(.skipL55), let votes else { return false }
        for r in votes.roundsSeen.reversed() where r > round {
            if votes.validatorSet.isOneThirdPlus(votes.senderPower(round: r)) {
                startRound(r, &out)  // L56
                return true
            }
        }
        return false
    }
}
